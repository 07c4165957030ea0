"""Run the real `gover` entry point (and an installed go) in a subprocess, as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.strip()]


def run_gover(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 240
) -> Result:
    """Run the real entry point in a subprocess, with the test's environment."""
    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = str(REPO) + os.pathsep + full_env.get("PYTHONPATH", "")
    if env:
        full_env.update(env)
    proc = subprocess.run(
        [sys.executable, "-m", "gover", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        timeout=timeout,
        check=False,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def go_run(
    goroot: Path, *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run an installed toolchain's go offline, with a private GOCACHE."""
    full_env = dict(os.environ)
    full_env.update(
        {
            "GOROOT": str(goroot),
            "GOTOOLCHAIN": "local",
            "GOPROXY": "off",
            "GOFLAGS": "-mod=mod",
            "GOCACHE": str(Path(full_env["HOME"]) / "gocache"),
            "GOPATH": str(Path(full_env["HOME"]) / "gopath"),
            "CGO_ENABLED": "0",
        }
    )
    if env:
        full_env.update(env)
    return subprocess.run(
        [str(goroot / "bin" / "go"), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=full_env,
        timeout=300,
        check=False,
    )


def store_root() -> Path:
    return Path(os.environ["GOVER_HOME"]) / "versions"


def visible_versions() -> list[str]:
    root = store_root()
    return (
        sorted(p.name for p in root.iterdir() if not p.name.startswith("."))
        if root.exists()
        else []
    )


def assert_one_line_error(err: str, *needles: str) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("gover: error: "), err
    for n in needles:
        assert n in lines[0], (n, err)
