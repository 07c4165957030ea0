"""The store's crash rules: only receipted installs are visible; leftovers are cleaned or restored."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from gover import paths
from gover.constants import STORE_MARKER
from gover.toolchain import store
from gover.versions import GoVersion


def fake_tree(root: Path, receipt: bool = True, marker: bool = False) -> Path:
    (root / "bin").mkdir(parents=True)
    (root / "bin" / "go").write_text("#!/bin/sh\n")
    if marker:
        (root / STORE_MARKER).write_text("made by gover\n")
    if receipt:
        paths.receipt_file(root).write_text(
            store.Receipt("1.22.10", "u", "f", "0" * 64, "unsigned", "t").to_json()
        )
    return root


def test_receiptless_and_staging_dirs_are_invisible_then_cleaned() -> None:
    base = paths.versions_dir()
    fake_tree(base / "1.22.10")
    fake_tree(base / "1.21.13", receipt=False, marker=True)  # an uninstall cut short
    fake_tree(base / ".staging-1.20.1+0a1b2c3d", receipt=True)
    (base / "notes").mkdir()
    assert [i.name for i in store.installed()] == ["1.22.10"]
    result = store.cleanup()
    assert sorted(result.done) == [
        "removed .staging-1.20.1+0a1b2c3d",
        "removed incomplete 1.21.13",
    ]
    assert result.kept == ()
    assert sorted(os.listdir(base)) == ["1.22.10", "notes"]


def test_backup_restored_when_swap_was_interrupted() -> None:
    base = paths.versions_dir()
    fake_tree(base / ".old-1.22.10+0000beef")
    assert store.installed() == []
    assert store.cleanup().done == ("restored 1.22.10",)
    assert [i.name for i in store.installed()] == ["1.22.10"]


def test_backup_dropped_when_new_copy_is_in_place() -> None:
    base = paths.versions_dir()
    fake_tree(base / "1.22.10")
    fake_tree(base / ".old-1.22.10+0000beef")
    assert store.cleanup().done == ("removed .old-1.22.10+0000beef",)


def test_cleanup_skips_versions_being_installed() -> None:
    base = paths.versions_dir()
    fake_tree(base / ".staging-1.22.10+0000abcd", receipt=False)
    with store.lock("1.22.10"):
        # A second process (a real lock holder elsewhere) must not be disturbed.
        code = subprocess.run(
            [sys.executable, "-c", "from gover.toolchain import store; print(store.cleanup().done)"],
            capture_output=True,
            text=True,
            env=dict(os.environ),
            check=True,
        )
        assert code.stdout.strip() == "()"
    assert store.cleanup().done == ("removed .staging-1.22.10+0000abcd",)


def test_commit_swaps_and_keeps_receipt_last() -> None:
    staging = store.new_staging("1.22.10")
    fake_tree(staging, receipt=False)
    r = store.Receipt("1.22.10", "u", "f", "1" * 64, "FP", "t")
    root = store.commit(staging, "1.22.10", r)
    assert store.get(GoVersion.parse("1.22.10")) is not None
    staging2 = store.new_staging("1.22.10")
    fake_tree(staging2, receipt=False)
    (staging2 / "marker").write_text("new")
    store.commit(staging2, "1.22.10", r)
    assert (root / "marker").read_text() == "new"
    assert [p.name for p in paths.versions_dir().iterdir()] == ["1.22.10"]


def test_language_version_equals_old_release_name() -> None:
    fake_tree(paths.versions_dir() / "1.20")
    item = store.get(GoVersion.parse("1.20.0"))
    assert item is not None and item.name == "1.20"
