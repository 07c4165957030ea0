"""Completions for nu (and pwsh, experimental: checked as text only, never run here), and
`gover init --write` installing each shell's completion file where that shell looks, run by
the real shells: nu's completer, bash's `complete -p gover` and its function called with
COMP_WORDS, fish's `complete -C`, zsh's compinit under `zsh -i`."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from gover.cli import completions
from gover.select.shells import nu_quote
from tests.support.cli import run_gover
from tests.support.fakego import fake_install, rehash, write
from tests.support.shells import need


@pytest.fixture
def store(gover_bin: Path) -> dict[str, str]:
    """Two installs and an environment whose PATH finds a `gover` running this checkout."""
    fake_install("1.22.10")
    fake_install("1.21.13")
    rehash()
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    env["PATH"] = f"{gover_bin}:/usr/bin:/bin"
    return env


def run(argv: list[str], env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def init_write(shell: str) -> str:
    r = run_gover("init", shell, "--write")
    assert r.code == 0, r.err
    return r.out


# ---- nu -----------------------------------------------------------------------------------------


def nu_values(env: dict[str, str], script: Path, call: str) -> list[str]:
    body = f"source {nu_quote(str(script))}\nprint ({call} | get value | to json -r)"
    r = run([need("nu"), "-n", "-c", body], env)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    import json

    return list(json.loads(r.stdout))


def test_nu_completer_gives_subcommands_and_installed_versions(store: dict[str, str]) -> None:
    out = init_write("nu")
    script = Path(os.environ["HOME"]) / ".config" / "nushell" / "autoload" / "gover-completions.nu"
    assert f"completions: wrote ~/{script.relative_to(os.environ['HOME'])}" in out
    assert script.read_text() == completions.render("nu")
    assert nu_values(store, script, "__gover_complete [gover ins]") == ["install"]
    assert nu_values(store, script, "__gover_complete [gover uninstall '']") == ["1.22.10", "1.21.13"]
    assert "1.21.13" in nu_values(store, script, "__gover_complete [gover local '']")
    # Through nu's external completer, for `gover` and `^gover`, as nu calls it on Tab.
    completer = "do $env.config.completions.external.completer"
    assert "uninstall" in nu_values(store, script, f"{completer} [gover un]")
    assert "install" in nu_values(store, script, f"{completer} ['^gover' ins]")


def test_nu_completer_keeps_the_one_set_before(store: dict[str, str], tmp_path: Path) -> None:
    script = write(tmp_path / "c.nu", completions.render("nu"))
    before = write(
        tmp_path / "before.nu",
        "$env.config.completions.external.completer = {|spans| [{value: 'theirs'}] }\n"
        f"source {nu_quote(str(script))}\n",
    )
    completer = "do $env.config.completions.external.completer"
    assert nu_values(store, before, f"{completer} [git che]") == ["theirs"]
    assert nu_values(store, before, f"{completer} [gover ins]") == ["install"]


def test_the_nu_hook_lets_its_gover_command_use_the_external_completer() -> None:
    from gover.select import hooks

    text = hooks.render_hook("nu")
    assert "@complete external\ndef --env --wrapped gover " in text


# ---- bash, fish, zsh, installed by init --write -------------------------------------------------


def test_bash_completion_installed_where_bash_completion_looks(store: dict[str, str]) -> None:
    home = Path(os.environ["HOME"])
    out = init_write("bash")
    path = home / ".local" / "share" / "bash-completion" / "completions" / "gover"
    assert "completions: wrote ~/.local/share/bash-completion/completions/gover" in out
    # bash-completion's loader sources that file for `gover`; here bash sources it as it would.
    script = (
        f". {path}\ncomplete -p gover\n"
        "COMP_WORDS=(gover ins); COMP_CWORD=1; COMP_LINE='gover ins'; COMP_POINT=9\n"
        "_gover_completion gover; printf '<%s>\\n' \"${COMPREPLY[@]}\"\n"
        "COMP_WORDS=(gover uninstall ''); COMP_CWORD=2\n"
        "_gover_completion gover; printf '<%s>\\n' \"${COMPREPLY[@]}\"\n"
    )
    r = run(["bash", "--norc", "--noprofile", "-c", script], store)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("complete ") and lines[0].endswith(" gover")
    assert lines[1:] == ["<install>", "<1.22.10>", "<1.21.13>"]


def test_fish_completion_installed_in_its_completions_dir(store: dict[str, str]) -> None:
    out = init_write("fish")
    assert "completions: wrote ~/.config/fish/completions/gover.fish" in out
    r = run(["fish", "-c", "complete -C 'gover ins'; complete -C 'gover uninstall '"], store)
    assert r.returncode == 0, r.stderr
    words = [line.split("\t")[0] for line in r.stdout.splitlines()]
    assert words[0] == "install" and sorted(words[1:]) == ["1.21.13", "1.22.10"]  # fish sorts


@pytest.mark.parametrize("compinit_first", [True, False])
def test_zsh_loads_the_completion_under_compinit(store: dict[str, str], compinit_first: bool) -> None:
    home = Path(os.environ["HOME"])
    zshrc = home / ".zshrc"
    compinit = "autoload -Uz compinit && compinit -u\n"
    if compinit_first:
        zshrc.write_text(compinit)
    out = init_write("zsh")
    assert "completions: wrote ~/.zfunc/_gover" in out
    if not compinit_first:
        with zshrc.open("a") as f:
            f.write(compinit)
    assert (home / ".zfunc" / "_gover").read_text() == completions.render("zsh")
    env = dict(store, ZDOTDIR=str(home))
    r = run(["zsh", "-i", "-c", 'print -r -- "${_comps[gover]}"'], env)
    assert (r.returncode, r.stdout, r.stderr) == (0, "_gover\n", "")


def test_init_write_is_idempotent_and_leaves_other_files_alone(store: dict[str, str]) -> None:
    home = Path(os.environ["HOME"])
    init_write("fish")
    path = home / ".config" / "fish" / "completions" / "gover.fish"
    assert "completions: ~/.config/fish/completions/gover.fish is current" in init_write("fish")
    path.write_text("complete -c gover -a mine\n")
    out = init_write("fish")
    assert "completions: ~/.config/fish/completions/gover.fish was not written by gover; left alone" in out
    assert path.read_text() == "complete -c gover -a mine\n"
    # Without --write nothing is written, and the output says where it would go.
    r = run_gover("init", "bash")
    assert "completions: --write installs them as ~/.local/share/bash-completion/completions/gover" in r.out
    assert not (home / ".local" / "share" / "bash-completion").exists()


def test_gover_completions_prints_nu_and_pwsh() -> None:
    for shell in ("nu", "pwsh"):
        r = run_gover("completions", shell)
        assert (r.code, r.out) == (0, completions.render(shell).rstrip("\n") + "\n")
    pwsh = completions.render("pwsh")
    assert "Register-ArgumentCompleter -Native -CommandName gover" in pwsh
    assert "Set-PSReadLineKeyHandler" not in pwsh  # the user's Tab binding is theirs
    assert "Experimental" in pwsh


def test_pwsh_profile_block_dot_sources_the_completer() -> None:
    home = Path(os.environ["HOME"])
    out = init_write("pwsh")
    assert "completions: wrote ~/.config/powershell/gover-completions.ps1" in out
    profile = (home / ".config" / "powershell" / "Microsoft.PowerShell_profile.ps1").read_text()
    assert "gover-completions.ps1' -PathType Leaf) { . " in profile or (
        'gover-completions.ps1" -PathType Leaf) { . ' in profile
    )
