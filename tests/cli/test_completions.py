"""Shell completion: the checked-in scripts are current, the completion protocol works through
gover's real entry point, versions complete from the store and the cached index (offline), and
real bash, zsh and fish complete a word on Tab through the checked-in scripts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gover.cli import completions
from tests.support import fakego
from tests.support.cli import REPO, run_gover
from tests.support.mirror import file_entry, index_entry

COMPLETIONS = REPO / "completions"
ZERO = "0" * 64


def fake_install(name: str, programs: tuple[str, ...] = ("go", "gofmt")) -> None:
    fakego.fake_install(name, programs, "#!/bin/sh\n")


@pytest.fixture
def store() -> None:
    fake_install("1.22.10", ("go", "gofmt", "vet-helper"))
    fake_install("1.21.13")
    assert run_gover("rehash").code == 0  # writes the alias files (1.22, 1.21, 1, latest)


@pytest.fixture
def cached_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An index fetched once (from a file:// URL) and then gone: completion must use the cache."""

    def linux(v: str, stable: bool = True) -> dict[str, object]:
        return index_entry(v, [file_entry(f"go{v}.linux-amd64.tar.gz", ZERO, 1)], stable=stable)

    darwin_only = index_entry(
        "1.20.14",
        [file_entry("go1.20.14.darwin-arm64.tar.gz", ZERO, 1, goos="darwin", arch="arm64")],
    )
    entries = [
        linux("1.24rc1", False),
        linux("1.23.4"),
        linux("1.23.3"),
        linux("1.22.10"),
        darwin_only,
    ]
    index = tmp_path / "index.json"
    index.write_text(json.dumps(entries))
    monkeypatch.setenv("GOVER_INDEX_URL", index.as_uri())
    monkeypatch.setenv("GOVER_GOOS", "linux")
    monkeypatch.setenv("GOVER_GOARCH", "amd64")
    assert run_gover("list-remote").code == 0
    index.unlink()


def bash_complete(line: str) -> list[str]:
    words = line.split(" ")
    r = run_gover(
        env={
            "_GOVER_COMPLETE": "complete_bash",
            "COMP_WORDS": line,
            "COMP_CWORD": str(len(words) - 1),
        }
    )
    assert (r.code, r.err) == (0, "")
    return r.out.splitlines()


def fish_complete(line: str) -> list[str]:
    r = run_gover(
        env={
            "_GOVER_COMPLETE": "complete_fish",
            "_TYPER_COMPLETE_FISH_ACTION": "get-args",
            "_TYPER_COMPLETE_ARGS": line,
        }
    )
    assert (r.code, r.err) == (0, "")
    return [c.split("\t")[0] for c in r.out.splitlines()]


# ---- the checked-in scripts -----------------------------------------------------------------


@pytest.mark.parametrize("shell", sorted(completions.FILES))
def test_checked_in_script_is_current(shell: str) -> None:
    path = COMPLETIONS / completions.FILES[shell]
    assert path.read_text("utf-8") == completions.render(shell), (
        f"{path} is stale; run: python -m gover.cli.completions --write"
    )


def test_zsh_script_is_an_fpath_function() -> None:
    text = (COMPLETIONS / "_gover").read_text()
    assert text.startswith("#compdef gover\n")  # compinit finds it on $fpath by this line
    assert "loadautofunc" in text


def test_module_prints_one_script() -> None:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    r = subprocess.run(
        [sys.executable, "-m", "gover.cli.completions", "fish"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert (r.returncode, r.stdout) == (0, (COMPLETIONS / "gover.fish").read_text())
    bad = subprocess.run(
        [sys.executable, "-m", "gover.cli.completions", "tcsh"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert bad.returncode == 2


def test_write_regenerates_into_a_directory(tmp_path: Path) -> None:
    assert sorted(p.name for p in completions.write(tmp_path)) == [
        "_gover",
        "gover.bash",
        "gover.fish",
    ]
    assert completions.write(tmp_path) == []
    for name in completions.FILES.values():
        assert (tmp_path / name).read_text() == (COMPLETIONS / name).read_text()


# ---- the protocol through gover's entry point -----------------------------------------------


def test_commands_complete() -> None:
    assert bash_complete("gover in") == ["install", "init"]
    assert fish_complete("gover uni") == ["uninstall"]
    assert bash_complete("gover mirror ") == ["build", "sync", "verify"]


def test_selection_commands_complete_installed_versions_and_aliases(store: None) -> None:
    expected = ["1.22.10", "1.21.13", "latest", "1.22", "1.21", "1", "system"]
    assert bash_complete("gover local ") == expected
    assert bash_complete("gover global 1.2") == ["1.22.10", "1.21.13", "1.22", "1.21"]
    assert fish_complete("gover shell ") == expected
    assert bash_complete("gover exec --version ") == expected
    assert fish_complete("gover exec --version 1.21") == ["1.21.13", "1.21"]


def test_uninstall_completes_installed_versions_not_yet_given(store: None) -> None:
    assert bash_complete("gover uninstall ") == ["1.22.10", "1.21.13"]
    assert bash_complete("gover uninstall 1.22.10 ") == ["1.21.13"]
    assert fish_complete("gover uninstall 1.21.13 ") == ["1.22.10"]


def test_install_completes_from_the_cached_index_offline(store: None, cached_index: None) -> None:
    stable = ["latest", "1.23.4", "1.23.3", "1.22.10", "1.23", "1.22"]
    assert bash_complete("gover install ") == stable  # no darwin-only 1.20.14, no rc
    assert bash_complete("gover install 1.23") == ["1.23.4", "1.23.3", "1.23"]
    assert bash_complete("gover install 1.24r") == ["1.24rc1"]  # pre-releases once asked for
    assert fish_complete("gover install 1.23.4 1.23") == ["1.23.3", "1.23"]
    assert fish_complete("gover list-remote 1.2") == ["1.23.4", "1.23.3", "1.22.10", "1.23", "1.22"]


def test_install_without_a_cached_index_offers_installed_versions(store: None) -> None:
    assert bash_complete("gover install ") == ["1.22.10", "1.21.13", "latest", "1.22", "1.21", "1"]


def test_which_completes_programs_of_the_selected_toolchain(store: None, tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / ".go-version").write_text("1.22.10\n")
    r = run_gover(
        cwd=project,
        env={"_GOVER_COMPLETE": "complete_bash", "COMP_WORDS": "gover which ", "COMP_CWORD": "2"},
    )
    assert (r.code, r.out.splitlines(), r.err) == (0, ["go", "gofmt", "vet-helper"], "")
    (project / ".go-version").write_text("1.21.13\n")
    r = run_gover(
        cwd=project,
        env={"_GOVER_COMPLETE": "complete_bash", "COMP_WORDS": "gover which ", "COMP_CWORD": "2"},
    )
    assert r.out.splitlines() == ["go", "gofmt"]


def test_completion_is_silent_about_hostile_version_files(store: None, tmp_path: Path) -> None:
    project = tmp_path / "hostile"
    project.mkdir()
    (project / ".go-version").write_text("1.22; rm -rf ~\n")  # warns outside completion
    assert run_gover("current", cwd=project).err != ""
    r = run_gover(
        cwd=project,
        env={"_GOVER_COMPLETE": "complete_bash", "COMP_WORDS": "gover which ", "COMP_CWORD": "2"},
    )
    assert (r.code, r.err) == (0, "")


def test_init_completes_shells() -> None:
    assert fish_complete("gover init ") == ["bash", "zsh", "fish", "nu", "pwsh"]


def test_zsh_protocol() -> None:
    r = run_gover(env={"_GOVER_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "gover init z"})
    assert (r.code, r.out) == (0, "_arguments '*: :((\"zsh\"))'\n")


# ---- real shells, through the checked-in scripts --------------------------------------------


@pytest.fixture
def shell_env(tmp_path: Path, store: None) -> dict[str, str]:
    """An environment with a `gover` on PATH that runs this checkout."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    exe = bindir / "gover"
    exe.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m gover "$@"\n')
    exe.chmod(0o755)
    env = dict(os.environ)
    env.update(
        PATH=f"{bindir}:/usr/bin:/bin",
        PYTHONPATH=str(REPO),
        TERM="dumb",
    )
    return env


def test_bash_script_completes(shell_env: dict[str, str]) -> None:
    script = (
        f"source {COMPLETIONS / 'gover.bash'}\n"
        "complete -p gover\n"
        "COMP_WORDS=(gover global 1.2); COMP_CWORD=2\n"
        '_gover_completion gover; printf "<%s>\\n" "${COMPREPLY[@]}"\n'
    )
    r = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", script],
        env=shell_env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert r.stdout.splitlines() == [
        "complete -o default -F _gover_completion gover",
        "<1.22.10>",
        "<1.21.13>",
        "<1.22>",
        "<1.21>",
    ], r.stderr


def test_fish_script_completes(shell_env: dict[str, str]) -> None:
    script = f"source {COMPLETIONS / 'gover.fish'}; complete -C 'gover uninstall '"
    r = subprocess.run(
        ["fish", "--no-config", "-c", script],
        env=shell_env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert r.stdout.splitlines() == ["1.21.13", "1.22.10"], r.stderr  # fish sorts


def test_zsh_script_autoloads_from_fpath(shell_env: dict[str, str]) -> None:
    # _arguments stubbed: it is what compsys would be handed on the first Tab.
    script = (
        f"fpath=({COMPLETIONS} $fpath); autoload -Uz _gover\n"
        "_arguments() { print -r -- $@ }\n"
        "words=(gover uninstall 1.2); CURRENT=3; _gover\n"
    )
    r = subprocess.run(
        ["zsh", "-f", "-c", script],
        env=shell_env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert r.stdout == '*: :(("1.22.10" "1.21.13"))\n', r.stderr


_SETUP = {
    "bash": (["bash", "--norc", "--noprofile", "-i"], f"source {COMPLETIONS / 'gover.bash'}"),
    "zsh": (
        ["zsh", "-f", "-i"],
        f"fpath=({COMPLETIONS} $fpath); autoload -Uz compinit; compinit -u -D",
    ),
    "fish": (["fish", "--no-config", "-i"], f"source {COMPLETIONS / 'gover.fish'}"),
}


@pytest.mark.parametrize("shell", sorted(_SETUP))
def test_tab_completes_in_a_real_terminal(shell: str, shell_env: dict[str, str]) -> None:
    """Type `gover uninstall 1.21`, press Tab, then turn the line into an `echo`: only a
    completed word can print `1.21.13`."""
    import pexpect

    argv, setup = _SETUP[shell]
    child = pexpect.spawn(
        argv[0], argv[1:], env=shell_env, encoding="utf-8", timeout=30, dimensions=(24, 200)
    )
    try:
        child.sendline(setup)
        child.send("gover uninstall 1.21\t")
        time.sleep(0.2)
        child.send("\x01echo DONE: \r")
        child.expect(r"DONE: gover uninstall 1\.21\.13")
        child.sendline("exit")
    finally:
        child.close(force=True)
