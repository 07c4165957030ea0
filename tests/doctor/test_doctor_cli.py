"""`gover doctor` as a command: a clean setup gives no findings (every detector), an error
finding exits 1 with the JSON shape README documents, --fix runs only gover's own commands
and diagnoses again, a terminal gets a table, bad options are one line and exit 2, and the
command starts no CLI framework."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pexpect

from tests.doctor.conftest import base_env, run_doctor
from tests.support.cli import REPO


def _setup(home: Path, store: Path) -> dict[str, str]:
    """A made-up user set up as README says: gover's block in ~/.bashrc (and the profile that
    sources it), the shims first on PATH, a store with real toolchains."""
    env = base_env(home, [store / "shims", "/usr/local/bin", "/usr/bin", "/bin"])
    env["GOVER_HOME"] = str(store)
    r = subprocess.run(
        [sys.executable, "-m", "gover", "init", "bash", "--write"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    return env


def test_a_clean_setup_has_no_findings(real_home: Path, home: Path) -> None:
    env = _setup(home, real_home)
    proj = home / "proj"
    proj.mkdir()
    (proj / "go.mod").write_text("module example.com/p\n\ngo 1.22\n")
    (proj / ".go-version").write_text("1.22.10\n")
    d = run_doctor("--shell", "all", env=env, cwd=proj)
    # One true finding remains on this machine, whatever the user does: Debian's go1.19 is
    # in sudo's secure_path, so `sudo go` runs another Go than gover selects (tests run as
    # root, who can read /etc/sudoers).
    others = [f for f in d.data["findings"] if f["id"] != "contexts.sudo-secure-path"]
    assert others == [], others
    assert d.code == 0
    assert d.data["counts"]["error"] == 0
    assert d.data["notes"], "the facts (gos on PATH, traced files) are notes"


def test_an_error_finding_exits_1_with_the_documented_shape(real_home: Path, home: Path) -> None:
    env = _setup(home, real_home)
    env["GOROOT"] = str(home / "go-that-was-removed")
    d = run_doctor("--shell", "bash", "--as", "interactive", env=env)
    assert d.code == 1
    assert set(d.data) >= {
        "schema",
        "shells",
        "modes",
        "findings",
        "counts",
        "notes",
        "applied",
        "exit_code",
    }
    assert (d.data["shells"], d.data["modes"]) == (["bash"], ["interactive"])
    err = d.errors()
    assert err and all(set(f) == {"id", "severity", "what", "where", "fix", "fixable"} for f in err)
    assert any("GOROOT" in f["where"] for f in err)
    assert d.data["counts"]["error"] == len(err)


def test_fix_renders_stale_shims_and_diagnoses_again(
    real_home: Path, home: Path, tmp_path: Path
) -> None:
    # A store of its own (the module's real_home is shared): copy the receipt-bearing trees
    # by symlinking is not allowed (a symlinked version is not an install), so install fakes.
    from tests.support.fakego import install_fake

    store = tmp_path / "own store"
    os.environ["GOVER_HOME"] = str(store)
    install_fake("1.22.10")
    env = _setup(home, store)
    subprocess.run(
        [sys.executable, "-m", "gover", "rehash"], env=env, check=True, capture_output=True
    )
    (store / "shims" / "gofmt").unlink(missing_ok=True)
    (store / "shims" / "go").unlink()
    before = run_doctor("--shell", "bash", "--as", "interactive", env=env)
    assert "gover.shims-stale" in before.ids(), before.data["findings"]
    after = run_doctor("--shell", "bash", "--as", "interactive", "--fix", env=env)
    assert after.data["applied"] == ["gover rehash"]
    assert "gover.shims-stale" not in after.ids()
    assert (store / "shims" / "go").is_file()
    assert "--fix runs: gover rehash" in after.err


def test_a_terminal_gets_a_table(real_home: Path, home: Path) -> None:
    env = _setup(home, real_home)
    env["GOROOT"] = str(home / "missing")
    child = pexpect.spawn(
        sys.executable,
        ["-m", "gover", "doctor", "--shell", "bash", "--as", "interactive"],
        env={**env, "TERM": "xterm", "COLUMNS": "200"},
        cwd=str(home),
        encoding="utf-8",
        timeout=120,
        dimensions=(50, 200),
    )
    child.expect(pexpect.EOF)
    child.close()
    text = str(child.before)
    assert child.exitstatus == 1
    assert ("errors (" in text and "┃" in text) or "│" in text, text
    assert "govars.goroot" in text


def test_bad_options_are_one_line_and_exit_2(home: Path) -> None:
    env = base_env(home)
    for args in (["--shell", "tcsh"], ["--as", "daemon"], ["--frobnicate"]):
        proc = subprocess.run(
            [sys.executable, "-m", "gover", "doctor", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert proc.returncode == 2, (args, proc.stderr)
        assert proc.stdout == ""
        assert proc.stderr.strip(), args


def test_doctor_starts_no_cli_framework(home: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            "-m",
            "gover",
            "doctor",
            "--shell",
            "bash",
            "--as",
            "interactive",
        ],
        env={**base_env(home), "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if "|" in line}
    assert "gover.doctor.run" in imported
    assert not {m for m in imported if m.split(".")[0] in ("typer", "httpx", "gnupg", "rich")}
