"""config.toml: read with tomllib, written atomically with tomli-w, overridden by environment."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gover import paths
from gover.constants import (
    CONFIG_SCHEMA_VERSION,
    DEFAULT_DOWNLOAD_BASE,
    DEFAULT_INDEX_URL,
    ENV_AUTO_INSTALL,
    ENV_CA_BUNDLE,
    ENV_DOWNLOAD_BASE,
    ENV_GPG,
    ENV_INDEX_TTL,
    ENV_INDEX_URL,
    ENV_KEY_URL,
    ENV_TIMEOUT,
    ENV_TRUSTED_KEYS,
    GO_KEY_URL,
    GPG_AUTO,
    GPG_POLICIES,
    INDEX_TTL_SECONDS,
)
from gover.errors import ConfigError, UsageError
from gover.fsutil import write_atomic

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
    origins: dict[str, str] = field(default_factory=dict, compare=False)

    def get(self, key: str) -> Any:
        _check_key(key)
        value = getattr(self, key)
        return list(value) if isinstance(value, tuple) else value


def _check_key(key: str) -> None:
    if key not in KEYS:
        raise UsageError(f"unknown config key {key!r}", f"known keys: {', '.join(sorted(KEYS))}")


def _validate(key: str, value: Any, where: str) -> Any:
    kind = KEYS[key][2]
    if kind == "paths":
        if isinstance(value, str):
            value = [p for p in value.split(os.pathsep) if p]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}: {key} must be a list of file paths")
        return tuple(value)
    if kind == "bool":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "1", "yes", "on"):
            return True
        if text in ("false", "0", "no", "off", ""):
            return False
        raise ConfigError(f"{where}: {key} must be true or false")
    if kind == "seconds":
        try:
            seconds = int(value)
        except (TypeError, ValueError):
            seconds = -1
        if seconds < 0 or isinstance(value, bool):
            raise ConfigError(f"{where}: {key} must be a whole number of seconds")
        return seconds
    if not isinstance(value, str):
        raise ConfigError(f"{where}: {key} must be a string")
    if kind == "policy" and value not in GPG_POLICIES:
        raise ConfigError(
            f"{where}: gpg = {value!r} is not a policy", f"use one of {', '.join(GPG_POLICIES)}"
        )
    if kind == "url" and value and "://" not in value:
        raise ConfigError(f"{where}: {key} = {value!r} is not a URL", "give a full https:// URL")
    return value


def read_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config: {exc}", "fix or delete the file") from exc
    return data


def load() -> Config:
    path = paths.config_file()
    raw = read_file(path)
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


def set_value(key: str, value: str) -> None:
    _check_key(key)
    path = paths.config_file()
    raw = read_file(path)
    checked = _validate(key, value, "value")
    raw[key] = list(checked) if isinstance(checked, tuple) else checked
    raw["schema_version"] = CONFIG_SCHEMA_VERSION
    import tomli_w

    write_atomic(path, tomli_w.dumps(raw))


def unset_value(key: str) -> None:
    _check_key(key)
    path = paths.config_file()
    raw = read_file(path)
    if key in raw:
        del raw[key]
        raw["schema_version"] = CONFIG_SCHEMA_VERSION
        import tomli_w

        write_atomic(path, tomli_w.dumps(raw))
