"""`gover outdated`: installed minors, the global, the pins here and below, against the index."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.maintenance.conftest import write_index
from tests.support.cli import assert_one_line_error, run_gover


def _project(tmp_path: Path) -> Path:
    proj = tmp_path / "proj"
    (proj / "sub").mkdir(parents=True)
    (proj / ".go-version").write_text("1.22\n")
    (proj / "sub" / "go.mod").write_text("module x\n\ngo 1.21.2\n\ntoolchain go1.21.12\n")
    return proj


def test_outdated_text_and_json(lc: Path, tmp_path: Path) -> None:
    proj = _project(tmp_path)
    assert run_gover("global", "1.22.8").code == 0
    r = run_gover("outdated", cwd=proj / "sub")
    assert r.code == 0, r.err
    glob = lc / "global"
    assert r.out.splitlines() == [
        "installed: 1.22.9 -> 1.22.10 (newer patch 1.22.10)",
        "installed: 1.21.13 -> 1.21.13 (up to date)",
        "installed: 1.20.14 -> 1.20.14 (up to date; go 1.20 is no longer supported)",
        f"{glob}: 1.22.8 -> 1.22.10 (newer patch 1.22.10)",
        f"{proj / 'sub' / 'go.mod'}: 1.21.12 -> 1.21.13 (newer patch 1.21.13)",
        f"{proj / '.go-version'}: 1.22 -> 1.22.10 (selects 1.22.9: newer patch 1.22.10)",
    ]
    assert "release index: " in r.err
    j = run_gover("outdated", "--json", cwd=proj / "sub")
    assert j.code == 0, j.err
    doc = json.loads(j.out)
    assert doc["schema"] == 1 and doc["outdated"] is True
    by_where = {row["where"]: row for row in doc["rows"] if row["kind"] != "installed"}
    prefix = by_where[str(proj / ".go-version")]
    assert prefix["pin_kind"] == "prefix" and prefix["floats"] is True
    assert (prefix["current"], prefix["latest"], prefix["status"]) == (
        "1.22.9",
        "1.22.10",
        "outdated",
    )
    tc = by_where[str(proj / "sub" / "go.mod")]
    assert (tc["pin_kind"], tc["pin"], tc["status"]) == ("toolchain", "1.21.12", "outdated")
    installed = [row for row in doc["rows"] if row["kind"] == "installed"]
    assert [(r_["current"], r_["supported"]) for r_ in installed] == [
        ("1.22.9", True),
        ("1.21.13", True),
        ("1.20.14", False),
    ]
    # --exit-code: 1 when anything is outdated (a CI gate); 0 otherwise
    assert run_gover("outdated", "--exit-code", cwd=proj / "sub").code == 1


def test_outdated_exit_code_zero_when_all_current(lc: Path, lc_tree: Path, tmp_path: Path) -> None:
    write_index(lc_tree, ("1.22.9", "1.21.13", "1.20.14"))
    r = run_gover("outdated", "--exit-code", cwd=tmp_path)
    assert r.code == 0, r.err
    assert "newer" not in r.out
    assert "everything is up to date" in r.err


def test_outdated_recursive(lc: Path, tmp_path: Path) -> None:
    top = tmp_path / "mono"
    for d, name, text in (
        ("a", ".go-version", "go1.22.8\n"),
        ("b/c", ".tool-versions", "nodejs 20.1.0\ngolang 1.21.12\n"),
        ("d", "go.work", "go 1.22.1\n"),
        (".hidden", ".go-version", "1.20.14\n"),
        ("node_modules/x", ".go-version", "1.20.14\n"),
        ("vendor/y", ".go-version", "1.20.14\n"),
    ):
        (top / d).mkdir(parents=True, exist_ok=True)
        (top / d / name).write_text(text)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / ".go-version").write_text("1.20.14\n")
    os.symlink(tmp_path / "elsewhere", top / "linked")
    plain = run_gover("outdated", "--json", cwd=top)
    assert plain.code == 0, plain.err
    assert [r for r in json.loads(plain.out)["rows"] if r["kind"] == "file"] == []
    r = run_gover("outdated", "--recursive", "--json", cwd=top)
    assert r.code == 0, r.err
    files = {row["where"]: row for row in json.loads(r.out)["rows"] if row["kind"] == "file"}
    assert sorted(files) == sorted(
        str(top / p) for p in ("a/.go-version", "b/c/.tool-versions", "d/go.work")
    )
    assert files[str(top / "a/.go-version")]["status"] == "outdated"
    assert files[str(top / "a/.go-version")]["latest"] == "1.22.10"
    # a go line is a minimum that floats: it says what it selects (the newest 1.22 installed)
    work = files[str(top / "d/go.work")]
    assert (work["pin_kind"], work["current"], work["floats"]) == ("minimum", "1.22.9", True)


def test_outdated_unreadable_index(
    lc: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOVER_INDEX_URL", os.environ["GOVER_DOWNLOAD_BASE"] + "nope.json")
    r = run_gover("outdated", cwd=tmp_path)
    assert r.code == 1
    assert_one_line_error(r.err, "nope.json")
