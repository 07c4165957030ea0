"""Real go is the oracle for the module proxy tree and the test checksum database.

Real go of one test version, told GOTOOLCHAIN=<the other>, downloads the other through
GOPROXY=file://<our tree> and verifies it against our checksum database (mandatory for
toolchains): if it switches, the zip layout, .info/.mod and the database's notes, tiles and
proofs are right by construction. Only then is gover's verifier run against the same database.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from gover.config import Config
from gover.errors import VerificationError
from gover.toolchain.trust import dirhash, sumdb
from tests.support import modproxy
from tests.support.httpserver import TestServer
from tests.support.sumdb import TestSumDB

MODULE = "golang.org/toolchain"
PAIRS = (("1.21.13", "1.22.10"), ("1.22.10", "1.21.13"))  # (running go, switched-to go)


class World:
    def __init__(self, base: Path) -> None:
        self.base = base
        self.proxy = base / "proxy"
        self.zips = modproxy.build_tree(self.proxy)
        self.goroots = {v: modproxy.goroot(v) for v in self.zips}
        self.db = TestSumDB("sumdb.test")
        self.db.add_filler(300)
        for z in self.zips.values():
            self.db.add(MODULE, z.mv, z.sum_lines())
        self.db.add_filler(20)
        self.db.write(base / "www" / "good")
        # Same toolchain records, but the 1.22.10 and 1.21.13 h1s are wrong (another key).
        self.bad = TestSumDB("sumdb.test")
        for z in self.zips.values():
            wrong = z.sum_lines().replace(z.h1, dirhash.hash1([("x", "0" * 64)]), 1)
            self.bad.add(MODULE, z.mv, wrong)
        self.bad.write(base / "www" / "bad")
        self.server = TestServer(base / "www").start()

    def go(
        self, running: str, target: str, db: TestSumDB, site: str, tag: str
    ) -> subprocess.CompletedProcess[str]:
        run = self.base / f"run-{tag}"
        for sub in ("home", "work", "gopath", "modcache", "gocache"):
            (run / sub).mkdir(parents=True, exist_ok=True)
        env = {
            "PATH": f"{self.goroots[running] / 'bin'}:/usr/bin:/bin",
            "HOME": str(run / "home"),
            "GOTOOLCHAIN": f"go{target}",
            "GOPROXY": (self.proxy).as_uri(),
            "GOSUMDB": db.gosumdb(self.server.url + site),
            "GOFLAGS": "-mod=mod",
            "GOPATH": str(run / "gopath"),
            "GOMODCACHE": str(run / "modcache"),
            "GOCACHE": str(run / "gocache"),
            "GOENV": "off",
        }
        return subprocess.run(
            [str(self.goroots[running] / "bin" / "go"), "version"],
            cwd=run / "work",
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    w = World(tmp_path_factory.mktemp("oracle"))
    try:
        yield w
    finally:
        w.server.stop()


@pytest.mark.parametrize(("running", "target"), PAIRS)
def test_real_go_switches_through_our_proxy_and_database(
    world: World, running: str, target: str
) -> None:
    r = world.go(running, target, world.db, "good", f"good-{target}")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"go version go{target} linux/amd64"
    # go asked our database (lookup and tiles), not some other one.
    z = world.zips[target]
    assert world.server.requests_for(f"/good/lookup/{MODULE}@{z.mv}")
    assert any(p.startswith("/good/tile/8/") for _, p, _ in world.server.requests)
    # What go recorded for the zip it unpacked is our h1, and our tree hash of the release.
    ziphash = (
        world.base
        / f"run-good-{target}"
        / "modcache"
        / "cache"
        / "download"
        / MODULE
        / "@v"
        / f"{z.mv}.ziphash"
    )
    assert ziphash.read_text().strip() == z.h1
    assert dirhash.tree_hash(world.goroots[target], z.mv) == z.h1


@pytest.mark.parametrize(("running", "target"), PAIRS)
def test_real_go_refuses_a_wrong_h1(world: World, running: str, target: str) -> None:
    r = world.go(running, target, world.bad, "bad", f"bad-{target}")
    assert r.returncode != 0
    assert "SECURITY ERROR" in r.stderr
    assert "checksum mismatch" in r.stderr


@pytest.mark.parametrize("target", ["1.22.10", "1.21.13"])
def test_gover_proves_what_go_accepted(world: World, target: str) -> None:
    z = world.zips[target]
    db = sumdb.SumDB.from_env({"GOSUMDB": world.db.gosumdb(world.server.url + "good")})
    assert db is not None
    proof = sumdb.lookup(Config(), db, MODULE, z.mv)
    assert (proof.h1, proof.gomod_h1) == (z.h1, z.gomod_h1)
    assert proof.record_id == world.db.ids[f"{MODULE}@{z.mv}"]
    assert proof.tree_size == len(world.db.records)
    env = {"GOSUMDB": world.db.gosumdb(world.server.url + "good")}
    got = sumdb.check_tree(Config(verify_sumdb="require"), world.goroots[target], z.mv, environ=env)
    assert got == proof


@pytest.mark.parametrize("target", ["1.22.10"])
def test_gover_refuses_what_go_refused(world: World, target: str) -> None:
    z = world.zips[target]
    env = {"GOSUMDB": world.bad.gosumdb(world.server.url + "bad")}
    with pytest.raises(VerificationError, match=r"hashes to .* records"):
        sumdb.check_tree(Config(verify_sumdb="auto"), world.goroots[target], z.mv, environ=env)
    assert os.listdir(world.goroots[target])  # the tree itself is left alone
