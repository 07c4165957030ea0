"""Small filesystem primitives: atomic writes, safe opens, owned directories, removal.

Everything gover reads from a place an attacker may write to (a shared GOVER_HOME, a cloned
repository, a restored CI cache, a file:// mirror) goes through these:
- `open_regular` opens without blocking and refuses anything but a regular file (a FIFO,
  device or directory never hangs or floods a reader); `follow_symlinks=False` adds O_NOFOLLOW.
- `read_limited` / `read_capped` read at most a byte limit, counting every byte.
- `create_exclusive` makes a new file with O_CREAT|O_EXCL|O_NOFOLLOW: never through a link.
- `owned_dir` makes (or checks) a directory that is not a symlink and belongs to this user.
- `rmtree` removes a tree without recursion (any depth) and without following symlinks.

The errors are `OSError`s (`UnsafePathError`) with `strerror` set, so callers that already
turn an `OSError` into a one-line `GoverError` naming the path keep working.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_BINARY = getattr(os, "O_BINARY", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)


class UnsafePathError(OSError):
    """A path gover refuses to use: not a regular file, a symlink, not ours, too large."""

    def __init__(self, path: str | os.PathLike[str], reason: str) -> None:
        super().__init__(errno.EPERM, reason, os.fspath(path))


def file_kind(mode: int) -> str:
    """A short human name for what a stat mode is ("a FIFO", "a directory", ...)."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISLNK(mode):
        return "a symlink"
    if stat.S_ISREG(mode):
        return "a regular file"
    return "not a regular file"


def open_regular(
    path: str | os.PathLike[str], flags: int = os.O_RDONLY, *, follow_symlinks: bool = True
) -> int:
    """Open `path` without blocking; refuse (closing it) unless it is a regular file.

    O_NONBLOCK makes opening a FIFO return at once instead of waiting for a writer; the flag
    is cleared again before returning, so reads on the regular file behave as usual.
    """
    extra = _NONBLOCK | _CLOEXEC | _BINARY | (0 if follow_symlinks else _NOFOLLOW)
    try:
        fd = os.open(path, flags | extra)
    except OSError as exc:
        if exc.errno == errno.ELOOP and not follow_symlinks:
            raise UnsafePathError(path, "is a symlink (refused)") from None
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UnsafePathError(path, f"is {file_kind(st.st_mode)}, not a regular file")
        if _NONBLOCK:
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_limited(
    path: str | os.PathLike[str], limit: int, *, follow_symlinks: bool = True
) -> bytes:
    """At most the first `limit` bytes of a regular file (every byte counts, NULs too)."""
    fd = open_regular(path, follow_symlinks=follow_symlinks)
    with os.fdopen(fd, "rb") as fh:
        return fh.read(limit)


def read_capped(
    path: str | os.PathLike[str], limit: int, *, follow_symlinks: bool = True
) -> bytes:
    """The whole of a regular file, refused (`UnsafePathError`) if it exceeds `limit` bytes."""
    data = read_limited(path, limit + 1, follow_symlinks=follow_symlinks)
    if len(data) > limit:
        raise UnsafePathError(path, f"is larger than {limit} bytes")
    return data


def create_exclusive(path: str | os.PathLike[str], mode: int = 0o644) -> int:
    """A new file opened for writing: never an existing file, never through a symlink."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC | _BINARY
    return os.open(path, flags, mode)


def owned_dir(path: Path, mode: int | None = None) -> Path:
    """Create `path` (and parents) if needed; refuse a symlink, a non-directory, or a directory
    that belongs to another user. With `mode`, set it (through a descriptor, never a link)."""
    path.mkdir(parents=True, exist_ok=True)
    st = os.lstat(path)
    if stat.S_ISLNK(st.st_mode):
        raise UnsafePathError(path, "is a symlink (refused: gover keeps its own files here)")
    if not stat.S_ISDIR(st.st_mode):
        raise UnsafePathError(path, f"is {file_kind(st.st_mode)}, not a directory")
    if hasattr(os, "geteuid") and st.st_uid != os.geteuid():
        raise UnsafePathError(path, f"belongs to uid {st.st_uid}, not to you (uid {os.geteuid()})")
    if mode is not None and os.name != "nt":
        fd = os.open(path, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC)
        try:
            if stat.S_IMODE(os.fstat(fd).st_mode) != mode:
                os.fchmod(fd, mode)
        finally:
            os.close(fd)
    return path


def is_owned_regular(st: os.stat_result) -> bool:
    """A regular file that belongs to this user (what gover may reuse from its cache)."""
    if not stat.S_ISREG(st.st_mode):
        return False
    return not hasattr(os, "geteuid") or st.st_uid == os.geteuid()


def fsync_dir(path: Path) -> None:
    if os.name == "nt":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes | str, mode: int = 0o644) -> None:
    """Write via a temp file in the same directory, fsync, then os.replace."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def rmtree(path: Path) -> None:
    """Remove `path` and everything under it, at any depth, never following a symlink.

    An explicit stack instead of recursion (shutil.rmtree recurses on Python 3.11: a tree
    1,100 levels deep raises RecursionError), and every directory is entered through a
    descriptor opened with O_NOFOLLOW relative to its parent's descriptor: a directory
    swapped for a symlink between the listing and the descent is refused by the kernel, never
    followed, and no path ever grows past PATH_MAX. Read-only directories get owner write
    permission so their entries can go. A missing path is not an error.
    """
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if not stat.S_ISDIR(st.st_mode):
        os.unlink(path)
        return
    if os.name == "nt" or not _DIRECTORY or os.rmdir not in os.supports_dir_fd:
        _rmtree_by_path(os.fspath(path))  # pragma: no cover - Windows
        return
    dir_flags = os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC
    # Each level: its descriptor, its name in the parent, and the subdirectories still to go.
    # A directory is listed once: its files go at once, its subdirectories are queued.
    stack: list[tuple[int, str | None, list[str]]] = []
    try:
        stack.append(_enter(os.open(path, dir_flags), None))
        while stack:
            fd, name, pending = stack[-1]
            if pending:
                child = pending.pop()
                opened = _writable_retry(fd, os.open, child, dir_flags)
                if opened is not None:
                    stack.append(_enter(opened, child))
                continue
            stack.pop()
            os.close(fd)
            if stack and name is not None:
                parent = stack[-1][0]
                _writable_retry(parent, os.rmdir, name)
    finally:
        for fd, _, _ in stack:
            os.close(fd)
    try:
        os.rmdir(path)
    except FileNotFoundError:
        pass
    except PermissionError:
        os.chmod(os.path.dirname(os.path.abspath(path)) or ".", 0o700)
        os.rmdir(path)


def _writable_retry(dir_fd: int, op: Callable[..., T], entry: str, *args: Any) -> T | None:
    """`op(entry, *args, dir_fd=dir_fd)`; on EACCES give the directory owner write permission
    and try once more. An entry already gone is None, not an error."""
    for attempt in (1, 2):
        try:
            return op(entry, *args, dir_fd=dir_fd)
        except FileNotFoundError:
            return None
        except PermissionError:
            if attempt == 2:
                raise
            os.fchmod(dir_fd, 0o700)
    return None  # pragma: no cover - the loop returns or raises


def _enter(fd: int, name: str | None) -> tuple[int, str | None, list[str]]:
    """List the directory `fd` once: unlink everything that is not a directory (symlinks
    included, never followed) and return the subdirectories still to remove."""
    try:
        with os.scandir(fd) as entries:
            listed = [(e.name, e.is_dir(follow_symlinks=False)) for e in entries]
    except BaseException:
        os.close(fd)
        raise
    subdirs: list[str] = []
    for entry, is_dir in listed:
        if is_dir:
            subdirs.append(entry)
        else:
            _writable_retry(fd, os.unlink, entry)
    return fd, name, subdirs


def _rmtree_by_path(top: str) -> None:  # pragma: no cover - Windows
    import shutil

    shutil.rmtree(top)


def create_exclusive_rw(path: str | os.PathLike[str], mode: int = 0o600) -> int:
    """Like `create_exclusive`, but open for reading too: a download is written, verified
    and extracted through this one descriptor, never reopened by name."""
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC | _BINARY
    return os.open(path, flags, mode)
