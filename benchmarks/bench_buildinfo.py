"""gover.inspect.buildinfo.read against `go version -m` on a ~100 MB Go binary, and memory vs size;
then `gover verify` on crafted 16 MiB module infos.

    python benchmarks/bench_buildinfo.py [--runs 20] [--mb 90] [--crafted-only]

Builds (once, cached under ~/.cache/gover-tests/bench-buildinfo) a linux/amd64 Go program
that embeds a generated incompressible blob with //go:embed into a []byte (so it sits in
the data segment, after the build info), plus a plain hello for comparison, and a sparse
2 GiB copy of the big one. Each file is measured in a fresh child process so ru_maxrss
starts clean: median of N reads, tracemalloc peak, and the growth of ru_maxrss.
Targets: read <= 50 ms on the ~100 MB binary; memory independent of file size.

Crafted: hand-built executables whose module info is 16 MiB (the reader's cap) of module
lines, empty lines or quoted build settings (the shapes tests/inspect/test_buildinfo.py checks
against Go). Timed in the same run: buildinfo.read_go_version (what verify uses: the module
info is validated, nothing is built), buildinfo.read (everything parsed), `gover verify FILE`
end to end, and as baselines `gover verify` on the small hello and `go version -m` on the
crafted file. Target (issue 8): `gover verify` on a 16 MiB crafted build info <= 1 s.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from gover.inspect import buildinfo  # noqa: E402
from tests.support import goarchives  # noqa: E402
from tests.support.binaries import CRAFTED_SHAPES, crafted_modinfo, synth_elf  # noqa: E402

VERSION = "1.22.10"
CACHE = goarchives.cache_root()
WORK = CACHE / "bench-buildinfo"

MAIN = """package main

import _ "embed"

//go:embed blob.bin
var blob []byte

func main() { println(len(blob)) }
"""


def goroot(version: str = VERSION) -> Path:
    """The toolchain the tests extract (same cache layout), extracted here if missing."""
    dest = CACHE / "goroots" / version
    if not (dest / "go" / "bin" / "go").exists():
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{version}-", dir=dest.parent))
        try:
            with tarfile.open(goarchives.archive_path(version)) as tf:
                tf.extractall(tmp, filter="tar")
            tmp.rename(dest)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return dest / "go"


def go_env(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GO", "CGO"))}
    env.update(
        GOROOT=str(root),
        GOTOOLCHAIN="local",
        GOPROXY="off",
        GOFLAGS="-mod=mod",
        GOWORK="off",
        GOENV="off",
        CGO_ENABLED="0",
        GOCACHE=str(CACHE / "gocache"),
        GOPATH=str(WORK / "gopath"),
        GOOS="linux",
        GOARCH="amd64",
    )
    return env


def build(root: Path, mb: int, big_too: bool = True) -> tuple[Path, Path]:
    """(small hello, big embed) binaries, rebuilt only when missing or of another size."""
    src = WORK / f"src-{mb}"
    big = WORK / f"big-{mb}mb"
    small = WORK / "hello"
    env = go_env(root)
    if big_too and not big.exists():
        src.mkdir(parents=True, exist_ok=True)
        (src / "go.mod").write_text("module example.com/big\n\ngo 1.21\n")
        (src / "main.go").write_text(MAIN)
        with (src / "blob.bin").open("wb") as fh:
            for _ in range(mb):
                fh.write(os.urandom(1 << 20))
        t0 = time.perf_counter()
        subprocess.run(
            [str(root / "bin" / "go"), "build", "-o", str(big), "."], cwd=src, env=env, check=True
        )
        print(f"built {big.name} in {time.perf_counter() - t0:.1f} s")
        (src / "blob.bin").unlink()
    if not small.exists():
        hello = WORK / "src-hello"
        hello.mkdir(parents=True, exist_ok=True)
        (hello / "go.mod").write_text("module example.com/hello\n\ngo 1.21\n")
        (hello / "main.go").write_text('package main\n\nfunc main() { println("hi") }\n')
        subprocess.run(
            [str(root / "bin" / "go"), "build", "-o", str(small), "."],
            cwd=hello,
            env=env,
            check=True,
        )
    return small, big


def without_section_headers(big: Path, dst: Path) -> Path:
    """A copy with e_shoff/e_shnum/e_shstrndx zeroed: the reader must fall back to the first
    writable PT_LOAD, here ~94 MB (the blob lives there). Go 1.22 reads all of it."""
    shutil.copyfile(big, dst)
    with dst.open("r+b") as fh:
        fh.seek(0x28)
        fh.write(bytes(8))
        fh.seek(0x3C)
        fh.write(bytes(4))
    return dst


def sparse_copy(big: Path, dst: Path) -> Path:
    shutil.copyfile(big, dst)
    os.truncate(dst, 2 << 30)
    return dst


def measure(path: Path, runs: int) -> dict[str, float]:
    """In this (fresh) process: median read time, tracemalloc peak, ru_maxrss growth."""
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        buildinfo.read(path)
        times.append(time.perf_counter() - t0)
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    buildinfo.read(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "median_ms": statistics.median(times) * 1000,
        "max_ms": max(times) * 1000,
        "peak_kib": peak / 1024,
        "rss_delta_kib": float(rss1 - rss0),  # Linux: ru_maxrss is in KiB
    }


def measure_go(root: Path, path: Path, runs: int) -> dict[str, float]:
    """`go version -m`: median wall time and the child's peak RSS."""
    exe = str(root / "bin" / "go")
    env = go_env(root)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([exe, "version", "-m", str(path)], env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    # Peak RSS of one more run, read from the child's rusage.
    proc = subprocess.Popen([exe, "version", "-m", str(path)], env=env, stdout=subprocess.DEVNULL)
    _, _, usage = os.wait4(proc.pid, 0)
    return {"median_ms": statistics.median(times) * 1000, "rss_kib": float(usage.ru_maxrss)}


def _median_s(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def crafted(root: Path, small: Path, runs: int) -> bool:
    """`gover verify` on 16 MiB crafted module infos, with baselines from the same run."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVER_")}
    env["PYTHONPATH"] = str(REPO)
    verify = [sys.executable, "-m", "gover", "verify", "--expect", VERSION]
    rows = []
    with tempfile.TemporaryDirectory(dir=WORK) as tmp:
        env["GOVER_HOME"] = str(Path(tmp) / "home")

        def gover_verify(path: Path) -> None:
            subprocess.run([*verify, str(path)], env=env, check=True, stdout=subprocess.DEVNULL)

        base = _median_s(lambda: gover_verify(small), runs)
        for shape in sorted(CRAFTED_SHAPES):
            path = Path(tmp) / f"crafted-{shape}"
            mod = crafted_modinfo(shape)
            path.write_bytes(synth_elf(64, False, True, f"go{VERSION}".encode(), mod))
            lines = mod.count(b"\n")
            check = _median_s(functools.partial(buildinfo.read_go_version, path), runs)
            full = _median_s(functools.partial(buildinfo.read, path), max(1, runs // 5))
            cli = _median_s(functools.partial(gover_verify, path), runs)
            gom = measure_go(root, path, max(1, runs // 5))["median_ms"] / 1000
            rows.append((shape, len(mod), lines, check, full, cli, gom))
    print()
    print(
        f"crafted 16 MiB module info (go{VERSION} ELF), median of {runs} ({max(1, runs // 5)} for full parse and go -m)"
    )
    head = (
        f"{'shape':<10}{'MiB':>6}{'lines':>10}{'validate ms':>13}{'full parse ms':>15}"
        f"{'gover verify ms':>17}{'go version -m ms':>18}"
    )
    print(head)
    print("-" * len(head))
    print(
        f"{'hello':<10}{small.stat().st_size / (1 << 20):>6.1f}{'':>10}{'':>13}{'':>15}{base * 1000:>17.0f}{'':>18}  (baseline)"
    )
    for shape, size, lines, check, full, cli, gom in rows:
        print(
            f"{shape:<10}{size / (1 << 20):>6.1f}{lines:>10}{check * 1000:>13.0f}"
            f"{full * 1000:>15.0f}{cli * 1000:>17.0f}{gom * 1000:>18.0f}"
        )
    ok = max(r[5] for r in rows) <= 1.0
    print(f"target gover verify <= 1 s on a 16 MiB crafted build info: {'met' if ok else 'MISSED'}")
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--mb", type=int, default=90, help="size of the embedded blob")
    ap.add_argument("--crafted-only", action="store_true", help="only the crafted-input table")
    ap.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure:  # child mode
        print(json.dumps(measure(args.measure, args.runs)))
        return 0

    root = goroot()
    small, big = build(root, args.mb, big_too=not args.crafted_only)
    if args.crafted_only:
        return 0 if crafted(root, small, args.runs) else 1
    files = [("hello", small), (f"embed {args.mb} MB", big)]
    with tempfile.TemporaryDirectory(dir=WORK) as tmp:
        files.append(("no sections", without_section_headers(big, Path(tmp) / "nosect")))
        files.append(("sparse 2 GiB", sparse_copy(big, Path(tmp) / "sparse")))
        rows = []
        for label, path in files:
            child = subprocess.run(
                [sys.executable, __file__, "--measure", str(path), "--runs", str(args.runs)],
                check=True,
                capture_output=True,
                text=True,
            )
            ours = json.loads(child.stdout)
            theirs = measure_go(root, path, args.runs)
            rows.append((label, path.stat().st_size, ours, theirs))

    print(f"buildinfo.read vs `go version -m` (go{VERSION}), median of {args.runs}")
    head = (
        f"{'file':<16}{'size MB':>9}{'read ms':>9}{'max ms':>8}{'go -m ms':>10}"
        f"{'tracemalloc KiB':>17}{'rss +KiB':>10}{'go rss MiB':>12}"
    )
    print(head)
    print("-" * len(head))
    for label, size, ours, theirs in rows:
        print(
            f"{label:<16}{size / 1e6:>9.1f}{ours['median_ms']:>9.2f}{ours['max_ms']:>8.2f}"
            f"{theirs['median_ms']:>10.1f}{ours['peak_kib']:>17.1f}{ours['rss_delta_kib']:>10.0f}"
            f"{theirs['rss_kib'] / 1024:>12.1f}"
        )
    ok = max(r[2]["median_ms"] for r in rows) <= 50 and max(r[2]["peak_kib"] for r in rows) < 1024
    print(f"target read <= 50 ms and peak < 1 MiB at every size: {'met' if ok else 'MISSED'}")
    ok = crafted(root, small, args.runs) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
