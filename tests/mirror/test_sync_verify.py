"""`gover mirror sync` (newest patches, --prune) and `gover mirror verify` (every problem
reported, exit 3), plus a reader that never sees a broken index while sync runs."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.mirror import Upstream, index_names, serve_upstream, snapshot
from tests.mirror.test_build import LINUX, build_json
from tests.support.cli import assert_one_line_error, run_gover
from tests.support.gpgkey import TestKey

ARM = "linux/arm64"


@pytest.fixture
def upstream(
    tmp_path: Path, signing_key: TestKey, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Upstream]:
    with serve_upstream(tmp_path / "upstream", signing_key, monkeypatch) as up:
        yield up


def sync(tree: Path, *args: str) -> dict[str, object]:
    r = run_gover("mirror", "sync", str(tree), *args, "--json")
    assert r.code == 0, r.err
    data: dict[str, object] = json.loads(r.out)
    return data


def names(*versions: str, plats: tuple[str, ...] = (LINUX,)) -> list[str]:
    return sorted(f"go{v}.{p.replace('/', '-')}.tar.gz" for v in versions for p in plats)


# --------------------------------------------------------------------------- sync


def test_sync_adds_newest_patch_per_minor_and_platform(upstream: Upstream, tmp_path: Path) -> None:
    upstream.add("1.21.1", (LINUX, ARM))
    upstream.add("1.22.0", (LINUX,))
    tree = tmp_path / "tree"
    build_json(tree, "--version", "1.21.1", "--platform", LINUX, "--platform", ARM)
    build_json(tree, "--version", "1.22.0", "--platform", LINUX)
    upstream.add("1.21.2", (LINUX, ARM, "darwin/arm64"))
    upstream.add("1.21.3", (LINUX,))  # arm64 has no 1.21.3: its newest stays 1.21.2
    upstream.add("1.22.1", (ARM,))  # not for linux/amd64: 1.22 gains nothing
    upstream.add("1.23.0", (LINUX,))  # a minor the tree does not hold
    upstream.add("1.24rc1", (LINUX,), is_stable=False)
    data = sync(tree)
    got = sorted(f["filename"] for f in data["files"])  # type: ignore[attr-defined]
    assert got == sorted(
        [
            "go1.21.3.linux-amd64.tar.gz",
            "go1.21.2.linux-arm64.tar.gz",
            "go1.22.0.linux-amd64.tar.gz",
        ]
    )
    assert index_names(tree) == sorted(
        [*names("1.21.1", "1.21.2", plats=(ARM,)), *names("1.21.1", "1.21.3", "1.22.0")]
    )
    again = sync(tree)
    assert {f["status"] for f in again["files"]} == {"kept"}  # type: ignore[attr-defined]


def test_sync_prune_keeps_newest_n(upstream: Upstream, tmp_path: Path) -> None:
    upstream.add("1.21.1", (LINUX, ARM))
    tree = tmp_path / "tree"
    build_json(tree, "--version", "1.21.1", "--platform", LINUX, "--platform", ARM)
    upstream.add("1.21.2", (LINUX, ARM))
    sync(tree)
    upstream.add("1.21.3", (LINUX, ARM))
    data = sync(tree, "--prune", "2")
    assert sorted(data["removed"]) == names("1.21.1", plats=(LINUX, ARM))  # type: ignore[arg-type]
    assert index_names(tree) == names("1.21.2", "1.21.3", plats=(LINUX, ARM))
    left = sorted(snapshot(tree))
    assert not [n for n in left if n.startswith("go1.21.1.")]  # archives and sidecars gone
    data = sync(tree, "--prune", "1")
    assert index_names(tree) == names("1.21.3", plats=(LINUX, ARM))


def test_sync_needs_a_tree(upstream: Upstream, tmp_path: Path) -> None:
    tree = tmp_path / "empty"
    tree.mkdir()
    r = run_gover("mirror", "sync", str(tree))
    assert r.code == 1
    assert_one_line_error(r.err, str(tree), "no index.json", "gover mirror build")
    assert list(tree.iterdir()) == []
    r = run_gover("mirror", "sync", str(tree), "--prune", "0")
    assert r.code == 2
    assert_one_line_error(r.err, "--prune 0")


def test_reader_never_sees_a_broken_index_during_sync(upstream: Upstream, tmp_path: Path) -> None:
    """A reader loops over the tree while sync adds and prunes: every index it reads parses
    and every archive it names is there, whole (its size is the index's), unless a prune
    removed it after the read and the index no longer names it."""
    upstream.add("1.21.1", (LINUX, ARM))
    tree = tmp_path / "tree"
    build_json(tree, "--version", "1.21.1", "--platform", LINUX, "--platform", ARM)
    stop = threading.Event()
    seen: list[str] = []
    broken: list[str] = []

    def reader() -> None:
        while not stop.is_set():
            try:
                doc = json.loads((tree / "index.json").read_bytes())
            except (OSError, ValueError) as exc:
                broken.append(f"index: {exc}")
                continue
            for rel in doc:
                for f in rel["files"]:
                    try:
                        size = os.stat(tree / f["filename"]).st_size
                    except OSError as exc:
                        # Pruned after this index was read: fine if the index no longer names it.
                        if f["filename"] in index_names(tree):
                            broken.append(f"{f['filename']}: {exc}")
                        continue
                    if size != f["size"]:
                        broken.append(f"{f['filename']}: {size} != {f['size']}")
                    seen.append(f["filename"])

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for v in ("1.21.2", "1.21.3", "1.21.4"):
            upstream.add(v, (LINUX, ARM), size=1 << 20)
            sync(tree, "--prune", "1")
    finally:
        stop.set()
        thread.join()
    assert broken == []
    assert "go1.21.4.linux-arm64.tar.gz" in seen or index_names(tree) == names(
        "1.21.4", plats=(LINUX, ARM)
    )
    assert index_names(tree) == names("1.21.4", plats=(LINUX, ARM))


# --------------------------------------------------------------------------- verify


def verify(tree: Path, *args: str) -> tuple[int, str, list[str]]:
    r = run_gover("mirror", "verify", str(tree), *args)
    return r.code, r.out, r.err_lines


def test_clean_tree_verifies(upstream: Upstream, tmp_path: Path) -> None:
    upstream.add("1.21.1", (LINUX, ARM, "windows/amd64"))
    tree = tmp_path / "tree"
    build_json(tree, "--version", "1.21.1", "--platform", "all")
    code, out, err = verify(tree)
    assert (code, err) == (0, [])
    assert out.strip() == f"3 archives in {tree} verified"
    r = run_gover("mirror", "verify", str(tree), "--json")
    assert json.loads(r.out)["problems"] == [] and r.code == 0


def test_verify_reports_each_problem(
    upstream: Upstream, tmp_path: Path, other_key: TestKey
) -> None:
    plats = ("linux/amd64", "linux/arm64", "linux/386", "linux/ppc64le", "linux/s390x")
    upstream.add("1.21.1", (*plats, "freebsd/amd64"))
    tree = tmp_path / "tree"
    build_json(tree, "--version", "1.21.1", "--platform", "all")
    a, b, c, d, e = (f"go1.21.1.{p.replace('/', '-')}.tar.gz" for p in plats)
    victim = tmp_path / "victim"
    victim.write_bytes((tree / e).read_bytes())
    # a: same size, other bytes; b: its .sha256 lies; c: its .asc is another key's;
    # d: gone; e: a symlink to a copy of the right bytes (refused, never followed).
    (tree / a).write_bytes(os.urandom((tree / a).stat().st_size))
    (tree / (b + ".sha256")).write_text("1" * 64)
    (tree / (c + ".asc")).write_bytes(other_key.sign_bytes((tree / c).read_bytes()))
    (tree / d).unlink()
    (tree / e).unlink()
    (tree / e).symlink_to(victim)
    (tree / "stray.tar.gz").write_bytes(b"x")
    code, out, err = verify(tree)
    assert code == 3, err
    errors = [ln for ln in err if ln.startswith("gover: error: ")]
    assert len(errors) == 5, err
    by_file = {ln.removeprefix("gover: error: ").split(":")[0]: ln for ln in errors}
    assert "SHA-256" in by_file[a] and "index.json says" in by_file[a]
    assert "index.json says" in by_file[b + ".sha256"]
    assert "not a trusted key" in by_file[c + ".asc"]
    assert "missing" in by_file[d]
    assert "symlink" in by_file[e]
    assert all("gover mirror build" in ln for ln in errors)
    warnings = [ln for ln in err if ln.startswith("gover: warning: ")]
    assert len(warnings) == 1 and "stray.tar.gz" in warnings[0]
    assert out.strip() == f"5 problems in 6 archives in {tree}"
    assert victim.read_bytes()  # untouched


def test_verify_bad_signature_on_right_bytes_and_missing_asc(
    upstream: Upstream, tmp_path: Path
) -> None:
    a, b = upstream.add("1.21.1", (LINUX, ARM))
    tree = tmp_path / "tree"
    build_json(tree, "--version", "1.21.1", "--platform", "all")
    (tree / (a + ".asc")).write_bytes(upstream.key.sign_bytes(b"another file"))
    (tree / (b + ".asc")).unlink()
    code, _, err = verify(tree)
    assert code == 3
    assert len(err) == 2, err
    assert "BAD signature" in err[0] and a in err[0]
    assert "signature missing and gpg = require" in err[1] and b in err[1]


def test_verify_needs_a_tree(tmp_path: Path) -> None:
    code, _, err = verify(tmp_path)
    assert code == 1
    assert_one_line_error("\n".join(err), "no index.json", "gover mirror build")
