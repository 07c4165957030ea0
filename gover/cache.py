"""gover's cache: downloaded archives and the release index. Safe to delete at any time."""

from __future__ import annotations

import os
import shutil

from gover import paths


def clean() -> tuple[int, int]:
    """Delete cached downloads, index copies and verify probes; return (bytes, files)."""
    freed = count = 0
    for base in (paths.downloads_dir(), paths.index_cache_dir(), paths.probes_dir()):
        if not base.is_dir():
            continue
        for dirpath, _dirs, files in os.walk(base):
            for name in files:
                try:
                    freed += os.lstat(os.path.join(dirpath, name)).st_size
                    count += 1
                except OSError:
                    pass
        shutil.rmtree(base, ignore_errors=True)
    return freed, count
