"""Which Go built each program in GOBIN, read from the programs' build info.

Only what build info needs is read (gover.inspect.buildinfo: headers and a few small ranges),
no subprocess, no network: 50 programs take milliseconds. The directory may hold anything:
a FIFO, a device or a dangling symlink is skipped with one warning and never opened;
directories and files without an execute bit are not programs and are passed over silently;
a symlink to a program is listed under its own name with its target; an executable that is
not a Go program (a script) is listed with the mark `no-buildinfo`, and one whose build info
is unreadable or corrupt also gets one warning.

Marks (a listing, not a failure):
  other-go        built with a Go other than the selected one
  unsupported-go  built with a Go older than the oldest supported release (Go supports its
                  two newest minors; the newest minor comes from the cached release index,
                  else from the newest installed version: `supported_from` says which)
  no-buildinfo    not a Go program, stripped of its build info, or unreadable
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from gover.config import Config
from gover.errors import BuildInfoError, GoverError, NotExecutableError, NotGoBinaryError
from gover.inspect import buildinfo
from gover.inspect.buildinfo import BuildInfo
from gover.versions import GoVersion

OTHER_GO = "other-go"
UNSUPPORTED_GO = "unsupported-go"
NO_BUILDINFO = "no-buildinfo"
# The marks `gover tools reinstall` acts on by default (and `gover tools --check` fails on).
STALE_MARKS = (OTHER_GO, UNSUPPORTED_GO)


@dataclass(frozen=True)
class Tool:
    name: str
    path: Path  # the entry in GOBIN
    target: Path | None  # where it points, when the entry is a symlink
    go: str | None  # "go1.21.13" (runtime.Version(), experiments included); None: unknown
    package: str | None  # the main package's import path
    module: str | None  # the main module's path
    version: str | None  # the main module's version ("(devel)" for a checkout build)
    replaced: bool  # the main module or a dependency was replaced (built from a checkout)
    settings: tuple[tuple[str, str], ...]
    marks: tuple[str, ...]
    problem: str | None  # why there is no build info (one line), when there is none

    @property
    def stale(self) -> bool:
        return any(m in STALE_MARKS for m in self.marks)

    @property
    def module_version(self) -> str:
        if self.module is None:
            return "-"
        return f"{self.module}@{self.version}" if self.version else self.module


@dataclass(frozen=True)
class Selected:
    """The Go the programs are compared with."""

    version: str | None  # "1.22.10"; None when nothing is selected (or system go unreadable)
    source: str  # why ("set by /repo/.go-version"), or what went wrong
    gover_version: str | None  # the gover version for gobin.bin_dir (None: system go)


@dataclass(frozen=True)
class Scan:
    gobin: Path
    selected: Selected
    oldest_supported: str | None  # "1.23": programs built by an older minor are unsupported
    supported_from: str  # where the newest minor came from
    tools: tuple[Tool, ...]
    warnings: tuple[str, ...]


def selected() -> Selected:
    """The active toolchain (resolve.select); a failure is kept as the source, not raised:
    `gover tools` still lists what is there."""
    from gover.select import resolve

    try:
        sel = resolve.select()
    except GoverError as exc:
        return Selected(None, str(exc), None)
    if sel.name is not None:
        return Selected(sel.name, sel.source, sel.name)
    assert sel.system is not None
    try:  # the system go is itself a Go program: its build info names its version
        version = buildinfo.read_go_version(sel.system)
    except (BuildInfoError, OSError):
        return Selected(None, f"system go {sel.system}: version unknown", None)
    parsed = GoVersion.try_parse(buildinfo.toolchain_of(version))
    name = parsed.name if parsed is not None else None
    return Selected(name, f"system go {sel.system} ({sel.source})", None)


def newest_minor(cfg: Config) -> tuple[GoVersion | None, str]:
    """The newest stable Go minor: from the cached release index (never the network), else
    from the newest installed version; with where it came from."""
    from gover.toolchain import index, store

    try:
        releases = index.cached(cfg)
    except (GoverError, OSError):
        releases = None
    stable = [r.version for r in releases or () if r.stable and r.version.is_release]
    if stable:
        return max(stable), "the cached release index"
    try:
        installed = [i.version for i in store.installed() if i.version.is_release]
    except (GoverError, OSError):
        installed = []
    if installed:
        newest = max(installed)
        return newest, f"the newest installed version ({newest.name})"
    return None, "nothing (no cached release index, no installed version)"


def oldest_supported(newest: GoVersion | None) -> GoVersion | None:
    """Go supports its two newest minors: 1.24 newest -> 1.23 oldest supported."""
    if newest is None or newest.minor is None or newest.major != 1:
        return None
    return GoVersion.parse(f"1.{max(newest.minor - 1, 0)}")


def _series(version: GoVersion) -> tuple[int, int]:
    return (version.major, version.minor or 0)


def marks_for(
    info: BuildInfo | None, want: GoVersion | None, oldest: GoVersion | None
) -> tuple[str, ...]:
    if info is None:
        return (NO_BUILDINFO,)
    built = GoVersion.try_parse(info.toolchain)
    out: list[str] = []
    if want is not None and (built is None or built != want):
        out.append(OTHER_GO)
    if oldest is not None and built is not None and _series(built) < _series(oldest):
        out.append(UNSUPPORTED_GO)
    return tuple(out)


def _tool(
    name: str,
    path: Path,
    target: Path | None,
    info: BuildInfo | None,
    problem: str | None,
    want: GoVersion | None,
    oldest: GoVersion | None,
) -> Tool:
    main = info.main if info is not None else None
    replaced = main is not None and main.replace is not None
    if info is not None:
        replaced = replaced or any(d.replace is not None for d in info.deps)
    return Tool(
        name=name,
        path=path,
        target=target,
        go=info.go_version if info is not None else None,
        package=(info.path or None) if info is not None else None,
        module=main.path if main is not None else None,
        version=(main.version or None) if main is not None else None,
        replaced=replaced,
        settings=info.settings if info is not None else (),
        marks=marks_for(info, want, oldest),
        problem=problem,
    )


def _executable(st: os.stat_result) -> bool:
    if os.name == "nt":  # pragma: no cover - Windows has no execute bits
        return True
    return bool(st.st_mode & (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH))


def read_dir(
    gobin: Path,
    want: GoVersion | None,
    oldest: GoVersion | None,
    warn: Callable[[str], None],
) -> list[Tool]:
    """The programs in `gobin`, sorted by name (see the module docstring for what is skipped)."""
    try:
        entries = sorted(os.scandir(gobin), key=lambda e: e.name)
    except FileNotFoundError:
        return []
    except NotADirectoryError:
        raise GoverError(
            f"{gobin}: GOBIN is not a directory", "set GOBIN (or GOPATH) to a directory"
        ) from None
    except OSError as exc:
        raise GoverError(f"{gobin}: cannot list GOBIN ({exc.strerror or exc})") from None
    tools: list[Tool] = []
    for entry in entries:
        path = Path(entry.path)
        target: Path | None = None
        try:
            st = entry.stat(follow_symlinks=False)
            if stat.S_ISLNK(st.st_mode):
                target = Path(os.path.realpath(path))
                st = os.stat(target)
        except OSError as exc:
            warn(f"{path}: skipped ({exc.strerror or exc})")
            continue
        if stat.S_ISDIR(st.st_mode):
            continue
        if not stat.S_ISREG(st.st_mode):
            from gover.fsutil import file_kind

            where = f" (-> {target})" if target is not None else ""
            warn(f"{path}{where}: skipped: {file_kind(st.st_mode)}, not a program")
            continue
        if not _executable(st):
            continue
        info: BuildInfo | None = None
        problem: str | None = None
        try:
            # A symlink's target was resolved above: read that file, never a link again.
            info = buildinfo.read(target or path, follow_symlinks=False)
        except (NotExecutableError, NotGoBinaryError) as exc:
            problem = str(exc)  # a script or a stripped program: listed, no warning
        except BuildInfoError as exc:
            problem = str(exc)
            warn(problem)
        except OSError as exc:
            problem = f"{path}: cannot read ({exc.strerror or exc})"
            warn(problem)
        tools.append(_tool(entry.name, path, target, info, problem, want, oldest))
    return tools


def scan(
    cfg: Config,
    *,
    environ: Mapping[str, str] | None = None,
    warn: Callable[[str], None] | None = None,
) -> Scan:
    """`gover tools`: the programs in the selected version's GOBIN, marked."""
    from gover.tools import gobin as gobin_mod

    sel = selected()
    gobin = gobin_mod.bin_dir(sel.gover_version, cfg, environ)
    newest, newest_from = newest_minor(cfg)
    oldest = oldest_supported(newest)
    want = GoVersion.try_parse(sel.version) if sel.version else None
    warnings: list[str] = []

    def note(message: str) -> None:
        warnings.append(message)
        if warn is not None:
            warn(message)

    tools = read_dir(gobin, want, oldest, note)
    supported_from = (
        f"newest minor {newest.series[0]}.{newest.series[1]} from {newest_from}"
        if newest is not None
        else f"unknown: {newest_from}"
    )
    return Scan(
        gobin=gobin,
        selected=sel,
        oldest_supported=oldest.name if oldest is not None else None,
        supported_from=supported_from,
        tools=tuple(tools),
        warnings=tuple(warnings),
    )
