"""Where the release index and the archives come from: go.dev, a mirror, a preset, a list.

`mirror` (config, or `GOVER_MIRROR`) names one source or a list tried in order: a preset
(`go.dev`, `golang.google.cn`, `ustc`, …) or a URL whose tree is laid out like go.dev/dl
(`URL/index.json`, `URL/<archive>`; `gover mirror build` writes one). Some presets serve the
archives but no JSON index: the index, and so the hashes, comes from the first source in the
list that has one, else from go.dev. Whatever serves the bytes, they are checked against
that index's SHA-256 and Go's signature.

A network failure (DNS, refused, timeout, 5xx, 404) moves on to the next source; a
verification failure stops at once. An explicit `index_url` or `download_base` wins over
`mirror` when set at the same layer or a higher one (environment > config file).
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from gover import config, output
from gover.config import Config
from gover.constants import (
    DEFAULT_DOWNLOAD_BASE,
    DEFAULT_INDEX_URL,
    MIRROR_INDEX_NAME,
    MIRROR_PRESETS,
)
from gover.errors import NetworkError, TLSError, UnreachableError

if TYPE_CHECKING:
    from gover.toolchain.download import Downloaded
    from gover.toolchain.index import Release

_PRESETS_TEXT = ", ".join(MIRROR_PRESETS)
OFFLINE_HINT = (
    "to use a mirror: gover config set mirror URL (or a preset: "
    f"{_PRESETS_TEXT}), GOVER_MIRROR=file:///path/to/tree for a local copy, "
    "or install an archive you have: gover install --file ARCHIVE"
)


@dataclass(frozen=True)
class Source:
    """One place to fetch from. `setting` says what chose it, for messages and `--json`."""

    name: str  # a preset name, or the URL as configured
    index_url: str | None  # None: this source serves archives but no JSON index
    download_base: str  # ends with "/" ("" for an index-only source)
    setting: str

    def archive_url(self, filename: str) -> str:
        return self.download_base + filename

    def describe(self, url: str) -> str:
        """`url` with what chose it: "https://… (mirror ustc, set by $GOVER_MIRROR)"."""
        return f"{url} ({self.setting})"


@dataclass(frozen=True)
class LoadedIndex:
    releases: list[Release]
    url: str
    source: Source
    cached_note: str = ""  # why a cached copy was used instead of a fresh one ("" = fresh)


def _rank(cfg: Config, key: str) -> int:
    """Which layer set `key`: 0 default, 1 config file, 2 environment, 3 a command option."""
    origin = cfg.origins.get(key)
    if origin is None:
        return 0
    if origin.startswith("$"):
        return 2
    if origin.startswith("-"):
        return 3
    return 1


def _setting(cfg: Config, key: str, detail: str = "") -> str:
    origin = cfg.origins.get(key)
    name = f"{key} {detail}".rstrip()
    return f"{name}, set by {origin}" if origin else f"{name}, the default"


def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def mirror_entries(cfg: Config) -> list[Source]:
    """The `mirror` list as sources, in order (empty when `mirror` is not set)."""
    found: list[Source] = []
    for entry in cfg.mirror:
        if entry in MIRROR_PRESETS:
            index_url, base = MIRROR_PRESETS[entry]
            setting = _setting(cfg, "mirror", entry)
            found.append(Source(entry, index_url or None, base, setting))
        else:
            base = _with_slash(entry)
            shown = entry if len(cfg.mirror) == 1 else f"entry {len(found) + 1}"
            setting = _setting(cfg, "mirror", "" if len(cfg.mirror) == 1 else shown)
            found.append(
                Source(entry, urllib.parse.urljoin(base, MIRROR_INDEX_NAME), base, setting)
            )
    return found


def _mirror_wins(cfg: Config, key: str) -> bool:
    """`mirror` decides `key` (index_url/download_base) unless that key was set explicitly at
    the same layer as `mirror` or a higher one."""
    if not cfg.mirror:
        return False
    return not (key in cfg.origins and _rank(cfg, key) >= _rank(cfg, "mirror"))


def index_sources(cfg: Config) -> list[Source]:
    """Where the release index comes from, in the order tried."""
    if _mirror_wins(cfg, "index_url"):
        found = [s for s in mirror_entries(cfg) if s.index_url]
        if found:
            return found
        return [
            Source(
                "go.dev",
                DEFAULT_INDEX_URL,
                DEFAULT_DOWNLOAD_BASE,
                "go.dev's index: no mirror in the list serves one",
            )
        ]
    return [Source(cfg.index_url, cfg.index_url, "", _setting(cfg, "index_url"))]


def download_sources(cfg: Config) -> list[Source]:
    """Where archives (and their .sha256 and .asc) come from, in the order tried."""
    if _mirror_wins(cfg, "download_base"):
        return mirror_entries(cfg)
    base = _with_slash(cfg.download_base or DEFAULT_DOWNLOAD_BASE)
    return [Source(base, None, base, _setting(cfg, "download_base"))]


def with_mirror(cfg: Config, entries: list[str], setting: str) -> Config:
    """`cfg` with `mirror` replaced by `entries` (a `--from` option): it wins over every
    configured index_url, download_base and mirror."""
    return config.override(cfg, "mirror", list(entries), setting)


def _failed(what: str, failures: list[tuple[Source, str, NetworkError]]) -> NetworkError:
    """One line for "every source failed": each URL with what chose it and why it failed."""
    parts = [f"{src.describe(url)}: {_reason(url, exc)}" for src, url, exc in failures]
    if len(failures) == 1:
        message = f"cannot fetch {what}: {parts[0]}"
    else:
        message = f"cannot fetch {what} from any of {len(failures)} sources: " + "; ".join(parts)
    hints = [exc.hint for _src, _url, exc in failures if isinstance(exc, TLSError) and exc.hint]
    hint = "; ".join(dict.fromkeys([*hints, OFFLINE_HINT]))
    cls = (
        UnreachableError
        if all(isinstance(f[2], UnreachableError) for f in failures)
        else NetworkError
    )
    return cls(message, hint)


def _reason(url: str, exc: NetworkError) -> str:
    """The error's message without the URL it starts with (the caller names the URL)."""
    text = exc.message
    for prefix in (f"{url}: ", f"fetching {url} ", f"download of {url} "):
        if text.startswith(prefix):
            return text[len(prefix) :]
    return text


def load_index(cfg: Config, *, refresh: bool = False) -> LoadedIndex:
    """The release index from the first source that answers (a fresh cached copy counts);
    when none does, the first cached copy (with a warning); else one error naming each."""
    from gover.toolchain import download, index

    failures: list[tuple[Source, str, NetworkError]] = []
    for src in index_sources(cfg):
        assert src.index_url is not None
        download.check_url(src.index_url)  # a refused URL is a setting to fix, not a failover
        try:
            releases = index.load(cfg, url=src.index_url, refresh=refresh)
        except NetworkError as exc:
            failures.append((src, src.index_url, exc))
            continue
        if failures:
            output.warn(
                f"release index from {src.describe(src.index_url)}; "
                + "; ".join(f"{u} failed: {_reason(u, e)}" for _s, u, e in failures)
            )
        return LoadedIndex(releases, src.index_url, src)
    for src, url, error in failures:
        stale = index.cached_copy(url)
        if stale is not None:
            releases, age = stale
            note = (
                f"cannot refresh the release index ({error.message}); using the copy cached {age}"
            )
            output.warn(note)
            return LoadedIndex(releases, url, src, note)
    raise _failed("the release index", failures)


def fetch_archive(
    cfg: Config,
    filename: str,
    dest: Path,
    *,
    sha256: str,
    size: int | None,
    progress: bool | None = None,
) -> tuple[Downloaded, Source]:
    """Download `filename` into `dest` from the first source that serves it, checked against
    `sha256` (and `size`) as it streams. A VerificationError stops at once: bytes that are
    not the official ones are a problem to report, not a reason to shop around."""
    from gover.toolchain import download

    failures: list[tuple[Source, str, NetworkError]] = []
    for src in download_sources(cfg):
        url = src.archive_url(filename)
        download.check_url(url)
        try:
            got = download.fetch(
                url, dest, cfg, sha256=sha256, expected_size=size, progress=progress
            )
        except NetworkError as exc:
            failures.append((src, url, exc))
            continue
        if failures:
            output.warn(
                f"{filename} from {src.describe(url)}; "
                + "; ".join(f"{u} failed: {_reason(u, e)}" for _s, u, e in failures)
            )
        return got, src
    raise _failed(filename, failures)


__all__ = [
    "OFFLINE_HINT",
    "LoadedIndex",
    "Source",
    "download_sources",
    "fetch_archive",
    "index_sources",
    "load_index",
    "mirror_entries",
    "with_mirror",
]
