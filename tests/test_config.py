"""config.toml: atomic writes, schema version, env overrides, refusal of bad values."""

from __future__ import annotations

import tomllib

import pytest

from gover import config, paths
from tests.support.cli import run_gover


def test_set_get_list_and_env_override(monkeypatch: pytest.MonkeyPatch) -> None:
    assert run_gover("config", "set", "gpg", "require").code == 0
    assert run_gover("config", "set", "download_base", "https://mirror.example/go/").code == 0
    raw = tomllib.loads(paths.config_file().read_text())
    assert raw == {
        "gpg": "require",
        "download_base": "https://mirror.example/go/",
        "schema_version": 1,
    }
    assert run_gover("config", "get", "gpg").out == '"require"\n'
    monkeypatch.setenv("GOVER_GPG", "off")
    assert run_gover("config", "get", "gpg").out == '"off"\n'
    listing = run_gover("config", "list").out
    assert ["gpg", '"off"', "$GOVER_GPG"] in [line.split() for line in listing.splitlines()]
    assert run_gover("config", "unset", "gpg").code == 0
    assert "gpg" not in tomllib.loads(paths.config_file().read_text())


def test_trusted_keys_list_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVER_TRUSTED_KEYS", "/a.asc:/b.asc")
    assert config.load().trusted_keys == ("/a.asc", "/b.asc")


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (["config", "set", "colour", "x"], 2, "unknown config key 'colour'"),
        (["config", "get", "colour"], 2, "known keys:"),
        (["config", "set", "gpg", "maybe"], 1, "is not a policy"),
        (["config", "set", "index_url", "go.dev/dl"], 1, "is not a URL"),
        (["config", "set", "index_ttl", "soon"], 1, "whole number of seconds"),
    ],
)
def test_bad_values_refused(args: list[str], code: int, needle: str) -> None:
    r = run_gover(*args)
    assert r.code == code
    assert len(r.err_lines) == 1 and needle in r.err, r.err
    assert not paths.config_file().exists()


def test_broken_config_file_named() -> None:
    paths.config_file().parent.mkdir(parents=True, exist_ok=True)
    paths.config_file().write_text("gpg = [unclosed\n")
    r = run_gover("list-remote")
    assert r.code == 1
    assert len(r.err_lines) == 1 and str(paths.config_file()) in r.err


def test_bad_env_value_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVER_GPG", "sometimes")
    r = run_gover("list-remote")
    assert r.code == 1
    assert "$GOVER_GPG" in r.err
