"""The go.dev release index: fetch, cache with revalidation, and pick the artifact for a host.

Everything read here may be hostile (a mirror, a shared cache): the parser keeps only
entries of the expected shape, a cached copy is used only when it is a regular file of
ours in a cache directory of ours, and cache metadata that is not a plain past timestamp
(NaN, infinity, a string, the far future) means "stale", never "fresh forever".
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gover import paths
from gover.config import Config
from gover.constants import MAX_INDEX_BYTES
from gover.errors import GoverError, IndexError_, VersionError
from gover.fsutil import is_owned_regular, open_regular, write_atomic
from gover.platform import Platform
from gover.versions import GoVersion, VersionRequest


@dataclass(frozen=True)
class ReleaseFile:
    filename: str
    os: str
    arch: str
    version: str
    sha256: str
    size: int
    kind: str


@dataclass(frozen=True)
class Release:
    version: GoVersion
    stable: bool
    files: tuple[ReleaseFile, ...]

    def archive_for(self, plat: Platform) -> ReleaseFile | None:
        for f in self.files:
            if f.kind == "archive" and f.os == plat.goos and f.arch == plat.goarch:
                return f
        return None


def _hex64(value: Any) -> bool:
    return (
        isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value)
    )


_MAX_FILENAME = 255
_MAX_META = 64 << 10
_CLOCK_SKEW = 300.0  # seconds a cache timestamp may lie in the future


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _good_filename(name: Any) -> bool:
    return (
        isinstance(name, str)
        and 0 < len(name) <= _MAX_FILENAME
        and name.isprintable()  # no NUL, newline or terminal escape
        and "/" not in name
        and "\\" not in name
        and not name.startswith(".")
    )


def _release_file(f: Any) -> ReleaseFile | None:
    if not isinstance(f, dict):
        return None
    name = f.get("filename")
    sha = _text(f.get("sha256")).lower()
    size = f.get("size")
    if (
        not _good_filename(name)
        or not _hex64(sha)
        or not isinstance(size, int)
        or isinstance(size, bool)
        or size < 0
    ):
        return None
    return ReleaseFile(
        filename=str(name),
        os=_text(f.get("os")),
        arch=_text(f.get("arch")),
        version=_text(f.get("version")),
        sha256=sha,
        size=size,
        kind=_text(f.get("kind")),
    )


def parse_index(data: bytes, source: str) -> list[Release]:
    """Parse go.dev's JSON; entries with unknown versions or malformed files are skipped."""
    hint = "check index_url (gover config get index_url) or run with --refresh"
    try:
        raw = json.loads(data)
    except RecursionError:
        raise IndexError_(f"{source}: release index is nested too deeply", hint) from None
    except (ValueError, UnicodeDecodeError) as exc:
        what = "has a number with too many digits" if "digits" in str(exc) else "is not JSON"
        raise IndexError_(
            f"{source}: release index {what} ({exc.__class__.__name__})", hint
        ) from None
    if not isinstance(raw, list):
        raise IndexError_(f"{source}: release index is not a JSON list", "check index_url")
    releases: list[Release] = []
    for entry in raw:
        if not isinstance(entry, dict):
            continue
        version_text = _text(entry.get("version"))
        try:
            version = GoVersion.try_parse(version_text) if len(version_text) <= 64 else None
        except (ValueError, GoverError):
            version = None
        if version is None:
            continue
        listed = entry.get("files")
        files = [f for f in map(_release_file, listed if isinstance(listed, list) else []) if f]
        releases.append(Release(version, entry.get("stable") is True, tuple(files)))
    releases.sort(key=lambda r: r.version, reverse=True)
    return releases


def _cache_paths(url: str) -> tuple[Path, Path]:
    key = hashlib.sha256(url.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    base = paths.index_cache_dir()
    return base / f"{key}.json", base / f"{key}.meta.json"


def _read_owned(path: Path, limit: int) -> bytes | None:
    """A cache file's bytes, or None unless it is a regular file of ours within `limit`."""
    try:
        fd = open_regular(path, follow_symlinks=False)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        try:
            if not is_owned_regular(os.fstat(fd)):
                return None
            data = fh.read(limit + 1)
        except OSError:
            return None
    return data if len(data) <= limit else None


def read_meta(data: bytes | None) -> dict[str, Any]:
    """The cache metadata as a dict; anything unreadable is an empty (stale) one."""
    if data is None:
        return {}
    try:
        meta = json.loads(data)
    except (ValueError, RecursionError):
        return {}
    return meta if isinstance(meta, dict) else {}


def fetched_at(meta: dict[str, Any], now: float) -> float | None:
    """When the cached copy was fetched: a finite, positive, not-future number, else None."""
    value = meta.get("fetched_at")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        stamp = float(value)
    except OverflowError:  # an integer too large for a float
        return None
    if not math.isfinite(stamp) or stamp <= 0 or stamp > now + _CLOCK_SKEW:
        return None
    return stamp


def is_fresh(meta: dict[str, Any], now: float, ttl: float) -> bool:
    stamp = fetched_at(meta, now)
    return stamp is not None and math.isfinite(ttl) and now - stamp < ttl


def _cache_dir_ok() -> bool:
    """The index cache directory is gover's own (or refused: raises GoverError)."""
    from gover.toolchain import cache

    cache.owned(paths.index_cache_dir())
    return True


def cached(cfg: Config, url: str | None = None) -> list[Release] | None:
    """The cached index without touching the network (for completions and offline use)."""
    found = cached_copy(url or cfg.index_url)
    return None if found is None else found[0]


def cached_copy(url: str) -> tuple[list[Release], str] | None:
    """The cached copy of `url`'s index and how old it is ("12 min ago"), or None."""
    body_path, meta_path = _cache_paths(url)
    try:
        _cache_dir_ok()
        body = _read_owned(body_path, MAX_INDEX_BYTES)
        if body is None:
            return None
        releases = parse_index(body, str(body_path))
    except GoverError:
        return None
    now = time.time()
    stamp = fetched_at(read_meta(_read_owned(meta_path, _MAX_META)), now)
    age = "at an unknown time" if stamp is None else f"{int((now - stamp) / 60)} min ago"
    return releases, age


def load(
    cfg: Config,
    *,
    url: str | None = None,
    refresh: bool = False,
    ttl: float | None = None,
) -> list[Release]:
    """Index from the cache while fresh, else revalidated (ETag/Last-Modified). A network
    failure is raised: sources.load_index tries the next mirror, then falls back to a
    cached copy (cached_copy) with a warning.

    A file:// index (a local or mounted mirror) is read every time, as cheap as the cache,
    so a tree refreshed on the stick or share shows at once; the copy is still cached for
    when the stick is gone."""
    from gover.toolchain import download

    url = url or cfg.index_url
    refresh = refresh or url.lower().startswith("file:")
    ttl = cfg.index_ttl if ttl is None else ttl
    _cache_dir_ok()
    body_path, meta_path = _cache_paths(url)
    meta = read_meta(_read_owned(meta_path, _MAX_META))
    body = _read_owned(body_path, MAX_INDEX_BYTES)
    releases: list[Release] | None = None
    if body is not None:
        try:
            releases = parse_index(body, str(body_path))
        except IndexError_:
            body = None  # a corrupt copy is no copy: fetch afresh
    now = time.time()
    if releases is not None and not refresh and is_fresh(meta, now, ttl):
        return releases

    headers: dict[str, str] = {}
    if releases is not None:
        for key, header in (("etag", "If-None-Match"), ("last_modified", "If-Modified-Since")):
            value = meta.get(key)
            if isinstance(value, str) and value.isascii() and value.isprintable():
                headers[header] = value[:1024]
    result = download.fetch_bytes(
        url, cfg, max_bytes=MAX_INDEX_BYTES, headers=headers, accept_not_modified=True
    )
    if result.status == 304 and releases is not None:
        fresh = releases
    else:
        fresh = parse_index(result.content, url)  # validate before caching
        _save(body_path, result.content)
        meta = {}
        if result.headers.get("etag"):
            meta["etag"] = result.headers["etag"]
        if result.headers.get("last-modified"):
            meta["last_modified"] = result.headers["last-modified"]
    meta["fetched_at"] = now
    meta["url"] = url
    _save(meta_path, json.dumps(meta).encode())
    return fresh


def _save(path: Path, data: bytes) -> None:
    # A cache that cannot be written (read-only, full) only costs a fetch next time.
    with contextlib.suppress(OSError):
        write_atomic(path, data, mode=0o600)


def find_release(
    releases: list[Release], request: VersionRequest, unstable: bool = False
) -> Release:
    """The release a request names: exact, or the newest (stable unless `unstable`) match."""
    by_version = {r.version: r for r in releases}
    picked = request.pick(list(by_version), unstable=unstable)
    if picked is None:
        hint = "run: gover list-remote" + (" --all" if request.kind != "exact" else "")
        if request.kind == "prefix" and not unstable:
            hint += " (pre-releases need --unstable)"
        raise VersionError(f"no Go release matches {request.text!r} in the release index", hint)
    return by_version[picked]


def select_archive(release: Release, plat: Platform) -> ReleaseFile:
    art = release.archive_for(plat)
    if art is None:
        have = sorted({f"{f.os}/{f.arch}" for f in release.files if f.kind == "archive"})
        raise IndexError_(
            f"go{release.version} has no archive for {plat}",
            f"available: {', '.join(have) or 'none'}",
        )
    return art


def find_file(releases: list[Release], filename: str) -> ReleaseFile | None:
    for r in releases:
        for f in r.files:
            if f.filename == filename:
                return f
    return None
