"""Fixtures shared by the shell set-up tests: the test's HOME, and a `gover` on PATH."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from gover.select.shells import sh_quote
from tests.support.cli import REPO


@pytest.fixture
def home(isolated_env: Path) -> Path:
    return isolated_env


@pytest.fixture
def gover_bin(tmp_path: Path) -> Path:
    """A `gover` on PATH that runs this checkout, as an installed gover would be."""
    bindir = tmp_path / "gover bin"
    bindir.mkdir()
    exe = bindir / "gover"
    exe.write_text(
        f"#!/bin/sh\nexport PYTHONPATH={sh_quote(str(REPO))}\n"
        f'exec {sh_quote(sys.executable)} -m gover "$@"\n'
    )
    exe.chmod(0o755)
    return bindir
