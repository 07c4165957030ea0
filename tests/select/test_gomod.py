"""One go.mod/go.work reader (gover/select/gomod.py) for resolution and `gover verify --gomod`,
reading the same first VERSION_FILE_LIMIT bytes as the shim: the shim, `gover current` and
`verify --gomod` give the same answer, driven for real (shim dry run, the real CLI, the real
toolchains and the system go)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from gover.constants import VERSION_FILE_LIMIT
from gover.errors import UsageError
from gover.inspect import checks
from gover.select import gomod
from tests.support.cli import run_gover
from tests.support.fakego import run_shim, write

SYSTEM_GO = "/usr/bin/go"  # Debian's golang-go 1.19: the real system go
HEAD = b"\nmodule example.com/m\n\ngo 1.22.3\n"  # 36 bytes after the comment's text


def _gomod(comment: int) -> bytes:
    """A go.mod whose go line follows a `// xxx…` comment of `comment` x's."""
    return b"// " + b"x" * comment + HEAD


def test_the_limit_is_the_shims() -> None:
    """One limit: the reader's is the one the rendered shims read with (sh and native)."""
    from gover.select import native, shims

    assert gomod.LIMIT == VERSION_FILE_LIMIT
    assert f"\n_gv_max={VERSION_FILE_LIMIT}\n" in shims.render_shim("go", False)
    assert f"\n\tversionFileLimit = {VERSION_FILE_LIMIT}\n" in native.render_facts()


@pytest.fixture
def store(real_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The real toolchains 1.21.13 and 1.22.10, shims first on PATH, the system go after."""
    monkeypatch.setenv("GOVER_HOME", str(real_home))
    monkeypatch.setenv("PATH", f"{real_home / 'shims'}:/usr/bin:/bin")
    return real_home


@pytest.mark.parametrize(
    ("comment", "seen"),
    [
        pytest.param(1100, False, id="issue-1100-byte-comment"),
        pytest.param(VERSION_FILE_LIMIT - len(HEAD) - 3, True, id="go-line-ends-at-the-limit"),
        pytest.param(VERSION_FILE_LIMIT - len(HEAD) - 2, False, id="go-line-cut-by-one-byte"),
    ],
)
def test_long_comment_same_answer_everywhere(
    store: Path, tmp_path: Path, comment: int, seen: bool
) -> None:
    """The issue's reproduction: the go line after a long comment. Either all three see it
    (1.22.3 → the newest 1.22, 1.22.10) or none does (the system go): before, the shim and
    `gover current` used system while verify --gomod judged against go 1.22.3."""
    mod = tmp_path / "m"
    write(mod / "go.mod", _gomod(comment))
    (mod / "pkg").mkdir()
    cwd = mod / "pkg"
    want_root = str(store / "versions" / "1.22.10")

    shim = run_shim(cwd, path=os.environ["PATH"])
    assert shim.returncode == 0, shim.stderr
    assert shim.stdout == (f"{want_root}\n" if seen else f"system:{SYSTEM_GO}\n")
    assert shim.stderr == ""

    current = run_gover("current", "--json", cwd=cwd)
    assert current.code == 0, current.err
    data = json.loads(current.out)
    assert data["version"] == ("1.22.10" if seen else "system")
    assert data["source"] == (
        f"from the go line in {mod / 'go.mod'}"
        if seen
        else "no version file found; using the system go"
    )

    verify = run_gover("verify", "--gomod", "--json", cwd=cwd)
    result = json.loads(verify.out)
    assert result["file"] == str(mod / "go.mod")
    assert result["go"] == ("1.22.3" if seen else None)
    if seen:
        assert verify.code == 0, verify.out + verify.err
        assert result["selected"] == "go1.22.10"
        assert result["problems"] == []
    else:
        assert verify.code == 4, verify.out + verify.err
        assert result["selected"] == "go1.19.8"
        assert result["problems"] == [
            f"{mod / 'go.mod'}: no go or toolchain line in the first {VERSION_FILE_LIMIT} "
            "bytes, which is all gover reads, so it does not pin the Go here (selected: "
            "go1.19.8, no version file found; using the system go); move the go line to the top"
        ]
    text = run_gover("verify", "--gomod", cwd=cwd)
    assert text.code == verify.code
    assert ("1.22.3" in text.out) == seen


def test_verify_and_resolution_read_a_go_line_alike(store: Path, tmp_path: Path) -> None:
    """What resolution warns about, verify reports: `go go1.22` is not a go line (before,
    verify took it for 1.22 while the shim ignored it with a warning)."""
    mod = tmp_path / "m"
    write(mod / "go.mod", b"module m\ngo go1.22\n")
    shim = run_shim(mod, path=os.environ["PATH"])
    warning = (
        f"gover: warning: ignoring the go line in {mod / 'go.mod'}: 'go1.22' is not a Go version\n"
    )
    assert (shim.stdout, shim.stderr) == (f"system:{SYSTEM_GO}\n", warning)
    verify = run_gover("verify", "--gomod", cwd=mod)
    assert verify.code == 4
    assert f"{mod / 'go.mod'}: go line 'go1.22' is not a Go version\n" in verify.out
    assert verify.err == warning


def test_unreadable_gomod_names_the_operation_and_path(tmp_path: Path) -> None:
    """verify --gomod cannot read the file (gone since it was found, a FIFO swapped in): one
    line naming the operation and the path, a usage error, nothing read."""
    gone = tmp_path / "go.mod"
    with pytest.raises(UsageError) as err:
        checks.parse_modfile(gone)
    assert str(err.value) == f"cannot read {gone}: No such file or directory"
    os.mkfifo(gone)
    with pytest.raises(UsageError) as err:
        checks.parse_modfile(gone)
    assert str(err.value) == f"cannot read {gone}: it is a FIFO, not a regular file"
    assert err.value.exit_code == 2


# ---- the reader itself ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "go", "toolchain"),
    [
        (b"module m\n\ngo 1.22.3\n\ntoolchain go1.22.10\n", "1.22.3", "go1.22.10"),
        (b"\xef\xbb\xbfmodule m\r\ngo 1.22.3\r\ntoolchain go1.22.10\r\n", "1.22.3", "go1.22.10"),
        (b"module m\ngo\t1.21 // language version\n", "1.21", None),
        (b"// go 1.19\nmodule m\n", None, None),
        (b"module m\ngo\ngo 1.21\n", "1.21", None),  # the first go line with an argument
        (b"module m\ngo 1.21\ngo 1.22\n", "1.21", None),
        (b"module m\ntoolchain default\ngo 1.21\n", None, None),  # reading stops at toolchain
        (b"module m\ngo 1.21\ntoolchain\n", "1.21", None),
        (b"go 1.2\x002\n", "1.22", None),  # NULs dropped, as the shim drops them
        (b"module m\ngo 1.22", "1.22", None),  # no final newline, no limit reached: still read
    ],
)
def test_directives(tmp_path: Path, content: bytes, go: str | None, toolchain: str | None) -> None:
    mod = gomod.read(write(tmp_path / "go.mod", content))
    assert (mod.go, mod.toolchain, mod.truncated) == (go, toolchain, False)


def test_typed_pins(tmp_path: Path) -> None:
    mod = gomod.read(write(tmp_path / "go.mod", b"go 1.22.3\ntoolchain go1.23rc1\n"))
    assert mod.go_pin is not None and mod.go_pin.kind == "minimum"
    assert mod.go_pin.series == "1.22"
    assert mod.toolchain_pin is not None and mod.toolchain_pin.kind == "exact"
    assert mod.toolchain_pin.text == "1.23rc1"
    bad = gomod.read(write(tmp_path / "go.mod", b"go 1.22.x\ntoolchain 1.22.9\n"))
    assert (bad.go_pin, bad.toolchain_pin) == (None, None)


@pytest.mark.timeout(60)
def test_bounded_and_never_blocks(tmp_path: Path) -> None:
    """A FIFO or /dev/zero behind the name is refused at once (an OSError naming it); a huge
    file costs the limit."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match="FIFO"):
        gomod.read(fifo)
    zero = tmp_path / "zero"
    zero.symlink_to("/dev/zero")
    with pytest.raises(OSError, match="device"):
        gomod.read(zero)
    big = tmp_path / "big"
    with big.open("wb") as f:
        f.write(b"module m\n" + b"// " + b"x" * 2000 + b"\ngo 1.22\n")
        f.truncate(10 << 30)  # sparse 10 GB
    mod = gomod.read(big)
    assert (mod.go, mod.truncated) == (None, True)


def test_find_defers_to_go_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "go.work", b"go 1.22\nuse ./m\n")
    write(tmp_path / "m" / "go.mod", b"module m\ngo 1.21\n")
    monkeypatch.delenv("GOWORK", raising=False)
    assert gomod.find(tmp_path / "m") == tmp_path / "go.work"
    monkeypatch.setenv("GOWORK", "off")
    assert gomod.find(tmp_path / "m") == tmp_path / "m" / "go.mod"
    assert gomod.find(Path("/")) is None
