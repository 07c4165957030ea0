"""Fixtures of the inspect tests: the real store (both toolchains) on PATH through its shims,
and a project pinned to 1.22.10."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def store(real_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("GOVER_HOME", str(real_home))
    monkeypatch.setenv("PATH", f"{real_home / 'shims'}:/usr/bin:/bin")
    monkeypatch.delenv("GOROOT", raising=False)
    yield real_home
    (real_home / "global").unlink(missing_ok=True)


@pytest.fixture
def proj(tmp_path: Path) -> Path:
    p = tmp_path / "repo"
    p.mkdir()
    (p / ".go-version").write_text("1.22.10\n")
    return p
