"""Per-version GOBIN (config gobin = "per-version") with real shims (native and sh), real Go
toolchains (1.21.13 and 1.22.10 from the signed test mirror) and a real file:// GOPROXY:
`go install` through the go shim lands in <data dir>/gobin/<version>, the tool's own shim
runs the selected version's build and names the fix when there is none; shared mode and a
GOBIN of the user's are left as go has them; bin_dir reads GOBIN and GOPATH as go does."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from gover import config, paths
from gover.tools import gobin
from tests.support import gomodules
from tests.support.cli import run_gover

KINDS = ("native", "sh")
TOOL = "example.com/hello"


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("goproxy")
    gomodules.add_tool(root, TOOL, "v1.0.0", "hello from v1")
    return root


@pytest.fixture
def store(real_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The module's store with both toolchains; each test starts with no gobin/ and no config."""
    monkeypatch.setenv("GOVER_HOME", str(real_home))

    def clean() -> None:
        for name in ("gobin", "config.toml", "global"):
            path = real_home / name
            if path.is_dir():
                paths_rm(path)
            else:
                path.unlink(missing_ok=True)

    clean()
    yield real_home
    clean()
    run_gover("rehash", env={"GOVER_SHIMS": "sh"})  # no tool shims left for the next test


def paths_rm(path: Path) -> None:
    from gover import fsutil

    fsutil.rmtree(path)


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("GOVER_SHIMS", request.param)
    return str(request.param)


def shim_env(store: Path, proxy: Path, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = gomodules.go_env(proxy, tmp_path / "gopath")
    env.pop("GOTOOLCHAIN", None)
    env["PATH"] = f"{store / 'shims'}:/usr/bin:/bin"
    env.update(extra)
    return env


def run_in(directory: Path, *cmd: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(cmd),
        cwd=directory,
        env=dict(env, PWD=str(directory)),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def pinned(tmp_path: Path, name: str, version: str) -> Path:
    d = tmp_path / name
    d.mkdir()
    (d / ".go-version").write_text(version + "\n")
    return d


def built_with(binary: Path) -> str:
    """`go version -m`'s first line: which Go built `binary` (the system go reads it)."""
    out = subprocess.run(
        ["/usr/lib/go-1.19/bin/go", "version", binary],
        capture_output=True,
        text=True,
        check=True,
        env=dict(os.environ, GOTOOLCHAIN="local"),
    )
    return out.stdout.split(": ", 1)[1].strip()


def assert_kind(shim: Path, kind: str) -> None:
    assert (shim.read_bytes()[:4] == b"\x7fELF") == (kind == "native"), kind


def test_per_version_gobin_tool_shims(store: Path, proxy: Path, tmp_path: Path, kind: str) -> None:
    r = run_gover("config", "set", "gobin", "per-version")
    assert r.code == 0, r.err
    assert run_gover("rehash").code == 0
    env = shim_env(store, proxy, tmp_path)
    old = pinned(tmp_path, "old", "1.21.13")
    new = pinned(tmp_path, "new", "1.22.10")

    assert run_in(old, "go", "env", "GOBIN", env=env).stdout == f"{store}/gobin/1.21.13\n"
    done = run_in(old, "go", "install", f"{TOOL}@v1.0.0", env=env)
    assert done.returncode == 0, done.stderr
    built = store / "gobin" / "1.21.13" / "hello"
    assert built_with(built) == "go1.21.13"
    assert not (tmp_path / "gopath" / "bin").exists()
    # The go shim wrote the tool's shim itself: it runs by name at once.
    assert_kind(store / "shims" / "hello", kind)
    ran = run_in(old, "hello", env=env)
    assert (ran.returncode, ran.stdout, ran.stderr) == (0, "hello from v1\n", "")

    missing = run_in(new, "hello", env=env)
    assert missing.returncode == 127
    assert missing.stdout == ""
    assert missing.stderr == (
        f"gover: hello is not installed for go 1.22.10 (set by {new}/.go-version); "
        f"it is installed for go 1.21.13; run: go install {TOOL}@v1.0.0\n"
    )
    # `gover exec` gives go the same GOBIN as the shim.
    r = run_gover("exec", "--", "go", "env", "GOBIN", cwd=new, env=env)
    assert r.out == f"{store}/gobin/1.22.10\n", r.err
    # The fix works: built again for 1.22.10, the shim runs that build there.
    again = run_in(new, "go", "install", f"{TOOL}@v1.0.0", env=env)
    assert again.returncode == 0, again.stderr
    assert built_with(store / "gobin" / "1.22.10" / "hello") == "go1.22.10"
    assert run_in(new, "hello", env=env).stdout == "hello from v1\n"

    # No version has it: its shim goes at the next rehash; the go shims stay.
    for v in ("1.21.13", "1.22.10"):
        (store / "gobin" / v / "hello").unlink()
    assert run_gover("rehash").code == 0
    assert not (store / "shims" / "hello").exists()
    assert (store / "shims" / "go").is_file()


def test_shared_mode_leaves_gopath_bin(store: Path, proxy: Path, tmp_path: Path, kind: str) -> None:
    assert run_gover("rehash").code == 0
    env = shim_env(store, proxy, tmp_path)
    old = pinned(tmp_path, "old", "1.21.13")
    assert run_in(old, "go", "env", "GOBIN", env=env).stdout == "\n"
    done = run_in(old, "go", "install", f"{TOOL}@v1.0.0", env=env)
    assert done.returncode == 0, done.stderr
    assert built_with(tmp_path / "gopath" / "bin" / "hello") == "go1.21.13"
    assert not (store / "gobin").exists()
    assert run_gover("rehash").code == 0
    assert not (store / "shims" / "hello").exists()


def test_a_user_gobin_wins(store: Path, proxy: Path, tmp_path: Path, kind: str) -> None:
    assert run_gover("config", "set", "gobin", "per-version").code == 0
    assert run_gover("rehash").code == 0
    old = pinned(tmp_path, "old", "1.21.13")
    mine = tmp_path / "my bin"
    env = shim_env(store, proxy, tmp_path, GOBIN=str(mine))
    done = run_in(old, "go", "install", f"{TOOL}@v1.0.0", env=env)
    assert done.returncode == 0, done.stderr
    assert built_with(mine / "hello") == "go1.21.13"
    assert not (store / "gobin").exists()
    # GOBIN set with `go env -w` (the go env file) wins too, for the shim and gover exec.
    goenv = tmp_path / "go.env"
    goenv.write_text(f"GOBIN={mine}\n")
    env = shim_env(store, proxy, tmp_path, GOENV=str(goenv))
    assert run_in(old, "go", "env", "GOBIN", env=env).stdout == f"{mine}\n"
    r = run_gover("exec", "--", "go", "env", "GOBIN", cwd=old, env=env)
    assert r.out == f"{mine}\n", r.err
    # An empty last GOBIN line in the file unsets it (go reads the last): per-version again.
    goenv.write_text(f"GOBIN={mine}\nGOBIN=\n")
    assert run_in(old, "go", "env", "GOBIN", env=env).stdout == f"{store}/gobin/1.21.13\n"


def test_rehash_keeps_a_users_file_named_like_a_tool(
    store: Path, tmp_path: Path, kind: str
) -> None:
    assert run_gover("config", "set", "gobin", "per-version").code == 0
    tool = store / "gobin" / "1.21.13" / "mytool"
    tool.parent.mkdir(parents=True)
    tool.write_text("#!/bin/sh\necho mine\n")
    tool.chmod(0o755)
    (store / "gobin" / "1.21.13" / "go").write_text("#!/bin/sh\n")  # the toolchain's name
    (store / "gobin" / "1.21.13" / "go").chmod(0o755)
    (store / "gobin" / "1.21.13" / "gover").write_text("#!/bin/sh\n")  # gover's own name
    (store / "gobin" / "1.21.13" / "gover").chmod(0o755)
    assert run_gover("rehash").code == 0
    assert (store / "shims" / "mytool").is_file()
    assert not (store / "shims" / "gover").exists()
    # A build info-less program: the fix offered is gover tools reinstall.
    d = pinned(tmp_path, "p22", "1.22.10")
    r = run_in(d, str(store / "shims" / "mytool"), env=dict(os.environ, PATH="/usr/bin:/bin"))
    assert r.stderr.endswith("; run: gover tools reinstall mytool\n"), r.stderr
    (store / "shims" / "mytool").unlink()
    user = store / "shims" / "mytool"
    user.write_text("#!/bin/sh\necho the user's\n")
    r = run_gover("rehash")
    assert r.code == 0, r.err
    assert user.read_text() == "#!/bin/sh\necho the user's\n"
    user.unlink()


def test_config_gobin_is_checked(store: Path) -> None:
    r = run_gover("config", "set", "gobin", "per_version")
    assert r.code != 0
    assert r.err == (
        "gover: error: value: gobin = 'per_version' is not a GOBIN mode; "
        "use one of shared, per-version\n"
    )
    assert not (store / "config.toml").exists()
    r = run_gover("config", "get", "gobin", env={"GOVER_GOBIN": "per-version"})
    assert (r.code, r.out.strip().strip('"')) == (0, "per-version")


def test_bin_dir_reads_gobin_and_gopath_as_go_does(tmp_path: Path) -> None:
    shared, per = config.Config(), config.Config(gobin="per-version")
    home = tmp_path / "h"
    base = {"HOME": str(home), "GOENV": "off"}
    assert gobin.bin_dir("1.22.10", shared, base) == home / "go" / "bin"
    assert gobin.bin_dir("1.22.10", per, base) == paths.gobin_dir("1.22.10")
    assert gobin.bin_dir(None, per, base) == home / "go" / "bin"  # the system go
    gp = {**base, "GOPATH": f"/a{os.pathsep}/b"}
    assert gobin.bin_dir("1.22.10", shared, gp) == Path("/a/bin")  # the first entry
    assert gobin.bin_dir("1.22.10", per, {**base, "GOBIN": "/mine"}) == Path("/mine")
    # The `go env -w` file: GOENV, else XDG_CONFIG_HOME/go/env, else HOME/.config/go/env.
    envfile = home / ".config" / "go" / "env"
    envfile.parent.mkdir(parents=True)
    envfile.write_text("GOPATH=/from/file\n# GOBIN=/not/this\n")
    byfile = {"HOME": str(home)}
    assert gobin.bin_dir("1.22.10", shared, byfile) == Path("/from/file/bin")
    envfile.write_text("GOBIN=/file/bin\n")
    assert gobin.bin_dir("1.22.10", per, byfile) == Path("/file/bin")
    assert gobin.bin_dir("1.22.10", per, {**byfile, "GOBIN": "/env"}) == Path("/env")
    assert not gobin.per_version(per, byfile)
    assert gobin.per_version(per, {**byfile, "GOENV": "off"})
