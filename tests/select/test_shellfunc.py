"""The `gover` shell function the hooks define (bash, zsh, fish, nu): `gover current` and
`gover which` answered by the shell's own resolver must print exactly what the Python command
prints, on stdout and stderr, with its exit code, and start no process; what the shell cannot
word exactly falls through to gover itself; `gover shell VERSION` typed at an interactive
prompt pins that shell at once.

Every run here starts the real shell. In the parity table the only `gover` on PATH fails
loudly (GOVER-RAN on stderr, exit 99), so an answer that went to Python cannot pass.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pexpect
import pytest

from gover.select import hooks
from gover.select.shells import fish_quote, nu_quote, sh_quote
from tests.support.cli import REPO
from tests.support.fakego import fake_install, gover_home, rehash, write
from tests.support.shells import need

SHELLS = ("bash", "zsh", "fish", "nu")
ARGV = {"bash": ["--norc", "--noprofile", "-c"], "zsh": ["-f", "-c"], "fish": ["--no-config", "-c"], "nu": ["-n", "-c"]}
SOURCE = {"bash": sh_quote, "zsh": sh_quote, "fish": fish_quote, "nu": nu_quote}
GO_SCRIPT = '#!/bin/sh\necho "go version go{name} fake"\n'
LOUD = "GOVER-RAN"


@dataclass
class Case:
    name: str
    files: dict[str, str | bytes] = field(default_factory=dict)  # relative to the case dir
    where: str = "."  # where the commands run, relative to the case dir
    env: dict[str, str] = field(default_factory=dict)
    system_go: bool = True


HOSTILE_DIR = "sp ace 'q\" $x `id`"

CASES = [
    Case("no pin"),
    Case("exact", {".go-version": "1.22.10\n"}),
    Case("prefix", {".go-version": "1.21\n"}),
    Case("latest", {".go-version": "latest\n"}),
    Case("system", {".go-version": "system\n"}),
    Case("go prefix", {".go-version": "go1.22.10\n"}),
    Case("alias 1", {".go-version": "# a comment\n\n1\n"}),
    Case("tool-versions", {".tool-versions": "nodejs 20\ngolang 1.21.13\n"}),
    Case("go line", {"go.mod": "module m\n\ngo 1.21.0\n"}),
    Case("toolchain line", {"go.mod": "module m\n\ngo 1.21.0\ntoolchain go1.22.10\n"}),
    Case("go.work above go.mod", {"go.work": "go 1.22.0\n", "sub/go.mod": "module m\ngo 1.21.0\n"}, "sub"),
    Case("pin below", {".go-version": "1.21.13\n", "a/b/.keep": ""}, "a/b"),
    Case("session pin", {".go-version": "1.21.13\n"}, env={"GOVER_VERSION": "1.22.10"}),
    Case("bad session pin", {".go-version": "1.21.13\n"}, env={"GOVER_VERSION": "1.22;x"}),
    Case("not installed", {".go-version": "1.20.5\n"}),
    Case("go line not installed", {"go.mod": "module m\ngo 1.23.0\n"}),
    Case("hostile", {".go-version": "$(touch /tmp/gover-pwned) `id`; rm -rf ~\n"}),
    Case("hostile toolchain", {"go.mod": "go 1.21.0\ntoolchain go1.22;ls\n"}),
    Case("directory as .go-version", {".go-version/x": "", ".tool-versions": "golang 1.22.10\n"}),
    Case("quotes and spaces", {f"{HOSTILE_DIR}/.go-version": "1.22.10\n"}, HOSTILE_DIR),
    Case("no system go", system_go=False),
    Case("system pin, no system go", {".go-version": "system\n"}, system_go=False),
]
COMMANDS = (("current",), ("which",), ("which", "gofmt"), ("which", "nope"))


@pytest.fixture
def store(tmp_path: Path) -> dict[str, Path]:
    """Two fake installs (1.22.10 with gofmt), aliases, shims, and the hook files."""
    fake_install("1.22.10", ("go", "gofmt"), GO_SCRIPT)
    fake_install("1.21.13", ("go",), GO_SCRIPT)
    rehash()
    out = {}
    for shell in SHELLS:
        out[shell] = write(tmp_path / "hooks" / f"hook.{shell}", hooks.render_hook(shell) + "\n")
    loud = tmp_path / "loud bin"
    write(loud / "gover", f"#!/bin/sh\necho {LOUD} >&2\nexit 99\n").chmod(0o755)
    out["loud"] = loud
    real = tmp_path / "gover bin"
    write(
        real / "gover",
        f"#!/bin/sh\nexport PYTHONPATH={sh_quote(str(REPO))}\nexec {sh_quote(sys.executable)} -m gover \"$@\"\n",
    ).chmod(0o755)
    out["real"] = real
    return out


def case_dir(tmp_path: Path, case: Case) -> Path:
    root = tmp_path / "cases" / re.sub(r"\W+", "-", case.name)
    root.mkdir(parents=True)
    for rel, text in case.files.items():
        write(root / rel, text)
    return root / case.where


def base_env(gover_bin: Path, case: Case) -> dict[str, str]:
    path = [str(gover_home() / "shims"), str(gover_bin)]
    if case.system_go:
        path += ["/usr/bin", "/bin"]
    env = {
        "HOME": os.environ["HOME"],
        "GOVER_HOME": str(gover_home()),
        "PATH": ":".join(path),
        "LANG": "C.UTF-8",
        "GOVER_VERIFY_SUMDB": "off",
    }
    env.update(case.env)
    return env


@dataclass(frozen=True)
class Run:
    out: str
    err: str
    code: int


def python(cwd: Path, env: dict[str, str], args: tuple[str, ...]) -> Run:
    full = dict(env, PYTHONPATH=str(REPO), PWD=str(cwd))
    proc = subprocess.run(
        [sys.executable, "-m", "gover", *args],
        cwd=cwd, env=full, capture_output=True, text=True, timeout=120, check=False,
    )
    return Run(proc.stdout, proc.stderr, proc.returncode)


def in_shell(shell: str, hook: Path, cwd: Path, env: dict[str, str], args: tuple[str, ...]) -> Run:
    words = " ".join(SOURCE[shell](a) for a in args)
    script = f"source {SOURCE[shell](str(hook))}\ngover {words}"
    full = dict(env, PWD=str(cwd))
    proc = subprocess.run(
        [need(shell), *ARGV[shell], script],
        cwd=cwd, env=full, capture_output=True, text=True, timeout=120, check=False,
    )
    return Run(proc.stdout, proc.stderr, proc.returncode)


def answered_here(shell: str, want: Run) -> bool:
    """nu answers only successes itself (a nu command cannot end with gover's exit code
    without an error of its own): its failures are gover's own, through the fall-through."""
    return not (shell == "nu" and want.code != 0)


@pytest.mark.parametrize("shell", SHELLS)
def test_the_function_answers_as_gover_does(shell: str, store: dict[str, Path], tmp_path: Path) -> None:
    wrong = []
    answered = 0
    for case in CASES:
        cwd = case_dir(tmp_path / shell, case)
        for args in COMMANDS:
            want = python(cwd, base_env(store["real"], case), args)
            assert LOUD not in want.err
            here = answered_here(shell, want)
            gover_bin = store["loud"] if here else store["real"]
            got = in_shell(shell, store[shell], cwd, base_env(gover_bin, case), args)
            answered += here
            if got != want:
                wrong.append(f"{case.name}: gover {' '.join(args)}:\n  python {want}\n  {shell} {got}")
    assert not wrong, "\n".join(wrong)
    assert not Path("/tmp/gover-pwned").exists()
    # Sanity: the table covers what it means to (answers and failures of both kinds).
    assert answered >= (len(CASES) * len(COMMANDS)) // (2 if shell == "nu" else 1)


FALL_THROUGH = [
    (Case("non-ASCII dir", {"é/.go-version": "1.22.10\n"}, "é"), ("current",)),
    (Case("GOTOOLCHAIN stand-in", {"go.mod": "go 1.23.0\n"}, env={"GOTOOLCHAIN": "auto"}), ("current",)),
    (Case("json", {".go-version": "1.22.10\n"}), ("current", "--json")),
    (Case("which json", {".go-version": "1.22.10\n"}), ("which", "go", "--json")),
    (Case("which a path", {".go-version": "1.22.10\n"}), ("which", "../bin/go")),
    (Case("relative system go", env={"PATH_PREFIX": "."}), ("which",)),
]


@pytest.mark.parametrize("shell", SHELLS)
def test_what_the_shell_cannot_word_goes_to_gover(shell: str, store: dict[str, Path], tmp_path: Path) -> None:
    for case, args in FALL_THROUGH:
        cwd = case_dir(tmp_path / shell, case)
        env = base_env(store["real"], case)
        if env.pop("PATH_PREFIX", None):
            # A relative PATH entry holding a go: gover spells it as pathlib does.
            write(cwd / "go", "#!/bin/sh\n").chmod(0o755)
            env["PATH"] = env["PATH"].replace(str(store["real"]), str(store["real"]) + ":.")
        want = python(cwd, env, args)
        got = in_shell(shell, store[shell], cwd, env, args)
        assert got == want, (case.name, want, got)
        loud_env = dict(env, PATH=env["PATH"].replace(str(store["real"]), str(store["loud"])))
        loud = in_shell(shell, store[shell], cwd, loud_env, args)
        assert LOUD in loud.err and loud.code == 99, (case.name, loud)


@pytest.mark.parametrize("shell", SHELLS)
def test_current_and_which_start_no_process(shell: str, store: dict[str, Path], tmp_path: Path) -> None:
    """strace -f: the shell's own exec and nothing else (fish reads a version file it has not
    seen within the last second with od, by absolute path: the one exception)."""
    case = Case("exact", {".go-version": "1.22.10\n"})
    cwd = case_dir(tmp_path, case)
    env = dict(base_env(store["loud"], case), PWD=str(cwd))
    root = gover_home() / "versions" / "1.22.10"

    def execs(script: str, want: str | None) -> list[str]:
        log = tmp_path / f"{shell}.strace"
        proc = subprocess.run(
            ["strace", "-f", "-qq", "-e", "trace=execve", "-o", str(log), need(shell), *ARGV[shell], script],
            cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False,
        )
        if want is not None:
            assert (proc.returncode, proc.stdout, proc.stderr) == (0, want, "")
        lines = [line for line in log.read_text().splitlines() if "execve(" in line and "ENOENT" not in line]
        programs = [re.search(r'execve\("([^"]+)"', line).group(1) for line in lines]  # type: ignore[union-attr]
        assert programs[0] == need(shell)
        return [p for p in programs[1:] if not (shell == "fish" and p.endswith("/od"))]

    source = f"source {SOURCE[shell](str(store[shell]))}"
    answers = [f"1.22.10 (set by {cwd}/.go-version)", f"{root}/bin/gofmt"]
    # What the shell starts by itself to print the same two lines (nu runs tput for print).
    printed = "\n".join(f"{'print' if shell == 'nu' else 'echo'} {SOURCE[shell](a)}" for a in answers)
    baseline = execs(f"{source}\n{printed}", "\n".join(answers) + "\n")
    assert execs(f"{source}\ngover current\ngover which gofmt", "\n".join(answers) + "\n") == baseline
    # And a command the function passes on does start gover (the loud one here).
    assert str(store["loud"] / "gover") in execs(f"{source}\ngover list", None)


# ---- typed at an interactive prompt -----------------------------------------------------------

PROMPT = "PRMT> "


def spawn(shell: str, hook: Path, cwd: Path, env: dict[str, str], tmp_path: Path) -> pexpect.spawn:
    if shell == "bash":
        rc = write(tmp_path / "bashrc", f"PS1='{PROMPT}'\nsource {sh_quote(str(hook))}\n")
        argv = ["--noprofile", "--rcfile", str(rc), "-i"]
    elif shell == "zsh":
        zdot = tmp_path / "zdot"
        write(zdot / ".zshrc", f"PS1='{PROMPT}'\nunsetopt zle\nsource {sh_quote(str(hook))}\n")
        env = dict(env, ZDOTDIR=str(zdot))
        argv = ["-i"]
    elif shell == "fish":
        argv = ["--no-config", "-i", "-C",
                f"function fish_prompt; printf '{PROMPT}'; end; source {fish_quote(str(hook))}"]
    else:
        cfg = write(
            tmp_path / "config.nu",
            f"$env.PROMPT_COMMAND = {{|| '{PROMPT}' }}\n$env.PROMPT_INDICATOR = ''\n"
            "$env.PROMPT_COMMAND_RIGHT = ''\n$env.config.show_banner = false\n"
            f"source {nu_quote(str(hook))}\n",
        )
        argv = ["--config", str(cfg)]
    return pexpect.spawn(
        need(shell), argv, env=env, cwd=str(cwd), encoding="utf-8", timeout=60, dimensions=(40, 300)
    )


def expect(child: pexpect.spawn, pattern: str) -> None:
    """Wait for `pattern`, answering reedline's cursor-position queries as a terminal does."""
    while child.expect([r"\x1b\[6n", pattern]) == 0:
        child.send("\x1b[1;1R")


def typed(child: pexpect.spawn, line: str, pattern: str) -> re.Match[str]:
    expect(child, re.escape(PROMPT))
    child.sendline(line)
    expect(child, pattern)
    match = child.match
    assert isinstance(match, re.Match)
    return match


@pytest.mark.parametrize("shell", SHELLS)
def test_gover_shell_typed_at_the_prompt(shell: str, store: dict[str, Path], tmp_path: Path) -> None:
    case = Case("pinned", {".go-version": "1.21.13\n"})
    cwd = case_dir(tmp_path, case)
    env = dict(base_env(store["real"], case), TERM=os.environ.get("TERM", "xterm"))
    def show(tag: str, value: str) -> str:
        """A line that prints TAG=value= (typed so that its echo holds no "TAG=")."""
        if shell == "nu":
            return f"print ('{tag}' + '=' + ({value} | into string) + '=')"
        return f"echo {tag}''={value}="

    status = "$env.LAST_EXIT_CODE" if shell == "nu" else "$status" if shell == "fish" else "$?"
    child = spawn(shell, store[shell], cwd, env, tmp_path)
    try:
        assert typed(child, "go version", r"go version go(\S+) fake").group(1) == "1.21.13"
        typed(child, "gover shell 1.22.10", r"\n")
        assert typed(child, "go version", r"go version go(\S+) fake").group(1) == "1.22.10"
        m = typed(child, "gover current", r"(\d[\d.]*) \(set by ([^)]+)\)")
        assert m.groups() == ("1.22.10", "GOVER_VERSION (gover shell")
        goroot = "$env.GOROOT" if shell == "nu" else "$GOROOT"
        m = typed(child, show("R", goroot), r"R=([^=\r\n]*)=")
        assert m.group(1) == str(gover_home() / "versions" / "1.22.10")
        # An error passes through with gover's text and exit code; nothing changes.
        typed(child, "gover shell 1.19.1", r"gover: error: go 1\.19\.1 is not installed")
        assert typed(child, show("S", status), r"S=(\d+)=").group(1) == "1"
        assert typed(child, "go version", r"go version go(\S+) fake").group(1) == "1.22.10"
        typed(child, "gover shell --unset", r"\n")
        assert typed(child, "go version", r"go version go(\S+) fake").group(1) == "1.21.13"
        m = typed(child, show("R", goroot), r"R=([^=\r\n]*)=")
        assert m.group(1) == str(gover_home() / "versions" / "1.21.13")
    finally:
        child.close(force=True)
