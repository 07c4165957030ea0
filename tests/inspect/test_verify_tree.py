"""gover verify --tree: a Go tree against the checksum database's record of its toolchain
module (a test database over HTTP on 127.0.0.1); when it differs, the files that differ,
named by comparing with the module zip from the file:// GOPROXY."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

from tests.support.adopttrees import (
    World,
    adopt_world,
    closed_port_url,
    modcache_tree,
    replace_file,
    sdk_tree,
)
from tests.support.cli import run_gover

__all__ = ["adopt_world"]  # the session fixture


def test_clean_tree_is_the_official_release(adopt_world: World, isolated_env: Path) -> None:
    tree = sdk_tree(adopt_world, isolated_env)
    r = run_gover("verify", "--tree", str(tree), env=adopt_world.env())
    assert r.code == 0, r.err
    h1 = adopt_world.zips["1.22.10"].h1
    [line] = r.out.splitlines()
    assert line.startswith(
        f"{tree}: the official go1.22.10 (golang.org/toolchain@v0.0.1-go1.22.10.linux-amd64 "
        f"{h1}, sumdb {adopt_world.db.name} {h1} (record "
    )


def test_module_cache_tree_is_the_official_release(
    adopt_world: World, isolated_env: Path
) -> None:
    tree = modcache_tree(adopt_world, isolated_env)
    r = run_gover("verify", "--tree", "--json", str(tree), env=adopt_world.env())
    assert r.code == 0, r.err
    assert json.loads(r.out)["official"] is True


def test_changed_missing_and_extra_files_are_named(
    adopt_world: World, isolated_env: Path
) -> None:
    tree = sdk_tree(adopt_world, isolated_env)
    replace_file(tree / "src/fmt/print.go", b"package fmt\n")
    (tree / "src/fmt/doc.go").unlink()
    (tree / "src/fmt/extra.go").write_text("package fmt\n")
    (tree / "src/go.mod").unlink()  # shown by its GOROOT name, not the zip's _go.mod
    r = run_gover("verify", "--tree", str(tree), env=adopt_world.env())
    assert r.code == 4, r.err
    h1 = adopt_world.zips["1.22.10"].h1
    lines = r.out.splitlines()
    assert lines[0].startswith(f"{tree}: differs from the official go1.22.10: its dirhash is h1:")
    assert lines[0].endswith(
        f", the checksum database has {h1} for golang.org/toolchain@v0.0.1-go1.22.10.linux-amd64"
    )
    assert lines[1:] == [
        "changed: src/fmt/print.go",
        "missing: src/fmt/doc.go",
        "missing: src/go.mod",
        "extra: src/fmt/extra.go",
    ]
    zip_url = (
        f"{adopt_world.proxy.as_uri()}/golang.org/toolchain/@v/v0.0.1-go1.22.10.linux-amd64.zip"
    )
    assert r.err_lines == [f"files compared with {zip_url} (its dirhash is the database's)"]


def test_a_zip_the_database_does_not_vouch_for_is_not_the_reference(
    adopt_world: World, isolated_env: Path, tmp_path: Path
) -> None:
    """A proxy serving another zip under the name cannot make gover name the wrong files."""
    tree = sdk_tree(adopt_world, isolated_env)
    replace_file(tree / "src/fmt/print.go", b"package fmt\n")
    proxy = tmp_path / "proxy"
    at_v = proxy / "golang.org/toolchain/@v"
    at_v.mkdir(parents=True)
    mv = "v0.0.1-go1.22.10.linux-amd64"
    with zipfile.ZipFile(at_v / f"{mv}.zip", "w") as zf:  # the module's names, other bytes
        zf.writestr(f"golang.org/toolchain@{mv}/src/fmt/print.go", "package fmt\n")
    env = adopt_world.env(GOPROXY=proxy.as_uri())
    r = run_gover("verify", "--tree", "--json", str(tree), env=env)
    assert r.code == 4, r.err
    got = json.loads(r.out)
    assert (got["changed"], got["missing"], got["extra"], got["reference"]) == ([], [], [], "")
    assert got["why_no_list"].startswith("the official file list is not available (")
    assert "its dirhash h1:" in got["why_no_list"]
    assert f"is not the checksum database's {adopt_world.zips['1.22.10'].h1}" in got["why_no_list"]

    (at_v / f"{mv}.zip").write_bytes(adopt_world.zips["1.21.13"].path.read_bytes())
    r = run_gover("verify", "--tree", "--json", str(tree), env=env)
    assert r.code == 4, r.err
    assert "is not the module's" in json.loads(r.out)["why_no_list"]


def test_offline_cannot_tell(adopt_world: World, isolated_env: Path) -> None:
    tree = sdk_tree(adopt_world, isolated_env)
    env = adopt_world.env(GOSUMDB=adopt_world.db.gosumdb(closed_port_url()))
    r = run_gover("verify", "--tree", str(tree), env=env)
    assert r.code == 1, r.out
    assert r.out == ""
    assert len(r.err_lines) == 1, r.err
    assert r.err_lines[0].startswith(
        f"gover: error: cannot tell whether {tree} is the official go1.22.10: "
    )


def test_distro_build_is_named_as_such(adopt_world: World, isolated_env: Path) -> None:
    r = run_gover("verify", "--tree", "/usr/lib/go-1.19", env=adopt_world.env())
    assert r.code == 1
    assert len(r.err_lines) == 1
    assert "distro build (Debian): differs from the official release by design" in r.err


def test_default_is_the_selected_toolchain(adopt_world: World, isolated_env: Path) -> None:
    tree = sdk_tree(adopt_world, isolated_env)
    r = run_gover("adopt", str(tree), env=adopt_world.env())
    assert r.code == 0, r.err
    assert run_gover("global", "1.22.10").code == 0
    root = Path(os.environ["GOVER_HOME"]) / "versions" / "1.22.10"
    r = run_gover("verify", "--tree", "--json", env=adopt_world.env())
    assert r.code == 0, r.err
    assert json.loads(r.out)["path"] == str(root)
    replace_file(root / "src/fmt/print.go", b"package fmt\n")
    r = run_gover("verify", "--tree", env=adopt_world.env())
    assert r.code == 4
    assert r.out.splitlines()[1:] == ["changed: src/fmt/print.go"]
