"""A mirror tree on disk, laid out like go.dev/dl: `<archive>`, `<archive>.sha256`,
`<archive>.asc` and `index.json` (go.dev's `?mode=json&include=all` schema) naming exactly
the archives the tree holds.

The tree may be served while it changes (cron + nginx), so:
- downloads are staged in a dot-directory inside the tree (same filesystem) and each file
  takes its final name by one `os.replace` only once verified: a reader sees the old file or
  the whole new one, never half of one;
- an archive's sidecars take their names before the archive, and the index names a file
  only after all of them are in place (a file may exist before the index names it, never
  the other way round); removals go the other way: index first, files after;
- `index.json` is written last, atomically (temp file, fsync, rename);
- nothing planted in the tree is followed: entries are opened with O_NOFOLLOW and a
  symlink at a name is replaced by the rename (a rename replaces the link, not its target);
- one lock file serialises builds and syncs of one tree (a second one refuses at once).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gover.constants import CHECKSUM_SUFFIX, MAX_INDEX_BYTES, PARTIAL_SUFFIX, SIGNATURE_SUFFIX
from gover.errors import GoverError, IndexError_, io_error
from gover.fsutil import (
    UnsafePathError,
    file_kind,
    fsync_dir,
    open_regular,
    owned_dir,
    read_capped,
    write_atomic,
)
from gover.toolchain.index import Release, ReleaseFile, parse_index
from gover.versions import GoVersion

INDEX_NAME = "index.json"
STAGING_NAME = ".gover-staging"
LOCK_NAME = ".gover-mirror.lock"
SIDECARS = (CHECKSUM_SUFFIX, SIGNATURE_SUFFIX)


def build_hint(root: Path) -> str:
    return f"run: gover mirror build {root} --version VERSION"


@dataclass(frozen=True)
class Entry:
    """One archive the tree holds (as its index says), with its release's facts."""

    version: GoVersion
    stable: bool
    file: ReleaseFile


class Tree:
    """The directory `root` as a mirror tree. Paths inside it are built here only."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).expanduser().absolute()

    # -- locations -----------------------------------------------------------------

    @property
    def index_path(self) -> Path:
        return self.root / INDEX_NAME

    @property
    def staging(self) -> Path:
        return self.root / STAGING_NAME

    def path(self, name: str) -> Path:
        return self.root / name

    def staged(self, name: str) -> Path:
        return self.staging / name

    # -- setup ---------------------------------------------------------------------

    def create(self) -> None:
        """Make the tree directory (a path the user gave: followed, it is theirs) and the
        staging directory inside it (ours: never a symlink)."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            if not self.root.is_dir():
                raise GoverError(f"{self.root}: not a directory", "give a directory for the mirror")
            owned_dir(self.staging, 0o700)
        except UnsafePathError as exc:
            raise GoverError(
                f"refusing staging directory {self.staging}: it {exc.strerror}",
                "remove it; gover recreates it",
            ) from None
        except OSError as exc:
            raise io_error("create", self.root, exc, "check the path and its permissions") from None

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """An exclusive lock on the tree for a build or sync; a second one refuses at once
        (a cron job that finds the previous one still running should not pile up behind it)."""
        import fcntl

        path = self.root / LOCK_NAME
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(path, flags, 0o644)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise GoverError(
                    f"{path}: is a symlink (refused)", "remove it; gover recreates it"
                ) from None
            raise io_error(
                "create lock file", path, exc, "check the directory's permissions"
            ) from None
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise GoverError(f"{path}: is not a regular file", "remove it; gover recreates it")
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise GoverError(
                    f"{self.root}: another gover mirror build or sync is running on this tree"
                    f" (it holds {path})",
                    "wait for it to finish, then run this again",
                ) from None
            yield
        finally:
            os.close(fd)  # releases the lock

    # -- the index -----------------------------------------------------------------

    def read_index(self, *, required: bool = False) -> list[Entry]:
        """The archives the tree's index.json names (none when there is no index yet).
        A symlink or anything but a regular file at index.json is refused, never read."""
        path = self.index_path
        try:
            data = read_capped(path, MAX_INDEX_BYTES, follow_symlinks=False)
        except FileNotFoundError:
            if required:
                raise GoverError(
                    f"{self.root}: no {INDEX_NAME}: not a mirror tree", build_hint(self.root)
                ) from None
            return []
        except UnsafePathError as exc:
            raise GoverError(
                f"{path}: {exc.strerror}", "remove it; gover mirror build writes a new one"
            ) from None
        except OSError as exc:
            raise io_error("read", path, exc) from None
        try:
            releases = parse_index(data, str(path))
        except IndexError_ as exc:
            raise GoverError(
                exc.message, f"move it away and rebuild: {build_hint(self.root)}"
            ) from None
        return [Entry(r.version, r.stable, f) for r in releases for f in r.files]

    def write_index(self, entries: Iterable[Entry]) -> None:
        """index.json for exactly `entries`, newest release first, written atomically (a
        symlink at the name is replaced, never written through)."""
        try:
            write_atomic(self.index_path, render_index(entries))
        except OSError as exc:
            raise io_error(
                "write", self.index_path, exc, "check free space and permissions"
            ) from None

    # -- files ---------------------------------------------------------------------

    def kind_of(self, name: str) -> str | None:
        """None for a regular file at `name` in the tree, else what is there ("missing",
        "a symlink", ...)."""
        try:
            st = os.lstat(self.path(name))
        except FileNotFoundError:
            return "missing"
        except OSError as exc:
            return exc.strerror or "unreadable"
        return None if stat.S_ISREG(st.st_mode) else file_kind(st.st_mode)

    def size_of(self, name: str) -> int | None:
        try:
            st = os.lstat(self.path(name))
        except OSError:
            return None
        return st.st_size if stat.S_ISREG(st.st_mode) else None

    def open_regular(self, path: Path) -> int:
        return open_regular(path, follow_symlinks=False)

    def place(self, staged: Path, name: str) -> None:
        """Rename a verified staged file to its final name (one atomic step on one
        filesystem). A symlink or file at the name is replaced; a directory is refused."""
        target = self.path(name)
        try:
            os.chmod(staged, 0o644)  # staged files are private until served
            os.replace(staged, target)
        except OSError as exc:
            raise io_error(
                "move into place", target, exc, "remove what is there and retry"
            ) from None

    def sync_dir(self) -> None:
        with contextlib.suppress(OSError):
            fsync_dir(self.root)

    def remove(self, name: str) -> None:
        """Remove an archive and its sidecars (a symlink itself, never its target)."""
        for suffix in ("", *SIDECARS):
            target = self.path(name + suffix)
            try:
                os.unlink(target)
            except FileNotFoundError:
                pass
            except OSError as exc:
                raise io_error("remove", target, exc, "check its permissions") from None

    def clean_staging(self, keep: Iterable[str]) -> None:
        """Drop staged leftovers except the partial downloads of files still wanted."""
        wanted = {n + PARTIAL_SUFFIX for n in keep} | set(keep)
        try:
            names = os.listdir(self.staging)
        except OSError:
            return
        for name in names:
            if name not in wanted:
                with contextlib.suppress(OSError):
                    os.unlink(self.staged(name))

    def listing(self) -> list[str]:
        """Every name in the tree that is not gover's own (dot names, the index)."""
        try:
            names = os.listdir(self.root)
        except OSError as exc:
            raise io_error("list", self.root, exc) from None
        return sorted(n for n in names if not n.startswith(".") and n != INDEX_NAME)


def render_index(entries: Iterable[Entry]) -> str:
    """go.dev's `?mode=json&include=all` document for `entries`: one object per release,
    newest first, its files sorted by name."""
    by_version: dict[GoVersion, tuple[bool, dict[str, ReleaseFile]]] = {}
    for e in entries:
        stable, files = by_version.setdefault(e.version, (e.stable, {}))
        files[e.file.filename] = e.file
    doc: list[dict[str, Any]] = []
    for version in sorted(by_version, reverse=True):
        stable, files = by_version[version]
        doc.append(
            {
                "version": version.tag,
                "stable": stable,
                "files": [_file_json(files[n], version) for n in sorted(files)],
            }
        )
    return json.dumps(doc, indent=1) + "\n"


def _file_json(f: ReleaseFile, version: GoVersion) -> dict[str, Any]:
    return {
        "filename": f.filename,
        "os": f.os,
        "arch": f.arch,
        "version": f.version or version.tag,
        "sha256": f.sha256,
        "size": f.size,
        "kind": f.kind,
    }


def to_release(entries: Iterable[Entry]) -> list[Release]:
    """The entries as index Releases (newest first), e.g. to resolve against."""
    text = render_index(entries)
    return parse_index(text.encode(), INDEX_NAME)
