"""`gover mirror build`: the layout, resolution, idempotence, resume, hostile upstreams,
locking and planted symlinks, against real HTTP servers and real gpg."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.mirror import Upstream, index_names, serve_upstream, snapshot, tree_index
from tests.support import goarchives
from tests.support.cli import REPO, assert_one_line_error, go_run, run_gover
from tests.support.gpgkey import TestKey
from tests.support.httpserver import Fault
from tests.support.mirror import Mirror

LINUX = "linux/amd64"


@pytest.fixture
def upstream(
    tmp_path: Path, signing_key: TestKey, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Upstream]:
    with serve_upstream(tmp_path / "upstream", signing_key, monkeypatch) as up:
        yield up


def assert_error(err: str, *needles: str) -> None:
    """One error line; any other line is the per-file status a run without a terminal
    prints as each file is verified."""
    others = [ln for ln in err.splitlines() if ln.strip() and not ln.startswith("gover: error:")]
    assert all(": verified (" in ln or ": kept (" in ln for ln in others), err
    assert_one_line_error("\n".join(set(err.splitlines()) - set(others)), *needles)


def build(tree: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    r = run_gover("mirror", "build", str(tree), *args, env=env)
    return r.code, r.out, r.err


def build_json(tree: Path, *args: str) -> dict[str, object]:
    code, out, err = build(tree, *args, "--json")
    assert code == 0, err
    data: dict[str, object] = json.loads(out)
    return data


# --------------------------------------------------------------------------- layout


def test_build_writes_go_dev_layout_that_install_uses(
    mirror: Mirror, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Real archives from the session mirror: the tree holds exactly the archives, bare-hex
    .sha256, the upstream .asc bytes and an index naming exactly them; then a clean
    GOVER_HOME installs from the tree as a file:// mirror and the installed go runs."""
    monkeypatch.delenv("GOVER_INDEX_URL")
    monkeypatch.delenv("GOVER_DOWNLOAD_BASE")
    tree = tmp_path / "tree"
    code, out, err = build(
        tree,
        "--version",
        "1.22.10",
        "--version",
        "1.21.13",
        "--platform",
        LINUX,
        env={"GOVER_MIRROR": mirror.url},
    )
    assert code == 0, err
    names = [mirror.filename(v) for v in ("1.21.13", "1.22.10")]
    expected = sorted([*names, *(n + ".sha256" for n in names), *(n + ".asc" for n in names)])
    assert sorted(snapshot(tree)) == sorted([*expected, "index.json"])
    for n in names:
        assert (tree / (n + ".sha256")).read_bytes() == goarchives.sha256_of(tree / n).encode()
        assert (tree / (n + ".asc")).read_bytes() == (mirror.root / (n + ".asc")).read_bytes()
        assert (tree / n).read_bytes() == (mirror.root / n).read_bytes()
    doc = tree_index(tree)
    assert [r["version"] for r in doc] == ["go1.22.10", "go1.21.13"]  # newest first
    f = doc[0]["files"][0]  # type: ignore[index]
    assert f == {
        "filename": "go1.22.10.linux-amd64.tar.gz",
        "os": "linux",
        "arch": "amd64",
        "version": "go1.22.10",
        "sha256": goarchives.sha256_of(tree / "go1.22.10.linux-amd64.tar.gz"),
        "size": (tree / "go1.22.10.linux-amd64.tar.gz").stat().st_size,
        "kind": "archive",
    }
    assert doc[0]["stable"] is True
    assert "downloaded go1.22.10.linux-amd64.tar.gz" in out
    assert list((tree / ".gover-staging").iterdir()) == []

    home = tmp_path / "client home"
    r = run_gover(
        "install", "1.22.10", env={"GOVER_HOME": str(home), "GOVER_MIRROR": tree.as_uri()}
    )
    assert r.code == 0, r.err
    ran = go_run(home / "versions" / "1.22.10", "version")
    assert ran.returncode == 0 and "go1.22.10" in ran.stdout, ran.stderr


def test_prefix_latest_and_all(upstream: Upstream, tmp_path: Path) -> None:
    upstream.add("1.21.1")
    upstream.add("1.21.2", (LINUX, "linux/arm64", "windows/amd64"))
    upstream.add("1.22.0")
    upstream.add("1.23rc1", is_stable=False)
    tree = tmp_path / "tree"
    data = build_json(tree, "--version", "1.21", "--version", "latest", "--platform", LINUX)
    got = [(f["version"], f["status"]) for f in data["files"]]  # type: ignore[attr-defined]
    assert got == [("1.21.2", "downloaded"), ("1.22.0", "downloaded")]
    data = build_json(tree, "--version", "1.21.2", "--platform", "all")
    assert sorted(f["filename"] for f in data["files"]) == [  # type: ignore[attr-defined]
        "go1.21.2.linux-amd64.tar.gz",
        "go1.21.2.linux-arm64.tar.gz",
        "go1.21.2.windows-amd64.zip",
    ]
    # The earlier run's files stay named; the zip has no .asc, as on go.dev.
    assert index_names(tree) == [
        "go1.21.2.linux-amd64.tar.gz",
        "go1.21.2.linux-arm64.tar.gz",
        "go1.21.2.windows-amd64.zip",
        "go1.22.0.linux-amd64.tar.gz",
    ]
    assert not (tree / "go1.21.2.windows-amd64.zip.asc").exists()
    assert (tree / "go1.21.2.windows-amd64.zip.sha256").is_file()
    assert data["archives"] == 4


def test_default_platform_is_the_host(upstream: Upstream, tmp_path: Path) -> None:
    upstream.add("1.21.1", (LINUX, "darwin/arm64"))
    data = build_json(tmp_path / "t", "--version", "1.21.1")
    assert [f["filename"] for f in data["files"]] == [  # type: ignore[attr-defined]
        "go1.21.1.linux-amd64.tar.gz"
    ]


def test_bad_requests_are_one_line(upstream: Upstream, tmp_path: Path) -> None:
    upstream.add("1.21.1")
    tree = tmp_path / "t"
    code, _, err = build(tree, "--version", "1.21.1", "--platform", "linux")
    assert code == 2
    assert_one_line_error(err, "--platform 'linux'", "GOOS/GOARCH")
    code, _, err = build(tree, "--version", "1.21.1", "--platform", "plan9/mips")
    assert code == 1
    assert_one_line_error(err, "go1.21.1 has no archive for plan9/mips", "linux/amd64")
    code, _, err = build(tree, "--version", "1.99")
    assert code == 2
    assert_one_line_error(err, "no Go release matches '1.99'")
    assert not (tree / "index.json").exists()


# --------------------------------------------------------------------------- idempotence


def test_second_run_downloads_nothing(upstream: Upstream, tmp_path: Path) -> None:
    name = upstream.add("1.21.1")[0]
    tree = tmp_path / "tree"
    build_json(tree, "--version", "1.21.1", "--platform", LINUX)
    before = snapshot(tree)
    assert len(upstream.gets(name)) == 1
    data = build_json(tree, "--version", "1.21.1", "--platform", LINUX)
    assert [f["status"] for f in data["files"]] == ["kept"]  # type: ignore[attr-defined]
    assert len(upstream.gets(name)) == 1  # no second download
    assert upstream.gets(name + ".asc") and len(upstream.gets(name + ".asc")) == 1
    assert snapshot(tree) == before


def test_file_present_but_unnamed_is_rehashed_not_downloaded(
    upstream: Upstream, tmp_path: Path
) -> None:
    """A run killed between its renames and the index: the next run finds the archive in
    place, hashes it, and names it without downloading it again."""
    name = upstream.add("1.21.1")[0]
    tree = tmp_path / "tree"
    tree.mkdir()
    shutil.copy2(upstream.root / name, tree / name)
    data = build_json(tree, "--version", "1.21.1", "--platform", LINUX)
    assert [f["status"] for f in data["files"]] == ["checked"]  # type: ignore[attr-defined]
    assert upstream.gets(name) == []
    assert index_names(tree) == [name]
    assert (tree / (name + ".asc")).is_file()


def test_wrong_file_in_place_is_replaced(upstream: Upstream, tmp_path: Path) -> None:
    name = upstream.add("1.21.1")[0]
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / name).write_bytes(os.urandom(200_000))
    build_json(tree, "--version", "1.21.1", "--platform", LINUX)
    assert (tree / name).read_bytes() == (upstream.root / name).read_bytes()


# --------------------------------------------------------------------------- resume


def _spawn_build(tree: Path, *args: str) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.Popen(
        [sys.executable, "-m", "gover", "mirror", "build", str(tree), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_partial(partial: Path, proc: subprocess.Popen[str], at_least: int) -> int:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if partial.exists() and partial.stat().st_size >= at_least:
            return partial.stat().st_size
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.02)
    raise AssertionError(f"{partial} never grew to {at_least} bytes")


def test_killed_build_resumes(upstream: Upstream, tmp_path: Path) -> None:
    name = upstream.add("1.21.1", size=4 << 20)[0]
    upstream.server.add_fault("/" + name, Fault(trickle_body=0.05, trickle_chunk=64 << 10))
    tree = tmp_path / "tree"
    proc = _spawn_build(tree, "--version", "1.21.1", "--platform", LINUX)
    partial = tree / ".gover-staging" / (name + ".partial")
    _wait_for_partial(partial, proc, 256 << 10)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    had = partial.stat().st_size
    assert 0 < had < 4 << 20
    assert not (tree / "index.json").exists() and not (tree / name).exists()
    upstream.server.clear_faults()
    data = build_json(tree, "--version", "1.21.1", "--platform", LINUX)
    assert [f["status"] for f in data["files"]] == ["downloaded"]  # type: ignore[attr-defined]
    ranges = [h.get("range") for h in upstream.gets(name)]
    assert ranges[-1] is not None
    start = int(ranges[-1].removeprefix("bytes=").rstrip("-"))
    assert 0 < start <= had
    assert (tree / name).read_bytes() == (upstream.root / name).read_bytes()
    assert index_names(tree) == [name]
    assert not partial.exists()


# --------------------------------------------------------------------------- hostile upstream


def _hostile(kind: str, upstream: Upstream, name: str) -> None:
    path = upstream.root / name
    size = path.stat().st_size
    server = upstream.server
    if kind == "hash":
        server.add_fault("/" + name, Fault(body=os.urandom(size)))
    elif kind == "size":
        server.add_fault("/" + name, Fault(content_length=size + 10))
    elif kind == "signature":
        server.add_fault("/" + name + ".asc", Fault(body=upstream.key.sign_bytes(b"other")))
    elif kind == "sidecar":
        server.add_fault("/" + name + ".sha256", Fault(body=b"0" * 64))
    elif kind == "no-signature":
        server.add_fault("/" + name + ".asc", Fault(status=404))


@pytest.mark.parametrize("kind", ["hash", "size", "signature", "sidecar", "no-signature"])
def test_hostile_upstream_leaves_tree_unchanged(
    kind: str, upstream: Upstream, tmp_path: Path
) -> None:
    upstream.add("1.21.1")
    tree = tmp_path / "tree"
    build_json(tree, "--version", "1.21.1", "--platform", LINUX)
    before = snapshot(tree)
    good, bad = upstream.add("1.21.2", (LINUX, "linux/arm64"))
    _hostile(kind, upstream, bad)
    code, _out, err = build(tree, "--version", "1.21.2", "--platform", "all", "--jobs", "2")
    assert code == 3, err
    assert_error(err, bad)
    assert snapshot(tree) == before  # the good one too stays staged, unseen
    assert index_names(tree) == ["go1.21.1.linux-amd64.tar.gz"]
    assert not (tree / good).exists()


def test_hostile_upstream_after_a_clean_one_resumes_from_staging(
    upstream: Upstream, tmp_path: Path
) -> None:
    """What was verified before another file failed is kept staged: the next run does not
    download it again."""
    good, bad = upstream.add("1.21.2", (LINUX, "linux/arm64"))
    upstream.server.add_fault("/" + bad, Fault(body=os.urandom(200_000)))
    tree = tmp_path / "tree"
    code, _, err = build(tree, "--version", "1.21.2", "--platform", "all", "--jobs", "1")
    assert code == 3, err
    upstream.server.clear_faults()
    gets = len(upstream.gets(good))
    data = build_json(tree, "--version", "1.21.2", "--platform", "all")
    assert len(upstream.gets(good)) == gets
    assert sorted(f["status"] for f in data["files"]) == ["checked", "downloaded"]  # type: ignore[attr-defined]
    assert index_names(tree) == sorted([good, bad])


# --------------------------------------------------------------------------- lock, symlinks


def test_two_builds_at_once_second_refuses(upstream: Upstream, tmp_path: Path) -> None:
    name = upstream.add("1.21.1", size=2 << 20)[0]
    upstream.server.add_fault("/" + name, Fault(trickle_body=0.05, trickle_chunk=32 << 10))
    tree = tmp_path / "tree"
    first = _spawn_build(tree, "--version", "1.21.1", "--platform", LINUX)
    _wait_for_partial(tree / ".gover-staging" / (name + ".partial"), first, 1)
    code, _, err = build(tree, "--version", "1.21.1", "--platform", LINUX)
    assert code == 1
    assert_one_line_error(err, "another gover mirror build or sync is running", str(tree))
    _out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert index_names(tree) == [name]
    assert (tree / name).read_bytes() == (upstream.root / name).read_bytes()


def test_symlink_at_archive_name_is_replaced_not_followed(
    upstream: Upstream, tmp_path: Path
) -> None:
    name = upstream.add("1.21.1")[0]
    tree = tmp_path / "tree"
    tree.mkdir()
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    (tree / name).symlink_to(victim)
    (tree / (name + ".asc")).symlink_to(victim)
    build_json(tree, "--version", "1.21.1", "--platform", LINUX)
    assert victim.read_bytes() == b"precious"
    assert not (tree / name).is_symlink() and not (tree / (name + ".asc")).is_symlink()
    assert (tree / name).read_bytes() == (upstream.root / name).read_bytes()


def test_symlink_at_index_is_refused(upstream: Upstream, tmp_path: Path) -> None:
    upstream.add("1.21.1")
    tree = tmp_path / "tree"
    tree.mkdir()
    victim = tmp_path / "victim.json"
    victim.write_text("[]")
    (tree / "index.json").symlink_to(victim)
    code, _, err = build(tree, "--version", "1.21.1", "--platform", LINUX)
    assert code == 1
    assert_one_line_error(err, str(tree / "index.json"), "symlink")
    assert victim.read_text() == "[]"
    assert (tree / "index.json").is_symlink()


def test_a_terminal_gets_a_bar_per_file_and_served_files_are_world_readable(
    mirror: Mirror, tmp_path: Path
) -> None:
    """On a TTY each parallel download has its own progress bar; the files a web server
    serves (running as another user, e.g. www-data) are 0644 even though staging is private."""
    import pexpect

    tree = tmp_path / "tree"
    env = dict(
        os.environ,
        PYTHONPATH=str(REPO),
        COLUMNS="120",
        TERM="xterm",
        GOVER_MIRROR=mirror.url,
    )
    env.pop("GOVER_INDEX_URL")
    env.pop("GOVER_DOWNLOAD_BASE")
    argv = ["-m", "gover", "mirror", "build", str(tree), "--platform", LINUX]
    argv += ["--version", "1.22.10", "--version", "1.21.13", "--jobs", "2"]
    child = pexpect.spawn(
        sys.executable, argv, env=env, timeout=120, encoding="utf-8", dimensions=(24, 120)
    )
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    screen = child.before or ""
    for version in ("1.22.10", "1.21.13"):
        assert f"{mirror.filename(version)} " in screen  # a bar labelled with the file
    assert "MB" in screen  # rich's DownloadColumn
    for name in snapshot(tree):
        assert (tree / name).stat().st_mode & 0o777 == 0o644, name
