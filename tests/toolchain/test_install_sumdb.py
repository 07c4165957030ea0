"""The checksum database as the third proof of a go.dev install (verify_sumdb): the unpacked
release's module subset hashes to the h1 the database records for the toolchain module.

The release archives come from the signed test mirror (index SHA-256 and GPG as usual); the
database is the test one, served over HTTP on 127.0.0.1 and named by GOSUMDB.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from tests.support import modproxy
from tests.support.cli import assert_one_line_error, run_gover, store_root
from tests.support.httpserver import TestServer
from tests.support.mirror import Mirror
from tests.support.sumdb import TestSumDB

MODULE = modproxy.MODULE


def _serve(tmp_path: Path, lines: str, mv: str) -> tuple[TestSumDB, Path]:
    db = TestSumDB("sumdb.test")
    db.add_filler(40)
    db.add(MODULE, mv, lines)
    db.add_filler(5)
    db.write(tmp_path / "db")
    return db, tmp_path / "db"


def test_go_dev_install_proven_by_the_checksum_database(
    mirror: Mirror, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    z = modproxy.build_zip("1.22.10")
    db, root = _serve(tmp_path, z.sum_lines(), z.mv)
    with TestServer(root) as server:
        monkeypatch.setenv("GOSUMDB", db.gosumdb(server.url.rstrip("/")))
        monkeypatch.setenv("GOVER_VERIFY_SUMDB", "require")
        r = run_gover("install", "1.22.10", "--json")
    assert r.code == 0, r.err
    (item,) = json.loads(r.out)["installs"]
    receipt = json.loads((store_root() / "1.22.10" / ".gover-receipt.json").read_text())
    sha = receipt["sha256"]
    proof = f"sumdb sumdb.test {z.h1} (record 40, tree 46)"
    assert receipt["proofs"] == [f"sha256 {sha}", f"gpg {receipt['signer']}", proof]
    assert item["proofs"] == receipt["proofs"]
    assert receipt["source"] == item["via"] == f"mirror {mirror.url}"


def test_go_dev_install_refused_when_the_database_records_another_h1(
    mirror: Mirror, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    z = modproxy.build_zip("1.22.10")
    other = "h1:" + ("A" if z.h1[3] != "A" else "B") + z.h1[4:]
    db, root = _serve(tmp_path, z.sum_lines().replace(z.h1, other), z.mv)
    with TestServer(root) as server:
        monkeypatch.setenv("GOSUMDB", db.gosumdb(server.url.rstrip("/")))
        monkeypatch.setenv("GOVER_VERIFY_SUMDB", "require")
        r = run_gover("install", "1.22.10")
    assert r.code == 3, r.err
    assert_one_line_error(r.err, f"the tree hashes to {z.h1}", f"records {other}")
    assert not (store_root() / "1.22.10").exists()
    assert [p.name for p in store_root().iterdir()] == []


def test_go_dev_install_under_auto_warns_when_the_database_is_unreachable(
    mirror: Mirror, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = TestSumDB("sumdb.test")
    monkeypatch.setenv("GOSUMDB", db.gosumdb("http://127.0.0.1:9"))  # nothing listens on 9
    monkeypatch.setenv("GOVER_VERIFY_SUMDB", "auto")
    r = run_gover("install", "1.22.10")
    assert r.code == 0, r.err
    assert "not checked against the checksum database" in r.err
    receipt = json.loads((store_root() / "1.22.10" / ".gover-receipt.json").read_text())
    assert [p.split(" ")[0] for p in receipt["proofs"]] == ["sha256", "gpg"]


def test_hashes_taken_while_unpacking_are_the_tree_hash(tmp_path: Path) -> None:
    """A release install proves its tree from the hashes taken as each file is written;
    they must give exactly what reading the tree back gives (dirhash.tree_hash)."""
    from gover.toolchain import install
    from gover.toolchain.archive import extract as archive
    from gover.toolchain.trust import dirhash
    from gover.versions import GoVersion
    from tests.support import goarchives

    dest = tmp_path / "tree"
    dest.mkdir()
    stats = archive.extract(goarchives.archive_path("1.21.13"), dest, hash_files=True)
    assert len(stats.file_hashes) == stats.files > 9000
    (dest / ".unpacked-success").write_text("")  # not a release file: left out by both
    mv = dirhash.module_version(GoVersion.parse("1.21.13"), "linux", "amd64")
    assert install._release_h1(stats, dest, mv) == dirhash.tree_hash(dest, mv)
    # And it is not a constant: one file's hash changed changes it.
    rel = stats.file_hashes[0][0]
    changed = dataclasses.replace(stats, file_hashes=((rel, "0" * 64), *stats.file_hashes[1:]))
    assert install._release_h1(changed, dest, mv) != dirhash.tree_hash(dest, mv)
