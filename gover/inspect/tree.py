"""`gover verify --tree [PATH]`: is a Go tree the official release, byte for byte, and if not,
which files differ.

The proof is the checksum database's `h1:` for the toolchain module (the dirhash of the
tree's module subset, trust/dirhash.py). When it differs, the files are named by comparing
the tree file by file with the module zip from the user's GOPROXY, which is used only after
its own dirhash matched the database's record: the reference list is proven the same way.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

from gover.config import Config
from gover.constants import MAX_ARCHIVE_MEMBERS, MAX_UNPACKED_BYTES, TOOLCHAIN_MODULE
from gover.errors import GoverError, NetworkError, UsageError, VerificationError
from gover.toolchain import adopt, proxy

MAX_ZIP_BYTES = 1 << 30  # a toolchain module zip is ~70-100 MB
_CHUNK = 1 << 20


@dataclass(frozen=True)
class TreeCheck:
    root: Path
    version: str  # "go1.22.10"
    module: str  # "golang.org/toolchain@v0.0.1-go1.22.10.linux-amd64"
    h1: str  # the tree's
    db_h1: str  # the database's
    proof: str  # Proof.line
    changed: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()
    reference: str = ""  # where the official file list came from (the zip's URL)
    why_no_list: str = ""  # why the differing files could not be named

    @property
    def vouched(self) -> bool:
        return self.h1 == self.db_h1


def default_root(cwd: Path | None = None) -> Path:
    """The selected toolchain's GOROOT (an installed version, or the system go's tree)."""
    from gover.select import resolve

    sel = resolve.select(cwd)
    if sel.root is not None:
        return sel.root
    assert sel.system is not None
    return Path(os.path.realpath(sel.system)).parent.parent


def _module_of(root: Path) -> tuple[adopt.Found, str]:
    found = adopt.describe(root)
    if found.version is None:
        raise UsageError(
            f"{root}: no readable VERSION file, not a Go release tree",
            "give the root of a Go toolchain (GOROOT)",
        )
    if found.distro is not None:
        raise GoverError(
            f"{root}: distro build ({found.distro}): {adopt.DISTRO_NOTE}; the checksum "
            "database has no record of it to compare with",
            "install the official release: gover install " + found.version.name,
        )
    mv = adopt.module_version(found)
    if mv is None:
        raise GoverError(
            f"{root}: go{found.version.name} is not in the checksum database (toolchain modules "
            f"start at go{adopt.FIRST_MODULE_RELEASE.name}); gover cannot tell",
        )
    return found, mv


def check(cfg: Config, root: Path) -> TreeCheck:
    """The checksum database's word on the tree at `root`; when it differs, which files."""
    from gover.toolchain.trust import dirhash, sumdb

    if not root.is_dir():
        raise UsageError(f"{root}: not a directory", "give the root of a Go toolchain (GOROOT)")
    found, mv = _module_of(root)
    env = proxy.go_env()  # GOSUMDB & co. from the environment or `go env -w`, as go reads them
    db = sumdb.SumDB.from_env(env.values)
    if db is None:
        raise GoverError(f"{root}: GOSUMDB=off: no checksum database to ask; cannot tell")
    why = sumdb.skipped(TOOLCHAIN_MODULE, env.values)
    if why is not None:
        raise GoverError(f"{root}: the checksum database is not asked ({why}); cannot tell")
    mine = dirhash.tree_files(root, mv)
    h1 = dirhash.hash1(mine)
    try:
        proof = sumdb.lookup(
            cfg, db, TOOLCHAIN_MODULE, mv, proxies=proxy.sumdb_proxies(env), environ=env.values
        )
    except NetworkError as exc:
        raise NetworkError(
            f"cannot tell whether {root} is the official go{found.version}: {exc.message}",
            "retry when the checksum database is reachable",
        ) from None
    module = f"{TOOLCHAIN_MODULE}@{mv}"
    base = TreeCheck(root, f"go{found.version}", module, h1, proof.h1, proof.line)
    if h1 == proof.h1:
        return base
    try:
        official, url = official_files(cfg, mv, proof.h1)
    except GoverError as exc:
        return dataclasses.replace(base, why_no_list=exc.message)
    return _compare(base, mv, dict(mine), official, url)


def _shown(name: str, prefix: str) -> str:
    rel = name.removeprefix(prefix)
    head, _, base = rel.rpartition("/")
    if base == "_go.mod":  # the zip's name of a go.mod
        rel = f"{head}/go.mod" if head else "go.mod"
    return rel


def _compare(
    base: TreeCheck, mv: str, mine: dict[str, str], official: dict[str, str], url: str
) -> TreeCheck:
    from gover.toolchain.trust import dirhash

    prefix = dirhash.module_prefix(mv)
    both = mine.keys() & official.keys()
    changed = sorted(_shown(n, prefix) for n in both if mine[n] != official[n])
    missing = sorted(_shown(n, prefix) for n in official.keys() - mine.keys())
    extra = sorted(_shown(n, prefix) for n in mine.keys() - official.keys())
    return dataclasses.replace(
        base, changed=tuple(changed), missing=tuple(missing), extra=tuple(extra), reference=url
    )


def _zip_files(data: bytes, mv: str, url: str) -> dict[str, str]:
    """(zip name -> sha256) of a module zip, under the caps; a name outside the module's
    prefix is refused."""
    from gover.toolchain.trust import dirhash

    prefix = dirhash.module_prefix(mv)
    files: dict[str, str] = {}
    total = 0
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_ARCHIVE_MEMBERS:
                raise VerificationError(f"{url}: more than {MAX_ARCHIVE_MEMBERS} entries")
            for info in infos:
                if info.is_dir():
                    continue
                if not info.filename.startswith(prefix) or info.filename in files:
                    raise VerificationError(f"{url}: entry {info.filename!r} is not the module's")
                digest = hashlib.sha256()
                with zf.open(info) as fh:
                    while chunk := fh.read(_CHUNK):
                        total += len(chunk)
                        if total > MAX_UNPACKED_BYTES:
                            raise VerificationError(f"{url}: over {MAX_UNPACKED_BYTES} bytes")
                        digest.update(chunk)
                files[info.filename] = digest.hexdigest()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise VerificationError(f"{url}: not a readable zip ({exc})") from None
    return files


def official_files(cfg: Config, mv: str, db_h1: str) -> tuple[dict[str, str], str]:
    """The official module zip's files (zip name -> sha256) and the URL it came from: each
    GOPROXY entry tried in order; a zip whose dirhash is not the database's is refused."""
    from gover.toolchain import download
    from gover.toolchain.trust import dirhash

    errors: list[str] = []
    for base in proxy.proxy_urls(proxy.go_env()):
        url = f"{base}/{TOOLCHAIN_MODULE}/@v/{mv}.zip"
        try:
            got = download.fetch_bytes(url, cfg, max_bytes=MAX_ZIP_BYTES, retries=1)
            files = _zip_files(got.content, mv, url)
        except GoverError as exc:
            errors.append(exc.message)
            continue
        zip_h1 = dirhash.hash1(files.items())
        if zip_h1 != db_h1:
            errors.append(f"{url}: its dirhash {zip_h1} is not the checksum database's {db_h1}")
            continue
        return files, url
    if not errors:
        errors.append("GOPROXY names no proxy")
    raise GoverError("the official file list is not available (" + "; ".join(errors) + ")")
