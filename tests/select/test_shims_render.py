"""Shim rendering: quoting of hostile store paths, the Windows .cmd form, stale-shim removal,
and that a built wheel carries the templates and the Go release key."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from gover import paths
from gover.select import shims
from tests.support import fakego
from tests.support.cli import REPO


def fake_install(name: str, programs: tuple[str, ...] = ("go", "gofmt")) -> Path:
    return fakego.fake_install(name, programs)


def test_hostile_store_path_is_quoted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "it's $HOME `x` ü @CR@ @DATA@"
    monkeypatch.setenv("GOVER_HOME", str(home))
    root = fake_install("1.22.10")
    result = shims.rehash(auto_install=False)
    assert result.shims == ("go", "gofmt")
    assert result.aliases == {"1.22": "1.22.10", "1": "1.22.10", "latest": "1.22.10"}
    proj = tmp_path / "p"
    proj.mkdir()
    (proj / ".go-version").write_text("1.22\n")
    out = subprocess.run(
        [str(home / "shims" / "gofmt")],
        cwd=proj,
        env=dict(os.environ, PWD=str(proj)),
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout == f"gofmt 1.22.10 {root}\n"
    assert not (tmp_path / "x").exists()


def test_stale_shims_and_aliases_removed() -> None:
    fake_install("1.22.10", ("go", "gofmt", "extra-tool"))
    fake_install("1.21.13")
    assert "extra-tool" in shims.rehash(auto_install=False).shims
    import shutil

    shutil.rmtree(paths.version_dir("1.22.10"))
    result = shims.rehash(auto_install=False)
    assert result.shims == ("go", "gofmt")
    assert sorted(os.listdir(paths.shims_dir())) == [".gover-shims", "go", "gofmt"]
    assert sorted(os.listdir(paths.aliases_dir())) == ["1", "1.21", "latest"]
    assert paths.alias_file("latest").read_text() == "1.21.13\n"


def test_prereleases_get_no_alias() -> None:
    fake_install("1.23rc1")
    fake_install("1.22.10")
    assert shims.rehash(auto_install=False).aliases["latest"] == "1.22.10"


def test_windows_cmd_shim_delegates_to_gover_exec() -> None:
    text = shims.render_cmd_shim("gofmt")
    assert text.startswith("@echo off\r\n")
    assert f'"{sys.executable}" "-m" "gover" exec -- gofmt %*\r\n' in text
    assert "@" + "PROGRAM@" not in text and "@GOVER@" not in text


def test_wheel_carries_templates_and_key(tmp_path: Path) -> None:
    import shutil

    src = tmp_path / "src"  # build from a copy: setuptools writes build/ next to the sources
    for name in ("gover", "shims"):
        shutil.copytree(REPO / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, src / name)
    out = tmp_path / "wheel"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(src)],
        check=True,
        capture_output=True,
    )
    (wheel,) = out.glob("gover-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for member in (
        "gover/_shims/resolve.sh",
        "gover/_shims/shim.sh",
        "gover/_shims/shim.cmd",
        "gover/data/go-release-key.asc",
        "gover/cli/entry.py",
    ):
        assert member in names
    entry = (
        zipfile.ZipFile(wheel)
        .read(next(n for n in names if n.endswith("entry_points.txt")))
        .decode()
    )
    assert "gover = gover.cli.entry:main" in entry
