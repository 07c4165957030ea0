"""`gover adopt`: find the Go trees already on disk and take them into the store, proven by
Go's checksum database where it can vouch for them.

A tree is read, never trusted: only regular files, directories and symlinks that stay in
the tree are taken (a FIFO, device or socket, or a symlink out of the tree, is refused),
within the archive caps; nothing is ever followed out of it. Copying hashes every file as it
is written, so the module dirhash (`h1:`) that the checksum database is asked about is the
dirhash of the bytes that land in the store, not of a source that may change meanwhile.

`--link` takes no copy: the store directory is gover's own (marker, receipt) and holds one
absolute symlink per top-level entry of the tree, so it is installed by the one definition
(store.is_installed: a real directory, a receipt, bin/go), GOROOT=versions/<name> works, and
removing it (fsutil.rmtree, which never follows links) deletes only the links.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from gover import fsutil, output, paths
from gover.config import Config
from gover.constants import (
    MAX_ARCHIVE_DEPTH,
    MAX_ARCHIVE_MEMBERS,
    MAX_UNPACKED_BYTES,
    RECEIPT_NAME,
    STORE_MARKER,
    TOOLCHAIN_MODULE,
)
from gover.errors import GoverError, InstallError, NetworkError, UsageError, VerificationError
from gover.toolchain import proxy, store
from gover.toolchain.trust import dirhash
from gover.versions import GoVersion

if TYPE_CHECKING:
    from gover.toolchain.trust.sumdb import Proof

Status = Literal["vouched", "differs", "unverified", "distro", "unknown"]
Outcome = Literal["adopted", "linked", "already-installed"]

# What other tools leave in a Go tree that no Go release holds: golang.org/dl's marker.
FIRST_MODULE_RELEASE = GoVersion.parse("1.21.0")  # toolchain modules start here
DISTRO_NOTE = "differs from the official release by design"
_VERSION_LIMIT = 4096
_COPY_CHUNK = 1 << 20
_MOD_DIR = re.compile(
    r"^v0\.0\.1-go(?P<ver>[0-9][0-9a-z.]*?)\.(?P<os>[a-z0-9]+)-(?P<arch>[a-z0-9]+)$"
)
_DIR_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_DIRECTORY", 0)
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
)
_FILE_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
)


# --------------------------------------------------------------------------- finding trees


@dataclass(frozen=True)
class Found:
    """A Go tree on disk and what it is."""

    path: Path
    origin: str  # "golang.org/dl (~/sdk)", "module cache (GOTOOLCHAIN)", "Debian package" ...
    version: GoVersion | None  # from its VERSION file; None when that is missing or odd
    goos: str
    goarch: str
    distro: str | None = None  # "Debian" for a distribution's build
    ziphash: Path | None = None  # the module cache's record of the zip's h1


@dataclass(frozen=True)
class Verdict:
    """What the checksum database says about a tree."""

    status: Status
    detail: str  # one line: why
    h1: str = ""  # the tree's dirhash ("" when not computed)
    db_h1: str = ""  # what the database says ("" when it was not asked or had no answer)
    proof: str = ""  # Proof.line, for the receipt


@dataclass(frozen=True)
class Scanned:
    found: Found
    verdict: Verdict
    installed: bool  # this version is in the store already


def module_version(found: Found) -> str | None:
    """The toolchain module version of a tree (`v0.0.1-go1.22.10.linux-amd64`), or None when
    Go published none for it (before go1.21.0, or not a release)."""
    v = found.version
    if v is None or not (v.is_release or v.is_prerelease) or v < FIRST_MODULE_RELEASE:
        return None
    return dirhash.module_version(v, found.goos, found.goarch)


def read_version(root: Path) -> GoVersion | None:
    """The version in a tree's VERSION file: read bounded, never through a symlink, never
    blocking (a FIFO there is not a version)."""
    try:
        data = fsutil.read_limited(root / "VERSION", _VERSION_LIMIT, follow_symlinks=False)
    except OSError:
        return None
    lines = data.decode("utf-8", errors="replace").splitlines()
    first = lines[0].strip() if lines else ""
    return GoVersion.try_parse(first) if first.startswith("go") else None


def tree_platform(root: Path) -> tuple[str, str]:
    """GOOS/GOARCH of a Go tree, from its pkg/tool/<goos>_<goarch> directory (the one
    directory there); the host's when that is not there."""
    from gover.platform import host

    try:
        with os.scandir(root / "pkg" / "tool") as it:
            names = [
                e.name for e in it if e.is_dir(follow_symlinks=False) and e.name.count("_") == 1
            ]
    except OSError:
        names = []
    if len(names) == 1:
        goos, goarch = names[0].split("_")
        return goos, goarch
    plat = host()
    return plat.goos, plat.goarch


def distro_of(root: Path) -> str | None:
    """The distribution whose package built this tree, judged by where it lives."""
    text = str(root)
    if re.fullmatch(r"/usr/lib/go-[0-9][0-9.]*", text):
        return "Debian"
    if text in ("/usr/lib/golang", "/usr/lib64/golang"):
        return "Fedora"
    return None


def _is_tree(path: Path) -> bool:
    """A directory (the user's well-known path may be a symlink to one) with bin/go."""
    return path.is_dir() and (path / "bin" / "go").is_file()


def _children(base: Path, pattern: str = "*") -> list[Path]:
    """Directories in `base` matching `pattern`, not symlinks (mise's "latest" and friends
    point at trees already listed), in name order."""
    try:
        return sorted(p for p in base.glob(pattern) if not p.is_symlink())
    except OSError:
        return []


def modcache_dir() -> Path:
    """GOMODCACHE as go computes it from the environment (GOMODCACHE, else the first
    GOPATH entry's pkg/mod, else ~/go/pkg/mod); `go env` is not run."""
    env = os.environ.get("GOMODCACHE")
    if env:
        return Path(env)
    gopath = os.environ.get("GOPATH", "").split(os.pathsep)[0]
    base = Path(gopath) if gopath else Path.home() / "go"
    return base / "pkg" / "mod"


def _candidates() -> Iterator[tuple[Path, str, Path | None]]:
    """(tree, origin, .ziphash or None) in the usual places."""
    home = Path.home()
    yield Path("/usr/local/go"), "/usr/local/go (go.dev tarball)", None
    for p in _children(home / "sdk", "go*"):
        yield p, "golang.org/dl (~/sdk)", None
    cache = modcache_dir()
    ziphashes = cache / "cache" / "download" / TOOLCHAIN_MODULE / "@v"
    for p in _children(cache / "golang.org", "toolchain@v0.0.1-go*"):
        mv = p.name.partition("@")[2]
        yield p, "module cache (GOTOOLCHAIN)", ziphashes / f"{mv}.ziphash"
    goenv = Path(os.environ.get("GOENV_ROOT") or home / ".goenv")
    for p in _children(goenv / "versions"):
        yield p, "goenv", None
    asdf = Path(os.environ.get("ASDF_DATA_DIR") or home / ".asdf")
    for p in _children(asdf / "installs" / "golang"):
        yield p / "go", "asdf", None
    mise = Path(os.environ.get("MISE_DATA_DIR") or home / ".local" / "share" / "mise")
    for p in _children(mise / "installs" / "go"):
        yield p, "mise", None
    for p in _children(Path("/usr/lib"), "go-*"):
        yield p, "Debian package (golang-go)", None


def describe(path: Path, origin: str = "given path", ziphash: Path | None = None) -> Found:
    """What the tree at `path` is: version, platform, distribution."""
    goos, goarch = tree_platform(path)
    m = _MOD_DIR.match(path.name.partition("@")[2]) if "@" in path.name else None
    if m is not None:  # the module cache names the platform itself
        goos, goarch = m["os"], m["arch"]
        if ziphash is None:
            ziphash = path.parent.parent / "cache" / "download" / TOOLCHAIN_MODULE / "@v"
            ziphash = ziphash / f"{path.name.partition('@')[2]}.ziphash"
            if origin == "given path":
                origin = "module cache (GOTOOLCHAIN)"
    return Found(path, origin, read_version(path), goos, goarch, distro_of(path), ziphash)


def find_trees() -> list[Found]:
    """Every Go tree in the usual places, each once (by its real path), gover's own store
    left out."""
    store_dir = os.path.realpath(paths.versions_dir())
    seen: set[str] = set()
    found: list[Found] = []
    for path, origin, ziphash in _candidates():
        if not _is_tree(path):
            continue
        real = os.path.realpath(path)
        if real in seen or real == store_dir or real.startswith(store_dir + os.sep):
            continue
        seen.add(real)
        found.append(describe(path, origin, ziphash))
    return found


# --------------------------------------------------------------------------- the database


def _database(cfg: Config) -> tuple[object | None, str]:
    """The checksum database to ask, or None and why not."""
    from gover.toolchain.trust import sumdb

    if cfg.verify_sumdb == "off":
        return None, "not checked (verify_sumdb = off)"
    env = proxy.go_env().values  # GOSUMDB & co. from the environment or `go env -w`
    db = sumdb.SumDB.from_env(env)
    if db is None:
        return None, "not checked (GOSUMDB=off)"
    why = sumdb.skipped(TOOLCHAIN_MODULE, env)
    if why is not None:
        return None, f"not checked ({why})"
    return db, ""


def _lookup(cfg: Config, mv: str) -> tuple[Proof | None, str]:
    """The database's proven record of module version `mv`, or None and why not (a proof
    that fails verification raises: the log itself is not to be trusted)."""
    from gover.toolchain.trust import sumdb

    db, why = _database(cfg)
    if db is None:
        return None, why
    assert isinstance(db, sumdb.SumDB)
    try:
        env = proxy.go_env()
        proof = sumdb.lookup(
            cfg, db, TOOLCHAIN_MODULE, mv, proxies=proxy.sumdb_proxies(env), environ=env.values
        )
        return proof, ""
    except NetworkError as exc:
        return None, f"cannot tell: {exc.message}"


def _read_ziphash(path: Path) -> str | None:
    try:
        text = fsutil.read_capped(path, 256, follow_symlinks=False).decode("ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return text if text.startswith("h1:") else None


def judge(cfg: Config, found: Found, h1: str | None = None, proof_text: str = "") -> Verdict:
    """The checksum database's word on `found`: by `h1` (the dirhash of its copy) when given,
    else by the module cache's .ziphash where present, else by the tree's dirhash."""
    if found.distro is not None:
        return Verdict("distro", f"distro build ({found.distro}): {DISTRO_NOTE}")
    if found.version is None:
        return Verdict("unverified", "no readable VERSION file: not a Go release tree")
    mv = module_version(found)
    if mv is None:
        return Verdict(
            "unverified",
            f"go{found.version} is not in the checksum database (toolchain modules start at "
            f"go{FIRST_MODULE_RELEASE.name})",
        )
    how = "its dirhash"
    if h1 is None and found.ziphash is not None:
        h1 = _read_ziphash(found.ziphash)
        how = f"its {found.ziphash.name}"
    proof, why = _lookup(cfg, mv)
    if h1 is None:
        if proof is None:
            return Verdict("unknown" if why.startswith("cannot") else "unverified", why)
        h1 = dirhash.tree_hash(found.path, mv)
    if proof is None:
        status: Status = "unknown" if why.startswith("cannot") else "unverified"
        return Verdict(status, why, h1)
    if proof.h1 == h1:
        return Verdict(
            "vouched", f"{proof.db} vouches for it ({how} {h1})", h1, proof.h1, proof.line
        )
    return Verdict(
        "differs",
        f"differs from the official {mv}: {how} is {h1}, {proof.db} has {proof.h1} "
        f"(see: gover verify --tree {found.path})",
        h1,
        proof.h1,
    )


def scan(cfg: Config) -> list[Scanned]:
    """`gover adopt --scan`: each tree in the usual places and the database's word on it."""
    out = []
    for found in find_trees():
        try:
            verdict = judge(cfg, found)
        except VerificationError as exc:  # the log's proof failed: say so for this tree
            verdict = Verdict("unknown", f"checksum database proof failed: {exc.message}")
        except OSError as exc:
            verdict = Verdict("unknown", f"cannot read it: {fsutil_reason(exc)}")
        have = found.version is not None and store.get(found.version) is not None
        out.append(Scanned(found, verdict, have))
    return out


def fsutil_reason(exc: OSError) -> str:
    from gover.errors import io_reason

    return io_reason(exc)


# --------------------------------------------------------------------------- copying


@dataclass
class _Copy:
    """One tree copied into staging: counts against the caps, and each file's SHA-256."""

    source: Path
    dest: Path
    files: list[tuple[str, str]] = field(default_factory=list)  # (rel, sha256)
    links: list[str] = field(default_factory=list)
    members: int = 0
    bytes: int = 0

    def refuse(self, rel: str, reason: str) -> GoverError:
        from gover.toolchain.archive.rules import show

        return VerificationError(
            f"{self.source}/{show(rel)}: {reason}",
            "gover copies self-contained Go trees only (nothing was installed); "
            "gover adopt --link references a tree without copying it",
        )

    def count(self, rel: str) -> None:
        self.members += 1
        if self.members > MAX_ARCHIVE_MEMBERS:
            raise self.refuse(rel, f"the tree exceeds the cap of {MAX_ARCHIVE_MEMBERS} entries")
        if rel.count("/") >= MAX_ARCHIVE_DEPTH:
            raise self.refuse(rel, f"is nested over the cap of {MAX_ARCHIVE_DEPTH} levels")


def _exec_mode(rel: str, st_mode: int) -> int:
    """Files in bin/ and pkg/tool/ are commands (go sets these bits itself after unpacking a
    toolchain module, whose zip keeps none); elsewhere owner-executable means 0o755."""
    if rel.startswith(("bin/", "pkg/tool/")) or st_mode & 0o100:
        return 0o755
    return 0o644


def _copy_file(job: _Copy, dir_fd: int, name: str, rel: str, out_dir: Path) -> None:
    try:
        src = os.open(name, _FILE_FLAGS, dir_fd=dir_fd)
    except OSError as exc:
        raise job.refuse(rel, f"cannot be read ({fsutil_reason(exc)})") from None
    try:
        st = os.fstat(src)
        if not stat.S_ISREG(st.st_mode):  # swapped since the listing
            raise job.refuse(rel, f"is {fsutil.file_kind(st.st_mode)}, not a regular file")
        os.set_blocking(src, True)
        target = out_dir / name
        dst = fsutil.create_exclusive(target, _exec_mode(rel, st.st_mode))
        try:
            digest = hashlib.sha256()
            while chunk := os.read(src, _COPY_CHUNK):
                job.bytes += len(chunk)
                if job.bytes > MAX_UNPACKED_BYTES:
                    raise job.refuse(rel, f"the tree exceeds the cap of {MAX_UNPACKED_BYTES} bytes")
                digest.update(chunk)
                view = memoryview(chunk)
                while view:
                    view = view[os.write(dst, view) :]
            os.fchmod(dst, _exec_mode(rel, st.st_mode))  # whatever the umask
            os.utime(dst, ns=(st.st_atime_ns, st.st_mtime_ns))
        finally:
            os.close(dst)
        job.files.append((rel, digest.hexdigest()))
    finally:
        os.close(src)


def _copy_dir(job: _Copy, dir_fd: int, rel: str, out_dir: Path) -> None:
    """Copy the directory open at `dir_fd` (tree path `rel`) into `out_dir`, without
    recursion (a work list: any depth)."""
    work: list[tuple[int, str, Path]] = [(dir_fd, rel, out_dir)]
    try:
        while work:
            fd, here, out = work.pop()
            try:
                with os.scandir(fd) as it:
                    entries = sorted(it, key=lambda e: e.name)
                for entry in entries:
                    sub = f"{here}/{entry.name}" if here else entry.name
                    if not here and entry.name in dirhash.NOT_RELEASE_FILES:
                        continue  # another tool's marker, or gover's own names
                    job.count(sub)
                    mode = entry.stat(follow_symlinks=False).st_mode
                    if stat.S_ISDIR(mode):
                        try:
                            child = os.open(entry.name, _DIR_FLAGS, dir_fd=fd)
                        except OSError as exc:
                            raise job.refuse(
                                sub, f"cannot be read ({fsutil_reason(exc)})"
                            ) from None
                        (out / entry.name).mkdir(0o755)
                        work.append((child, sub, out / entry.name))
                    elif stat.S_ISREG(mode):
                        _copy_file(job, fd, entry.name, sub, out)
                    elif stat.S_ISLNK(mode):
                        target = os.readlink(entry.name, dir_fd=fd)
                        if os.path.isabs(target) or "\x00" in target:
                            raise job.refuse(
                                sub, f"is a symlink to the absolute path '{target}' (refused)"
                            )
                        os.symlink(target, out / entry.name)
                        job.links.append(sub)
                    else:
                        raise job.refuse(
                            sub,
                            f"is {fsutil.file_kind(mode)} (only files, directories and "
                            "symlinks in the tree are taken)",
                        )
            finally:
                if fd != dir_fd:
                    os.close(fd)
    finally:
        for fd, _h, _o in work:
            if fd != dir_fd:
                os.close(fd)


def _check_links(job: _Copy) -> None:
    """Every symlink copied must resolve inside the copy, as the kernel resolves it there
    (staging is gover's: nothing else changes it meanwhile)."""
    top = os.path.realpath(job.dest)
    for rel in job.links:
        real = os.path.realpath(job.dest / rel)
        if real != top and not real.startswith(top + os.sep):
            target = os.readlink(job.dest / rel)
            raise job.refuse(rel, f"is a symlink to '{target}', which leaves the tree (refused)")


def copy_tree(source: Path, dest: Path) -> _Copy:
    """Copy the Go tree `source` into the empty directory `dest` under the safety rules;
    the files' hashes are in the result."""
    job = _Copy(source, dest)
    try:
        top = os.open(source, _DIR_FLAGS)
    except OSError as exc:
        raise UsageError(f"cannot read {source}: {fsutil_reason(exc)}") from None
    try:
        _copy_dir(job, top, "", dest)
    except OSError as exc:
        raise InstallError(
            f"cannot copy {source} into {dest}: {fsutil_reason(exc)}",
            "check free space and permissions, then retry",
        ) from exc
    finally:
        os.close(top)
    _check_links(job)
    return job


def _copy_h1(job: _Copy, mv: str) -> str:
    named = []
    for rel, digest in job.files:
        name = dirhash.zip_name(rel, mv)
        if name is not None:
            named.append((name, digest))
    return dirhash.hash1(dirhash.module_files(named))


# --------------------------------------------------------------------------- adopting


@dataclass(frozen=True)
class Adopted:
    version: GoVersion
    root: Path
    source: Path
    outcome: Outcome
    verdict: Verdict
    linked: bool = False
    seconds: float = 0.0


def _link_tree(source: Path, dest: Path) -> None:
    """The --link farm: one absolute symlink per top-level entry of `source`."""
    with os.scandir(source) as it:
        names = sorted(e.name for e in it)
    for name in names:
        if name in (RECEIPT_NAME, STORE_MARKER):
            continue
        os.symlink(source / name, dest / name)


def _source_dir(path: Path) -> Path:
    """The tree the user named, as a real directory path (the name itself may be a symlink:
    the user chose it; nothing inside is followed)."""
    given = Path(os.path.abspath(path.expanduser()))
    real = Path(os.path.realpath(given))
    if not real.is_dir():
        raise UsageError(
            f"{given}: not a directory", "give the root of a Go tree (it holds bin/go)"
        )
    if not (real / "bin" / "go").is_file():
        raise UsageError(f"{given}: no bin/go here, not a Go tree", "give the root of a Go tree")
    store_dir = os.path.realpath(paths.versions_dir())
    if str(real) == store_dir or str(real).startswith(store_dir + os.sep):
        raise UsageError(f"{given}: is in gover's store already")
    return real


def _refusal(found: Found, verdict: Verdict, link: bool) -> VerificationError | None:
    """Why an unflagged adoption is refused, or None when the database vouched."""
    if verdict.status == "vouched":
        return None
    again = f"gover adopt --allow-unverified{' --link' if link else ''} {found.path}"
    if verdict.status == "differs":
        return VerificationError(
            f"{found.path}: {verdict.detail}; not adopted", f"to take it anyway: {again}"
        )
    return VerificationError(
        f"{found.path}: the checksum database does not vouch for it ({verdict.detail}); "
        "not adopted",
        f"to take it unverified: {again}",
    )


def adopt(
    path: Path, cfg: Config, *, link: bool = False, allow_unverified: bool = False
) -> Adopted:
    """Copy (or --link) the Go tree at `path` into the store with a receipt. The database
    must vouch for it unless `allow_unverified` (refused under verify_sumdb = require)."""
    started = time.monotonic()
    source = _source_dir(path)
    found = dataclasses.replace(describe(source), path=Path(os.path.abspath(path.expanduser())))
    version = found.version
    if version is None or not (version.is_release or version.is_prerelease):
        raise UsageError(
            f"{found.path}: no release version in its VERSION file",
            "gover adopts Go releases (a source build has no version to store it under)",
        )
    if allow_unverified and cfg.verify_sumdb == "require":
        raise VerificationError(
            f"--allow-unverified conflicts with verify_sumdb = require ({found.path})",
            "set GOVER_VERIFY_SUMDB=auto to adopt a tree the checksum database cannot vouch for",
        )
    kept = store.cleanup().kept
    for item in kept:
        if item.path != paths.version_dir(version.name):
            output.warn(str(item), once_key=f"kept:{item.path}")
    have = store.get(version)
    if have is not None:
        return Adopted(version, have.root, source, "already-installed", Verdict("vouched", ""))
    with store.lock(version.name):
        have = store.get(version)
        if have is not None:
            return Adopted(version, have.root, source, "already-installed", Verdict("vouched", ""))
        store.ensure_replaceable(version.name)
        staging = store.new_staging(version.name)
        try:
            if link:
                verdict = judge(cfg, dataclasses.replace(found, path=source, ziphash=None))
            else:
                job = copy_tree(source, staging)
                mv = module_version(found)
                h1 = _copy_h1(job, mv) if mv is not None else None
                verdict = judge(cfg, found, h1=h1) if h1 is not None else judge(cfg, found)
            problem = _refusal(found, verdict, link)
            if problem is not None and not allow_unverified:
                raise problem
            if link:
                _link_tree(source, staging)
            receipt = store.Receipt(
                version=version.name,
                url=source.as_uri(),
                filename="",
                sha256="",
                signer="unsigned",
                installed_at=datetime.now(UTC).isoformat(timespec="seconds"),
                source=f"adopted from {found.path}"
                + (f" ({found.distro} build)" if found.distro else ""),
                proofs=(verdict.proof,) if verdict.status == "vouched" else ("unverified",),
                linked_to=str(source) if link else "",
            )
            root = store.commit(staging, version.name, receipt)
        finally:
            store.discard(staging)
    outcome: Outcome = "linked" if link else "adopted"
    return Adopted(version, root, source, outcome, verdict, link, time.monotonic() - started)
