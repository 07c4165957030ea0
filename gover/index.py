"""The go.dev release index: fetch, cache with revalidation, and pick the artifact for a host."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gover import output, paths
from gover.config import Config
from gover.errors import IndexError_, NetworkError, VersionError
from gover.fsutil import write_atomic
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


def parse_index(data: bytes, source: str) -> list[Release]:
    """Parse go.dev's JSON; entries with unknown versions or malformed files are skipped."""
    try:
        raw = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise IndexError_(
            f"{source}: release index is not JSON ({exc.__class__.__name__})",
            "check index_url (gover config get index_url) or run with --refresh",
        ) from exc
    if not isinstance(raw, list):
        raise IndexError_(f"{source}: release index is not a JSON list", "check index_url")
    releases: list[Release] = []
    for entry in raw:
        if not isinstance(entry, dict):
            continue
        version = GoVersion.try_parse(str(entry.get("version", "")))
        if version is None:
            continue
        files: list[ReleaseFile] = []
        for f in entry.get("files") or []:
            if not isinstance(f, dict):
                continue
            name = f.get("filename")
            sha = str(f.get("sha256", "")).lower()
            size = f.get("size")
            if (
                not isinstance(name, str)
                or "/" in name
                or "\\" in name
                or name.startswith(".")
                or not _hex64(sha)
                or not isinstance(size, int)
                or size < 0
            ):
                continue
            files.append(
                ReleaseFile(
                    filename=name,
                    os=str(f.get("os", "")),
                    arch=str(f.get("arch", "")),
                    version=str(f.get("version", "")),
                    sha256=sha,
                    size=size,
                    kind=str(f.get("kind", "")),
                )
            )
        releases.append(Release(version, bool(entry.get("stable", False)), tuple(files)))
    releases.sort(key=lambda r: r.version, reverse=True)
    return releases


def _cache_paths(url: str) -> tuple[Path, Path]:
    key = hashlib.sha256(url.encode()).hexdigest()[:16]
    base = paths.index_cache_dir()
    return base / f"{key}.json", base / f"{key}.meta.json"


def _read_meta(meta_path: Path) -> dict[str, Any]:
    try:
        meta = json.loads(meta_path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def cached(cfg: Config) -> list[Release] | None:
    """The cached index without touching the network (for completions and offline use)."""
    body_path, _ = _cache_paths(cfg.index_url)
    try:
        return parse_index(body_path.read_bytes(), str(body_path))
    except (OSError, IndexError_):
        return None


def load(cfg: Config, *, refresh: bool = False, ttl: float | None = None) -> list[Release]:
    """Index from the cache while fresh; else revalidate (ETag/Last-Modified); offline → cache."""
    from gover import download

    url = cfg.index_url
    ttl = cfg.index_ttl if ttl is None else ttl
    body_path, meta_path = _cache_paths(url)
    meta = _read_meta(meta_path)
    have_cache = body_path.is_file()
    now = time.time()
    if have_cache and not refresh and now - float(meta.get("fetched_at", 0)) < ttl:
        return parse_index(body_path.read_bytes(), str(body_path))

    headers: dict[str, str] = {}
    if have_cache:
        if meta.get("etag"):
            headers["If-None-Match"] = str(meta["etag"])
        if meta.get("last_modified"):
            headers["If-Modified-Since"] = str(meta["last_modified"])
    try:
        result = download.fetch_bytes(url, cfg, headers=headers, accept_not_modified=True)
    except NetworkError as exc:
        if not have_cache:
            raise
        age = int((now - float(meta.get("fetched_at", now))) / 60)
        output.warn(
            f"cannot refresh the release index ({exc.message}); using the copy cached {age} min ago"
        )
        return parse_index(body_path.read_bytes(), str(body_path))

    if result.status == 304 and have_cache:
        body = body_path.read_bytes()
    else:
        body = result.content
        releases = parse_index(body, url)  # validate before caching
        write_atomic(body_path, body)
        meta = {}
        if result.headers.get("etag"):
            meta["etag"] = result.headers["etag"]
        if result.headers.get("last-modified"):
            meta["last_modified"] = result.headers["last-modified"]
    meta["fetched_at"] = now
    meta["url"] = url
    write_atomic(meta_path, json.dumps(meta))
    if result.status != 304:
        return releases
    return parse_index(body, str(body_path))


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
