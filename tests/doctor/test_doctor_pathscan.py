"""Detector 1 (PATH), for real: Debian's go1.19.8 and the real go1.21.13/go1.22.10 of the
real_home store on PATH in different orders, dead links and symlink loops, empty, relative and
duplicate entries. Each test runs the real `gover doctor --json` and shows what the shell and
go really do in that state."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from gover.doctor import startup
from tests.doctor.conftest import base_env, run_doctor

SHIMS = "shims"


def store_env(home: Path, store: Path, path: list[Path | str]) -> dict[str, str]:
    env = base_env(home, path)
    env["GOVER_HOME"] = str(store)
    return env


def sh(cmd: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """What a user's shell does with `cmd` in this environment."""
    return subprocess.run(
        ["/bin/sh", "-c", cmd], env=env, cwd=cwd, capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def project(home: Path) -> Path:
    """A directory pinned to go1.22.10 (installed in real_home)."""
    p = home / "project"
    p.mkdir()
    (p / ".go-version").write_text("1.22.10\n")
    return p


def path_ids(doc_ids: list[str]) -> list[str]:
    return [i for i in doc_ids if i.startswith(("path.", "gover."))]


def test_clean_shims_first_gives_no_finding(home: Path, real_home: Path, project: Path) -> None:
    env = store_env(home, real_home, [real_home / SHIMS, "/usr/bin", "/bin"])
    doc = run_doctor(env=env, cwd=project)
    assert path_ids(doc.ids()) == [], doc.data["findings"]
    notes = doc.data["notes"]
    assert any(n.startswith("go on PATH 1 (runs): ") and "gover shim" in n for n in notes), notes
    assert any(
        n.startswith("go on PATH 2: /usr/bin/go -> /usr/lib/go-1.19/bin/go: go1.19.8, apt")
        for n in notes
    ), notes
    assert "gover's shims come first; here they run go1.22.10" in notes
    assert sh("go version", env, project).stdout.startswith("go version go1.22.10 ")


def test_debian_go_before_the_shims(home: Path, real_home: Path, project: Path) -> None:
    env = store_env(home, real_home, ["/usr/bin", real_home / SHIMS, "/bin"])
    # What the user sees: the pin says 1.22.10, `go version` says Debian's 1.19.8.
    assert sh("go version", env, project).stdout.startswith("go version go1.19.8 ")
    assert sh(f"'{real_home}/{SHIMS}/go' version", env, project).stdout.startswith(
        "go version go1.22.10 "
    )
    doc = run_doctor(env=env, cwd=project)
    assert doc.code == 1
    f = doc.get("path.go-shadows-shims")
    assert f["severity"] == "error"
    assert (
        "`go` runs /usr/bin/go (go1.19.8, apt (Debian/Ubuntu package golang-1.19-go))"
        in (f["what"])
    )
    assert "not go1.22.10, which gover selects here" in f["what"]
    if getattr(startup, "assignments", None) is None:
        assert f["where"] == "environment: PATH (entry 1: /usr/bin)"
        assert f["fix"] == (
            "put gover's shims first: add as the last line of ~/.bashrc: "
            f'export PATH={real_home}/{SHIMS}:"$PATH"'
        )
    else:  # /etc/profile puts /usr/bin on PATH in a bash login shell
        assert f["where"].startswith("/etc/profile:"), f
        assert f["fix"].startswith("put gover's shims first: add as the last line of ~/.bashrc")


def test_user_line_that_prepends_the_shadowing_go(
    home: Path, real_home: Path, project: Path
) -> None:
    """`export PATH=/usr/lib/go-1.19/bin:$PATH` in ~/.bashrc after gover's shims: the where
    is that line (when the start-up detector is there), the fix appends instead."""
    (home / ".bashrc").write_text(
        f'export PATH="{real_home}/{SHIMS}:$PATH"\nexport PATH="/usr/lib/go-1.19/bin:$PATH"\n'
    )
    env = store_env(home, real_home, ["/usr/bin", "/bin"])
    traced = subprocess.run(
        ["bash", "-ic", 'echo "$PATH"; go version'],
        env=env,
        cwd=project,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    path, version = traced.stdout.splitlines()[-2:]
    assert version.startswith("go version go1.19.8 ")
    env["PATH"] = path  # the environment that terminal gives
    doc = run_doctor("--shell", "bash", "--as", "interactive", env=env, cwd=project)
    f = doc.get("path.go-shadows-shims")
    assert f["severity"] == "error"
    assert "`go` runs /usr/lib/go-1.19/bin/go (go1.19.8, " in f["what"]
    if getattr(startup, "assignments", None) is None:
        assert f["where"] == "environment: PATH (entry 1: /usr/lib/go-1.19/bin)"
    else:
        assert f["where"] == "~/.bashrc:2"
        assert (
            f["fix"]
            == 'in ~/.bashrc:2, append instead of prepend: export PATH="$PATH:/usr/lib/go-1.19/bin"'
        )


def test_store_go_of_another_version_on_path(home: Path, real_home: Path, project: Path) -> None:
    """A store bin/ put on PATH by hand bypasses the pins: 1.21.13 runs in a 1.22.10 project."""
    bindir = real_home / "versions" / "1.21.13" / "bin"
    env = store_env(home, real_home, [bindir, real_home / SHIMS, "/usr/bin", "/bin"])
    assert sh("go version", env, project).stdout.startswith("go version go1.21.13 ")
    f = run_doctor(env=env, cwd=project).get("path.go-shadows-shims")
    assert f["severity"] == "error"
    assert "(go1.21.13, gover's store (1.21.13), not through a shim)" in f["what"]


def test_selected_toolchains_own_bin_first_is_fine(
    home: Path, real_home: Path, project: Path
) -> None:
    bindir = real_home / "versions" / "1.22.10" / "bin"
    env = store_env(home, real_home, [bindir, real_home / SHIMS, "/usr/bin", "/bin"])
    assert sh("go version", env, project).stdout.startswith("go version go1.22.10 ")
    assert path_ids(run_doctor(env=env, cwd=project).ids()) == []


def test_system_selected_debian_first_is_fine(home: Path, real_home: Path) -> None:
    """No pin: gover selects the system go, which the shims would run anyway."""
    env = store_env(home, real_home, ["/usr/bin", real_home / SHIMS, "/bin"])
    plain = home / "plain"
    plain.mkdir()
    assert sh(f"'{real_home}/{SHIMS}/go' version", env, plain).stdout.startswith(
        "go version go1.19.8 "
    )
    assert "path.go-shadows-shims" not in run_doctor(env=env, cwd=plain).ids()


@pytest.mark.timeout(120)
def test_dead_link_first_on_path(home: Path) -> None:
    mine = home / "bin"
    mine.mkdir()
    (mine / "go").symlink_to(home / "sdk" / "go1.22.10" / "bin" / "go")  # never downloaded
    env = base_env(home, [mine, "/usr/bin", "/bin"])
    # The shell skips the dead link without a word and runs Debian's go.
    assert sh("go version", env, home).stdout.startswith("go version go1.19.8 ")
    assert subprocess.run(["stat", "-L", str(mine / "go")], capture_output=True).returncode != 0
    doc = run_doctor(env=env)
    f = doc.get("path.dead-link")
    assert f["severity"] == "warning"
    assert f["where"] == "~/bin/go"
    assert f["fix"] == "remove the link: rm ~/bin/go"
    assert "~/sdk/go1.22.10/bin/go does not exist" in f["what"]
    assert "runs /usr/bin/go (go1.19.8) instead" in f["what"]
    (mine / "go").unlink()  # the fix, done: the finding goes
    assert "path.dead-link" not in run_doctor(env=env).ids()


@pytest.mark.timeout(120)
def test_dead_link_and_no_other_go(home: Path) -> None:
    mine = home / "bin"
    mine.mkdir()
    (mine / "go").symlink_to("/opt/go/bin/go")
    env = base_env(home, [mine])
    assert sh("go version", env, home).returncode == 127  # go: not found
    f = run_doctor(env=env).get("path.dead-link")
    assert f["severity"] == "error"
    assert "no other go is on PATH: `go` is not found" in f["what"]


@pytest.mark.timeout(120)
def test_symlink_loops_are_named_not_followed(home: Path) -> None:
    a, b = home / "a", home / "b"
    a.mkdir()
    b.mkdir()
    (a / "go").symlink_to(b / "go")
    (b / "go").symlink_to(a / "go")
    (home / "self").symlink_to(home / "self")  # a PATH directory that is itself a loop
    env = base_env(home, [home / "self", a, "/usr/bin", "/bin"])
    assert sh("go version", env, home).stdout.startswith("go version go1.19.8 ")
    stat_l = subprocess.run(["stat", "-L", str(a / "go")], capture_output=True, text=True)
    assert "Too many levels of symbolic links" in stat_l.stderr
    doc = run_doctor(env=env)
    loops = [f for f in doc.data["findings"] if f["id"] == "path.link-loop"]
    assert [f["where"] for f in loops] == ["~/self/go", "~/a/go"]
    assert loops[0]["fix"] == "remove ~/self from PATH (it is a symlink loop)"
    assert loops[1]["fix"] == "remove the link: rm ~/a/go"
    assert "~/a/go -> ~/b/go -> ~/a/go" in loops[1]["what"]
    assert all(f["severity"] == "warning" for f in loops)


def test_empty_entry_runs_a_go_from_the_current_directory(home: Path, real_home: Path) -> None:
    work = home / "checkout"
    work.mkdir()
    (work / "go").symlink_to(real_home / "versions" / "1.22.10" / "bin" / "go")
    env = base_env(home, ["", "/usr/bin", "/bin"])
    # Which go runs depends on the directory: real go 1.22.10 here, Debian's elsewhere.
    assert sh("go version", env, work).stdout.startswith("go version go1.22.10 ")
    assert sh("go version", env, home).stdout.startswith("go version go1.19.8 ")
    doc = run_doctor(env=env, cwd=work)
    f = doc.get("path.empty-entry")
    assert (f["severity"], f["where"]) == ("warning", "environment: PATH (entry 1)")
    assert f["fix"] == "remove the empty entry (the extra ':') where PATH is set"
    assert any(
        n.startswith("go on PATH 1 (runs): ") and "go1.22.10" in n for n in doc.data["notes"]
    )


def test_relative_entry(home: Path, real_home: Path) -> None:
    (home / "bin").mkdir()
    (home / "bin" / "go").symlink_to(real_home / "versions" / "1.21.13" / "bin" / "go")
    env = base_env(home, ["bin", "/usr/bin", "/bin"])
    assert sh("go version", env, home).stdout.startswith("go version go1.21.13 ")
    assert sh("go version", env, home / "bin").stdout.startswith("go version go1.19.8 ")
    f = run_doctor(env=env).get("path.relative-entry")
    assert (f["severity"], f["where"]) == ("warning", "environment: PATH (entry 1): bin")
    assert f["fix"] == "replace bin in PATH by an absolute path, or remove it"


def test_duplicate_entry_is_info(home: Path) -> None:
    env = base_env(home, ["/usr/bin", "/bin", "/usr/bin"])
    doc = run_doctor(env=env)
    f = doc.get("path.duplicate-entry")
    assert (f["severity"], f["where"]) == ("info", "environment: PATH (entry 3): /usr/bin")
    assert "entries 1 and 3" in f["what"]
    assert f["fix"].startswith('guard the line that adds it: case ":$PATH:" in *:/usr/bin:*)')
    # Listed once among the gos: the shell never gets past the first.
    assert sum("/usr/bin/go ->" in n for n in doc.data["notes"]) == 1


def _tree(src: Path, dst: Path) -> Path:
    """A real Go tree at `dst` (hard links: instant, same bytes)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["cp", "-al", str(src), str(dst)], check=True, timeout=120)
    return dst


def test_origins_and_versions_read_from_trees(home: Path, real_home: Path) -> None:
    """Where each go came from, told by its path, its version read without running it."""
    v21, v22 = real_home / "versions" / "1.21.13", real_home / "versions" / "1.22.10"
    sdk = _tree(v22, home / "sdk" / "go1.22.10")
    toolchain = _tree(
        v21, home / "go" / "pkg" / "mod" / "golang.org" / "toolchain@v0.0.1-go1.21.13.linux-amd64"
    )
    goenv = _tree(v21, home / ".goenv" / "versions" / "1.21.13")
    lone = home / "lone"
    lone.mkdir()
    os.link(v22 / "bin" / "go", lone / "go")  # no tree around it: its build info tells
    order: list[Path | str] = [sdk / "bin", toolchain / "bin", goenv / "bin", lone, "/usr/bin"]
    env = base_env(home, order)
    notes = run_doctor(env=env).data["notes"]
    expect = [
        "go on PATH 1 (runs): ~/sdk/go1.22.10/bin/go: go1.22.10, golang.org/dl (go1.22.10 "
        "download, in ~/sdk/go1.22.10)",
        "go on PATH 2: ~/go/pkg/mod/golang.org/toolchain@v0.0.1-go1.21.13.linux-amd64/bin/go: "
        "go1.21.13, the GOTOOLCHAIN module cache (go downloaded it to switch toolchains)",
        "go on PATH 3: ~/.goenv/versions/1.21.13/bin/go: go1.21.13, goenv",
        "go on PATH 4: ~/lone/go: go1.22.10, unknown origin",
        "go on PATH 5: /usr/bin/go -> /usr/lib/go-1.19/bin/go: go1.19.8, apt (Debian/Ubuntu "
        "package golang-1.19-go)",
    ]
    assert [n for n in notes if n.startswith("go on PATH")] == expect
    for i, where in enumerate([sdk / "bin", toolchain / "bin", goenv / "bin", lone], 1):
        want = "go1.22.10" if i in (1, 4) else "go1.21.13"
        run_env = dict(env, GOTOOLCHAIN="local")
        if i == 4:
            run_env["GOROOT"] = str(v22)  # a lone binary finds no tree of its own
        out = subprocess.run(
            [str(Path(where) / "go"), "env", "GOVERSION"],
            env=run_env,
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout.strip()
        assert out == want  # what go itself says it is: the tree told the truth


@pytest.mark.timeout(120)
def test_hostile_path_entries_never_crash(home: Path) -> None:
    odd = home / "dir\x1b[31m\nwith\tcontrol"
    odd.mkdir()
    (odd / "go").mkdir()  # a directory named go: skipped by the shell
    fifo_dir = home / "fifo"
    fifo_dir.mkdir()
    os.mkfifo(fifo_dir / "go")
    junk = home / "junk"
    junk.mkdir()
    (junk / "go").write_bytes(b"\x7fELF" + os.urandom(4096))
    (junk / "go").chmod(0o755)
    raw = os.fsencode(str(home)) + b"/\xff\xfe"
    os.mkdir(raw)
    os.symlink(b"/nowhere/\xff", raw + b"/go")
    path = ":".join([str(odd), str(fifo_dir), str(junk), os.fsdecode(raw), "/usr/bin"])
    env = base_env(home, ["/usr/bin"])
    env["PATH"] = path
    doc = run_doctor(env=env)
    assert "doctor.detector-failed" not in doc.ids(), doc.data["findings"]
    notes = [n for n in doc.data["notes"] if n.startswith("go on PATH")]
    assert "(runs)" in notes[2] and "version unknown, unknown origin" in notes[2]
    dead = doc.get("path.dead-link")
    assert "\\xff" in dead["where"]
