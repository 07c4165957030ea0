"""`gover doctor --fix`: apply the fixes that touch only gover's own files and the block
`gover init` marks in a start-up file — nothing else on the machine.

A finding is fixable when its detector marked it so AND its fix is one of the gover commands
below (so a detector cannot, by mistake, make --fix run anything else). Each fix runs once,
as the user would type it (the same gover, the same environment), after it was shown.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable

from gover.doctor.model import Finding, Scope

# The commands --fix may run: they write gover's store (rehash) or gover's marked block.
_ALLOWED = re.compile(r"gover (?:rehash|init (?:bash|zsh|fish|nu) --write)")


def planned(findings: tuple[Finding, ...] | list[Finding]) -> list[str]:
    """The commands --fix would run for these findings, each once, in report order."""
    out: list[str] = []
    for f in findings:
        command = f.fix.split(" (", 1)[0]  # "gover init bash --write (then open a new terminal)"
        if f.fixable and _ALLOWED.fullmatch(command) and command not in out:
            out.append(command)
    return out


def apply(
    findings: tuple[Finding, ...] | list[Finding],
    sc: Scope,
    confirm: Callable[[list[str]], bool],
) -> list[str]:
    """Show the planned commands (confirm), run them; return what ran, with its outcome."""
    commands = planned(findings)
    if not commands or not confirm(commands):
        return []
    done = []
    for command in commands:
        argv = [sys.executable, "-m", "gover", *command.split()[1:]]
        proc = subprocess.run(
            argv,
            env=dict(sc.env),
            cwd=sc.cwd,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if proc.returncode == 0:
            done.append(command)
        else:
            why = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
            done.append(f"{command} failed: {why}")
    return done
