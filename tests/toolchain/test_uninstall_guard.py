"""`gover uninstall` keeps what the user set: a version the global file or a version file up
from the working directory still names (or selects) is removed only with --force, or after a
"y" on a terminal; a prefix is accepted only when it matches exactly one installed version.
Fake installs (receipt + bin/go script) and the real entry point, run with stdin not a TTY
(the guard's non-interactive rule) except under pexpect, where it is one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

from gover import paths
from tests.support import fakego
from tests.support.cli import REPO, Result


def gover(*args: str, cwd: Path, env: dict[str, str] | None = None) -> Result:
    """The real entry point with stdin from /dev/null: a script, CI, a pipe."""
    full = dict(os.environ)
    full["PYTHONPATH"] = str(REPO)
    full.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-m", "gover", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=full,
        timeout=120,
        check=False,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def installed() -> list[str]:
    base = paths.versions_dir()
    return sorted(p.name for p in base.iterdir() if not p.name.startswith("."))


@pytest.fixture
def proj(tmp_path: Path) -> Path:
    """A project tree with nothing pinned yet, and 1.21.12, 1.21.13 and 1.22.10 installed."""
    fakego.install_fake("1.21.12", "1.21.13", "1.22.10")
    fakego.rehash()
    d = tmp_path / "my proj's $dir"
    (d / "sub" / "deeper").mkdir(parents=True)
    return d


def root(name: str) -> Path:
    return paths.version_dir(name)


# ---- prefixes ------------------------------------------------------------------------------


def test_a_prefix_matching_one_installed_version_removes_it(proj: Path) -> None:
    r = gover("uninstall", "1.22", cwd=proj)
    assert (r.code, r.out, r.err) == (0, f"uninstalled go 1.22.10 ({root('1.22.10')})\n", "")
    assert installed() == ["1.21.12", "1.21.13"]


def test_a_prefix_matching_several_refuses_and_lists_them(proj: Path) -> None:
    r = gover("uninstall", "1.21", cwd=proj)
    assert (r.code, r.out) == (2, "")
    assert r.err == (
        "gover: error: 1.21 matches 2 installed versions (1.21.13, 1.21.12); "
        "give the full version, e.g. gover uninstall 1.21.13\n"
    )
    one = gover("uninstall", "1", cwd=proj)  # the major alone: all three
    assert one.code == 2
    assert one.err_lines == [
        "gover: error: 1 matches 3 installed versions (1.22.10, 1.21.13, 1.21.12); "
        "give the full version, e.g. gover uninstall 1.22.10"
    ]
    assert installed() == ["1.21.12", "1.21.13", "1.22.10"]


def test_a_prefix_matching_nothing_is_not_installed(proj: Path) -> None:
    r = gover("uninstall", "1.23", cwd=proj)
    assert (r.code, r.out) == (1, "")
    assert r.err == (
        "gover: error: go 1.23 is not installed (installed: 1.22.10, 1.21.13, 1.21.12); "
        "see: gover list\n"
    )
    assert installed() == ["1.21.12", "1.21.13", "1.22.10"]


def test_an_exact_name_is_never_a_prefix(proj: Path) -> None:
    """1.20 is a release name (go1.20): installed, it is removed even with 1.20.1 there."""
    fakego.install_fake("1.20", "1.20.1")
    r = gover("uninstall", "go1.20", cwd=proj)
    assert (r.code, r.out) == (0, f"uninstalled go 1.20 ({root('1.20')})\n"), r.err
    assert "1.20.1" in installed() and "1.20" not in installed()
    again = gover("uninstall", "1.20", cwd=proj)  # now only a prefix of 1.20.1
    assert (again.code, again.out) == (0, f"uninstalled go 1.20.1 ({root('1.20.1')})\n")


# ---- the guard, without a terminal ---------------------------------------------------------


def test_the_global_version_needs_force(proj: Path) -> None:
    glob = paths.global_version_file()
    assert gover("global", "1.22.10", cwd=proj).code == 0
    r = gover("uninstall", "1.22.10", cwd=proj)
    assert (r.code, r.out) == (1, "")
    assert r.err == (
        f"gover: error: go 1.22.10 is still in use (global default in {glob}); "
        "to remove it anyway: gover uninstall --force 1.22.10\n"
    )
    assert installed() == ["1.21.12", "1.21.13", "1.22.10"]
    assert glob.read_text() == "1.22.10\n"
    # The prefix resolves first, then the same guard.
    assert gover("uninstall", "1.22", cwd=proj).err_lines == r.err_lines
    forced = gover("uninstall", "--force", "1.22.10", cwd=proj)
    assert (forced.code, forced.out) == (0, f"uninstalled go 1.22.10 ({root('1.22.10')})\n")
    assert forced.err == ""
    assert installed() == ["1.21.12", "1.21.13"]


def test_a_global_prefix_guards_only_what_it_selects(proj: Path) -> None:
    glob = paths.global_version_file()
    glob.write_text("1.21\n")
    ok = gover("uninstall", "1.21.12", cwd=proj)  # 1.21 selects 1.21.13, not this one
    assert (ok.code, ok.err) == (0, "")
    r = gover("uninstall", "1.21.13", cwd=proj)
    assert r.code == 1
    assert r.err_lines == [
        f"gover: error: go 1.21.13 is still in use (global default in {glob}); "
        "to remove it anyway: gover uninstall --force 1.21.13"
    ]
    assert installed() == ["1.21.13", "1.22.10"]


def test_a_version_file_up_the_directory_chain_needs_force(proj: Path) -> None:
    pin = proj / ".go-version"
    pin.write_text("1.21.13\n")
    here = proj / "sub" / "deeper"
    r = gover("uninstall", "1.21.13", cwd=here)
    assert (r.code, r.out) == (1, "")
    assert r.err == (
        f"gover: error: go 1.21.13 is still in use (set by {pin}); "
        "to remove it anyway: gover uninstall --force 1.21.13\n"
    )
    assert installed() == ["1.21.12", "1.21.13", "1.22.10"]
    # Elsewhere nothing names it: no guard there.
    elsewhere = gover("uninstall", "1.21.13", cwd=proj.parent)
    assert (elsewhere.code, elsewhere.err) == (0, "")
    assert installed() == ["1.21.12", "1.22.10"]


def test_the_local_and_the_global_file_are_both_named(proj: Path) -> None:
    """Both settings at once, in one line: the local file and the global file."""
    glob = paths.global_version_file()
    glob.write_text("1.21.13\n")
    pin = proj / ".go-version"
    pin.write_text("go1.21.13 # the team's Go\n")
    r = gover("uninstall", "1.21.13", "--json", cwd=proj)
    message = (
        f"go 1.21.13 is still in use (set by {pin}; global default in {glob}); "
        "to remove it anyway: gover uninstall --force 1.21.13"
    )
    assert r.code == 1
    assert r.err_lines == [f"gover: error: {message}"]
    assert json.loads(r.out) == {"schema": 1, "error": message, "exit_code": 1}
    assert "1.21.13" in installed()


def test_a_go_mod_go_line_that_selects_it_needs_force(proj: Path) -> None:
    (proj / "go.mod").write_text("module example.com/p\n\ngo 1.22.3\n")
    r = gover("uninstall", "1.22.10", cwd=proj / "sub")
    assert r.code == 1
    assert r.err_lines == [
        f"gover: error: go 1.22.10 is still in use (from the go line in {proj / 'go.mod'}); "
        "to remove it anyway: gover uninstall --force 1.22.10"
    ]
    assert "1.22.10" in installed()


def test_gover_shell_and_the_file_it_hides_are_both_named(proj: Path) -> None:
    pin = proj / ".go-version"
    pin.write_text("1.21\n")  # selects 1.21.13
    r = gover("uninstall", "1.21.13", cwd=proj, env={"GOVER_VERSION": "1.21.13"})
    assert r.code == 1
    assert r.err_lines == [
        f"gover: error: go 1.21.13 is still in use (set by GOVER_VERSION (gover shell); "
        f"set by {pin}); to remove it anyway: gover uninstall --force 1.21.13"
    ]
    assert "1.21.13" in installed()


def test_several_versions_stop_at_the_guarded_one(proj: Path) -> None:
    """As before for a missing version: those already removed are reported, then the error."""
    (proj / ".go-version").write_text("1.21.13\n")
    r = gover("uninstall", "1.22.10", "1.21.13", "1.21.12", cwd=proj)
    assert (r.code, r.out) == (1, f"uninstalled go 1.22.10 ({root('1.22.10')})\n")
    assert len(r.err_lines) == 1 and "--force" in r.err
    assert installed() == ["1.21.12", "1.21.13"]


# ---- the guard on a terminal ---------------------------------------------------------------


def _spawn(proj: Path, *args: str, out: Path) -> pexpect.spawn:
    """gover on a pty (stdin and stderr a TTY) with stdout to a file, so what the pty shows
    is stderr alone."""
    env = dict(os.environ, PYTHONPATH=str(REPO), TERM="dumb")
    cmd = f'exec "$0" -m gover "$@" >{_q(str(out))}'
    return pexpect.spawn(
        "/bin/sh",
        ["-c", cmd, sys.executable, *args],
        cwd=str(proj),
        env=env,
        encoding="utf-8",
        timeout=60,
    )


def _q(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


@pytest.mark.parametrize("answer", ["n", "", "whatever"])
def test_on_a_terminal_anything_but_yes_keeps_it(proj: Path, tmp_path: Path, answer: str) -> None:
    pin = proj / ".go-version"
    pin.write_text("1.22.10\n")
    out = tmp_path / "stdout"
    child = _spawn(proj, "uninstall", "1.22.10", out=out)
    child.expect_exact(
        f"gover: warning: go 1.22.10 is still in use (set by {pin})\r\nuninstall it anyway? [y/N] "
    )
    child.sendline(answer)
    child.expect_exact(f"gover: error: go 1.22.10 kept (set by {pin})\r\n")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    assert out.read_text() == ""
    assert "1.22.10" in installed()


def test_on_a_terminal_yes_removes_it(proj: Path, tmp_path: Path) -> None:
    glob = paths.global_version_file()
    glob.write_text("1.22.10\n")
    out = tmp_path / "stdout"
    child = _spawn(proj, "uninstall", "1.22", out=out)
    child.expect_exact("uninstall it anyway? [y/N] ")
    assert f"go 1.22.10 is still in use (global default in {glob})" in (child.before or "")
    child.sendline("y")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert out.read_text() == f"uninstalled go 1.22.10 ({root('1.22.10')})\n"
    assert installed() == ["1.21.12", "1.21.13"]


def test_on_a_terminal_nothing_is_asked_when_nothing_names_it(proj: Path, tmp_path: Path) -> None:
    out = tmp_path / "stdout"
    child = _spawn(proj, "uninstall", "1.21.12", out=out)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert (child.before or "") == ""
    assert out.read_text() == f"uninstalled go 1.21.12 ({root('1.21.12')})\n"
