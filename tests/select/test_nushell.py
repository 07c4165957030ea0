"""`gover hook nu` / `gover init nu` with real nushell (from npm's `nushell` package).

The hook's choice (GOROOT, and what it records in $env.__gover.choice) must be what
`gover which go` says in every directory; hostile version files must leave the prompt
responsive (a subprocess timeout is the failure mode); PATH is never touched; and an
interactive nu set up by `gover init nu --write` runs the right go after `cd X; go version`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

from gover.select import hooks
from gover.select.shells import nu_quote, sh_quote
from tests.support.cli import REPO, run_gover
from tests.support.fakego import gover_home, install_fake, rehash
from tests.support.shells import native_nu


def _nu() -> str:
    found = native_nu()
    if found is None:
        pytest.fail("nu is not installed; .ci/run installs it (npm install -g nushell)")
    return found


NU = _nu()
USER_PATH = "/usr/bin:/bin"


def fake_store(*names: str) -> None:
    install_fake(*names)
    for name in names:
        go = gover_home() / "versions" / name / "bin" / "go"
        go.write_text(f'#!/bin/sh\necho "go version go{name} fake GOROOT=$GOROOT"\n')
    rehash()


def root_of(name: str) -> str:
    return str(gover_home() / "versions" / name)


def nu_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOVER_", "GO"))}
    env["GOVER_HOME"] = str(gover_home())
    env["PATH"] = f"{gover_home() / 'shims'}:{USER_PATH}"
    env.update(extra)
    return env


def hook_file(tmp_path: Path) -> Path:
    path = tmp_path / "hook.nu"
    path.write_text(hooks.render_hook("nu") + "\n", encoding="utf-8")
    return path


def run_nu(
    tmp_path: Path, body: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """`nu -n -c` with the hook sourced, then BODY (call __gover_hook where a prompt would)."""
    script = f"source {nu_quote(str(hook_file(tmp_path)))}\n{body}"
    proc = subprocess.run(
        [NU, "-n", "-c", script],
        env=nu_env() if env is None else env,
        cwd="/",
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return proc


def choices(tmp_path: Path, dirs: list[Path], env: dict[str, str] | None = None) -> list[str]:
    body = "".join(
        f"cd {nu_quote(str(d))}\n__gover_hook\n"
        "print $\"($env.GOROOT? | default '-')|($env.__gover.choice)\"\n"
        for d in dirs
    )
    return run_nu(tmp_path, body, env).stdout.splitlines()


def which_root(d: Path, env: dict[str, str]) -> str:
    r = run_gover("which", "go", cwd=d, env=env)
    return str(Path(r.out.strip()).parent.parent) if r.code == 0 else "-"


def expect(child: pexpect.spawn, pattern: str) -> None:
    """Wait for `pattern`, answering reedline's cursor-position queries as a terminal does."""
    while child.expect([r"\x1b\[6n", pattern]) == 0:
        child.send("\x1b[1;1R")


@pytest.fixture
def trees(tmp_path: Path) -> dict[str, Path]:
    fake_store("1.20.14", "1.21.13", "1.22.10")
    (gover_home() / "global").write_text("1.20.14\n")
    w = tmp_path / "work"
    t = {
        "r1": w / "r1 'q' $x",
        "deep": w / "r1 'q' $x" / "a" / "b" / "c",
        "tool": w / "tool",
        "mod": w / "mod",
        "toolchain": w / "tc",
        "free": w / "free",
    }
    for d in t.values():
        d.mkdir(parents=True, exist_ok=True)
    (t["r1"] / ".go-version").write_text("\ufeff# pinned\n\ngo1.21.13\r\n")
    (t["tool"] / ".tool-versions").write_text("nodejs 20\ngolang 1.22.10\n")
    (t["mod"] / "go.mod").write_text("module m\n\ngo 1.21\n")
    (t["toolchain"] / "go.mod").write_text("module m\ngo 1.20\ntoolchain go1.22.10\n")
    return t


def test_the_hook_chooses_what_gover_which_says(trees: dict[str, Path], tmp_path: Path) -> None:
    dirs = list(trees.values())
    got = choices(tmp_path, dirs)
    env = nu_env()
    assert [g.split("|")[0] for g in got] == [which_root(d, env) for d in dirs]
    assert got[0] == f"{root_of('1.21.13')}|{root_of('1.21.13')}"
    assert got[2].startswith(root_of("1.22.10"))  # .tool-versions
    assert got[3].startswith(root_of("1.21.13"))  # go 1.21 is a minimum: newest 1.21.x
    assert got[4].startswith(root_of("1.22.10"))  # toolchain line wins
    assert got[5].startswith(root_of("1.20.14"))  # the global


def test_gover_version_and_uninstalled_pins(trees: dict[str, Path], tmp_path: Path) -> None:
    env = nu_env(GOVER_VERSION="1.22.10")
    assert choices(tmp_path, [trees["r1"]], env)[0].startswith(root_of("1.22.10"))
    missing = tmp_path / "missing"
    missing.mkdir()
    (missing / ".go-version").write_text("1.24\n")
    body = f"cd {nu_quote(str(missing))}\n" + "__gover_hook\n" * 3 + "print $env.__gover.choice"
    proc = run_nu(tmp_path, body)
    assert proc.stdout.strip() == "not-installed:1.24"
    want = (
        f"gover: warning: go 1.24 (set by {missing}/.go-version) is not installed; "
        "run: gover install 1.24\n"
    )
    assert proc.stderr == want  # once per directory, not at every prompt


def test_hostile_version_files_leave_the_prompt_responsive(
    trees: dict[str, Path], tmp_path: Path
) -> None:
    bad = {name: tmp_path / "bad" / name for name in ("big", "nul", "zero", "fifo", "cut")}
    for d in bad.values():
        d.mkdir(parents=True)
    with open(bad["big"] / ".go-version", "wb") as f:
        f.write(b"1" * (10 << 20))  # one 10 MB line: no complete line within 1 KiB
    (bad["nul"] / ".go-version").write_bytes(b"\0" * (4 << 20))
    (bad["zero"] / ".go-version").symlink_to("/dev/zero")
    os.mkfifo(bad["fifo"] / ".go-version")
    # 1 KiB counts bytes: a first line inside it is read, the rest never is.
    (bad["cut"] / ".go-version").write_bytes(b"1.22.10\n" + "ü".encode() * 4000)
    dirs = list(bad.values())
    proc = run_nu(
        tmp_path,
        "".join(f"cd {nu_quote(str(d))}\n__gover_hook\nprint $env.GOROOT\n" for d in dirs),
        timeout=60,  # the failure mode of a stalled prompt
    )
    glob_root = root_of("1.20.14")
    assert proc.stdout.splitlines() == [glob_root] * 4 + [root_of("1.22.10")]
    assert f"ignoring {bad['zero']}/.go-version: not a regular file" in proc.stderr
    assert f"ignoring {bad['fifo']}/.go-version: not a regular file" in proc.stderr


def test_path_is_never_touched_and_goroot_comes_back(
    trees: dict[str, Path], tmp_path: Path
) -> None:
    a, b = nu_quote(str(trees["r1"])), nu_quote(str(trees["tool"]))
    body = (
        "$env.GOROOT = '/mine'\n"
        "let before = $env.PATH\n"
        f"for i in 1..500 {{ cd {a}; __gover_hook; cd {b}; __gover_hook }}\n"
        "print ($env.PATH == $before)\n"
        "print $env.GOROOT\n"
        "print $env.GOTOOLCHAIN\n"
        "cd /\n__gover_hook\n"
        "print $env.GOROOT\n"
        "print ($env.GOTOOLCHAIN? | default unset)\n"
    )
    out = run_nu(tmp_path, body).stdout.splitlines()
    assert out == ["true", root_of("1.22.10"), "local", root_of("1.20.14"), "local"]
    body2 = f"cd {a}\n__gover_hook\n$env.config.hooks.pre_prompt = []\ncd /tmp\n"
    body2 += "$env.GOVER_VERSION = 'system'\n__gover_hook\nprint ($env.GOROOT? | default unset)\n"
    body2 += "print ($env.GOTOOLCHAIN? | default unset)"
    assert run_nu(tmp_path, body2).stdout.splitlines() == ["unset", "unset"]


def test_gover_init_nu_prints_and_writes_the_block(tmp_path: Path) -> None:
    r = run_gover("init", "nu")
    assert r.code == 0, r.err
    assert "~/.config/nushell/autoload/gover.nu" in r.out
    assert "source (if ($__gover_hook_file | path exists)" in r.out


def test_interactive_nu_from_gover_init_write(trees: dict[str, Path], tmp_path: Path) -> None:
    home = Path(os.environ["HOME"])
    r = run_gover("init", "nu", "--write")
    assert r.code == 0, r.err
    autoload = home / ".config" / "nushell" / "autoload" / "gover.nu"
    assert autoload.is_file()
    assert (gover_home() / "hooks" / "hook.nu").is_file()  # rendered by rehash
    env = nu_env(HOME=str(home), PATH=USER_PATH, PYTHONPATH=str(REPO))
    env.pop("XDG_CONFIG_HOME", None)
    gover = "^" + nu_quote(sys.executable) + " -m gover"
    cfg = tmp_path / "config.nu"
    cfg.write_text(
        "$env.PROMPT_COMMAND = {|| 'P> ' }\n$env.PROMPT_INDICATOR = ''\n"
        "$env.PROMPT_COMMAND_RIGHT = ''\n$env.config.show_banner = false\n"
    )
    child = pexpect.spawn(
        NU,
        ["--config", str(cfg)],
        env=env,
        cwd=str(trees["free"]),
        encoding="utf-8",
        timeout=60,
        dimensions=(40, 400),
    )
    try:
        expect(child, "P> ")
        child.sendline(f"cd {nu_quote(str(trees['tool']))}; go version")
        expect(child, r"go version go(\S+) fake")
        assert child.match.group(1) == "1.22.10"
        expect(child, "P> ")
        child.sendline("print ('R' + '=' + $env.GOROOT + '=')")
        expect(child, r"R=(/[^=\r\n\x1b]+)=")
        assert child.match.group(1) == root_of("1.22.10")
        expect(child, "P> ")
        child.sendline("print ('P' + '=' + ($env.PATH | first) + '=')")
        expect(child, r"P=(/[^=\r\n\x1b]+)=")
        assert child.match.group(1) == str(gover_home() / "shims")
        # The rest of the table, typed at nu's prompt: a block that cds, a child sh
        # that cds, and go right after `gover global` / `gover local`, with no prompt between.
        for line, want in (
            (f"do {{ cd {nu_quote(str(trees['r1']))}; go version }}", "1.21.13"),
            (f"^sh -c {nu_quote('cd ' + sh_quote(str(trees['tool'])) + ' && go version')}", "1.22.10"),
            # free pins nothing: the global (1.20.14 until now) decides there.
            (f"cd {nu_quote(str(trees['free']))}; {gover} global 1.22.10; go version", "1.22.10"),
            (f"{gover} local 1.21.13; go version", "1.21.13"),
        ):
            expect(child, "P> ")
            child.sendline(line)
            expect(child, r"go version go(\S+) fake")
            assert child.match.group(1) == want, line
    finally:
        child.close(force=True)
    # Without the rendered hook (gover uninstalled) the block does nothing and says nothing.
    (gover_home() / "hooks" / "hook.nu").unlink()
    proc = subprocess.run(
        [NU, "--config", str(cfg), "-c", f"source {nu_quote(str(autoload))}; print ok"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "ok\n", "")
