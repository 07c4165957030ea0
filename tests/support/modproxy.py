"""A file:// Go module proxy holding the test toolchains as module golang.org/toolchain.

Built from the test archives (goarchives.archive_path) the way cmd/distpack packs a release:
every name under `golang.org/toolchain@v0.0.1-go<ver>.linux-amd64/`, api/ doc/ misc/ test/
left out, every go.mod renamed _go.mod (gover.toolchain.trust.dirhash.zip_name is the rule).
Real go switching to the toolchain through this proxy (tests/toolchain/test_go_oracle.py) is
what proves the layout. The zips are cached under goarchives.cache_root() like the archives.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from gover.toolchain.trust import dirhash
from gover.versions import GoVersion
from tests.support import goarchives

MODULE = "golang.org/toolchain"
GOMOD = b"module golang.org/toolchain\n"
GOOS, GOARCH = "linux", "amd64"


def module_version(version: str) -> str:
    return dirhash.module_version(GoVersion.parse(version), GOOS, GOARCH)


@dataclass(frozen=True)
class ModuleZip:
    version: str  # "1.22.10"
    mv: str  # "v0.0.1-go1.22.10.linux-amd64"
    path: Path  # the cached zip
    h1: str  # dirhash of the zip's files, as go.sum records it
    time: str  # from the release's VERSION file (RFC 3339)

    @property
    def gomod_h1(self) -> str:
        return dirhash.gomod_hash(GOMOD)

    def sum_lines(self) -> str:
        """The go.sum record the checksum database keeps for this module version."""
        return f"{MODULE} {self.mv} {self.h1}\n{MODULE} {self.mv}/go.mod {self.gomod_h1}\n"


def _cache() -> Path:
    root = goarchives.cache_root() / "modproxy"
    root.mkdir(parents=True, exist_ok=True)
    return root


def _version_time(data: bytes) -> str:
    for line in data.decode().splitlines()[1:]:
        key, _, value = line.partition(" ")
        if key == "time":
            return value.strip()
    return "2024-01-01T00:00:00Z"


def build_zip(version: str) -> ModuleZip:
    """The module zip of test toolchain `version` (cached), with its h1 and time."""
    mv = module_version(version)
    out = _cache() / f"{mv}.zip"
    meta = out.with_suffix(".json")
    if out.exists() and meta.exists():
        m = json.loads(meta.read_text())
        return ModuleZip(version, mv, out, m["h1"], m["time"])
    tmp = out.with_name(out.name + f".tmp{os.getpid()}")
    files: list[tuple[str, str]] = []
    when = "2024-01-01T00:00:00Z"
    with (
        tarfile.open(goarchives.archive_path(version)) as tf,
        zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf,
    ):
        for member in tf:  # in archive order: a gzip stream cannot seek back cheaply
            if not member.isfile():
                continue
            rel = member.name.removeprefix("go/")
            fh = tf.extractfile(member)
            assert fh is not None
            data = fh.read()
            if rel == "VERSION":
                when = _version_time(data)
            name = dirhash.zip_name(rel, mv)
            if name is None:
                continue
            zf.writestr(zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0)), data)
            files.append((name, hashlib.sha256(data).hexdigest()))
    h1 = dirhash.hash1(files)
    os.replace(tmp, out)
    meta.write_text(json.dumps({"h1": h1, "time": when}))
    return ModuleZip(version, mv, out, h1, when)


def goroot(version: str) -> Path:
    """An unpacked GOROOT of test toolchain `version` (cached; treat it as read-only)."""
    dest = _cache() / "goroots" / version
    if (dest / "go" / "bin" / "go").exists():
        return dest / "go"
    tmp = dest.with_name(f"{version}.tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    with tarfile.open(goarchives.archive_path(version)) as tf:
        tf.extractall(tmp, filter="tar")
    if dest.exists():
        shutil.rmtree(dest)
    os.replace(tmp, dest)
    return dest / "go"


def build_tree(
    root: Path, versions: tuple[str, ...] = goarchives.GO_VERSIONS
) -> dict[str, ModuleZip]:
    """Write a module proxy tree under `root` (serve it as file://root or over HTTP):
    golang.org/toolchain/@v/{list,<mv>.info,<mv>.mod,<mv>.zip}. The zips are hard links (or
    copies) of the cached ones. Returns the zips by Go version."""
    at_v = root / MODULE / "@v"
    at_v.mkdir(parents=True, exist_ok=True)
    zips = {v: build_zip(v) for v in versions}
    for z in zips.values():
        (at_v / f"{z.mv}.info").write_text(json.dumps({"Version": z.mv, "Time": z.time}) + "\n")
        (at_v / f"{z.mv}.mod").write_bytes(GOMOD)
        target = at_v / f"{z.mv}.zip"
        try:
            os.link(z.path, target)
        except OSError:
            shutil.copyfile(z.path, target)
    (at_v / "list").write_text("".join(f"{z.mv}\n" for z in zips.values()))
    return zips
