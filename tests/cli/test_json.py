"""--json: every document parses and carries "schema": 1; a failure under --json is a JSON
object on stdout ({"schema", "error", "exit_code"}) as well as the one line on stderr, with
the exit code it has without --json. Real store, real toolchains, real mirror."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import Result, run_gover
from tests.support.mirror import Mirror


@pytest.fixture
def store(real_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("GOVER_HOME", str(real_home))
    monkeypatch.setenv("PATH", f"{real_home / 'shims'}:/usr/bin:/bin")
    yield real_home


@pytest.fixture
def proj(tmp_path: Path) -> Path:
    p = tmp_path / "repo"
    p.mkdir()
    (p / ".go-version").write_text("1.22.10\n")
    (p / "go.mod").write_text("module example.com/app\n\ngo 1.22.3\n")
    return p


def _doc(r: Result, code: int = 0) -> Any:
    assert r.code == code, r.err
    data = json.loads(r.out)
    assert isinstance(data, dict)
    assert next(iter(data)) == "schema" and data["schema"] == 1, r.out
    return data


def test_every_json_document_has_schema_1(store: Path, proj: Path, mirror: Mirror) -> None:
    go = store / "versions" / "1.22.10" / "bin" / "go"

    listing = _doc(run_gover("list", "--json", cwd=proj))
    assert [v["version"] for v in listing["versions"]] == ["1.22.10", "1.21.13"]
    assert listing["versions"][0]["path"] == str(store / "versions" / "1.22.10")
    assert _doc(run_gover("--debug", "list", "--json", cwd=proj)) == listing  # typer route

    remote = _doc(run_gover("list-remote", "1.21", "--json", cwd=proj))
    assert remote["releases"][0]["version"] == "1.21.13"
    assert remote["releases"][0]["installed"] is True

    current = _doc(run_gover("current", "--json", cwd=proj))
    assert current["version"] == "1.22.10" and current["origin"] == str(proj / ".go-version")
    assert current["go"] == str(go)

    which = _doc(run_gover("which", "--json", cwd=proj))
    assert which == {"schema": 1, "program": "go", "path": str(go)}
    assert _doc(run_gover("--debug", "which", "--json", cwd=proj)) == which

    settings = _doc(run_gover("config", "list", "--json", cwd=proj))
    assert settings["settings"]["index_url"] == mirror.index_url
    assert settings["origins"]["index_url"] == "$GOVER_INDEX_URL"

    keys = _doc(run_gover("keys", "list", "--json", cwd=proj))
    assert "EB4C1BFD4F042F6DDDCCEC917721F63BD38B4796" in [k["fingerprint"] for k in keys["keys"]]

    binaries = _doc(run_gover("verify", "--json", str(go), cwd=proj))
    assert binaries["binaries"] == [
        {"path": str(go), "built_with": "go1.22.10", "ok": True, "error": None}
    ]
    assert binaries["exit_code"] == 0 and "error" not in binaries
    mismatch = _doc(run_gover("verify", "--json", "--expect", "1.21", str(go), cwd=proj), 4)
    assert mismatch["exit_code"] == 4 and "error" not in mismatch

    gomod = _doc(run_gover("verify", "--gomod", "--json", cwd=proj))
    assert (gomod["go"], gomod["selected"], gomod["problems"]) == ("1.22.3", "go1.22.10", [])

    env = _doc(run_gover("verify", "--json", cwd=proj))
    assert env["exit_code"] == 0 and {c["check"] for c in env["checks"]} >= {"PATH"}


def _failure(args: tuple[str, ...], cwd: Path, env: dict[str, str] | None = None) -> Any:
    """The same command without --json fails with one line; with it, that line is also the
    "error" of a JSON object on stdout, and the exit code does not change."""
    plain = run_gover(*[a for a in args if a != "--json"], cwd=cwd, env=env)
    r = run_gover(*args, cwd=cwd, env=env)
    assert r.code == plain.code != 0
    if "--debug" not in args:  # --debug adds the traceback (and takes the typer route)
        assert len(r.err_lines) == 1, r.err
    assert r.err_lines[-1].startswith("gover: error: "), r.err
    line = r.err_lines[-1].removeprefix("gover: error: ")
    data = json.loads(r.out)
    assert (data["schema"], data["error"], data["exit_code"]) == (1, line, r.code), r.out
    return data, plain


def test_current_json_with_nothing_installed(tmp_path: Path) -> None:
    (tmp_path / ".go-version").write_text("1.22.3\n")
    for args in (("current", "--json"), ("--debug", "current", "--json"), ("which", "--json")):
        data, plain = _failure(args, tmp_path)
        assert data["error"] == (
            f"go 1.22.3 (set by {tmp_path / '.go-version'}) is not installed; "
            "run: gover install 1.22.3"
        )
        assert plain.out == ""


def test_list_remote_json_with_a_refused_index_url(tmp_path: Path) -> None:
    data, _ = _failure(
        ("list-remote", "--json"), tmp_path, env={"GOVER_INDEX_URL": "ftp://example.com/x"}
    )
    assert data == {
        "schema": 1,
        "error": "refusing ftp://example.com/x: unsupported URL scheme ftp:; use an https:// URL "
        "(or file:// for a local mirror); see: gover config get",
        "exit_code": 1,
    }


def test_verify_json_on_a_non_go_file(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("hello\n")
    data, plain = _failure(("verify", "--json", "--expect", "1.22", str(notes)), tmp_path)
    assert data["error"] == f"{notes}: not an executable (ELF, Mach-O or PE)"
    assert data["binaries"][0]["error"] == data["error"]
    assert plain.out == f"{notes}: not an executable (ELF, Mach-O or PE)\n"  # text: unchanged


def test_json_error_escapes_terminal_controls(tmp_path: Path) -> None:
    evil = tmp_path / "a\x1b]0;pwned\x07"
    evil.mkdir()
    (evil / ".go-version").write_text("1.22.3\n")
    r = run_gover("current", "--json", cwd=evil)
    assert r.code == 1
    assert "\x1b" not in r.out and "\x07" not in r.out
    assert str(evil) in json.loads(r.out)["error"]


def test_json_of_a_program_gover_exec_runs_is_not_ours(tmp_path: Path) -> None:
    """`--json` after `--` belongs to the program: a failure stays text only."""
    r = run_gover("exec", "--", "no-such-program-here", "--json", cwd=tmp_path)
    assert r.code == 2
    assert r.out == ""
    assert r.err_lines == [
        "gover: error: no-such-program-here: command not found; check the name or your PATH"
    ]
