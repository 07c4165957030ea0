"""Run the detectors for a Scope and collect one report.

Detectors live one per module (the names in DETECTORS), each exposing `DETECTOR`. A detector
that fails (a bug, an unexpected file) becomes one info finding naming it, never a traceback:
doctor is what people run when things are already broken.
"""

from __future__ import annotations

import importlib
import os
import pwd
from dataclasses import dataclass
from pathlib import Path

from gover.doctor.model import MODES, SEVERITIES, SHELLS, Detector, Finding, Scope, finding

# In the order the report tells them: what runs (PATH), what it is told (Go variables), where
# that comes from (start-up files, other contexts), the project, gover itself, the network.
DETECTORS = ("pathscan", "govars", "startup", "contexts", "project", "selfcheck", "network")


@dataclass(frozen=True)
class Report:
    findings: tuple[Finding, ...]
    notes: tuple[str, ...]
    scope: Scope

    @property
    def exit_code(self) -> int:
        return 1 if any(f.severity == "error" for f in self.findings) else 0


def login_shell(env: dict[str, str] | None = None) -> str:
    """The user's login shell by name (from $SHELL, else the password database), if it is one
    doctor knows; bash otherwise."""
    shell = (env or os.environ).get("SHELL") or ""
    if not shell:
        try:
            shell = pwd.getpwuid(os.getuid()).pw_shell
        except KeyError:
            shell = ""
    name = Path(shell).name
    return name if name in SHELLS else "bash"


def scope(
    shell: str | None = None,
    mode: str | None = None,
    *,
    static: bool = False,
    network: bool = False,
    cwd: Path | None = None,
) -> Scope:
    """The Scope for the command line: one shell ("all": every shell doctor knows) and one
    mode when given, else the user's login shell in every mode."""
    env = dict(os.environ)
    home = Path(env.get("HOME") or Path.home())
    return Scope(
        shells=SHELLS if shell == "all" else (shell,) if shell else (login_shell(env),),
        modes=(mode,) if mode else MODES,
        static=static,
        network=network,
        env=env,
        cwd=cwd or Path.cwd(),
        home=home,
    )


def detectors(names: tuple[str, ...] = DETECTORS) -> list[Detector]:
    found = []
    for name in names:
        module = importlib.import_module(f"gover.doctor.{name}")
        found.append(module.DETECTOR)
    return found


def diagnose(sc: Scope, names: tuple[str, ...] = DETECTORS) -> Report:
    findings: list[Finding] = []
    notes: list[str] = []
    for det in detectors(names):
        try:
            findings += det.run(sc)
            if det.notes is not None:
                notes += det.notes(sc)
        except Exception as exc:  # a broken detector must not hide the others
            findings.append(
                finding(
                    "doctor",
                    "detector-failed",
                    "info",
                    f"the {det.name} checks stopped: {type(exc).__name__}: {exc}",
                    f"gover.doctor.{det.name}",
                    "run again with --debug and report it: https://github.com/gover/gover/issues",
                )
            )
    order = {s: i for i, s in enumerate(SEVERITIES)}
    findings.sort(key=lambda f: order[f.severity])  # stable: detector order within a severity
    return Report(tuple(findings), tuple(notes), sc)
