"""Issue 10, items 1 and 2: in a shell set up by `gover init SHELL --write`, `go` follows the
directory at once (one-liners that cd, subshells, `sh -c`, make, find/xargs, right after
`gover global/local/shell`), because the shims, first on PATH, choose every go call and the
hook never puts a toolchain's bin ahead of them; and the shell starts no Python (the block
sources the hook file `gover rehash` renders; without it, nothing happens and nothing prints).

Real bash, zsh and fish under a pty, reading the startup files `gover init --write` wrote.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest

from gover import paths
from gover.select import hooks, shims
from gover.select.shells import sh_quote
from tests.support.cli import REPO, run_gover
from tests.support.fakego import fake_install

SHELLS = ("bash", "zsh", "fish")
RC = {
    "bash": ".bashrc",
    "zsh": ".zshrc",
    "fish": ".config/fish/conf.d/gover.fish",
}
SCRIPT = '#!/bin/sh\necho "go version go{name} fake"\n'
VERSION = re.compile(r"go version go(\d+\.\d+\.\d+) fake")








@pytest.fixture
def work(home: Path, tmp_path: Path) -> Path:
    """Two fake toolchains, global 1.22.10, and work/r1 (1.21.13), work/r2 (1.22.10)."""
    for name in ("1.21.13", "1.22.10"):
        fake_install(name, script=SCRIPT)
    shims.rehash(auto_install=False)
    paths.global_version_file().write_text("1.22.10\n")
    root = tmp_path / "work"
    for name, version in (("r1", "1.21.13"), ("r2", "1.22.10")):
        (root / name).mkdir(parents=True)
        (root / name / ".go-version").write_text(version + "\n")
    (root / "free").mkdir()
    return root


def _env(home: Path, gover_bin: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GO") or k == "GOVER_HOME"}
    env.update(HOME=str(home), PATH=f"{gover_bin}:/usr/bin:/bin", TERM="dumb", LANG="C.UTF-8")
    for key in ("ZDOTDIR", "BASH_ENV", "ENV", "PROMPT_COMMAND"):
        env.pop(key, None)
    return env


def _argv(shell: str) -> list[str]:
    exe = shutil.which(shell)
    assert exe is not None, f"{shell} is not installed; .ci/run installs it"
    return [exe, "-i"]


class Shell:
    """An interactive shell on a pty that read its startup files. run() sends one line and
    returns what it printed until a marker that only output (never the echo) can hold."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: Path) -> None:
        self.n = 0
        self.child = pexpect.spawn(
            argv[0],
            argv[1:],
            env=env,
            cwd=str(cwd),
            encoding="utf-8",
            codec_errors="replace",
            timeout=60,
            dimensions=(40, 1000),
        )
        self.child.delaybeforesend = None
        self.run("true")  # the startup files have been read

    def run(self, line: str) -> str:
        self.n += 1
        self.child.sendline(line)
        self.child.sendline(f"builtin printf '%s%s\\n' DONE {self.n}")
        self.child.expect(f"DONE{self.n}\r\n")
        return str(self.child.before)

    def versions(self, line: str) -> list[str]:
        return VERSION.findall(self.run(line))


def _init(shell: str, home: Path, gover_bin: Path) -> None:
    rc = home / RC[shell]
    rc.parent.mkdir(parents=True, exist_ok=True)
    # gover itself on PATH before the block (the block puts the shims ahead of it).
    if shell == "fish":
        rc.write_text(f"set -gx PATH {sh_quote(str(gover_bin))} $PATH\n")
        rc = home / ".config/fish/config.fish"
        rc.write_text("function fish_greeting; end\n")
    else:
        rc.write_text(f'export PATH={sh_quote(str(gover_bin))}:"$PATH"\n')
    r = run_gover("init", shell, "--write")
    assert r.code == 0, r.err


@pytest.fixture(params=SHELLS)
def hooked(
    request: pytest.FixtureRequest, home: Path, gover_bin: Path, work: Path
) -> Iterator[tuple[str, Shell]]:
    shell = str(request.param)
    _init(shell, home, gover_bin)
    s = Shell(_argv(shell), _env(home, gover_bin), work)
    try:
        yield shell, s
    finally:
        s.child.terminate(force=True)


def test_the_issues_table(hooked: tuple[str, Shell], work: Path) -> None:
    shell, s = hooked
    # cd and go on one line: the prompt before it ran in an unpinned directory (global 1.22.10).
    assert s.versions("cd r1; go version; cd ../r2; go version") == ["1.21.13", "1.22.10"]
    s.run(f"cd {sh_quote(str(work / 'r1'))}")
    assert s.versions("cd ../r2; go version") == ["1.22.10"]
    # A script that cds: its go is the other directory's (the old hook gave r2's bin first).
    assert s.versions("sh -c 'cd ../r1 && go version'") == ["1.21.13"]
    if shell != "fish":  # fish has no subshell
        assert s.versions("(cd ../r1 && go version)") == ["1.21.13"]
    assert s.versions("go version") == ["1.22.10"]
    # find -exec and xargs run go in other directories.
    s.run("cd ..")
    got = s.versions("find r1 r2 -name .go-version -execdir go version ';'")
    assert sorted(got) == ["1.21.13", "1.22.10"]
    got = s.versions("printf '%s\\n' r2 r1 | xargs -I@ sh -c 'cd @ && go version'")
    assert got == ["1.22.10", "1.21.13"]


def test_make_recipes_that_cd(hooked: tuple[str, Shell], work: Path) -> None:
    _shell, s = hooked
    make = shutil.which("make")
    assert make is not None, "make is needed (.ci/run installs it)"
    (work / "r2" / "Makefile").write_text(
        "all:\n\tgo version\n\tcd ../r1 && go version\n\tcd ../free && go version\n"
    )
    s.run(f"cd {sh_quote(str(work / 'r2'))}")
    assert s.versions(f"{make} -s") == ["1.22.10", "1.21.13", "1.22.10"]


def test_right_after_gover_global_local_and_shell(hooked: tuple[str, Shell], work: Path) -> None:
    shell, s = hooked
    s.run(f"cd {sh_quote(str(work / 'free'))}")
    assert s.versions("go version") == ["1.22.10"]
    assert s.versions("gover global 1.21.13; go version") == ["1.21.13"]
    assert s.versions("gover global 1.22.10; go version") == ["1.22.10"]
    assert s.versions("gover local 1.21.13; go version") == ["1.21.13"]
    (work / "free" / ".go-version").unlink()
    evals = {
        "fish": "gover shell --shell fish 1.21.13 | source; go version",
        "bash": 'eval "$(gover shell --shell bash 1.21.13)"; go version',
        "zsh": 'eval "$(gover shell --shell zsh 1.21.13)"; go version',
    }
    assert s.versions(evals[shell]) == ["1.21.13"]


def test_path_keeps_the_shims_first_after_many_prompts(
    hooked: tuple[str, Shell], work: Path
) -> None:
    shell, s = hooked
    value = "(string join : $PATH)" if shell == "fish" else '"$PATH"'

    def path() -> str:
        found = re.findall(r"P\[(.*?)\]P\r\n", s.run(f"printf 'P[%s]P\\n' {value}"))
        assert len(found) == 1
        return str(found[0])

    before = path()
    assert before.split(":")[0] == str(paths.shims_dir())
    for _ in range(20):
        s.run(f"cd {sh_quote(str(work / 'r1'))}; cd ../r2; cd ../free")
    assert path() == before


# ---- a new shell starts no Python -----------------------------------------------------------


@pytest.mark.parametrize("shell", SHELLS)
def test_a_new_shell_starts_no_python(
    shell: str, home: Path, gover_bin: Path, work: Path, tmp_path: Path
) -> None:
    strace = shutil.which("strace")
    assert strace is not None, "strace is needed (apt-get install strace)"
    _init(shell, home, gover_bin)
    # fish's first start runs its own python3 (fish_update_completions, from man pages) unless
    # this exists: not gover's, and not what is measured here.
    (home / ".local/share/fish/generated_completions").mkdir(parents=True)
    log = tmp_path / "strace.log"
    argv = [strace, "-f", "-qq", "-e", "trace=execve", "-o", str(log), *_argv(shell)]
    s = Shell(argv, _env(home, gover_bin), work / "r1")
    try:
        # The hook ran at this prompt: it set GOROOT, by itself.
        show = "echo $GOROOT" if shell == "fish" else 'printf "%s\\n" "$GOROOT"'
        assert str(paths.version_dir("1.21.13")) in s.run(show)
        s.child.sendline("exit")
        s.child.expect(pexpect.EOF)
    finally:
        s.child.terminate(force=True)
    programs = [
        line.split('"')[1]
        for line in log.read_text().splitlines()
        if "execve(" in line and line.rstrip().endswith("= 0")
    ]
    assert programs, log.read_text()
    started = [os.path.basename(p) for p in programs]
    assert not [p for p in started if p.startswith("python") or p == "gover"], started


@pytest.mark.parametrize("shell", SHELLS)
def test_missing_hook_file_starts_silently(
    shell: str, home: Path, gover_bin: Path, work: Path
) -> None:
    """gover uninstalled (the rendered file gone): the block's line does nothing, says nothing."""
    _init(shell, home, gover_bin)
    rc = home / RC[shell]
    assert str(paths.hook_file(shell).name) in rc.read_text()
    script = "echo started"
    env = _env(home, gover_bin)
    proc = subprocess.run(
        [*_argv(shell), "-c", script],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    with_file = (proc.returncode, proc.stdout, proc.stderr)
    paths.hook_file(shell).unlink()
    proc = subprocess.run(
        [*_argv(shell), "-c", script],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (proc.returncode, proc.stdout, proc.stderr) == with_file
    assert proc.stdout == "started\n"
    assert "hook" not in proc.stderr and "gover" not in proc.stderr


def test_rehash_renders_the_hook_files(home: Path) -> None:
    """The files the block sources hold what `gover hook SHELL` prints, after its header."""
    shims.rehash(auto_install=False)
    for shell in SHELLS:
        text = paths.hook_file(shell).read_bytes().decode()
        header, _, body = text.partition("\n")
        assert header.startswith(f"# gover hook for {shell}: rendered by `gover rehash`")
        printed = subprocess.run(
            [sys.executable, "-m", "gover", "hook", shell],
            env={**os.environ, "PYTHONPATH": str(REPO)},
            capture_output=True,
            timeout=120,
            check=True,
        ).stdout.decode()
        if shell == "zsh":
            # hook.zsh loads hook-body.zsh (compiled by zsh); `gover hook zsh` wraps the same
            # body for eval.
            assert body.splitlines()[-1].startswith("if [ -r ")
            text = hooks.zsh_body_file().read_bytes().decode()
            header, _, body = text.partition("\n")
            assert header.startswith("# gover hook for zsh: rendered by `gover rehash`")
            assert sh_quote(body) in printed
        else:
            assert body == printed


def test_gover_hook_imports_no_cli_framework(home: Path) -> None:
    """`eval "$(gover hook bash)"` (for those who prefer it) is on the fast path: no typer."""
    for shell in SHELLS:
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "gover", "hook", shell],
            env={**os.environ, "PYTHONPATH": str(REPO)},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        modules = {line.split("|")[-1].strip() for line in proc.stderr.splitlines()}
        assert "gover.select.hooks" in modules  # the import log is really there
        assert not {"typer", "rich", "click", "httpx", "gnupg"} & modules, shell
