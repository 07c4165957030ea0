"""The entry point: exit codes for framework usage errors, --debug tracebacks, the fast path."""

from __future__ import annotations

import pytest

from tests.support.cli import run_gover


def test_unknown_option_is_usage_error() -> None:
    r = run_gover("install", "--bogus")
    assert r.code == 2
    assert "No such option: --bogus" in r.err
    assert "Traceback" not in r.err


def test_no_arguments_shows_help_exit_2() -> None:
    r = run_gover()
    assert r.code == 2
    assert "Commands" in r.out + r.err


@pytest.mark.parametrize("how", [("--debug",), ()])
def test_traceback_only_with_debug(how: tuple[str, ...]) -> None:
    env = {} if how else {"GOVER_DEBUG": "1"}
    plain = run_gover("uninstall", "1.22.10")
    assert plain.code == 1
    assert plain.err == (
        "gover: error: go 1.22.10 is not installed; see installed versions: gover list\n"
    )
    debug = run_gover(*how, "uninstall", "1.22.10", env=env)
    assert debug.code == 1
    assert "Traceback (most recent call last)" in debug.err
    assert debug.err.endswith(
        "gover: error: go 1.22.10 is not installed; see installed versions: gover list\n"
    )


def test_fast_path_and_full_cli_agree() -> None:
    fast = run_gover("list")
    full = run_gover("--debug", "list")  # --debug forces the typer route
    assert (fast.code, fast.out, fast.err) == (full.code, full.out, full.err)


def test_version_flag() -> None:
    r = run_gover("--version")
    assert (r.code, r.out) == (0, "gover 0.1.0\n")


@pytest.mark.parametrize(
    "command",
    [("current",), ("which",), ("list",), ("list", "--json"), ("current", "--json"), ("which", "--json")],
)
def test_hot_commands_import_no_network_or_cli_stack(command: tuple[str, ...]) -> None:
    """`gover current` must not pay for httpx, gnupg, rich, typer or tomlkit (house style:
    lazy; tomlkit is for `config set/unset` only, reading config is tomllib)."""
    import os
    import subprocess
    import sys

    from tests.support.cli import REPO

    env = dict(os.environ, PYTHONPATH=str(REPO), GOVER_VERSION="system")
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "gover", *command],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if "|" in line}
    assert "gover.cli.entry" in imported
    for heavy in ("httpx", "gnupg", "rich", "typer", "click", "ssl", "tomlkit"):
        assert heavy not in imported, heavy
