"""`gover verify` with no binary: is this shell's Go environment consistent?

Builds (once per toolchain, cached) and runs a tiny probe with the selected toolchain, then
cross-checks the selected version, the probe's build info and runtime.Version(), the `go`
that PATH resolves, `go env GOROOT`, `$GOROOT/VERSION` and an inherited GOROOT variable.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from gover import fsutil, paths
from gover.errors import BuildInfoError, GoverError
from gover.inspect import buildinfo
from gover.select import resolve
from gover.toolchain import store
from gover.versions import GoVersion

PROBE_SOURCE = """package main

import (
\t"fmt"
\t"runtime"
)

func main() {
\tfmt.Println(runtime.Version())
\tfmt.Println(runtime.GOROOT())
}
"""


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def _go_env(root: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "GOROOT": str(root),
            "GOTOOLCHAIN": "local",
            "GOFLAGS": "-mod=mod",
            "GOPROXY": "off",
            "GOWORK": "off",
            "GO111MODULE": "on",
            "CGO_ENABLED": "0",
            "GOCACHE": str(paths.probes_dir() / "gocache"),
        }
    )
    return env


RUN_TIMEOUT = 60  # seconds for the probe and `go env GOROOT`, unless config `timeout` is set
PROBE_RECORD = "probe.json"  # {"sha256": ...} written by gover when it builds the probe
_RECORD_LIMIT = 4096
_HEX64 = re.compile(r"[0-9a-f]{64}")


def _probe_dir(sel: resolve.Selection) -> Path:
    """cache/probes/<version>-<archive sha256 prefix>: a reinstall gets a fresh probe."""
    assert sel.root is not None and sel.name is not None
    key = sel.name
    receipt = store.Receipt.load(paths.receipt_file(sel.root))
    if receipt is not None and _HEX64.fullmatch(receipt.sha256):
        key += "-" + receipt.sha256[:12]
    return paths.probes_dir() / key


def _recorded_sha256(record: Path) -> str | None:
    """The SHA-256 in the record gover wrote, if the record is ours: a regular file (not
    through a link) owned by this user, of the shape gover writes; else None."""
    try:
        fd = fsutil.open_regular(record, follow_symlinks=False)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        if not fsutil.is_owned_regular(os.fstat(fd)):
            return None
        raw = fh.read(_RECORD_LIMIT + 1)
    try:
        sha = json.loads(raw).get("sha256") if len(raw) <= _RECORD_LIMIT else None
    except (ValueError, AttributeError, RecursionError):
        return None
    return sha if isinstance(sha, str) and _HEX64.fullmatch(sha) else None


def _sha256_fd(fd: int) -> str:
    h = hashlib.sha256()
    os.lseek(fd, 0, os.SEEK_SET)
    while chunk := os.read(fd, 1 << 20):
        h.update(chunk)
    return h.hexdigest()


def _open_proven(out: Path, record: Path) -> int | None:
    """A descriptor of the probe if it is proven gover's: a regular file (never through a
    symlink) owned by this user whose SHA-256 is the one recorded when gover built it."""
    want = _recorded_sha256(record)
    if want is None:
        return None
    try:
        fd = fsutil.open_regular(out, follow_symlinks=False)
    except OSError:
        return None
    try:
        if fsutil.is_owned_regular(os.fstat(fd)) and _sha256_fd(fd) == want:
            return fd
    except OSError:
        pass
    os.close(fd)
    return None


def _build_probe(sel: resolve.Selection, out: Path, record: Path) -> None:
    assert sel.root is not None and sel.name is not None
    with tempfile.TemporaryDirectory(dir=out.parent) as tmp:
        src = Path(tmp)
        (src / "go.mod").write_text("module goverprobe\n\ngo 1.18\n")
        (src / "main.go").write_text(PROBE_SOURCE)
        built = src / out.name
        proc = subprocess.run(
            [str(paths.toolchain(sel.root).go), "build", "-o", str(built), "."],
            cwd=src,
            env=_go_env(sel.root),
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if proc.returncode != 0:
            first = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
            raise GoverError(
                f"go {sel.name} in {sel.root} cannot build a probe: {first}",
                f"reinstall it: gover install --force {sel.name}",
            )
        fd = fsutil.open_regular(built, follow_symlinks=False)
        try:
            sha = _sha256_fd(fd)
        finally:
            os.close(fd)
        # Whatever sits at the probe's name (a planted file, a symlink, a directory) goes;
        # rename never follows a link, and fsutil.rmtree never leaves the directory.
        with contextlib.suppress(FileNotFoundError):
            if stat.S_ISDIR(os.lstat(out).st_mode):
                fsutil.rmtree(out)
        os.replace(built, out)
    fsutil.write_atomic(record, json.dumps({"sha256": sha}) + "\n", 0o600)


def probe_binary(sel: resolve.Selection) -> tuple[Path, int]:
    """The probe built by the selected toolchain (built once per toolchain and reused) and
    an open descriptor of it. Nothing under the cache runs unproven: the probe is used only
    if it is a regular file owned by this user whose SHA-256 matches the record gover wrote
    when it built it; anything else (missing, planted, swapped, a symlink) is rebuilt."""
    where = _probe_dir(sel)
    out = where / ("probe.exe" if os.name == "nt" else "probe")
    record = where / PROBE_RECORD
    try:
        fsutil.owned_dir(paths.probes_dir(), 0o700)
        fsutil.owned_dir(where, 0o700)
        fd = _open_proven(out, record)
        if fd is None:
            _build_probe(sel, out, record)
            fd = _open_proven(out, record)
    except OSError as exc:
        raise GoverError(
            f"{exc.filename or where}: cannot prepare the verify probe: {exc.strerror or exc}",
            f"remove {paths.probes_dir()} and run again",
        ) from exc
    if fd is None:
        raise GoverError(
            f"{out}: the verify probe changed while gover built it (refused to run it)",
            f"remove {paths.probes_dir()} and run again",
        )
    return out, fd


def _hashed(out: Path, fd: int) -> Path:
    """A name for exactly the bytes that were hashed: on Linux the open descriptor itself
    (/proc/self/fd/N, also in a child given the descriptor), so swapping the file at `out`
    afterwards changes nothing; elsewhere `out` (a window remains between check and exec)."""
    return Path(f"/proc/self/fd/{fd}") if os.path.isdir("/proc/self/fd") else out


def _run(argv: list[str], pass_fds: tuple[int, ...] = ()) -> tuple[int, str, str]:
    """(exit code, stdout, stderr); a command still running after the config's `timeout`
    (default a minute) is killed and reported as failed (-1), not a traceback."""
    from gover import config

    limit = config.load().timeout or RUN_TIMEOUT
    try:
        proc = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            errors="replace",
            env=dict(os.environ),
            timeout=limit,
            check=False,
            pass_fds=pass_fds if os.name != "nt" else (),
        )
    except subprocess.TimeoutExpired:
        return -1, "", f"did not finish in {limit} s (config timeout)"
    return proc.returncode, proc.stdout, proc.stderr


def _binary_version(go: Path) -> str | None:
    try:
        return buildinfo.toolchain_of(buildinfo.read_go_version(go)) or None
    except BuildInfoError:
        return None


def run_checks() -> tuple[resolve.Selection, list[Check]]:
    sel = resolve.select()
    checks: list[Check] = []
    if sel.root is not None:
        want = GoVersion.parse(sel.name or "").tag
        probe, fd = probe_binary(sel)
        try:
            built = _binary_version(_hashed(probe, fd))
            _, stdout, _ = _run([str(_hashed(probe, fd))], pass_fds=(fd,))
        finally:
            os.close(fd)
        lines = stdout.splitlines()
        runtime_version = lines[0] if lines and lines[0].strip() else "(probe failed)"
        checks.append(
            Check(
                "toolchain",
                built == want and runtime_version.split()[0] == want,
                f"{sel.root} builds {built}, runtime.Version() = {runtime_version}"
                + (
                    ""
                    if built == want
                    else f"; expected {want}: run: gover install --force {sel.name}"
                ),
            )
        )
        toolchain_go = paths.toolchain(sel.root).go
    else:
        assert sel.system is not None
        want = _binary_version(sel.system) or "(unknown)"
        toolchain_go = sel.system
    checks.append(Check("selected", True, f"{want} ({sel.source})"))

    # The go this shell runs.
    found = shutil.which("go")
    path_go = Path(found) if found else None
    if path_go is None:
        checks.append(
            Check(
                "PATH",
                False,
                f'no go on PATH; add gover\'s shims: export PATH="{paths.shims_dir()}:$PATH"',
            )
        )
    elif resolve.is_gover_shim(path_go):
        checks.append(Check("PATH", True, f"go on PATH is gover's shim {path_go}"))
    else:
        got = _binary_version(path_go) or "(unknown)"
        same = got == want
        detail = f"go on PATH is {path_go} ({got})"
        if not same:
            detail += (
                f", not the selected {want} ({sel.source}): a go outside gover comes first on "
                f"PATH; put {paths.shims_dir()} before {path_go.parent} in PATH"
            )
        checks.append(Check("PATH", same, detail))

    # What GOROOT would that go use, and does the tree match the binary?
    runner = path_go if path_go is not None else toolchain_go
    code, stdout, stderr = _run([str(runner), "env", "GOROOT"])
    goroot = stdout.strip()
    if code != 0 or not goroot:
        checks.append(
            Check("go env GOROOT", False, f"`{runner} env GOROOT` failed: {stderr.strip()}")
        )
    else:
        tree = store.tree_version(Path(goroot)) or "(no VERSION file)"
        runner_version = (
            want if resolve.is_gover_shim(runner) else (_binary_version(runner) or "(unknown)")
        )
        ok = tree.split()[0] == runner_version
        detail = f"go env GOROOT = {goroot} ({tree})"
        if not ok:
            detail += (
                f" but go is {runner_version}: every compile will fail with "
                '"version does not match"; unset GOROOT'
            )
        checks.append(Check("go env GOROOT", ok, detail))

    inherited = os.environ.get("GOROOT")
    if inherited:
        held = store.tree_version(Path(inherited))
        ok = held is not None and held.split()[0] == want
        if ok:
            detail = f"GOROOT={inherited} (from the environment) holds {held}"
        elif held is None:
            detail = f"GOROOT={inherited} (from the environment) is not a Go tree; unset it"
        else:
            detail = (
                f"GOROOT={inherited} (from the environment) holds {held.split()[0]} but go is "
                f'{want}: every compile will fail with "version does not match" (gover\'s shims '
                "override it, but anything running a go binary directly inherits it); unset it"
            )
        checks.append(Check("GOROOT variable", ok, detail))
    return sel, checks
