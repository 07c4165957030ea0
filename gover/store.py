"""The versioned store: what is installed, per-version locks, staging, atomic swap, removal.

An install is visible only as `versions/<name>/` holding a receipt and `bin/go`. Staging
directories (`.staging-<name>+<token>`) and backups (`.old-<name>+<token>`) are invisible;
whatever a killed process left behind is cleaned (or a backup restored) on the next run.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import sys
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from gover import paths
from gover.constants import BACKUP_PREFIX, STAGING_PREFIX
from gover.errors import InstallError, NotInstalledError
from gover.fsutil import fsync_dir, write_atomic
from gover.versions import GoVersion

RECEIPT_SCHEMA = 1


@dataclass(frozen=True)
class Receipt:
    version: str
    url: str
    filename: str
    sha256: str
    signer: str  # primary key fingerprint, or "unsigned"
    installed_at: str
    schema: int = RECEIPT_SCHEMA

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2) + "\n"

    @classmethod
    def load(cls, path: Path) -> Receipt | None:
        try:
            raw = json.loads(path.read_text("utf-8"))
            return cls(**{k: raw[k] for k in cls.__dataclass_fields__ if k in raw})
        except (OSError, ValueError, TypeError, KeyError):
            return None


@dataclass(frozen=True)
class Installed:
    version: GoVersion
    root: Path
    receipt: Receipt

    @property
    def name(self) -> str:
        return self.version.name


def tree_version(root: Path) -> str | None:
    """The first line of a Go tree's VERSION file (`go1.22.10`), or None."""
    try:
        first = (root / "VERSION").read_text("utf-8", errors="replace").splitlines()[0].strip()
    except (OSError, IndexError):
        return None
    return first or None


def _is_complete(root: Path) -> Receipt | None:
    receipt = Receipt.load(paths.receipt_file(root))
    if receipt is None or not paths.go_binary(root).is_file():
        return None
    return receipt


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
        root = Path(entry.path)
        receipt = _is_complete(root)
        if receipt is not None:
            out.append(Installed(version, root, receipt))
    out.sort(key=lambda i: i.version, reverse=True)
    return out


def get(version: GoVersion) -> Installed | None:
    root = paths.version_dir(version.name)
    receipt = _is_complete(root)
    if receipt is not None:
        return Installed(version, root, receipt)
    for item in installed():  # e.g. asked for 1.20.0, installed as 1.20
        if item.version == version:
            return item
    return None


def require(version: GoVersion) -> Installed:
    item = get(version)
    if item is None:
        raise NotInstalledError(f"go {version} is not installed", "run: gover list")
    return item


@contextlib.contextmanager
def lock(name: str, *, blocking: bool = True) -> Iterator[bool]:
    """An exclusive per-version lock (flock/msvcrt), released when the process dies."""
    path = paths.lock_file(name)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
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


def _split_temp(entry: str) -> tuple[str, str] | None:
    for prefix in (STAGING_PREFIX, BACKUP_PREFIX):
        if entry.startswith(prefix) and "+" in entry:
            return prefix, entry[len(prefix) :].rsplit("+", 1)[0]
    return None


def cleanup() -> list[str]:
    """Remove what killed installs left: staging dirs, receipt-less dirs; restore lost backups.

    Only touches versions whose lock is free, so a running install is never disturbed.
    """
    base = paths.versions_dir()
    try:
        names = sorted(os.listdir(base))
    except FileNotFoundError:
        return []
    done: list[str] = []
    for entry in names:
        path = base / entry
        split = _split_temp(entry)
        if split is not None:
            prefix, name = split
            with lock(name, blocking=False) as ok:
                if not ok or not path.exists():
                    continue
                final = paths.version_dir(name)
                if prefix == BACKUP_PREFIX and _is_complete(path) and not _is_complete(final):
                    if final.exists():
                        _rmtree(final)
                    os.replace(path, final)
                    done.append(f"restored {name}")
                else:
                    _rmtree(path)
                    done.append(f"removed {entry}")
        elif (
            not entry.startswith(".")
            and path.is_dir()
            and GoVersion.try_parse(entry)
            and _is_complete(path) is None
        ):
            with lock(entry, blocking=False) as ok:
                if ok and path.exists() and _is_complete(path) is None:
                    _rmtree(path)
                    done.append(f"removed incomplete {entry}")
    return done


def new_staging(name: str) -> Path:
    base = paths.versions_dir()
    base.mkdir(parents=True, exist_ok=True)
    path = base / f"{STAGING_PREFIX}{name}+{secrets.token_hex(4)}"
    path.mkdir()
    return path


def commit(staging: Path, name: str, receipt: Receipt) -> Path:
    """Write the receipt last, then rename staging into place (swapping out any old copy).

    Caller holds the version lock. If the swap fails, the old install is put back.
    """
    if not paths.go_binary(staging).is_file():
        raise InstallError(f"{staging}: archive has no bin/go", "this is not a Go distribution")
    write_atomic(paths.receipt_file(staging), receipt.to_json())
    final = paths.version_dir(name)
    backup: Path | None = None
    if final.exists():
        backup = final.with_name(f"{BACKUP_PREFIX}{name}+{secrets.token_hex(4)}")
        os.replace(final, backup)
    try:
        os.replace(staging, final)
    except BaseException:
        if backup is not None:
            os.replace(backup, final)
        raise
    fsync_dir(final.parent)
    if backup is not None:
        _rmtree(backup)
    return final


def remove(item: Installed) -> None:
    """Uninstall: rename aside first (instantly invisible), then delete."""
    with lock(item.name):
        trash = item.root.with_name(f"{BACKUP_PREFIX}{item.name}+{secrets.token_hex(4)}")
        try:
            # Drop the receipt first so an interrupted delete is never restored as installed.
            paths.receipt_file(item.root).unlink(missing_ok=True)
            os.replace(item.root, trash)
        except OSError as exc:
            raise InstallError(f"{item.root}: cannot remove: {exc.strerror}") from exc
        _rmtree(trash)


def discard(path: Path) -> None:
    _rmtree(path)


def _rmtree(path: Path) -> None:
    def _fix(func: object, p: str, exc: BaseException) -> None:
        # A read-only directory inside the tree needs write permission before its entries go.
        try:
            os.chmod(os.path.dirname(p), 0o755)
            if os.path.isdir(p) and not os.path.islink(p):
                os.chmod(p, 0o755)
                shutil.rmtree(p, ignore_errors=True)
            else:
                os.unlink(p)
        except OSError:
            pass

    if not (path.exists() or path.is_symlink()):
        return
    if sys.version_info >= (3, 12):
        shutil.rmtree(path, onexc=_fix)
    else:
        shutil.rmtree(path, onerror=lambda f, p, e: _fix(f, p, e[1]))
