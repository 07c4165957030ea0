"""The checksum database's h1 of an unpacked Go tree (dirhash.tree_hash) against `sha256sum`
of the same files.

    python3 benchmarks/bench_dirhash.py [--runs 7]

Unpacks the test go1.22.10 release (cached under ~/.cache/gover-tests/modproxy), then
alternates, run after run with a warm page cache: gover's tree_hash in-process (walk, a
thread pool of readers, Hash1), `find | xargs -0 sha256sum` over the files the module zip
holds (the same bytes), and over every file of the tree. Reports medians.
Target: tree_hash <= 1.3x `sha256sum` of the same files.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from common import median_ms, print_table, timed

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gover.toolchain.trust import dirhash
from tests.support import modproxy


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    runs = ap.parse_args().runs
    root = modproxy.goroot("1.22.10")
    mv = modproxy.module_version("1.22.10")
    subset = [
        p
        for p in sorted(root.rglob("*"))
        if p.is_file() and dirhash.zip_name(p.relative_to(root).as_posix(), mv) is not None
    ]
    listing = b"\0".join(str(p).encode() for p in subset)
    every = b"\0".join(str(p).encode() for p in sorted(root.rglob("*")) if p.is_file())

    def sha256sum(names: bytes) -> None:
        subprocess.run(
            ["xargs", "-0", "sha256sum"], input=names, stdout=subprocess.DEVNULL, check=True
        )

    def tree_hash() -> None:
        dirhash.tree_hash(root, mv)

    # Warm the page cache, then alternate so drift hits every contender alike.
    tree_hash()
    sha256sum(every)
    samples: dict[str, list[float]] = {"tree_hash": [], "subset": [], "every": []}
    for _ in range(runs):
        samples["tree_hash"] += timed(tree_hash, 1)
        samples["subset"] += timed(lambda: sha256sum(listing), 1)
        samples["every"] += timed(lambda: sha256sum(every), 1)
    size = sum(p.stat().st_size for p in subset)
    med = {k: median_ms(v) for k, v in samples.items()}
    print_table(
        f"dirhash of go1.22.10 ({len(subset)} files, {size / 1e6:.0f} MB in the module zip; "
        f"{runs} runs, medians)",
        [
            (
                "dirhash.tree_hash (in-process)",
                f"{med['tree_hash']:.0f} ms",
                f"{med['tree_hash'] / med['subset']:.2f}x sha256sum of the same files",
            ),
            ("find | xargs sha256sum (same files)", f"{med['subset']:.0f} ms", "baseline"),
            (
                "find | xargs sha256sum (every file)",
                f"{med['every']:.0f} ms",
                f"{med['every'] / med['subset']:.2f}x",
            ),
        ],
    )


if __name__ == "__main__":
    main()
