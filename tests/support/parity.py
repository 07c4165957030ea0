"""Random and fixed resolver scenarios (trees of version files, installs, env, PATH) that the
parity tests build for the shim, resolve.py and the shell hooks."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import strategies as st

from gover.errors import NotInstalledError
from gover.select import resolve
from tests.support.fakego import environ, install_fake, rehash

VERSION_FILE, TOOL_VERSIONS, GO_WORK, GO_MOD = ".go-version", ".tool-versions", "go.work", "go.mod"
NAMES = (VERSION_FILE, TOOL_VERSIONS, GO_WORK, GO_MOD)
RELEASES = ("1.20", "1.20.14", "1.21.0", "1.21.13", "1.22.9", "1.22.10", "1.23rc1", "1.23.4")
SENTINEL = "/tmp/gover-parity-pwned"  # what hostile lines try to create

# Things that are not files: "<dir>" a directory of that name, "<fifo>", "<devzero>" a
# symlink to /dev/zero, "<dangling>" a symlink to nowhere.
SPECIAL = ("<dir>", "<fifo>", "<devzero>", "<dangling>")

TOKENS = (
    *RELEASES,
    "1.22",
    "1.21",
    "1.23",
    "1",
    "2",
    "1.19",
    "1.24",
    "1.22.3",
    "1.23rc2",
    "1.22rc",
    "1.22beta0",
    "0.0",
    "latest",
    "system",
)
HOSTILE = (
    "../../etc",
    "1.22;",
    f"$(touch{'${IFS}'}{SENTINEL})",
    f"`touch {SENTINEL}`",
    '"1.22"',
    "'1.22'",
    "*",
    "1.2?",
    "-n",
    "\x1b[31m",
    "01.22",
    "1.22.010",
    "1.2222222222",
    "go",
    "golang",
    "gosystem",
    "golatest",
    "1.22RC1",
    "1.22.1.1",
    "1.22-1",
    "#1.22",
    "ü",
)
HOSTILE_BYTES = (b"\xff\xfe1.22", b"1.22\xc0\xaf", b"1.2\x002", b"\x00", b"1.22\r")
GO_LINE = ("1.21", "1.21.5", "1.20", "1.20.3", "1.22", "1.22.3", "1.22.11", "1.23rc1")
GO_LINE_ODD = ("1.23rc2", "1.23", "1.19", "1.24", "1", "1.22.x", "go1.22", "")
TOOLCHAIN = ("go1.22.9", "go1.21.0", "go1.23rc1", "go1.22.3", "default", "go1.20", "go1.23.4")
TOOLCHAIN_ODD = ("1.22.9", "gox", "go", "", "go1.22.9-custom", "local")
BOM = b"\xef\xbb\xbf"


@st.composite
def word(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["token"] * 6 + ["go-token", "hostile", "bytes"]))
    if kind == "token":
        return draw(st.sampled_from(TOKENS)).encode()
    if kind == "go-token":
        return b"go" + draw(st.sampled_from(TOKENS)).encode()
    if kind == "hostile":
        return draw(st.sampled_from(HOSTILE)).encode()
    return draw(st.sampled_from(HOSTILE_BYTES))


@st.composite
def decorate(draw: st.DrawFn, lines: list[bytes]) -> bytes:
    """Line endings, BOM, NULs, a missing final newline, padding up to the 1 KiB edge."""
    eol = draw(st.sampled_from([b"\n", b"\n", b"\r\n"]))
    body = eol.join(lines) + draw(st.sampled_from([eol, eol, b""]))
    if draw(st.integers(0, 5)) == 0:
        body = BOM + body
    if draw(st.integers(0, 7)) == 0:
        at = draw(st.integers(0, len(body)))
        body = body[:at] + b"\x00" * draw(st.integers(1, 600)) + body[at:]
    if draw(st.integers(0, 7)) == 0:  # push what follows to around the 1 KiB limit
        body = b"#" * draw(st.integers(1000, 1030)) + b"\n" + body
    return body


@st.composite
def version_file(draw: st.DrawFn) -> bytes:
    lines = draw(
        st.lists(st.sampled_from([b"", b"# comment", b"  # 1.21", b"\t", b"#"]), max_size=2)
    )
    lead = draw(st.sampled_from([b"", b"", b"  ", b"\t"]))
    tail = draw(
        st.sampled_from([b"", b"", b" extra", b"\t# note", f" $(touch {SENTINEL})".encode()])
    )
    lines.append(lead + draw(word()) + tail)
    if draw(st.booleans()):
        lines.append(draw(st.sampled_from([b"1.21.0", f"`touch {SENTINEL}`".encode(), b"\xff"])))
    return draw(decorate(lines))


@st.composite
def tool_versions(draw: st.DrawFn) -> bytes:
    pick = st.sampled_from(
        [b"nodejs 20.1.0", b"golang", b"go", b"# golang 1.21", b"python 3.12", b"golang"]
    )
    lines = []
    for _ in range(draw(st.integers(1, 3))):
        head = draw(pick)
        if head in (b"golang", b"go") and draw(st.integers(0, 4)):
            head += draw(st.sampled_from([b" ", b"\t", b"  "])) + draw(word())
        lines.append(head)
    return draw(decorate(lines))


@st.composite
def go_mod(draw: st.DrawFn) -> bytes:
    kinds = draw(
        st.lists(
            st.sampled_from(["module", "go", "go", "toolchain", "comment", "use", "require"]),
            max_size=5,
        )
    )
    lines = []
    for kind in kinds:
        if kind == "module":
            lines.append(b"module example.com/m")
        elif kind == "go":
            v = draw(st.sampled_from(GO_LINE * 2 + GO_LINE_ODD))
            lines.append(b"go " + v.encode() + draw(st.sampled_from([b"", b" // x"])))
        elif kind == "toolchain":
            v = draw(st.sampled_from(TOOLCHAIN * 2 + TOOLCHAIN_ODD))
            lines.append(b"toolchain " + v.encode())
        elif kind == "comment":
            lines.append(b"// go 1.19")
        elif kind == "use":
            lines.append(b"use ./a")
        else:
            lines.append(b"require example.com/x v1.0.0")
    return draw(decorate(lines))


CONTENT = {
    VERSION_FILE: version_file,
    TOOL_VERSIONS: tool_versions,
    GO_WORK: go_mod,
    GO_MOD: go_mod,
}
PATH_PARTS = ("shims", "shims-again", "shims-link", "lone-shim", "system", "not-executable")


@dataclass
class Scenario:
    dirs: dict[tuple[str, ...], dict[str, bytes | str]]
    installed: tuple[str, ...] = ()
    global_file: bytes | str | None = None
    gover_version: str | None = None
    gowork_off: bool = False
    path: tuple[str, ...] = ("shims",)
    pwd_style: str = ""
    aliases_broken: bool = False


@st.composite
def entry(draw: st.DrawFn, name: str) -> bytes | str:
    if draw(st.integers(0, 19)) == 0:
        return draw(st.sampled_from(SPECIAL))
    return draw(CONTENT[name]())


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    segment = st.sampled_from(["a", "b", "c d", "$x", "ü"])
    leaves = draw(st.lists(st.lists(segment, max_size=5).map(tuple), max_size=5))
    all_dirs: set[tuple[str, ...]] = {()}
    for leaf in leaves:
        all_dirs.update(leaf[:i] for i in range(len(leaf) + 1))
    dirs: dict[tuple[str, ...], dict[str, bytes | str]] = {}
    for d in sorted(all_dirs):
        files: dict[str, bytes | str] = {}
        for name in NAMES:
            if draw(st.integers(0, 3)) == 0:
                files[name] = draw(entry(name))
        dirs[d] = files
    gv = draw(
        st.one_of(
            st.none(),
            st.none(),
            st.none(),
            st.sampled_from(TOKENS),
            st.sampled_from(HOSTILE),
            st.just("1.22\n"),
        )
    )
    return Scenario(
        dirs=dirs,
        installed=tuple(draw(st.sets(st.sampled_from(RELEASES)))),
        global_file=draw(st.one_of(st.none(), version_file(), st.sampled_from(SPECIAL[:2]))),
        gover_version=gv,
        gowork_off=draw(st.integers(0, 4)) == 0,
        path=tuple(draw(st.permutations(PATH_PARTS)))[: draw(st.integers(1, len(PATH_PARTS)))],
        pwd_style=draw(st.sampled_from(["", "", "", "/", "/.", "//", "/./"])),
    )


def _place(path: Path, item: bytes | str) -> None:
    if item == "<dir>":
        path.mkdir()
    elif item == "<fifo>":
        os.mkfifo(path)
    elif item == "<devzero>":
        path.symlink_to("/dev/zero")
    elif item == "<dangling>":
        path.symlink_to(path.parent / "nowhere")
    else:
        assert isinstance(item, bytes)
        path.write_bytes(item)


def _spell(d: Path, style: str) -> str:
    """$PWD as a program might hand it over: as is, with a trailing slash, "." or "//"."""
    if style == "//":
        return "/" + str(d)
    if style == "/./":
        return f"{d.parent}/./{d.name}" if d.name else str(d)
    return str(d) + style


def _python(start: Path) -> tuple[str, str | None]:
    """resolve.py's choice in DRYRUN words, and its error message when it has one."""
    try:
        sel = resolve.select(start)
    except NotInstalledError as exc:
        if exc.message.startswith("no system go found"):
            return "no-system-go", str(exc)
        with contextlib.redirect_stderr(io.StringIO()):
            return f"not-installed:{resolve.find_pin(start).token}", str(exc)
    if sel.root is not None:
        return str(sel.root), None
    return f"system:{sel.system}", None


@contextlib.contextmanager
def built(s: Scenario) -> Iterator[tuple[Path, dict[str, str]]]:
    """The scenario on disk; yields the tree root and the environment both sides get."""
    base = Path(tempfile.mkdtemp(prefix="gover-parity-"))
    try:
        home = base / "gover home"
        env: dict[str, str | None] = {
            "GOVER_HOME": str(home),
            "GOVER_VERSION": s.gover_version,
            "GOWORK": "off" if s.gowork_off else None,
        }
        with environ(env):
            install_fake(*s.installed)
            shim = rehash()
        if s.aliases_broken:
            for alias in (home / "aliases").iterdir():
                alias.write_text(" " + alias.read_text())
        if s.global_file is not None:
            _place(home / "global", s.global_file)
        sysgo = base / "sys bin" / "go"
        sysgo.parent.mkdir()
        sysgo.write_text("#!/bin/sh\necho system go\n")
        sysgo.chmod(0o755)
        noexec = base / "noexec" / "go"
        noexec.parent.mkdir()
        noexec.write_text("#!/bin/sh\n")
        (base / "shims-link").symlink_to(shim.parent)
        (base / "lone").mkdir()
        (base / "lone" / "go").symlink_to(shim)
        where = {
            "shims": str(shim.parent),
            "shims-again": str(shim.parent),
            "shims-link": str(base / "shims-link"),
            "lone-shim": str(base / "lone"),
            "system": str(sysgo.parent),
            "not-executable": str(noexec.parent),
        }
        tree = base / "tree"
        for rel, files in s.dirs.items():
            d = tree.joinpath(*rel)
            d.mkdir(parents=True, exist_ok=True)
            for name, item in files.items():
                _place(d / name, item)
        full = {k: v for k, v in env.items() if v is not None}
        full["PATH"] = ":".join(where[p] for p in s.path)
        yield tree, full
    finally:
        shutil.rmtree(base)



FIXED = [
    pytest.param(
        Scenario(
            dirs={
                (): {VERSION_FILE: b"system\n"},
                ("a",): {GO_WORK: b"go 1.21\nuse ./b\n"},
                ("a", "b"): {GO_MOD: b"module m\ngo 1.22\ntoolchain go1.22.9\n"},
                ("a", "b", "c"): {VERSION_FILE: b"$(touch /tmp/gover-parity-pwned)\n"},
            },
            installed=RELEASES,
            path=("shims", "shims-again", "shims-link", "lone-shim", "system"),
        ),
        id="system-behind-shims-twice-and-a-symlink",
    ),
    pytest.param(
        Scenario(
            dirs={(): {VERSION_FILE: b"system\n"}, ("x",): {}},
            installed=RELEASES,
            path=("shims", "shims-link", "shims-again", "lone-shim", "not-executable"),
        ),
        id="no-system-go-only-shims",
    ),
    pytest.param(
        Scenario(
            dirs={
                (): {GO_WORK: b"go 1.21\n"},
                ("m",): {GO_WORK: b"// none\n", GO_MOD: b"go 1.22\n"},
                ("m", "n"): {},
            },
            installed=RELEASES,
            pwd_style="/",
        ),
        id="trailing-slash-pwd-and-go-work",
    ),
    pytest.param(
        Scenario(
            dirs={(): {VERSION_FILE: b"1.22\n"}, ("a",): {GO_MOD: b"go 1.21.5\n"}},
            installed=RELEASES,
            aliases_broken=True,
        ),
        id="aliases-with-a-leading-space",
    ),
    pytest.param(
        Scenario(
            dirs={
                (): {VERSION_FILE: "<fifo>", TOOL_VERSIONS: "<devzero>", GO_MOD: "<dir>"},
                ("a",): {VERSION_FILE: b"\x00" * 1500 + b"1.21\n"},
            },
            installed=RELEASES,
            global_file=b"\xef\xbb\xbf# global\r\n1.22.9\r\n",
        ),
        id="specials-nuls-global",
    ),
]


