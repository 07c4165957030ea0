"""The project detector (gover/doctor/project.py): go.mod/go.work against the go that runs
there, built for real with Debian's go1.19 and the store's real go1.21.13/go1.22.10, each
finding shown to match what real go does in that directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.doctor.conftest import DEBIAN_GOROOT, base_env, go, run_doctor
from tests.support.cli import REPO

DEBIAN_BIN = DEBIAN_GOROOT / "bin"
MAIN = "package main\n\nfunc main() {}\n"


def mine(ids: list[str]) -> list[str]:
    return [i for i in ids if i.startswith(("govars.", "project."))]


def project(d: Path, gomod: str) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    (d / "go.mod").write_text(gomod)
    (d / "main.go").write_text(MAIN)
    return d


def offline(env: dict[str, str]) -> dict[str, str]:
    return {**env, "GOFLAGS": "-mod=mod", "GOPROXY": "off"}


@pytest.fixture(scope="module")
def shims(real_home: Path) -> Path:
    """gover's sh shims for the real store (go1.21.13, go1.22.10)."""
    env = dict(os.environ, PYTHONPATH=str(REPO), GOVER_HOME=str(real_home), GOVER_SHIMS="sh")
    r = subprocess.run(
        [sys.executable, "-m", "gover", "rehash"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    return real_home / "shims"


def shim_env(home: Path, real_home: Path, shims: Path) -> dict[str, str]:
    env = base_env(home, (shims, DEBIAN_BIN, "/usr/bin", "/bin"))
    env["GOVER_HOME"] = str(real_home)
    return env


def test_matching_project_has_no_findings(home: Path) -> None:
    proj = project(home / "p", "module m\n\ngo 1.19\n")
    env = base_env(home, (DEBIAN_BIN, "/usr/bin", "/bin"))
    doc = run_doctor(env=env, cwd=proj)
    assert mine(doc.ids()) == [], doc.data["findings"]
    assert any(n.startswith("project: ") and "go1.19.8 runs here" in n for n in doc.data["notes"])
    assert (
        go(DEBIAN_GOROOT, "build", "-o", os.devnull, ".", env=offline(env), cwd=proj).returncode
        == 0
    )


def test_go119_on_a_patch_go_line(home: Path) -> None:
    proj = project(home / "p", "module m\n\ngo 1.21.0\n")
    env = base_env(home, (DEBIAN_BIN, "/usr/bin", "/bin"))
    doc = run_doctor(env=env, cwd=proj)
    f = doc.get("project.go-too-old")
    assert f["severity"] == "error" and doc.code == 1
    assert f["where"] == "~/p/go.mod:3"
    assert f["fix"].startswith("gover install 1.21")
    r = go(DEBIAN_GOROOT, "build", "-o", os.devnull, ".", env=offline(env), cwd=proj)
    assert r.returncode != 0 and "invalid go version '1.21.0': must match format 1.23" in r.stderr


def test_go119_on_a_toolchain_line(home: Path) -> None:
    proj = project(home / "p", "module m\n\ngo 1.21\n\ntoolchain go1.21.13\n")
    env = base_env(home, (DEBIAN_BIN, "/usr/bin", "/bin"))
    f = run_doctor(env=env, cwd=proj).get("project.go-too-old")
    assert f["where"] == "~/p/go.mod:5" and "unknown directive: toolchain" in f["what"]
    r = go(DEBIAN_GOROOT, "build", "-o", os.devnull, ".", env=offline(env), cwd=proj)
    assert r.returncode != 0 and "unknown directive: toolchain" in r.stderr


def test_go122_local_on_a_newer_go_line(home: Path, real_home: Path) -> None:
    goroot = real_home / "versions" / "1.22.10"
    proj = project(home / "p", "module m\n\ngo 1.23.0\n")
    env = base_env(home, (goroot / "bin", "/usr/bin", "/bin"))
    env["GOTOOLCHAIN"] = "local"
    f = run_doctor(env=env, cwd=proj).get("project.go-too-old")
    assert f["severity"] == "error" and f["where"] == "~/p/go.mod:3"
    r = go(goroot, "build", "-o", os.devnull, ".", env=offline(env), cwd=proj)
    assert "go.mod requires go >= 1.23.0 (running go 1.22.10; GOTOOLCHAIN=local)" in r.stderr


def test_toolchain_line_with_auto_downloads(home: Path, real_home: Path) -> None:
    """go.env says GOTOOLCHAIN=auto: go1.22.10 switches to the toolchain line's go; offline
    (GOPROXY=off) that fails."""
    goroot = real_home / "versions" / "1.22.10"
    proj = project(home / "p", "module m\n\ngo 1.21\n\ntoolchain go1.23.4\n")
    env = base_env(home, (goroot / "bin", "/usr/bin", "/bin"))
    doc = run_doctor(env=env, cwd=proj)
    f = doc.get("project.go-switches")
    assert f["severity"] == "warning" and f["where"] == "~/p/go.mod:5"
    assert "go.env" in f["what"] and f["fix"].startswith("gover install 1.23.4")
    assert any("GOTOOLCHAIN=auto" in n for n in doc.data["notes"])
    env["GOPROXY"] = "off"
    f = run_doctor(env=env, cwd=proj).get("project.go-switches")
    assert f["severity"] == "error"
    r = go(goroot, "version", env=env, cwd=proj)
    assert r.returncode != 0 and "go1.23.4" in r.stderr, r.stderr
    # GOTOOLCHAIN=local: go ignores the toolchain line (and so does doctor).
    env["GOTOOLCHAIN"] = "local"
    assert mine(run_doctor(env=env, cwd=proj).ids()) == []
    assert go(goroot, "version", env=env, cwd=proj).stdout.startswith("go version go1.22.10")


def test_go_work_governs_unless_gowork_off(home: Path, real_home: Path) -> None:
    goroot = real_home / "versions" / "1.22.10"
    (home / "ws").mkdir()
    (home / "ws" / "go.work").write_text("go 1.23.0\n\nuse ./p\n")
    proj = project(home / "ws" / "p", "module m\n\ngo 1.22.0\n")
    env = base_env(home, (goroot / "bin", "/usr/bin", "/bin"))
    env["GOTOOLCHAIN"] = "local"
    f = run_doctor(env=env, cwd=proj).get("project.go-too-old")
    assert f["where"] == "~/ws/go.work:1"
    r = go(goroot, "build", "-o", os.devnull, ".", env={**env, "GOPROXY": "off"}, cwd=proj)
    assert r.returncode != 0 and "go.work requires go >= 1.23.0" in r.stderr, r.stderr
    env["GOWORK"] = "off"
    assert mine(run_doctor(env=env, cwd=proj).ids()) == []
    assert go(goroot, "build", "-o", os.devnull, ".", env=offline(env), cwd=proj).returncode == 0


def test_pinned_version_not_installed(home: Path, real_home: Path, shims: Path) -> None:
    proj = project(home / "p", "module m\n\ngo 1.19\n")
    (proj / ".go-version").write_text("1.20.14\n")
    env = shim_env(home, real_home, shims)
    doc = run_doctor(env=env, cwd=proj)
    f = doc.get("project.pin-not-installed")
    assert f["severity"] == "error" and f["where"] == "~/p/.go-version"
    assert f["fix"] == "gover install 1.20.14"
    r = subprocess.run(
        ["go", "version"], env=env, cwd=proj, capture_output=True, text=True, timeout=60
    )
    assert r.returncode == 127 and "gover install 1.20.14" in r.stderr


def test_pin_older_than_go_mod_through_shims(home: Path, real_home: Path, shims: Path) -> None:
    proj = project(home / "p", "module m\n\ngo 1.22.0\n")
    (proj / ".go-version").write_text("1.21.13\n")
    env = shim_env(home, real_home, shims)
    f = run_doctor(env=env, cwd=proj).get("project.go-too-old")
    assert f["where"] == "~/p/go.mod:3" and "GOTOOLCHAIN=local" in f["what"]
    assert f["fix"] == "gover install 1.22 && gover local 1.22"
    r = subprocess.run(
        ["go", "build", "-o", os.devnull, "."],
        env=offline(env),
        cwd=proj,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "go.mod requires go >= 1.22.0 (running go 1.21.13; GOTOOLCHAIN=local)" in r.stderr, (
        r.stderr
    )
    # The go.mod's own pin selects go1.22.10: nothing to say, and go builds.
    (proj / ".go-version").unlink()
    assert mine(run_doctor(env=env, cwd=proj).ids()) == []
    r = subprocess.run(
        ["go", "build", "-o", os.devnull, "."],
        env=offline(env),
        cwd=proj,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr


def test_selection_checked_when_another_go_wins(home: Path, real_home: Path, shims: Path) -> None:
    """The shims are on PATH behind Debian's go1.19: gover's own choice is checked too."""
    proj = project(home / "p", "module m\n\ngo 1.22\n")
    (proj / ".go-version").write_text("1.21.13\n")
    env = base_env(home, (DEBIAN_BIN, shims, "/usr/bin", "/bin"))
    env["GOVER_HOME"] = str(real_home)
    doc = run_doctor(env=env, cwd=proj)
    f = doc.get("project.selected-too-old")
    assert f["where"] == "~/p/.go-version" and f["severity"] == "warning"
    assert doc.get("project.go-too-old")["severity"] == "warning"  # go1.19 on `go 1.22`


def test_hostile_go_mod(home: Path) -> None:
    proj = home / "p"
    proj.mkdir()
    os.mkfifo(proj / "go.mod")
    env = base_env(home, (DEBIAN_BIN, "/usr/bin", "/bin"))
    assert mine(run_doctor(env=env, cwd=proj).ids()) == []
    (proj / "go.mod").unlink()
    (proj / "go.mod").write_bytes(b"\x00\xff go \x1b[2J\n" * 100_000)
    assert mine(run_doctor(env=env, cwd=proj).ids()) == []
