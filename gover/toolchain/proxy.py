"""The `proxy` source: Go toolchains as the module golang.org/toolchain, through $GOPROXY.

Since Go 1.21 every release is also the module `golang.org/toolchain@v0.0.1-go1.22.10.linux-amd64`
(a zip of the binary distribution), served by every module proxy. gover reads the user's
settings as go does (`go_env`: the environment, then the `go env -w` file, then go's default)
and walks the GOPROXY list exactly as go's modfetch.TryProxies does:

- `,` after an entry falls through to the next one only when the entry says "not found"
  (HTTP 404/410, a missing file://); `|` falls through on any error;
- `off` is go's "module lookup disabled by GOPROXY=off";
- `direct` means the module's origin, and golang.org/toolchain has none (only proxies serve
  it): gover says so instead of pretending;
- a GONOPROXY (default GOPRIVATE) pattern matching golang.org/toolchain sends go direct: refused;
- GOINSECURE matching it, or GOFLAGS with -insecure: refused (a toolchain is never fetched
  insecurely).

Nothing here proves the bytes: the caller checks the zip's dirhash against the checksum
database (trust/sumdb.py) before the tree is committed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from gover import output
from gover.config import Config
from gover.constants import DEFAULT_GOPROXY, DEFAULT_GOSUMDB, TOOLCHAIN_MODULE
from gover.errors import (
    ConfigError,
    NetworkError,
    NotFoundError,
    UnreachableError,
    VerificationError,
)
from gover.versions import GoVersion

T = TypeVar("T")

# The variables that decide how the toolchain module is fetched and proven.
GO_VARS = (
    "GOPROXY",
    "GOSUMDB",
    "GOPRIVATE",
    "GONOPROXY",
    "GONOSUMDB",
    "GOINSECURE",
    "GOFLAGS",
    "GOBIN",  # gover/tools/gobin.py: where `go install` writes
    "GOPATH",  # (its default, $HOME/go, depends on HOME: gobin.gopath_bin applies it)
)
_DEFAULTS = {"GOPROXY": DEFAULT_GOPROXY, "GOSUMDB": DEFAULT_GOSUMDB}
MAX_INFO_BYTES = 64 << 10
MAX_MOD_BYTES = 64 << 10
MAX_LIST_BYTES = 4 << 20
_FIX_HINT = "or install from go.dev instead: gover install --source go.dev"


# ---- go's settings --------------------------------------------------------------------------


@dataclass(frozen=True)
class GoEnv:
    """go's value of each variable in GO_VARS, and where it came from."""

    values: dict[str, str]
    origins: dict[str, str]  # "$GOPROXY", "/home/u/.config/go/env", "go's default"

    def get(self, name: str) -> str:
        return self.values.get(name, "")

    def shown(self, name: str) -> str:
        """`GOPROXY=off (set by $GOPROXY)`, for messages."""
        return f"{name}={self.get(name)} ({self.origins.get(name, 'unset')})"


def go_env(environ: Mapping[str, str] | None = None) -> GoEnv:
    """The GO_VARS as go sees them: a non-empty environment value, else the `go env -w` file
    (govars' reader: $GOENV, else the user config dir's go/env), else go's default
    (GONOPROXY and GONOSUMDB default to GOPRIVATE)."""
    from gover.doctor import govars

    env = os.environ if environ is None else environ
    path = govars.goenv_file(env)
    from_file = govars.read_env_file(path, govars.ENV_FILE_LIMIT) if path is not None else {}
    values: dict[str, str] = {}
    origins: dict[str, str] = {}
    for name in GO_VARS:
        if env.get(name):
            values[name], origins[name] = env[name], f"set by ${name}"
        elif from_file.get(name, ("", 0))[0]:
            value, line = from_file[name]
            values[name], origins[name] = value, f"set in {path}:{line}"
        elif name in _DEFAULTS:
            values[name], origins[name] = _DEFAULTS[name], "go's default"
    for name in ("GONOPROXY", "GONOSUMDB"):
        if name not in values and values.get("GOPRIVATE"):
            values[name] = values["GOPRIVATE"]
            origins[name] = f"from GOPRIVATE, {origins['GOPRIVATE']}"
    return GoEnv(values, origins)


# ---- module path patterns (GOPRIVATE, GONOPROXY, GOINSECURE) ---------------------------------


def matching_pattern(patterns: str, target: str) -> str | None:
    """The first of the comma-separated glob `patterns` that matches a prefix of module path
    `target` (go's module.MatchPrefixPatterns, as trust/sumdb implements it), or None."""
    from gover.toolchain.trust import sumdb

    for raw in patterns.split(","):
        glob = raw.strip()
        if glob and sumdb.match_prefix_patterns(glob, target):
            return glob
    return None


# ---- the GOPROXY list -----------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One GOPROXY entry: a URL (without a trailing slash), `direct` or `off`; `any_error`
    when `|` follows it (fall through on any error, not only "not found")."""

    url: str
    any_error: bool = False


@dataclass(frozen=True)
class Plan:
    """Where the toolchain module is fetched from: the GOPROXY entries, in go's order."""

    entries: tuple[Entry, ...]
    env: GoEnv

    @property
    def shown(self) -> str:
        return self.env.shown("GOPROXY")


def parse_goproxy(value: str) -> list[Entry]:
    """go's proxyList: entries split at `,` and `|`, stopping at direct or off; a dotted word
    without a scheme gets https:// (goproxy.cn -> https://goproxy.cn)."""
    entries: list[Entry] = []
    rest = value
    while rest:
        i = min((k for k in (rest.find(","), rest.find("|")) if k >= 0), default=-1)
        if i >= 0:
            url, any_error, rest = rest[:i], rest[i] == "|", rest[i + 1 :]
        else:
            url, any_error, rest = rest, False, ""
        url = url.strip()
        if not url:
            continue
        if url in ("direct", "off"):
            entries.append(Entry(url))
            break
        if any(c in url for c in ".:/") and ":/" not in url and not url.startswith("/"):
            url = "https://" + url
        entries.append(Entry(url.rstrip("/"), any_error))
    return entries


def sumdb_proxies(env: GoEnv) -> list[tuple[str, bool]]:
    """GOPROXY's entries for the checksum database's proxy relay, (URL, any error falls
    through) in order, direct/off kept (go asks the proxies first and stops at them)."""
    return [(e.url, e.any_error) for e in parse_goproxy(env.get("GOPROXY"))]


def proxy_urls(env: GoEnv) -> list[str]:
    """The GOPROXY entries that can serve the toolchain module, up to `off` (`direct` is no
    source for it)."""
    out = []
    for e in parse_goproxy(env.get("GOPROXY")):
        if e.url == "off":
            break
        if e.url != "direct":
            out.append(e.url)
    return out


def plan(env: GoEnv) -> Plan:
    """The GOPROXY list for golang.org/toolchain, or a ConfigError naming the setting that
    keeps gover from using a proxy for it."""
    from gover.doctor import govars

    for flag in govars.quoted_split(env.get("GOFLAGS")) or []:
        key, eq, val = flag.lstrip("-").partition("=")
        if key == "insecure" and (not eq or val.lower() in ("1", "t", "true")):
            raise ConfigError(
                f"{env.shown('GOFLAGS')} asks for -insecure: gover never fetches a toolchain "
                "insecurely",
                f"remove -insecure from GOFLAGS, {_FIX_HINT}",
            )
    insecure = matching_pattern(env.get("GOINSECURE"), TOOLCHAIN_MODULE)
    if insecure is not None:
        raise ConfigError(
            f"{env.shown('GOINSECURE')}: its pattern {insecure!r} matches {TOOLCHAIN_MODULE}, "
            "and gover never fetches a toolchain insecurely",
            f"remove that pattern from GOINSECURE, {_FIX_HINT}",
        )
    private = matching_pattern(env.get("GONOPROXY"), TOOLCHAIN_MODULE)
    if private is not None:
        name = "GONOPROXY" if "GOPRIVATE" not in env.origins.get("GONOPROXY", "") else "GOPRIVATE"
        raise ConfigError(
            f"{env.shown(name)}: its pattern {private!r} matches {TOOLCHAIN_MODULE}, so go "
            "would fetch it direct from its origin, which does not exist (only module proxies "
            "serve toolchains)",
            f"remove that pattern from {name}, {_FIX_HINT}",
        )
    value = env.get("GOPROXY")
    problem, _unused = govars.proxy_problems(value)
    if problem is not None:
        raise ConfigError(
            f"{env.shown('GOPROXY')}: {problem}",
            "set GOPROXY to URLs joined by , or |, e.g. GOPROXY=https://proxy.golang.org,direct",
        )
    entries = parse_goproxy(value)
    first = entries[0].url
    if first == "off":
        raise ConfigError(
            f"{env.shown('GOPROXY')}: module lookup disabled by GOPROXY=off",
            f"name a module proxy in GOPROXY, {_FIX_HINT}",
        )
    if first == "direct":
        raise ConfigError(
            f"{env.shown('GOPROXY')}: direct is not a source for {TOOLCHAIN_MODULE} "
            "(it has no origin to fetch from: only module proxies serve toolchains)",
            f"name a module proxy in GOPROXY (e.g. https://proxy.golang.org,direct), {_FIX_HINT}",
        )
    return Plan(tuple(entries), env)


# ---- fetching through the list --------------------------------------------------------------


def module_url(base: str, suffix: str) -> str:
    """`<proxy>/golang.org/toolchain/@v/<suffix>` (the module path has no upper case, so go's
    case-encoding leaves it as it is)."""
    return f"{base}/{TOOLCHAIN_MODULE}/@v/{suffix}"


def _try(plan: Plan, suffix: str, what: str, fetch: Callable[[str], T]) -> tuple[T, str]:
    """`fetch(url)` for each GOPROXY entry in go's order: the first success and its URL; a
    VerificationError stops at once; otherwise one line naming every entry tried."""
    tried: list[str] = []
    errors: list[NetworkError] = []
    for entry in plan.entries:
        if entry.url == "off":
            tried.append("off: module lookup disabled by GOPROXY=off")
            break
        if entry.url == "direct":
            tried.append(
                f"direct: gover does not fetch {TOOLCHAIN_MODULE} from an origin (none exists; "
                "only module proxies serve toolchains)"
            )
            break
        url = module_url(entry.url, suffix)
        try:
            got = fetch(url)
        except NetworkError as exc:
            errors.append(exc)
            tried.append(_reason(url, exc))
            if isinstance(exc, NotFoundError) or entry.any_error:
                continue
            break
        if tried:
            output.warn(f"{what} from {url}; " + "; ".join(tried))
        return got, url
    message = f"cannot fetch {what} through {plan.shown}: " + "; ".join(tried)
    hint = f"check GOPROXY and the network, {_FIX_HINT}"
    if errors and all(isinstance(e, NotFoundError) for e in errors):
        raise NotFoundError(message, hint)
    if errors and all(isinstance(e, UnreachableError) for e in errors):
        raise UnreachableError(message, hint)
    raise NetworkError(message, hint)


def _reason(url: str, exc: NetworkError) -> str:
    text = exc.message
    return text if url in text else f"{url}: {text}"


def list_versions(cfg: Config, plan: Plan, goos: str, goarch: str) -> tuple[list[GoVersion], str]:
    """The releases `@v/list` names for goos/goarch, and the URL that answered."""
    from gover.toolchain import download

    got, url = _try(
        plan,
        "list",
        f"the version list of {TOOLCHAIN_MODULE}",
        lambda u: download.fetch_bytes(u, cfg, max_bytes=MAX_LIST_BYTES),
    )
    suffix = f".{goos}-{goarch}"
    found: set[GoVersion] = set()
    for line in got.content.decode("utf-8", "replace").splitlines():
        word = line.strip()
        if not word.startswith("v0.0.1-go") or not word.endswith(suffix):
            continue
        version = GoVersion.try_parse(word[len("v0.0.1-go") : -len(suffix)])
        if version is not None:
            found.add(version)
    return sorted(found, reverse=True), url


def fetch_info(cfg: Config, plan: Plan, mv: str) -> str:
    """`<mv>.info`, checked to name `mv` (a proxy that answers for another version is wrong);
    returns the URL that answered."""
    from gover.toolchain import download

    got, url = _try(
        plan,
        f"{mv}.info",
        f"{TOOLCHAIN_MODULE}@{mv}.info",
        lambda u: download.fetch_bytes(u, cfg, max_bytes=MAX_INFO_BYTES),
    )
    try:
        info = json.loads(got.content)
        named = info.get("Version") if isinstance(info, dict) else None
    except (ValueError, RecursionError):
        named = None
    if named != mv:
        raise VerificationError(
            f"{url}: not the .info of {TOOLCHAIN_MODULE}@{mv} (it names {str(named)[:80]!r})",
            "the proxy is broken or not a Go module proxy; nothing was installed",
        )
    return url


def fetch_mod(cfg: Config, plan: Plan, mv: str) -> tuple[bytes, str]:
    """`<mv>.mod` (its h1 is checked against the checksum database's /go.mod line)."""
    from gover.toolchain import download

    got, url = _try(
        plan,
        f"{mv}.mod",
        f"{TOOLCHAIN_MODULE}@{mv}.mod",
        lambda u: download.fetch_bytes(u, cfg, max_bytes=MAX_MOD_BYTES),
    )
    return got.content, url


def zip_name(version: GoVersion, goos: str, goarch: str) -> str:
    """`v0.0.1-go1.22.10.linux-amd64.zip`, the module zip's name on a proxy."""
    from gover.toolchain.trust import dirhash

    return f"{dirhash.module_version(version, goos, goarch)}.zip"


def download_zip(cfg: Config, plan: Plan, mv: str, dest: Path) -> tuple[str, str]:
    """Download `<mv>.zip` into `dest` (gover's cache); (its SHA-256, its URL). No hash vouches
    for the zip up front: the checksum database's h1 of its entries does, when it is unpacked."""
    from gover.toolchain import download

    return _try(
        plan,
        f"{mv}.zip",
        f"{TOOLCHAIN_MODULE}@{mv}.zip",
        lambda u: download.download(u, dest, cfg),
    )


__all__ = [
    "GO_VARS",
    "Entry",
    "GoEnv",
    "Plan",
    "download_zip",
    "fetch_info",
    "fetch_mod",
    "go_env",
    "list_versions",
    "matching_pattern",
    "module_url",
    "parse_goproxy",
    "plan",
    "proxy_urls",
    "sumdb_proxies",
    "zip_name",
]
