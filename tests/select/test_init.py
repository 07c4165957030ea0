"""`gover init`: the plan per shell and OS, `--write` idempotence (marked block, backup,
replaced in place, never duplicated), and real bash, zsh and fish sessions that read the files
it wrote and end up with the shims on PATH (and the hook's functions, once `gover hook` exists).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from gover import paths
from gover.select import hooks
from gover.select import setup as initsetup
from gover.select.shells import sh_quote
from tests.support.cli import run_gover

BEGIN = "# >>> gover >>>"
END = "# <<< gover <<<"








def _blocks(text: str) -> int:
    assert text.count(BEGIN) == text.count(END)
    return text.count(BEGIN)


def _shims() -> str:
    return str(paths.shims_dir())


def _source_line(shell: str, home: Path) -> str:
    """The block's line that loads the hook file `gover rehash` renders (no `gover` run)."""
    return initsetup.hook_source_line(shell, paths.hook_file(shell), home)


def _hook_functions(shell: str) -> list[str]:
    """Functions `gover hook SHELL` defines at top level (those named *hook* when there are
    some). Never empty: a failing `gover hook` or one that defines nothing fails the test
    (an empty list would make the callers' loops check nothing)."""
    r = run_gover("hook", shell)
    assert r.code == 0, r.err
    if shell == "fish":
        names = re.findall(r"^function\s+([\w-]+)", r.out, re.M)
    else:
        found = re.findall(r"^(?:function\s+([\w-]+)|([\w-]+)\s*\(\))", r.out, re.M)
        names = [a or b for a, b in found]
    assert names, "gover hook defines no function?"
    functions = [n for n in names if "hook" in n] or names
    assert functions
    return functions


def _shell_env(home: Path, path: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(HOME=str(home), PATH=path, TERM="dumb")
    env.pop("ZDOTDIR", None)
    env.pop("BASH_ENV", None)
    env.pop("ENV", None)
    return env


def _run_shell(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# ---- the plan -------------------------------------------------------------------------------


def test_bash_plan_prints_blocks_and_changes_nothing(home: Path) -> None:
    (home / ".profile").write_text("export EDITOR=vi\n")
    r = run_gover("init", "bash")
    assert r.code == 0, r.err
    lines = r.out.splitlines()
    assert lines[0] == "gover init bash (Linux)"
    assert "add to ~/.bashrc (every interactive non-login bash reads it):" in lines
    assert (
        "add to ~/.profile (login shells read it instead of ~/.bashrc; it must source ~/.bashrc):"
        in lines
    )
    assert "    " + _source_line("bash", home) in lines
    assert not any("gover hook" in line for line in lines)  # a new shell starts no Python
    assert "or let gover do it: gover init bash --write" in lines
    # The prompt-less contexts and where the one PATH line goes for each.
    assert f'  export PATH={sh_quote(_shims())}:"$PATH"' in lines
    for where in ("IDEs", "systemd user services", "cron:", "Docker:", "CI: GitHub Actions"):
        assert any(line.lstrip().startswith(where) for line in lines), where
    assert not (home / ".bashrc").exists()
    assert (home / ".profile").read_text() == "export EDITOR=vi\n"


@pytest.mark.parametrize(
    ("shell", "rel"),
    [
        ("bash", ".bashrc"),
        ("zsh", ".zshrc"),
        ("fish", ".config/fish/conf.d/gover.fish"),
        ("pwsh", ".config/powershell/Microsoft.PowerShell_profile.ps1"),
    ],
)
def test_write_twice_is_identical(home: Path, shell: str, rel: str) -> None:
    hook = _source_line(shell, home)
    target = home / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    original = "# mine\nalias ll='ls -l'\n"
    target.write_text(original)

    first = run_gover("init", shell, "--write")
    assert first.code == 0, first.err
    assert f"updated ~/{rel} (backup: ~/{rel}.gover-backup)" in first.out.splitlines()[2]
    text = target.read_text()
    assert text.startswith(original + "\n" + BEGIN + "\n")
    assert text.endswith(END + "\n")
    assert hook in text and "gover hook" not in text
    # Rendered by --write: the code `gover hook` prints, after a header line.
    hook_file = hooks.zsh_body_file() if shell == "zsh" else paths.hook_file(shell)
    rendered = hook_file.read_text().splitlines()[1:]
    if shell == "zsh":  # hook.zsh loads hook-body.zsh; `gover hook zsh` wraps it for eval
        assert sh_quote("\n".join(rendered) + "\n") in run_gover("hook", shell).out
    else:
        assert rendered == run_gover("hook", shell).out.splitlines()
    assert _shims() in text
    assert _blocks(text) == 1
    backup = target.with_name(target.name + ".gover-backup")
    assert backup.read_text() == original

    before = {p: p.read_bytes() for p in home.rglob("*") if p.is_file()}
    second = run_gover("init", shell, "--write")
    assert second.code == 0, second.err
    assert f"~/{rel}: set up (" in second.out
    after = {p: p.read_bytes() for p in home.rglob("*") if p.is_file()}
    assert after == before


def test_block_is_replaced_in_place_when_it_changes(home: Path, tmp_path: Path) -> None:
    rc = home / ".zshrc"
    rc.write_text("setopt autocd\n")
    assert run_gover("init", "zsh", "--write").code == 0
    rc.write_text(rc.read_text() + "export AFTER=1\n")
    # An older gover wrote another hook line; the shims moved (another GOVER_HOME).
    old = rc.read_text().replace(_source_line("zsh", home), 'eval "$(gover hook-old zsh)"')
    rc.write_text(old)
    moved = tmp_path / "moved home"
    r = run_gover("init", "zsh", "--write", env={"GOVER_HOME": str(moved)})
    assert r.code == 0, r.err
    text = rc.read_text()
    assert _blocks(text) == 1
    assert "hook-old" not in text and "gover hook" not in text
    assert str(moved / "hooks" / "hook.zsh") in text
    assert str(moved / "shims") in text and _shims() not in text
    assert text.startswith("setopt autocd\n\n" + BEGIN)
    assert text.endswith(END + "\nexport AFTER=1\n")  # in place: what follows stays after it
    assert (home / ".zshrc.gover-backup").read_text() == old


def test_duplicate_blocks_collapse_to_one(home: Path) -> None:
    assert run_gover("init", "bash", "--write").code == 0
    rc = home / ".bashrc"
    block = rc.read_text()
    rc.write_text(block + "echo middle\n" + block)
    assert run_gover("init", "bash", "--write").code == 0
    text = rc.read_text()
    assert _blocks(text) == 1
    assert text == block + "echo middle\n"


def test_unterminated_block_is_refused_and_nothing_changes(home: Path) -> None:
    rc = home / ".bashrc"
    rc.write_text(f"a\n{BEGIN}\nold stuff\n")
    r = run_gover("init", "bash", "--write")
    assert r.code == 1
    assert r.err == (
        f"gover: error: {rc}:2: '{BEGIN}' has no '{END}' after it; "
        "fix the file by hand, then run gover init --write again\n"
    )
    assert rc.read_text() == f"a\n{BEGIN}\nold stuff\n"
    assert not (home / ".bashrc.gover-backup").exists()


def test_symlinked_rc_is_edited_through_the_link(home: Path) -> None:
    dotfiles = home / "dotfiles"
    dotfiles.mkdir()
    (dotfiles / "bashrc").write_text("export FROM_DOTFILES=1\n")
    (home / ".bashrc").symlink_to(dotfiles / "bashrc")
    assert run_gover("init", "bash", "--write").code == 0
    assert (home / ".bashrc").is_symlink()
    assert BEGIN in (dotfiles / "bashrc").read_text()
    assert (home / ".bashrc.gover-backup").read_text() == "export FROM_DOTFILES=1\n"


def test_mode_is_kept(home: Path) -> None:
    rc = home / ".bashrc"
    rc.write_text("x=1\n")
    rc.chmod(0o600)
    assert run_gover("init", "bash", "--write").code == 0
    assert rc.stat().st_mode & 0o777 == 0o600


# ---- bash login files -----------------------------------------------------------------------


def test_bash_profile_gets_a_block_that_sources_bashrc(home: Path) -> None:
    (home / ".bash_profile").write_text("export LOGIN=1\n")
    (home / ".profile").write_text("export UNUSED=1\n")  # bash ignores it: .bash_profile wins
    assert run_gover("init", "bash", "--write").code == 0
    text = (home / ".bash_profile").read_text()
    assert text.startswith("export LOGIN=1\n\n" + BEGIN)
    assert '. "$HOME/.bashrc"' in text
    assert (home / ".profile").read_text() == "export UNUSED=1\n"


def test_profile_that_already_sources_bashrc_is_left_alone(home: Path) -> None:
    debian = 'if [ -n "$BASH_VERSION" ]; then\n    if [ -f "$HOME/.bashrc" ]; then\n\t. "$HOME/.bashrc"\n    fi\nfi\n'
    (home / ".profile").write_text(debian)
    r = run_gover("init", "bash", "--write")
    assert r.code == 0, r.err
    assert (home / ".profile").read_text() == debian
    assert not (home / ".profile.gover-backup").exists()
    assert "updated ~/.profile" not in r.out


def test_no_login_file_gets_one_bash_profile_on_macos_profile_elsewhere(home: Path) -> None:
    shims = Path("/x/shims")
    mac = initsetup.plan("bash", home, "darwin", shims=shims)
    assert [e.path for e in mac] == [home / ".bashrc", home / ".bash_profile"]
    assert initsetup.apply(mac) == [home / ".bashrc", home / ".bash_profile"]
    assert '. "$HOME/.bashrc"' in (home / ".bash_profile").read_text()
    assert not (home / ".bash_profile.gover-backup").exists()  # nothing to back up
    assert initsetup.apply(initsetup.plan("bash", home, "darwin", shims=shims)) == []

    other = home / "other"
    other.mkdir()
    linux = initsetup.plan("bash", other, "linux", shims=shims)
    assert [e.path for e in linux] == [other / ".bashrc", other / ".profile"]
    initsetup.apply(linux)
    # A real login bash now reads ~/.bashrc (and gover's block), and sh reading ~/.profile
    # is not handed bash's file.
    login = subprocess.run(
        ["bash", "-l", "-c", 'echo "$PATH"'],
        env={"HOME": str(other), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert login.stdout.startswith("/x/shims:"), login.stdout
    dash = subprocess.run(
        ["dash", "-l", "-c", 'echo "$PATH"'],
        env={"HOME": str(other), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "/x/shims" not in dash.stdout and dash.stderr == ""  # /etc/profile's PATH only


def test_shims_under_home_are_written_with_dollar_home(home: Path) -> None:
    edits = initsetup.plan("bash", home, "linux", shims=home / ".local/share/gover/shims")
    assert 'export PATH="$HOME/.local/share/gover/shims":"$PATH"' in edits[0].block
    fish = initsetup.plan("fish", home, "linux", shims=home / ".local/share/gover/shims")
    assert 'set -gx PATH "$HOME/.local/share/gover/shims" $PATH' in fish[0].block


def test_zdotdir_and_xdg_config_home_are_honoured(home: Path, tmp_path: Path) -> None:
    zdot = tmp_path / "zdot"
    xdg = tmp_path / "xdg"
    env = {"ZDOTDIR": str(zdot), "XDG_CONFIG_HOME": str(xdg)}
    assert initsetup.plan("zsh", home, "linux", env=env)[0].path == zdot / ".zshrc"
    assert (
        initsetup.plan("fish", home, "linux", env=env)[0].path
        == xdg / "fish" / "conf.d" / "gover.fish"
    )
    assert initsetup.plan("pwsh", home, "win32", env=env)[0].path == (
        home / "Documents" / "PowerShell" / "Microsoft.PowerShell_profile.ps1"
    )


def test_crlf_files_stay_crlf(home: Path) -> None:
    prof = home / "profile.ps1"
    prof.write_bytes(b"Set-Alias ll Get-ChildItem\r\n")
    edit = initsetup.Edit(prof, initsetup.rc_block("pwsh", Path("C:/g/shims"), home), "test")
    initsetup.apply([edit])
    data = prof.read_bytes()
    assert data.startswith(b"Set-Alias ll Get-ChildItem\r\n\r\n# >>> gover >>>\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert initsetup.apply([edit]) == []


# ---- warnings and detection -----------------------------------------------------------------


def test_hook_in_login_only_files_is_warned_about(home: Path) -> None:
    (home / ".bash_profile").write_text('export A=1\neval "$(gover hook bash)"\n')
    (home / ".zshenv").write_text('eval "$(gover hook zsh)"\n')
    bash = run_gover("init", "bash")
    assert bash.code == 0
    assert bash.err_lines[0].startswith(
        "gover: warning: ~/.bash_profile:2 runs `gover hook`, but only login shells read that file"
    )
    zsh = run_gover("init", "zsh")
    assert zsh.err_lines[0].startswith(
        "gover: warning: ~/.zshenv:1 runs `gover hook`, but every zsh reads it, scripts included"
    )


def test_hook_outside_the_block_is_a_duplicate(home: Path) -> None:
    (home / ".bashrc").write_text('eval "$(gover hook bash)"\n')
    r = run_gover("init", "bash")
    assert (
        "gover: warning: ~/.bashrc:1 runs `gover hook` outside gover's block; "
        "remove that line (it would run twice)"
    ) in r.err_lines


def test_shell_is_detected_from_shell_env() -> None:
    r = run_gover("init", env={"SHELL": "/usr/bin/zsh"})
    assert r.code == 0, r.err
    assert r.out.splitlines()[0] == "gover init zsh (Linux)"


def test_undetectable_or_unsupported_shell_is_a_usage_error() -> None:
    r = run_gover("init", env={"SHELL": ""})
    assert (r.code, r.err) == (
        2,
        "gover: error: cannot tell which shell this is; name it: gover init bash|zsh|fish|nu|pwsh\n",
    )
    sh = run_gover("init", "dash")
    assert sh.code == 2
    assert sh.err.startswith(
        "gover: error: gover init supports bash, zsh, fish, nu and pwsh, not 'dash'; "
        "for sh, add to ~/.profile: export PATH="
    )


def test_detect_shell_prefers_the_parent_process() -> None:
    assert initsetup.detect_shell({"SHELL": "/bin/bash"}, "fish") == "fish"
    assert initsetup.detect_shell({"SHELL": "/bin/bash"}, "python3") == "bash"
    assert initsetup.detect_shell({"SHELL": "/usr/local/bin/pwsh"}, None) == "pwsh"
    assert initsetup.detect_shell({}, "-zsh") == "zsh"
    assert initsetup.detect_shell({"SHELL": "/bin/sh"}, "make") is None


# ---- real shells read what --write wrote ----------------------------------------------------


def _entries(out: str) -> list[str]:
    return [line for line in out.splitlines() if line]


def _shims_ahead(entries: list[str]) -> None:
    """The shims are on PATH once, first: they choose the Go of every go call (the hook never
    puts a toolchain's bin in front of them)."""
    assert entries.count(_shims()) == 1, entries
    assert entries[0] == _shims(), entries


@pytest.mark.parametrize("login", [False, True], ids=["non-login", "login"])
def test_real_bash_gets_the_shims_and_hook(home: Path, gover_bin: Path, login: bool) -> None:
    # Existing content that puts gover on PATH: /etc/profile resets PATH in login shells.
    (home / ".bashrc").write_text(f'export PATH={sh_quote(str(gover_bin))}:"$PATH"\n')
    (home / ".profile").write_text("export FROM_PROFILE=1\n")
    r = run_gover("init", "bash", "--write")
    assert r.code == 0, r.err
    functions = _hook_functions("bash")
    script = 'printf "%s\\n" "$FROM_PROFILE" "$PATH" ; declare -F | sed "s/^declare -f //"'
    argv = ["bash", "-l", "-i", "-c", script] if login else ["bash", "-i", "-c", script]
    proc = _run_shell(argv, _shell_env(home, f"{gover_bin}:/usr/bin:/bin"))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == ("1" if login else "")
    _shims_ahead(lines[1].split(":"))
    for name in functions:
        assert name in lines[2:], (name, proc.stderr)


def test_real_zsh_gets_the_shims_and_hook(home: Path, gover_bin: Path) -> None:
    (home / ".zshrc").write_text(f"path=({sh_quote(str(gover_bin))} $path)\n")
    assert run_gover("init", "zsh", "--write").code == 0
    functions = _hook_functions("zsh")
    env = _shell_env(home, f"{gover_bin}:/usr/bin:/bin")
    proc = _run_shell(
        ["zsh", "-i", "-c", 'print -rl -- "$PATH" ${(k)functions}'],
        env,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    _shims_ahead(lines[0].split(":"))
    for name in functions:
        assert name in lines[1:], (name, proc.stderr)
    # A non-interactive zsh (a script) reads no .zshrc: that is what the shims-only line is for.
    script = _run_shell(["zsh", "-c", 'print -r -- "$PATH"'], env)
    assert _shims() not in script.stdout


def test_real_fish_gets_the_shims_and_hook(home: Path, gover_bin: Path) -> None:
    assert run_gover("init", "fish", "--write").code == 0
    functions = _hook_functions("fish")
    env = _shell_env(home, f"{gover_bin}:/usr/bin:/bin")
    assert env["XDG_CONFIG_HOME"] == str(home / ".config")
    proc = _run_shell(
        ["fish", "-i", "-c", "string join \\n -- $PATH; functions --all --names"], env
    )
    assert proc.returncode == 0, proc.stderr
    lines = _entries(proc.stdout)
    _shims_ahead(lines[: lines.index("/bin") + 1])
    for name in functions:
        assert any(name in line.split(", ") for line in lines[1:]), (name, proc.stderr)


@pytest.mark.skipif(shutil.which("pwsh") is None, reason="needs pwsh")
def test_real_pwsh_gets_the_shims(home: Path, gover_bin: Path) -> None:
    assert run_gover("init", "pwsh", "--write").code == 0
    env = _shell_env(home, f"{gover_bin}:/usr/bin:/bin")
    proc = _run_shell(["pwsh", "-NoLogo", "-Command", "$Env:PATH"], env)
    _shims_ahead(proc.stdout.strip().split(":"))
