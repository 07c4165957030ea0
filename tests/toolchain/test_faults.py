"""Faults during a real install: Ctrl-C mid-extract, a full disk, a read-only store. Each ends
with one error line and a non-zero exit, and whatever was installed before is untouched.

The disk is a real tmpfs mounted for the test (the tests run as root, as CI does)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import fakego
from tests.support.cli import REPO, assert_one_line_error, run_gover
from tests.support.mirror import Mirror


def fake_install(name: str) -> Path:
    """An install under the current GOVER_HOME (the tests point it at the disk under test)."""
    return fakego.fake_install(name, script="#!/bin/sh\necho go version go{name} fake\n")


def leftovers(home: Path) -> list[str]:
    versions = home / "versions"
    return (
        sorted(p.name for p in versions.iterdir() if p.name.startswith("."))
        if versions.exists()
        else []
    )


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 150 MB tmpfs: room for the 67 MB archive, not for the 206 MB tree."""
    mnt = tmp_path / "small disk"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=150m", "tmpfs", str(mnt)], check=True)
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_ctrl_c_mid_extract_leaves_nothing(mirror: Mirror) -> None:
    home = Path(os.environ["GOVER_HOME"])
    fake_install("1.20.1")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen(
        [sys.executable, "-m", "gover", "install", "1.22.10"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        staging = list((home / "versions").glob(".staging-1.22.10+*"))
        if staging and any((staging[0] / "src").glob("*")):
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err == "gover: error: interrupted\n"
    assert leftovers(home) == []  # the staging dir was removed on the way out
    assert run_gover("list").out == "1.20.1\n"


def test_disk_full_mid_extract(
    mirror: Mirror, small_disk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = small_disk / "gover home"
    monkeypatch.setenv("GOVER_HOME", str(home))
    before = fake_install("1.20.1")
    r = run_gover("install", "1.22.10")
    assert r.code == 1
    assert_one_line_error(r.err, "No space left on device")
    assert run_gover("list").out == "1.20.1\n"
    assert (before / "bin" / "go").read_text().startswith("#!/bin/sh")
    assert leftovers(home) == []
    assert not (home / "versions" / "1.22.10").exists()


def test_read_only_store(mirror: Mirror, small_disk: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = small_disk / "gover home"
    monkeypatch.setenv("GOVER_HOME", str(home))
    fake_install("1.20.1")
    (home / "cache").mkdir()
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    r = run_gover("install", "1.21.13")
    assert r.code == 1
    assert_one_line_error(r.err, "Read-only file system")
    assert run_gover("list").out == "1.20.1\n"
    u = run_gover("uninstall", "1.20.1")
    assert u.code == 1
    assert_one_line_error(u.err, "1.20.1")
    assert run_gover("list").out == "1.20.1\n"
