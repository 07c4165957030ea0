"""The checksum database verifier: the real sum.golang.org checkpoint, and lookups against a
test database (tests/support/sumdb.py, accepted by real go in test_go_oracle.py) served over
HTTP on 127.0.0.1, honest and misbehaving."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from gover import constants, paths
from gover.config import Config
from gover.errors import ConfigError, NetworkError, VerificationError
from gover.toolchain.trust import dirhash, note, sumdb, tlog
from tests.support.httpserver import TestServer
from tests.support.sumdb import SigningKey, TestSumDB

CHECKPOINT = Path("/work/shared/data/sum.golang.org-checkpoint-65664258.note")
MODULE = constants.TOOLCHAIN_MODULE
MV = "v0.0.1-go1.22.10.linux-amd64"
MV_OLD = "v0.0.1-go1.21.13.linux-amd64"
H1 = "h1:" + "Q" * 43 + "="
GOMOD_H1 = "h1:8wlg68NqwW7eMnI1aABk/C2pDYXj8mrMY4TyRfiLeS0="


def _open_checkpoint(data: bytes) -> tlog.Tree:
    verifier = note.parse_verifier(constants.SUMDB_KEYS["sum.golang.org"])
    return tlog.parse_tree(note.open_note(data, verifier, "checkpoint"), "checkpoint")


# -- the real checkpoint -------------------------------------------------------------------


def test_real_checkpoint_verifies() -> None:
    tree = _open_checkpoint(CHECKPOINT.read_bytes())
    assert tree.n == 65664258
    assert tree.hash.hex().startswith("59554d54")  # WVVNVD2q...


def test_every_one_byte_change_of_the_real_checkpoint_is_refused() -> None:
    data = CHECKPOINT.read_bytes()
    accepted = []
    for i in range(len(data)):
        # XOR 3 turns the signature's last base64 character "Q" into "R", which differs only
        # in bits base64 leaves unused: Go's decoder would accept it; gover must not.
        for delta in (0x01, 0x02, 0x03, 0x20):
            changed = bytearray(data)
            changed[i] ^= delta
            try:
                _open_checkpoint(bytes(changed))
            except VerificationError:
                continue
            accepted.append((i, delta))
    assert accepted == []


def test_truncated_or_extended_checkpoint_is_refused() -> None:
    data = CHECKPOINT.read_bytes()
    for bad in (data[:-1], data + b"\n", data + b"x", b"\n" + data, data.replace(b"\n\n", b"\n")):
        with pytest.raises(VerificationError):
            _open_checkpoint(bad)


def test_verifier_key_hash_is_checked() -> None:
    key = constants.SUMDB_KEYS["sum.golang.org"]
    with pytest.raises(VerificationError, match="hash"):
        note.parse_verifier(key.replace("+033de0ae+", "+033de0af+"))
    with pytest.raises(VerificationError, match="not a checksum database key"):
        note.parse_verifier("sum.golang.org+033de0ae")


# -- a test database over HTTP -----------------------------------------------------------


def _lines(mv: str, h1: str = H1) -> str:
    return f"{MODULE} {mv} {h1}\n{MODULE} {mv}/go.mod {GOMOD_H1}\n"


class Site:
    """The test database written in several states, each under its own URL prefix."""

    def __init__(self, base: Path) -> None:
        self.root = base / "www"
        self.db = TestSumDB("sumdb.test")
        self.db.add_filler(270)  # record ids cross a full level-0 tile
        self.db.add(MODULE, MV_OLD, _lines(MV_OLD))
        self.db.add_filler(30)
        self.old_size = len(self.db.records)  # an older head: MV_OLD is in it, MV is not
        self.db.add(MODULE, MV, _lines(MV))
        self.db.add_filler(5)
        self.size = len(self.db.records)
        self.db.write(self.root / "good")
        self.db.write(self.root / "old", size=self.old_size)  # a rollback: only the old log
        # A lagging answer: the old head, but the server still has the new tree's tiles.
        self.db.write(self.root / "lagging")
        self.db.write(self.root / "lagging", size=self.old_size)
        fork = self.db.fork()
        fork.write(self.root / "fork")
        longer = self.db.fork()
        longer.add_filler(40)
        longer.write(self.root / "fork-longer")
        self.db.write(self.root / "lying", lying_tiles=True)
        self.db.write(self.root / "altered", alter_record=f"{MODULE}@{MV}")
        impostor = TestSumDB("sumdb.test")  # same name, another key
        for text in self.db.records:
            impostor.records.append(text)
        impostor.ids = dict(self.db.ids)
        impostor.write(self.root / "impostor")
        proxy = self.root / "proxy" / "sumdb" / "sumdb.test"
        self.db.write(proxy)
        (proxy / "supported").write_text("")
        (self.root / "noproxy").mkdir()
        self.server = TestServer(self.root).start()

    def sumdb(self, site: str, *, direct: bool = True) -> sumdb.SumDB:
        return sumdb.SumDB("sumdb.test", self.db.key.vkey, self.server.url + site, direct)

    def env(self, site: str) -> dict[str, str]:
        return {"GOSUMDB": self.db.gosumdb(self.server.url + site)}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    s = Site(tmp_path_factory.mktemp("sumdb"))
    try:
        yield s
    finally:
        s.server.stop()


CFG = Config(timeout=10)


def _state(site: Site) -> Path:
    return paths.sumdb_state_dir() / "sumdb.test" / "latest"


def test_lookup_is_proved_and_the_head_stored(site: Site) -> None:
    proof = sumdb.lookup(CFG, site.sumdb("good"), MODULE, MV)
    assert (proof.h1, proof.gomod_h1) == (H1, GOMOD_H1)
    assert (proof.record_id, proof.tree_size) == (site.db.ids[f"{MODULE}@{MV}"], site.size)
    assert proof.line == f"sumdb sumdb.test {H1} (record {proof.record_id}, tree {site.size})"
    assert _state(site).read_bytes() == site.db.note()


def test_the_stored_head_moves_forward_only(site: Site) -> None:
    sumdb.lookup(CFG, site.sumdb("old"), MODULE, MV_OLD)
    assert _state(site).read_bytes() == site.db.note(site.old_size)
    sumdb.lookup(CFG, site.sumdb("good"), MODULE, MV_OLD)
    assert _state(site).read_bytes() == site.db.note()
    # An older head the server can still prove a prefix of the stored one: accepted, kept.
    proof = sumdb.lookup(CFG, site.sumdb("lagging"), MODULE, MV_OLD)
    assert proof.tree_size == site.old_size
    assert _state(site).read_bytes() == site.db.note()


def test_missing_record_is_refused(site: Site) -> None:
    with pytest.raises(
        VerificationError, match=r"has no record of golang.org/toolchain@v0.0.1-go1.19"
    ):
        sumdb.lookup(CFG, site.sumdb("good"), MODULE, "v0.0.1-go1.19.linux-amd64")
    with pytest.raises(VerificationError, match="has no record"):  # not yet in the old log
        sumdb.lookup(CFG, site.sumdb("old"), MODULE, MV)


def test_note_by_another_key_is_refused(site: Site) -> None:
    with pytest.raises(VerificationError, match="not signed by the checksum database key"):
        sumdb.lookup(CFG, site.sumdb("impostor"), MODULE, MV)
    assert not _state(site).exists()


@pytest.mark.parametrize(
    ("other", "why"),
    [("fork", "two trees of one size"), ("fork-longer", "the trees are not consistent")],
)
def test_fork_is_refused_naming_both_heads(site: Site, other: str, why: str) -> None:
    sumdb.lookup(CFG, site.sumdb("good"), MODULE, MV)
    kept = _state(site).read_bytes()
    with pytest.raises(VerificationError) as info:
        sumdb.lookup(CFG, site.sumdb(other), MODULE, MV)
    message = str(info.value)
    assert "SECURITY ERROR" in message and why in message
    assert f"gover saw tree {site.size} (" in message
    assert "serves tree " in message
    assert _state(site).read_bytes() == kept


def test_rollback_is_refused_naming_both_heads(site: Site) -> None:
    sumdb.lookup(CFG, site.sumdb("good"), MODULE, MV)
    kept = _state(site).read_bytes()
    with pytest.raises(VerificationError) as info:
        sumdb.lookup(CFG, site.sumdb("old"), MODULE, MV_OLD)
    message = str(info.value)
    assert "went back to an older tree" in message
    assert f"serves tree {site.old_size} (" in message
    assert f"gover saw tree {site.size} (" in message
    assert _state(site).read_bytes() == kept


def test_lying_tiles_are_refused(site: Site) -> None:
    with pytest.raises(VerificationError, match=r"SECURITY ERROR.*not proven"):
        sumdb.lookup(CFG, site.sumdb("lying"), MODULE, MV)
    assert not _state(site).exists()


def test_altered_record_is_refused(site: Site) -> None:
    with pytest.raises(VerificationError, match=r"record \d+ is not proven"):
        sumdb.lookup(CFG, site.sumdb("altered"), MODULE, MV)


def test_a_proxy_that_relays_the_database_is_used(site: Site) -> None:
    before = len(site.server.requests)
    db = site.sumdb("nowhere", direct=False)  # the database's own URL would 404
    proof = sumdb.lookup(
        CFG, db, MODULE, MV, proxies=[site.server.url + "noproxy", site.server.url + "proxy"]
    )
    assert proof.h1 == H1
    asked = [p for _, p, _ in site.server.requests[before:]]
    assert asked[:2] == ["/noproxy/sumdb/sumdb.test/supported", "/proxy/sumdb/sumdb.test/supported"]
    assert f"/proxy/sumdb/sumdb.test/lookup/{MODULE}@{MV}" in asked
    assert not any(p.startswith("/nowhere") for p in asked)


def test_direct_or_an_explicit_url_skips_the_proxies(site: Site) -> None:
    before = len(site.server.requests)
    sumdb.lookup(CFG, site.sumdb("good", direct=False), MODULE, MV, proxies=["direct", "x"])
    sumdb.lookup(CFG, site.sumdb("good"), MODULE, MV, proxies=[site.server.url + "proxy"])
    asked = [p for _, p, _ in site.server.requests[before:]]
    assert asked and all(p.startswith("/good/") for p in asked)


@pytest.mark.parametrize("var", ["GONOPROXY", "GOPRIVATE"])
def test_a_database_matched_by_gonoproxy_is_asked_directly(site: Site, var: str) -> None:
    before = len(site.server.requests)
    db = site.sumdb("good", direct=False)
    sumdb.lookup(CFG, db, MODULE, MV, proxies=[site.server.url + "proxy"], environ={var: "sumdb.*"})
    asked = [p for _, p, _ in site.server.requests[before:]]
    assert asked and all(p.startswith("/good/") for p in asked)


def test_unreachable_database_is_a_network_error() -> None:
    db = sumdb.SumDB("sumdb.test", SigningKey("sumdb.test").vkey, "http://127.0.0.1:9")
    with pytest.raises(NetworkError):
        sumdb.lookup(Config(timeout=5), db, MODULE, MV)


# -- check_tree: the policy ---------------------------------------------------------------


def _tree(root: Path) -> Path:
    (root / "bin").mkdir(parents=True)
    (root / "bin" / "go").write_bytes(b"\x7fELF go")
    (root / "src").mkdir()
    (root / "src" / "go.mod").write_text("module std\n")
    (root / "api").mkdir()
    (root / "api" / "go1.txt").write_text("not in the module zip\n")
    return root


@pytest.fixture(scope="module")
def tree_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, Path]]:
    base = tmp_path_factory.mktemp("tree")
    root = _tree(base / "goroot")
    s = Site.__new__(Site)
    s.root = base / "www"
    s.db = TestSumDB("sumdb.test")
    s.db.add_filler(3)
    s.db.add(MODULE, MV, _lines(MV, dirhash.tree_hash(root, MV)))
    s.db.write(s.root / "good")
    s.server = TestServer(s.root).start()
    try:
        yield s, root
    finally:
        s.server.stop()


def test_check_tree_proves_a_tree(tree_site: tuple[Site, Path], tmp_path: Path) -> None:
    s, root = tree_site
    proof = sumdb.check_tree(Config(verify_sumdb="require"), root, MV, environ=s.env("good"))
    assert proof is not None and proof.h1 == dirhash.tree_hash(root, MV)
    changed = shutil.copytree(root, tmp_path / "changed")
    (changed / "src" / "go.mod").write_text("module evil\n")
    with pytest.raises(VerificationError, match="differ from the official release"):
        sumdb.check_tree(Config(verify_sumdb="auto"), changed, MV, environ=s.env("good"))
    # api/ is not in the module zip: a change there is not the database's business.
    same = shutil.copytree(root, tmp_path / "same")
    (same / "api" / "go1.txt").write_text("changed\n")
    assert sumdb.check_tree(Config(verify_sumdb="auto"), same, MV, environ=s.env("good"))


def test_check_tree_policy_off_asks_nothing(tree_site: tuple[Site, Path]) -> None:
    s, root = tree_site
    before = len(s.server.requests)
    assert sumdb.check_tree(Config(verify_sumdb="off"), root, MV, environ=s.env("good")) is None
    assert len(s.server.requests) == before


@pytest.mark.parametrize(
    ("env", "why"),
    [
        ({"GOSUMDB": "off"}, "GOSUMDB=off"),
        ({"GONOSUMDB": "golang.org"}, "matches GONOSUMDB=golang.org"),
        ({"GOPRIVATE": "*.org/toolchain"}, "matches GOPRIVATE=*.org/toolchain"),
        ({"GOSUMDB": "sumdb.test+00000000+AQ== http://127.0.0.1:9/"}, None),
    ],
)
def test_check_tree_skipped_warns_under_auto_refuses_under_require(
    tree_site: tuple[Site, Path],
    capsys: pytest.CaptureFixture[str],
    env: dict[str, str],
    why: str | None,
) -> None:
    _, root = tree_site
    if why is None:  # unreachable: a valid key for a database nobody serves
        key = SigningKey("sumdb.test").vkey
        env = {"GOSUMDB": f"{key} http://127.0.0.1:9/"}
        why = "127.0.0.1:9"
    cfg = Config(verify_sumdb="auto", timeout=5)
    assert sumdb.check_tree(cfg, root, MV, environ=env) is None
    err = capsys.readouterr().err
    assert err.startswith(f"gover: warning: {MV}: not checked against the checksum database")
    assert why in err
    with pytest.raises(VerificationError, match="not checked against the checksum database"):
        sumdb.check_tree(Config(verify_sumdb="require", timeout=5), root, MV, environ=env)


# -- GOSUMDB, GONOSUMDB, GOPRIVATE ----------------------------------------------------------


def test_gosumdb_parsing() -> None:
    key = constants.SUMDB_KEYS["sum.golang.org"]
    assert sumdb.SumDB.from_env({}) == sumdb.SumDB("sum.golang.org", key, "https://sum.golang.org")
    assert sumdb.SumDB.from_env({"GOSUMDB": "sum.golang.org"}) == sumdb.SumDB.from_env({})
    assert sumdb.SumDB.from_env({"GOSUMDB": "off"}) is None
    assert sumdb.SumDB.from_env({"GOSUMDB": "sum.golang.google.cn"}) == sumdb.SumDB(
        "sum.golang.org", key, "https://sum.golang.google.cn", direct=True
    )
    assert sumdb.SumDB.from_env({"GOSUMDB": key}) == sumdb.SumDB.from_env({})
    assert sumdb.SumDB.from_env({"GOSUMDB": f"{key} https://mirror.example/sumdb/"}) == sumdb.SumDB(
        "sum.golang.org", key, "https://mirror.example/sumdb", direct=True
    )
    other = SigningKey("example.com/sumdb")
    assert sumdb.SumDB.from_env({"GOSUMDB": other.vkey}) == sumdb.SumDB(
        "example.com/sumdb", other.vkey, "https://example.com/sumdb"
    )


@pytest.mark.parametrize(
    "value",
    [
        "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn9",  # key != hash
        "sum.example.org",  # an unknown name without a key
        "sum.golang.org https://a https://b",  # too many fields
        "sum.golang.org+033de0ae",
        "sum.golang.org http://sum.example.org",  # plain http off loopback
        "sum.golang.org ftp://sum.example.org",
    ],
)
def test_bad_gosumdb_is_a_config_error(value: str) -> None:
    with pytest.raises(ConfigError, match="GOSUMDB="):
        sumdb.SumDB.from_env({"GOSUMDB": value})


@pytest.mark.parametrize("name", ["../../etc", "a/../b", "host/", "x y"])
def test_a_database_name_that_is_no_host_path_is_refused(name: str) -> None:
    with pytest.raises(ConfigError):
        sumdb.SumDB.from_env({"GOSUMDB": SigningKey(name).vkey if " " not in name else name})


@pytest.mark.parametrize(
    ("globs", "target", "want"),
    [
        ("golang.org", "golang.org/toolchain", True),
        ("golang.org/", "golang.org/toolchain", True),
        ("golang.org/toolchain", "golang.org/toolchain", True),
        ("golang.org/toolchain/x", "golang.org/toolchain", False),
        ("golang.org/tool", "golang.org/toolchain", False),
        ("golang.org/x", "golang.org/toolchain", False),
        ("*.org", "golang.org/toolchain", True),
        ("*/toolchain", "golang.org/toolchain", True),
        ("*", "golang.org/toolchain", True),
        ("golang.*", "golang.org/toolchain", True),
        ("golang.org/tool*", "golang.org/toolchain", True),
        ("golang.org/?oolchain", "golang.org/toolchain", True),
        ("golang.org/[st]oolchain", "golang.org/toolchain", True),
        ("golang.org/[^t]oolchain", "golang.org/toolchain", False),
        ("gol*chain", "golang.org/toolchain", False),  # * never crosses /
        ("example.com,,golang.org", "golang.org/toolchain", True),
        ("example.com, golang.org", "golang.org/toolchain", False),  # Go does not trim spaces
        ("", "golang.org/toolchain", False),
        ("rsc.io/quote", "rsc.io/quote/v3", True),
        ("rsc.io", "rsc.io.evil/x", False),
    ],
)
def test_match_prefix_patterns(globs: str, target: str, want: bool) -> None:
    assert sumdb.match_prefix_patterns(globs, target) is want


@pytest.mark.parametrize(
    ("env", "want"),
    [
        ({}, None),
        ({"GOSUMDB": "off"}, "GOSUMDB=off"),
        ({"GONOSUMDB": "example.com"}, None),
        ({"GONOSUMDB": "golang.org"}, f"{MODULE} matches GONOSUMDB=golang.org"),
        ({"GOPRIVATE": "golang.org"}, f"{MODULE} matches GOPRIVATE=golang.org"),
        ({"GOPRIVATE": "golang.org", "GONOSUMDB": "example.com"}, None),  # GONOSUMDB wins
        ({"GOPRIVATE": "golang.org", "GONOSUMDB": ""}, f"{MODULE} matches GOPRIVATE=golang.org"),
    ],
)
def test_skipped(env: dict[str, str], want: str | None) -> None:
    assert sumdb.skipped(MODULE, env) == want


def test_h1_of_a_go_mod_alone_is_the_published_value() -> None:
    data = b"module golang.org/toolchain\n"
    assert dirhash.hash1([("go.mod", hashlib.sha256(data).hexdigest())]) == GOMOD_H1


def test_a_stored_head_that_does_not_verify_is_refused(site: Site) -> None:
    state = _state(site)
    state.parent.mkdir(parents=True)
    other = TestSumDB("sumdb.test")  # same name, another key
    other.add_filler(1)
    state.write_bytes(other.note())
    with pytest.raises(VerificationError, match=r"the tree head gover kept for sumdb.test"):
        sumdb.lookup(CFG, site.sumdb("good"), MODULE, MV)
    assert state.read_bytes() != site.db.note()
