"""`gover tools`: programs in GOBIN built by real Go toolchains from a file:// GOPROXY, read
from their build info and checked against real `go version -m`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.support import gomodules
from tests.support.cli import run_gover
from tests.support.gomodules import World
from tests.support.mirror import Mirror, index_entry


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, real_home: Path) -> World:
    return gomodules.make_world(tmp_path_factory.mktemp("tools world"), real_home)


def _tools(env: dict[str, str], *args: str) -> tuple[int, dict, str]:
    r = run_gover("tools", "--json", *args, env=env)
    return r.code, json.loads(r.out), r.err


def test_lists_marks_and_agrees_with_go_version_m(world: World, tmp_path: Path) -> None:
    gobin = tmp_path / "bin"
    world.place(gobin, "hello121")
    world.place(gobin, "other122")
    world.place(gobin, "multi121")
    env = world.env(tmp_path / "gopath", gobin)
    code, doc, err = _tools(env)
    assert code == 0, err
    assert err == ""
    assert doc["gobin"] == str(gobin)
    assert doc["go"] == "1.22.10"
    assert doc["source"] == "set by GOVER_VERSION (gover shell)"
    # No cached index here: the newest installed (1.22.10) says 1.21 is still supported.
    assert doc["oldest_supported"] == "1.21"
    assert "newest installed version (1.22.10)" in doc["supported_from"]
    by_name = {t["name"]: t for t in doc["tools"]}
    assert list(by_name) == ["hello", "multitool", "other"]
    assert by_name["hello"]["marks"] == ["other-go"]
    assert by_name["multitool"]["marks"] == ["other-go"]
    assert by_name["other"]["marks"] == []
    go = gomodules.goroot("1.22.10")
    for name, t in by_name.items():
        want = gomodules.oracle(go, env, gobin / name)
        got = {k: t[k] for k in ("go", "package", "module", "version", "settings")}
        assert got == want, name
    assert by_name["hello"]["settings"]["-ldflags"] == "-X main.msg=patched"
    assert by_name["multitool"]["package"] == "example.com/Multi/cmd/multitool"
    assert by_name["multitool"]["module"] == "example.com/Multi"


def test_text_table(world: World, tmp_path: Path) -> None:
    gobin = tmp_path / "bin"
    world.place(gobin, "hello121")
    world.place(gobin, "other122")
    r = run_gover("tools", env=world.env(tmp_path / "gopath", gobin))
    assert r.code == 0, r.err
    assert r.out.splitlines() == [
        f"GOBIN {gobin}, selected go 1.22.10 (set by GOVER_VERSION (gover shell))",
        "NAME   GO         MODULE@VERSION            STATUS",
        "hello  go1.21.13  example.com/hello@v1.0.0  other-go",
        "other  go1.22.10  example.com/other@v1.2.0  ok",
    ]
    assert r.err_lines == [
        "supported: go 1.21 and newer (newest minor 1.22 from the newest installed version "
        "(1.22.10))",
        "rebuild with the selected Go: gover tools reinstall (1)",
    ]


def test_check_exits_4_only_when_marked(world: World, tmp_path: Path) -> None:
    gobin = tmp_path / "bin"
    world.place(gobin, "other122")
    env = world.env(tmp_path / "gopath", gobin)
    assert run_gover("tools", "--check", env=env).code == 0
    world.place(gobin, "hello121")
    r = run_gover("tools", "--check", env=env)
    assert r.code == 4, r.err
    assert run_gover("tools", env=env).code == 0  # without --check a listing never fails


def test_unsupported_go_from_installed_versions(world: World, tmp_path: Path) -> None:
    gobin = tmp_path / "bin"
    world.place(gobin, "hello119")
    code, doc, err = _tools(world.env(tmp_path / "gopath", gobin))
    assert code == 0, err
    (t,) = doc["tools"]
    assert t["go"] == "go1.19.8"
    assert t["marks"] == ["other-go", "unsupported-go"]


def test_unsupported_go_from_the_cached_index(world: World, tmp_path: Path, mirror: Mirror) -> None:
    """With a cached release index whose newest minor is 1.24, go1.21.13 is unsupported
    (1.23 and 1.24 are); the index is read from the cache, never fetched by `gover tools`."""
    mirror.write_index(
        [
            index_entry("1.24.2", []),
            index_entry("1.23.8", []),
            *json.loads((mirror.root / "index.json").read_text()),
        ]
    )
    gobin = tmp_path / "bin"
    env = world.env(tmp_path / "gopath", gobin)
    assert env["GOVER_INDEX_URL"] == mirror.index_url
    assert run_gover("list-remote", "--refresh", env=env).code == 0  # caches the index
    fetched = len(mirror.server.requests_for("/index.json"))
    world.place(gobin, "hello121")
    world.place(gobin, "other122")
    code, doc, err = _tools(env)
    assert code == 0, err
    assert doc["oldest_supported"] == "1.23"
    assert doc["supported_from"] == "newest minor 1.24 from the cached release index"
    marks = {t["name"]: t["marks"] for t in doc["tools"]}
    assert marks == {"hello": ["other-go", "unsupported-go"], "other": ["unsupported-go"]}
    assert len(mirror.server.requests_for("/index.json")) == fetched  # no network


def test_no_selected_go_still_lists(world: World, tmp_path: Path) -> None:
    gobin = tmp_path / "bin"
    world.place(gobin, "hello121")
    env = world.env(tmp_path / "gopath", gobin, GOVER_VERSION="1.99.1")
    code, doc, err = _tools(env)
    assert code == 0, err
    assert doc["go"] is None
    assert "not installed" in doc["source"]
    assert doc["tools"][0]["marks"] == []  # nothing to compare with


def test_missing_gobin_is_an_empty_listing(world: World, tmp_path: Path) -> None:
    r = run_gover("tools", env=world.env(tmp_path / "gopath", tmp_path / "nothing"))
    assert r.code == 0, r.err
    assert r.out.splitlines()[1:] == ["no programs here"]


def test_gobin_that_is_a_file(world: World, tmp_path: Path) -> None:
    gobin = tmp_path / "bin"
    gobin.write_text("x")
    r = run_gover("tools", env=world.env(tmp_path / "gopath", gobin))
    assert r.code == 1
    assert len(r.err_lines) == 1, r.err
    assert r.err_lines[0].startswith(f"gover: error: {gobin}: GOBIN is not a directory")


def _corrupt_modinfo(path: Path) -> None:
    """An unterminated quote in a build line (both copies: build info and runtime.modinfo):
    real go says "could not parse Go build info"."""
    data = path.read_bytes()
    assert data.count(b"\nbuild\t-compiler=gc\n") == 2
    path.write_bytes(data.replace(b"\nbuild\t-compiler=gc\n", b'\nbuild\t-compiler="c\n'))


def test_hostile_gobin(world: World, tmp_path: Path) -> None:
    """FIFOs, devices, dangling and looping symlinks, a huge sparse file, a truncated
    program and corrupt build info: one warning each, never a hang, and the real programs
    are still listed."""
    gobin = tmp_path / "bin"
    good = world.place(gobin, "other122")
    os.mkfifo(gobin / "fifo")
    os.chmod(gobin / "fifo", 0o755)
    (gobin / "dangling").symlink_to(tmp_path / "nowhere")
    (gobin / "loop").symlink_to("loop")
    (gobin / "zero").symlink_to("/dev/zero")
    (gobin / "subdir").mkdir()
    (gobin / "README").write_text("not a program\n")
    script = gobin / "script.sh"
    script.write_text("#!/bin/sh\necho hi\n")
    script.chmod(0o755)
    with open(gobin / "huge", "wb") as fh:  # 8 GiB, sparse: must not be read through
        fh.truncate(8 << 30)
    (gobin / "huge").chmod(0o755)
    trunc = gobin / "truncated"
    trunc.write_bytes(good.read_bytes()[:200_000])
    trunc.chmod(0o755)
    corrupt = world.place(gobin, "hello121", "corrupt")
    _corrupt_modinfo(corrupt)
    elsewhere = tmp_path / "elsewhere"
    linked = world.place(elsewhere, "hello121")
    (gobin / "link").symlink_to(linked)

    code, doc, err = _tools(world.env(tmp_path / "gopath", gobin))
    assert code == 0, err
    warned = [line for line in err.splitlines() if line.strip()]
    assert len(warned) == 6, "\n".join(warned)
    for name in ("fifo", "dangling", "loop", "zero", "truncated", "corrupt"):
        assert sum(str(gobin / name) in line for line in warned) == 1, (name, warned)
    assert all(line.startswith("gover: warning: ") for line in warned)
    by_name = {t["name"]: t for t in doc["tools"]}
    assert sorted(by_name) == ["corrupt", "huge", "link", "other", "script.sh", "truncated"]
    for name in ("corrupt", "huge", "script.sh", "truncated"):
        assert by_name[name]["marks"] == ["no-buildinfo"], name
        assert by_name[name]["error"]
    assert by_name["link"]["target"] == str(linked)
    assert by_name["link"]["go"] == "go1.21.13"
    assert by_name["link"]["marks"] == ["other-go"]
    assert by_name["other"]["marks"] == []
    assert doc["warnings"] == warned_without_prefix(warned)


def warned_without_prefix(lines: list[str]) -> list[str]:
    return [line.removeprefix("gover: warning: ") for line in lines]
