"""Rebuild programs in GOBIN with the selected Go: `go install <package>@<version>`, the
package and version from each program's build info, with the flags and the environment the
build info records (-tags, -ldflags, -gcflags, -asmflags, -trimpath, -race/-msan/-asan, a
non-default -buildmode; CGO_ENABLED, GOEXPERIMENT, the GOARCH level variables, CGO_*FLAGS).

A program built from a checkout (`(devel)`, no module version, a replaced main module or
replaced dependencies) cannot be fetched again from the module proxy: it is skipped with the
reason. go runs with the selected toolchain's environment (pins.toolchain_env) and GOBIN set
to a fresh directory inside GOBIN (gobin.bin_dir), one program at a time (the new
program is checked, then renamed over the old one); a failure is
reported with go's last stderr line and the others still run. After each build the new
program's build info is read again to confirm which Go built it.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from gover import fsutil
from gover.config import Config
from gover.errors import BuildInfoError, GoverError, UsageError
from gover.inspect import buildinfo
from gover.tools.scan import Scan, Tool
from gover.versions import GoVersion

STAGING = ".gover-reinstall-"  # a directory in GOBIN while a program is rebuilt

# Build settings that are `go build` flags: recorded as -flag=value.
VALUE_FLAGS = ("-tags", "-ldflags", "-gcflags", "-asmflags")
# Recorded as -flag=true.
BOOL_FLAGS = ("-trimpath", "-race", "-msan", "-asan")
# Build settings that are environment variables go reads.
ENV_SETTINGS = (
    "CGO_ENABLED",
    "CGO_CFLAGS",
    "CGO_CPPFLAGS",
    "CGO_CXXFLAGS",
    "CGO_LDFLAGS",
    "GOEXPERIMENT",
    "GOOS",
    "GOARCH",
    "GO386",
    "GOAMD64",
    "GOARM",
    "GOARM64",
    "GOMIPS",
    "GOMIPS64",
    "GOPPC64",
    "GORISCV64",
    "GOWASM",
)


@dataclass(frozen=True)
class Outcome:
    name: str
    status: str  # reinstalled | failed | skipped | would-reinstall
    message: str
    command: tuple[str, ...]  # the go install arguments (after `go`)
    env: tuple[tuple[str, str], ...]  # the variables set from the build info
    go_before: str | None
    go_after: str | None

    def line(self) -> str:
        return f"{self.name}: {self.status}: {self.message}"


def why_not(tool: Tool) -> str | None:
    """Why `tool` cannot be rebuilt from the module proxy, or None."""
    if tool.problem is not None or tool.go is None:
        return "no build info to rebuild it from"
    if not tool.package or not tool.module:
        return "its build info names no main module (built with GOPATH or from a file list)"
    if not tool.version or tool.version == "(devel)":
        return (
            f"built from a checkout of {tool.module} ({tool.version or 'no version'}), "
            "not a published version: rebuild it from that checkout"
        )
    if tool.replaced:
        return (
            f"built with replace directives ({tool.module}): go install "
            f"{tool.package}@{tool.version} would not reproduce it; rebuild it from the checkout"
        )
    return None


def plan(tool: Tool) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """The `go install` arguments and the environment that rebuild `tool` as it was built."""
    args = ["install"]
    env: list[tuple[str, str]] = []
    for key, value in tool.settings:
        if key in VALUE_FLAGS and value:
            args.append(f"{key}={value}")
        elif key in BOOL_FLAGS and value == "true":
            args.append(key)
        elif key == "-buildmode" and value and value != "exe":
            args.append(f"-buildmode={value}")
        elif key in ENV_SETTINGS:
            env.append((key, value))
    args.append(f"{tool.package}@{tool.version}")
    return tuple(args), tuple(env)


def choose(scan: Scan, names: Iterable[str], everything: bool) -> list[Tool]:
    """The programs to rebuild: those named, all of them, or (default) the marked ones."""
    wanted = list(names)
    if wanted and everything:
        raise UsageError("give either NAME… or --all, not both")
    if everything:
        return list(scan.tools)
    if not wanted:
        return [t for t in scan.tools if t.stale]
    by_name = {t.name: t for t in scan.tools}
    missing = [n for n in wanted if n not in by_name]
    if missing:
        raise UsageError(
            f"{', '.join(missing)}: no such program in {scan.gobin}", "see: gover tools"
        )
    return [by_name[n] for n in dict.fromkeys(wanted)]


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def rebuild(
    scan: Scan,
    tools: list[Tool],
    cfg: Config,
    *,
    dry_run: bool = False,
    done: Callable[[Outcome], None] | None = None,
) -> tuple[Outcome, ...]:
    """Rebuild `tools` one by one with the selected Go; `done` hears each outcome at once."""
    from gover.select import pins, resolve

    go: Path | None = None
    base: dict[str, str] = {}
    want = GoVersion.try_parse(scan.selected.version) if scan.selected.version else None
    if tools and not dry_run:
        if want is None:
            raise GoverError(
                f"cannot rebuild: {scan.selected.source}", "select a Go first: gover use 1.22"
            )
        sel = resolve.select()
        go = pins.program_path(sel, "go")
        base = pins.toolchain_env(sel)
        base["GOBIN"] = str(scan.gobin)
    outcomes: list[Outcome] = []
    for tool in tools:
        outcome = _one(tool, go, base, want, dry_run)
        outcomes.append(outcome)
        if done is not None:
            done(outcome)
    return tuple(outcomes)


def _one(
    tool: Tool, go: Path | None, base: dict[str, str], want: GoVersion | None, dry_run: bool
) -> Outcome:
    reason = why_not(tool)
    if reason is not None:
        return Outcome(tool.name, "skipped", reason, (), (), tool.go, None)
    args, env = plan(tool)
    shown = " ".join(shlex.quote(w) for w in [*(f"{k}={v}" for k, v in env), "go", *args])
    if dry_run or go is None:
        return Outcome(tool.name, "would-reinstall", shown, args, env, tool.go, None)
    gobin = Path(base["GOBIN"])
    try:
        # Built into a fresh directory beside the old program, checked, then renamed over
        # it: a failed build leaves the old one in place, and a program renamed in GOBIN
        # (go would write <last element of the package path>) keeps its name.
        staging = Path(tempfile.mkdtemp(prefix=STAGING, dir=gobin))
    except OSError as exc:
        return Outcome(
            tool.name, "failed", f"{gobin}: {exc.strerror or exc}", args, env, tool.go, None
        )
    try:
        return _build(
            tool, go, {**base, "GOBIN": str(staging), **dict(env)}, args, env, want, staging, shown
        )
    finally:
        fsutil.rmtree(staging)


def _build(
    tool: Tool,
    go: Path,
    environ: dict[str, str],
    args: tuple[str, ...],
    env: tuple[tuple[str, str], ...],
    want: GoVersion | None,
    staging: Path,
    shown: str,
) -> Outcome:
    def failed(message: str, after: str | None = None) -> Outcome:
        return Outcome(tool.name, "failed", message, args, env, tool.go, after)

    try:
        proc = subprocess.run(
            [str(go), *args],
            env=environ,
            capture_output=True,
            text=True,
            errors="replace",
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except OSError as exc:
        return failed(f"cannot run {go}: {exc.strerror or exc}")
    if proc.returncode != 0:
        return failed(_last_line(proc.stderr))
    made = sorted(staging.iterdir())
    if len(made) != 1 or not made[0].is_file():
        return failed(f"go install left {len(made)} files in {staging}, expected one program")
    try:
        after = buildinfo.read(made[0], follow_symlinks=False).go_version
    except (BuildInfoError, OSError) as exc:
        return failed(f"go install succeeded but {exc}")
    got = GoVersion.try_parse(buildinfo.toolchain_of(after))
    if want is not None and got != want:
        return failed(
            f"go install built it with {after}, not go{want.name} (did GOTOOLCHAIN switch?)",
            after,
        )
    try:
        os.replace(made[0], tool.path)
    except OSError as exc:
        return failed(f"{tool.path}: cannot replace it ({exc.strerror or exc})", after)
    return Outcome(
        tool.name, "reinstalled", f"{tool.go} -> {after} ({shown})", args, env, tool.go, after
    )
