"""Every reader of version files reads at most the 1 KiB limit, NULs counting.

TESTING.md's hostile version files (NUL-only, 20 MiB, 10 MB, a FIFO, /dev/zero behind a symlink,
a sparse 10 GB file behind a symlink), each put in a directory below one that pins 1.21.0, read
by every reader there is: resolve.py (through `gover which`), the shim under dash and under
bash (each has its own bounded read in shims/resolve.sh), and the bash, zsh and fish hooks.
Each must choose 1.21.0 (the file ignored, the walk going on upward), warn only about what is
not a regular file, naming it, and never block: a subprocess timeout is the failure mode.

The expected choices are written here literally, not asked of resolve.py. Before the fix a
file of NULs was read to its end by all of them (NULs were dropped before the limit counted),
so a pin after 20 MiB of NULs was taken, and the sparse file was read for minutes.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from gover import constants
from gover.select import shims
from tests.support.cli import run_gover
from tests.support.fakego import (
    default_path,
    gover_home,
    install_fake,
    rehash,
    run_shim,
    sh_shims,
    write,
)
from tests.support.shells import need, run_script, write_hook

WARN = "gover: warning: "
TIMEOUT = 30  # generous: a bounded read takes milliseconds; an unbounded one, minutes


def nuls_then_pin(where: Path) -> Path:
    return write(where, b"\0" * (20 << 20) + b"1.22.9\n")


def nul_only(where: Path) -> Path:
    return write(where, b"\0" * (20 << 20))


def ten_mb_line(where: Path) -> Path:
    return write(where, b"1" * (10 << 20) + b"\n1.22.9\n")


def ten_mb_of_ff(where: Path) -> Path:
    # fish's `read --nchars` skips bytes that are not UTF-8 without counting them.
    return write(where, b"\xff" * (10 << 20) + b"\n1.22.9\n")


def nuls_with_the_pin_inside_the_limit(where: Path) -> Path:
    # 1017 NULs + "1.22.9\n" = 1024 bytes: within the limit, so it counts (NULs dropped).
    return write(where, b"\0" * 1017 + b"1.22.9\n" + b"\0" * (1 << 20))


def sparse_symlink(where: Path) -> Path:
    big = where.parent.parent / "sparse-10G"
    with open(big, "wb") as fh:
        fh.truncate(10 << 30)
    where.symlink_to(big)
    return where


def fifo(where: Path) -> Path:
    os.mkfifo(where)
    return where


def dev_zero(where: Path) -> Path:
    where.symlink_to("/dev/zero")
    return where


# maker → the version chosen in proj/evil, and whether a warning naming the file is due.
CASES: dict[str, tuple[Callable[[Path], Path], str, bool]] = {
    "nuls-20MiB-then-pin": (nuls_then_pin, "1.21.0", False),
    "nul-only-20MiB": (nul_only, "1.21.0", False),
    "10MB-first-line": (ten_mb_line, "1.21.0", False),
    "10MB-of-0xff": (ten_mb_of_ff, "1.21.0", False),
    "nuls-count-pin-within-limit": (nuls_with_the_pin_inside_the_limit, "1.22.9", False),
    "sparse-10G-symlink": (sparse_symlink, "1.21.0", False),
    "fifo": (fifo, "1.21.0", True),
    "dev-zero-symlink": (dev_zero, "1.21.0", True),
}


@pytest.fixture
def evil(tmp_path: Path) -> Path:
    install_fake("1.21.0", "1.22.9")
    rehash()
    proj = tmp_path / "proj"
    write(proj / ".go-version", "1.21.0\n")
    (proj / "evil").mkdir()
    return proj / "evil"


def expect(vfile: Path, version: str, warns: bool) -> tuple[str, list[str]]:
    root = str(gover_home() / "versions" / version)
    err = [f"{WARN}ignoring {vfile}: not a regular file"] if warns else []
    return root, err


def test_the_sh_limit_is_the_constant() -> None:
    text = shims.resolver_source()  # filled in from constants.py when rendered
    assert re.search(r"^_gv_max=(\d+)$", text, re.M)[1] == str(constants.VERSION_FILE_LIMIT)  # type: ignore[index]


# The pin inside the limit is a .go-version line: the other names are tried with the rest.
PY_CASES = [(case, ".go-version") for case in CASES] + [
    (case, name)
    for name in (".tool-versions", "go.mod")
    for case, (_, version, _) in CASES.items()
    if version == "1.21.0"
]


@pytest.mark.parametrize(("case", "name"), PY_CASES)
def test_resolve_py(evil: Path, case: str, name: str) -> None:
    make, version, warns = CASES[case]
    vfile = make(evil / name)
    res = run_gover(
        "which", "go", cwd=evil, env={"PWD": str(evil), "PATH": default_path()}, timeout=TIMEOUT
    )
    root, err = expect(vfile, version, warns)
    assert (res.code, res.out, res.err.splitlines()) == (0, root + "/bin/go\n", err)


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("sh", ["native", "/bin/dash", "/bin/bash"])
def test_shim(evil: Path, case: str, sh: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The native shim, and the sh shim under dash and under bash."""
    prefix = sh_shims(sh, monkeypatch)
    make, version, warns = CASES[case]
    vfile = make(evil / ".go-version")
    proc = run_shim(evil, prefix=prefix, timeout=TIMEOUT)
    root, err = expect(vfile, version, warns)
    assert (proc.returncode, proc.stdout, proc.stderr.splitlines()) == (0, root + "\n", err)


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_hook(evil: Path, case: str, shell: str, tmp_path: Path) -> None:
    need(shell)
    make, version, warns = CASES[case]
    vfile = make(evil / ".go-version")
    hook = write_hook(shell, tmp_path)
    env = {
        "PATH": default_path(),
        "HOME": os.environ["HOME"],
        "GOVER_HOME": str(gover_home()),
        "LANG": "C.UTF-8",
        "TERM": "dumb",
    }
    try:
        out, err = run_script(shell, hook, [str(evil)], env)
    except subprocess.TimeoutExpired:  # pragma: no cover - the failure this test is for
        pytest.fail(f"the {shell} hook blocked on {case}")
    root, want_err = expect(vfile, version, warns)
    assert out[0].split("|")[0] == root
    assert err.get(0, []) == want_err
