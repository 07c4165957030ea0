"""Issue 10, item 5: a GOTOOLCHAIN the user set that lets go switch toolchains itself (auto,
path, NAME+auto, NAME+path) is respected. When the pin is not installed, the shim runs the
newest installed Go (else the system go) with GOTOOLCHAIN unchanged, and go switches as
go.mod asks; unset (gover then sets local), local or a bare goX.Y.Z keeps the 127 message.
The shim's dry run, `gover current`/`which`, and the bash/zsh/fish hooks all agree."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gover.errors import NotInstalledError
from gover.select import resolve
from tests.support.cli import run_gover
from tests.support.fakego import (
    default_path,
    environ,
    goroot,
    gover_home,
    install_fake,
    rehash,
    run_shim,
    sh_shims,
)
from tests.support.parity import SENTINEL, Scenario, _python, _spell, built, scenarios
from tests.support.shells import run_script, write_hook

SWITCHING = ("auto", "path", "local+auto", "local+path", "go1.22.10+auto", "go1.21.0+path", "+auto")
NOT_SWITCHING = (
    None,
    "",
    "local",
    "go1.22.10",
    "go1.23.4",
    "autox",
    "auto+local",
    "AUTO",
    "pathauto",
)
HOOK_SHELLS = ("bash", "zsh", "fish")


def dotgo_source(pin_file: Path, value: str, lead: str = "newest installed") -> str:
    return (
        f"{lead}; go 1.23.4 (set by {pin_file}) is not installed, and "
        f"GOTOOLCHAIN={value} switches only as go.mod or go.work asks"
    )


def missing_message(pin_file: Path) -> str:
    return f"gover: go 1.23.4 (set by {pin_file}) is not installed; run: gover install 1.23.4\n"


# ---- with the real toolchains (1.21.13 and 1.22.10 installed) ---------------------------------


@pytest.fixture
def store(real_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("GOVER_HOME", str(real_home))
    (real_home / "global").unlink(missing_ok=True)
    yield real_home
    (real_home / "global").unlink(missing_ok=True)


def real_env(home: Path, gotoolchain: str | None, **extra: str) -> dict[str, str]:
    """The shims first, GOPROXY=off (go cannot download a toolchain), GOTOOLCHAIN as given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GO") or k == "GOVER_HOME"}
    env["PATH"] = f"{home / 'shims'}:/usr/bin:/bin"
    env["GOCACHE"] = str(Path(os.environ["HOME"]) / "gocache")
    env["GOPATH"] = str(Path(os.environ["HOME"]) / "gopath")
    env["GOPROXY"] = "off"
    env["GOFLAGS"] = "-mod=mod"
    if gotoolchain is not None:
        env["GOTOOLCHAIN"] = gotoolchain
    env.update(extra)
    return env


def go(directory: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["go", *args],
        cwd=directory,
        env=dict(env, PWD=str(directory)),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def pinned(tmp_path: Path) -> Path:
    """A project whose .go-version pins 1.23.4 (not installed), entered two levels below."""
    proj = tmp_path / "proj with space"
    (proj / "a" / "b").mkdir(parents=True)
    (proj / ".go-version").write_text("1.23.4\n")
    return proj


def test_auto_runs_the_newest_installed_go(store: Path, pinned: Path) -> None:
    env = real_env(store, "auto")
    here = pinned / "a" / "b"
    r = go(here, "env", "GOROOT", "GOTOOLCHAIN", env=env)
    assert (r.returncode, r.stdout, r.stderr) == (
        0,
        f"{store / 'versions' / '1.22.10'}\nauto\n",
        "",
    )
    # No go.mod: go has nothing to switch to, so the newest installed Go is what runs.
    r = go(here, "version", env=env)
    assert (r.returncode, r.stdout, r.stderr) == (0, "go version go1.22.10 linux/amd64\n", "")


@pytest.mark.parametrize("gotoolchain", [None, "local", "go1.21.13"])
def test_without_auto_the_127_message_stays(
    store: Path, pinned: Path, gotoolchain: str | None
) -> None:
    r = go(pinned / "a", "version", env=real_env(store, gotoolchain))
    assert (r.returncode, r.stdout, r.stderr) == (127, "", missing_message(pinned / ".go-version"))


def test_auto_lets_real_go_switch_as_go_mod_asks(store: Path, tmp_path: Path) -> None:
    """go.mod asks for go 1.23.4, which is not installed: the shim runs 1.22.10, and real go
    tries to switch (GOPROXY=off: its own download error, no gover message)."""
    mod = tmp_path / "mod"
    mod.mkdir()
    (mod / "go.mod").write_text("module example.com/m\n\ngo 1.23.4\n")
    r = go(mod, "version", env=real_env(store, "auto"))
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == (
        "go: downloading go1.23.4 (linux/amd64)\n"
        "go: download go1.23.4 for linux/amd64: toolchain not available\n"
    )
    local = go(mod, "version", env=real_env(store, None))
    assert (local.returncode, local.stderr) == (
        127,
        f"gover: go 1.23.4 or newer (from the go line in {mod / 'go.mod'}) is not installed; "
        "run: gover install 1.23\n",
    )


@pytest.mark.parametrize("gotoolchain", ["auto", "path", "local+path", "go1.22.10+auto"])
def test_real_go_switches_to_a_go1_23_4_on_path(
    store: Path, tmp_path: Path, gotoolchain: str
) -> None:
    """A `go1.23.4` on PATH (behind the shims): the go that the shim runs finds and execs it,
    as Go's toolchain docs describe; that is go switching, not gover."""
    mod = tmp_path / "mod"
    mod.mkdir()
    (mod / "go.mod").write_text("module example.com/m\n\ngo 1.23.4\n")
    other = tmp_path / "other bin"
    other.mkdir()
    (other / "go1.23.4").write_text(
        '#!/bin/sh\necho "go1.23.4 here: $* GOTOOLCHAIN=$GOTOOLCHAIN"\n'
    )
    (other / "go1.23.4").chmod(0o755)
    env = real_env(store, gotoolchain)
    env["PATH"] += f":{other}"
    r = go(mod, "version", env=env)
    assert (r.returncode, r.stdout, r.stderr) == (
        0,
        f"go1.23.4 here: version GOTOOLCHAIN={gotoolchain}\n",
        "",
    )


def test_dry_run_current_which_and_hooks_agree(store: Path, pinned: Path, tmp_path: Path) -> None:
    root = store / "versions" / "1.22.10"
    mod = tmp_path / "mod"
    mod.mkdir()
    (mod / "go.mod").write_text("module example.com/m\n\ngo 1.23.4\n")
    cases = [
        (pinned / "a", dotgo_source(pinned / ".go-version", "auto")),
        (
            mod,
            f"newest installed; GOTOOLCHAIN=auto lets go switch to 1.23.4 (from the go line in {mod / 'go.mod'})",
        ),
    ]
    env = real_env(store, "auto")
    for here, source in cases:
        dry = run_shim(here, env=env, path=env["PATH"])
        assert (dry.returncode, dry.stdout, dry.stderr) == (0, f"{root}\n", "")
        cur = run_gover("current", cwd=here, env={"GOTOOLCHAIN": "auto"})
        assert (cur.code, cur.out, cur.err) == (0, f"1.22.10 ({source})\n", "")
        which = run_gover("which", "gofmt", cwd=here, env={"GOTOOLCHAIN": "auto"})
        assert (which.code, which.out) == (0, f"{root / 'bin' / 'gofmt'}\n")
    dirs = [str(here) for here, _ in cases]
    for shell in HOOK_SHELLS:
        hook = write_hook(shell, tmp_path)
        out, err = run_script(shell, hook, dirs, env)
        # PATH as it was: the shims, first on it, choose every go call (the hook informs).
        assert out == [f"{root}|{root}|{env['PATH']}|auto"] * 2, shell
        assert err == {0: [], 1: []}, shell
        # Without GOTOOLCHAIN: the warning, nothing put on PATH, as before.
        plain = real_env(store, None)
        out, err = run_script(shell, hook, dirs[:1], plain)
        assert out == [f"not-installed:1.23.4|<unset>|{plain['PATH']}|<unset>"], shell
        assert err[0] == [
            f"gover: warning: go 1.23.4 (set by {pinned / '.go-version'}) is not installed; "
            "run: gover install 1.23.4"
        ], shell


def test_gover_exec_matches_the_shim(store: Path, pinned: Path) -> None:
    """`gover exec` (what the Windows .cmd shim runs) makes the same choice."""
    r = run_gover(
        "exec", "--", "go", "env", "GOROOT", "GOTOOLCHAIN", cwd=pinned, env={"GOTOOLCHAIN": "auto"}
    )
    assert (r.code, r.out) == (0, f"{store / 'versions' / '1.22.10'}\nauto\n"), r.err


# ---- fake toolchains: which values count, and what stands in ---------------------------------


@pytest.fixture
def fake(tmp_path: Path) -> Path:
    install_fake("1.21.13", "1.22.10", "1.24rc1")
    rehash()
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / ".go-version").write_text("1.23.4\n")
    return proj


def python_choice(here: Path, env: dict[str, str | None]) -> str:
    with environ(env), contextlib.redirect_stderr(io.StringIO()):
        return _python(here)[0]


@pytest.mark.parametrize("gotoolchain", SWITCHING + NOT_SWITCHING)
@pytest.mark.parametrize("sh", ["native", "/usr/bin/dash", "/usr/bin/bash"])
def test_which_values_let_go_switch(
    fake: Path, gotoolchain: str | None, sh: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The native shim, and the sh shim under dash and under bash."""
    prefix = sh_shims(sh, monkeypatch)
    want = goroot("1.22.10") if gotoolchain in SWITCHING else "not-installed:1.23.4"
    env = {"GOTOOLCHAIN": gotoolchain}
    r = run_shim(fake, env=env, prefix=prefix)
    assert (r.returncode, r.stdout, r.stderr) == (0, want + "\n", "")
    assert python_choice(fake, env) == want
    real = run_shim(fake, env=env, prefix=prefix, dryrun=False)
    if gotoolchain in SWITCHING:
        # GOTOOLCHAIN goes to the toolchain unchanged, with its GOROOT.
        assert (real.returncode, real.stdout) == (0, "fake go 1.22.10\n")
    else:
        assert (real.returncode, real.stderr) == (127, missing_message(fake / ".go-version"))


def test_fish_hook_classifies_the_same(fake: Path, tmp_path: Path) -> None:
    hook = write_hook("fish", tmp_path)
    base = {"HOME": os.environ["HOME"], "GOVER_HOME": str(gover_home()), "PATH": "/usr/bin:/bin"}
    for value in SWITCHING + tuple(v for v in NOT_SWITCHING if v is not None):
        out, _ = run_script("fish", hook, [str(fake)], dict(base, GOTOOLCHAIN=value))
        want = goroot("1.22.10") if value in SWITCHING else "not-installed:1.23.4"
        assert out[0].split("|")[0] == want, value


def test_no_stable_release_falls_back_to_the_system_go(tmp_path: Path) -> None:
    """Only a pre-release installed: not "newest installed" (that is a stable release); the
    system go, if there is one, else the 127 message."""
    install_fake("1.24rc1")
    rehash()
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / ".go-version").write_text("1.23.4\n")
    sysbin = tmp_path / "sys bin"
    sysbin.mkdir()
    (sysbin / "go").write_text('#!/bin/sh\necho "system go GOTOOLCHAIN=$GOTOOLCHAIN"\n')
    (sysbin / "go").chmod(0o755)
    path = f"{gover_home() / 'shims'}:{sysbin}"
    env = {"GOTOOLCHAIN": "auto", "PATH": path}
    r = run_shim(proj, env=env, path=path)
    assert r.stdout == f"system:{sysbin / 'go'}\n"
    assert python_choice(proj, env) == f"system:{sysbin / 'go'}"
    ran = run_shim(proj, env=env, path=path, dryrun=False)
    assert (ran.returncode, ran.stdout) == (0, "system go GOTOOLCHAIN=auto\n")
    cur = run_gover("current", cwd=proj, env=env)
    source = dotgo_source(proj / ".go-version", "auto", lead="system go")
    assert cur.out == f"system ({sysbin / 'go'}) ({source})\n"
    # No system go either: the message, as without GOTOOLCHAIN.
    alone = str(gover_home() / "shims")
    r = run_shim(proj, env={"GOTOOLCHAIN": "auto"}, path=alone, dryrun=False)
    assert (r.returncode, r.stderr) == (127, missing_message(proj / ".go-version"))


def test_system_pin_without_a_system_go_is_not_stood_in_for(fake: Path) -> None:
    """`system` asked for and missing is not "not installed": auto changes nothing there."""
    (fake / ".go-version").write_text("system\n")
    r = run_shim(fake, env={"GOTOOLCHAIN": "auto"})
    assert r.stdout == "no-system-go\n"
    with (
        environ({"GOTOOLCHAIN": "auto", "PATH": default_path()}),
        pytest.raises(NotInstalledError, match="no system go found"),
    ):
        resolve.select(fake)


# ---- the property test of test_shim_parity.py, with GOTOOLCHAIN drawn too ---------------------


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(scenarios(), st.sampled_from(SWITCHING + NOT_SWITCHING))
def test_shim_and_python_agree_with_gotoolchain(s: Scenario, gotoolchain: str | None) -> None:
    with built(s) as (tree, env):
        if gotoolchain is not None:
            env["GOTOOLCHAIN"] = gotoolchain
        shim = Path(env["GOVER_HOME"]) / "shims" / "go"
        for rel in s.dirs:
            d = tree.joinpath(*rel)
            pwd = _spell(d, s.pwd_style)
            sh_env = {**env, "PWD": pwd, "HOME": os.environ["HOME"], "GOVER_SHIM_DRYRUN": "1"}
            sh = subprocess.run(
                [str(shim)],
                cwd=d,
                env=sh_env,
                capture_output=True,
                text=True,
                timeout=20,
                check=False,
            )
            err = io.StringIO()
            with environ({**env, "GOTOOLCHAIN": gotoolchain}), contextlib.redirect_stderr(err):
                py_out, _ = _python(Path(pwd))
            assert sh.stdout.strip() == py_out, pwd
            assert sh.stderr.splitlines() == err.getvalue().splitlines(), pwd
        assert not os.path.exists(SENTINEL)
