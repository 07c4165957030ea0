"""`gover hook SHELL`: real bash, zsh and fish (and pwsh where installed) re-select Go before
every prompt, inside the shell, by the rules of resolve.py.

Parity: over random trees (tests/select/test_shim_parity.py's scenarios) each shell's hook, loaded
under `set -euo pipefail` (bash) or `nounset` (zsh), must choose what resolve.select() chooses
(what `gover which go` prints) in every directory, print the same warnings, and leave PATH,
GOROOT and GOTOOLCHAIN exactly as the choice asks. Mechanics: interactive shells under a pty
(pexpect) with fake toolchains; one test runs the real go1.21.13 and go1.22.10 in bash.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pexpect
import pytest
from hypothesis import HealthCheck, given, settings

from gover.select import hooks
from gover.select.shells import fish_quote, pwsh_quote, sh_quote
from tests.support.cli import REPO, run_gover
from tests.support.fakego import environ, gover_home, install_fake, rehash
from tests.support.parity import (
    FIXED,
    SENTINEL,
    Scenario,
    _python,
    _spell,
    built,
    scenarios,
)
from tests.support.shells import (
    ARGV,
    SHELLS,
    WHERE,
    need,
    run_script,
    write_hook,
)

UNSET = "<unset>"
WARN = "gover: warning: "




# ---- the script each shell runs for a list of directories --------------------------------
# For every directory: a marker on stderr, cd, what a prompt runs, then one line on stdout:
# choice | GOROOT | PATH | GOTOOLCHAIN.
















@dataclass(frozen=True)
class Expected:
    line: str
    err: list[str]


def expected(spelled: str, env: dict[str, str]) -> Expected:
    """What resolve.py chooses and warns in `spelled`, and what the hook must leave behind."""
    buf = io.StringIO()
    with environ(env), contextlib.redirect_stderr(buf):
        out, message = _python(Path(spelled))
    err = buf.getvalue().splitlines()
    path = env["PATH"]
    if out.startswith("not-installed:"):
        assert message is not None
        err.append(WARN + message)
    elif out == "no-system-go":
        assert message is not None
        if "(no version file found" not in message:
            err.append(WARN + message)
    err = list(dict.fromkeys(err))  # once per directory: a repeat within one choice too
    if out.startswith(("not-installed:", "system:", "no-system-go")):
        return Expected(f"{out}|{UNSET}|{path}|{UNSET}", err)
    # PATH stays as it was: the shims, not the hook, choose the go that runs.
    return Expected(f"{out}|{out}|{path}|local", err)


def check_hooks(s: Scenario, shells: tuple[str, ...]) -> None:
    with built(s) as (tree, env):
        dirs = [_spell(tree.joinpath(*rel), s.pwd_style) for rel in s.dirs]
        want = [expected(d, env) for d in dirs]
        shell_env = {**env, "HOME": os.environ["HOME"], "LANG": "C.UTF-8", "TERM": "dumb"}
        with environ(env):
            hook_dir = Path(env["GOVER_HOME"]).parent
            for shell in shells:
                hook = write_hook(shell, hook_dir)
                lines, errs = run_script(shell, hook, dirs, shell_env)
                for i, d in enumerate(dirs):
                    where = f"{shell} in {d!r}"
                    assert lines[i] == want[i].line, where
                    assert errs.get(i, []) == want[i].err, where
        assert not os.path.exists(SENTINEL)


PARITY_SHELLS = tuple(s for s in ("bash", "zsh", "fish", "nu", "pwsh") if WHERE[s] or s != "pwsh")


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(scenarios())
def test_hooks_agree_with_resolve_py_everywhere(scenario: Scenario) -> None:
    check_hooks(scenario, PARITY_SHELLS)


@pytest.mark.parametrize("scenario", FIXED)
def test_hooks_fixed_scenarios(scenario: Scenario) -> None:
    check_hooks(scenario, PARITY_SHELLS)


def _edge_files() -> dict[tuple[str, ...], dict[str, bytes | str]]:
    """Version files where bytes, not characters, decide what is inside the first 1 KiB."""
    files: list[bytes] = []
    for ch in ("ü".encode(), "€".encode(), "😀".encode(), b"\xff", b"\xef\xbb\xbf", b"\r"):
        for pad in range(1015, 1022):
            files.append(b"#" * pad + ch + b"\n1.21\n")
            files.append(b"#" * pad + ch + b"\n1.21")
    files += [
        b"1.21" + b" " * 1019 + b"\n",  # the newline is byte 1024: seen
        b"1.21" + b" " * 1020 + b"\n",  # byte 1025: cut
        b"1.21" + b" " * 1020,  # 1024 bytes, no newline: seen
        b"\0" * 5000 + b"1.21\n",
        b"\xef\xbb\xbf\n1.21\n",
        b"\r\n\r\r\n1.21\r\r\n",
        b"#\n" * 300_000 + b"1.21\n",
        b"1.2" + "ü".encode() + b"\n",
    ]
    return {(f"e{i}",): {".go-version": body} for i, body in enumerate(files)}


@pytest.mark.parametrize("shell", PARITY_SHELLS)
def test_hooks_count_bytes_like_resolve_py(shell: str) -> None:
    check_hooks(Scenario(dirs=_edge_files(), installed=("1.21.13",)), (shell,))


# ---- interactive shells under a pty ---------------------------------------------------------

PROMPT = "PROMPT> "
SETUP = {
    "bash": ["bind 'set enable-bracketed-paste off' 2>/dev/null"],
    "zsh": ["unsetopt prompt_sp", "unset zle_bracketed_paste"],
    "fish": ["function fish_prompt; printf 'PROMPT> '; end"],
}
INTERACTIVE = {
    "bash": ["--norc", "--noprofile", "-i"],
    "zsh": ["-f", "-i"],
    "fish": ["--no-config", "-i"],
}


class Session:
    """An interactive shell on a pty. run() sends one line and returns what the shell printed
    until a marker that only its output (never the echoed input) can contain."""

    def __init__(self, shell: str, env: dict[str, str], cwd: Path) -> None:
        self.shell = shell
        self.n = 0
        self.child = pexpect.spawn(
            need(shell),
            INTERACTIVE[shell],
            env={**env, "TERM": "dumb", "PS1": PROMPT, "LANG": "C.UTF-8"},
            cwd=str(cwd),
            encoding="utf-8",
            codec_errors="replace",
            timeout=30,
            dimensions=(40, 1000),
        )
        self.child.delaybeforesend = None
        for line in SETUP[shell]:
            self.run(line)

    def quote(self, value: str) -> str:
        return fish_quote(value) if self.shell == "fish" else sh_quote(value)

    def load(self, hook: Path) -> str:
        return self.run(f"source {self.quote(str(hook))}")

    def run(self, line: str) -> str:
        self.n += 1
        self.child.sendline(line)
        self.child.sendline(f"builtin printf '%s%s\\n' DONE {self.n}")
        self.child.expect(f"DONE{self.n}\r\n")
        return str(self.child.before)

    def lines(self, lines: list[str]) -> str:
        """Many lines, each with its own prompt, written at once."""
        self.n += 1
        self.child.send("".join(line + "\n" for line in lines))
        self.child.sendline(f"builtin printf '%s%s\\n' DONE {self.n}")
        self.child.expect(f"DONE{self.n}\r\n", timeout=120)
        return str(self.child.before)

    def value(self, expr: str) -> str:
        """A shell expression's value (fish: a list is joined with ':')."""
        out = self.run(f"builtin printf 'V[%s]V\\n' {expr}")
        found = [v for v in re.findall(r"V\[(.*?)\]V\r\n", out) if v != "%s"]
        assert len(found) == 1, out
        return found[0]

    def env(self, name: str) -> str:
        if self.shell == "fish":
            if name == "PATH":
                return self.value("(string join : $PATH)")
            return self.value(f"(set -q {name}; and echo ${name}; or echo '{UNSET}')")
        return self.value(f'"${{{name}-{UNSET}}}"')

    def cd(self, directory: Path) -> str:
        return self.run(f"cd {self.quote(str(directory))}")


@contextlib.contextmanager
def session(shell: str, env: dict[str, str], cwd: Path) -> Iterator[Session]:
    s = Session(shell, env, cwd)
    try:
        yield s
    finally:
        s.child.terminate(force=True)


def warnings(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip().startswith(WARN)]


def fake_store(*names: str) -> None:
    """Installs whose `go version` says which toolchain ran, with what GOROOT and GOTOOLCHAIN."""
    install_fake(*names)
    for name in names:
        go = gover_home() / "versions" / name / "bin" / "go"
        go.write_text(
            f'#!/bin/sh\necho "go version go{name} fake GOROOT=$GOROOT GOTOOLCHAIN=$GOTOOLCHAIN"\n'
        )
    rehash()


@dataclass
class Tree:
    a: Path  # .go-version 1.21.13, a name with a space
    deep: Path  # five levels below a
    b: Path  # .go-version 1.22 (prefix), a name with $, quotes and non-ASCII
    free: Path  # unpinned: the global (1.20.14)
    sys: Path  # .go-version system
    missing: Path  # .go-version 1.24, not installed


@pytest.fixture
def tree(tmp_path: Path) -> Tree:
    fake_store("1.20.14", "1.21.13", "1.22.10")
    (gover_home() / "global").write_text("1.20.14\n")
    root = tmp_path / "work"
    t = Tree(
        a=root / "proj a",
        deep=root / "proj a" / "1" / "2" / "3" / "4" / "5",
        b=root / "other $HOME 'q' \"d\" ü",
        free=root / "free",
        sys=root / "sys",
        missing=root / "missing",
    )
    for d in (t.deep, t.b, t.free, t.sys, t.missing):
        d.mkdir(parents=True)
    (t.a / ".go-version").write_text("1.21.13\n")
    (t.b / ".go-version").write_text("1.22\n")
    (t.sys / ".go-version").write_text("system\n")
    (t.missing / ".go-version").write_text("1.24\n")
    return t


USER_PATH = "/usr/bin:/bin:/opt/a dir:/usr/bin"  # a space and a repeat: order must survive


def shell_path() -> str:
    """PATH in a shell set up by `gover init`: the shims first (they choose every go call)."""
    return f"{gover_home() / 'shims'}:{USER_PATH}"


def shell_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOVER_", "GO"))}
    env["GOVER_HOME"] = str(gover_home())
    env["PATH"] = shell_path()
    return env


def root_of(name: str) -> str:
    return str(gover_home() / "versions" / name)


INTERACTIVE_SHELLS = ("bash", "zsh", "fish")


@pytest.mark.parametrize("shell", INTERACTIVE_SHELLS)
def test_go_follows_the_directory(shell: str, tree: Tree, tmp_path: Path) -> None:
    hook = write_hook(shell, tmp_path)
    with session(shell, shell_env(), tree.free) as s:
        assert warnings(s.load(hook)) == []
        s.cd(tree.deep)
        assert f"go version go1.21.13 fake GOROOT={root_of('1.21.13')} GOTOOLCHAIN=local" in s.run(
            "go version"
        )
        assert s.env("PATH") == shell_path()  # the hook never reorders PATH
        s.cd(tree.b)
        assert "go version go1.22.10 fake" in s.run("go version")
        assert s.env("GOROOT") == root_of("1.22.10")
        s.cd(tree.free)  # leaving a pinned tree: the global
        assert "go version go1.20.14 fake" in s.run("go version")
        s.cd(tree.sys)  # `system`, and there is none here: nothing of gover's is left
        assert (s.env("PATH"), s.env("GOROOT"), s.env("GOTOOLCHAIN")) == (
            shell_path(),
            UNSET,
            UNSET,
        )
        # An edit to .go-version counts at the next prompt, without a cd.
        s.cd(tree.a)
        s.run(f"printf '1.22.10\\n' > {s.quote(str(tree.a / '.go-version'))}")
        assert "go version go1.22.10 fake" in s.run("go version")
        # `gover shell` sets GOVER_VERSION, which wins; unsetting it gives the file back.
        from gover.select.shims import shell_command

        s.run(shell_command("1.21.13", shell))
        assert "go version go1.21.13 fake" in s.run("go version")
        s.run(shell_command(None, shell))
        assert "go version go1.22.10 fake" in s.run("go version")
        # GOTOOLCHAIN set by the user is theirs.
        s.run(
            "set -gx GOTOOLCHAIN go1.22.10" if shell == "fish" else "export GOTOOLCHAIN=go1.22.10"
        )
        assert "GOTOOLCHAIN=go1.22.10" in s.run("go version")
        s.cd(tree.sys)
        assert s.env("GOTOOLCHAIN") == "go1.22.10"


@pytest.mark.parametrize("shell", INTERACTIVE_SHELLS)
def test_a_thousand_cds_leave_path_as_it_was(shell: str, tree: Tree, tmp_path: Path) -> None:
    hook = write_hook(shell, tmp_path)
    with session(shell, shell_env(), tree.free) as s:
        s.load(hook)
        stops = [tree.a, tree.deep, tree.b, tree.free, tree.missing, tree.sys]
        cds = [f"cd {s.quote(str(stops[i % len(stops)]))}" for i in range(1000)]
        for start in range(0, len(cds), 100):
            s.lines(cds[start : start + 100])
        s.cd(tree.b)
        assert s.env("PATH") == shell_path()
        assert s.env("GOROOT") == root_of("1.22.10")
        s.cd(tree.sys)
        assert (s.env("PATH"), s.env("GOROOT"), s.env("GOTOOLCHAIN")) == (
            shell_path(),
            UNSET,
            UNSET,
        )


@pytest.mark.parametrize("shell", INTERACTIVE_SHELLS)
def test_uninstalled_version_warns_once_per_directory(
    shell: str, tree: Tree, tmp_path: Path
) -> None:
    hook = write_hook(shell, tmp_path)
    warning = (
        f"{WARN}go 1.24 (set by {tree.missing / '.go-version'}) is not installed; "
        "run: gover install 1.24"
    )
    below = tree.missing / "sub"
    below.mkdir()
    with session(shell, shell_env(), tree.a) as s:
        s.load(hook)
        assert warnings(s.cd(tree.missing)) == [warning]
        assert warnings(s.lines(["true", "true", "true"])) == []
        assert (s.env("PATH"), s.env("GOROOT")) == (shell_path(), UNSET)
        assert warnings(s.cd(below)) == [warning]  # another directory
        assert warnings(s.cd(tree.missing)) == []  # seen here already
        s.cd(tree.a)
        assert s.env("GOROOT") == root_of("1.21.13")


# name -> (content, what is chosen: None = ignored with a warning, so the global)
HOSTILE_FILES: dict[str, tuple[str, str | None]] = {
    "sub": ("$(touch {s}1)\n", None),
    "tick": ("`touch {s}2`\n", None),
    "semi": ("1.22; touch {s}3\n", None),
    "nul": ("1.2\0$(touch {s}4)\n", None),
    "line2": ("# x\n1.21.13 $(touch {s}5)\n; touch {s}6\n", "1.21.13"),
}


@pytest.mark.parametrize("shell", INTERACTIVE_SHELLS)
def test_hostile_files_and_names_never_run(shell: str, tree: Tree, tmp_path: Path) -> None:
    hook = write_hook(shell, tmp_path)
    sentinel = tmp_path / "pwned"
    evil = tmp_path / "hostile" / f"$(touch {sentinel}7)" / "`touch x`;$IFS"
    evil.mkdir(parents=True)
    (evil / ".go-version").write_text("1.22.10\n")
    with session(shell, shell_env(), tree.a) as s:
        s.load(hook)
        for name, (content, chosen) in HOSTILE_FILES.items():
            d = tmp_path / "hostile" / name
            d.mkdir()
            (d / ".go-version").write_text(content.format(s=sentinel))
            out = s.cd(d)
            if chosen is None:
                got = warnings(out)
                assert len(got) == 1, out
                assert got[0].startswith(f"{WARN}ignoring {d / '.go-version'}: "), out
                assert warnings(s.run("true")) == []
            else:
                assert warnings(out) == []
            assert s.env("GOROOT") == root_of(chosen or "1.20.14")
        assert warnings(s.cd(evil)) == []
        assert s.env("GOROOT") == root_of("1.22.10")
    assert not list(tmp_path.glob("pwned*"))
    assert not (evil / "x").exists()


def test_gover_hook_cli() -> None:
    """The real entry point prints the hook byte for byte (it holds a literal CR and BOM)."""
    fake_store("1.22.10")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for shell in SHELLS:
        proc = subprocess.run(
            [sys.executable, "-m", "gover", "hook", shell],
            env=env,
            capture_output=True,
            check=False,
        )
        assert (proc.returncode, proc.stderr) == (0, b"")
        assert proc.stdout == (hooks.render_hook(shell) + "\n").encode()
    r = run_gover("hook", "tcsh")
    assert (r.code, r.out) == (2, "")
    assert r.err == "gover: error: unknown shell 'tcsh'; use: gover hook bash|zsh|fish|nu|pwsh\n"


FIRST_GO = {"bash": '"$(type -P go)"', "zsh": '"$(whence -p go)"', "fish": "(command -s go)"}


@pytest.mark.parametrize("shell", INTERACTIVE_SHELLS)
def test_the_go_that_runs_is_what_gover_which_says(shell: str, tree: Tree, tmp_path: Path) -> None:
    """The first go on PATH is always the shim; the toolchain it runs, and the hook's GOROOT,
    are the one `gover which go` names."""
    hook = write_hook(shell, tmp_path)
    env = shell_env()
    with session(shell, env, tree.free) as s:
        s.load(hook)
        for d in (tree.a, tree.deep, tree.b, tree.free, tree.sys, tree.missing):
            s.cd(d)
            assert s.value(FIRST_GO[shell]) == str(gover_home() / "shims" / "go"), d
            which = run_gover("which", "go", cwd=d, env={"PATH": USER_PATH, "PWD": str(d)})
            chosen = Path(which.out.strip())
            if which.code == 0 and chosen.is_relative_to(gover_home()):
                root = str(chosen.parent.parent)
                assert s.env("GOROOT") == root, d
                assert f"fake GOROOT={root} " in s.run("go version"), d
            else:  # not installed, or `system`: gover set nothing
                assert (s.env("PATH"), s.env("GOROOT")) == (shell_path(), UNSET), d


STATUS_PROMPT = {
    "bash": "PS1='[$?] '",
    "zsh": "PS1='[%?] '",
    "fish": "function fish_prompt; printf '[%s] ' $status; end",
}


@pytest.mark.parametrize("shell", INTERACTIVE_SHELLS)
def test_the_prompt_still_sees_the_exit_status(shell: str, tree: Tree, tmp_path: Path) -> None:
    hook = write_hook(shell, tmp_path)
    with session(shell, shell_env(), tree.a) as s:
        s.load(hook)
        s.run(STATUS_PROMPT[shell])
        assert "[3] " in s.run("sh -c 'exit 3'")
        assert "[0] " in s.run("true")


def test_bash_keeps_prompt_command_string_and_array(tree: Tree, tmp_path: Path) -> None:
    hook = write_hook("bash", tmp_path)
    with session("bash", shell_env(), tree.a) as s:
        s.run("n=0; PROMPT_COMMAND='n=$((n+1))'")
        s.load(hook)
        s.load(hook)  # twice: still one hook
        assert s.value("\"${PROMPT_COMMAND//$'\\n'/;}\"") == "n=$((n+1));__gover_hook"
        before = int(s.value('"$n"'))
        s.cd(tree.b)
        assert int(s.value('"$n"')) > before  # theirs still runs
        assert s.env("GOROOT") == root_of("1.22.10")
    with session("bash", shell_env(), tree.a) as s:
        s.run("PROMPT_COMMAND=('m=1' 'k=2')")
        s.load(hook)
        s.load(hook)
        assert s.value('"${#PROMPT_COMMAND[@]}:${PROMPT_COMMAND[*]}"') == "3:m=1 k=2 __gover_hook"
        s.cd(tree.b)
        assert s.env("GOROOT") == root_of("1.22.10")


def test_bash_under_set_euo_with_aliases(tree: Tree, tmp_path: Path) -> None:
    """The user's `set -euo pipefail` and aliases of the builtins the resolver uses."""
    hook = write_hook("bash", tmp_path)
    with session("bash", shell_env(), tree.a) as s:
        s.run("set -euo pipefail")
        s.run("alias read='echo BROKEN' set='echo BROKEN' printf='echo BROKEN' case=x")
        s.load(hook)
        s.run("false && true")  # $? = 1 at the prompt, and the shell must live on
        out = s.cd(tree.missing)
        assert warnings(out) == [
            f"{WARN}go 1.24 (set by {tree.missing / '.go-version'}) is not installed; "
            "run: gover install 1.24"
        ]
        s.cd(tree.deep)
        assert s.env("GOROOT") == root_of("1.21.13")
        assert s.value('"$(type -t read)"') == "alias"  # aliases are on again
        assert {"e", "u"} <= set(s.value('"$-"'))  # and the options as they were


def test_zsh_with_hostile_options(tree: Tree, tmp_path: Path) -> None:
    """Options that change what sh code means, nounset/err_exit, aliases, and a cd inside a
    command line (chpwd: the toolchain changes before the rest of the line runs)."""
    hook = write_hook("zsh", tmp_path)
    opts = "ksh_arrays sh_word_split rc_expand_param no_interactive_comments nounset err_exit"
    with session("zsh", shell_env(), tree.free) as s:
        s.run(f"setopt {opts}")
        s.run("alias read='echo BROKEN' set='echo BROKEN' printf='echo BROKEN' local=x")
        s.load(hook)
        s.load(hook)
        assert s.value('"${#precmd_functions[@]} ${#chpwd_functions[@]}"') == "1 1"
        assert "go version go1.21.13 fake" in s.run(f"cd {s.quote(str(tree.deep))} && go version")
        assert warnings(s.cd(tree.missing))[0].startswith(f"{WARN}go 1.24 (set by ")
        s.cd(tree.b)
        assert s.env("GOROOT") == root_of("1.22.10")
        got = s.value('"${options[ksharrays]} ${options[shwordsplit]} ${options[nounset]}"')
        assert got == "on on on"  # the user's options are theirs again


def test_fish_cd_in_a_command_line(tree: Tree, tmp_path: Path) -> None:
    hook = write_hook("fish", tmp_path)
    with session("fish", shell_env(), tree.free) as s:
        s.load(hook)
        s.load(hook)
        assert "go version go1.21.13 fake" in s.run(f"cd {s.quote(str(tree.deep))}; and go version")
        assert "go version go1.22.10 fake" in s.run(f"cd {s.quote(str(tree.b))}; and go version")


def test_store_path_with_quotes_and_dollars(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOVER_HOME", str(tmp_path / "it's $HOME `x` ü" / "gover"))
    fake_store("1.22.10")
    proj = tmp_path / "p"
    proj.mkdir()
    (proj / ".go-version").write_text("1.22\n")
    env = shell_env()
    want = expected(str(proj), {"GOVER_HOME": env["GOVER_HOME"], "PATH": env["PATH"]})
    for shell in PARITY_SHELLS:
        lines, errs = run_script(shell, write_hook(shell, tmp_path), [str(proj)], env)
        assert (lines, errs.get(0, [])) == ([want.line], []), shell


def test_real_go_follows_cd_in_bash(
    real_home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The installed go1.21.13 and go1.22.10 themselves, and `gover which go` agrees."""
    monkeypatch.setenv("GOVER_HOME", str(real_home))
    (real_home / "global").unlink(missing_ok=True)
    old = tmp_path / "old one"
    new = tmp_path / "new ü" / "x" / "y"
    for d in (old, new):
        d.mkdir(parents=True)
    (old / ".go-version").write_text("1.21.13\n")
    (tmp_path / "new ü" / ".go-version").write_text("1.22.10\n")
    hook = write_hook("bash", tmp_path)
    env = {**shell_env(), "GOTELEMETRY": "off", "GOCACHE": str(tmp_path / "gocache")}
    with session("bash", env, tmp_path) as s:
        s.load(hook)
        s.cd(old)
        assert "go version go1.21.13 linux/amd64" in s.run("go version")
        s.cd(new)
        assert "go version go1.22.10 linux/amd64" in s.run("go version")
        assert s.value('"$(go env GOROOT) $(go env GOTOOLCHAIN)"') == (
            f"{real_home / 'versions' / '1.22.10'} local"
        )
        for d in (old, new, tmp_path):
            s.cd(d)
            which = run_gover("which", "go", cwd=d, env={"PATH": USER_PATH, "PWD": str(d)})
            assert s.value('"$(type -P go)"') == str(real_home / "shims" / "go"), d
            chosen = Path(which.out.strip())
            if which.code == 0 and chosen.is_relative_to(real_home):
                assert s.value('"$(go env GOROOT)"') == str(chosen.parent.parent), d


def test_pwsh_prompt_wrapper(tree: Tree, tmp_path: Path) -> None:
    """The wrapped prompt still prints the user's prompt, after the hook ran."""
    pwsh = need("pwsh")
    hook = write_hook("pwsh", tmp_path)
    script = tmp_path / "p.ps1"
    script.write_text(
        "function global:prompt { 'MINE> ' }\n"
        f". {pwsh_quote(str(hook))}\n. {pwsh_quote(str(hook))}\n"
        f"Set-Location -LiteralPath {pwsh_quote(str(tree.deep))}\n"
        "$global:LASTEXITCODE = 7\n"
        "$p = prompt\n"
        '[Console]::Out.WriteLine("$p|$env:GOROOT|$global:LASTEXITCODE")\n'
    )
    proc = subprocess.run(
        [pwsh, *ARGV["pwsh"], str(script)],
        env=shell_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == f"MINE> |{root_of('1.21.13')}|7"


@pytest.mark.parametrize("shell", INTERACTIVE_SHELLS)
def test_the_users_goroot_comes_back(shell: str, tree: Tree) -> None:
    env = {**shell_env(), "GOROOT": "/their/go root"}
    hook = write_hook(shell, tree.free.parent)
    with session(shell, env, tree.sys) as s:
        s.load(hook)
        s.cd(tree.a)
        assert s.env("GOROOT") == root_of("1.21.13")
        s.cd(tree.sys)
        assert s.env("GOROOT") == "/their/go root"
        s.cd(tree.a)
        s.run("set -gx GOROOT /changed" if shell == "fish" else "export GOROOT=/changed")
        assert s.env("GOROOT") == root_of("1.21.13")  # pinned here: gover's again
        s.cd(tree.sys)
        assert s.env("GOROOT") == "/changed"  # and the user's latest when leaving


def test_templates_are_packaged() -> None:
    """pyproject's package-data for gover._shims takes every template render_hook reads."""
    import fnmatch
    import tomllib

    data = tomllib.loads((REPO / "pyproject.toml").read_text())
    globs = data["tool"]["setuptools"]["package-data"]["gover._shims"]
    for name in ("resolve.sh", "hook.bash", "hook.zsh", "hook.fish", "hook.ps1"):
        assert (REPO / "shims" / name).is_file()
        assert any(fnmatch.fnmatch(name, g) for g in globs), name


def test_rendered_hooks_are_complete(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Every placeholder filled, even when the store's path looks like one."""
    monkeypatch.setenv("GOVER_HOME", str(tmp_path / "@DATA@ @CR@ 'x'"))
    for shell in SHELLS:
        text = hooks.render_hook(shell)
        assert not re.search(r"@(?!DATA@|CR@)[A-Z]+@", text), shell
        assert "@DATA@ @CR@" in text


def test_zsh_runs_once_after_a_bare_cd_and_twice_otherwise(tree: Tree) -> None:
    """chpwd runs the hook; the prompt after a command line that was only `cd DIR` does not
    run it again (nothing else ran), any other line does, so an edit after the cd counts."""
    hook = write_hook("zsh", tree.free.parent)
    with session("zsh", shell_env(), tree.free) as s:
        s.load(hook)
        # Count the hook's runs per command line: each line's preexec keeps the last count.
        s.run(
            "functions -c __gover_hook __gv_real; __gover_hook() { runs=$((runs+1)); __gv_real; }"
        )
        s.run("count() { last=${runs:-0}; runs=0; }; preexec_functions=(count $preexec_functions)")

        def runs(line: str) -> int:
            out = s.lines([line, "builtin printf 'V[%s]V\\n' \"$last\""])
            return int(re.findall(r"V\[(\d+)\]V\r\n", out)[-1])

        assert runs("cd ..") == 1
        assert runs("cd free") == 1
        assert runs(f"cd {s.quote(str(tree.a))}") == 2  # quotes: not provably bare
        assert runs("true") == 1
        assert runs("cd ../free; true") == 2
        assert runs("cd ../'proj a' && echo 1.22.10 >.go-version") == 2
        assert s.env("GOROOT") == root_of("1.22.10")  # the edit after the cd counted
        s.run("cd ../free")
        s.run("echo 1.21.13 >../sys/.go-version")
        assert runs("cd ../sys") == 1  # the edit was before the cd: chpwd's run saw it
        assert s.env("GOROOT") == root_of("1.21.13")


@pytest.mark.parametrize("shell", ("bash", "zsh"))
def test_case_insensitive_matching_and_xtrace_stay_out(shell: str, tree: Tree) -> None:
    """nocasematch would let `1.22RC1` through the grammar; xtrace would print the hook."""
    hook = write_hook(shell, tree.free.parent)
    upper = tree.free.parent / "upper"
    upper.mkdir()
    (upper / ".go-version").write_text("1.22RC1\n")
    opts = "shopt -s nocasematch; set -x" if shell == "bash" else "setopt nocasematch xtrace"
    with session(shell, shell_env(), tree.free) as s:
        s.load(hook)
        s.run(opts)
        out = s.cd(upper)
        assert warnings(out) == [
            f"{WARN}ignoring {upper / '.go-version'}: '1.22RC1' is not a Go version "
            "(use e.g. 1.22.10, 1.22, latest or system)"
        ]
        assert "_gv_resolve" not in out  # no trace of the hook's work (bash: its first line)
        assert s.env("GOROOT") == root_of("1.20.14")
