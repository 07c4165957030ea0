"""Settings: config (get, set, unset, list) and the trusted release keys (list, refresh)."""

from __future__ import annotations

from typing import Any

import typer

from gover import output
from gover.cli.app import JsonOpt, app, load_config, rehash_quietly
from gover.results import settings as settings_results

# Settings the shims (or what rehash writes beside them) depend on.
REHASH_KEYS = ("auto_install", "gobin")


def _warn_overridden(key: str, what: str) -> None:
    """One line on stderr when an environment variable hides what `config set/unset` did."""
    import os

    from gover import config

    env = config.KEYS[key][1]
    if env and os.environ.get(env):
        output.warn(f"${env} is set and overrides {what} for {key}; unset it to use config.toml")


config_app = typer.Typer(help="Read and change config.toml.", no_args_is_help=True)
keys_app = typer.Typer(help="The GPG keys gover trusts for Go releases.", no_args_is_help=True)


@config_app.command("get")
def config_get(key: str, as_json: JsonOpt = False) -> None:
    """Print one setting (after environment overrides)."""
    cfg = load_config()
    value = cfg.get(key)
    result = settings_results.ConfigValue(key, value, cfg.origins.get(key, "default"))
    output.render(result, as_json=as_json)


@config_app.command("set")
def config_set(key: str, value: str, as_json: JsonOpt = False) -> None:
    """Change a setting in config.toml (comments kept; file paths stored absolute)."""
    from gover import config, paths

    stored = config.set_value(key, value)
    if key in REHASH_KEYS:
        rehash_quietly()
    _warn_overridden(key, "the value just written")
    output.render(settings_results.ConfigChanged(key, stored, str(paths.config_file())), as_json=as_json)


@config_app.command("unset")
def config_unset(key: str, as_json: JsonOpt = False) -> None:
    """Return a setting to its default."""
    from gover import config, paths

    config.unset_value(key)
    if key in REHASH_KEYS:
        rehash_quietly()
    _warn_overridden(key, "the default")
    output.render(settings_results.ConfigUnset(key, str(paths.config_file())), as_json=as_json)


@config_app.command("list")
def config_list(as_json: JsonOpt = False) -> None:
    """Every setting, its value and where it came from."""
    from gover import config

    cfg = config.load()
    settings = tuple(
        settings_results.Setting(k, cfg.get(k), cfg.origins.get(k, "default")) for k in config.KEYS
    )
    output.render(settings_results.ConfigList(settings), as_json=as_json)


def _date(d: Any) -> str | None:
    return d.date().isoformat() if d is not None else None


@keys_app.command("list")
def keys_list(as_json: JsonOpt = False) -> None:
    """The keys whose signatures gover accepts."""
    from gover.toolchain.trust import openpgp as verify

    keys = tuple(
        settings_results.TrustedKey(
            fingerprint=k.fingerprint,
            uids=tuple(k.uids),
            source=k.source,
            expires=_date(k.expires),
            subkeys=tuple(
                settings_results.Subkey(s.fingerprint, s.capabilities, _date(s.created), _date(s.expires))
                for s in k.subkeys
            ),
        )
        for k in verify.list_keys(load_config())
    )
    output.render(settings_results.KeyList(keys), as_json=as_json)


@keys_app.command("refresh")
def keys_refresh(as_json: JsonOpt = False) -> None:
    """Fetch the Go release key from its published URL; accepted only if the pin matches."""
    from gover.toolchain import download
    from gover.toolchain.trust import openpgp as verify

    cfg = load_config()
    key = verify.refresh_key(
        cfg, lambda url: download.fetch_bytes(url, cfg, max_bytes=1 << 20).content
    )
    result = settings_results.KeyRefreshed(key.fingerprint, cfg.key_url, _date(key.expires))
    output.render(result, as_json=as_json)


app.add_typer(config_app, name="config")
app.add_typer(keys_app, name="keys")
