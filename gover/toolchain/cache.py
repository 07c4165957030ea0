"""gover's cache: downloaded archives and the release index. Safe to delete at any time.

The cache directories must be gover's own: a symlink there (or a directory of another
user) could point downloads, index copies or probes at files someone else controls, so
such a directory is refused with one line naming it, never used or followed.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from gover import paths
from gover.errors import GoverError, io_error
from gover.fsutil import UnsafePathError, owned_dir, rmtree


def owned(path: Path) -> Path:
    """`path` (a cache directory) created if needed; refused unless a real directory of ours.

    The cache root is checked first, so a symlinked root cannot carry the rest elsewhere.
    """
    root = paths.cache_dir()
    try:
        if path != root and root in path.parents:
            owned_dir(root)
        return owned_dir(path)
    except UnsafePathError as exc:
        where = exc.filename or path
        raise GoverError(
            f"refusing cache directory {where}: it {exc.strerror}",
            "remove it (gover recreates it: gover cache clean) or set GOVER_HOME to a "
            "directory you own",
        ) from None
    except OSError as exc:
        raise io_error("create", exc.filename or path, exc, "check its permissions") from None


def downloads_dir() -> Path:
    return owned(paths.downloads_dir())


def clean() -> tuple[int, int]:
    """Delete cached downloads, index copies and verify probes; return (bytes, files)."""
    freed = count = 0
    root = paths.cache_dir()
    if os.path.islink(root):  # a planted link: remove the link, never what it points to
        with contextlib.suppress(OSError):
            os.unlink(root)
        return freed, count
    for base in (paths.downloads_dir(), paths.index_cache_dir(), paths.probes_dir()):
        try:
            if os.path.islink(base):  # a planted link: remove the link, never its target
                os.unlink(base)
                continue
        except OSError:
            continue
        if not base.is_dir():
            continue
        for dirpath, _dirs, files in os.walk(base):
            for name in files:
                try:
                    freed += os.lstat(os.path.join(dirpath, name)).st_size
                    count += 1
                except OSError:
                    pass
        with contextlib.suppress(OSError):
            rmtree(base)  # iterative: any depth, never follows a link
    return freed, count
