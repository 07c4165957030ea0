"""The everyday verbs: hidden `ls`/`rm`, `gover local` with no argument, `uninstall PREFIX`,
`list` marking the active version, `list-remote PREFIX` with no match, and `config` printing
TOML values and naming an environment variable that overrides what it just wrote.
Fake installs (receipt + bin/go script) or the real mirror, and the real entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gover import paths
from tests.support import fakego
from tests.support.cli import assert_one_line_error, run_gover
from tests.support.mirror import Mirror


@pytest.fixture
def proj(tmp_path: Path) -> Path:
    """A project with 1.21.12, 1.21.13 and 1.22.10 installed and nothing pinned."""
    fakego.install_fake("1.21.12", "1.21.13", "1.22.10")
    fakego.rehash()
    d = tmp_path / "proj 'q'"
    (d / "sub").mkdir(parents=True)
    return d


def installed() -> list[str]:
    return sorted(p.name for p in paths.versions_dir().iterdir() if not p.name.startswith("."))


# ---- ls and rm ----------------------------------------------------------------------------


def test_ls_and_rm_are_list_and_uninstall(proj: Path) -> None:
    assert (
        run_gover("ls", cwd=proj).out
        == run_gover("list", cwd=proj).out
        == ("1.22.10\n1.21.13\n1.21.12\n")
    )
    assert json.loads(run_gover("ls", "--json", cwd=proj).out) == json.loads(
        run_gover("list", "--json", cwd=proj).out
    )
    r = run_gover("rm", "1.22", "--json", cwd=proj)
    assert r.code == 0, r.err
    assert json.loads(r.out)["removed"] == [
        {"version": "1.22.10", "path": str(paths.version_dir("1.22.10"))}
    ]
    assert installed() == ["1.21.12", "1.21.13"]
    helped = run_gover("--help")
    assert " uninstall " in helped.out and " list " in helped.out
    assert " rm " not in helped.out and " ls " not in helped.out


# ---- uninstall PREFIX -----------------------------------------------------------------------


def test_uninstall_prefix_one_two_none(proj: Path) -> None:
    one = run_gover("uninstall", "1.22", cwd=proj)
    assert (one.code, one.out) == (0, f"uninstalled go 1.22.10 ({paths.version_dir('1.22.10')})\n")
    two = run_gover("uninstall", "1.21", cwd=proj)
    assert (two.code, two.out) == (2, "")
    assert_one_line_error(two.err, "1.21.13", "1.21.12", "full version")
    none = run_gover("uninstall", "1.23", cwd=proj)
    assert (none.code, none.out) == (1, "")
    assert none.err == (
        "gover: error: go 1.23 is not installed (installed: 1.21.13, 1.21.12); see: gover list\n"
    )
    assert installed() == ["1.21.12", "1.21.13"]


# ---- local with no argument ---------------------------------------------------------------


def test_local_shows_the_nearest_file_pin(proj: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (proj / ".go-version").write_text("go1.22\n")
    sub = proj / "sub"
    r = run_gover("local", cwd=sub)
    assert (r.code, r.out, r.err) == (0, f"1.22 ({proj / '.go-version'})\n", "")
    # GOVER_VERSION (gover shell) and the global file are not local pins.
    assert run_gover("global", "1.21.13").code == 0
    monkeypatch.setenv("GOVER_VERSION", "1.21.12")
    j = run_gover("local", "--json", cwd=sub)
    assert json.loads(j.out) == {
        "schema": 1,
        "pin": "1.22",
        "file": str(proj / ".go-version"),
        "kind": "file",
    }
    (sub / "go.mod").write_text("module x\n\ngo 1.21.3\n")
    assert run_gover("local", cwd=sub).out == f"1.21.3 ({sub / 'go.mod'})\n"
    (sub / ".tool-versions").write_text("nodejs 20\ngolang 1.21.13\n")
    assert run_gover("local", cwd=sub).out == f"1.21.13 ({sub / '.tool-versions'})\n"


def test_local_without_a_pin_says_what_it_looked_for(
    proj: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run_gover("global", "1.21.13").code == 0
    monkeypatch.setenv("GOVER_VERSION", "1.22.10")
    r = run_gover("local", cwd=proj)
    assert (r.code, r.out) == (1, "")
    assert_one_line_error(
        r.err,
        f"no local version pin in {proj}",
        ".go-version, .tool-versions, go.work and go.mod",
        "gover local VERSION",
    )
    j = run_gover("local", "--json", cwd=proj)
    assert j.code == 1 and json.loads(j.out)["exit_code"] == 1


# ---- list marks the active version ---------------------------------------------------------


def test_list_marks_the_active_version_and_why(proj: Path) -> None:
    assert run_gover("global", "1.21").code == 0
    glob = paths.global_version_file()
    r = run_gover("list", cwd=proj)
    assert r.out == f"  1.22.10\n* 1.21.13 (global default in {glob})\n  1.21.12\n"
    (proj / ".go-version").write_text("1.21.12\n")
    rows = json.loads(run_gover("list", "--json", cwd=proj / "sub").out)["versions"]
    assert [(v["version"], v["active"]) for v in rows] == [
        ("1.22.10", False),
        ("1.21.13", False),
        ("1.21.12", True),
    ]
    assert rows[2]["active_source"] == f"set by {proj / '.go-version'}"
    assert "active_source" not in rows[0] and "active_source" not in rows[1]


def test_list_marks_nothing_when_no_install_is_selected(proj: Path) -> None:
    (proj / ".go-version").write_text("1.20\n")  # not installed: nothing is active
    r = run_gover("list", cwd=proj)
    assert (r.code, r.out) == (0, "1.22.10\n1.21.13\n1.21.12\n")
    rows = json.loads(run_gover("list", "--json", cwd=proj).out)["versions"]
    assert not any(v["active"] for v in rows)


# ---- list-remote PREFIX with no match --------------------------------------------------------


def test_list_remote_no_match_exits_1(mirror: Mirror) -> None:
    r = run_gover("list-remote", "1.30")
    assert (r.code, r.out) == (1, "")
    assert r.err == (
        f"gover: error: no release matches 1.30 for linux/amd64 in {mirror.index_url}\n"
    )
    rc = run_gover("list-remote", "1.23")  # only 1.23rc1: --all would show it
    assert rc.code == 1
    assert_one_line_error(rc.err, "no release matches 1.23", "gover list-remote --all 1.23")
    assert run_gover("list-remote", "--all", "1.23").out.startswith("1.23rc1")
    j = run_gover("list-remote", "1.30", "--json")
    assert j.code == 1
    doc = json.loads(j.out)
    assert doc["releases"] == [] and doc["index"]["url"] == mirror.index_url
    assert_one_line_error(j.err, "no release matches 1.30")
    ok = run_gover("list-remote", "1.22")
    assert (ok.code, ok.out.split()[0]) == (0, "1.22.10")


# ---- config ---------------------------------------------------------------------------------


def test_config_prints_toml_values() -> None:
    assert run_gover("config", "set", "trusted_keys", "/k/a.asc:/k/b.asc").code == 0
    assert run_gover("config", "get", "auto_install").out == "false\n"
    assert run_gover("config", "get", "gpg").out == '"auto"\n'
    assert run_gover("config", "get", "index_ttl").out == "3600\n"
    assert run_gover("config", "get", "trusted_keys").out == '["/k/a.asc", "/k/b.asc"]\n'
    s = run_gover("config", "set", "auto_install", "true")
    assert s.out == f"auto_install = true in {paths.config_file()}\n"
    listing = run_gover("config", "list").out
    assert any(line.split()[:2] == ["auto_install", "true"] for line in listing.splitlines()), (
        listing
    )
    assert "False" not in listing and "'" not in listing
    doc = json.loads(run_gover("config", "get", "auto_install", "--json").out)
    assert doc["value"] is True


def test_config_set_and_unset_name_an_overriding_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    quiet = run_gover("config", "set", "download_base", "https://mirror.example/go/")
    assert (quiet.code, quiet.err) == (0, "")
    monkeypatch.setenv("GOVER_DOWNLOAD_BASE", "https://other.example/go/")
    r = run_gover("config", "set", "download_base", "https://mirror.example/go/")
    assert r.code == 0
    assert r.err_lines == [
        "gover: warning: $GOVER_DOWNLOAD_BASE is set and overrides the value just written for "
        "download_base; unset it to use config.toml"
    ]
    j = run_gover("config", "set", "download_base", "https://mirror.example/go/", "--json")
    assert json.loads(j.out)["value"] == "https://mirror.example/go/"
    assert len(j.err_lines) == 1
    u = run_gover("config", "unset", "download_base")
    assert u.code == 0
    assert_one_line_warning(u.err, "$GOVER_DOWNLOAD_BASE", "the default")


def assert_one_line_warning(err: str, *needles: str) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("gover: warning: "), err
    for n in needles:
        assert n in lines[0], (n, err)


@pytest.mark.parametrize("command", [("set", "gobin", "per-version"), ("unset", "gobin")])
def test_config_gobin_rehashes(command: tuple[str, ...]) -> None:
    shims = paths.shims_dir()
    assert not shims.exists()
    r = run_gover("config", *command)
    assert r.code == 0, r.err
    assert shims.is_dir()
