"""`gover verify` with no binary: is this shell's Go environment consistent?

Builds (once per toolchain, cached) and runs a tiny probe with the selected toolchain, then
cross-checks the selected version, the probe's build info and runtime.Version(), the `go`
that PATH resolves, `go env GOROOT`, `$GOROOT/VERSION` and an inherited GOROOT variable.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from gover import buildinfo, paths, resolve, store
from gover.errors import BuildInfoError, GoverError
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


def probe_binary(sel: resolve.Selection) -> Path:
    """The probe built by the selected toolchain; built once, keyed by version and hash."""
    assert sel.root is not None and sel.name is not None
    receipt = paths.receipt_file(sel.root)
    key = sel.name
    try:
        import json

        key += "-" + str(json.loads(receipt.read_text("utf-8")).get("sha256", ""))[:12]
    except (OSError, ValueError):
        pass
    out = paths.probes_dir() / key / ("probe.exe" if os.name == "nt" else "probe")
    if out.is_file():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent) as tmp:
        src = Path(tmp)
        (src / "go.mod").write_text("module goverprobe\n\ngo 1.18\n")
        (src / "main.go").write_text(PROBE_SOURCE)
        built = src / out.name
        proc = subprocess.run(
            [str(sel.root / "bin" / "go"), "build", "-o", str(built), "."],
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
        os.replace(built, out)
    return out


def _binary_version(go: Path) -> str | None:
    try:
        return buildinfo.read(go).toolchain or None
    except BuildInfoError:
        return None


def run_checks() -> tuple[resolve.Selection, list[Check]]:
    sel = resolve.select()
    checks: list[Check] = []
    if sel.root is not None:
        want = GoVersion.parse(sel.name or "").tag
        probe = probe_binary(sel)
        built = _binary_version(probe)
        env = dict(os.environ)
        proc = subprocess.run(
            [str(probe)], capture_output=True, text=True, env=env, timeout=60, check=False
        )
        lines = proc.stdout.splitlines()
        runtime_version = lines[0] if lines else "(probe failed)"
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
        toolchain_go = sel.root / "bin" / "go"
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
    proc = subprocess.run(
        [str(runner), "env", "GOROOT"],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=60,
        check=False,
    )
    goroot = proc.stdout.strip()
    if proc.returncode != 0 or not goroot:
        checks.append(
            Check("go env GOROOT", False, f"`{runner} env GOROOT` failed: {proc.stderr.strip()}")
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
