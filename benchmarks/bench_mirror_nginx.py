"""`gover install 1.22.10` from a mirror served by Debian's nginx over HTTPS vs
`curl -s URL | tar -xz` of the same archive from the same nginx (same CA), in one run.

    python3 benchmarks/bench_mirror_nginx.py [--runs 7]

The tree is made by `gover mirror build --version 1.22.10 --platform linux/amd64` from a local
signed mirror (benchmarks/common.py) and served by tests/support/nginx.py (127.0.0.1, a test
CA). Runs alternate; each gover install goes into a fresh GOVER_HOME (index fetch, download,
SHA-256, .sha256 sidecar, gpg, extract, rehash) and each curl | tar into a fresh directory
(no verification at all). Target: gover <= 1.3x curl | tar (medians).

The native shim is built once (first row, a fresh store with no prebuilt shim: gover rehash
compiles it with the installed Go) and then shared through GOVER_SHIM_CACHE, as a fleet or an
image does: the timed installs copy it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess

from common import Mirror, gover_argv, local_mirror, median_ms, print_table, timed

from tests.support import nginx

ARCHIVE = "go1.22.10.linux-amd64.tar.gz"


def settle(m: Mirror) -> None:
    for p in [*m.work.glob("home*"), *m.work.glob("plain*")]:
        shutil.rmtree(p)
    os.sync()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    runs = ap.parse_args().runs
    with local_mirror() as m:
        base = {
            k: v for k, v in m.env.items() if k not in ("GOVER_INDEX_URL", "GOVER_DOWNLOAD_BASE")
        }
        tree = m.work / "tree"
        subprocess.run(
            [
                *gover_argv(),
                "mirror",
                "build",
                str(tree),
                "--version",
                "1.22.10",
                "--platform",
                "linux/amd64",
            ],
            env=dict(base, GOVER_MIRROR=m.url, GOVER_HOME=str(m.work / "builder")),
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        with nginx.serve(tree, m.work / "nginx") as srv:
            env = dict(
                base,
                GOVER_MIRROR=srv.url,
                GOVER_CA_BUNDLE=str(srv.ca_path),
                GOVER_SHIM_CACHE=str(m.work / "shim-cache"),
            )
            n = iter(range(10**6))

            def gover_install() -> None:
                home = m.work / f"home{next(n)}"
                subprocess.run(
                    [*gover_argv(), "install", "1.22.10"],
                    env=dict(env, GOVER_HOME=str(home)),
                    check=True,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                assert (home / "versions" / "1.22.10" / "bin" / "go").is_file()

            def curl_tar() -> None:
                dest = m.work / f"plain{next(n)}"
                dest.mkdir()
                subprocess.run(
                    [
                        "bash",
                        "-o",
                        "pipefail",
                        "-c",
                        'curl -s --cacert "$1" "$2" | tar -xz -C "$3"',
                        "-",
                        str(srv.ca_path),
                        srv.url + ARCHIVE,
                        str(dest),
                    ],
                    check=True,
                )
                assert (dest / "go" / "bin" / "go").is_file()

            cold = timed(gover_install, 1)  # also warms the page cache and the shim cache
            curl_tar()
            g: list[float] = []
            c: list[float] = []
            for _ in range(runs):
                # Each run starts with nothing left to write back: the ~250 MB the previous
                # run unpacked would otherwise be flushed during (and charged to) the next.
                settle(m)
                g += timed(gover_install, 1)
                settle(m)
                c += timed(curl_tar, 1)
    gm, cm = median_ms(g), median_ms(c)
    ratio = gm / cm
    print_table(
        f"install 1.22.10 from nginx over HTTPS ({runs} alternating runs, medians)",
        [
            ("gover install, first (builds the native shim)", f"{cold[0] * 1000:.0f} ms", ""),
            ("curl -s URL | tar -xz", f"{cm:.0f} ms", ""),
            ("gover install 1.22.10", f"{gm:.0f} ms", ""),
            ("ratio", f"{ratio:.2f}x", "target <= 1.3x: " + ("ok" if ratio <= 1.3 else "MISSED")),
        ],
    )


if __name__ == "__main__":
    main()
