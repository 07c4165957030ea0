"""Detector 6 (gover itself), for real: trees in the store gover does not count, a missing
shim, a stale render, the shims off PATH, a small real tmpfs under the store, and real
open-files limits set with prlimit. Each test runs the real `gover doctor --json` and shows
what really goes wrong (the shim says "not installed", the wrong gofmt runs, an install runs
out of space, go build runs out of file descriptors)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from gover.doctor import model, selfcheck
from gover.select import refresh
from tests.doctor.conftest import base_env, run_doctor
from tests.support.cli import REPO
from tests.support.mirror import Mirror


def store_env(home: Path, store: Path, path: list[Path | str]) -> dict[str, str]:
    env = base_env(home, path)
    env["GOVER_HOME"] = str(store)
    return env


def gover(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gover", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def sh(cmd: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["/bin/sh", "-c", cmd], env=env, cwd=cwd, capture_output=True, text=True, timeout=60
    )


def ours(ids: list[str]) -> list[str]:
    return [i for i in ids if i.startswith("gover.")]


@pytest.fixture
def project(home: Path) -> Path:
    p = home / "project"
    p.mkdir()
    (p / ".go-version").write_text("1.22.10\n")
    return p


@pytest.fixture
def own_store(tmp_path: Path, real_home: Path) -> Path:
    """A writable copy of real_home (hard links: gover replaces files, never writes into
    them, so the shared store is not touched)."""
    dst = tmp_path / "own store"
    subprocess.run(["cp", "-al", str(real_home), str(dst)], check=True, timeout=120)
    return dst


def test_clean_store_gives_no_finding(home: Path, real_home: Path, project: Path) -> None:
    env = store_env(home, real_home, [real_home / "shims", "/usr/bin", "/bin"])
    doc = run_doctor(env=env, cwd=project)
    assert ours(doc.ids()) == [], doc.data["findings"]
    assert f"gover store: {real_home} (1.22.10, 1.21.13)" in doc.data["notes"]
    assert any(n.startswith("open files: soft ") for n in doc.data["notes"])


def test_trees_gover_does_not_count(home: Path, tmp_path: Path, real_home: Path) -> None:
    store = tmp_path / "store"
    versions = store / "versions"
    versions.mkdir(parents=True)
    (versions / "1.19.8").symlink_to("/usr/lib/go-1.19")  # "bring your own go"
    copy = versions / "1.21.13"  # copied by hand: no receipt, no marker
    subprocess.run(["cp", "-al", str(real_home / "versions" / "1.21.13"), str(copy)], check=True)
    for name in (".gover-receipt.json", ".gover-made"):
        with contextlib.suppress(FileNotFoundError):
            (copy / name).unlink()
    assert not any(p.name.startswith(".gover") for p in copy.iterdir())
    subprocess.run(
        ["cp", "-al", str(real_home / "versions" / "1.22.10"), str(versions / "go1.22.10")],
        check=True,
    )
    env = store_env(home, store, [store / "shims", "/usr/bin", "/bin"])
    env["GOVER_SHIMS"] = "sh"
    assert gover("rehash", env=env).returncode == 0
    proj = home / "p"
    proj.mkdir()
    # gover list shows go1.22.10 as 1.22.10; the shims never find it.
    listed = gover("list", env=env)
    assert "1.22.10" in listed.stdout, listed
    for name in ("1.19.8", "1.21.13", "1.22.10"):
        (proj / ".go-version").write_text(name + "\n")
        r = sh("go version", env, proj)  # the shim: not installed, though the tree is there
        assert r.returncode == 127, r
        assert f"go {name}" in r.stderr and "is not installed" in r.stderr
    doc = run_doctor(env=env, cwd=proj)
    found = {f["where"]: f for f in doc.data["findings"] if f["id"] == "gover.not-installed"}
    assert set(found) == {str(versions / n) for n in ("1.19.8", "1.21.13", "go1.22.10")}
    link = found[str(versions / "1.19.8")]
    assert link["severity"] == "warning"
    assert "it is a symlink (to /usr/lib/go-1.19)" in link["what"]
    assert link["fix"] == (
        "move it out of the store (gover never replaces a tree it did not make), "
        "then: gover install 1.19.8"
    )
    assert "it has no receipt (.gover-receipt.json)" in found[str(versions / "1.21.13")]["what"]
    named = found[str(versions / "go1.22.10")]
    assert "is listed as 1.22.10 by gover list, but the shims look for" in named["what"]
    assert named["fix"] == f"mv {versions}/go1.22.10 {versions}/1.22.10"
    os.rename(versions / "go1.22.10", versions / "1.22.10")  # the fix, done
    (proj / ".go-version").write_text("1.22.10\n")
    assert sh("go version", env, proj).stdout.startswith("go version go1.22.10 ")


def test_missing_shim_runs_another_gofmt(home: Path, own_store: Path, project: Path) -> None:
    shims = own_store / "shims"
    (shims / "gofmt").unlink()
    env = store_env(home, own_store, [shims, "/usr/bin", "/bin"])
    # The wrong gofmt: Debian's 1.19, while go (through its shim) is 1.22.10.
    found = sh("command -v gofmt", env, project).stdout.strip()
    assert found == "/usr/bin/gofmt"
    assert os.path.realpath(found) == "/usr/lib/go-1.19/bin/gofmt"
    assert sh("go version", env, project).stdout.startswith("go version go1.22.10 ")
    doc = run_doctor(env=env, cwd=project)
    f = doc.get("gover.shims-stale")
    assert (f["severity"], f["where"], f["fix"], f["fixable"]) == (
        "warning",
        str(shims),
        "gover rehash",
        True,
    )
    assert (
        "no shim for gofmt from the installed toolchains (`gofmt` runs /usr/bin/gofmt)"
        in (f["what"])
    )
    assert gover("rehash", env=env).returncode == 0  # the fix, done
    assert "gover.shims-stale" not in run_doctor(env=env, cwd=project).ids()
    assert sh("command -v gofmt", env, project).stdout.strip() == str(shims / "gofmt")


def test_stale_render(
    home: Path, own_store: Path, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Shims rendered by another gover. Every other command renders them again first
    (cli/entry.py); doctor changes nothing, so it reports them, and --fix renders them."""
    monkeypatch.setenv("GOVER_HOME", str(own_store))
    refresh.stamp_file().write_text("0" * 32 + "\n")
    assert refresh.needed()
    env = store_env(home, own_store, [own_store / "shims", "/usr/bin", "/bin"])
    sc = model.Scope(shells=("bash",), env=env, cwd=project, home=home)
    found = [f for f in selfcheck.DETECTOR.run(sc) if f.id == "gover.shims-stale"]
    assert len(found) == 1
    assert "rendered by another version of gover" in found[0].what
    assert (found[0].fix, found[0].fixable) == ("gover rehash", True)
    # Through the command too (doctor does not render first), then --fix renders them.
    doc = run_doctor(env=env, cwd=project)
    assert "gover.shims-stale" in doc.ids()
    assert refresh.needed()
    fixed = run_doctor("--fix", env=env, cwd=project)
    assert fixed.data["applied"] == ["gover rehash"]
    assert "gover.shims-stale" not in fixed.ids()
    assert not refresh.needed()


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_shims_not_on_path(home: Path, real_home: Path, project: Path, shell: str) -> None:
    env = store_env(home, real_home, ["/usr/bin", "/bin"])
    assert sh("go version", env, project).stdout.startswith("go version go1.19.8 ")
    doc = run_doctor("--shell", shell, env=env, cwd=project)
    assert doc.code == 1
    f = doc.get("gover.shims-not-on-path")
    assert (f["severity"], f["where"], f["fixable"]) == ("error", "environment: PATH", True)
    assert f["fix"] == f"gover init {shell} --write (then open a new terminal)"
    assert "though 2 toolchain(s) are installed: `go` runs /usr/bin/go (go1.19.8)" in f["what"]
    assert "gover selects go1.22.10 here" in f["what"]


@contextlib.contextmanager
def tmpfs(where: Path, size: str) -> Iterator[Path]:
    where.mkdir(parents=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], check=True)
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


@pytest.mark.timeout(600)
def test_low_disk_under_the_store(home: Path, tmp_path: Path, mirror: Mirror) -> None:
    with tmpfs(tmp_path / "small", "64m") as small:
        store = small / "gover"
        env = dict(os.environ, HOME=str(home), GOVER_HOME=str(store), PYTHONPATH=str(REPO))
        env["PATH"] = "/usr/bin:/bin"
        doc = run_doctor(env=env)
        f = doc.get("gover.low-disk")
        assert f["severity"] == "warning"
        assert f["where"] == str(small)  # the store does not exist yet: where it would go
        assert (
            f["what"].startswith("only 6")
            and "MiB free where gover keeps toolchains" in (f["what"])
        )
        assert f["fix"].startswith("free at least 1 GiB on that file system")
        # What really happens: the install runs out of space, and nothing is installed.
        r = gover("install", "1.22.10", env=env)
        assert r.returncode != 0
        assert "No space left on device" in r.stderr or "no space" in r.stderr.lower(), r.stderr
        assert not (store / "versions" / "1.22.10").exists()
    with tmpfs(tmp_path / "big", "2g") as big:  # a limit, not memory: nothing is allocated
        env["GOVER_HOME"] = str(big / "gover")
        assert "gover.low-disk" not in run_doctor(env=env).ids()


def go_build(limit: str, goroot: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """A real cold go build of a small module under `prlimit --nofile=limit`."""
    mod = tmp_path / f"mod-{limit.replace(':', '-')}"
    mod.mkdir()
    (mod / "go.mod").write_text("module example.com/m\n\ngo 1.21\n")
    (mod / "main.go").write_text('package main\n\nimport "fmt"\n\nfunc main() { fmt.Println(1) }\n')
    env = dict(
        os.environ,
        GOCACHE=str(mod / "cache"),
        GOTOOLCHAIN="local",
        GOPROXY="off",
        GOFLAGS="-mod=mod",
    )
    return subprocess.run(
        ["prlimit", f"--nofile={limit}", str(goroot / "bin" / "go"), "build", "-o", "out", "."],
        cwd=mod,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.timeout(900)
def test_low_hard_open_files_limit(home: Path, real_home: Path, tmp_path: Path) -> None:
    goroot = real_home / "versions" / "1.22.10"
    r = go_build("16:16", goroot, tmp_path)
    assert r.returncode != 0 and "too many open files" in r.stderr, r.stderr
    env = base_env(home)
    doc = run_doctor(env=env, user=("prlimit", "--nofile=16:16"))
    f = doc.get("gover.nofile-hard-limit")
    assert (f["severity"], f["where"]) == ("error", "process limit: ulimit -Hn = 16")
    assert f["fix"].startswith("as root: echo 'tester hard nofile 65536' > /etc/security/limits.d/")
    assert doc.code == 1
    warn = run_doctor(env=env, user=("prlimit", "--nofile=128:128")).get("gover.nofile-hard-limit")
    assert warn["severity"] == "warning"


@pytest.mark.timeout(900)
def test_low_soft_limit_is_not_a_finding(home: Path, real_home: Path, tmp_path: Path) -> None:
    """The myth: a soft `ulimit -n` of 16 breaks go. It does not: go raises it to the hard."""
    goroot = real_home / "versions" / "1.22.10"
    r = go_build("16:4096", goroot, tmp_path)
    assert r.returncode == 0, r.stderr
    doc = run_doctor(env=base_env(home), user=("prlimit", "--nofile=16:4096"))
    assert "gover.nofile-hard-limit" not in doc.ids()
    assert "open files: soft 16, hard 4096 (go raises soft to hard)" in doc.data["notes"]
