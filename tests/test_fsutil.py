"""fsutil's safe primitives, on real files, FIFOs, symlinks and deep trees."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gover import fsutil


def _deep(top: Path, levels: int, name: str = "d") -> None:
    """A chain of `levels` directories; built with chdir since the full path outgrows PATH_MAX."""
    here = os.getcwd()
    top.mkdir()
    os.chdir(top)
    try:
        for _ in range(levels):
            os.mkdir(name)
            os.chdir(name)
            Path("f").write_text("x")
    finally:
        os.chdir(here)


def test_rmtree_removes_a_tree_deeper_than_recursion_and_path_max(tmp_path: Path) -> None:
    top = tmp_path / "deep"
    _deep(top, 2100, "dd")  # 2,100 levels: past the recursion limit; 6,300-byte paths
    fsutil.rmtree(top)
    assert not top.exists()


def test_rmtree_never_follows_a_symlink(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep").write_text("precious")
    tree = tmp_path / "tree"
    (tree / "sub").mkdir(parents=True)
    (tree / "sub" / "link").symlink_to(outside)
    (tree / "dirlink").symlink_to(outside, target_is_directory=True)
    fsutil.rmtree(tree)
    assert not tree.exists()
    assert (outside / "keep").read_text() == "precious"
    link = tmp_path / "toplink"
    link.symlink_to(outside)
    fsutil.rmtree(link)  # a symlink given as the top is unlinked, not entered
    assert not link.exists() and (outside / "keep").exists()


def test_rmtree_of_read_only_directories(tmp_path: Path) -> None:
    tree = tmp_path / "ro"
    (tree / "a" / "b").mkdir(parents=True)
    (tree / "a" / "b" / "f").write_text("x")
    os.chmod(tree / "a" / "b", 0o500)
    os.chmod(tree / "a", 0o500)
    fsutil.rmtree(tree)
    assert not tree.exists()
    fsutil.rmtree(tree)  # missing: not an error


def test_open_regular_refuses_a_fifo_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(fsutil.UnsafePathError) as err:
        fsutil.read_limited(fifo, 10)  # a blocking open would wait for a writer forever
    assert err.value.strerror == "is a FIFO, not a regular file"
    with pytest.raises(fsutil.UnsafePathError):
        fsutil.open_regular(tmp_path)  # a directory


def test_open_regular_nofollow_refuses_links(tmp_path: Path) -> None:
    target = tmp_path / "target"
    target.write_text("x")
    link = tmp_path / "link"
    link.symlink_to(target)
    with pytest.raises(fsutil.UnsafePathError, match="symlink"):
        fsutil.open_regular(link, follow_symlinks=False)
    os.close(fsutil.open_regular(link))  # following is the default


def test_read_limits_count_every_byte(tmp_path: Path) -> None:
    nuls = tmp_path / "nuls"
    nuls.write_bytes(b"\0" * 5000)
    assert fsutil.read_limited(nuls, 1024) == b"\0" * 1024
    with pytest.raises(fsutil.UnsafePathError, match="larger than 1024 bytes"):
        fsutil.read_capped(nuls, 1024)
    assert fsutil.read_capped(nuls, 5000) == b"\0" * 5000


def test_create_exclusive_never_through_a_link(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("mine")
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "created-by-link")
    planted = tmp_path / "planted"
    planted.symlink_to(victim)
    for path in (planted, dangling, victim):
        with pytest.raises(OSError):
            fsutil.create_exclusive(path)
    assert victim.read_text() == "mine"
    assert not (tmp_path / "created-by-link").exists()


def test_owned_dir_refuses_links_and_others(tmp_path: Path) -> None:
    real = tmp_path / "real"
    link = tmp_path / "link"
    real.mkdir()
    link.symlink_to(real)
    with pytest.raises(fsutil.UnsafePathError, match="symlink"):
        fsutil.owned_dir(link, 0o700)
    assert fsutil.owned_dir(tmp_path / "new" / "dir", 0o700).is_dir()
    assert (tmp_path / "new" / "dir").stat().st_mode & 0o777 == 0o700
    other = tmp_path / "other"
    other.mkdir()
    os.chown(other, 65534, 65534)  # the tests run as root
    with pytest.raises(fsutil.UnsafePathError, match="belongs to uid 65534"):
        fsutil.owned_dir(other)
