"""`gover init` keeps the GOVER_HOME the user set: the block exports it (quoted for each
shell), so a new shell's `gover` looks in that store and not in the default one, where it
would say nothing is installed. Without GOVER_HOME there is no such line. Real bash, zsh and
fish started after `init --write` see the store."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from gover.select.shells import sh_quote
from tests.support import fakego
from tests.support.cli import run_gover

BEGIN = "# >>> gover >>>"
END = "# <<< gover <<<"
MANAGED = "# Managed by `gover init --write`, which rewrites this block in place."
# A store outside HOME whose name every shell must quote: space, ', ", $, `, \ and non-ASCII.
WEIRD = 'it\'s "my" $HOME `store` \\ é'

RC = {
    "bash": ".bashrc",
    "zsh": ".zshrc",
    "fish": ".config/fish/conf.d/gover.fish",
    "pwsh": ".config/powershell/Microsoft.PowerShell_profile.ps1",
}




def _block(shell: str, store: str, shims: str, hook: str) -> str:
    """The block as a user reads it, spelled out by hand (not by gover's own quoting). The
    hook is a file gover rendered, sourced when it is there (no `gover hook`: no Python)."""
    if shell == "fish":
        return (
            f"{BEGIN}\n{MANAGED}\n"
            f"set -gx GOVER_HOME {store}\n"
            f"if not contains -- {shims} $PATH\n"
            f"    set -gx PATH {shims} $PATH\n"
            "end\n"
            "if status is-interactive\n"
            f"    test -r {hook}; and source {hook}\n"
            "end\n"
            f"{END}\n"
        )
    if shell == "pwsh":
        return (
            f"{BEGIN}\n{MANAGED}\n"
            f"$Env:GOVER_HOME = {store}\n"
            f"if (-not (($Env:PATH -split [IO.Path]::PathSeparator) -contains {shims})) {{\n"
            f"    $Env:PATH = {shims} + [IO.Path]::PathSeparator + $Env:PATH\n"
            "}\n"
            f"if (Test-Path -LiteralPath {hook} -PathType Leaf) {{ . {hook} }}\n"
            f"if (Test-Path -LiteralPath {PWSH_COMP} -PathType Leaf) {{ . {PWSH_COMP} }}\n"
            f"{END}\n"
        )
    return (
        f"{BEGIN}\n{MANAGED}\n"
        f"export GOVER_HOME={store}\n"
        'case ":$PATH:" in\n'
        f"  *:{shims}:*) ;;\n"
        f'  *) export PATH={shims}:"$PATH" ;;\n'
        "esac\n"
        f"if [ -r {hook} ]; then . {hook}; fi\n"
        + (ZSH_COMP if shell == "zsh" else "")
        + f"{END}\n"
    )


# The completion files init --write installs, loaded by the block where the shell does not
# find them by itself: zsh's directory on $fpath (compdef when compinit already ran), pwsh's
# script beside the profile.
ZSH_COMP = (
    'fpath=("$HOME/.zfunc" $fpath)\n'
    "if (( $+functions[compdef] )); then autoload -Uz _gover && compdef _gover gover; fi\n"
)
PWSH_COMP = '"$HOME/.config/powershell/gover-completions.ps1"'


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """GOVER_HOME set to a hard-to-quote directory outside HOME, with go 1.22.10 installed."""
    d = tmp_path / WEIRD
    monkeypatch.setenv("GOVER_HOME", str(d))
    fakego.install_fake("1.22.10")
    return d


# ---- the exact block ------------------------------------------------------------------------


def _word(shell: str, text: str) -> str:
    """A single-quoted word, by each shell's rule (fish: \\ and \\' escapes; pwsh: '')."""
    if shell == "fish":
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if shell == "pwsh":
        return "'" + text.replace("'", "''") + "'"
    return sh_quote(text)


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish", "pwsh"])
def test_write_exports_the_gover_home_quoted_for_the_shell(
    isolated_env: Path, store: Path, shell: str
) -> None:
    r = run_gover("init", shell, "--write")
    assert r.code == 0, r.err
    ext = "ps1" if shell == "pwsh" else shell
    hook = _word(shell, str(store / "hooks" / f"hook.{ext}"))
    want = _block(shell, _word(shell, str(store)), _word(shell, str(store / "shims")), hook)
    assert (isolated_env / RC[shell]).read_text() == want
    again = run_gover("init", shell, "--write")  # idempotent with the line in it
    assert again.code == 0 and f"~/{RC[shell]}: set up (" in again.out
    assert (isolated_env / RC[shell]).read_text() == want


def test_printing_shows_the_line_too(isolated_env: Path, store: Path) -> None:
    r = run_gover("init", "bash")
    assert r.code == 0, r.err
    assert f"    export GOVER_HOME={sh_quote(str(store))}" in r.out.splitlines()
    assert not (isolated_env / ".bashrc").exists()


def test_a_gover_home_under_home_is_written_with_dollar_home(isolated_env: Path) -> None:
    """As the shims are: dotfiles that travel to another machine keep working. Relative and
    ~ spellings are written as gover reads them (absolute)."""
    env = {"GOVER_HOME": "~/my $tores/go"}
    for shell, line in (
        ("bash", 'export GOVER_HOME="$HOME/my \\$tores/go"'),
        ("fish", 'set -gx GOVER_HOME "$HOME/my \\$tores/go"'),
        ("pwsh", '$Env:GOVER_HOME = "$HOME/my `$tores/go"'),
    ):
        assert run_gover("init", shell, "--write", env=env).code == 0
        text = (isolated_env / RC[shell]).read_text()
        assert text.splitlines()[2] == line, text
    rel = run_gover("init", "zsh", "--write", env={"GOVER_HOME": "store"}, cwd=isolated_env)
    assert rel.code == 0, rel.err
    assert (isolated_env / ".zshrc").read_text().splitlines()[2] == (
        'export GOVER_HOME="$HOME/store"'
    )


def test_without_gover_home_there_is_no_such_line(isolated_env: Path) -> None:
    env = {"GOVER_HOME": ""}  # empty is unset to gover: the default store
    shims = "$HOME/.local/share/gover/shims"
    for shell in ("bash", "fish", "pwsh"):
        r = run_gover("init", shell, "--write", env=env)
        assert r.code == 0, r.err
        text = (isolated_env / RC[shell]).read_text()
        assert "GOVER_HOME" not in text, text
        assert shims in text


def test_another_gover_home_replaces_the_line(
    isolated_env: Path, store: Path, tmp_path: Path
) -> None:
    rc = isolated_env / ".bashrc"
    assert run_gover("init", "bash", "--write").code == 0
    other = tmp_path / "other store"
    assert run_gover("init", "bash", "--write", env={"GOVER_HOME": str(other)}).code == 0
    lines = rc.read_text().splitlines()
    assert lines[2] == f"export GOVER_HOME={sh_quote(str(other))}"
    assert sum("GOVER_HOME" in line for line in lines) == 1


# ---- real shells ----------------------------------------------------------------------------




def _new_shell(argv: list[str], home: Path, gover_bin: Path) -> subprocess.CompletedProcess[str]:
    """A new shell as a new terminal starts it: HOME set, no GOVER_HOME inherited."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVER_")}
    for key in ("ZDOTDIR", "BASH_ENV", "ENV"):
        env.pop(key, None)
    env.update(HOME=str(home), PATH=f"{gover_bin}:/usr/bin:/bin", TERM="dumb")
    return subprocess.run(
        argv,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("shell", "argv"),
    [
        ("bash", ["bash", "-i", "-c", 'printf "%s\\n" "$GOVER_HOME"; gover list']),
        ("zsh", ["zsh", "-i", "-c", 'print -r -- "$GOVER_HOME"; gover list']),
        ("fish", ["fish", "-i", "-c", 'printf "%s\\n" "$GOVER_HOME"; gover list']),
    ],
)
def test_a_new_shell_sees_the_store(
    isolated_env: Path, store: Path, gover_bin: Path, shell: str, argv: list[str]
) -> None:
    before = _new_shell(argv, isolated_env, gover_bin)  # no block yet: the default store
    assert before.stdout == "\n", before.stderr
    assert "no Go versions installed" in before.stderr
    assert run_gover("init", shell, "--write").code == 0
    after = _new_shell(argv, isolated_env, gover_bin)
    assert after.returncode == 0, after.stderr
    assert after.stdout == f"{store}\n1.22.10\n", after.stderr
