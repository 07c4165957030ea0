"""What a detector returns, and what it is given.

A Finding says what is wrong, where it comes from (a file:line, an environment variable, a
path) and the one fix (a command, or the line to change in the named file). Its `id` is
stable (`<detector>.<case>`, e.g. `path.go-shadows-shims`): scripts and tests match on it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")

SHELLS = ("bash", "zsh", "fish", "nu")
# How a shell is started: a login shell (a terminal on a console, ssh host without a
# command, su -), an interactive non-login one (most desktop and IDE terminals), a script
# (bash -c, cron, make), and what `ssh host command` runs (bash: sources ~/.bashrc itself).
MODES = ("login", "interactive", "script", "ssh")


@dataclass(frozen=True)
class Finding:
    id: str
    severity: Severity
    what: str
    where: str
    fix: str
    # --fix may apply it: it touches only gover's own files or the block `gover init` marks.
    fixable: bool = False


@dataclass(frozen=True)
class Scope:
    """What doctor looks at. `shells` and `modes` narrow the start-up file detectors
    (default: the user's login shell and every mode); `static` reads start-up files instead
    of tracing them; `network` adds the network checks; `env` is the environment being
    diagnosed (the caller's), `cwd` the project directory."""

    shells: tuple[str, ...]
    modes: tuple[str, ...] = MODES
    static: bool = False
    network: bool = False
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    cwd: Path = field(default_factory=Path.cwd)
    home: Path = field(default_factory=Path.home)

    def var(self, name: str) -> str | None:
        return self.env.get(name)


@dataclass(frozen=True)
class Detector:
    """One family of checks: `run(scope)` returns its findings and may add notes (what it
    did, e.g. "traced bash as login and interactive", "static: not traced")."""

    name: str
    run: Callable[[Scope], list[Finding]]
    notes: Callable[[Scope], list[str]] | None = None


def finding(
    detector: str,
    case: str,
    severity: Severity,
    what: str,
    where: str,
    fix: str,
    *,
    fixable: bool = False,
) -> Finding:
    """A Finding with the id `<detector>.<case>`."""
    return Finding(f"{detector}.{case}", severity, what, where, fix, fixable)


def display(path: Path | str, home: Path) -> str:
    """A path as a user reads it in a finding: ~/x for a path under HOME."""
    text = str(path)
    h = str(home)
    if h not in ("", "/") and (text == h or text.startswith(h + "/")):
        return "~" + text[len(h) :]
    return text


@dataclass(frozen=True)
class Assignment:
    """A start-up file line that sets a Go variable or puts a directory on PATH, as the shell
    start-up detector found it (startup.assignments): where, what, and in which contexts it
    runs ("bash login", "zsh interactive", ...). `value` is the text as written (not expanded)
    and `dirs` the directories it adds to PATH when that is what it does (expanded as far as
    the detector could: tracing shows the expanded value)."""

    file: Path
    line: int
    var: str  # "PATH", "GOROOT", "GOPATH", ...
    value: str
    contexts: tuple[str, ...]
    dirs: tuple[str, ...] = ()

    def where(self, home: Path) -> str:
        return f"{display(self.file, home)}:{self.line}"
