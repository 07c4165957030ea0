"""Settings: config (get, set, unset, list) and the trusted release keys (list, refresh)."""

from __future__ import annotations

import os
from typing import Any

import typer

from gover import output
from gover.cli.app import JsonOpt, app, load_config, rehash_quietly

config_app = typer.Typer(help="Read and change config.toml.", no_args_is_help=True)
keys_app = typer.Typer(help="The GPG keys gover trusts for Go releases.", no_args_is_help=True)


@config_app.command("get")
def config_get(key: str) -> None:
    """Print one setting (after environment overrides)."""
    value = load_config().get(key)
    output.info(os.pathsep.join(value) if isinstance(value, list) else str(value))


@config_app.command("set")
def config_set(key: str, value: str) -> None:
    """Change a setting in config.toml (comments kept; file paths stored absolute)."""
    from gover import config, paths

    stored = config.set_value(key, value)
    if key == "auto_install":
        rehash_quietly()
    shown = os.pathsep.join(stored) if isinstance(stored, list) else stored
    output.info(f"{key} = {shown!r} in {paths.config_file()}")


@config_app.command("unset")
def config_unset(key: str) -> None:
    """Return a setting to its default."""
    from gover import config

    config.unset_value(key)


@config_app.command("list")
def config_list(as_json: JsonOpt = False) -> None:
    """Every setting, its value and where it came from."""
    from gover import config

    cfg = config.load()
    data = {k: cfg.get(k) for k in config.KEYS}
    if as_json:
        output.emit_json(data)
        return
    output.table(
        [
            [
                k,
                os.pathsep.join(v) if isinstance(v, list) else str(v),
                cfg.origins.get(k, "default"),
            ]
            for k, v in data.items()
        ],
        headers=["key", "value", "from"],
    )


def _key_dict(key: Any) -> dict[str, Any]:
    def _date(d: Any) -> str | None:
        return d.date().isoformat() if d is not None else None

    return {
        "fingerprint": key.fingerprint,
        "uids": list(key.uids),
        "source": key.source,
        "expires": _date(key.expires),
        "subkeys": [
            {
                "fingerprint": s.fingerprint,
                "capabilities": s.capabilities,
                "created": _date(s.created),
                "expires": _date(s.expires),
            }
            for s in key.subkeys
        ],
    }


@keys_app.command("list")
def keys_list(as_json: JsonOpt = False) -> None:
    """The keys whose signatures gover accepts."""
    from gover.toolchain.trust import openpgp as verify

    keys = [_key_dict(k) for k in verify.list_keys(load_config())]
    if as_json:
        output.emit_json(keys)
        return
    for k in keys:
        output.info(f"{k['fingerprint']}  {', '.join(k['uids'])}")
        output.info(f"    from {k['source']}")
        for s in k["subkeys"]:
            output.info(
                f"    sub {s['fingerprint']} [{s['capabilities']}] "
                f"created {s['created']} expires {s['expires'] or 'never'}"
            )


@keys_app.command("refresh")
def keys_refresh() -> None:
    """Fetch the Go release key from its published URL; accepted only if the pin matches."""
    from gover.toolchain import download
    from gover.toolchain.trust import openpgp as verify

    cfg = load_config()
    key = verify.refresh_key(
        cfg, lambda url: download.fetch_bytes(url, cfg, max_bytes=1 << 20).content
    )
    output.info(f"refreshed {key.fingerprint} from {cfg.key_url}")


app.add_typer(config_app, name="config")
app.add_typer(keys_app, name="keys")
