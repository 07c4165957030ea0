"""Shims and selection commands with real Go toolchains (1.21.13 and 1.22.10 installed from the
signed test mirror): the right go runs from nested directories, a stale GOROOT cannot break
a build, gofmt works, `system` is found or clearly missing, and the CLI agrees."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import REPO, run_gover

HELLO = 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hi") }\n'




@pytest.fixture
def store(real_home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    monkeypatch.setenv("GOVER_HOME", str(real_home))
    global_file = real_home / "global"
    global_file.unlink(missing_ok=True)
    yield real_home
    global_file.unlink(missing_ok=True)


def shim_env(home: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("GOROOT", None)
    env["PATH"] = f"{home / 'shims'}:/usr/bin:/bin"
    env["GOCACHE"] = str(Path(os.environ["HOME"]) / "gocache")
    env["GOPATH"] = str(Path(os.environ["HOME"]) / "gopath")
    env["GOPROXY"] = "off"
    env["GOFLAGS"] = "-mod=mod"
    env["CGO_ENABLED"] = "0"
    env.update(extra)
    return env


def run_in(
    directory: Path, *cmd: str, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    env = dict(env, PWD=str(directory))
    return subprocess.run(
        list(cmd), cwd=directory, env=env, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """proj/.go-version = 1.21.13; proj/newer/.go-version = 1.22 (a prefix)."""
    proj = tmp_path / "proj with space"
    (proj / "a" / "b" / "c").mkdir(parents=True)
    (proj / "newer" / "x" / "y").mkdir(parents=True)
    (proj / ".go-version").write_text("1.21.13\n")
    (proj / "newer" / ".go-version").write_text("1.22\n")
    return proj


def test_go_version_follows_nested_pins(store: Path, tree: Path) -> None:
    env = shim_env(store)
    deep = run_in(tree / "a" / "b" / "c", "go", "version", env=env)
    assert deep.returncode == 0, deep.stderr
    assert deep.stdout.startswith("go version go1.21.13 linux/amd64")
    newer = run_in(tree / "newer" / "x" / "y", "go", "version", env=env)
    assert newer.stdout.startswith("go version go1.22.10 linux/amd64"), newer.stderr
    r = run_gover("current", cwd=tree / "newer" / "x")
    assert r.out == f"1.22.10 (set by {tree / 'newer' / '.go-version'})\n"
    which = run_gover("which", "gofmt", cwd=tree / "a")
    assert which.out == f"{store / 'versions' / '1.21.13' / 'bin' / 'gofmt'}\n"


def test_stale_goroot_cannot_break_the_build(store: Path, tree: Path) -> None:
    proj = tree / "a"
    (proj / "go.mod").write_text("module example.com/a\n\ngo 1.21\n")
    (proj / "main.go").write_text(HELLO)
    stale = str(store / "versions" / "1.22.10")
    # Without gover the stale GOROOT breaks every compile: this is the failure we prevent.
    direct = run_in(
        proj,
        str(store / "versions" / "1.21.13" / "bin" / "go"),
        "build",
        "-o",
        "app",
        ".",
        env=shim_env(store, GOROOT=stale, GOTOOLCHAIN="local"),
    )
    assert direct.returncode != 0
    assert "does not match go tool version" in direct.stderr
    built = run_in(proj, "go", "build", "-o", "app", ".", env=shim_env(store, GOROOT=stale))
    assert built.returncode == 0, built.stderr
    info = run_in(proj, "go", "version", "-m", "app", env=shim_env(store, GOROOT=stale))
    assert info.stdout.startswith("app: go1.21.13\n"), info.stdout
    goroot = run_in(proj, "go", "env", "GOROOT", env=shim_env(store, GOROOT=stale))
    assert goroot.stdout.strip() == str(store / "versions" / "1.21.13")


def test_gofmt_through_its_shim(store: Path, tree: Path) -> None:
    (tree / "ugly.go").write_text("package main\nfunc  main( ) {\n}\n")
    r = run_in(tree, "gofmt", "-l", ".", env=shim_env(store))
    assert r.returncode == 0, r.stderr
    assert r.stdout == "ugly.go\n"
    assert (store / "shims" / "gofmt").is_file()


def test_gotoolchain_local_unless_user_chose(store: Path, tree: Path) -> None:
    env = shim_env(store)
    env.pop("GOTOOLCHAIN", None)
    assert run_in(tree, "go", "env", "GOTOOLCHAIN", env=env).stdout.strip() == "local"
    chosen = run_in(tree, "go", "env", "GOTOOLCHAIN", env=dict(env, GOTOOLCHAIN="go1.21.13"))
    assert chosen.stdout.strip() == "go1.21.13"


def test_gomod_go_line_is_a_minimum_and_toolchain_exact(store: Path, tmp_path: Path) -> None:
    mod = tmp_path / "mod"
    mod.mkdir()
    (mod / "go.mod").write_text("module m\n\ngo 1.21.5\n")
    env = shim_env(store)
    assert run_in(mod, "go", "version", env=env).stdout.startswith("go version go1.21.13 ")
    (mod / "go.mod").write_text("module m\n\ngo 1.22.1\n")
    assert run_in(mod, "go", "version", env=env).stdout.startswith("go version go1.22.10 ")
    (mod / "go.mod").write_text("module m\n\ngo 1.21\n\ntoolchain go1.22.10\n")
    assert run_in(mod, "go", "version", env=env).stdout.startswith("go version go1.22.10 ")
    (mod / "go.mod").write_text("module m\n\ngo 1.23.0\n")
    r = run_in(mod, "go", "version", env=env)
    assert r.returncode == 127
    assert r.stderr == (
        f"gover: go 1.23.0 or newer (from the go line in {mod / 'go.mod'}) is not installed; "
        "run: gover install 1.23\n"
    )


def test_not_installed_exit_127_with_hint(store: Path, tree: Path) -> None:
    (tree / ".go-version").write_text("1.22.3\n")
    r = run_in(tree / "a", "go", "version", env=shim_env(store))
    assert r.returncode == 127
    assert r.stdout == ""
    assert r.stderr == (
        f"gover: go 1.22.3 (set by {tree / '.go-version'}) is not installed; "
        "run: gover install 1.22.3\n"
    )
    cur = run_gover("current", cwd=tree / "a")
    assert cur.code == 1
    assert cur.err == (
        f"gover: error: go 1.22.3 (set by {tree / '.go-version'}) is not installed; "
        "run: gover install 1.22.3\n"
    )


def test_system_go_found_or_clearly_missing(store: Path, tmp_path: Path) -> None:
    sysdir = tmp_path / "usr local" / "bin"
    sysdir.mkdir(parents=True)
    (sysdir / "go").write_text("#!/bin/sh\necho system go \"$@\"\n")
    (sysdir / "go").chmod(0o755)
    plain = tmp_path / "plain"
    plain.mkdir()
    # The shims dir comes first (twice, once through a symlink): it must be skipped.
    link = tmp_path / "shims-link"
    link.symlink_to(store / "shims")
    path = f"{store / 'shims'}:{link}:{sysdir}:/usr/bin:/bin"
    r = run_in(plain, "go", "version", env=shim_env(store, PATH=path))
    assert r.stdout == "system go version\n", r.stderr
    cur = run_gover("current", cwd=plain, env={"PATH": path})
    assert cur.out == f"system ({sysdir / 'go'}) (no version file found; using the system go)\n"

    none = run_in(plain, "go", "version", env=shim_env(store, PATH=str(store / "shims")))
    assert none.returncode == 127
    assert none.stderr == (
        "gover: no system go found on PATH (no version file found; using the system go); "
        "run: gover install latest && gover global latest\n"
    )


def test_global_local_shell_env_exec(store: Path, tree: Path, tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    assert run_gover("global", "1.22", cwd=plain).code == 0
    assert run_gover("current", cwd=plain).out == f"1.22.10 (global default in {store / 'global'})\n"
    assert run_gover("global", cwd=plain).out == "1.22\n"

    bad = run_gover("local", "1.19.2", cwd=plain)
    assert bad.code == 1
    assert bad.err == (
        "gover: error: go 1.19.2 is not installed; run: gover install 1.19.2 "
        "(or pass --force to pin it anyway)\n"
    )
    assert not (plain / ".go-version").exists()
    assert run_gover("local", "1.19.2", "--force", cwd=plain).code == 0
    assert (plain / ".go-version").read_text() == "1.19.2\n"
    assert run_gover("local", "go1.21.13", cwd=plain).code == 0
    assert (plain / ".go-version").read_text() == "1.21.13\n"
    hostile = run_gover("local", "1.22;rm -rf ~", cwd=plain)
    assert hostile.code == 2
    assert (plain / ".go-version").read_text() == "1.21.13\n"

    line = run_gover("shell", "1.22.10", "--shell", "bash").out
    assert line == "export GOVER_VERSION=1.22.10\n"
    script = (
        f'{line}\ngo version\neval "$({sys.executable} -m gover shell --unset --shell bash)"\n'
        "go version\n"
    )
    r = run_in(plain, "sh", "-c", script, env=shim_env(store, PYTHONPATH=str(REPO)))
    lines = r.stdout.splitlines()
    assert lines[0].startswith("go version go1.22.10 "), r.stderr
    assert lines[1].startswith("go version go1.21.13 "), r.stderr

    exported = run_gover("env", "--shell", "sh", cwd=plain).out
    r = run_in(plain, "sh", "-c", exported + "\necho $GOROOT; go version", env=shim_env(store))
    assert r.stdout.splitlines()[0] == str(store / "versions" / "1.21.13")

    ex = run_gover("exec", "--version", "1.22", "--", "go", "env", "GOROOT", "GOTOOLCHAIN", cwd=plain)
    assert ex.code == 0, ex.err
    assert ex.out == f"{store / 'versions' / '1.22.10'}\nlocal\n"
    data = json.loads(run_gover("current", "--json", cwd=plain).out)
    assert data["version"] == "1.21.13" and data["origin"] == str(plain / ".go-version")
    assert run_gover("local", "--unset", cwd=plain).code == 0
    assert not (plain / ".go-version").exists()


def test_auto_install_from_the_shim(mirror: object, tmp_path: Path) -> None:
    home = Path(os.environ["GOVER_HOME"])
    assert run_gover("config", "set", "auto_install", "true").code == 0
    assert (home / "shims" / "go").is_file()
    proj = tmp_path / "p"
    proj.mkdir()
    (proj / ".go-version").write_text("1.21.13\n")
    env = shim_env(home, PYTHONPATH=str(REPO))
    r = run_in(proj, "go", "version", env=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("go version go1.21.13 linux/amd64")
    assert run_gover("list").out == "1.21.13\n"


def test_debian_system_go_is_used_for_system(store: Path, tmp_path: Path) -> None:
    """Debian's golang-go (installed by .ci/run) is a real non-gover go: `system` runs it."""
    debian = Path("/usr/lib/go-1.19/bin/go")
    assert debian.is_file(), "apt-get install golang-go (done by .ci/run)"
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / ".go-version").write_text("system\n")
    path = f"{store / 'shims'}:{debian.parent}"
    r = run_in(plain, "go", "version", env=shim_env(store, PATH=path))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("go version go1.19"), r.stdout
    cur = run_gover("current", cwd=plain, env={"PATH": path})
    assert cur.out == f"system ({debian}) (set by {plain / '.go-version'})\n"
