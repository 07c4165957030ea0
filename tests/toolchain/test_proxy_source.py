"""`gover install --source proxy`: golang.org/toolchain through a real module proxy tree
(file:// and over HTTP), proven by a test checksum database served on 127.0.0.1.

The proxy tree and the database are the ones real go accepts (test_go_oracle.py). Every
refusal ends with one line on stderr, a non-zero exit (3 for a failed proof) and nothing in
the store.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from gover import paths
from gover.toolchain import proxy
from gover.toolchain.trust import dirhash
from tests.support import modproxy
from tests.support.cli import assert_one_line_error, go_run, run_gover, store_root
from tests.support.httpserver import Fault, TestServer
from tests.support.sumdb import TestSumDB

MODULE = modproxy.MODULE
MV22 = modproxy.module_version("1.22.10")
MV21 = modproxy.module_version("1.21.13")
HELLO = 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hello via proxy") }\n'


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    base = tmp_path_factory.mktemp("proxy world")
    with TestServer(base) as server:
        yield World(base, server)


class World:
    """A proxy tree (both test toolchains), an empty proxy (404 for everything) and the
    checksum databases, all under one directory served over HTTP."""

    def __init__(self, base: Path, server: TestServer) -> None:
        self.base = base
        self.server = server
        self.zips = modproxy.build_tree(base / "proxy")
        (base / "empty").mkdir()
        self.count = 0

    @property
    def file_proxy(self) -> str:
        return (self.base / "proxy").as_uri()

    def url(self, rel: str) -> str:
        return self.server.url + rel

    def db(self, lines: dict[str, str] | None = None, *, early: bool = False) -> TestSumDB:
        """A database holding the go.sum lines of each module version in `lines` (default: the
        real ones of both zips), between filler records so proofs cross tiles."""
        db = TestSumDB("sumdb.test")
        db.add_filler(10 if early else 300)
        for mv, text in (lines or {z.mv: z.sum_lines() for z in self.zips.values()}).items():
            db.add(MODULE, mv, text)
        db.add_filler(290 if early else 20)
        return db

    def serve(self, db: TestSumDB, **write: object) -> str:
        """Write `db` into a fresh directory; its GOSUMDB value (the HTTP URL)."""
        self.count += 1
        rel = f"db{self.count}"
        db.write(self.base / rel, **write)  # type: ignore[arg-type]
        return db.gosumdb(self.url(rel))


def _env(proxy_url: str, gosumdb: str, policy: str = "require", **more: str) -> dict[str, str]:
    return {"GOPROXY": proxy_url, "GOSUMDB": gosumdb, "GOVER_VERIFY_SUMDB": policy, **more}


def _receipt(version: str) -> dict[str, object]:
    data = json.loads((store_root() / version / ".gover-receipt.json").read_text())
    assert isinstance(data, dict)
    return data


def _nothing_installed() -> None:
    root = store_root()
    assert not root.exists() or [p.name for p in root.iterdir()] == [], list(root.iterdir())


# ---- installs that work ----------------------------------------------------------------------


def test_install_through_file_proxy_with_proof_runs_and_builds(
    world: World, tmp_path: Path
) -> None:
    db = world.db()
    r = run_gover(
        "install", "--source", "proxy", "1.22.10", env=_env(world.file_proxy, world.serve(db))
    )
    assert r.code == 0, r.err
    z = world.zips["1.22.10"]
    root = store_root() / "1.22.10"
    assert r.out == (
        f"installed go 1.22.10 in {root} (proxy {world.file_proxy}, checksum database "
        f"sumdb.test {z.h1}, {r.out.rsplit(', ', 1)[1]}"
    )
    receipt = _receipt("1.22.10")
    assert receipt["source"] == f"proxy {world.file_proxy}"
    rid = db.ids[f"{MODULE}@{z.mv}"]
    assert receipt["proofs"] == [f"sumdb sumdb.test {z.h1} (record {rid}, tree {len(db.records)})"]
    assert receipt["url"] == f"{world.file_proxy}/{MODULE}/@v/{z.mv}.zip"
    # The store holds the release tree: _go.mod back to go.mod, the tools executable.
    assert (root / "src" / "go.mod").is_file() and not (root / "src" / "_go.mod").exists()
    assert (root / "pkg" / "tool" / "linux_amd64" / "compile").stat().st_mode & 0o111
    proj = tmp_path / "hello"
    proj.mkdir()
    (proj / "go.mod").write_text("module example.com/hello\n\ngo 1.22\n")
    (proj / "main.go").write_text(HELLO)
    built = go_run(root, "build", "-o", "hello", ".", cwd=proj)
    assert built.returncode == 0, built.stderr
    ran = subprocess.run([str(proj / "hello")], capture_output=True, text=True, check=False)
    assert ran.stdout == "hello via proxy\n"


def test_install_through_http_proxy_picks_from_version_list(world: World) -> None:
    """A prefix is resolved from @v/list; the database is reached through the proxy's
    /sumdb/<name>/ relay (GOSUMDB names only the key); --json carries the source and proofs."""
    db = world.db()
    relay = world.base / "proxy" / "sumdb" / db.name
    db.write(relay)
    (relay / "supported").write_text("")
    env = _env(world.url("proxy"), db.key.vkey)
    r = run_gover("install", "--source", "proxy", "1.21", "--json", env=env)
    assert r.code == 0, r.err
    z = world.zips["1.21.13"]
    (item,) = json.loads(r.out)["installs"]
    assert item["version"] == "1.21.13"
    assert item["via"] == f"proxy {world.url('proxy')}"
    assert item["proofs"] == [
        f"sumdb sumdb.test {z.h1} (record {db.ids[f'{MODULE}@{z.mv}']}, tree {len(db.records)})"
    ]
    assert world.server.requests_for(f"/proxy/{MODULE}/@v/list")
    assert world.server.requests_for("/proxy/sumdb/sumdb.test/supported")
    assert world.server.requests_for(f"/proxy/sumdb/sumdb.test/lookup/{MODULE}@{z.mv}")
    assert _receipt("1.21.13")["proofs"] == item["proofs"]


def test_source_list_falls_back_to_proxy_when_go_dev_is_unreachable(world: World) -> None:
    db = world.db()
    env = _env(
        world.file_proxy,
        world.serve(db),
        GOVER_SOURCE="go.dev,proxy",
        GOVER_INDEX_URL="http://127.0.0.1:9/index.json",  # nothing listens on port 9
    )
    r = run_gover("install", "1.22.10", env=env)
    assert r.code == 0, r.err
    assert "source go.dev failed" in r.err and "trying proxy" in r.err
    assert _receipt("1.22.10")["source"] == f"proxy {world.file_proxy}"


def test_gosumdb_off_under_auto_installs_unproven_with_a_warning(world: World) -> None:
    r = run_gover(
        "install", "--source", "proxy", "1.22.10", env=_env(world.file_proxy, "off", "auto")
    )
    assert r.code == 0, r.err
    assert "GOSUMDB=off: nothing proves the toolchain the proxy serves" in r.err
    assert "UNVERIFIED" in r.out
    assert _receipt("1.22.10")["proofs"] == []


# ---- GOPROXY list semantics ------------------------------------------------------------------


def _list_case(world: World, case: str) -> tuple[str, dict[str, str]]:
    good, empty, bad = world.url("proxy"), world.url("empty"), world.url("bad")
    goproxy = {
        "comma past 404": f"{empty},{good}",
        "pipe past 500": f"{bad}|{good}",
        "comma stops at 500": f"{bad},{good}",
        "404 then direct": f"{empty},direct",
        "404 then off": f"{empty},off",
        "off": "off",
        "direct": "direct",
        "no scheme": "goproxy",
    }[case]
    return goproxy, {}


@pytest.mark.parametrize(
    ("case", "ok", "needles"),
    [
        ("comma past 404", True, ()),
        ("pipe past 500", True, ()),
        ("comma stops at 500", False, ("server error HTTP 500", "bad/golang.org/toolchain")),
        ("404 then direct", False, ("not found (HTTP 404)", "direct: gover does not fetch")),
        ("404 then off", False, ("not found (HTTP 404)", "off: module lookup disabled")),
        ("off", False, ("GOPROXY=off (set by $GOPROXY): module lookup disabled",)),
        ("direct", False, ("direct is not a source for golang.org/toolchain",)),
        ("no scheme", False, ("invalid proxy URL missing scheme: goproxy",)),
    ],
)
def test_goproxy_list_semantics(
    world: World, case: str, ok: bool, needles: tuple[str, ...]
) -> None:
    goproxy, _ = _list_case(world, case)
    world.server.clear_faults()
    world.server.add_fault(f"/bad/{MODULE}/@v/{MV22}.info", Fault(status=500))
    try:
        r = run_gover(
            "install", "--source", "proxy", "1.22.10", env=_env(goproxy, world.serve(world.db()))
        )
    finally:
        world.server.clear_faults()
    if ok:
        assert r.code == 0, r.err
        assert _receipt("1.22.10")["source"] == f"proxy {world.url('proxy').rstrip('/')}"
        return
    assert r.code == 1, r.err
    assert_one_line_error(r.err, *needles)
    _nothing_installed()


@pytest.mark.parametrize(
    ("var", "value", "needle"),
    [
        ("GOPRIVATE", "golang.org", "GOPRIVATE=golang.org (set by $GOPRIVATE): its pattern"),
        ("GONOPROXY", "corp.example.com,golang.org/*", "its pattern 'golang.org/*' matches"),
        ("GOINSECURE", "*.org", "gover never fetches a toolchain insecurely"),
        ("GOFLAGS", "-mod=mod -insecure", "asks for -insecure"),
    ],
)
def test_private_and_insecure_settings_are_refused(
    world: World, var: str, value: str, needle: str
) -> None:
    env = _env(world.file_proxy, "off", "auto", **{var: value})
    r = run_gover("install", "--source", "proxy", "1.22.10", env=env)
    assert r.code == 1, r.err
    assert_one_line_error(r.err, needle, "--source go.dev")
    _nothing_installed()


def test_go_env_file_is_read_as_go_reads_it(tmp_path: Path, isolated_env: Path) -> None:
    """The environment wins; an empty one falls to `go env -w`'s file; then go's default."""
    goenv = isolated_env / ".config" / "go" / "env"
    goenv.parent.mkdir(parents=True)
    goenv.write_text("GOPROXY=https://goproxy.cn,direct\nGOPRIVATE=corp.example.com\n")
    env = proxy.go_env(
        {"HOME": str(isolated_env), "XDG_CONFIG_HOME": str(isolated_env / ".config"), "GOPROXY": ""}
    )
    assert env.get("GOPROXY") == "https://goproxy.cn,direct"
    assert env.origins["GOPROXY"] == f"set in {goenv}:1"
    assert env.get("GONOPROXY") == "corp.example.com"  # GOPRIVATE's default
    assert env.get("GOSUMDB") == "sum.golang.org"
    assert [e.url for e in proxy.plan(env).entries] == ["https://goproxy.cn", "direct"]
    env = proxy.go_env({"GOPROXY": "https://a.example|https://b.example", "GOENV": "off"})
    assert [(e.url, e.any_error) for e in proxy.plan(env).entries] == [
        ("https://a.example", True),
        ("https://b.example", False),
    ]


# ---- refused with exit 3, nothing installed ----------------------------------------------------


def _refused(r: object, *needles: str) -> None:
    assert r.code == 3, r.err  # type: ignore[attr-defined]
    assert_one_line_error(r.err, *needles)  # type: ignore[attr-defined]
    _nothing_installed()
    leftovers = (
        [p.name for p in paths.downloads_dir().glob("*.partial")]
        if paths.downloads_dir().exists()
        else []
    )
    assert leftovers == []


def _wrong_h1(z: modproxy.ModuleZip) -> str:
    other = "h1:" + ("A" if z.h1[3] != "A" else "B") + z.h1[4:]
    return z.sum_lines().replace(z.h1, other)


def test_zip_whose_dirhash_differs_from_the_log(world: World) -> None:
    z = world.zips["1.22.10"]
    db = world.db({z.mv: _wrong_h1(z)})
    r = run_gover(
        "install", "--source", "proxy", "1.22.10", env=_env(world.file_proxy, world.serve(db))
    )
    _refused(r, f"the zip's files hash to {z.h1}", "checksum database sumdb.test records")


def test_record_missing_from_the_log(world: World) -> None:
    z = world.zips["1.21.13"]
    db = world.db({z.mv: z.sum_lines()})  # only 1.21.13
    r = run_gover(
        "install", "--source", "proxy", "1.22.10", env=_env(world.file_proxy, world.serve(db))
    )
    _refused(r, f"has no record of {MODULE}@{MV22}")


def test_note_signed_by_another_key(world: World) -> None:
    db = world.db()
    impostor = world.db()  # same name, another key
    served = world.serve(impostor)
    gosumdb = db.key.vkey + " " + served.split(" ", 1)[1]
    r = run_gover("install", "--source", "proxy", "1.22.10", env=_env(world.file_proxy, gosumdb))
    _refused(r, "sumdb.test")


def _seed_head(db: TestSumDB, size: int | None = None) -> None:
    """What gover saw before: the database's head of `size` records in its state dir."""
    state = paths.sumdb_state_dir() / db.name / "latest"
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_bytes(db.note(size))


def test_forked_log_names_both_heads(world: World) -> None:
    db = world.db()
    _seed_head(db)
    fork = db.fork()
    r = run_gover(
        "install", "--source", "proxy", "1.22.10", env=_env(world.file_proxy, world.serve(fork))
    )
    _refused(r, "SECURITY ERROR", "forked", f"{len(db.records)}")


def test_rollback_to_an_older_head(world: World) -> None:
    db = world.db(early=True)
    _seed_head(db)
    gosumdb = world.serve(db, size=len(db.records) - 100)
    r = run_gover("install", "--source", "proxy", "1.22.10", env=_env(world.file_proxy, gosumdb))
    _refused(r, "SECURITY ERROR", "went back to an older tree")


def test_inclusion_proof_that_does_not_verify(world: World) -> None:
    db = world.db()
    r = run_gover(
        "install",
        "--source",
        "proxy",
        "1.22.10",
        env=_env(world.file_proxy, world.serve(db, lying_tiles=True)),
    )
    _refused(r, "SECURITY ERROR", "is not proven in the signed")


def test_gosumdb_off_under_require(world: World) -> None:
    r = run_gover("install", "--source", "proxy", "1.22.10", env=_env(world.file_proxy, "off"))
    _refused(r, "GOSUMDB=off: the checksum database cannot vouch", "verify_sumdb = require")


def test_verify_sumdb_off_leaves_a_proxy_install_without_proof(world: World) -> None:
    r = run_gover(
        "install", "--source", "proxy", "1.22.10", env=_env(world.file_proxy, "off", "off")
    )
    _refused(r, "verify_sumdb = off (set by $GOVER_VERIFY_SUMDB)", "no proof at all")


HOSTILE = {
    "dotdot": [("{p}/VERSION", b"go1.22.10\n"), ("{p}/../evil", b"x")],
    "absolute": [("{p}/VERSION", b"go1.22.10\n"), ("/tmp/evil", b"x")],
    "two roots": [("{p}/VERSION", b"go1.22.10\n"), ("golang.org/toolchain@v0.0.2/x", b"x")],
    "symlink": [("{p}/VERSION", b"go1.22.10\n"), ("{p}/bin/link", b"/etc/passwd")],
}
NEEDLES = {
    "dotdot": "escapes the archive root",
    "absolute": "is an absolute path",
    "two roots": f"is outside the single '{MODULE}@{MV22}/' root",
    "symlink": "is a symlink (a module zip holds only files and directories)",
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_zip_with_hostile_names(world: World, tmp_path: Path, case: str) -> None:
    """The database vouches for the hostile zip (its h1 is logged), so only the archive rules
    stand between it and the disk."""
    tree = tmp_path / "hostile"
    at_v = tree / MODULE / "@v"
    at_v.mkdir(parents=True)
    (at_v / f"{MV22}.info").write_text(json.dumps({"Version": MV22}))
    (at_v / f"{MV22}.mod").write_bytes(modproxy.GOMOD)
    entries = []
    with zipfile.ZipFile(at_v / f"{MV22}.zip", "w") as zf:
        for name, data in HOSTILE[case]:
            info = zipfile.ZipInfo(name.format(p=f"{MODULE}@{MV22}"))
            if case == "symlink" and name.endswith("link"):
                info.create_system = 3
                info.external_attr = 0o120777 << 16
            zf.writestr(info, data)
            entries.append((info.filename, hashlib.sha256(data).hexdigest()))
    h1 = dirhash.hash1(entries)
    lines = f"{MODULE} {MV22} {h1}\n{MODULE} {MV22}/go.mod {dirhash.gomod_hash(modproxy.GOMOD)}\n"
    r = run_gover(
        "install",
        "--source",
        "proxy",
        "1.22.10",
        env=_env(tree.as_uri(), world.serve(world.db({MV22: lines}))),
    )
    _refused(r, NEEDLES[case], f"{MV22}.zip")
    assert not (tmp_path / "evil").exists()


def test_list_remote_through_the_proxy_reads_its_version_list(world: World) -> None:
    """`list-remote --source proxy`: the releases @v/list names for this platform, which
    proxy answered, no index and no download."""
    r = run_gover("list-remote", "--source", "proxy", "--json", env={"GOPROXY": world.url("proxy")})
    assert r.code == 0, r.err
    data = json.loads(r.out)
    assert [(x["version"], x["filename"], x["installed"]) for x in data["releases"]] == [
        ("1.22.10", "v0.0.1-go1.22.10.linux-amd64.zip", False),
        ("1.21.13", "v0.0.1-go1.21.13.linux-amd64.zip", False),
    ]
    assert data["index"] == {
        "url": world.url(f"proxy/{MODULE}/@v/list"),
        "source": f"proxy, GOPROXY={world.url('proxy')} (set by $GOPROXY)",
    }
    r = run_gover("list-remote", "1.21", "--source", "proxy", env={"GOPROXY": world.url("proxy")})
    assert (r.code, r.out) == (0, "1.21.13\n"), r.err
    r = run_gover("list-remote", "--source", "proxy", env={"GOPROXY": "off"})
    assert r.code == 1 and r.err_lines[-1].startswith(
        "gover: error: GOPROXY=off (set by $GOPROXY): module lookup disabled by GOPROXY=off"
    ), r.err
