"""`gover adopt --scan` of five Go trees judged by a checksum database, and `gover adopt` of
one, against the floor of the same work (sha256sum of every file; cp -a).

    python3 benchmarks/bench_adopt.py [--runs 5]

The trees, in a temp HOME: ~/sdk/go1.22.10 (golang.org/dl), a module cache that real go
filled by switching to go1.21.13 (judged by its .ziphash), ~/.goenv/versions/1.22.10 with one
file changed, asdf's 1.22.10 and mise's 1.21.13; Debian's /usr/lib/go-1.19, if installed, is
a sixth (a distro build: not hashed). The test checksum database (tests/support/sumdb.py) is
served over HTTP on 127.0.0.1. Each tree is a hard-linked clone: the files are in the page
cache after the first run, as they are for the baseline.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
from pathlib import Path

from common import REPO, gover_argv, median_ms, print_table, timed

from tests.support import adopttrees, modproxy
from tests.support.httpserver import TestServer
from tests.support.sumdb import TestSumDB


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    runs = ap.parse_args().runs
    with tempfile.TemporaryDirectory(prefix="bench-adopt") as tmp:
        base = Path(tmp)
        home = base / "home"
        home.mkdir()
        go22, go21 = modproxy.goroot("1.22.10"), modproxy.goroot("1.21.13")
        zips = modproxy.build_tree(base / "proxy")
        adopttrees.go_unpacked_modcache(
            go22 / "bin" / "go", "1.21.13", base / "proxy", home / "go" / "pkg" / "mod", base / "h"
        )
        adopttrees.clone(go22, home / "sdk" / "go1.22.10")
        goenv = adopttrees.clone(go22, home / ".goenv" / "versions" / "1.22.10")
        adopttrees.replace_file(goenv / adopttrees.CHANGED, b"package fmt\n")
        adopttrees.clone(go22, home / ".asdf" / "installs" / "golang" / "1.22.10" / "go")
        adopttrees.clone(go21, home / ".local" / "share" / "mise" / "installs" / "go" / "1.21.13")
        db = TestSumDB()
        db.add_filler(300)
        for z in zips.values():
            db.add(modproxy.MODULE, z.mv, z.sum_lines())
        (base / "db").mkdir()
        db.write(base / "db")
        with TestServer(base / "db") as server:
            env = dict(
                os.environ,
                PYTHONPATH=str(REPO),
                HOME=str(home),
                GOVER_HOME=str(base / "gover"),
                GOSUMDB=db.gosumdb(server.url.rstrip("/")),
                GOVER_VERIFY_SUMDB="auto",
                GOPROXY=(base / "proxy").as_uri(),
            )

            def scan() -> None:
                subprocess.run(
                    [*gover_argv(), "adopt", "--scan"], env=env, check=True, capture_output=True
                )

            hashed = [
                home / "sdk" / "go1.22.10",
                goenv,
                home / ".asdf" / "installs" / "golang" / "1.22.10" / "go",
                home / ".local" / "share" / "mise" / "installs" / "go" / "1.21.13",
            ]

            def sha256sum() -> None:
                find = subprocess.run(
                    ["find", *map(str, hashed), "-type", "f", "-print0"],
                    check=True,
                    capture_output=True,
                )
                subprocess.run(
                    ["xargs", "-0", "-P", "4", "-n", "500", "sha256sum"],
                    input=find.stdout,
                    check=True,
                    capture_output=True,
                )

            def start() -> None:
                subprocess.run([*gover_argv(), "--version"], env=env, check=True, capture_output=True)

            scan()  # warm the page cache
            t_scan = timed(scan, runs)
            t_sum = timed(sha256sum, runs)
            t_start = timed(start, runs)

            target = base / "gover" / "versions" / "1.22.10"

            def adopt() -> None:
                subprocess.run(
                    [*gover_argv(), "adopt", str(home / "sdk" / "go1.22.10")],
                    env=env,
                    check=True,
                    capture_output=True,
                )
                subprocess.run(["rm", "-rf", str(target)], check=True)
                os.sync()

            def cp() -> None:
                subprocess.run(["cp", "-a", str(go22), str(base / "copy")], check=True)
                subprocess.run(["rm", "-rf", str(base / "copy")], check=True)
                os.sync()

            t_adopt = timed(adopt, runs)
            t_cp = timed(cp, runs)
    ms = median_ms
    print_table(
        f"adopt (median of {runs})",
        [
            ("adopt --scan, 5 trees (+Debian)", f"{ms(t_scan):.0f} ms", ""),
            (
                "sha256sum of the 4 hashed trees",
                f"{ms(t_sum):.0f} ms",
                f"scan / sha256sum = {ms(t_scan) / ms(t_sum):.2f}x",
            ),
            ("gover --version (process start)", f"{ms(t_start):.0f} ms", ""),
            ("adopt one tree (copy + proof)", f"{ms(t_adopt):.0f} ms", ""),
            ("cp -a of the same tree", f"{ms(t_cp):.0f} ms", f"{ms(t_adopt) / ms(t_cp):.2f}x"),
        ],
    )


if __name__ == "__main__":
    main()
