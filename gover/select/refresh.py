"""Render again, after gover itself changed, what `gover rehash` wrote: the hook files that
the line `gover init` wrote sources, the shims (sh or native) and the alias files.

They are made from gover's templates and code, once, so a shell opens without Python. After
an upgrade (pip, pipx, a new checkout) they would keep the old gover's code until the next
install or rehash. So rehash records a fingerprint of what it rendered from (gover's version,
and the size and modification time of every template and of the Python that fills them in),
and the first gover command that finds another fingerprint renders them again
(cli/entry.py). Nothing is rendered where nothing was before: a store with no shims/ and no
hooks/ is left alone.
"""

from __future__ import annotations

import os
import zlib
from pathlib import Path

from gover import __version__, fsutil, paths

STAMP_NAME = ".gover-rendered"
_STAMP_LIMIT = 256


def _inputs() -> list[Path]:
    """What the rendered files are made from: the templates (shims/, with the native shim's
    Go source) and the modules that fill them in."""
    package = Path(__file__).resolve().parent.parent
    files = [package / "__init__.py", package / "constants.py", package / "paths.py"]
    files += (package / "select").glob("*.py")
    files += (package / "toolchain").glob("store.py")
    templates = paths.shim_templates_dir()
    for directory, dirs, names in os.walk(templates):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        files += (Path(directory) / name for name in names)
    return sorted(files)


def fingerprint() -> str:
    """gover's version and the size and mtime of every input: cheap (stat calls, no reads),
    and any upgrade or edit changes it. Every command computes it, so it is two zlib
    checksums (built in) rather than a hashlib digest (OpenSSL's import costs ~3 ms): it
    tells stale from current, it is no proof of anything."""
    text = __version__
    for path in _inputs():
        try:
            st = path.stat()
        except OSError:
            continue
        text += f"\0{path}\0{st.st_size}\0{st.st_mtime_ns}"
    data = text.encode("utf-8", "surrogateescape")
    return f"{zlib.crc32(data):08x}{zlib.adler32(data):08x}{len(data):x}"


def stamp_file() -> Path:
    return paths.data_dir() / STAMP_NAME


def mark() -> None:
    """Record that what is in the store was rendered by this gover (rehash calls this last)."""
    fsutil.write_atomic(stamp_file(), fingerprint() + "\n")


def needed() -> bool:
    """gover rendered something here (its stamp, its shims marker or a hook file of its own)
    with another gover, or with one that kept no record (before this existed). A directory
    that only looks like a store (a goenv root used as GOVER_HOME) is left alone."""
    try:
        recorded = fsutil.read_limited(stamp_file(), _STAMP_LIMIT, follow_symlinks=False)
    except OSError:
        return _rendered_before()
    return recorded.decode("ascii", "replace").strip() != fingerprint()


def _rendered_before() -> bool:
    from gover.constants import SHIMS_MARKER

    if os.path.isfile(paths.shims_dir() / SHIMS_MARKER):
        return True
    from gover.select import shims

    return shims.is_hook_file(paths.hook_file("bash"))


def run() -> None:
    """Render everything again (shims.rehash renders the hooks too, and marks)."""
    from gover.select import shims

    shims.rehash()
