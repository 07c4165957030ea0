"""`gover tools reinstall`: programs built by go1.21.13 rebuilt by the selected go1.22.10
from a file:// GOPROXY, keeping the recorded flags; real go as the oracle."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support import gomodules
from tests.support.cli import run_gover
from tests.support.gomodules import World


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, real_home: Path) -> World:
    return gomodules.make_world(tmp_path_factory.mktemp("reinstall world"), real_home)


def _run(path: Path) -> str:
    return subprocess.run([str(path)], capture_output=True, text=True, check=True).stdout


def test_rebuilds_the_marked_ones_keeping_flags(world: World, tmp_path: Path) -> None:
    gobin = tmp_path / "bin"
    hello = world.place(gobin, "hello121")
    multi = world.place(gobin, "multi121")
    other = world.place(gobin, "other122")
    untouched = other.stat()
    env = world.env(tmp_path / "gopath", gobin)
    r = run_gover("tools", "reinstall", env=env)
    assert r.code == 0, r.err
    lines = r.out.splitlines()
    assert [line.split(":")[:2] for line in lines] == [
        ["hello", " reinstalled"],
        ["multitool", " reinstalled"],
    ]
    assert lines[0].startswith("hello: reinstalled: go1.21.13 -> go1.22.10 (")
    assert "-tags=foo,bar" in lines[0] and "'-ldflags=-X main.msg=patched'" in lines[0]
    assert r.err_lines == ["2 reinstalled"]
    go = gomodules.goroot("1.22.10")
    got = gomodules.oracle(go, env, hello)
    assert got["go"] == "go1.22.10"
    assert got["settings"]["-tags"] == "foo,bar"  # type: ignore[index]
    assert got["settings"]["-ldflags"] == "-X main.msg=patched"  # type: ignore[index]
    assert _run(hello) == "patched\n"  # -X main.msg survived the rebuild
    m = gomodules.oracle(go, env, multi)
    assert m["go"] == "go1.22.10"
    assert m["settings"]["-trimpath"] == "true"  # type: ignore[index]
    assert m["package"] == "example.com/Multi/cmd/multitool"
    assert _run(multi) == "multi\n"
    after = other.stat()
    assert (after.st_ino, after.st_mtime_ns) == (untouched.st_ino, untouched.st_mtime_ns)
    assert sorted(p.name for p in gobin.iterdir()) == ["hello", "multitool", "other"]
    # Now nothing is marked.
    doc = json.loads(run_gover("tools", "--json", env=env).out)
    assert [t["marks"] for t in doc["tools"]] == [[], [], []]
    r = run_gover("tools", "reinstall", env=env)
    assert (r.code, r.out) == (
        0,
        "nothing to reinstall: every program was built with the selected Go\n",
    )


def test_named_renamed_and_symlinked(world: World, tmp_path: Path) -> None:
    """A program renamed in GOBIN keeps its name (go would write `hello`); a symlink in
    GOBIN is replaced by the rebuilt program and its target is left alone; NAME picks."""
    gobin = tmp_path / "bin"
    renamed = world.place(gobin, "hello121", "hi")
    target = world.place(tmp_path / "elsewhere", "hello121")
    before = target.read_bytes()
    (gobin / "link").symlink_to(target)
    world.place(gobin, "multi121")
    env = world.env(tmp_path / "gopath", gobin)
    r = run_gover("tools", "reinstall", "hi", "link", env=env)
    assert r.code == 0, r.err
    assert [line.split(":")[0] for line in r.out.splitlines()] == ["hi", "link"]
    assert sorted(p.name for p in gobin.iterdir()) == ["hi", "link", "multitool"]
    go = gomodules.goroot("1.22.10")
    assert gomodules.oracle(go, env, renamed)["go"] == "go1.22.10"
    assert not (gobin / "link").is_symlink()
    assert gomodules.oracle(go, env, gobin / "link")["go"] == "go1.22.10"
    assert target.read_bytes() == before
    assert gomodules.oracle(go, env, gobin / "multitool")["go"] == "go1.21.13"  # not named


def test_unknown_name_is_a_usage_error(world: World, tmp_path: Path) -> None:
    gobin = tmp_path / "bin"
    world.place(gobin, "hello121")
    r = run_gover("tools", "reinstall", "nope", env=world.env(tmp_path / "gopath", gobin))
    assert r.code == 2
    assert r.err_lines == [f"gover: error: nope: no such program in {gobin}; see: gover tools"]


def test_devel_build_is_refused(world: World, tmp_path: Path) -> None:
    gobin = tmp_path / "bin"
    dev = world.place(gobin, "devel121")
    before = dev.read_bytes()
    r = run_gover("tools", "reinstall", "devtool", env=world.env(tmp_path / "gopath", gobin))
    assert r.code == 1
    assert r.out.splitlines() == [
        "devtool: skipped: built from a checkout of example.com/devtool ((devel)), not a "
        "published version: rebuild it from that checkout"
    ]
    assert r.err_lines[-1].startswith("gover: error: devtool: built from a checkout")
    assert dev.read_bytes() == before


def test_a_failing_build_does_not_stop_the_others(world: World, tmp_path: Path) -> None:
    """other@v1.2.0 vanished from the proxy (and a fresh GOPATH has no copy): go's last
    stderr line for it, the old program kept, hello still rebuilt, exit 1."""
    proxy = tmp_path / "proxy"
    shutil.copytree(world.proxy, proxy)
    shutil.rmtree(proxy / "example.com" / "other")
    gobin = tmp_path / "bin"
    hello = world.place(gobin, "hello121")
    other = world.place(gobin, "other122", "zother")
    before = other.read_bytes()
    env = world.env(tmp_path / "gopath", gobin)
    env["GOPROXY"] = proxy.as_uri()
    r = run_gover("tools", "reinstall", "--all", env=env)
    assert r.code == 1, r.err
    lines = r.out.splitlines()
    assert lines[0].startswith("hello: reinstalled: go1.21.13 -> go1.22.10")
    assert lines[1].startswith("zother: failed: ")
    assert "example.com/other@v1.2.0" in lines[1] and "no such file or directory" in lines[1]
    assert len(lines) == 2
    assert r.err_lines[-1].startswith("gover: error: zother: ")
    assert other.read_bytes() == before
    assert gomodules.oracle(gomodules.goroot("1.22.10"), env, hello)["go"] == "go1.22.10"
    assert sorted(p.name for p in gobin.iterdir()) == ["hello", "zother"]  # no staging left


def test_dry_run_and_json(world: World, tmp_path: Path) -> None:
    gobin = tmp_path / "bin"
    hello = world.place(gobin, "hello121")
    world.place(gobin, "devel121")
    before = hello.read_bytes()
    env = world.env(tmp_path / "gopath", gobin)
    r = run_gover("tools", "reinstall", "--all", "--dry-run", "--json", env=env)
    assert r.code == 1  # the devel build cannot be rebuilt
    doc = json.loads(r.out)
    assert doc["dry_run"] is True
    assert doc["go"] == "1.22.10"
    by_name = {t["name"]: t for t in doc["tools"]}
    assert by_name["devtool"]["status"] == "skipped"
    h = by_name["hello"]
    assert h["status"] == "would-reinstall"
    assert h["command"] == [
        "install",
        "-ldflags=-X main.msg=patched",
        "-tags=foo,bar",
        "example.com/hello@v1.0.0",
    ]
    assert h["env"] == {"CGO_ENABLED": "0", "GOARCH": "amd64", "GOOS": "linux", "GOAMD64": "v1"}
    assert h["go_before"] == "go1.21.13" and h["go_after"] is None
    assert hello.read_bytes() == before
    r = run_gover("tools", "reinstall", "hello", "--dry-run", env=env)
    assert r.code == 0, r.err
    assert r.out == (
        "hello: would-reinstall: CGO_ENABLED=0 GOARCH=amd64 GOOS=linux GOAMD64=v1 go install "
        "'-ldflags=-X main.msg=patched' -tags=foo,bar example.com/hello@v1.0.0\n"
    )
    assert hello.read_bytes() == before
