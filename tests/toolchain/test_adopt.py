"""gover adopt: the Go trees other tools left on disk, found, judged by a real checksum
database (served over HTTP on 127.0.0.1, signed by a test key) and taken into the store.

The trees are real: the go.dev archive unpacked as golang.org/dl leaves it in ~/sdk, the
module cache as real go unpacks it when GOTOOLCHAIN switches through a file:// module proxy,
a goenv tree with one file changed, and Debian's /usr/lib/go-1.19 (installed by .ci/run).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.support import modproxy
from tests.support.adopttrees import (
    CHANGED,
    World,
    adopt_world,
    closed_port_url,
    goenv_tree,
    modcache_tree,
    sdk_tree,
)
from tests.support.cli import go_run, run_gover

__all__ = ["adopt_world"]  # the session fixture, shared with tests/inspect/test_verify_tree.py

DEBIAN = Path("/usr/lib/go-1.19")


def store_entries() -> list[str]:
    versions = Path(os.environ["GOVER_HOME"]) / "versions"
    return sorted(os.listdir(versions)) if versions.exists() else []


def receipt(version: str) -> dict[str, object]:
    path = Path(os.environ["GOVER_HOME"]) / "versions" / version / ".gover-receipt.json"
    return json.loads(path.read_text())


def debian_version() -> str:
    return (DEBIAN / "VERSION").read_text().splitlines()[0]


# --------------------------------------------------------------------------- scan


def test_scan_reports_each_tree_against_the_checksum_database(
    adopt_world: World, isolated_env: Path
) -> None:
    home = isolated_env
    sdk = sdk_tree(adopt_world, home)
    mod = modcache_tree(adopt_world, home)
    goenv = goenv_tree(adopt_world, home)
    r = run_gover("adopt", "--scan", "--json", env=adopt_world.env())
    assert r.code == 0, r.err
    found = {t["path"]: t for t in json.loads(r.out)["trees"]}
    db = adopt_world.db.name
    h1_22 = adopt_world.zips["1.22.10"].h1
    h1_21 = adopt_world.zips["1.21.13"].h1

    assert found[str(sdk)]["version"] == "1.22.10"
    assert found[str(sdk)]["origin"] == "golang.org/dl (~/sdk)"
    assert found[str(sdk)]["status"] == "vouched"
    assert found[str(sdk)]["detail"] == f"{db} vouches for it (its dirhash {h1_22})"

    assert found[str(mod)]["version"] == "1.21.13"
    assert found[str(mod)]["origin"] == "module cache (GOTOOLCHAIN)"
    assert found[str(mod)]["status"] == "vouched"
    ziphash = f"{modproxy.module_version('1.21.13')}.ziphash"
    assert found[str(mod)]["detail"] == f"{db} vouches for it (its {ziphash} {h1_21})"

    assert found[str(goenv)]["origin"] == "goenv"
    assert found[str(goenv)]["status"] == "differs"
    assert found[str(goenv)]["db_h1"] == h1_22
    assert found[str(goenv)]["h1"] not in ("", h1_22)

    assert found[str(DEBIAN)]["status"] == "distro"
    assert found[str(DEBIAN)]["detail"] == (
        "distro build (Debian): differs from the official release by design"
    )
    assert all(not t["installed"] for t in found.values())


def test_scan_text_names_version_origin_and_verdict(
    adopt_world: World, isolated_env: Path
) -> None:
    sdk = sdk_tree(adopt_world, isolated_env)
    r = run_gover("adopt", "--scan", env=adopt_world.env())
    assert r.code == 0, r.err
    h1 = adopt_world.zips["1.22.10"].h1
    assert (
        f"{sdk}  go1.22.10  [golang.org/dl (~/sdk)]  vouched: "
        f"{adopt_world.db.name} vouches for it (its dirhash {h1})"
    ) in r.out.splitlines()
    assert (
        f"{DEBIAN}  {debian_version()}  [Debian package (golang-go)]  distro: distro build "
        "(Debian): differs from the official release by design"
    ) in r.out.splitlines()


def test_scan_offline_says_it_cannot_tell(adopt_world: World, isolated_env: Path) -> None:
    sdk = sdk_tree(adopt_world, isolated_env)
    env = adopt_world.env(GOSUMDB=adopt_world.db.gosumdb(closed_port_url()))
    r = run_gover("adopt", "--scan", "--json", env=env)
    assert r.code == 0, r.err
    found = {t["path"]: t for t in json.loads(r.out)["trees"]}
    assert found[str(sdk)]["status"] == "unknown"
    assert found[str(sdk)]["detail"].startswith("cannot tell: ")


# --------------------------------------------------------------------------- adopt


def test_adopt_copies_a_vouched_tree_and_its_go_runs(
    adopt_world: World, isolated_env: Path
) -> None:
    sdk = sdk_tree(adopt_world, isolated_env)
    r = run_gover("adopt", str(sdk), env=adopt_world.env())
    assert r.code == 0, r.err
    root = Path(os.environ["GOVER_HOME"]) / "versions" / "1.22.10"
    assert r.out.startswith(f"adopted go 1.22.10 in {root} (adopted from {sdk}; verified by ")
    got = receipt("1.22.10")
    assert got["source"] == f"adopted from {sdk}"
    h1 = adopt_world.zips["1.22.10"].h1
    [proof] = got["proofs"]  # type: ignore[misc]
    assert proof.startswith(f"sumdb {adopt_world.db.name} {h1} (record ")
    assert got["linked_to"] == ""
    assert not (root / ".unpacked-success").exists()  # golang.org/dl's marker stays behind
    assert (root / "bin" / "go").stat().st_ino != (sdk / "bin" / "go").stat().st_ino
    out = go_run(root, "version")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("go version go1.22.10 ")

    again = run_gover("adopt", str(sdk), env=adopt_world.env())
    assert again.code == 0, again.err
    assert again.out.strip() == f"go 1.22.10 is already installed in {root}"


def test_adopt_module_cache_tree(adopt_world: World, isolated_env: Path) -> None:
    mod = modcache_tree(adopt_world, isolated_env)
    r = run_gover("adopt", "--json", str(mod), env=adopt_world.env())
    assert r.code == 0, r.err
    [done] = json.loads(r.out)["adopted"]
    assert (done["version"], done["status"], done["verified"]) == ("1.21.13", "adopted", "vouched")
    root = Path(done["path"])
    out = go_run(root, "version")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("go version go1.21.13 ")


def test_adopt_refuses_a_tree_that_differs_unless_allowed(
    adopt_world: World, isolated_env: Path
) -> None:
    goenv = goenv_tree(adopt_world, isolated_env)
    r = run_gover("adopt", str(goenv), env=adopt_world.env())
    assert r.code == 3, r.out
    assert len(r.err_lines) == 1, r.err
    assert r.err_lines[0].startswith(f"gover: error: {goenv}: differs from the official ")
    assert "--allow-unverified" in r.err_lines[0]
    assert store_entries() == []

    r = run_gover("adopt", "--allow-unverified", str(goenv), env=adopt_world.env())
    assert r.code == 0, r.err
    assert "UNVERIFIED: differs from the official" in r.out
    assert receipt("1.22.10")["proofs"] == ["unverified"]
    root = Path(os.environ["GOVER_HOME"]) / "versions" / "1.22.10"
    assert (root / CHANGED).read_bytes().endswith(b"// changed\n")


def test_adopt_offline_needs_allow_unverified(adopt_world: World, isolated_env: Path) -> None:
    sdk = sdk_tree(adopt_world, isolated_env)
    env = adopt_world.env(GOSUMDB=adopt_world.db.gosumdb(closed_port_url()))
    r = run_gover("adopt", str(sdk), env=env)
    assert r.code == 3, r.out
    assert len(r.err_lines) == 1, r.err
    assert "the checksum database does not vouch for it (cannot tell: " in r.err_lines[0]
    assert store_entries() == []
    r = run_gover("adopt", "--allow-unverified", str(sdk), env=env)
    assert r.code == 0, r.err
    assert receipt("1.22.10")["proofs"] == ["unverified"]


def test_allow_unverified_is_refused_under_require(
    adopt_world: World, isolated_env: Path
) -> None:
    goenv = goenv_tree(adopt_world, isolated_env)
    env = adopt_world.env(GOVER_VERIFY_SUMDB="require")
    r = run_gover("adopt", "--allow-unverified", str(goenv), env=env)
    assert r.code == 3, r.out
    assert r.err_lines == [
        f"gover: error: --allow-unverified conflicts with verify_sumdb = require ({goenv}); "
        "set GOVER_VERIFY_SUMDB=auto to adopt a tree the checksum database cannot vouch for"
    ]
    assert store_entries() == []


def test_link_references_the_tree_and_uninstall_removes_only_the_links(
    adopt_world: World, isolated_env: Path
) -> None:
    sdk = sdk_tree(adopt_world, isolated_env)
    r = run_gover("adopt", "--link", str(sdk), env=adopt_world.env())
    assert r.code == 0, r.err
    root = Path(os.environ["GOVER_HOME"]) / "versions" / "1.22.10"
    assert r.out.startswith(f"linked go 1.22.10 in {root} (linked to {sdk}; verified by ")
    assert receipt("1.22.10")["linked_to"] == str(sdk)
    assert not root.is_symlink() and (root / "bin").is_symlink()
    assert os.readlink(root / "src") == str(sdk / "src")
    out = go_run(root, "version")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("go version go1.22.10 ")
    listed = run_gover("list")
    assert listed.out.split() == ["1.22.10"]

    gone = run_gover("uninstall", "--force", "1.22.10")
    assert gone.code == 0, gone.err
    assert store_entries() == []
    assert (sdk / "bin" / "go").is_file() and (sdk / CHANGED).is_file()  # never deleted through


def test_debian_tree_is_a_distro_build_copy_refused_link_allowed(
    adopt_world: World, isolated_env: Path
) -> None:
    r = run_gover("adopt", str(DEBIAN), env=adopt_world.env())
    assert r.code == 3, r.out
    assert len(r.err_lines) == 1, r.err
    assert r.err_lines[0].startswith(
        f"gover: error: {DEBIAN}/api: is a symlink to '../../share/go-1.19/api', which leaves "
        "the tree (refused)"
    )
    assert store_entries() == []

    r = run_gover("adopt", str(DEBIAN), "--link", env=adopt_world.env())
    assert r.code == 3, r.out
    assert r.err_lines[0].startswith(
        f"gover: error: {DEBIAN}: the checksum database does not vouch for it (distro build "
        "(Debian): differs from the official release by design); not adopted"
    )
    assert store_entries() == []

    r = run_gover("adopt", "--link", "--allow-unverified", str(DEBIAN), env=adopt_world.env())
    assert r.code == 0, r.err
    name = debian_version().removeprefix("go")
    got = receipt(name)
    assert got["source"] == f"adopted from {DEBIAN} (Debian build)"
    assert got["proofs"] == ["unverified"]
    out = go_run(Path(os.environ["GOVER_HOME"]) / "versions" / name, "version")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"go version {debian_version()} ")


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda t: (t / "src" / "evil").symlink_to("../../../../../etc"), "which leaves the tree"),
        (lambda t: (t / "src" / "abs").symlink_to("/etc/passwd"), "absolute path '/etc/passwd'"),
        (lambda t: os.mkfifo(t / "src" / "pipe"), "is a FIFO"),
        (
            lambda t: ((t / "src" / "up").symlink_to(".."), (t / "src" / "esc").symlink_to("up/..")),
            "which leaves the tree",
        ),
    ],
    ids=["symlink-out", "absolute-symlink", "fifo", "symlink-chain-out"],
)
def test_hostile_tree_refused_nothing_installed(
    adopt_world: World, isolated_env: Path, make: object, reason: str
) -> None:
    sdk = sdk_tree(adopt_world, isolated_env)
    assert callable(make)
    make(sdk)
    r = run_gover("adopt", "--allow-unverified", str(sdk), env=adopt_world.env())
    assert r.code == 3, r.out
    assert len(r.err_lines) == 1, r.err
    assert r.err_lines[0].startswith(f"gover: error: {sdk}/src/"), r.err
    assert reason in r.err_lines[0]
    assert store_entries() == []


def test_in_tree_symlink_is_kept(adopt_world: World, isolated_env: Path) -> None:
    sdk = sdk_tree(adopt_world, isolated_env)
    (sdk / "src" / "fmtlink").symlink_to("fmt")
    r = run_gover("adopt", "--allow-unverified", str(sdk), env=adopt_world.env())
    assert r.code == 0, r.err
    root = Path(os.environ["GOVER_HOME"]) / "versions" / "1.22.10"
    assert os.readlink(root / "src" / "fmtlink") == "fmt"


def test_version_file_that_is_a_fifo_never_blocks(
    adopt_world: World, isolated_env: Path
) -> None:
    sdk = sdk_tree(adopt_world, isolated_env)
    (sdk / "VERSION").unlink()
    os.mkfifo(sdk / "VERSION")
    r = run_gover("adopt", str(sdk), env=adopt_world.env(), timeout=60)
    assert r.code == 2, r.out
    assert r.err_lines == [
        f"gover: error: {sdk}: no release version in its VERSION file; gover adopts Go releases "
        "(a source build has no version to store it under)"
    ]
    assert store_entries() == []


def test_usage_errors(isolated_env: Path) -> None:
    r = run_gover("adopt")
    assert (r.code, r.err_lines) == (
        2,
        ["gover: error: no tree given; see what is on disk: gover adopt --scan"],
    )
    r = run_gover("adopt", "--scan", "/usr/lib/go-1.19")
    assert r.code == 2
    r = run_gover("adopt", str(isolated_env))
    assert r.code == 2
    assert r.err_lines == [
        f"gover: error: {isolated_env}: no bin/go here, not a Go tree; give the root of a Go tree"
    ]
