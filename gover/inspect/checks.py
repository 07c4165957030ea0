"""`gover verify`: binaries against the expected Go, go.mod/go.work against the selected Go.

Pure decisions over data from buildinfo.py and resolve.py; the CLI renders the results.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from gover.errors import BuildInfoError, NotInstalledError, UsageError, io_error
from gover.inspect import buildinfo
from gover.select import gomod, resolve
from gover.versions import GoVersion, VersionRequest


@dataclass(frozen=True)
class Expectation:
    """What binaries should have been built with, and why."""

    request: VersionRequest
    label: str  # "go1.22.10"
    source: str  # "set by /repo/.go-version", "from --expect"


@dataclass(frozen=True)
class BinaryResult:
    path: Path
    built_with: str | None  # "go1.22.5" (experiments dropped), None on error
    ok: bool
    error: str | None = None

    def line(self, expect: Expectation, shown: str) -> str:
        if self.error is not None:
            return self.error
        if self.ok:
            return f"{shown}: built with {self.built_with}, as expected"
        return f"{shown}: built with {self.built_with}, expected {expect.label} ({expect.source})"


def toolchain_version(go_binary: Path) -> GoVersion:
    """The version of a go command, from its own build info (no process)."""
    return GoVersion.parse(buildinfo.toolchain_of(buildinfo.read_go_version(go_binary)))


def expectation(expect: str | None, cwd: Path | None = None) -> Expectation:
    if expect is not None:
        request = VersionRequest.parse(expect)
        label = f"go{request.text.removeprefix('go')}" if request.kind != "latest" else expect
        return Expectation(request, label, "from --expect")
    sel = resolve.select(cwd)
    if sel.name is not None:
        version = GoVersion.parse(sel.name)
    else:
        assert sel.system is not None
        try:
            version = toolchain_version(sel.system)
        except BuildInfoError as exc:
            raise NotInstalledError(
                f"cannot tell the version of the system go {sel.system}: {exc}",
                "pass --expect VERSION",
            ) from exc
    return Expectation(VersionRequest("exact", version.name, version), version.tag, sel.source)


def _result(path: Path, go_version: str, expect: Expectation) -> BinaryResult:
    toolchain = buildinfo.toolchain_of(go_version)
    version = GoVersion.try_parse(toolchain)  # None for a devel toolchain
    ok = version is not None and expect.request.matches(version, unstable=True)
    return BinaryResult(path, toolchain or "(unknown)", ok)


def check_binary(path: Path, expect: Expectation) -> BinaryResult:
    """A binary the user named (a symlink to it is followed): any failure is reported."""
    try:
        go_version = buildinfo.read_go_version(path)
    except BuildInfoError as exc:
        return BinaryResult(path, None, False, str(exc))
    return _result(path, go_version, expect)


def _regular_files(root: Path) -> Iterator[Path]:
    """Regular files under `root`, depth first in name order (a directory's files before its
    subdirectories), without recursion (any depth). Decided from the directory entry's lstat
    type, so a FIFO, device or socket is never opened; symlinks (to files or directories, in
    the tree or out of it) are never followed: they are skipped."""
    stack = [root]
    while stack:
        current = stack.pop()
        try:
            with os.scandir(current) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            continue  # unreadable or vanished: nothing to scan there
        subdirs: list[Path] = []
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name not in (".git", "node_modules"):
                        subdirs.append(Path(entry.path))
                elif entry.is_file(follow_symlinks=False):
                    yield Path(entry.path)
            except OSError:
                continue
        stack.extend(reversed(subdirs))


def scan_tree(root: Path, expect: Expectation) -> Iterator[BinaryResult]:
    """Go executables under `root`; files that are not Go executables are skipped silently,
    a Go executable whose build info does not parse is reported. Each file is opened once,
    non-blocking and without following a link (swapped in since the scan: refused)."""
    for path in _regular_files(root):
        try:
            go_version = buildinfo.read_go_version(path, follow_symlinks=False)
        except buildinfo.ModinfoError as exc:
            yield BinaryResult(path, None, False, str(exc))
            continue
        except BuildInfoError:
            continue
        yield _result(path, go_version, expect)


def check_binaries(targets: list[Path], expect: Expectation, recursive: bool) -> list[BinaryResult]:
    results: list[BinaryResult] = []
    for target in targets:
        if target.is_dir():  # a named directory may be a symlink: the user chose it
            if not recursive:
                results.append(
                    BinaryResult(target, None, False, f"{target}: is a directory (use --recursive)")
                )
                continue
            results.extend(scan_tree(target, expect))
        else:
            results.append(check_binary(target, expect))
    return results


# ---- go.mod / go.work: read by gomod.py, the reader resolution uses -----------------------


ModFile = gomod.ModFile


def parse_modfile(path: Path) -> ModFile:
    """`path`'s go and toolchain lines within the first gomod.LIMIT bytes, as the resolver
    and the shims read them."""
    try:  # non-blocking, regular files only, bounded: a FIFO or /dev/zero never hangs
        return gomod.read(path)
    except OSError as exc:
        raise io_error("read", path, exc, kind=UsageError) from None


def find_modfile(cwd: Path) -> Path | None:
    return gomod.find(cwd)


@dataclass(frozen=True)
class GomodResult:
    mod: ModFile
    selected: GoVersion | None  # None when no installed Go satisfies the selection
    source: str
    problems: tuple[str, ...]


def _file_problems(mod: ModFile, selected: GoVersion, source: str) -> list[str]:
    path = mod.path
    problems: list[str] = []
    if mod.go is not None:
        need = mod.go_pin
        if need is None:
            problems.append(f"{path}: go line {mod.go!r} is not a Go version")
        elif need.version is not None and selected < need.version:
            problems.append(
                f"{path}: requires go >= {mod.go} but the selected Go is {selected.tag} "
                f"({source}); it cannot build this module; run: gover install {mod.go}"
            )
    if mod.toolchain is not None:
        want = mod.toolchain_pin
        if want is None or want.version is None:
            problems.append(f"{path}: toolchain line {mod.toolchain!r} is not a Go toolchain name")
        elif want.version != selected:
            problems.append(
                f"{path}: toolchain {mod.toolchain} but the selected Go is {selected.tag} "
                f"({source}); run: gover install {want.text} (or update the toolchain line)"
            )
    if mod.go is None and mod.toolchain is None and mod.truncated:
        problems.append(
            f"{path}: no go or toolchain line in the first {gomod.LIMIT} bytes, which is all "
            f"gover reads, so it does not pin the Go here (selected: {selected.tag}, {source}); "
            "move the go line to the top"
        )
    return problems


def check_gomod(cwd: Path | None = None) -> GomodResult:
    here = cwd if cwd is not None else resolve.working_dir()
    path = find_modfile(here)
    if path is None:
        raise UsageError(f"no go.mod or go.work in {here} or above", "run it inside a module")
    mod = parse_modfile(path)
    try:
        expect = expectation(None, here)
    except NotInstalledError as exc:  # nothing installed can build it: a mismatch, not a crash
        return GomodResult(mod, None, "", (f"{path}: {exc}",))
    assert expect.request.version is not None
    selected = expect.request.version
    problems = _file_problems(mod, selected, expect.source)
    return GomodResult(mod, selected, expect.source, tuple(problems))
