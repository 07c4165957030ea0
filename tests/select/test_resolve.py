"""resolve.py: the precedence table, the not-installed messages and every hostile version file
from TESTING.md. Each case is also run through the real shim (shims/resolve.sh inlined by
`gover rehash`) with GOVER_SHIM_DRYRUN=1: both must choose the same thing and print the same
warnings. tests/select/test_shim_parity.py drives the same pair over random trees."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from gover.errors import NotInstalledError
from gover.select import resolve, shells, shims
from tests.support.cli import REPO, run_gover
from tests.support.fakego import (
    default_path,
    environ,
    goroot,
    gover_home,
    install_fake,
    rehash,
    run_shim,
    sh_shims,
    shim_env,
    write,
)

INSTALLED = ("1.20.14", "1.21.0", "1.21.13", "1.22.9", "1.22.10", "1.23rc1")
WARN = "gover: warning: "
NOBODY = 65534

# ---- helpers shared with test_shim_parity.py -------------------------------------------------






@dataclass(frozen=True)
class Outcome:
    """What was chosen, in the shim's DRYRUN words, and the stderr lines on the way."""

    out: str
    err: tuple[str, ...]











def shim_outcome(cwd: Path, **kw: object) -> Outcome:
    proc = run_shim(cwd, **kw)  # type: ignore[arg-type]
    assert proc.returncode == 0, proc.stderr
    return Outcome(proc.stdout.strip(), tuple(proc.stderr.splitlines()))


def python_choice(cwd: Path | None) -> str:
    """resolve.select() in the shim's DRYRUN words; warnings go to the caller's stderr."""
    try:
        sel = resolve.select(cwd)
    except NotInstalledError as exc:
        if exc.message.startswith("no system go found"):
            return "no-system-go"
        with contextlib.redirect_stderr(io.StringIO()):  # already reported once
            return f"not-installed:{resolve.find_pin(cwd).token}"
    if sel.root is not None:
        return str(sel.root)
    return f"system:{sel.system}"


def python_outcome(
    cwd: Path | None,
    *,
    env: Mapping[str, str | None] | None = None,
    pwd: str | None = None,
    path: str | None = None,
) -> Outcome:
    """In-process. `pwd` (a spelling of cwd, as $PWD would give it) is what the walk starts
    from, as the shim's does; resolve.working_dir() itself is tested separately."""
    changes: dict[str, str | None] = {"GOVER_VERSION": None, "GOWORK": None}
    changes.update(env or {})
    changes["PATH"] = default_path() if path is None else path
    buf = io.StringIO()
    start = Path(pwd) if pwd is not None else cwd
    with environ(changes), contextlib.redirect_stderr(buf):
        out = python_choice(start)
    return Outcome(out, tuple(buf.getvalue().splitlines()))


def agree(
    cwd: Path,
    *,
    env: Mapping[str, str | None] | None = None,
    pwd: str | None = None,
    path: str | None = None,
    timeout: float = 20,
) -> Outcome:
    """Run both; they must choose the same and warn the same. Returns the shared outcome."""
    sh = shim_outcome(cwd, env=env, pwd=pwd, path=path, timeout=timeout)
    py = python_outcome(cwd, env=env, pwd=pwd, path=path)
    assert sh == py, f"shim {sh} != python {py}"
    return sh


def warned_about(outcome: Outcome, path: Path) -> bool:
    return any(line.startswith(f"{WARN}ignoring {path}: ") for line in outcome.err)


# ---- fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def store() -> Path:
    install_fake(*INSTALLED)
    rehash()
    return gover_home()


@pytest.fixture
def proj(tmp_path: Path, store: Path) -> Path:
    p = tmp_path / "proj"
    p.mkdir()
    return p


# ---- the precedence table ---------------------------------------------------------------------

# files (relative to proj) → the directory to ask in → extra env → expected choice
# (an installed name, "not-installed:TOKEN" or "no-system-go"), and whether a warning is due.
PRECEDENCE = [
    pytest.param({".go-version": "1.22.9"}, ".", {}, "1.22.9", id="go-version-exact"),
    pytest.param({".go-version": "1.22"}, ".", {}, "1.22.10", id="go-version-prefix"),
    pytest.param({".go-version": "1"}, ".", {}, "1.22.10", id="go-version-major"),
    pytest.param({".go-version": "latest"}, ".", {}, "1.22.10", id="latest"),
    pytest.param({".go-version": "go1.21.0"}, ".", {}, "1.21.0", id="go-prefixed"),
    pytest.param({".go-version": "1.23rc1"}, ".", {}, "1.23rc1", id="prerelease"),
    pytest.param({".go-version": "1.24"}, ".", {}, "not-installed:1.24", id="not-installed"),
    pytest.param({".go-version": "system"}, ".", {}, "no-system-go", id="system"),
    pytest.param({}, ".", {}, "no-system-go", id="nothing-anywhere"),
    pytest.param(
        {".go-version": "1.22"}, ".", {"GOVER_VERSION": "1.21"}, "1.21.13", id="env-over-file"
    ),
    pytest.param(
        {".go-version": "1.22"},
        ".",
        {"GOVER_VERSION": "go1.21.0"},
        "1.21.0",
        id="env-go-prefixed",
    ),
    pytest.param(
        {".go-version": "1.22.9"},
        ".",
        {"GOVER_VERSION": "1.22; rm -rf ~"},
        "1.22.9",
        id="env-invalid-warns-then-walks",
    ),
    pytest.param(
        {".go-version": "1.22.9"},
        ".",
        {"GOVER_VERSION": "1.21\n"},
        "1.22.9",
        id="env-trailing-newline-is-invalid",
    ),
    pytest.param({".go-version": "1.22.9"}, ".", {"GOVER_VERSION": ""}, "1.22.9", id="env-empty"),
    pytest.param(
        {"a/.go-version": "1.21", "a/b/.go-version": "1.22"}, "a/b", {}, "1.22.10", id="nearest"
    ),
    pytest.param(
        {"a/.go-version": "1.21", "a/b/go.mod": "module m\ngo 1.22\n"},
        "a/b",
        {},
        "1.22.10",
        id="nearer-go-mod-beats-farther-go-version",
    ),
    pytest.param({"a/.go-version": "1.21"}, "a/b/c", {}, "1.21.13", id="inherited-from-above"),
    pytest.param(
        {".go-version": "1.21", ".tool-versions": "golang 1.22"},
        ".",
        {},
        "1.21.13",
        id="go-version-over-tool-versions",
    ),
    pytest.param(
        {".tool-versions": "nodejs 20.1.0\ngolang 1.22.9\n", "go.work": "go 1.21\n"},
        ".",
        {},
        "1.22.9",
        id="tool-versions-over-go-work",
    ),
    pytest.param({".tool-versions": "go 1.22.9\n"}, ".", {}, "1.22.9", id="tool-versions-go"),
    pytest.param(
        {".tool-versions": "nodejs 20.1.0\n", "go.mod": "go 1.21\n"},
        ".",
        {},
        "1.21.13",
        id="tool-versions-without-go",
    ),
    pytest.param(
        {"go.work": "go 1.21\n", "go.mod": "module m\ngo 1.22\n"},
        ".",
        {},
        "1.21.13",
        id="go-work-over-go-mod",
    ),
    pytest.param(
        {"go.work": "go 1.21\nuse ./m\n", "m/go.mod": "module m\ngo 1.22\n"},
        "m",
        {},
        "1.21.13",
        id="go-work-above-governs",
    ),
    pytest.param(
        {"go.work": "go 1.21\nuse ./m\n", "m/go.mod": "module m\ngo 1.22\n"},
        "m",
        {"GOWORK": "off"},
        "1.22.10",
        id="gowork-off",
    ),
    pytest.param(
        {"go.work": "go 1.21\n"}, ".", {"GOWORK": "off"}, "no-system-go", id="gowork-off-here"
    ),
    pytest.param(
        {"go.work": "use ./m\n", "m/go.mod": "module m\ngo 1.22\n"},
        "m",
        {},
        "1.22.10",
        id="unpinned-go-work-above",
    ),
    pytest.param(
        {"go.work": "go 1.21\n", "x/go.work": "use ./m\n", "x/m/go.mod": "go 1.22\n"},
        "x/m",
        {},
        "1.22.10",
        id="nearest-go-work-governs-even-unpinned",
    ),
    pytest.param(
        {"go.mod": "module m\n\ngo 1.22\n\ntoolchain go1.22.9\n"},
        ".",
        {},
        "1.22.9",
        id="toolchain-exact",
    ),
    pytest.param(
        {"go.mod": "go 1.22\ntoolchain go1.22.3\n"},
        ".",
        {},
        "not-installed:1.22.3",
        id="toolchain-exact-not-installed",
    ),
    pytest.param(
        {"go.mod": "go 1.22\ntoolchain go1.21.0\n"}, ".", {}, "1.21.0", id="toolchain-over-go"
    ),
    pytest.param(
        {"go.mod": "go 1.21\ntoolchain default\n"}, ".", {}, "1.21.13", id="toolchain-default"
    ),
    pytest.param({"go.mod": "go 1.21\n"}, ".", {}, "1.21.13", id="go-1.21-language-version"),
    pytest.param({"go.mod": "go 1.21.5\n"}, ".", {}, "1.21.13", id="go-minimum-same-minor"),
    pytest.param({"go.mod": "go 1.20\n"}, ".", {}, "1.20.14", id="go-1.20-old-naming"),
    pytest.param({"go.mod": "go 1.19\n"}, ".", {}, "1.22.10", id="go-minimum-uses-latest"),
    pytest.param({"go.mod": "go 1.23rc1\n"}, ".", {}, "1.23rc1", id="go-rc-minimum-exact"),
    pytest.param(
        {"go.mod": "go 1.23rc2\n"}, ".", {}, "not-installed:1.23rc2", id="go-rc-minimum-missing"
    ),
    pytest.param({"go.mod": "go 1.23\n"}, ".", {}, "not-installed:1.23", id="go-above-all"),
    pytest.param(
        {"go.mod": "go 1.22.11\n"}, ".", {}, "not-installed:1.22.11", id="go-above-patches"
    ),
    pytest.param(
        {"go.mod": "// comment\nmodule m // x\n\ngo\t1.22   // trailing\n"},
        ".",
        {},
        "1.22.10",
        id="go-mod-comments-tabs",
    ),
]


@pytest.mark.parametrize(("files", "where", "env", "expected"), PRECEDENCE)
def test_precedence(
    proj: Path, files: dict[str, str], where: str, env: dict[str, str], expected: str
) -> None:
    for rel, content in files.items():
        write(proj / rel, content)
    cwd = proj / where
    cwd.mkdir(parents=True, exist_ok=True)
    got = agree(cwd, env=env)
    want = expected if ":" in expected or expected == "no-system-go" else goroot(expected)
    assert got.out == want
    bad_env = env.get("GOVER_VERSION") not in (None, "", "1.21", "go1.21.0")
    assert [line.startswith(WARN) for line in got.err] == ([True] if bad_env else [])


def test_invalid_toolchain_line_warns_and_falls_back_to_go_line(proj: Path) -> None:
    gomod = write(proj / "go.mod", "go 1.21\ntoolchain 1.22.9\n")
    got = agree(proj)
    assert got.out == goroot("1.21.13")
    assert got.err == (
        f"{WARN}ignoring the toolchain line in {gomod}: '1.22.9' is not a Go toolchain name",
    )


def test_invalid_go_line_warns_and_walks_on(proj: Path) -> None:
    write(proj / ".go-version", "1.22.9\n")
    gomod = write(proj / "m" / "go.mod", "go 1.22.x\n")
    got = agree(proj / "m")
    assert got.out == goroot("1.22.9")
    assert got.err == (f"{WARN}ignoring the go line in {gomod}: '1.22.x' is not a Go version",)


def test_global_file(proj: Path) -> None:
    global_file = write(gover_home() / "global", "1.21\n")
    assert agree(proj).out == goroot("1.21.13")
    write(proj / ".go-version", "1.22.9")
    assert agree(proj).out == goroot("1.22.9")  # any pin in the tree beats the global one
    global_file.write_text("system\n")
    assert agree(proj.parent).out == "no-system-go"
    global_file.write_text("1.22;rm -rf /\n")
    got = agree(proj.parent)
    assert got.out == "no-system-go"
    assert warned_about(got, global_file)


def test_old_style_release_name(tmp_path: Path) -> None:
    """Before Go 1.21 the first release of a minor was `go1.20`, not `go1.20.0`."""
    install_fake("1.20")
    rehash()
    for content in ("go 1.20\n", "go 1.20.0\n", "go 1.19\n"):
        write(tmp_path / "go.mod", content)
        assert agree(tmp_path).out == goroot("1.20")
    write(tmp_path / "go.mod", "go 1.20.1\n")
    assert agree(tmp_path).out == "not-installed:1.20.1"
    write(tmp_path / "go.mod", "toolchain go1.20\n")
    assert agree(tmp_path).out == goroot("1.20")


def test_stale_alias_is_not_followed(proj: Path) -> None:
    """An alias naming a removed install: no choice by alias (both sides), exact dir only."""
    shutil.rmtree(gover_home() / "versions" / "1.22.10")
    write(proj / ".go-version", "1.22")
    assert agree(proj).out == "not-installed:1.22"
    write(proj / "go.mod", "go 1.22.9\n")
    (proj / ".go-version").unlink()
    assert agree(proj).out == goroot("1.22.9")  # the exact install still counts


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"1.22.9\r\n", "1.22.9"),  # CRLF, as Python's read_lines tolerates
        (b"\xef\xbb\xbf1.22.9\n", "1.22.9"),  # BOM
        (b"1.22.9", "1.22.9"),  # no newline
        (b"\x001.22.9\x00\n", "1.22.9"),  # NULs dropped
        (b" 1.22.9\n", "not-installed:1.22"),  # a word must fill the line
        (b"latest\n", "not-installed:1.22"),
        (b"", "not-installed:1.22"),
    ],
)
def test_alias_files_read_alike(proj: Path, content: bytes, expected: str) -> None:
    """Alias files are gover's own, but a hand-edited one must not split the two resolvers."""
    write(gover_home() / "aliases" / "1.22", content)
    write(proj / ".go-version", "1.22\n")
    want = goroot(expected) if ":" not in expected else expected
    assert agree(proj).out == want


# ---- not installed: the exact messages and hints ----------------------------------------------


def _not_installed_cases(proj: Path) -> list[tuple[dict[str, str], str]]:
    g = gover_home() / "global"
    return [
        (
            {".go-version": "1.24"},
            f"go 1.24 (set by {proj}/.go-version) is not installed; run: gover install 1.24",
        ),
        (
            {".tool-versions": "golang go1.22.3"},
            f"go 1.22.3 (set by {proj}/.tool-versions) is not installed; run: gover install 1.22.3",
        ),
        (
            {"go.mod": "go 1.24.1\n"},
            f"go 1.24.1 or newer (from the go line in {proj}/go.mod) is not installed; "
            "run: gover install 1.24",
        ),
        (
            {"go.work": "go 1.24rc1\n"},
            f"go 1.24rc1 or newer (from the go line in {proj}/go.work) is not installed; "
            "run: gover install 1.24rc1",
        ),
        (
            {"go.mod": "go 1.22\ntoolchain go1.22.3\n"},
            f"go 1.22.3 (from the toolchain line in {proj}/go.mod) is not installed; "
            "run: gover install 1.22.3",
        ),
        (
            {"GOVER_VERSION": "1.25"},
            "go 1.25 (set by GOVER_VERSION (gover shell)) is not installed; "
            "run: gover install 1.25",
        ),
        (
            {"global": "1.19.2"},
            f"go 1.19.2 (global default in {g}) is not installed; run: gover install 1.19.2",
        ),
        (
            {},
            "no system go found on PATH (no version file found; using the system go); "
            "run: gover install latest && gover global latest",
        ),
    ]


def test_not_installed_messages(proj: Path) -> None:
    """resolve.select, `gover which go` and the shim's own error say the same thing."""
    for setup, message in _not_installed_cases(proj):
        for name in (".go-version", ".tool-versions", "go.mod", "go.work"):
            (proj / name).unlink(missing_ok=True)
        (gover_home() / "global").unlink(missing_ok=True)
        env = {}
        for key, value in setup.items():
            if key == "GOVER_VERSION":
                env[key] = value
            elif key == "global":
                write(gover_home() / "global", value + "\n")
            else:
                write(proj / key, value)
        with environ({**env, "PATH": default_path()}), pytest.raises(NotInstalledError) as exc:
            resolve.select(proj)
        assert str(exc.value) == message

        cli = run_gover(
            "which", "go", cwd=proj, env={**env, "PWD": str(proj), "PATH": default_path()}
        )
        assert (cli.code, cli.out, cli.err) == (1, "", f"gover: error: {message}\n")

        proc = run_shim(proj, env=env, dryrun=False)
        assert (proc.returncode, proc.stdout, proc.stderr) == (127, "", f"gover: {message}\n")


def test_pwd_cleanup_matches_pathlib() -> None:
    """_gv_clean (sh) spells $PWD as resolve.py's walk does, so sources read the same."""
    script = (
        f"_gv_data={shells.sh_quote(str(gover_home()))}; _gv_bom=; _gv_cr=\n"
        + shims.resolver_source()
        + '\nfor p in / // /. /./ /a/ /a/./b/. //a//b/ /a/b/.. "/a b/./c"; do'
        + ' _gv_clean "$p"; printf "%s\\n" "$_gv_c"; done\n'
    )
    out = subprocess.run(
        ["/bin/sh", "-c", script], capture_output=True, text=True, check=True
    ).stdout.split("\n")[:-1]
    expected = [
        str(resolve.parents(Path(p))[0])
        for p in ("/", "//", "/.", "/./", "/a/", "/a/./b/.", "//a//b/", "/a/b/..", "/a b/./c")
    ]
    assert out == expected


# ---- hostile version files (TESTING.md) --------------------------------------------------------


@pytest.fixture
def hostile(proj: Path) -> tuple[Path, Path, Path]:
    """proj pins 1.21.0; proj/evil gets the hostile file; a sentinel no code may create."""
    write(proj / ".go-version", "1.21.0\n")
    evil = proj / "evil"
    evil.mkdir()
    return proj, evil, proj.parent / "pwned"


PARENT = "parent"
HOSTILE = [
    # content, expected (PARENT = ignored, the walk reached proj), a warning is due
    pytest.param(b"../../etc\n", PARENT, True, id="path-traversal"),
    pytest.param(b"/etc/passwd\n", PARENT, True, id="absolute-path"),
    pytest.param(b"1.22; rm -rf ~\n", PARENT, True, id="semicolon"),
    pytest.param(b"1.22;touch${IFS}SENTINEL\n", PARENT, True, id="semicolon-one-word"),
    pytest.param(b"$(touch SENTINEL)\n", PARENT, True, id="command-substitution"),
    pytest.param(b"$(touch${IFS}SENTINEL)\n", PARENT, True, id="command-substitution-one-word"),
    pytest.param(b"`touch SENTINEL`\n", PARENT, True, id="backticks"),
    pytest.param(b"`touch${IFS}SENTINEL`\n", PARENT, True, id="backticks-one-word"),
    pytest.param(b'"1.22.9"\n', PARENT, True, id="double-quotes"),
    pytest.param(b"'1.22.9'\n", PARENT, True, id="single-quotes"),
    pytest.param(b"-e\n", PARENT, True, id="option-like"),
    pytest.param(b"*\n", PARENT, True, id="glob"),
    pytest.param(b"1.22.?\n", PARENT, True, id="glob-matching-a-file"),
    pytest.param(b"\x1b]0;owned\x07\x1b[2J\n", PARENT, True, id="terminal-escapes"),
    pytest.param(b"1.2222222222\n", PARENT, True, id="ten-digits"),
    pytest.param(b"01.22\n", PARENT, True, id="leading-zero"),
    pytest.param(b"gosystem\n", PARENT, True, id="go-prefixed-keyword"),
    pytest.param(b"\xff\xfe1.22\n", PARENT, True, id="invalid-utf8"),
    pytest.param(b"1.22\xc0\xaf\n", PARENT, True, id="overlong-utf8"),
    pytest.param(b"1.22.9\n$(touch SENTINEL)\n`touch SENTINEL`\n", "1.22.9", False, id="line-2"),
    pytest.param(b"1.22.9 $(touch SENTINEL); `touch SENTINEL`\n", "1.22.9", False, id="words"),
    pytest.param(b"1.22.9\n\xff\xfe\x00garbage\n", "1.22.9", False, id="binary-line-2"),
    pytest.param(b"1.2\x002.9\x00\n", "1.22.9", False, id="nul-bytes"),
    pytest.param(b"\x00\x00\x00\n\x00", PARENT, False, id="only-nuls"),
    pytest.param(b"1.22.9\r\n", "1.22.9", False, id="crlf"),
    pytest.param(b"\xef\xbb\xbf1.22.9\n", "1.22.9", False, id="bom"),
    pytest.param(b"\xef\xbb\xbf# pinned\r\n\r\n  1.22.9  \r\n", "1.22.9", False, id="bom-crlf"),
    pytest.param(b"\xef\xbb\xbf\xef\xbb\xbf1.22.9\n", PARENT, True, id="two-boms"),
    pytest.param(b"1.22.9\r\r\n", PARENT, True, id="two-crs"),
    pytest.param(b"go1.22.9\n", "1.22.9", False, id="go-prefix"),
    pytest.param(b"\t 1.22.9 extra words\n", "1.22.9", False, id="whitespace-and-words"),
    pytest.param(b"", PARENT, False, id="empty"),
    pytest.param(b"\n\n \t \n", PARENT, False, id="blank-lines"),
    pytest.param(b"# pin\n  # 1.22.9\n", PARENT, False, id="comment-only"),
]


@pytest.mark.parametrize(("content", "expected", "warns"), HOSTILE)
def test_hostile_version_file(
    hostile: tuple[Path, Path, Path], content: bytes, expected: str, warns: bool
) -> None:
    _, evil, sentinel = hostile
    write(evil / "1.22.9", "bait for a glob\n")
    vfile = write(evil / ".go-version", content.replace(b"SENTINEL", str(sentinel).encode()))
    got = agree(evil)
    assert got.out == goroot("1.21.0" if expected == PARENT else expected)
    assert len(got.err) == (1 if warns else 0)
    assert warned_about(got, vfile) is warns
    assert not any("\x1b" in line or "\x07" in line for line in got.err)
    if b"SENTINEL" in content:
        cli = run_gover("which", "go", cwd=evil, env={"PWD": str(evil), "PATH": default_path()})
        assert cli.code == 0, cli.err
    assert not sentinel.exists()


def test_hostile_warning_text(hostile: tuple[Path, Path, Path]) -> None:
    _, evil, _ = hostile
    vfile = write(evil / ".go-version", "$(id) 1.22\n")
    assert agree(evil).err == (
        f"{WARN}ignoring {vfile}: '$(id)' is not a Go version "
        "(use e.g. 1.22.10, 1.22, latest or system)",
    )
    vfile.write_bytes(b"\x1b[31m\n")
    assert agree(evil).err == (
        f"{WARN}ignoring {vfile}: (unprintable text) is not a Go version "
        "(use e.g. 1.22.10, 1.22, latest or system)",
    )


def test_hostile_tool_versions_and_go_mod(hostile: tuple[Path, Path, Path]) -> None:
    _, evil, sentinel = hostile
    tv = write(evil / ".tool-versions", f"golang $(touch {sentinel})\n")
    got = agree(evil)
    assert (got.out, warned_about(got, tv)) == (goroot("1.21.0"), True)
    tv.unlink()
    gomod = write(evil / "go.mod", f"go `touch {sentinel}`\ntoolchain go$(touch)\n")
    got = agree(evil)
    assert got.out == goroot("1.21.0")
    assert got.err == (
        f"{WARN}ignoring the toolchain line in {gomod}: 'go$(touch)' is not a Go toolchain name",
        f"{WARN}ignoring the go line in {gomod}: '`touch' is not a Go version",
    )
    assert not sentinel.exists()


def test_hostile_directory_names(store: Path, tmp_path: Path) -> None:
    """Quotes, `$(...)`, spaces, globs and non-ASCII in the project path are only data."""
    sentinel = tmp_path / "pwned"
    odd = tmp_path / f'we\'ird "$(touch {sentinel.name})" `x` * ü' / "sub dir"
    odd.mkdir(parents=True)
    vfile = write(odd.parent / ".go-version", "1.22.9\n")
    assert agree(odd).out == goroot("1.22.9")
    vfile.write_text("nope\n")
    got = agree(odd)
    assert (got.out, warned_about(got, vfile)) == ("no-system-go", True)
    assert not sentinel.exists() and not (odd / sentinel.name).exists()


def test_directory_named_go_version_is_skipped_with_a_warning(hostile: tuple[Path, ...]) -> None:
    _, evil, _ = hostile
    (evil / ".go-version").mkdir()
    got = agree(evil)
    assert got.out == goroot("1.21.0")
    assert got.err == (f"{WARN}ignoring {evil}/.go-version: not a regular file",)
    write(evil / ".tool-versions", "golang 1.22.9\n")
    assert agree(evil).out == goroot("1.22.9")  # the rest of the directory still counts


def test_fifo_never_blocks(hostile: tuple[Path, Path, Path]) -> None:
    _, evil, _ = hostile
    os.mkfifo(evil / ".go-version")
    os.mkfifo(evil / "go.mod")
    got = agree(evil, timeout=10)
    assert got.out == goroot("1.21.0")
    assert got.err == (
        f"{WARN}ignoring {evil}/.go-version: not a regular file",
        f"{WARN}ignoring {evil}/go.mod: not a regular file",
    )
    cli = run_gover("which", "go", cwd=evil, env={"PWD": str(evil)}, timeout=20)
    assert cli.out == goroot("1.21.0") + "/bin/go\n"


def test_dev_zero_behind_a_symlink_never_blocks(hostile: tuple[Path, Path, Path]) -> None:
    _, evil, _ = hostile
    (evil / ".go-version").symlink_to("/dev/zero")
    (evil / ".tool-versions").symlink_to("/dev/null")
    got = agree(evil, timeout=10)
    assert got.out == goroot("1.21.0")
    assert len(got.err) == 2
    cli = run_gover("which", "go", cwd=evil, env={"PWD": str(evil)}, timeout=20)
    assert cli.out == goroot("1.21.0") + "/bin/go\n"


def test_symlink_to_a_regular_file_is_followed(hostile: tuple[Path, Path, Path]) -> None:
    proj, evil, _ = hostile
    write(proj / "elsewhere" / "pin", "1.22.9\n")
    (evil / ".go-version").symlink_to(proj / "elsewhere" / "pin")
    assert agree(evil).out == goroot("1.22.9")
    (evil / ".go-version").unlink()
    (evil / ".go-version").symlink_to(evil / "missing")  # dangling: as if absent, silently
    assert agree(evil) == Outcome(goroot("1.21.0"), ())


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"1.22.9\n" + b"x" * (10 << 20), id="pin-then-10MB"),
        pytest.param((b"# padding\n" * (1 << 20)) + b"1.22.9\n", id="10MB-of-comments"),
        pytest.param(b"1" * (10 << 20), id="10MB-single-line"),
        pytest.param(b"\x00" * (10 << 20) + b"1.22.9\n", id="10MB-of-nuls"),
    ],
)
def test_ten_megabyte_file(hostile: tuple[Path, Path, Path], content: bytes) -> None:
    """Only the first KiB counts, NULs included: the pin after 10 MB of NULs is not seen.
    (That every reader stops at the limit, never reading such a file whole, is
    tests/select/test_versionfile_bounds.py's; the timeout here is only the failure mode.)"""
    _, evil, _ = hostile
    write(evil / ".go-version", content)
    got = agree(evil, timeout=60)
    assert got.out == goroot("1.22.9" if content.startswith(b"1.22.9") else "1.21.0")
    # A cut line is not seen at all, so there is nothing to warn about.
    assert got.err == ()


@pytest.mark.parametrize(
    ("content", "seen"),
    [
        # a complete line ending at byte 1024 is seen; one byte more and it is cut
        pytest.param(b"#" * 1016 + b"\n1.22.9\n", True, id="newline-at-1024"),
        pytest.param(b"#" * 1017 + b"\n1.22.9\n", False, id="newline-at-1025"),
        pytest.param(b"#" * 1017 + b"\n1.22.9", True, id="eof-at-1024"),
        pytest.param(b"#" * 1018 + b"\n1.22.9", False, id="eof-at-1025"),
        pytest.param(b"#" * 1014 + b"\r\n1.22.9\r\n", True, id="crlf-at-1024"),
        pytest.param(b"#" * 1015 + b"\r\n1.22.9\r\n", False, id="crlf-at-1025"),
        pytest.param(b"\xef\xbb\xbf" + b"#" * 1013 + b"\n1.22.9\n", True, id="bom-at-1024"),
        pytest.param(b"\xef\xbb\xbf" + b"#" * 1014 + b"\n1.22.9\n", False, id="bom-at-1025"),
        pytest.param(b"\x00" * 500 + b"#" * 516 + b"\n1.22.9\n", True, id="nuls-count-1024"),
        pytest.param(b"\x00" * 500 + b"#" * 517 + b"\n1.22.9\n", False, id="nuls-count-1025"),
        pytest.param(b"\x00" * 500 + b"#" * 1016 + b"\n1.22.9\n", False, id="nuls-count-cut"),
        pytest.param(b"#" * 1017 + b"\x00" * 500 + b"\n1.22.9\n", False, id="nuls-do-not-help"),
        pytest.param(b"1.22.9" + b" " * 1018 + b"\n", False, id="first-line-cut"),
        pytest.param(b"1.22.9" + b" " * 1017 + b"\n", True, id="first-line-whole"),
    ],
)
def test_one_kib_boundary(hostile: tuple[Path, Path, Path], content: bytes, seen: bool) -> None:
    _, evil, _ = hostile
    write(evil / ".go-version", content)
    assert agree(evil) == Outcome(goroot("1.22.9" if seen else "1.21.0"), ())


def test_read_lines_unit(tmp_path: Path) -> None:
    f = write(tmp_path / "f", b"\x00\xef\xbb\xbfa\r\nb\x00c\n")
    assert resolve.read_lines(f) == [b"a", b"bc"]
    assert resolve.read_lines(tmp_path) is None
    assert resolve.read_lines(tmp_path / "missing") is None
    write(f, b"x" * 1024)
    assert resolve.read_lines(f) == [b"x" * 1024]
    write(f, b"x" * 1025)
    assert resolve.read_lines(f) == []


def test_normalize_token_unit() -> None:
    assert resolve.normalize_token("go1.22.10") == "1.22.10"
    assert resolve.normalize_token("1.23rc1") == "1.23rc1"
    assert resolve.normalize_token("system") == "system"
    for bad in ("1.22\n", "go", "golatest", "1.22.1.1", "1.22rc1.1", "1.22RC1", "1.22-1", "v1"):
        assert resolve.normalize_token(bad) is None, bad


# ---- unreadable files and unsearchable directories ---------------------------------------------


PROBE = r"""
import contextlib, io, sys
sys.path.insert(0, sys.argv[1])
from gover.select import resolve
from gover.errors import NotInstalledError
try:
    sel = resolve.select()
    print(sel.root if sel.root is not None else f"system:{sel.system}")
except NotInstalledError as exc:
    if exc.message.startswith("no system go found"):
        print("no-system-go")
    else:
        with contextlib.redirect_stderr(io.StringIO()):
            print("not-installed:" + resolve.find_pin().token)
"""


@dataclass
class Unprivileged:
    """Runs the shim and resolve.py (through PROBE) as an unprivileged user."""

    prefix: list[str]
    python: str

    def both(self, cwd: Path, env: dict[str, str], pwd: str | None = None) -> Outcome:
        pwd = pwd or str(cwd)
        sh = run_shim(cwd, env=env, pwd=pwd, prefix=self.prefix)
        full = {
            **shim_env(pwd, env, env.get("PATH")),
            "GOVER_HOME": os.environ["GOVER_HOME"],
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        py = subprocess.run(
            [*self.prefix, self.python, "-c", PROBE, str(REPO)],
            cwd=cwd,
            env=full,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert sh.returncode == 0 and py.returncode == 0, (sh.stderr, py.stderr)
        sh_out = Outcome(sh.stdout.strip(), tuple(sh.stderr.splitlines()))
        assert sh_out == Outcome(py.stdout.strip(), tuple(py.stderr.splitlines()))
        return sh_out


@pytest.fixture
def unprivileged(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Unprivileged, Path]]:
    """A world-readable sandbox (GOVER_HOME inside) and a way to run in it as `nobody` when
    the suite runs as root, where chmod 000 would not stop a read."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        assert setpriv is not None, (
            "running as root without setpriv (util-linux): cannot drop privileges"
        )
        prefix = [setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    python = None
    for candidate in (sys.executable, "/usr/bin/python3"):
        check = [*prefix, candidate, "-c", "import sys; assert sys.version_info >= (3, 11)"]
        if subprocess.run(check, capture_output=True, check=False).returncode == 0:
            python = candidate
            break
    if python is None:
        pytest.skip("no Python >= 3.11 the unprivileged user can run")
    box = Path(tempfile.mkdtemp(prefix="gover-unpriv-"))
    box.chmod(0o755)
    monkeypatch.setenv("GOVER_HOME", str(box / "gover home"))
    install_fake(*INSTALLED)
    rehash()
    try:
        yield Unprivileged(prefix, python), box
    finally:
        for d, dirs, _ in os.walk(box):
            for name in dirs:
                os.chmod(os.path.join(d, name), 0o755)
        shutil.rmtree(box)


def test_unreadable_as_nobody(unprivileged: tuple[Unprivileged, Path]) -> None:
    """chmod 000, read by a user it binds (as root, nobody via setpriv: root would read it):
    a warning naming the file, and the walk goes on."""
    run, box = unprivileged
    proj = box / "proj"
    write(proj / ".go-version", "1.21.0\n")
    evil = proj / "evil"
    vfile = write(evil / ".go-version", "1.22.9\n")
    vfile.chmod(0)
    gomod = write(evil / "go.mod", "go 1.22\n")
    gomod.chmod(0)
    got = run.both(evil, {"PATH": default_path()})
    assert got == Outcome(
        goroot("1.21.0"),
        (f"{WARN}ignoring {vfile}: not readable", f"{WARN}ignoring {gomod}: not readable"),
    )


def test_unsearchable_parent_is_passed_over(unprivileged: tuple[Unprivileged, Path]) -> None:
    """The walk above a directory the user cannot search: `[ -f ]` is just false in sh, and
    resolve.py must not die of pathlib's PermissionError (it used to: a traceback)."""
    run, box = unprivileged
    if os.geteuid() != 0:
        pytest.skip("needs to enter a directory before losing the right to search it")
    locked = box / "locked"
    cwd = locked / "a" / "b"
    cwd.mkdir(parents=True)
    write(locked / ".go-version", "1.22.9\n")
    write(gover_home() / "global", "1.21.0\n")
    locked.chmod(0o700)  # root's; nobody (already inside, by Popen's chdir) cannot stat below
    got = run.both(cwd, {"PATH": default_path()})
    assert got == Outcome(goroot("1.21.0"), ())


def test_unsearchable_path_entry_is_passed_over(unprivileged: tuple[Unprivileged, Path]) -> None:
    """`sudo -u someone` keeps root's PATH: a PATH entry nobody can search is skipped."""
    run, box = unprivileged
    if os.geteuid() != 0:
        pytest.skip("a directory this user cannot search is root's to make")
    private = box / "private"
    write(private / "bin" / "go", "#!/bin/sh\n").chmod(0o755)
    private.chmod(0o700)
    sysgo = write(box / "sys" / "go", "#!/bin/sh\necho system go\n")
    sysgo.chmod(0o755)
    proj = box / "proj"
    proj.mkdir()
    path = f"{default_path()}:{private}/bin:{sysgo.parent}"
    env = {"PATH": path, "GOVER_VERSION": "system"}
    assert run.both(proj, env) == Outcome(f"system:{sysgo}", ())


# ---- the system go and the shims dir on PATH -------------------------------------------------


@pytest.fixture
def system_go(tmp_path: Path) -> Path:
    go = write(tmp_path / "sys bin" / "go", '#!/bin/sh\necho system go "$@"\n')
    go.chmod(0o755)
    return go


def test_system_skips_every_shims_dir(proj: Path, tmp_path: Path, system_go: Path) -> None:
    """Shims on PATH twice, through a symlink, as a lone symlinked or hard-linked copy, and
    another gover's shims dir (marker): never taken for the system go, never recursing."""
    sdir = gover_home() / "shims"
    (tmp_path / "shims-link").symlink_to(sdir)
    (tmp_path / "lone").mkdir()
    (tmp_path / "lone" / "go").symlink_to(sdir / "go")
    (tmp_path / "hard").mkdir()
    os.link(sdir / "go", tmp_path / "hard" / "go")
    other = write(tmp_path / "other gover" / "go", "#!/bin/sh\nexit 99\n")
    other.chmod(0o755)
    write(other.parent / ".gover-shims", "")
    write(proj / ".go-version", "system\n")
    shimmy = [sdir, sdir, tmp_path / "shims-link", tmp_path / "lone", tmp_path / "hard"]
    path = ":".join(str(p) for p in [*shimmy, other.parent])
    assert agree(proj, path=path).out == "no-system-go"
    proc = run_shim(proj, path=path, dryrun=False)
    assert proc.returncode == 127
    assert "no system go found on PATH" in proc.stderr

    path = ":".join(str(p) for p in [*shimmy, other.parent, system_go.parent])
    assert agree(proj, path=path).out == f"system:{system_go}"
    proc = run_shim(proj, path=path, dryrun=False)
    assert (proc.returncode, proc.stdout) == (0, "system go\n")
    # Through the symlinked dir and the hard link, too: same answer, no recursion.
    for shim in (tmp_path / "shims-link" / "go", tmp_path / "hard" / "go"):
        proc = run_shim(proj, path=path, dryrun=False, shim=shim)
        assert (proc.returncode, proc.stdout) == (0, "system go\n")


def test_system_path_spellings(proj: Path, system_go: Path) -> None:
    """PATH entries are taken as written: the shim runs `<entry>/go`; resolve.py reports the
    same file through pathlib (so `dir/` reads `dir/go` there, `dir//go` in the shim)."""
    write(proj / ".go-version", "system\n")
    for entry in (f"{system_go.parent}/", f"{system_go.parent}/.", f"{system_go.parent}//"):
        path = f"{default_path()}:{entry}"
        sh = shim_outcome(proj, path=path)
        py = python_outcome(proj, path=path)
        assert sh.out.startswith("system:") and py.out.startswith("system:")
        assert os.path.samefile(sh.out[7:], py.out[7:])
        assert py.out == f"system:{system_go}"
        assert os.path.normpath(sh.out[7:]) == str(system_go)


def test_not_executable_or_directory_go_is_not_a_system_go(
    proj: Path, tmp_path: Path, system_go: Path
) -> None:
    noexec = write(tmp_path / "noexec" / "go", "#!/bin/sh\n")
    noexec.chmod(0o644)
    (tmp_path / "dirgo" / "go").mkdir(parents=True)
    path = f"{noexec.parent}:{tmp_path / 'dirgo'}:{system_go.parent}"
    assert agree(proj, path=path, env={"GOVER_VERSION": "system"}).out == f"system:{system_go}"


def test_empty_path_entries_mean_the_current_directory(
    proj: Path, system_go: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy2(system_go, proj / "go")
    monkeypatch.chdir(proj)  # resolve.py looks relative to the process's directory
    for path in (f"{default_path()}::{system_go.parent}", f"{default_path()}:", ""):
        sh = shim_outcome(proj, path=path, env={"GOVER_VERSION": "system"})
        py = python_outcome(proj, path=path, env={"GOVER_VERSION": "system"})
        assert sh.out == "system:./go"  # as the shim will exec it: with a slash
        assert py.out == "system:go"  # pathlib's spelling of the same relative path


# ---- where the walk starts: $PWD ---------------------------------------------------------------


def test_working_dir_keeps_a_symlinked_pwd(
    tmp_path: Path, store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The walk goes up the path the user sees ($PWD through a symlink), as Go does."""
    real = tmp_path / "real" / "proj"
    real.mkdir(parents=True)
    real = real.resolve()  # what getcwd() says
    write(tmp_path / "real" / ".go-version", "1.21.0\n")
    write(tmp_path / "logical" / ".go-version", "1.22.9\n")
    (tmp_path / "logical" / "proj").symlink_to(real)
    link = tmp_path / "logical" / "proj"
    assert agree(real, pwd=str(link)).out == goroot("1.22.9")
    monkeypatch.chdir(real)
    monkeypatch.setenv("PWD", str(link))
    monkeypatch.setenv("PATH", default_path())
    assert resolve.working_dir() == link
    assert python_choice(None) == goroot("1.22.9")
    # A stale $PWD (another directory) is not believed, by either side.
    monkeypatch.setenv("PWD", str(tmp_path))
    assert resolve.working_dir() == real
    assert python_choice(None) == goroot("1.21.0")
    assert shim_outcome(real, pwd=str(tmp_path)).out == goroot("1.21.0")


@pytest.mark.parametrize("spelling", ["{d}/", "{d}/.", "{d}/./", "/{d}", "{d}//", "{p}/./m"])
def test_pwd_spellings_walk_the_same_directories(
    proj: Path, spelling: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A $PWD with a trailing slash, "." parts or doubled slashes (sh keeps them as given):
    the shim used to search for a go.work starting in the module's own directory."""
    write(proj / "go.work", "go 1.21\nuse ./m\n")
    m = proj / "m"
    write(m / "go.work", "// not pinned\n")
    write(m / "go.mod", "module m\ngo 1.22\n")
    pwd = spelling.format(d=m, p=proj)
    assert agree(m, pwd=pwd) == agree(m) == Outcome(goroot("1.21.13"), ())
    monkeypatch.chdir(m)
    monkeypatch.setenv("PWD", pwd)
    monkeypatch.setenv("PATH", default_path())
    assert python_choice(None) == goroot("1.21.13")


def test_pwd_with_dotdot_is_walked_as_written(proj: Path) -> None:
    """`..` stays as written on both sides (pathlib keeps it; cleaning it lexically would be
    wrong through symlinks): from a/b/.. the walk visits a, then a/b, then proj."""
    (proj / "a" / "b").mkdir(parents=True)
    write(proj / ".go-version", "1.22.9\n")
    write(proj / "a" / "b" / ".go-version", "1.21.0\n")
    assert agree(proj / "a", pwd=f"{proj}/a/b/..").out == goroot("1.21.0")


# ---- the shim starts no process -------------------------------------------------------------


@pytest.mark.parametrize("sh", ["native", "bash", "dash"])
def test_shim_resolves_without_starting_a_process(
    proj: Path, system_go: Path, sh: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The native shim starts nothing. The sh shim: bash (sh on many systems) has a bounded
    read: the shim starts nothing. dash has none, so it asks wc(1) the size of each project
    version file it reads (gover's own alias and global files excepted): that and nothing
    else."""
    run_by = sh_shims(sh if sh == "native" else f"/bin/{sh}", monkeypatch)
    strace = shutil.which("strace")
    assert strace is not None, "strace is needed (apt-get install strace)"
    write(proj / "go.work", "go 1.21\n")
    write(proj / "m" / "go.mod", "go 1.22\ntoolchain go1.22.9\n")
    write(proj / "m" / "x" / ".go-version", "bad $(x)\n")
    write(gover_home() / "global", "1.22.9\n")
    log = proj.parent / "strace.log"
    cwd = proj / "m" / "x"
    for env, files in (({}, 2), ({"GOVER_VERSION": "system"}, 0)):
        proc = run_shim(
            cwd,
            env=env,
            path=f"{default_path()}:{system_go.parent}",
            prefix=[strace, "-f", "-qq", "-e", "trace=execve", "-o", str(log), *run_by],
        )
        assert proc.returncode == 0, proc.stderr
        calls = [line for line in log.read_text().splitlines() if "execve(" in line]
        first = calls[0].split('"')[1]
        assert first.endswith("/shims/go" if sh == "native" else sh), calls  # shim or shell
        others = [c.split('"')[1] for c in calls[1:]]
        assert others == (["/usr/bin/wc"] * files if sh == "dash" else []), others
        want = f"system:{system_go}" if env else goroot("1.21.13")  # go.work above governs
        assert proc.stdout.strip() == want
    # Outside any project the global file is read, gover's own: no process either.
    proc = run_shim(
        proj.parent,
        path=default_path(),
        prefix=[strace, "-f", "-qq", "-e", "trace=execve", "-o", str(log), *run_by],
    )
    assert proc.stdout.strip() == goroot("1.22.9")
    assert len([line for line in log.read_text().splitlines() if "execve(" in line]) == 1
