"""`gover prune` and the record of pinned directories it relies on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.maintenance.conftest import STORE
from tests.support.cli import REPO, assert_one_line_error, run_gover


def _versions(home: Path) -> list[str]:
    return sorted(p.name for p in (home / "versions").iterdir() if not p.name.startswith("."))


def test_prune_keeps_global_pinned_recorded_env_and_newest(lc: Path, tmp_path: Path) -> None:
    here = tmp_path / "here"
    here.mkdir()
    (here / "go.mod").write_text("module m\n\ngo 1.20\n\ntoolchain go1.20.14\n")
    recorded = tmp_path / "recorded"
    recorded.mkdir()
    assert run_gover("local", "1.22.8", cwd=recorded).code == 0  # recorded by gover local
    r = run_gover("prune", "--dry-run", "--json", cwd=here)
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    assert [i["version"] for i in doc["remove"]] == ["1.21.12"]
    kept = {k["version"]: k["reasons"] for k in doc["kept"]}
    assert kept["1.22.8"] == [f"set by {recorded / '.go-version'}"]
    assert f"from the toolchain line in {here / 'go.mod'}" in kept["1.20.14"]
    assert kept["1.22.9"] == ["alias 1", "alias 1.22", "alias latest", "newest 1.22 patch"]
    assert _versions(lc) == sorted(STORE)  # dry run: nothing removed
    # the global and GOVER_VERSION protect what they select (a prefix: the version it selects)
    assert run_gover("global", "1.21.12").code == 0
    assert json.loads(run_gover("prune", "--dry-run", "--json", cwd=here).out)["remove"] == []
    assert run_gover("global", "--unset").code == 0
    env = {"GOVER_VERSION": "1.21.12"}
    assert (
        json.loads(run_gover("prune", "--json", "--dry-run", env=env, cwd=here).out)["remove"] == []
    )
    assert (
        json.loads(run_gover("prune", "--keep", "2", "--dry-run", "--json", cwd=here).out)["remove"]
        == []
    )
    # the recorded directory's pin is what protects 1.22.8: remove the pin, it goes
    (recorded / ".go-version").unlink()
    r2 = run_gover("prune", "--dry-run", cwd=here)
    assert r2.code == 0
    assert r2.out.splitlines()[:2] == [
        f"would remove go 1.22.8 ({lc / 'versions' / '1.22.8'})",
        f"would remove go 1.21.12 ({lc / 'versions' / '1.21.12'})",
    ]
    assert "dry run: nothing removed" in r2.err


def test_prune_refuses_without_a_terminal_then_removes_with_yes(lc: Path, tmp_path: Path) -> None:
    r = run_gover("prune", cwd=tmp_path)
    assert r.code == 1
    assert_one_line_error(r.err, "would remove 2 versions (1.22.8, 1.21.12)", "--yes")
    assert r.out == ""
    assert _versions(lc) == sorted(STORE)
    y = run_gover("prune", "--yes", cwd=tmp_path)
    assert y.code == 0, y.err
    assert y.out.splitlines()[:2] == [
        f"removed go 1.22.8 ({lc / 'versions' / '1.22.8'})",
        f"removed go 1.21.12 ({lc / 'versions' / '1.21.12'})",
    ]
    assert _versions(lc) == sorted(set(STORE) - {"1.21.12", "1.22.8"})
    assert run_gover("which", "go", env={"GOVER_VERSION": "1.21"}).code == 0
    again = run_gover("prune", "--yes", cwd=tmp_path)
    assert again.code == 0 and "nothing to prune" in again.err


def _on_a_terminal(args: list[str], answer: bytes, cwd: Path) -> tuple[int, str]:
    """Run gover with a pty as stdin (a terminal to ask on); stderr/stdout captured."""
    import pty

    master, slave = pty.openpty()
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen(
        [sys.executable, "-m", "gover", *args],
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=cwd,
        env=env,
    )
    os.close(slave)
    os.write(master, answer)
    out, err = proc.communicate(timeout=120)
    os.close(master)
    return proc.returncode, out.decode() + err.decode()


@pytest.mark.parametrize(("answer", "code", "gone"), [(b"\n", 1, False), (b"y\n", 0, True)])
def test_prune_asks_on_a_terminal(
    lc: Path, tmp_path: Path, answer: bytes, code: int, gone: bool
) -> None:
    rc, text = _on_a_terminal(["prune"], answer, tmp_path)
    assert rc == code, text
    assert "would remove go 1.21.12" in text and "remove 2 versions? [y/N]" in text
    assert (lc / "versions" / "1.21.12").exists() is not gone


def test_hostile_record_file(lc: Path, tmp_path: Path) -> None:
    good = tmp_path / "good"
    good.mkdir()
    (good / ".go-version").write_text("1.21.12\n")
    nopin = tmp_path / "nopin"
    nopin.mkdir()
    planted = tmp_path / "relative" / "dir"  # a relative line must not be read from the cwd
    planted.mkdir(parents=True)
    (planted / ".go-version").write_text("1.22.8\n")
    record = lc / "pinned-dirs"
    record.write_bytes(
        b"relative/dir\n"
        + b"/abs/with\x00nul\n"
        + b"\xff\xfe not utf-8\n"
        + str(nopin).encode()
        + b"\n/does/not/exist\n"
        + b"/"
        + b"x" * 5000
        + b"\n"
        + str(good).encode()
        + b"\n"
    )
    r = run_gover("prune", "--dry-run", "--json", cwd=tmp_path)
    assert r.code == 0, r.err
    # the one good line still protects 1.21.12; 1.22.8 is pinned nowhere
    assert [i["version"] for i in json.loads(r.out)["remove"]] == ["1.22.8"]
    assert "pinned-dirs: damaged" in r.err
    assert record.read_text() == f"{good}\n"  # rebuilt from what passed
    # a huge record (a FIFO would be refused alike): read up to its cap, never trusted beyond
    record.write_bytes(str(good).encode() + b"\n" + b"/" * (8 * 1024 * 1024))
    big = run_gover("prune", "--dry-run", "--json", cwd=tmp_path)
    assert big.code == 0, big.err
    assert [i["version"] for i in json.loads(big.out)["remove"]] == ["1.22.8"]
    assert record.read_text() == f"{good}\n"
    os.unlink(record)
    os.mkfifo(record)
    fifo = run_gover("prune", "--dry-run", "--json", cwd=tmp_path)
    assert fifo.code == 0, fifo.err
    assert [i["version"] for i in json.loads(fifo.out)["remove"]] == ["1.22.8", "1.21.12"]


def test_local_records_and_global_does_not(lc: Path, tmp_path: Path) -> None:
    assert run_gover("global", "1.22.8").code == 0
    assert not (lc / "pinned-dirs").exists()
    d = tmp_path / "p q $x"
    d.mkdir()
    assert run_gover("local", "1.22.8", cwd=d).code == 0
    assert run_gover("local", "1.22.9", cwd=d).code == 0
    assert (lc / "pinned-dirs").read_text() == f"{d}\n"
