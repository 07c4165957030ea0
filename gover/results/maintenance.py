"""Results of the maintenance commands (gover/cli/maintenance.py): outdated, upgrade, prune."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from gover.results.base import Result, Table

if TYPE_CHECKING:
    from gover.toolchain.lifecycle import OutdatedReport, PrunePlan, Row, UpgradeReport


def _state(row: Row) -> str:
    """A row's status in words."""
    if row.status == "not-installed":
        text = "selects nothing installed"
        if row.latest:
            text += f" (newest: {row.latest}; run: gover install {row.pin})"
    elif row.status == "unknown":
        text = "not in the release index"
    elif row.status == "outdated":
        assert row.latest is not None and row.current is not None
        same = row.latest.split(".")[:2] == row.current.split(".")[:2]
        text = f"newer {'patch' if same else 'release'} {row.latest}"
    else:
        text = "up to date"
    if row.floats and row.current:
        text = f"selects {row.current}: {text}"
    elif not row.installed:
        text += " (not installed)"
    if row.supported is False and row.current:
        minor = ".".join(row.current.split(".")[:2])
        text += f"; go {minor} is no longer supported"
    return text


@dataclass(frozen=True)
class Outdated(Result):
    """`gover outdated`: installed minors and pins against the release index."""

    report: OutdatedReport
    exit_on_outdated: bool = False  # --exit-code

    @property
    def any_outdated(self) -> bool:
        return any(r.outdated for r in self.report.rows)

    def data(self) -> dict[str, Any]:
        rows = [{**asdict(r), "outdated": r.outdated} for r in self.report.rows]
        return {
            "rows": rows,
            "outdated": self.any_outdated,
            "index": {"url": self.report.index_url, "note": self.report.note},
        }

    def _cells(self) -> list[tuple[str, str, str, str]]:
        return [
            (r.where, r.pin or r.current or "", r.latest or "-", _state(r))
            for r in self.report.rows
        ]

    def lines(self) -> list[str]:
        return [
            f"{what}: {pin} -> {latest} ({state})" for what, pin, latest, state in self._cells()
        ]

    def table(self) -> Table | None:
        return Table(("what", "current", "latest", "status"), (("", tuple(self._cells())),))

    def notes(self) -> list[str]:
        notes = [f"release index: {self.report.index_url}"]
        if not self.report.rows:
            notes.append("no Go versions installed and no pins found")
        elif not self.any_outdated:
            notes.append("everything is up to date")
        return notes

    @property
    def exit_code(self) -> int:
        return 1 if self.exit_on_outdated and self.any_outdated else 0


@dataclass(frozen=True)
class Upgraded(Result):
    """`gover upgrade`: each minor's step, what was installed and which pins moved."""

    report: UpgradeReport

    def data(self) -> dict[str, Any]:
        r = self.report
        return {
            "dry_run": r.dry_run,
            "steps": [asdict(s) for s in r.steps],
            "installs": [
                {"version": i.version.name, "path": str(i.root), "status": i.status}
                for i in r.installs
            ],
            "rewrites": [asdict(w) for w in r.rewrites],
            "skipped": list(r.skipped),
            "index": {"url": r.index_url},
        }

    def lines(self) -> list[str]:
        r = self.report
        would = "would " if r.dry_run else ""
        out: list[str] = []
        for s in r.steps:
            if s.action == "install":
                verb = "install" if r.dry_run else "installed"
                out.append(f"go {s.minor}: {would}{verb} {s.target} (was {s.current})")
            elif s.action == "up-to-date":
                out.append(f"go {s.minor}: {s.current} is up to date")
            else:
                out.append(f"go {s.minor}: {s.current}; the release index lists no {s.minor}")
        for w in r.rewrites:
            verb = "rewrite" if r.dry_run else "rewrote"
            what = {
                "global": "global pin",
                "version-file": "pin",
                "toolchain-line": "toolchain line",
            }
            out.append(f"{would}{verb} {what[w.kind]} {w.old} -> {w.new} in {w.path}")
        return out

    def notes(self) -> list[str]:
        r = self.report
        notes = [f"not rewritten: {s}" for s in r.skipped]
        if any(s.action == "install" for s in r.steps) and not r.dry_run:
            notes.append("older patches stay installed; to remove them: gover prune")
        return notes


@dataclass(frozen=True)
class Pruned(Result):
    """`gover prune`: what goes (or went) and what stays, with why."""

    plan: PrunePlan
    removed: tuple[str, ...] = ()
    dry_run: bool = False

    def data(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "keep_per_minor": self.plan.keep_per_minor,
            "remove": [{"version": i.name, "path": str(i.root)} for i in self.plan.remove],
            "removed": list(self.removed),
            "kept": [
                {"version": k.item.name, "path": str(k.item.root), "reasons": list(k.reasons)}
                for k in self.plan.keep
            ],
        }

    def plan_lines(self) -> list[str]:
        verb = "removed" if self.removed else "would remove"
        out = [f"{verb} go {i.name} ({i.root})" for i in self.plan.remove]
        out += [f"keep go {k.item.name}: {'; '.join(k.reasons)}" for k in self.plan.keep]
        return out

    def lines(self) -> list[str]:
        return self.plan_lines()

    def notes(self) -> list[str]:
        if not self.plan.remove:
            return ["nothing to prune"]
        if self.dry_run:
            return ["dry run: nothing removed"]
        return []
