"""`gover install --source proxy 1.22.10` through a local file:// module proxy, with the
checksum-database proof, vs `cat ZIP > x.zip && unzip -q x.zip` of the same zip, in one run.

    python3 benchmarks/bench_proxy_install.py [--runs 7]

The proxy tree is tests/support/modproxy's (the module zip of the test 1.22.10 toolchain, as
cmd/distpack packs it); the checksum database is tests/support/sumdb's, served over HTTP on
127.0.0.1 (GOSUMDB=<key> http://127.0.0.1:PORT, GOVER_VERIFY_SUMDB=require). Each gover run
goes into a fresh GOVER_HOME: .info, the database lookup (signed note, inclusion proof, tree
head stored), .mod, .zip copied into the cache, unpacked with every entry hashed, h1 compared,
committed, shims rehashed. Each baseline run copies the zip and unzips it into a fresh
directory (no verification at all). Runs alternate; medians; target: gover <= 1.3x.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

from common import REPO, gover_argv, median_ms, print_table

from tests.support import goarchives, modproxy
from tests.support.httpserver import TestServer
from tests.support.sumdb import TestSumDB


def deflate(src: Path, dest: Path) -> None:
    """`src` rewritten with every member deflated (same names and contents, so the same h1)."""
    dest.unlink()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            out = zipfile.ZipInfo(info.filename, info.date_time)
            out.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(out, data)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument(
        "--dir",
        default=None,
        help="where to work (e.g. /dev/shm: takes the disk's writeback, which swings both "
        "sides by seconds on a shared VM, out of the comparison)",
    )
    args = ap.parse_args()
    runs = args.runs
    import time

    work = Path(tempfile.mkdtemp(prefix="bench-proxy-", dir=args.dir))
    try:
        z = modproxy.build_tree(work / "proxy", ("1.22.10",))["1.22.10"]
        db = TestSumDB("sumdb.test")
        db.add_filler(1000)
        db.add(modproxy.MODULE, z.mv, z.sum_lines())
        db.add_filler(100)
        db.write(work / "db")
        zip_path = work / "proxy" / modproxy.MODULE / "@v" / f"{z.mv}.zip"
        deflate(z.path, zip_path)  # as proxies serve it (the test zip is stored, not deflated)
        with TestServer(work / "db") as server:
            env = dict(
                os.environ,
                PYTHONPATH=str(REPO),
                HOME=str(work / "home"),
                GOPROXY=(work / "proxy").as_uri(),
                GOSUMDB=db.gosumdb(server.url.rstrip("/")),
                GOVER_VERIFY_SUMDB="require",
                GOVER_SHIM_CACHE=str(goarchives.cache_root() / "native-shim"),
            )
            gover_s: list[float] = []
            unzip_s: list[float] = []
            for i in range(runs + 1):  # the first pair warms the page cache and is dropped
                for p in [*work.glob("gh*"), *work.glob("plain*")]:
                    shutil.rmtree(p)
                os.sync()
                home = work / f"gh{i}"
                t0 = time.perf_counter()
                subprocess.run(
                    [*gover_argv(), "install", "--source", "proxy", "1.22.10"],
                    env=dict(env, GOVER_HOME=str(home)),
                    check=True,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                t1 = time.perf_counter()
                plain = work / f"plain{i}"
                plain.mkdir()
                os.sync()  # the baseline starts with nothing to write back too
                t1 = time.perf_counter()
                subprocess.run(
                    f"cat '{zip_path}' > x.zip && unzip -q x.zip",
                    shell=True,
                    cwd=plain,
                    check=True,
                )
                t2 = time.perf_counter()
                if i:
                    gover_s.append(t1 - t0)
                    unzip_s.append(t2 - t1)
        g, u = median_ms(gover_s), median_ms(unzip_s)
        print_table(
            f"install 1.22.10 through a file:// module proxy ({zip_path.stat().st_size / 1e6:.0f} MB zip), "
            f"medians of {runs}",
            [
                ("gover install --source proxy (sumdb proof)", f"{g:.0f} ms", ""),
                ("cat ZIP > x.zip && unzip -q", f"{u:.0f} ms", ""),
                ("ratio", f"{g / u:.2f}x", "target <= 1.3x"),
            ],
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
