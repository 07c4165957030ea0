"""Shared helpers for the doctor tests: run the real `gover doctor` in a made-up environment.

Each detector's tests build a broken state for real (start-up files in a temp HOME, real Go
trees on PATH, a GOROOT to the wrong tree, a root-owned file in a cache...) and run
`gover doctor --json` in it, then check the finding (id, where, fix) and that go itself
really fails in that state. Debian's golang-go (/usr/lib/go-1.19) is one real Go; the
`real_home` fixture (tests/conftest.py) gives a store with real go1.21.13 and go1.22.10.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import REPO

DEBIAN_GOROOT = Path("/usr/lib/go-1.19")
NOBODY = ("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups")


@dataclass(frozen=True)
class Doctor:
    code: int
    data: dict[str, Any]
    err: str

    def ids(self) -> list[str]:
        return [f["id"] for f in self.data["findings"]]

    def get(self, fid: str) -> dict[str, Any]:
        found = [f for f in self.data["findings"] if f["id"] == fid]
        assert len(found) == 1, (fid, self.data["findings"])
        first: dict[str, Any] = found[0]
        return first

    def errors(self) -> list[dict[str, Any]]:
        return [f for f in self.data["findings"] if f["severity"] == "error"]


def base_env(home: Path, path: Iterable[Path | str] = ("/usr/bin", "/bin")) -> dict[str, str]:
    """A clean environment for a made-up user: HOME, a PATH, the C.UTF-8 locale and no Go
    or gover variables (GOVER_HOME from the test, the native shim cache kept)."""
    env = {
        "HOME": str(home),
        "PATH": ":".join(str(p) for p in path),
        "LANG": "C.UTF-8",
        "USER": "tester",
        "SHELL": "/bin/bash",
        "PYTHONPATH": str(REPO),
    }
    for key in ("GOVER_HOME", "GOVER_SHIM_CACHE"):
        if key in os.environ:
            env[key] = os.environ[key]
    return env


def run_doctor(
    *args: str, env: dict[str, str], cwd: Path | None = None, user: tuple[str, ...] = ()
) -> Doctor:
    """`gover doctor --json ARGS` in `env` (as `user`, e.g. NOBODY, when given)."""
    proc = subprocess.run(
        [*user, sys.executable, "-m", "gover", "doctor", "--json", *args],
        env=env,
        cwd=cwd or env.get("HOME"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.stdout, proc.stderr
    data = json.loads(proc.stdout)
    assert data["exit_code"] == proc.returncode, proc.stderr
    return Doctor(proc.returncode, data, proc.stderr)


def go(
    goroot: Path, *args: str, env: dict[str, str], cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a real go (to show the state really breaks it: no finding is a myth)."""
    return subprocess.run(
        [str(goroot / "bin" / "go"), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def home(tmp_path: Path) -> Path:
    h = tmp_path / "user home"
    h.mkdir(exist_ok=True)
    return h
