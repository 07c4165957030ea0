"""config.toml: read with tomllib, edited in place with tomlkit, overridden by environment.

Reading is the hot path (tomllib, no third-party import). `config set`/`unset` edit the TOML
document itself with tomlkit, so the user's comments and layout survive; they write through a
symlinked config.toml to its target, keep its mode, and hold a lock beside it so concurrent
edits never lose an update. File paths are stored absolute: a relative path in the file or the
environment would depend on the directory gover runs in (a cloned repository's `corp.asc`
must never become a trusted key), so it is refused, and `config set` makes it absolute.
"""

from __future__ import annotations

import contextlib
import math
import os
import stat
import sys
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gover import paths
from gover.constants import (
    CONFIG_SCHEMA_VERSION,
    DEFAULT_DOWNLOAD_BASE,
    DEFAULT_INDEX_URL,
    ENV_AUTO_INSTALL,
    ENV_CA_BUNDLE,
    ENV_DOWNLOAD_BASE,
    ENV_GOBIN,
    ENV_GPG,
    ENV_INDEX_TTL,
    ENV_INDEX_URL,
    ENV_KEY_URL,
    ENV_MIRROR,
    ENV_SHIMS,
    ENV_SOURCE,
    ENV_TIMEOUT,
    ENV_TRUSTED_KEYS,
    ENV_VERIFY_SUMDB,
    GO_KEY_URL,
    GOBIN_MODES,
    GOBIN_SHARED,
    GPG_AUTO,
    GPG_POLICIES,
    INDEX_TTL_SECONDS,
    MIRROR_PRESETS,
    SHIM_KINDS,
    SOURCE_KINDS,
    SUMDB_POLICIES,
)
from gover.errors import ConfigError, UsageError, io_error, io_reason
from gover.fsutil import read_capped, write_atomic

if TYPE_CHECKING:
    from tomlkit import TOMLDocument

MAX_BYTES = 1 << 20  # config.toml larger than this is refused (it is a few hundred bytes)
MAX_SECONDS = 10 * 365 * 24 * 3600  # index_ttl / timeout: ten years is "forever" enough

# key -> (default, environment variable, kind)
KEYS: dict[str, tuple[Any, str | None, str]] = {
    "index_url": (DEFAULT_INDEX_URL, ENV_INDEX_URL, "url"),
    "download_base": (DEFAULT_DOWNLOAD_BASE, ENV_DOWNLOAD_BASE, "url"),
    "ca_bundle": ("", ENV_CA_BUNDLE, "path"),
    "gpg": (GPG_AUTO, ENV_GPG, "policy"),
    "trusted_keys": ([], ENV_TRUSTED_KEYS, "paths"),
    "key_url": (GO_KEY_URL, ENV_KEY_URL, "url"),
    "index_ttl": (INDEX_TTL_SECONDS, ENV_INDEX_TTL, "seconds"),
    "auto_install": (False, ENV_AUTO_INSTALL, "bool"),
    # Overall deadline per request (headers and body); 0 = scale with the file's size.
    "timeout": (0, ENV_TIMEOUT, "seconds"),
    # Which shims `gover rehash` writes: native (built with an installed Go), sh, or auto.
    "shims": ("auto", ENV_SHIMS, "shims"),
    # Where the index and archives come from: presets and/or URLs, tried in order (sources.py).
    "mirror": ([], ENV_MIRROR, "mirrors"),
    # Where toolchains come from: go.dev (index + mirrors) or proxy ($GOPROXY), or a list.
    "source": (["go.dev"], ENV_SOURCE, "sources"),
    # Whether the checksum database must vouch for what is installed (the third proof).
    "verify_sumdb": ("auto", ENV_VERIFY_SUMDB, "sumdb"),
    # Where `go install` puts programs: one shared GOBIN, or one per Go version (tools/gobin.py).
    "gobin": (GOBIN_SHARED, ENV_GOBIN, "gobin"),
}


@dataclass(frozen=True)
class Config:
    index_url: str = DEFAULT_INDEX_URL
    download_base: str = DEFAULT_DOWNLOAD_BASE
    ca_bundle: str = ""
    gpg: str = GPG_AUTO
    trusted_keys: tuple[str, ...] = field(default_factory=tuple)
    key_url: str = GO_KEY_URL
    index_ttl: int = INDEX_TTL_SECONDS
    auto_install: bool = False
    timeout: int = 0
    shims: str = "auto"
    mirror: tuple[str, ...] = field(default_factory=tuple)
    source: tuple[str, ...] = ("go.dev",)
    verify_sumdb: str = "auto"
    gobin: str = GOBIN_SHARED
    origins: dict[str, str] = field(default_factory=dict, compare=False)

    def get(self, key: str) -> Any:
        _check_key(key)
        value = getattr(self, key)
        return list(value) if isinstance(value, tuple) else value


def _check_key(key: str) -> None:
    if key not in KEYS:
        raise UsageError(f"unknown config key {key!r}", f"known keys: {', '.join(sorted(KEYS))}")


def _seconds(value: Any) -> int | None:
    """A whole, finite, non-negative number of seconds up to MAX_SECONDS, or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip()
        # At most 10 digits: int() of a 5,000-digit string is refused with a ValueError.
        if not (text.isascii() and text.isdigit() and len(text) <= 10):
            return None
        value = int(text)
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            return None
        value = int(value)
    if not isinstance(value, int) or not 0 <= value <= MAX_SECONDS:
        return None
    return value


def _check_absolute(key: str, path: str, where: str) -> None:
    if not os.path.isabs(path):
        raise ConfigError(
            f"{where}: {key} path {path!r} is relative (it would depend on the current directory)",
            f"give the full path, e.g. gover config set {key} {os.sep}path{os.sep}to{os.sep}file",
        )


def _validate(key: str, value: Any, where: str) -> Any:
    kind = KEYS[key][2]
    if kind == "mirrors":
        return _mirrors(key, value, where)
    if kind == "sources":
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(v, str) and v in SOURCE_KINDS for v in value)
        ):
            raise ConfigError(
                f"{where}: {key} must be {' or '.join(SOURCE_KINDS)}, or a list of them",
                f"e.g. gover config set {key} proxy",
            )
        return tuple(dict.fromkeys(value))
    if kind == "sumdb" and value not in SUMDB_POLICIES:
        raise ConfigError(
            f"{where}: {key} = {_shown(value)} is not a policy",
            f"use one of {', '.join(SUMDB_POLICIES)}",
        )
    if kind == "gobin" and value not in GOBIN_MODES:
        raise ConfigError(
            f"{where}: {key} = {_shown(value)} is not a GOBIN mode",
            f"use one of {', '.join(GOBIN_MODES)}",
        )
    if kind == "paths":
        if isinstance(value, str):
            value = [p for p in value.split(os.pathsep) if p]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}: {key} must be a list of file paths")
        for item in value:
            _check_absolute(key, item, where)
        return tuple(value)
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str | int) and not isinstance(value, bool):
            text = str(value).strip().lower()
            if text in ("true", "1", "yes", "on"):
                return True
            if text in ("false", "0", "no", "off", ""):
                return False
        raise ConfigError(f"{where}: {key} must be true or false")
    if kind == "seconds":
        seconds = _seconds(value)
        if seconds is None:
            raise ConfigError(
                f"{where}: {key} must be a whole number of seconds from 0 to {MAX_SECONDS}"
            )
        return seconds
    if not isinstance(value, str):
        raise ConfigError(f"{where}: {key} must be a string")
    if kind == "policy" and value not in GPG_POLICIES:
        raise ConfigError(
            f"{where}: gpg = {value!r} is not a policy", f"use one of {', '.join(GPG_POLICIES)}"
        )
    if kind == "shims" and value not in SHIM_KINDS:
        raise ConfigError(
            f"{where}: shims = {value!r} is not a kind of shims",
            f"use one of {', '.join(SHIM_KINDS)}",
        )
    if kind == "url" and value and "://" not in value:
        raise ConfigError(f"{where}: {key} = {value!r} is not a URL", "give a full https:// URL")
    if kind == "path" and value:
        _check_absolute(key, value, where)
    return value


def _mirrors(key: str, value: Any, where: str) -> tuple[str, ...]:
    """A mirror list: preset names and URLs (an absolute path becomes a file:// URL), given
    as a TOML string or list, or in the environment separated by commas (as GOPROXY; not
    spaces, which paths may hold)."""
    if isinstance(value, str):
        value = [part for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: {key} must be a preset name, a URL, or a list of them")
    entries: list[str] = []
    for item in value:
        entry = item.strip()
        if entry in MIRROR_PRESETS or "://" in entry:
            entries.append(entry.rstrip("/") + "/" if "://" in entry else entry)
        elif os.path.isabs(entry):
            entries.append(Path(entry).as_uri().rstrip("/") + "/")
        else:
            raise ConfigError(
                f"{where}: {key} entry {_shown(entry)} is neither a preset nor a URL",
                f"use a URL (https://..., file:///path) or one of {', '.join(MIRROR_PRESETS)}",
            )
    return tuple(entries)


def _read_text(path: Path) -> str | None:
    """config.toml as text, None when it does not exist. Opened without blocking and refused
    unless a regular file (a FIFO never hangs gover), at most MAX_BYTES, UTF-8 only."""
    try:
        data = read_capped(path, MAX_BYTES)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(
            f"{path}: cannot read config: {io_reason(exc)}", "fix or delete the file"
        ) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: cannot read config: not UTF-8 text (byte {exc.start})",
            "save it as UTF-8 or delete it",
        ) from None


def _parse(text: str, path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        reason = str(exc)
    except ValueError as exc:  # an integer of more than 4,300 digits
        reason = "a number has too many digits" if "digits" in str(exc) else str(exc)
    except RecursionError:
        reason = "values nested too deeply"
    raise ConfigError(f"{path}: cannot read config: {reason}", "fix or delete the file")


def read_file(path: Path) -> dict[str, Any]:
    text = _read_text(path)
    return {} if text is None else _parse(text, path)


def _check_schema(raw: Any, path: Path) -> None:
    """The file's `schema_version` (missing = 1) must be one this gover understands: a newer
    file may mean something this version would silently misread."""
    version = raw.get("schema_version", 1)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ConfigError(
            f"{path}: schema_version must be a whole number from 1 (found {_shown(version)})",
            f"set it to {CONFIG_SCHEMA_VERSION} or delete the line",
        )
    if version > CONFIG_SCHEMA_VERSION:
        raise ConfigError(
            f"{path}: schema_version {version} is newer than this gover understands "
            f"({CONFIG_SCHEMA_VERSION})",
            "upgrade gover",
        )


def _check_known(raw: dict[str, Any], path: Path) -> None:
    """An unknown key is an error, never ignored: a typo (`gpg_policy = "require"`) would
    otherwise quietly leave the default in force."""
    unknown = [key for key in raw if key not in KEYS and key != "schema_version"]
    if unknown:
        raise ConfigError(
            f"{path}: unknown config key {_shown(unknown[0])}",
            f"remove it from the file; known keys: {', '.join(sorted(KEYS))}",
        )


def _shown(value: Any) -> str:
    """A value from the file fit for a one-line message (escaped, at most 40 characters)."""
    text = repr(value) if isinstance(value, str) else type(value).__name__
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value) if abs(value) < 10**12 else "a huge number"
    return text if len(text) <= 40 else text[:39] + "…"


def load() -> Config:
    path = paths.config_file()
    raw = read_file(path)
    _check_schema(raw, path)
    _check_known(raw, path)
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for key in KEYS:
        if key in raw:
            values[key] = _validate(key, raw[key], str(path))
            origins[key] = str(path)
    for key, (_default, env, _kind) in KEYS.items():
        if env and os.environ.get(env):
            values[key] = _validate(key, os.environ[env], f"${env}")
            origins[key] = f"${env}"
    return Config(**values, origins=origins)


def override(cfg: Config, key: str, value: Any, origin: str) -> Config:
    """`cfg` with `key` set from a command-line option (`origin`, e.g. "--source"),
    validated as the file and the environment are; it wins over both."""
    import dataclasses

    _check_key(key)
    checked = _validate(key, value, origin)
    return dataclasses.replace(cfg, **{key: checked}, origins={**cfg.origins, key: origin})


# ---- editing --------------------------------------------------------------------------------


def _absolute(key: str, value: str) -> str:
    """A path value made absolute against the current directory, as `config set` stores it."""
    kind = KEYS[key][2]
    if kind == "mirrors":  # a local tree given as a relative path (./mirror) is made absolute
        entries = [e.strip() for e in value.split(",") if e.strip()]
        return ",".join(  # ./tree, ../x/tree, ~/tree: a path; a bare word must be a preset
            os.path.abspath(os.path.expanduser(e)) if "://" not in e and "/" in e else e
            for e in entries
        )
    if kind == "path" and value:
        return os.path.abspath(value)
    if kind == "paths":
        return os.pathsep.join(os.path.abspath(p) for p in value.split(os.pathsep) if p)
    return value


@contextlib.contextmanager
def _locked(config_path: Path) -> Iterator[None]:
    """An exclusive lock on `.config.toml.lock` beside config.toml (never through a link),
    held for a whole read-modify-write, released when the process exits however it ends."""
    lock_path = config_path.with_name(f".{config_path.name}.lock")
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    flags |= getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(lock_path, flags, 0o600)
    except OSError as exc:
        raise ConfigError(
            f"{lock_path}: cannot lock the config: {io_reason(exc)}",
            "remove it if it is not a regular file",
        ) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ConfigError(
                f"{lock_path}: cannot lock the config: not a regular file", "remove it"
            )
        if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
            import msvcrt

            msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _edit(change: Callable[[TOMLDocument], bool]) -> None:
    """Apply `change` to config.toml as a TOML document (comments and layout kept) and write
    it back atomically where it really lives, with its mode, under the config lock."""
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    link = paths.config_file()
    try:
        link.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise io_error("create config directory", link.parent, exc, kind=ConfigError) from None
    with _locked(link):
        # Through a symlinked config.toml (dotfile managers) to its target, so the link stays.
        target = Path(os.path.realpath(link))
        text = _read_text(target)
        if text is not None:
            # The same one-line error as every other command; and never rewrite a file of a
            # newer schema (its schema_version would be lowered to this gover's).
            _check_schema(_parse(text, link), link)
        try:
            doc = tomlkit.parse(text or "")
        except (TOMLKitError, ValueError, RecursionError) as exc:
            raise ConfigError(
                f"{link}: cannot edit config: {exc}", "fix or delete the file"
            ) from None
        if not change(doc):
            return
        if doc.get("schema_version") != CONFIG_SCHEMA_VERSION:
            doc["schema_version"] = CONFIG_SCHEMA_VERSION
        new = doc.as_string()
        _parse(new, link)
        try:
            mode = 0o644 if text is None else stat.S_IMODE(os.stat(target).st_mode)
            write_atomic(target, new, mode=mode)
        except OSError as exc:
            raise io_error("write config", target, exc, kind=ConfigError) from None


def set_value(key: str, value: str) -> Any:
    """Store `key = value` in config.toml; returns the value as stored (paths absolute)."""
    _check_key(key)
    checked = _validate(key, _absolute(key, value), "value")
    stored = list(checked) if isinstance(checked, tuple) else checked

    def change(doc: TOMLDocument) -> bool:
        if not doc:
            doc["schema_version"] = CONFIG_SCHEMA_VERSION
        doc[key] = stored
        return True

    _edit(change)
    return stored


def unset_value(key: str) -> None:
    _check_key(key)
    if not os.path.lexists(paths.config_file()):
        return

    def change(doc: TOMLDocument) -> bool:
        if key not in doc:
            return False
        del doc[key]
        return True

    _edit(change)
