"""The versioned store: what is installed, per-version locks, staging, atomic swap, removal.

An install is visible only as `versions/<name>/` holding a receipt and its go executable
(`is_installed`, the one definition every reader uses, the shells included). Staging
directories (`.staging-<name>+<token>`) and backups (`.old-<name>+<token>`) are invisible;
whatever a killed process left behind is cleaned (or a backup restored) on the next run.

gover deletes only what it made: a name it generates (parsed strictly: a canonical version and
an 8-hex-digit token) or a version directory carrying its marker (written at commit). Anything
else in the store (a goenv tree, a symlink, a hand-made directory) is reported, never removed,
and never deleted through: removal is `fsutil.rmtree` (no recursion limit, never follows links).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import sys
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from gover import fsutil, paths
from gover.constants import BACKUP_PREFIX, STAGING_PREFIX
from gover.errors import InstallError
from gover.fsutil import fsync_dir, write_atomic
from gover.versions import GoVersion

RECEIPT_SCHEMA = 1
RECEIPT_LIMIT = 64 * 1024  # a receipt is ~300 bytes; anything larger is not one of ours
_TOKEN_BYTES = 4  # secrets.token_hex(4): 8 lowercase hex digits
_PREFIXES = f"{re.escape(STAGING_PREFIX)}|{re.escape(BACKUP_PREFIX)}"
_TEMP_RE = re.compile(rf"({_PREFIXES})(.{{1,64}})\+([0-9a-f]{{{2 * _TOKEN_BYTES}}})")
_MARKER_TEXT = "made by gover: this directory may be removed by gover\n"


@dataclass(frozen=True)
class Receipt:
    version: str
    url: str
    filename: str
    sha256: str
    signer: str  # primary key fingerprint, or "unsigned"
    installed_at: str
    schema: int = RECEIPT_SCHEMA
    # Issue 13: where it came from ("go.dev", "proxy https://goproxy.cn", "adopted from
    # /usr/local/go") and the proofs that vouched for it, e.g. ["sha256", "gpg",
    # "sumdb sum.golang.org h1:…"]; empty in receipts written before.
    source: str = ""
    proofs: tuple[str, ...] = ()
    # `gover adopt --link`: the tree this install references (read-only) instead of holding
    # a copy. The store directory is still gover's own (marker, receipt) and holds one
    # absolute symlink per top-level entry of that tree, so is_installed() and GOROOT work
    # unchanged and removal (fsutil.rmtree, never following links) deletes only the links.
    linked_to: str = ""

    def to_json(self) -> str:
        import json

        return json.dumps(asdict(self), indent=2) + "\n"

    @property
    def known(self) -> bool:
        """False for the stand-in of a receipt that could not be read (`unknown`)."""
        return self.schema != 0

    @classmethod
    def unknown(cls, version: str) -> Receipt:
        """The stand-in for a receipt that is there but does not parse: the install still
        counts (see is_installed), its provenance is not known (empty texts, schema 0)."""
        return cls(version, "", "", "", "", "", schema=0)

    @classmethod
    def load(cls, path: Path) -> Receipt | None:
        """The receipt at `path`, or None: missing, not a regular file (never a FIFO, never
        through a symlink), too large, or not the shape gover writes."""
        import json

        try:
            raw = json.loads(fsutil.read_capped(path, RECEIPT_LIMIT, follow_symlinks=False))
            fields = {k: raw[k] for k in cls.__dataclass_fields__ if k in raw}
            proofs = fields.get("proofs", ())
            if not isinstance(proofs, list | tuple) or not all(isinstance(p, str) for p in proofs):
                return None
            fields["proofs"] = tuple(proofs)
            receipt = cls(**fields)
        except (OSError, ValueError, TypeError, KeyError, RecursionError):
            return None
        texts = (
            receipt.version,
            receipt.url,
            receipt.filename,
            receipt.sha256,
            receipt.signer,
            receipt.source,
            receipt.linked_to,
        )
        if not all(isinstance(t, str) for t in texts) or not isinstance(receipt.installed_at, str):
            return None
        if type(receipt.schema) is not int or receipt.schema < 1:
            return None
        return receipt


@dataclass(frozen=True)
class Installed:
    version: GoVersion
    toolchain: paths.Toolchain
    receipt: Receipt  # Receipt.unknown(...) when the file is there but does not parse

    @property
    def name(self) -> str:
        return self.version.name

    @property
    def root(self) -> Path:
        return self.toolchain.root


@dataclass(frozen=True)
class Kept:
    """Something in the store that cleanup left alone, and why (for the caller to warn)."""

    path: Path
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}; left alone"


@dataclass(frozen=True)
class CleanupResult:
    done: tuple[str, ...] = ()  # "removed .staging-1.22.10+0a1b2c3d", "restored 1.22.10"
    kept: tuple[Kept, ...] = ()  # not gover's (or not removable): reported, never removed


def tree_version(root: Path) -> str | None:
    """The first line of a Go tree's VERSION file (`go1.22.10`), or None."""
    try:
        data = fsutil.read_limited(root / "VERSION", 4096)
    except OSError:
        return None
    lines = data.decode("utf-8", errors="replace").splitlines()
    first = lines[0].strip() if lines else ""
    return first or None


def is_version_name(name: str) -> bool:
    """A canonical version name, as gover names store directories (`1.22.10`, `1.23rc1`)."""
    if len(name) > 64:
        return False
    version = GoVersion.try_parse(name)
    return version is not None and version.name == name


def parse_temp_name(entry: str) -> tuple[str, str] | None:
    """(prefix, version name) of a staging/backup name gover generates, else None."""
    m = _TEMP_RE.fullmatch(entry)
    if m is None or not is_version_name(m[2]):
        return None
    return m[1], m[2]


def _temp_name(prefix: str, name: str) -> str:
    import secrets

    return f"{prefix}{name}+{secrets.token_hex(_TOKEN_BYTES)}"


def _lkind(path: Path) -> str | None:
    """The kind of `path` by lstat (never following a link): "dir", "link", "other" or None
    if missing."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(mode):
        return "link"
    return "dir" if stat.S_ISDIR(mode) else "other"


def _has_file(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def made_by_gover(root: Path) -> bool:
    """A real directory gover committed: its marker, or (installs older than the marker)
    its receipt."""
    return _lkind(root) == "dir" and (
        _has_file(paths.store_marker(root)) or _has_file(paths.receipt_file(root))
    )


def _has_content(path: Path) -> bool:
    """A regular, non-empty file, by lstat (a symlink is not one): sh's `[ -s ]` + not `-L`."""
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISREG(st.st_mode) and st.st_size > 0


@dataclass(frozen=True)
class InstalledRule:
    """is_installed as data, for the renderers of the shells' copies (shims.py: sh;
    hooks.py: fish, pwsh), so they spell out these names rather than retype them."""

    receipt: str  # under the root: a regular, non-empty file, not a symlink
    executables: tuple[str, ...]  # under the root: any one of them a file (links followed)


def installed_rule() -> InstalledRule:
    """The names is_installed checks, read from paths.py and constants.py when called."""
    from gover import constants

    exes = tuple(f"{paths.BIN_DIR}/{name}" for name in paths.GO_EXECUTABLES)
    return InstalledRule(constants.RECEIPT_NAME, exes)


def is_installed(root: Path) -> bool:
    """THE definition of "installed", which every reader uses: store.installed()/get(),
    cleanup(), resolve.installed_root, and the shells (shims/resolve.sh, hook.fish and
    hook.ps1 get it rendered from the same names: paths.GO_EXECUTABLES, RECEIPT_NAME).

    `root` is a real directory (a symlinked versions/<name> is never an install), its receipt
    a regular non-empty file (not a symlink), and its go executable (bin/go, or bin/go.exe in
    a Windows tree) a file. Only presence counts, because sh can check no more without
    starting a process: a receipt that does not parse is still an install (its provenance
    unknown: Receipt.unknown), the same to `gover list`, the shims and cleanup(), which
    therefore never deletes it."""
    if _lkind(root) != "dir":
        return False
    rule = installed_rule()
    return _has_content(root / rule.receipt) and any(
        os.path.isfile(root / exe) for exe in rule.executables
    )


def _complete(version: GoVersion, root: Path) -> Installed | None:
    if not is_installed(root):
        return None
    tc = paths.toolchain(root)
    receipt = Receipt.load(tc.receipt) or Receipt.unknown(version.name)
    return Installed(version, tc, receipt)


def installed() -> list[Installed]:
    """Complete installs, newest first. Half-done or foreign directories are ignored."""
    base = paths.versions_dir()
    try:
        entries = list(os.scandir(base))
    except FileNotFoundError:
        return []
    out: list[Installed] = []
    for entry in entries:
        if entry.name.startswith(".") or not entry.is_dir(follow_symlinks=False):
            continue
        version = GoVersion.try_parse(entry.name)
        if version is None:
            continue
        item = _complete(version, Path(entry.path))
        if item is not None:
            out.append(item)
    out.sort(key=lambda i: i.version, reverse=True)
    return out


def get(version: GoVersion) -> Installed | None:
    found = _complete(version, paths.version_dir(version.name))
    if found is not None:
        return found
    for item in installed():  # e.g. asked for 1.20.0, installed as 1.20
        if item.version == version:
            return item
    return None



def _open_lock(path: Path) -> int:
    """The lock file, created if needed: never through a symlink, never a FIFO or device."""
    flags = (
        os.O_RDWR
        | os.O_CREAT
        | getattr(os, "O_NOFOLLOW", 0)
        | getattr(os, "O_NONBLOCK", 0)
        | getattr(os, "O_CLOEXEC", 0)
    )
    try:
        fd = os.open(path, flags, 0o644)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise fsutil.UnsafePathError(path, "is a symlink (refused)") from None
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise fsutil.UnsafePathError(path, f"is {fsutil.file_kind(st.st_mode)}, not a file")
    except BaseException:
        os.close(fd)
        raise
    return fd


@contextlib.contextmanager
def lock(name: str, *, blocking: bool = True) -> Iterator[bool]:
    """An exclusive per-version lock (flock/msvcrt), released when the process dies."""
    path = paths.lock_file(name)
    try:
        fsutil.owned_dir(paths.locks_dir())
        fd = _open_lock(path)
    except fsutil.UnsafePathError as exc:
        raise InstallError(
            f"cannot lock {name}: {exc.filename}: {exc.strerror}",
            "remove it (gover makes its own lock files there)",
        ) from exc
    except OSError as exc:
        raise InstallError(
            f"cannot lock {name}: {path}: {exc.strerror or exc}",
            "check that the gover store is writable",
        ) from exc
    acquired = False
    try:
        if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
            import msvcrt

            mode = msvcrt.LK_LOCK if blocking else msvcrt.LK_NBLCK
            try:
                msvcrt.locking(fd, mode, 1)
                acquired = True
            except OSError:
                acquired = False
        else:
            import fcntl

            try:
                fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
                acquired = True
            except BlockingIOError:
                acquired = False
        yield acquired
    finally:
        os.close(fd)  # closing releases the lock


def _remove_tree(path: Path, kept: list[Kept]) -> bool:
    try:
        fsutil.rmtree(path)
    except OSError as exc:
        kept.append(Kept(path, f"cannot remove: {exc.strerror or exc}"))
        return False
    return True


def _cleanup_temp(path: Path, prefix: str, name: str, done: list[str], kept: list[Kept]) -> None:
    """A staging or backup directory: remove it, or restore a backup whose swap was cut short.
    Caller holds the version's lock."""
    kind = _lkind(path)
    if kind is None:
        return
    if kind != "dir":
        what = "a symlink" if kind == "link" else "a file"
        kept.append(Kept(path, f"is {what}, not a directory gover made"))
        return
    final = paths.version_dir(name)
    if prefix == BACKUP_PREFIX and is_installed(path) and not is_installed(final):
        final_kind = _lkind(final)
        if final_kind is not None:
            if not made_by_gover(final):
                kept.append(Kept(final, "blocks restoring a backup and was not made by gover"))
                return
            if not _remove_tree(final, kept):
                return
        os.replace(path, final)
        done.append(f"restored {name}")
    elif _remove_tree(path, kept):
        done.append(f"removed {path.name}")


def cleanup() -> CleanupResult:
    """Remove what killed installs left (staging dirs, backups, gover-made receipt-less dirs);
    restore lost backups. Anything else that looks like a version is reported in `kept`.

    Only touches versions whose lock is free, so a running install is never disturbed.
    """
    base = paths.versions_dir()
    kind = _lkind(base)
    if kind is None:
        return CleanupResult()
    if kind != "dir":
        return CleanupResult(kept=(Kept(base, "is not a directory gover made"),))
    done: list[str] = []
    kept: list[Kept] = []
    for entry in sorted(os.listdir(base)):
        path = base / entry
        temp = parse_temp_name(entry)
        if temp is not None:
            prefix, name = temp
            with lock(name, blocking=False) as ok:
                if ok:
                    _cleanup_temp(path, prefix, name, done, kept)
        elif entry.startswith((STAGING_PREFIX, BACKUP_PREFIX)):
            kept.append(Kept(path, "is not a name gover makes"))
        elif is_version_name(entry):
            kind = _lkind(path)
            if kind == "link":
                kept.append(Kept(path, "is a symlink, not an install gover made"))
            elif kind == "dir" and not is_installed(path):
                if not _has_file(paths.store_marker(path)):
                    kept.append(Kept(path, "is not a complete install and was not made by gover"))
                    continue
                with lock(entry, blocking=False) as ok:
                    if ok and not is_installed(path) and _remove_tree(path, kept):
                        done.append(f"removed incomplete {entry}")
    return CleanupResult(tuple(done), tuple(kept))


def new_staging(name: str) -> Path:
    """An empty staging directory for version `name` (a name gover's cleanup recognises)."""
    if not is_version_name(name):
        raise InstallError(f"{name!r} is not a version name gover stores")
    base = fsutil.owned_dir(paths.versions_dir())
    path = base / _temp_name(STAGING_PREFIX, name)
    path.mkdir()
    return path


def ensure_replaceable(name: str) -> None:
    """Refuse (one line) to replace `versions/<name>` unless gover made it: installing over a
    goenv tree, a symlink or a hand-made directory would delete it."""
    final = paths.version_dir(name)
    kind = _lkind(final)
    if kind is None or made_by_gover(final):
        return
    what = {"link": "a symlink", "other": "a file"}.get(kind, "a directory without a receipt")
    raise InstallError(
        f"{final}: is {what}, not an install gover made; gover will not replace it",
        "move it out of the store, then install again",
    )


def commit(staging: Path, name: str, receipt: Receipt) -> Path:
    """Mark the tree as gover's, write the receipt last, then rename staging into place
    (swapping out any old copy). Caller holds the version lock. If the swap fails, the old
    install is put back."""
    if not paths.toolchain(staging).go.is_file():
        raise InstallError(
            f"{staging}: archive has no {paths.BIN_DIR}/go", "this is not a Go distribution"
        )
    ensure_replaceable(name)
    write_atomic(paths.store_marker(staging), _MARKER_TEXT)
    write_atomic(paths.receipt_file(staging), receipt.to_json())
    final = paths.version_dir(name)
    backup: Path | None = None
    if _lkind(final) is not None:
        backup = final.with_name(_temp_name(BACKUP_PREFIX, name))
        os.replace(final, backup)
    try:
        os.replace(staging, final)
    except BaseException:
        if backup is not None:
            os.replace(backup, final)
        raise
    fsync_dir(final.parent)
    if backup is not None:
        with contextlib.suppress(OSError):  # a leftover backup is removed by the next cleanup
            fsutil.rmtree(backup)
    return final


def remove(item: Installed) -> None:
    """Uninstall: rename aside first (instantly invisible), then delete."""
    with lock(item.name):
        if _lkind(item.root) != "dir":
            raise InstallError(f"{item.root}: is not a directory gover made; not removed")
        trash = item.root.with_name(_temp_name(BACKUP_PREFIX, item.name))
        try:
            # Drop the receipt first so an interrupted delete is never restored as installed.
            paths.receipt_file(item.root).unlink(missing_ok=True)
            os.replace(item.root, trash)
        except OSError as exc:
            raise InstallError(f"{item.root}: cannot remove: {exc.strerror}") from exc
        with contextlib.suppress(OSError):  # a leftover is removed by the next cleanup
            fsutil.rmtree(trash)


def discard(path: Path) -> None:
    """Remove a staging directory from `new_staging` (nothing else: any other name is kept)."""
    if parse_temp_name(path.name) is None or path.parent != paths.versions_dir():
        return
    with contextlib.suppress(OSError):
        fsutil.rmtree(path)
