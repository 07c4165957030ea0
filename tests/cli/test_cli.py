"""The entry point: exit codes for framework usage errors, --debug tracebacks, the fast path."""

from __future__ import annotations

import json
from pathlib import Path

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
        "gover: error: go 1.22.10 is not installed (nothing is installed); see: gover list\n"
    )
    debug = run_gover(*how, "uninstall", "1.22.10", env=env)
    assert debug.code == 1
    assert "Traceback (most recent call last)" in debug.err
    assert debug.err.endswith(
        "gover: error: go 1.22.10 is not installed (nothing is installed); see: gover list\n"
    )


def test_fast_path_and_full_cli_agree() -> None:
    fast = run_gover("list")
    full = run_gover("--debug", "list")  # --debug forces the typer route
    assert (fast.code, fast.out, fast.err) == (full.code, full.out, full.err)


@pytest.mark.parametrize("how", [("--version",), ("version",), ("-h",)])
def test_version_and_short_help(how: tuple[str, ...], tmp_path: Path) -> None:
    """`gover --version` and `gover version` name gover's version first (what scripts read),
    then the store and the Python; `-h` is --help."""
    home = tmp_path / "store"
    r = run_gover(*how, env={"GOVER_HOME": str(home)})
    assert r.code == 0, r.err
    if how == ("-h",):
        assert r.out == run_gover("--help").out and "Usage: gover" in r.out
        return
    assert r.out.splitlines()[:2] == ["gover 0.1.0", f"store: {home}"]
    assert r.out.splitlines()[2].startswith("python: 3.")
    data = json.loads(run_gover("version", "--json", env={"GOVER_HOME": str(home)}).out)
    assert (data["schema"], data["version"], data["store"]) == (1, "0.1.0", str(home))


def test_short_help_reaches_subcommands() -> None:
    r = run_gover("install", "-h")
    assert r.code == 0 and r.out.startswith("Usage: gover install")


def _go_binary(tmp_path: Path, version: bytes = b"go1.22.10") -> Path:
    from tests.support.binaries import CRAFTED_HEAD, _wrap, synth_elf

    path = tmp_path / "tool"
    path.write_bytes(synth_elf(64, False, True, version, _wrap(CRAFTED_HEAD)))
    path.chmod(0o755)
    return path


HOT = [
    ("current",),
    ("which",),
    ("list",),
    ("list", "--json"),
    ("current", "--json"),
    ("which", "--json"),
    ("--version",),
    ("version",),
    ("version", "--json"),
    ("hook", "bash"),
    ("env", "--shell", "bash"),
    ("env",),
    ("exec", "--", "true"),
    ("exec", "true", "--json"),
    ("shell", "--unset", "--shell", "fish"),
    ("shell", "1.22.10", "--force", "--shell", "bash"),
    ("shell", "1.22.10"),
    ("verify", "FILE"),
    ("verify", "--json", "-r", "--expect", "1.21", "FILE"),
    ("tools",),
    ("tools", "--json", "--check"),
]


@pytest.mark.parametrize("command", HOT)
def test_hot_commands_import_no_network_or_cli_stack(
    command: tuple[str, ...], tmp_path: Path
) -> None:
    """The commands people script or run often (issue 14) must not pay for httpx, gnupg,
    rich, typer or tomlkit (house style: lazy; tomlkit is for `config set/unset` only,
    reading config is tomllib): they answer on gover.cli.fast."""
    import os
    import subprocess
    import sys

    from tests.support.cli import REPO

    binary = str(_go_binary(tmp_path))
    env = dict(os.environ, PYTHONPATH=str(REPO), GOVER_VERSION="system")
    env["GOVER_HOME"] = str(tmp_path / "store")
    proc = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            "-m",
            "gover",
            *(binary if w == "FILE" else w for w in command),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if "|" in line}
    assert "gover.cli.entry" in imported
    assert "gover.cli.fast" in imported
    for heavy in ("httpx", "gnupg", "rich", "typer", "click", "ssl", "tomlkit", "pydantic"):
        assert heavy not in imported, heavy


@pytest.mark.parametrize(
    "command",
    [
        ("env", "--shell", "fish"),
        ("env", "--shell", "nosuch"),
        ("shell", "--unset", "--shell", "bash"),
        ("shell", "1.22.10", "--force", "--shell", "zsh"),
        ("shell", "1.22.10", "--shell", "bash"),
        ("shell", "--shell", "bash"),
        ("version", "--json"),
        ("verify", "FILE"),
        ("verify", "--expect", "1.21", "FILE"),
        ("verify", "--json", "FILE", "MISSING"),
        ("exec", "--", "sh", "-c", "echo $GOVER_VERSION; exit 3"),
        ("exec", "--version", "1.22.10", "--", "true"),
        ("exec", "nosuchcommand-gover"),
        ("exec",),
    ],
)
def test_fast_and_full_paths_agree(command: tuple[str, ...], tmp_path: Path) -> None:
    """Each hot command gives the same stdout, stderr and exit code on the fast path and
    through typer (`gover --debug CMD` always takes the full CLI)."""
    binary = str(_go_binary(tmp_path))
    words = [
        binary if w == "FILE" else str(tmp_path / "gone") if w == "MISSING" else w for w in command
    ]
    env = {"GOVER_HOME": str(tmp_path / "store"), "GOVER_VERSION": "system", "SHELL": "/bin/bash"}
    fast = run_gover(*words, env=env)
    full = run_gover("--debug", *words, env=env)
    assert (fast.code, fast.out) == (full.code, full.out)
    # --debug adds a traceback before the one error line; the rest of stderr is the same
    full_err = full.err
    if "Traceback (most recent call last)" in full_err:
        full_err = full_err.splitlines(keepends=True)[-1]
    assert fast.err == full_err


def test_exec_keeps_options_after_the_command(tmp_path: Path) -> None:
    """`gover exec go build -v`: the -v belongs to the command, not to exec's --version."""
    env = {"GOVER_HOME": str(tmp_path / "store"), "GOVER_VERSION": "system"}
    r = run_gover("exec", "sh", "-c", 'echo "$0 $1"', "-v", "x", env=env)
    assert (r.code, r.out) == (0, "-v x\n")
