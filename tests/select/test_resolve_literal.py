"""The precedence rules of README.md's "Choosing the Go version", as a table written by hand.

test_resolve.py, test_shim_parity.py and test_hooks.py hold every reader to resolve.py; if
resolve.py itself got a rule wrong they would all agree on the wrong answer. Here each row
says literally which files lie where, what is installed, what the global file and the
environment say, and which version (and which source text) must come out, as the README
words the rules. Nothing expected is computed by gover code.

Every row is checked against every reader there is: the real CLI (`gover current`, `gover
which go`), the real native shim and the sh shim under /bin/dash and /bin/bash (its GOVER_SHIM_DRYRUN answer, and
its exit-127 line when the choice is not installed), and the real bash, zsh and fish hooks
(one shell process per world and shell, all rows in it). Each row has its own tree, so one
row's files never leak into another's walk.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict, Unpack

import pytest

from gover.select import shims
from gover.select.hooks import render_hook
from gover.select.shells import fish_quote, sh_quote
from tests.support import fakego
from tests.support.cli import REPO
from tests.support.fakego import environ
from tests.support.shells import need

# ---- the worlds: what is installed, the global file, whether a system go is on PATH ----------

MANY = ("1.20.3", "1.20.14", "1.21.0", "1.21.13", "1.22.9", "1.22.10", "1.23.2", "1.24rc1")


@dataclass(frozen=True)
class World:
    installed: tuple[str, ...]
    global_file: str | None  # content of $GOVER_HOME/global, None: no such file
    system_go: bool  # a go that is not a shim on PATH (after the shims)


WORLDS = {
    # The global file holds only a comment: it pins nothing, so the system go is the default.
    "main": World(MANY, "# no default here\n\n", True),
    "global": World(MANY, "1.21\n", True),
    # Stable releases only (so "the newest installed release" has one meaning), no system go.
    "stable": World(("1.21.0", "1.22.9"), None, False),
}

# ---- the rows -------------------------------------------------------------------------------
# {tree} is the row's own project tree (the cwd is relative to it), {home} is GOVER_HOME.

GOVER_SHELL = "set by GOVER_VERSION (gover shell)"
DEFAULT = "no version file found; using the system go"


@dataclass(frozen=True)
class Row:
    id: str
    files: dict[str, str | bytes]
    src: str  # the source text `gover current` gives in parentheses
    want: str = ""  # the installed version chosen, or "system"
    missing: str = ""  # the token asked for, when it is not installed
    line: str = ""  # the one-line error (after "gover: ") when nothing can run
    cwd: str = ""
    env: dict[str, str] = field(default_factory=dict)
    world: str = "main"


class Where(TypedDict, total=False):
    cwd: str
    env: dict[str, str]
    world: str


def pick(id: str, files: dict[str, str | bytes], want: str, src: str, **kw: Unpack[Where]) -> Row:
    return Row(id, files, src, want=want, **kw)


def missing(
    id: str, files: dict[str, str | bytes], token: str, src: str, line: str, **kw: Unpack[Where]
) -> Row:
    return Row(id, files, src, missing=token, line=line, **kw)


def no_system(
    id: str, files: dict[str, str | bytes], src: str, line: str, **kw: Unpack[Where]
) -> Row:
    return Row(id, files, src, want="no-system-go", line=line, **kw)


GV = "set by {tree}/.go-version"
MOD_GO = "from the go line in {tree}/go.mod"
WORK_GO = "from the go line in {tree}/go.work"

ROWS = [
    # .go-version: exact names, prefixes, latest, pre-releases, system.
    pick("gv-exact", {".go-version": "1.22.9\n"}, "1.22.9", GV),
    pick("gv-prefix-minor", {".go-version": "1.22\n"}, "1.22.10", GV),
    pick("gv-prefix-major-stable", {".go-version": "1\n"}, "1.23.2", GV),
    pick("gv-latest-stable", {".go-version": "latest\n"}, "1.23.2", GV),
    pick("gv-prerelease-exact", {".go-version": "1.24rc1\n"}, "1.24rc1", GV),
    missing(
        "gv-prefix-only-a-prerelease",
        {".go-version": "1.24\n"},
        "1.24",
        GV,
        "go 1.24 (set by {tree}/.go-version) is not installed; run: gover install 1.24",
    ),
    missing(
        "gv-not-installed",
        {".go-version": "1.22.3\n"},
        "1.22.3",
        GV,
        "go 1.22.3 (set by {tree}/.go-version) is not installed; run: gover install 1.22.3",
    ),
    missing(
        "gv-prerelease-not-installed",
        {".go-version": "1.24rc2\n"},
        "1.24rc2",
        GV,
        "go 1.24rc2 (set by {tree}/.go-version) is not installed; run: gover install 1.24rc2",
    ),
    pick("gv-prefix-pre-1.21", {".go-version": "1.20\n"}, "1.20.14", GV),
    pick("gv-system", {".go-version": "system\n"}, "system", GV),
    # Reading: comments, the first word, BOM, CRLF, no final newline.
    pick("gv-comment-first", {".go-version": "# pinned for CI\n\n1.21.0\n"}, "1.21.0", GV),
    pick("gv-first-word", {".go-version": "  1.21.13   # LTS-ish\n1.22.9\n"}, "1.21.13", GV),
    pick("gv-bom-crlf", {".go-version": b"\xef\xbb\xbf1.22.9\r\n"}, "1.22.9", GV),
    pick("gv-no-final-newline", {".go-version": "1.21.0"}, "1.21.0", GV),
    # Empty and comment-only files pin nothing: the walk goes on upward.
    pick(
        "gv-empty-walks-up",
        {"a/.go-version": "", ".go-version": "1.21.0\n"},
        "1.21.0",
        GV,
        cwd="a",
    ),
    pick(
        "gv-comment-only-walks-up",
        {"a/.go-version": "# nothing yet\n\n   \n", ".go-version": "1.22\n"},
        "1.22.10",
        GV,
        cwd="a",
    ),
    # The nearest directory with a pin wins, whichever kind of file it is.
    pick(
        "nearest-deep",
        {".go-version": "1.21.0\n", "a/b/.go-version": "1.22.9\n", "a/b/c/README": "x\n"},
        "1.22.9",
        "set by {tree}/a/b/.go-version",
        cwd="a/b/c",
    ),
    pick(
        "nearest-gomod-beats-parent-go-version",
        {".go-version": "1.21.0\n", "a/go.mod": "module m\n\ngo 1.22.1\n"},
        "1.22.10",
        "from the go line in {tree}/a/go.mod",
        cwd="a",
    ),
    # Within one directory: .go-version > .tool-versions > go.work > go.mod.
    pick(
        "order-go-version-first",
        {
            ".go-version": "1.21.0\n",
            ".tool-versions": "golang 1.22.9\n",
            "go.work": "go 1.20\n",
            "go.mod": "module m\n\ngo 1.23.0\n",
        },
        "1.21.0",
        GV,
    ),
    pick(
        "order-tool-versions-second",
        {
            ".tool-versions": "nodejs 20.11.0\ngolang 1.22.9\n",
            "go.work": "go 1.21.0\n",
            "go.mod": "module m\n\ngo 1.20\n",
        },
        "1.22.9",
        "set by {tree}/.tool-versions",
    ),
    pick(
        "tool-versions-go-name",
        {".tool-versions": "go 1.21.0\n"},
        "1.21.0",
        "set by {tree}/.tool-versions",
    ),
    pick(
        "tool-versions-crlf",
        {".tool-versions": b"python 3.12.1\r\ngolang 1.22\r\n"},
        "1.22.10",
        "set by {tree}/.tool-versions",
    ),
    pick(
        "tool-versions-without-go",
        {".tool-versions": "nodejs 20.11.0\npython 3.12.1\n", "go.mod": "module m\n\ngo 1.21.0\n"},
        "1.21.13",
        MOD_GO,
    ),
    pick(
        "tool-versions-tab-and-fallbacks",
        {".tool-versions": "golang\t1.22.9 1.21.0\n"},
        "1.22.9",
        "set by {tree}/.tool-versions",
    ),
    pick(
        "tool-versions-empty-walks-up",
        {"a/.tool-versions": "", ".tool-versions": "golang 1.21.0\n"},
        "1.21.0",
        "set by {tree}/.tool-versions",
        cwd="a",
    ),
    pick(
        "order-go-work-over-go-mod",
        {"go.work": "go 1.22.0\n\nuse .\n", "go.mod": "module m\n\ngo 1.21.0\n"},
        "1.22.10",
        WORK_GO,
    ),
    # go.mod: toolchain exact, go line minimum.
    pick(
        "mod-toolchain-exact",
        {"go.mod": "module m\n\ngo 1.21.0\n\ntoolchain go1.21.0\n"},
        "1.21.0",
        "from the toolchain line in {tree}/go.mod",
    ),
    pick("mod-go-min-same-minor", {"go.mod": "module m\n\ngo 1.22.3\n"}, "1.22.10", MOD_GO),
    pick("mod-go-min-newest-not-exact", {"go.mod": "module m\n\ngo 1.22.9\n"}, "1.22.10", MOD_GO),
    pick("mod-go-language-version", {"go.mod": "module m\n\ngo 1.21\n"}, "1.21.13", MOD_GO),
    pick("mod-go-pre-1.21", {"go.mod": "module m\n\ngo 1.20\n"}, "1.20.14", MOD_GO),
    missing(
        "mod-toolchain-not-installed",
        {"go.mod": "module m\n\ngo 1.22.0\n\ntoolchain go1.22.3\n"},
        "1.22.3",
        "from the toolchain line in {tree}/go.mod",
        "go 1.22.3 (from the toolchain line in {tree}/go.mod) is not installed;"
        " run: gover install 1.22.3",
    ),
    pick(
        "mod-toolchain-default-ignored",
        {"go.mod": "module m\n\ngo 1.22.3\n\ntoolchain default\n"},
        "1.22.10",
        MOD_GO,
    ),
    pick(
        "mod-toolchain-default-only-walks-up",
        {".go-version": "1.21.0\n", "a/go.mod": "module m\n\ntoolchain default\n"},
        "1.21.0",
        GV,
        cwd="a",
    ),
    pick(
        "mod-without-go-line-walks-up",
        {"go.mod": "module top\n\ngo 1.20\n", "a/go.mod": "// no go line\nmodule m\n"},
        "1.20.14",
        MOD_GO,
        cwd="a",
    ),
    pick(
        "mod-toolchain-pre-1.21-is-a-prefix",
        {"go.mod": "module m\n\ngo 1.20\n\ntoolchain go1.20\n"},
        "1.20.14",
        "from the toolchain line in {tree}/go.mod",
    ),
    pick(
        "mod-toolchain-prerelease",
        {"go.mod": "module m\n\ngo 1.23.0\n\ntoolchain go1.24rc1\n"},
        "1.24rc1",
        "from the toolchain line in {tree}/go.mod",
    ),
    pick("mod-go-line-prerelease", {"go.mod": "module m\n\ngo 1.24rc1\n"}, "1.24rc1", MOD_GO),
    pick(
        "mod-go-line-prerelease-below-a-release",
        {"go.mod": "module m\n\ngo 1.21rc1\n"},
        "1.21.13",
        MOD_GO,
    ),
    pick(
        "mod-bom-crlf",
        {"go.mod": b"\xef\xbb\xbfmodule m\r\n\r\ngo 1.21.0\r\n\r\ntoolchain go1.21.0\r\n"},
        "1.21.0",
        "from the toolchain line in {tree}/go.mod",
    ),
    # go.work governs every go.mod below it, unless GOWORK=off; GOWORK=FILE is not followed.
    pick(
        "work-governs-mod-below",
        {
            "go.work": "go 1.22.1\n\nuse ./svc\n",
            "svc/go.mod": "module s\n\ngo 1.21.0\n",
            "svc/cmd/main.go": "package main\n",
        },
        "1.22.10",
        WORK_GO,
        cwd="svc/cmd",
    ),
    pick(
        "work-toolchain-governs-mod-toolchain",
        {
            "go.work": "go 1.21.0\n\ntoolchain go1.22.9\n\nuse ./svc\n",
            "svc/go.mod": "module s\n\ngo 1.21.0\n\ntoolchain go1.21.0\n",
        },
        "1.22.9",
        "from the toolchain line in {tree}/go.work",
        cwd="svc",
    ),
    pick(
        "gowork-off-below",
        {"go.work": "go 1.22.1\n\nuse ./svc\n", "svc/go.mod": "module s\n\ngo 1.21.0\n"},
        "1.21.13",
        "from the go line in {tree}/svc/go.mod",
        cwd="svc",
        env={"GOWORK": "off"},
    ),
    pick(
        "gowork-off-same-dir",
        {"go.work": "go 1.22.1\n", "go.mod": "module m\n\ngo 1.20\n"},
        "1.20.14",
        MOD_GO,
        env={"GOWORK": "off"},
    ),
    pick(
        "gowork-file-not-followed",
        {
            "go.work": "go 1.22.1\n\nuse ./svc\n",
            "svc/go.mod": "module s\n\ngo 1.21.0\n",
            "other/go.work": "go 1.20\n\ntoolchain go1.20.3\n",
        },
        "1.22.10",
        WORK_GO,
        cwd="svc",
        env={"GOWORK": "{tree}/other/go.work"},
    ),
    pick(
        "nested-go-work-nearest-governs",
        {
            "go.work": "go 1.20\n\ntoolchain go1.20.3\n",
            "inner/go.work": "go 1.22.1\n\nuse ./m\n",
            "inner/m/go.mod": "module m\n\ngo 1.21.0\n",
        },
        "1.22.10",
        "from the go line in {tree}/inner/go.work",
        cwd="inner/m",
    ),
    pick(
        "work-governs-mod-over-parent-tool-versions",
        {
            ".tool-versions": "golang 1.21.0\n",
            "go.work": "go 1.22.1\n\nuse ./svc\n",
            "svc/go.mod": "module s\n\ngo 1.20\n",
        },
        "1.22.10",
        WORK_GO,
        cwd="svc",
    ),
    pick(
        "gowork-off-skips-a-go-work-only-dir",
        {".go-version": "1.21.0\n", "a/go.work": "go 1.22.1\n"},
        "1.21.0",
        GV,
        cwd="a",
        env={"GOWORK": "off"},
    ),
    pick(
        "go-version-below-work-wins",
        {
            "go.work": "go 1.22.1\n\nuse ./svc\n",
            "svc/.go-version": "1.21.0\n",
            "svc/go.mod": "module s\n\ngo 1.21.0\n",
        },
        "1.21.0",
        "set by {tree}/svc/.go-version",
        cwd="svc",
    ),
    # GOVER_VERSION beats every file.
    pick(
        "env-beats-go-version",
        {".go-version": "1.22.9\n"},
        "1.21.0",
        GOVER_SHELL,
        env={"GOVER_VERSION": "1.21.0"},
    ),
    pick(
        "env-prefix-beats-toolchain",
        {"go.mod": "module m\n\ngo 1.21.0\n\ntoolchain go1.21.0\n"},
        "1.22.10",
        GOVER_SHELL,
        env={"GOVER_VERSION": "1.22"},
    ),
    pick(
        "env-system",
        {".go-version": "1.22.9\n"},
        "system",
        GOVER_SHELL,
        env={"GOVER_VERSION": "system"},
    ),
    missing(
        "env-not-installed",
        {".go-version": "1.22.9\n"},
        "1.19.13",
        GOVER_SHELL,
        "go 1.19.13 (set by GOVER_VERSION (gover shell)) is not installed;"
        " run: gover install 1.19.13",
        env={"GOVER_VERSION": "1.19.13"},
    ),
    # No pin: the global file (here: comment-only, so skipped), then the system go.
    pick("no-pin-system", {"README": "no pins here\n"}, "system", DEFAULT),
    # A real global file.
    pick("global-prefix", {}, "1.21.13", "global default in {home}/global", world="global"),
    pick(
        "global-after-empty-file",
        {"a/.go-version": ""},
        "1.21.13",
        "global default in {home}/global",
        cwd="a",
        world="global",
    ),
    pick("global-loses-to-pin", {".go-version": "1.22.9\n"}, "1.22.9", GV, world="global"),
    pick(
        "global-loses-to-go-mod",
        {"go.mod": "module m\n\ngo 1.20\n"},
        "1.20.14",
        MOD_GO,
        world="global",
    ),
    # Only 1.21.0 and 1.22.9 installed, no system go.
    missing(
        "min-never-older",
        {"go.mod": "module m\n\ngo 1.22.10\n"},
        "1.22.10",
        MOD_GO,
        "go 1.22.10 or newer (from the go line in {tree}/go.mod) is not installed;"
        " run: gover install 1.22",
        world="stable",
    ),
    pick(
        "min-newest-of-another-minor",
        {"go.mod": "module m\n\ngo 1.21.5\n"},
        "1.22.9",
        MOD_GO,
        world="stable",
    ),
    missing(
        "min-newer-minor-not-installed",
        {"go.mod": "module m\n\ngo 1.23.0\n"},
        "1.23.0",
        MOD_GO,
        "go 1.23.0 or newer (from the go line in {tree}/go.mod) is not installed;"
        " run: gover install 1.23",
        world="stable",
    ),
    missing(
        "prefix-no-match",
        {".go-version": "1.23\n"},
        "1.23",
        GV,
        "go 1.23 (set by {tree}/.go-version) is not installed; run: gover install 1.23",
        world="stable",
    ),
    no_system(
        "no-pin-no-system-go",
        {},
        DEFAULT,
        "no system go found on PATH (no version file found; using the system go);"
        " run: gover install latest && gover global latest",
        world="stable",
    ),
    no_system(
        "system-pin-no-system-go",
        {".go-version": "system\n"},
        GV,
        "no system go found on PATH (set by {tree}/.go-version);"
        " run: gover install latest && gover global latest",
        world="stable",
    ),
]

READERS = (
    "current",
    "which",
    "shim-native",
    "shim-dash",
    "shim-bash",
    "hook-bash",
    "hook-zsh",
    "hook-fish",
)
SHIM_KINDS = ("native", "dash", "bash")  # the native shim, the sh shim under dash and bash

# ---- building the worlds and trees ----------------------------------------------------------


@dataclass
class Built:
    root: Path
    homes: dict[str, Path] = field(default_factory=dict)
    paths: dict[str, str] = field(default_factory=dict)  # world → PATH
    sysgo: Path = Path()

    def tree(self, row: Row) -> Path:
        return self.root / "trees" / row.world / row.id

    def cwd(self, row: Row) -> Path:
        return self.tree(row) / row.cwd if row.cwd else self.tree(row)

    def fill(self, row: Row, text: str) -> str:
        return text.replace("{tree}", str(self.tree(row))).replace(
            "{home}", str(self.homes[row.world])
        )

    def env(self, row: Row) -> dict[str, str]:
        return {k: self.fill(row, v) for k, v in row.env.items()}

    def base_env(self, world: str) -> dict[str, str]:
        home = self.root / "user home"
        return {
            "PATH": self.paths[world],
            "HOME": str(home),
            "GOVER_HOME": str(self.homes[world]),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "XDG_DATA_HOME": str(home / ".local" / "share"),
            "LANG": "C.UTF-8",
            "TERM": "dumb",
        }


def build(root: Path) -> Built:
    # A space in every path: the project trees, GOVER_HOME and the system go's directory.
    b = Built(root / "literal tables")
    sysbin = b.root / "system go" / "bin"
    sysbin.mkdir(parents=True)
    b.sysgo = sysbin / "go"
    b.sysgo.write_text("#!/bin/sh\necho system go\n")
    b.sysgo.chmod(0o755)
    (b.root / "user home").mkdir()
    for name, world in WORLDS.items():
        home = b.root / f"gover home {name}"
        b.homes[name] = home
        with environ({"GOVER_HOME": str(home)}):
            for version in world.installed:
                fakego.fake_install(version)
            assert shims.rehash(auto_install=False).kind == "native"
            # The sh shim, beside the native ones (shims/go is native: the same choice).
            sh_shim = home / "sh-shims" / "go"
            sh_shim.parent.mkdir()
            sh_shim.write_text(shims.render_shim("go", False))
            if world.global_file is not None:
                (home / "global").write_text(world.global_file)
            for shell in ("bash", "zsh", "fish"):
                hook = b.root / f"hook-{name}.{shell}"
                hook.write_text(render_hook(shell) + "\n", encoding="utf-8")
        b.paths[name] = str(home / "shims") + (f":{sysbin}" if world.system_go else "")
    for row in ROWS:
        tree = b.tree(row)
        tree.mkdir(parents=True)
        for rel, content in row.files.items():
            path = tree / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content.encode() if isinstance(content, str) else content)
        b.cwd(row).mkdir(parents=True, exist_ok=True)
    return b


# ---- running the readers ----------------------------------------------------------------------

Seen = tuple[int, str, str]  # exit status, stdout, stderr


def run(argv: list[str], cwd: Path | str, env: dict[str, str], timeout: float = 60) -> Seen:
    proc = subprocess.run(
        argv,
        cwd=cwd,
        env=env,
        capture_output=True,
        encoding="utf-8",
        errors="backslashreplace",
        timeout=timeout,
        check=False,
    )
    return proc.returncode, proc.stdout, proc.stderr


def cli(b: Built, row: Row, *args: str) -> Seen:
    env = {**b.base_env(row.world), **b.env(row), "PWD": str(b.cwd(row)), "PYTHONPATH": str(REPO)}
    return run([sys.executable, "-m", "gover", *args], b.cwd(row), env)


def shim(b: Built, row: Row, sh: str, dryrun: bool) -> Seen:
    """The native shim (sh == "native"), or the sh shim run by /bin/<sh>."""
    env = {**b.base_env(row.world), **b.env(row), "PWD": str(b.cwd(row))}
    if dryrun:
        env["GOVER_SHIM_DRYRUN"] = "1"
    home = b.homes[row.world]
    if sh == "native":
        return run([str(home / "shims" / "go")], b.cwd(row), env)
    return run([f"/bin/{sh}", str(home / "sh-shims" / "go")], b.cwd(row), env)


ENV_KEYS = ("GOVER_VERSION", "GOWORK")


def hook_script(shell: str, hook: Path, b: Built, rows: list[Row]) -> str:
    """For each row: a marker on stderr, its environment, cd, a prompt, then one line:
    choice | GOROOT | first PATH entry | GOTOOLCHAIN."""
    if shell == "fish":
        lines = [f"source {fish_quote(str(hook))}"]
    elif shell == "bash":
        lines = ["set -euo pipefail", f"source {sh_quote(str(hook))}"]
    else:
        lines = ["setopt nounset err_exit pipe_fail", f"source {sh_quote(str(hook))}"]
    for i, row in enumerate(rows):
        env = b.env(row)
        if shell == "fish":
            lines.append(f"printf '@@%s\\n' {i} >&2")
            for key in ENV_KEYS:
                lines.append(
                    f"set -gx {key} {fish_quote(env[key])}" if key in env else f"set -e {key}"
                )
            lines += [
                f"cd {fish_quote(str(b.cwd(row)))}",
                "emit fish_prompt",
                "set -l gr '<unset>'; set -q GOROOT; and set gr $GOROOT",
                "set -l tc '<unset>'; set -q GOTOOLCHAIN; and set tc $GOTOOLCHAIN",
                'printf \'%s|%s|%s|%s\\n\' "$__gv_hook_choice" "$gr" "$PATH[1]" "$tc"',
            ]
            continue
        lines.append(f"printf '@@%s\\n' {i} >&2")
        for key in ENV_KEYS:
            lines.append(f"export {key}={sh_quote(env[key])}" if key in env else f"unset {key}")
        lines.append(f"cd -- {sh_quote(str(b.cwd(row)))}")
        if shell == "bash":
            lines.append('eval "$PROMPT_COMMAND"')
        else:
            lines.append('for f in "${precmd_functions[@]}"; do "$f"; done')
        lines.append(
            'printf \'%s|%s|%s|%s\\n\' "$_gv_hook_choice" "${GOROOT-<unset>}" "${PATH%%:*}"'
            ' "${GOTOOLCHAIN-<unset>}"'
        )
    return "\n".join(lines) + "\n"


ARGV = {"bash": ["--norc", "--noprofile"], "zsh": ["-f"], "fish": ["--no-config"]}


def hooks(b: Built, world: str, shell: str) -> dict[str, Seen]:
    """One shell over every row of `world`: per row, its output line and its stderr lines."""
    rows = [row for row in ROWS if row.world == world]
    hook = b.root / f"hook-{world}.{shell}"
    script = b.root / f"run-{world}.{shell}"
    script.write_text(hook_script(shell, hook, b, rows), encoding="utf-8")
    code, out, err = run([need(shell), *ARGV[shell], str(script)], "/", b.base_env(world), 120)
    assert code == 0, err
    per_row: dict[int, list[str]] = {}
    current = -1
    for line in err.splitlines():
        if line.startswith("@@"):
            current = int(line[2:])
            per_row[current] = []
        else:
            per_row.setdefault(current, []).append(line)
    assert per_row.get(-1, []) == [], err
    outs = out.splitlines()
    assert len(outs) == len(rows), out
    return {
        row.id: (0, outs[i], "".join(f"{e}\n" for e in per_row.get(i, [])))
        for i, row in enumerate(rows)
    }


@dataclass
class Observed:
    built: Built
    seen: dict[tuple[str, str], Seen]
    shim_real: dict[tuple[str, str], Seen]


@pytest.fixture(scope="module")
def observed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Observed]:
    for shell in ("bash", "zsh", "fish"):
        need(shell)
    b = build(tmp_path_factory.mktemp("resolve-literal"))
    jobs: dict[tuple[str, str], Future[Seen]] = {}
    real: dict[tuple[str, str], Future[Seen]] = {}
    with ThreadPoolExecutor(max_workers=4) as pool:
        hook_jobs = {
            (world, shell): pool.submit(hooks, b, world, shell)
            for world in WORLDS
            for shell in ("bash", "zsh", "fish")
        }
        for row in ROWS:
            jobs[row.id, "current"] = pool.submit(cli, b, row, "current")
            jobs[row.id, "which"] = pool.submit(cli, b, row, "which", "go")
            for sh in SHIM_KINDS:
                jobs[row.id, f"shim-{sh}"] = pool.submit(shim, b, row, sh, True)
                if row.line:
                    real[row.id, sh] = pool.submit(shim, b, row, sh, False)
        seen = {key: job.result() for key, job in jobs.items()}
        for (_world, shell), job in hook_jobs.items():
            for row_id, got in job.result().items():
                seen[row_id, f"hook-{shell}"] = got
        shim_real = {key: job.result() for key, job in real.items()}
    yield Observed(b, seen, shim_real)


# ---- what each reader must show for a row ---------------------------------------------------


def expected(b: Built, row: Row, reader: str) -> Seen:
    home = b.homes[row.world]
    src = b.fill(row, row.src)
    line = b.fill(row, row.line)
    first_path = b.paths[row.world].split(":")[0]
    if row.missing or row.want == "no-system-go":
        choice = f"not-installed:{row.missing}" if row.missing else "no-system-go"
        # The hooks say nothing when there is no pin and no system go: a normal state.
        warn = "" if row.src == DEFAULT else f"gover: warning: {line}\n"
        return {
            "current": (1, "", f"gover: error: {line}\n"),
            "which": (1, "", f"gover: error: {line}\n"),
            "shim": (0, f"{choice}\n", ""),
            "hook": (0, f"{choice}|<unset>|{first_path}|<unset>", warn),
        }[reader.split("-")[0]]
    if row.want == "system":
        return {
            "current": (0, f"system ({b.sysgo}) ({src})\n", ""),
            "which": (0, f"{b.sysgo}\n", ""),
            "shim": (0, f"system:{b.sysgo}\n", ""),
            "hook": (0, f"system:{b.sysgo}|<unset>|{first_path}|<unset>", ""),
        }[reader.split("-")[0]]
    root = home / "versions" / row.want
    return {
        "current": (0, f"{row.want} ({src})\n", ""),
        "which": (0, f"{root}/bin/go\n", ""),
        "shim": (0, f"{root}\n", ""),
        # The hook never touches PATH (the shims, first on it, choose every go call).
        "hook": (0, f"{root}|{root}|{first_path}|local", ""),
    }[reader.split("-")[0]]


# Rows where a reader disagrees with the README (a bug in that reader): row id → reader → why.
KNOWN: dict[str, dict[str, str]] = {}


def cases() -> Iterator[object]:
    for row in ROWS:
        for reader in READERS:
            why = KNOWN.get(row.id, {}).get(reader)
            marks = [pytest.mark.xfail(strict=True, reason=why)] if why else []
            yield pytest.param(row, reader, id=f"{row.id}-{reader}", marks=marks)


def test_rows_are_distinct() -> None:
    ids = [row.id for row in ROWS]
    assert len(ids) == len(set(ids))
    for row in ROWS:
        assert row.world in WORLDS
        assert bool(row.want) != bool(row.missing), row.id
        assert set(row.env) <= set(ENV_KEYS), row.id


@pytest.mark.parametrize(("row", "reader"), list(cases()))
def test_row(observed: Observed, row: Row, reader: str) -> None:
    got = observed.seen[row.id, reader]
    assert got == expected(observed.built, row, reader)


@pytest.mark.parametrize("sh", SHIM_KINDS)
@pytest.mark.parametrize("row", [row for row in ROWS if row.line], ids=lambda row: row.id)
def test_shim_refuses_with_one_line(observed: Observed, row: Row, sh: str) -> None:
    """Not a dry run: the shim exits 127 with the one line the README shows."""
    line = observed.built.fill(row, row.line)
    assert observed.shim_real[row.id, sh] == (127, "", f"gover: {line}\n")


def test_the_rows_cover_every_source_kind() -> None:
    """Every way a pin can be set appears in the table (so a dropped row is noticed)."""
    texts = {row.src.split(" {")[0] for row in ROWS}
    assert {
        "set by",
        "from the go line in",
        "from the toolchain line in",
        "global default in",
        GOVER_SHELL,
        DEFAULT,
    } <= texts
    assert len(ROWS) >= 40
