"""SHA-256 trust: the hash the release index vouches for, and the `.sha256` sidecar.

The download compares the index's hash while it streams (`download.fetch(sha256=)`), so
a file whose hash differs never takes its final name; what lives here is the rest of the
checksum story: the shape of a hash, re-hashing an open file (a cached archive), and the
published sidecar that must agree with the index.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from gover.constants import CHECKSUM_SUFFIX
from gover.errors import VerificationError
from gover.fsutil import is_owned_regular, open_regular

if TYPE_CHECKING:
    from gover.config import Config

MAX_SIDECAR_BYTES = 4096
_HEX64 = re.compile(r"[0-9a-f]{64}")
_CHUNK = 1 << 20


def normalize(text: str) -> str | None:
    """`text` as 64 lower-case hex digits (surrounding space dropped), or None."""
    digest = text.strip().lower()
    return digest if _HEX64.fullmatch(digest) else None


def sha256_fileobj(fh: BinaryIO) -> str:
    """SHA-256 of a whole open file, read from its start; the position is left at the end."""
    hasher = hashlib.sha256()
    fh.seek(0)
    while chunk := fh.read(_CHUNK):
        hasher.update(chunk)
    return hasher.hexdigest()


def open_if_hashes_to(path: Path, sha256: str, size: int | None = None) -> BinaryIO | None:
    """`path` open for reading if it is a regular file of ours (never through a symlink)
    whose bytes, hashed through that descriptor, are `sha256` (and `size` long); else None.
    The caller then uses exactly those bytes: nothing swapped in by name afterwards counts."""
    try:
        fd = open_regular(path, follow_symlinks=False)
    except OSError:
        return None  # missing, a symlink, a FIFO...: the caller fetches it afresh
    fh = os.fdopen(fd, "rb")
    try:
        st = os.fstat(fd)
        if (
            is_owned_regular(st)
            and (size is None or st.st_size == size)
            and sha256_fileobj(fh) == sha256
        ):
            fh.seek(0)
            return fh
    except OSError:
        pass
    fh.close()
    return None


def parse_sidecar(content: bytes, url: str) -> str:
    """The `.sha256` file next to an archive: bare hex, maybe `hex  filename`, maybe no EOL."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = ""
    lines = [line for line in text.splitlines() if line.strip()]
    one_line = len(lines) == 1 and len(content) <= MAX_SIDECAR_BYTES
    first = lines[0].split(maxsplit=1) if one_line else []
    digest = first[0].lower() if first else ""
    if _HEX64.fullmatch(digest):
        return digest
    shown = content[:40].decode("ascii", "replace").strip()
    raise VerificationError(
        f"{url}: not a SHA-256 checksum file (starts {shown!r})",
        "the mirror served something else; check download_base",
    )


def check_sidecar(cfg: Config, url: str, expected: str) -> None:
    """Cross-check the `.sha256` sidecar when the server has one; a missing one is fine."""
    from gover.toolchain import download

    sidecar_url = url + CHECKSUM_SUFFIX
    try:
        result = download.fetch_bytes(sidecar_url, cfg, max_bytes=MAX_SIDECAR_BYTES)
    except download.NotFoundError:
        return
    published = parse_sidecar(result.content, sidecar_url)
    if published != expected:
        raise VerificationError(
            f"{sidecar_url}: published SHA-256 {published} disagrees with the release index ({expected})",
            "the mirror may be tampered with or stale; nothing was installed",
        )
