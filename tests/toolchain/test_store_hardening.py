"""gover deletes only what it made, never through a link, at any depth (issue 8).

Each test reproduces a case from the hostile review on real files, symlinks and FIFOs, mostly
through the real CLI: a goenv root as GOVER_HOME, a `shims` symlinked to a user's bin, a
planted `versions/.old-..+x`, a planted lock symlink, a tree 1,100 directories deep, a
symlinked `versions/<name>`, a non-UTF-8 GOVER_HOME.
"""

from __future__ import annotations

import dataclasses
import json
import os
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from gover import fsutil, paths
from gover.constants import STORE_MARKER
from gover.select import shims
from gover.toolchain import store
from tests.support import fakego
from tests.support.cli import REPO, Result, run_gover
from tests.support.mirror import Mirror

DEPTH = 1_100
GOENV_SHIM = '#!/usr/bin/env bash\nset -e\nprogram="${0##*/}"\nexec goenv exec "$program" "$@"\n'


def home() -> Path:
    return Path(os.environ["GOVER_HOME"])


def snapshot(root: Path) -> dict[str, str]:
    """Every path under `root` (links not followed) with its content, link target or kind."""
    out: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            rel = str(p.relative_to(root))
            if p.is_symlink():
                out[rel] = "-> " + os.readlink(p)
            elif p.is_dir():
                out[rel] = "dir"
            else:
                out[rel] = p.read_bytes().decode("utf-8", "replace")
    return out


def one_error(r: Result, line: str, code: int = 1, warnings: tuple[str, ...] = ()) -> None:
    expected = "".join(f"gover: warning: {w}\n" for w in warnings) + f"gover: error: {line}\n"
    assert (r.code, r.err) == (code, expected), r


def receipt_tree(root: Path, name: str) -> Path:
    """A tree that looks installed: bin/go and a receipt (no gover marker)."""
    (root / "bin").mkdir(parents=True)
    (root / "bin" / "go").write_text("#!/bin/sh\necho planted\n")
    (root / "bin" / "go").chmod(0o755)
    receipt = store.Receipt(name, "u", "f", "0" * 64, "unsigned", "t")
    paths.receipt_file(root).write_text(receipt.to_json())
    return root


GOENV_PARTS = ("versions/1.22.10", "versions/1.20.14", "shims", "version")


def goenv_snapshot(root: Path) -> dict[str, str]:
    out: dict[str, str] = {"version": (root / "version").read_text()}
    for part in GOENV_PARTS[:-1]:
        out.update({f"{part}/{k}": v for k, v in snapshot(root / part).items()})
    return out


def goenv_root(root: Path) -> dict[str, str]:
    """A goenv-like root: two toolchains (no receipts), goenv's shims, its version file."""
    for name in ("1.22.10", "1.20.14"):
        bindir = root / "versions" / name / "bin"
        bindir.mkdir(parents=True)
        (bindir / "go").write_text(f"#!/bin/sh\necho go{name}\n")
        (bindir / "go").chmod(0o755)
        (root / "versions" / name / "VERSION").write_text(f"go{name}\n")
    (root / "shims").mkdir()
    for prog in ("go", "gofmt"):
        (root / "shims" / prog).write_text(GOENV_SHIM)
        (root / "shims" / prog).chmod(0o755)
    (root / "version").write_text("1.22.10\n")
    return goenv_snapshot(root)


def make_deep(base: Path, depth: int = DEPTH) -> Path:
    """`base/d/d/.../d/leaf` (iteratively: os.makedirs recurses once per level)."""
    base.mkdir(exist_ok=True)
    current = str(base)
    for _ in range(depth):
        current = os.path.join(current, "d")
        os.mkdir(current)
    Path(current, "leaf").write_text("bottom\n")
    return Path(current)


@pytest.fixture
def deep_cleanup(tmp_path: Path) -> Iterator[None]:
    """Whatever the outcome, leave no 1,100-deep tree for pytest's (recursive) cleanup."""
    yield
    fsutil.rmtree(tmp_path)


# ---- cleanup: only names gover generates, only trees gover made ------------------------------


def test_planted_dotdot_backup_name_removes_nothing_outside(mirror: Mirror) -> None:
    """`versions/.old-..+x` made cleanup restore it over `versions/..`: all of GOVER_HOME."""
    planted = receipt_tree(home() / "versions" / ".old-..+x", "..")
    precious = home() / "precious.txt"
    precious.write_text("keep me\n")
    r = run_gover("install", "1.21.13")
    assert r.code == 0, r.err
    assert precious.read_text() == "keep me\n"
    assert (planted / "bin" / "go").is_file()
    assert run_gover("list").out == "1.21.13\n"
    result = store.cleanup()
    assert result.done == ()
    assert [str(k) for k in result.kept] == [f"{planted}: is not a name gover makes; left alone"]


@pytest.mark.parametrize(
    "entry",
    [
        ".old-..+x",
        ".old-..+deadbeef",
        ".staging-..+deadbeef",
        ".old-1.22.10+beef",  # a token gover never makes (8 hex digits)
        ".old-1.22.10+DEADBEEF",
        ".old-go1.22.10+deadbeef",  # not the canonical name
        ".old-1.22.10+dead+deadbeef",
    ],
)
def test_only_strict_temp_names_are_touched(entry: str) -> None:
    path = receipt_tree(paths.versions_dir() / entry, "1.22.10")
    before = snapshot(home())
    result = store.cleanup()
    assert snapshot(home()) == before
    assert result.done == ()
    assert [k.path for k in result.kept] == [path]


def test_goenv_root_as_gover_home_loses_nothing(
    mirror: Mirror, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GOVER_HOME pointed at a goenv root: its toolchains (no receipts) are not "half-done
    installs", and its shims are not gover's to overwrite."""
    root = tmp_path / "goenv"
    before = goenv_root(root)
    monkeypatch.setenv("GOVER_HOME", str(root))
    r = run_gover("list")
    assert (r.code, r.out) == (0, "")
    assert goenv_snapshot(root) == before
    r = run_gover("install", "1.21.13")  # installs, then rehash meets goenv's shims
    assert r.out.startswith(f"installed go 1.21.13 in {root / 'versions' / '1.21.13'} ")
    # the install is reported as soon as it is in (with where the archive came from), and the
    # rehash after it fails
    source_note = next(line for line in r.err.splitlines() if line.startswith("go 1.21.13: "))
    one_error(
        dataclasses.replace(r, err=r.err.replace(source_note + "\n", "")),
        f"{root / 'shims' / 'go'}: not written by gover; refusing to replace it; "
        "move it out of that directory, then run: gover rehash",
        warnings=tuple(  # install says what its cleanup left alone
            f"{root / 'versions' / name}: is not a complete install and was not made by gover;"
            " left alone"
            for name in ("1.20.14", "1.22.10")
        ),
    )
    assert goenv_snapshot(root) == before
    assert (root / "versions" / "1.21.13" / STORE_MARKER).is_file()
    result = store.cleanup()
    assert result.done == ()
    assert sorted(str(k) for k in result.kept) == [
        f"{root / 'versions' / name}: is not a complete install and was not made by gover; "
        "left alone"
        for name in ("1.20.14", "1.22.10")
    ]


def test_install_over_a_foreign_tree_is_refused(mirror: Mirror, tmp_path: Path) -> None:
    """`install 1.22.10` where versions/1.22.10 is someone else's tree: refused, kept."""
    foreign = paths.version_dir("1.22.10")
    (foreign / "bin").mkdir(parents=True)
    (foreign / "bin" / "go").write_text("#!/bin/sh\necho mine\n")
    before = snapshot(foreign)
    r = run_gover("install", "1.22.10")
    one_error(
        r,
        f"{foreign}: is a directory without a receipt, not an install gover made; "
        "gover will not replace it; move it out of the store, then install again",
    )
    assert snapshot(foreign) == before
    assert not any(paths.downloads_dir().glob("go1.22.10.*"))  # refused before downloading
    assert [p.name for p in paths.versions_dir().iterdir()] == ["1.22.10"]


def test_receiptless_dir_made_by_gover_is_cleaned() -> None:
    """An uninstall cut short (receipt gone, marker present) is still gover's to remove."""
    root = fakego.fake_install("1.22.10")
    (root / STORE_MARKER).write_text("made by gover\n")
    paths.receipt_file(root).unlink()
    assert store.cleanup().done == ("removed incomplete 1.22.10",)
    assert not root.exists()


# ---- symlinked versions/<name> ----------------------------------------------------------------


def test_symlinked_version_is_not_installed_and_never_deleted_through(tmp_path: Path) -> None:
    outside = receipt_tree(tmp_path / "elsewhere", "1.22.10")
    before = snapshot(outside)
    paths.versions_dir().mkdir(parents=True)
    link = paths.version_dir("1.22.10")
    link.symlink_to(outside)
    assert run_gover("list").out == ""
    r = run_gover("uninstall", "1.22.10")
    one_error(r, "go 1.22.10 is not installed (nothing is installed); see: gover list")
    assert snapshot(outside) == before and link.is_symlink()
    result = store.cleanup()
    assert [str(k) for k in result.kept] == [
        f"{link}: is a symlink, not an install gover made; left alone"
    ]
    assert snapshot(outside) == before and link.is_symlink()


def test_install_force_over_symlinked_version_is_refused(mirror: Mirror, tmp_path: Path) -> None:
    outside = receipt_tree(tmp_path / "elsewhere", "1.22.10")
    before = snapshot(outside)
    paths.versions_dir().mkdir(parents=True)
    link = paths.version_dir("1.22.10")
    link.symlink_to(outside)
    r = run_gover("install", "--force", "1.22.10")
    one_error(
        r,
        f"{link}: is a symlink, not an install gover made; gover will not replace it; "
        "move it out of the store, then install again",
    )
    assert snapshot(outside) == before and link.is_symlink()


@pytest.mark.timeout(120)
def test_fifo_receipt_does_not_hang_list() -> None:
    root = fakego.fake_install("1.22.10")
    fakego.fake_install("1.21.13")
    receipt = paths.receipt_file(root)
    receipt.unlink()
    os.mkfifo(receipt)
    r = run_gover("list", timeout=60)
    assert (r.code, r.out, r.err) == (0, "1.21.13\n", "")


# ---- rehash: only gover's shims and aliases ---------------------------------------------------


def test_shims_symlinked_to_user_bin_is_refused(tmp_path: Path) -> None:
    """`shims` -> ~/bin with four programs: rehash deleted all four."""
    fakego.fake_install("1.22.10", ("go", "gofmt"))
    user_bin = tmp_path / "home" / "bin"
    user_bin.mkdir()
    for prog in ("deploy", "backup", "go", "notes.txt"):
        (user_bin / prog).write_text(f"#!/bin/sh\necho user {prog}\n")
        (user_bin / prog).chmod(0o755)
    before = snapshot(user_bin)
    home().mkdir(exist_ok=True)
    shims_link = home() / "shims"
    shims_link.symlink_to(user_bin)
    r = run_gover("rehash")
    one_error(
        r,
        f"{shims_link}: is a symlink (refused: gover keeps its own files here); "
        "remove the link (its target is not touched), then run: gover rehash",
    )
    assert snapshot(user_bin) == before
    r = run_gover("uninstall", "1.22.10")  # uninstall rehashes too: same refusal
    assert r.code == 1 and snapshot(user_bin) == before


def test_aliases_symlinked_is_refused(tmp_path: Path) -> None:
    fakego.fake_install("1.22.10")
    user_dir = tmp_path / "mine"
    user_dir.mkdir()
    (user_dir / "1").write_text("1.21.13\n")  # even alias-shaped files are not touched there
    (user_dir / "todo").write_text("x\n")
    before = snapshot(user_dir)
    home().mkdir(exist_ok=True)
    (home() / "aliases").symlink_to(user_dir)
    r = run_gover("rehash")
    one_error(
        r,
        f"{home() / 'aliases'}: is a symlink (refused: gover keeps its own files here); "
        "remove the link (its target is not touched), then run: gover rehash",
    )
    assert snapshot(user_dir) == before


def test_rehash_removes_only_its_own_files() -> None:
    fakego.fake_install("1.22.10", ("go", "gofmt", "extra"))
    fakego.fake_install("1.21.13", ("go", "gofmt"))
    assert run_gover("rehash").code == 0
    sdir, adir = paths.shims_dir(), paths.aliases_dir()
    (sdir / "mytool").write_text("#!/bin/sh\necho mine\n")
    (sdir / "shimlike").write_text("#!/bin/sh\n# gover shim for shimlike, written by hand\n")
    (sdir / "link").symlink_to(sdir / "extra")  # a link to a gover shim is not a gover shim
    (adir / "notes").write_text("1.22.10\n")  # not an alias name
    (adir / "1.99").write_text("whatever\n")  # alias name, not alias content
    (adir / "1.18").write_text("1.18.10\n")  # gover's form: stale, removed
    fsutil.rmtree(paths.version_dir("1.22.10"))
    r = run_gover("rehash")
    assert r.code == 0, r.err
    assert r.err.splitlines()[:-1] == [
        f"gover: warning: {p}: not made by gover; left alone"
        for p in (adir / "1.99", adir / "notes", sdir / "link", sdir / "mytool", sdir / "shimlike")
    ]
    assert sorted(os.listdir(sdir)) == [".gover-shims", "go", "gofmt", "link", "mytool", "shimlike"]
    assert (sdir / "mytool").read_text() == "#!/bin/sh\necho mine\n"
    assert sorted(os.listdir(adir)) == ["1", "1.21", "1.99", "latest", "notes"]
    assert shims.rehash(auto_install=False).kept == (
        adir / "1.99",
        adir / "notes",
        sdir / "link",
        sdir / "mytool",
        sdir / "shimlike",
    )


def test_rehash_refuses_to_overwrite_a_foreign_file_at_a_shim_name() -> None:
    fakego.fake_install("1.22.10", ("go", "gofmt"))
    sdir = paths.shims_dir()
    sdir.mkdir(parents=True)
    (sdir / "gofmt").write_text("#!/bin/sh\necho my gofmt\n")
    r = run_gover("rehash")
    one_error(
        r,
        f"{sdir / 'gofmt'}: not written by gover; refusing to replace it; "
        "move it out of that directory, then run: gover rehash",
    )
    assert (sdir / "gofmt").read_text() == "#!/bin/sh\necho my gofmt\n"


def test_rendered_shims_and_aliases_are_recognised(tmp_path: Path) -> None:
    sh = tmp_path / "go"
    sh.write_text(shims.render_shim("go", auto_install=False))
    cmd = tmp_path / "gofmt.cmd"
    cmd.write_bytes(shims.render_cmd_shim("gofmt").encode())
    assert shims.is_shim_file(sh) and shims.is_shim_file(cmd)
    link = tmp_path / "link"
    link.symlink_to(sh)
    assert not shims.is_shim_file(link)
    alias = tmp_path / "1.22"
    alias.write_text("1.22.10\n")
    assert shims.is_alias_file(alias)
    for name, text in (("1.22", "1.22.10"), ("1.22", "../../x\n"), ("x", "1.22.10\n")):
        other = tmp_path / "o" / name
        other.parent.mkdir(exist_ok=True)
        other.write_text(text)
        assert not shims.is_alias_file(other), (name, text)


def test_program_names_that_are_shell_code_get_no_shim() -> None:
    evil = "x\ntouch pwned #"
    fakego.fake_install("1.22.10", ("go", evil, "ok-tool"))
    assert shims.rehash(auto_install=False).shims == ("go", "ok-tool")
    assert sorted(os.listdir(paths.shims_dir())) == [".gover-shims", "go", "ok-tool"]


# ---- locks -----------------------------------------------------------------------------------


def test_planted_lock_symlink_is_refused(tmp_path: Path) -> None:
    fakego.fake_install("1.22.10")
    target = tmp_path / "victim.txt"
    target.write_text("precious\n")
    target.chmod(0o600)
    lockf = paths.lock_file("1.22.10")
    lockf.parent.mkdir(parents=True)
    lockf.symlink_to(target)
    r = run_gover("uninstall", "1.22.10")
    one_error(
        r,
        f"cannot lock 1.22.10: {lockf}: is a symlink (refused); "
        "remove it (gover makes its own lock files there)",
    )
    assert target.read_text() == "precious\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert run_gover("list").out == "1.22.10\n"


def test_dangling_lock_symlink_creates_nothing(tmp_path: Path) -> None:
    fakego.fake_install("1.22.10")
    target = tmp_path / "created-by-gover"
    lockf = paths.lock_file("rehash")
    lockf.parent.mkdir(parents=True)
    lockf.symlink_to(target)
    r = run_gover("rehash")
    one_error(
        r,
        f"cannot lock rehash: {lockf}: is a symlink (refused); "
        "remove it (gover makes its own lock files there)",
    )
    assert not os.path.lexists(target)


@pytest.mark.timeout(120)
def test_fifo_lock_is_refused() -> None:
    fakego.fake_install("1.22.10")
    lockf = paths.lock_file("1.22.10")
    lockf.parent.mkdir(parents=True)
    os.mkfifo(lockf)
    r = run_gover("uninstall", "1.22.10", timeout=60)
    one_error(
        r,
        f"cannot lock 1.22.10: {lockf}: is a FIFO, not a file; "
        "remove it (gover makes its own lock files there)",
    )
    assert run_gover("list").out == "1.22.10\n"


def test_symlinked_locks_dir_is_refused(tmp_path: Path) -> None:
    fakego.fake_install("1.22.10")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (home() / "locks").symlink_to(elsewhere)
    r = run_gover("uninstall", "1.22.10")
    one_error(
        r,
        f"cannot lock 1.22.10: {home() / 'locks'}: is a symlink (refused: gover keeps its own "
        "files here); remove it (gover makes its own lock files there)",
    )
    assert os.listdir(elsewhere) == []


# ---- deep trees ------------------------------------------------------------------------------


@pytest.mark.usefixtures("deep_cleanup")
def test_uninstall_of_a_very_deep_tree() -> None:
    root = fakego.fake_install("1.22.10")
    make_deep(root / "src")
    r = run_gover("uninstall", "1.22.10")
    assert (r.code, r.err) == (0, ""), r.err[-2000:]
    assert r.out == f"uninstalled go 1.22.10 ({root})\n"
    assert os.listdir(paths.versions_dir()) == []


@pytest.mark.usefixtures("deep_cleanup")
def test_install_force_over_a_very_deep_tree(mirror: Mirror) -> None:
    root = fakego.fake_install("1.22.10")
    make_deep(root / "pkg")
    r = run_gover("install", "--force", "1.22.10")
    assert r.code == 0, r.err[-2000:]
    assert r.err == f"go 1.22.10: archive from {mirror.url}{mirror.filename('1.22.10')} " + (
        f"(download_base, set by $GOVER_DOWNLOAD_BASE); SHA-256 from {mirror.index_url}\n"
    )
    assert r.out.startswith(f"reinstalled go 1.22.10 in {root} ")
    assert os.listdir(paths.versions_dir()) == ["1.22.10"]
    assert not (root / "pkg" / "d").exists()
    assert (root / STORE_MARKER).is_file()


@pytest.mark.usefixtures("deep_cleanup")
def test_cleanup_of_a_very_deep_leftover() -> None:
    left = receipt_tree(paths.versions_dir() / ".staging-1.22.10+0123abcd", "1.22.10")
    make_deep(left)
    assert store.cleanup().done == ("removed .staging-1.22.10+0123abcd",)
    assert os.listdir(paths.versions_dir()) == []


NOBODY = 65534


def test_read_only_nested_directories_are_removed_unprivileged() -> None:
    """As root nothing is read-only; as `nobody`, uninstall must open up 0555 dirs itself."""
    box = Path(tempfile.mkdtemp(prefix="gover-ro-"))
    try:
        box.chmod(0o755)
        gh = box / "gover home"
        root = receipt_tree(gh / "versions" / "1.22.10", "1.22.10")
        ro = root / "pkg" / "mod" / "ro"
        ro.mkdir(parents=True)
        (ro / "file.go").write_text("package ro\n")
        for dirpath, dirnames, filenames in os.walk(gh):
            for n in dirnames + filenames:
                os.chown(os.path.join(dirpath, n), NOBODY, NOBODY)
        os.chown(gh, NOBODY, NOBODY)
        ro.chmod(0o555)
        (root / "pkg" / "mod").chmod(0o555)
        code = (
            "import sys; sys.path.insert(0, sys.argv[1])\n"
            "from gover import versions\n"
            "from gover.toolchain import store\n"
            "store.remove(store.get(versions.GoVersion.parse('1.22.10')))\n"
            "print(sorted(p.name for p in store.paths.versions_dir().iterdir()))\n"
        )
        proc = subprocess.run(
            [
                "setpriv",
                f"--reuid={NOBODY}",
                f"--regid={NOBODY}",
                "--clear-groups",
                sys.executable,
                "-c",
                code,
                str(REPO),
            ],
            env={"GOVER_HOME": str(gh), "PATH": os.environ["PATH"], "PYTHONDONTWRITEBYTECODE": "1"},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert (proc.returncode, proc.stdout, proc.stderr) == (0, "[]\n", "")
    finally:
        fsutil.rmtree(box)


# ---- non-UTF-8 GOVER_HOME --------------------------------------------------------------------


@pytest.mark.parametrize("args", [("list",), ("current",), ("install", "1.22.10"), ("rehash",)])
def test_non_utf8_gover_home_is_one_line(tmp_path: Path, args: tuple[str, ...]) -> None:
    bad = os.fsencode(tmp_path) + b"/x\xff"
    env = {os.fsencode(k): os.fsencode(v) for k, v in os.environ.items()}
    env[b"PYTHONPATH"] = os.fsencode(REPO)
    env[b"GOVER_HOME"] = bad
    env[b"GOVER_INDEX_URL"] = b"http://127.0.0.1:9/never-fetched.json"
    proc = subprocess.run(
        [sys.executable, "-m", "gover", *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert (proc.returncode, proc.stdout) == (1, b"")
    assert proc.stderr.decode() == (
        f"gover: error: GOVER_HOME is not valid UTF-8: {tmp_path}/x\\xff; "
        "set GOVER_HOME to a path that is valid UTF-8\n"
    )
    assert not os.path.lexists(bad)


def test_receipts_of_another_shape_are_read_as_unknown() -> None:
    """Such a receipt is never trusted (nor a crash, nor read past its cap), but the install
    still counts: "installed" is presence only, the same for every reader (issue 9)."""
    root = fakego.fake_install("1.22.10")
    good = json.loads(paths.receipt_file(root).read_text())
    for text in (
        json.dumps({**good, "version": 5}),
        json.dumps({**good, "schema": "1"}),
        "[" * 100_000,
        json.dumps({**good, "url": "u" * 70_000}),
    ):
        paths.receipt_file(root).write_text(text)
        assert store.Receipt.load(paths.receipt_file(root)) is None, text[:20]
        (item,) = store.installed()
        assert item.receipt == store.Receipt.unknown("1.22.10"), text[:20]
        assert not item.receipt.known


def test_non_utf8_home_without_gover_home_is_one_line(tmp_path: Path) -> None:
    bad = os.fsencode(tmp_path) + b"/h\xff"
    env = {
        os.fsencode(k): os.fsencode(v)
        for k, v in os.environ.items()
        if k not in ("GOVER_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME")
    }
    env[b"PYTHONPATH"] = os.fsencode(REPO)
    env[b"HOME"] = bad
    proc = subprocess.run(
        [sys.executable, "-m", "gover", "list"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert (proc.returncode, proc.stdout) == (1, b"")
    assert proc.stderr.decode() == (
        "gover: error: gover's data directory (from HOME or XDG_DATA_HOME) is not valid UTF-8: "
        f"{tmp_path}/h\\xff/.local/share/gover; set GOVER_HOME to a path that is valid UTF-8\n"
    )
