"""--json: every document parses and carries "schema": 1; a failure under --json is a JSON
object on stdout ({"schema", "error", "exit_code"}) as well as the one line on stderr, with
the exit code it has without --json. Real store, real toolchains, real mirror."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gover.results.toolchains import grouped
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


def test_commands_that_change_things_speak_json(
    tmp_path: Path, mirror: Mirror, signing_key: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """install, rehash, local, global, config get/set/unset, keys refresh, cache clean and
    uninstall: each --json document has schema 1 and says what the text line says; the text
    stays the line it always was. A real install from the signed mirror."""
    home = Path(os.environ["GOVER_HOME"])
    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # the shims are not on PATH
    proj = tmp_path / "proj"
    proj.mkdir()
    root = home / "versions" / "1.21.13"

    inst = _doc(run_gover("install", "1.21.13", "--json", cwd=proj))
    (item,) = inst["installs"]
    assert (item["version"], item["path"], item["status"]) == ("1.21.13", str(root), "installed")
    assert item["signer"] == signing_key.fingerprint and len(item["sha256"]) == 64
    assert item["url"] == mirror.url + "go1.21.13.linux-amd64.tar.gz" and item["seconds"] > 0
    again = _doc(run_gover("install", "1.21.13", "--json", cwd=proj))
    assert again["installs"][0]["status"] == "already-installed"
    text = run_gover("install", "1.21.13", cwd=proj)
    assert text.out == f"go 1.21.13 is already installed in {root}\n"

    shims = _doc(run_gover("rehash", "--json", cwd=proj))
    assert shims["shims_dir"] == str(home / "shims") and "go" in shims["shims"]
    assert shims["aliases"] == {"1.21": "1.21.13", "1": "1.21.13", "latest": "1.21.13"}
    assert (shims["kept"], shims["on_path"]) == ([], False)
    assert (shims["kind"], shims["why"]) == ("native", None) and shims["built_with"]
    text = run_gover("rehash", cwd=proj)
    assert (
        text.out
        == f"{len(shims['shims'])} shims in {home / 'shims'}: "
        + ", ".join(shims["shims"])
        + f"\nshim kind: native (built with {shims['built_with']})\n"
    )
    assert text.err == f'add the shims to PATH: export PATH="{home / "shims"}:$PATH"\n'

    pin = proj / ".go-version"
    local = _doc(run_gover("local", "1.21", "--json", cwd=proj))
    assert local == {
        "schema": 1,
        "scope": "local",
        "file": str(pin),
        "pin": "1.21",
        "selects": "1.21.13",
    }
    assert pin.read_text() == "1.21\n"
    forced = _doc(run_gover("local", "1.19", "--force", "--json", cwd=proj))
    assert (forced["pin"], forced["selects"]) == ("1.19", None)
    assert run_gover("local", "1.21", cwd=proj).out == f"go 1.21 pinned in {pin}\n"
    gone = _doc(run_gover("local", "--unset", "--json", cwd=proj))
    assert gone == {"schema": 1, "scope": "local", "file": str(pin), "removed": True}
    assert _doc(run_gover("local", "--unset", "--json", cwd=proj))["removed"] is False
    assert run_gover("local", "--unset", cwd=proj).out == f"no {pin} to remove\n"

    assert _doc(run_gover("global", "--json", cwd=proj)) == {
        "schema": 1,
        "pin": "system",
        "file": None,
    }
    glob = _doc(run_gover("global", "1.21.13", "--json", cwd=proj))
    assert (glob["scope"], glob["pin"], glob["selects"]) == ("global", "1.21.13", "1.21.13")
    gfile = Path(glob["file"])
    assert gfile.read_text() == "1.21.13\n"
    assert _doc(run_gover("global", "--json", cwd=proj)) == {
        "schema": 1,
        "pin": "1.21.13",
        "file": str(gfile),
    }
    assert run_gover("global", cwd=proj).out == "1.21.13\n"
    assert run_gover("global", "1.21", cwd=proj).out == (
        f"global default is now go 1.21 ({gfile})\n"
    )
    assert _doc(run_gover("global", "--unset", "--json", cwd=proj))["removed"] is True

    changed = _doc(run_gover("config", "set", "index_ttl", "60", "--json", cwd=proj))
    cfg_file = Path(changed["file"])
    assert changed == {"schema": 1, "key": "index_ttl", "value": 60, "file": str(cfg_file)}
    assert _doc(run_gover("config", "get", "index_ttl", "--json", cwd=proj)) == {
        "schema": 1,
        "key": "index_ttl",
        "value": 60,
        "origin": str(cfg_file),
    }
    assert run_gover("config", "get", "index_ttl", cwd=proj).out == "60\n"
    assert run_gover("config", "set", "gpg", "require", cwd=proj).out == (
        f'gpg = "require" in {cfg_file}\n'
    )
    unset = _doc(run_gover("config", "unset", "index_ttl", "--json", cwd=proj))
    assert unset == {"schema": 1, "key": "index_ttl", "file": str(cfg_file)}
    assert run_gover("config", "unset", "gpg", cwd=proj).out == ""  # text: silent, as before
    default = _doc(run_gover("config", "get", "index_ttl", "--json", cwd=proj))
    assert default["origin"] == "default" and default["value"] != 60
    url = _doc(run_gover("config", "get", "index_url", "--json", cwd=proj))
    assert (url["value"], url["origin"]) == (mirror.index_url, "$GOVER_INDEX_URL")

    key = _doc(run_gover("keys", "refresh", "--json", cwd=proj))
    assert key["fingerprint"] == "EB4C1BFD4F042F6DDDCCEC917721F63BD38B4796"
    assert key["url"] == mirror.url + "linux_signing_key.pub"
    assert set(key) == {"schema", "fingerprint", "url", "expires"}

    # A later version that fails: the ones already removed are still reported (text, as before).
    partial = run_gover("uninstall", "1.21.13", "9.9.9", cwd=proj)
    assert (partial.code, partial.out) == (1, f"uninstalled go 1.21.13 ({root})\n")
    assert len(partial.err_lines) == 1
    assert partial.err_lines[0].startswith("gover: error: go 9.9.9 is not installed (")
    assert partial.err_lines[0].endswith("; see: gover list")
    assert not root.exists()
    back = run_gover("install", "1.21.13", cwd=proj)  # from the download cache
    assert re.fullmatch(
        re.escape(
            f"installed go 1.21.13 in {root} (sha256 {item['sha256'][:12]}…, "
            f"signature by gover test release key <govertestreleasekey@example.invalid> "
            f"({grouped(signing_key.fingerprint)}), "
        )
        + r"[0-9]+\.[0-9]s\)\n",
        back.out,
    ), back.out

    removed = _doc(run_gover("uninstall", "1.21.13", "--json", cwd=proj))
    assert removed["removed"] == [{"version": "1.21.13", "path": str(root)}]
    assert not root.exists()

    cleaned = _doc(run_gover("cache", "clean", "--json", cwd=proj))
    archive = mirror.root / "go1.21.13.linux-amd64.tar.gz"
    assert cleaned["files"] >= 1 and cleaned["bytes"] >= archive.stat().st_size
    assert _doc(run_gover("cache", "clean", "--json", cwd=proj)) == {
        "schema": 1,
        "files": 0,
        "bytes": 0,
    }
    assert run_gover("cache", "clean", cwd=proj).out == "removed 0 cached files (0.0 MB)\n"


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        (
            ("uninstall", "1.21.13", "--json"),
            "go 1.21.13 is not installed (nothing is installed); see: gover list",
            1,
        ),
        (("install", "9.9.9", "--json"), None, None),
        (
            ("local", "1.21", "--json"),
            "go 1.21 is not installed; run: gover install 1.21 (or pass --force to pin it anyway)",
            None,
        ),
        (("global", "1.21", "--json"), None, None),
        (("rehash", "--json"), None, None),
        (("config", "get", "nope", "--json"), None, 2),
        (("config", "set", "index_ttl", "soon", "--json"), None, None),
        (("config", "unset", "nope", "--json"), None, 2),
        (("keys", "refresh", "--json"), None, None),
    ],
)
def test_failures_of_the_changing_commands_are_json(
    tmp_path: Path, args: tuple[str, ...], message: str | None, code: int | None
) -> None:
    """Each new --json command, made to fail: a JSON error object on stdout, the same line and
    exit code as without --json. (rehash fails on a config file that does not parse; the
    index and key URLs are refused.) `cache clean` has no failure to show: it skips what it
    cannot remove."""
    home = Path(os.environ["GOVER_HOME"])
    env = {"GOVER_INDEX_URL": "ftp://example.com/x", "GOVER_KEY_URL": "ftp://example.com/k"}
    if args[0] == "rehash":
        home.mkdir(parents=True, exist_ok=True)
        (home / "config.toml").write_text("gpg = [unclosed\n")
    data, plain = _failure(args, tmp_path, env)
    if message is not None:
        assert data["error"] == message
    if code is not None:
        assert data["exit_code"] == code
    assert plain.out == ""
    assert not (tmp_path / ".go-version").exists()
