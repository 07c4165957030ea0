"""`gover doctor`: findings grouped by severity (a table on a terminal, plain lines else)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gover.results.base import Result, Table

_TITLES = {"error": "errors", "warning": "warnings", "info": "for information"}


@dataclass(frozen=True)
class DoctorFinding:
    id: str
    severity: str
    what: str
    where: str
    fix: str
    fixable: bool


@dataclass(frozen=True)
class DoctorResult(Result):
    findings: tuple[DoctorFinding, ...]
    notes_: tuple[str, ...]
    shells: tuple[str, ...]
    modes: tuple[str, ...]
    applied: tuple[str, ...] = ()  # --fix: what was changed

    @property
    def exit_code(self) -> int:
        return 1 if any(f.severity == "error" for f in self.findings) else 0

    def data(self) -> dict[str, Any]:
        counts = {s: sum(f.severity == s for f in self.findings) for s in _TITLES}
        return {
            "shells": list(self.shells),
            "modes": list(self.modes),
            "findings": [vars(f) for f in self.findings],
            "counts": counts,
            "notes": list(self.notes_),
            "applied": list(self.applied),
            "exit_code": self.exit_code,
        }

    def _groups(self) -> list[tuple[str, list[DoctorFinding]]]:
        groups = []
        for severity, title in _TITLES.items():
            items = [f for f in self.findings if f.severity == severity]
            if items:
                groups.append((f"{title} ({len(items)})", items))
        return groups

    def lines(self) -> list[str]:
        if not self.findings:
            return ["no problems found"]
        out: list[str] = []
        for title, items in self._groups():
            out.append(title)
            for f in items:
                out += [
                    f"  {f.severity.upper()} {f.id}: {f.what}",
                    f"    where: {f.where}",
                    f"    fix:   {f.fix}",
                ]
        return out

    def table(self) -> Table | None:
        if not self.findings:
            return None
        return Table(
            ("id", "what", "where", "fix"),
            tuple(
                (title, tuple((f.id, f.what, f.where, f.fix) for f in items))
                for title, items in self._groups()
            ),
        )

    def notes(self) -> list[str]:
        return [f"gover: {n}" for n in self.notes_] + [f"gover: fixed: {a}" for a in self.applied]
