"""`gover upgrade`: newest patches installed through the real install, the global moved, exact
pins rewritten byte for byte with --pins, a toolchain line only with --gomod, never a go line."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from gover.select import gomod
from tests.support.cli import assert_one_line_error, run_gover

GO_VERSION = b"# pinned for the release branch\r\ngo1.22.9\r\n# trailing note\r\n"
TOOL_VERSIONS = b"nodejs 20.1.0\ngolang  1.22.9   # keep me\npython 3.12.1\n"
GO_MOD = b"module example.com/x\r\n\r\ngo 1.22.9 // the language\r\n\r\ntoolchain go1.22.9\r\n"


def _files(proj: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(proj.iterdir()) if p.is_file()}


@pytest.fixture
def proj(lc: Path, tmp_path: Path) -> Path:
    d = tmp_path / "proj"
    d.mkdir()
    (d / ".go-version").write_bytes(GO_VERSION)
    (d / "go.mod").write_bytes(GO_MOD)
    sub = d / "tools"
    sub.mkdir()
    (sub / ".tool-versions").write_bytes(TOOL_VERSIONS)
    return d


def test_upgrade_installs_moves_global_and_rewrites_exact_pins(
    lc: Path, proj: Path, tmp_path: Path
) -> None:
    assert run_gover("global", "1.22.9").code == 0
    # a directory gover recorded when `gover local` pinned it: found by --pins from anywhere
    other = tmp_path / "other"
    other.mkdir()
    assert run_gover("local", "1.22.8", cwd=other).code == 0
    floating = tmp_path / "floating"
    floating.mkdir()
    (floating / ".go-version").write_text("1.22\n")
    assert run_gover("local", "1.22", cwd=floating).code == 0
    before = _files(proj)

    r = run_gover("upgrade", "1.22", "--pins", cwd=proj / "tools")
    assert r.code == 0, r.err
    new = lc / "versions" / "1.22.10"
    assert (new / "bin" / "go").is_file()  # the real 1.22.10, verified like any install
    assert (lc / "versions" / "1.22.9").is_dir()  # the old patch stays (prune removes it)
    assert (lc / "global").read_text() == "1.22.10\n"
    assert (proj / "tools" / ".tool-versions").read_bytes() == TOOL_VERSIONS.replace(
        b"1.22.9", b"1.22.10"
    )
    assert (proj / ".go-version").read_bytes() == GO_VERSION.replace(b"go1.22.9", b"go1.22.10")
    assert (proj / "go.mod").read_bytes() == before["go.mod"]  # no --gomod: untouched
    assert (other / ".go-version").read_text() == "1.22.10\n"
    assert (floating / ".go-version").read_text() == "1.22\n"  # a prefix floats: never rewritten
    assert r.out.splitlines() == [
        "go 1.22: installed 1.22.10 (was 1.22.9)",
        f"rewrote global pin 1.22.9 -> 1.22.10 in {lc / 'global'}",
        f"rewrote pin 1.22.9 -> 1.22.10 in {proj / 'tools' / '.tool-versions'}",
        f"rewrote pin 1.22.9 -> 1.22.10 in {proj / '.go-version'}",
        f"rewrote pin 1.22.8 -> 1.22.10 in {other / '.go-version'}",
    ]
    assert "gover prune" in r.err

    # --gomod: the toolchain line only, the go line and every other byte kept
    g = run_gover("upgrade", "--gomod", "--json", cwd=proj)
    assert g.code == 0, g.err
    doc = json.loads(g.out)
    assert doc["installs"] == []  # 1.21 and 1.20 are current; 1.22 was just upgraded
    assert doc["rewrites"] == [
        {
            "path": str(proj / "go.mod"),
            "kind": "toolchain-line",
            "old": "1.22.9",
            "new": "1.22.10",
        }
    ]
    assert (proj / "go.mod").read_bytes() == GO_MOD.replace(
        b"toolchain go1.22.9", b"toolchain go1.22.10"
    )


def test_upgrade_only_named_minors_and_dry_run(lc: Path, proj: Path) -> None:
    assert run_gover("global", "1.21.12").code == 0
    before = _files(proj)
    r = run_gover("upgrade", "--dry-run", "--pins", "--gomod", cwd=proj)
    assert r.code == 0, r.err
    assert r.out.splitlines() == [
        "go 1.22: would install 1.22.10 (was 1.22.9)",
        "go 1.21: 1.21.13 is up to date",
        "go 1.20: 1.20.14 is up to date",
        f"would rewrite global pin 1.21.12 -> 1.21.13 in {lc / 'global'}",
        f"would rewrite pin 1.22.9 -> 1.22.10 in {proj / '.go-version'}",
        f"would rewrite toolchain line 1.22.9 -> 1.22.10 in {proj / 'go.mod'}",
    ]
    assert not (lc / "versions" / "1.22.10").exists()
    assert _files(proj) == before
    assert (lc / "global").read_text() == "1.21.12\n"
    # naming 1.21 leaves the 1.22 pins alone and moves the global within 1.21
    n = run_gover("upgrade", "1.21", "--pins", cwd=proj)
    assert n.code == 0, n.err
    assert (lc / "global").read_text() == "1.21.13\n"
    assert _files(proj) == before
    assert not (lc / "versions" / "1.22.10").exists()
    bad = run_gover("upgrade", "1.19", cwd=proj)
    assert bad.code == 2
    assert_one_line_error(bad.err, "1.19")


def test_upgrade_refuses_without_index(
    lc: Path, proj: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run_gover("global", "1.22.9").code == 0
    monkeypatch.setenv("GOVER_INDEX_URL", os.environ["GOVER_DOWNLOAD_BASE"] + "gone.json")
    before = _files(proj)
    r = run_gover("upgrade", "--pins", "--gomod", cwd=proj)
    assert r.code == 1
    assert_one_line_error(r.err, "gone.json")
    assert _files(proj) == before
    assert (lc / "global").read_text() == "1.22.9\n"
    assert not (lc / "versions" / "1.22.10").exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            b"module m\ngo 1.22.9\ntoolchain go1.22.9\n",
            b"module m\ngo 1.22.9\ntoolchain go1.22.10\n",
        ),
        (  # BOM, CRLF, tabs, a trailing comment
            b"\xef\xbb\xbftoolchain\tgo1.22.9 // pinned\r\nrequire x v1.0.0\r\n",
            b"\xef\xbb\xbftoolchain\tgo1.22.10 // pinned\r\nrequire x v1.0.0\r\n",
        ),
        (b"module m\ngo 1.22.9\ntoolchain default\n", None),
        (b"module m\ngo 1.22.9\n// toolchain go1.22.9\n", None),
        (b"module m\x00\ntoolchain go1.22.9\n", None),  # NULs: the readers' offsets differ
        (b"module m\n" + b"//" + b"x" * 1100 + b"\ntoolchain go1.22.9\n", None),  # past the limit
    ],
)
def test_set_toolchain_replaces_only_that_word(
    tmp_path: Path, text: bytes, expected: bytes | None
) -> None:
    path = tmp_path / "go.mod"
    path.write_bytes(text)
    path.chmod(0o640)
    old = gomod.set_toolchain(path, "go1.22.10")
    if expected is None:
        assert old is None
        assert path.read_bytes() == text
    else:
        assert old == "go1.22.9"
        assert path.read_bytes() == expected
        assert path.stat().st_mode & 0o777 == 0o640
        assert gomod.read(path).toolchain == "go1.22.10"


def test_set_toolchain_refuses_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real.mod"
    real.write_bytes(b"toolchain go1.22.9\n")
    (tmp_path / "go.mod").symlink_to(real)
    with pytest.raises(OSError):
        gomod.set_toolchain(tmp_path / "go.mod", "go1.22.10")
    assert real.read_bytes() == b"toolchain go1.22.9\n"
