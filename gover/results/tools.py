"""Results of `gover tools` and `gover tools reinstall` (gover/cli/tools.py).

Kept free of heavy imports (no rich): the listing is meant to answer at once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gover.results.base import Result

if TYPE_CHECKING:
    from gover.tools.reinstall import Outcome
    from gover.tools.scan import Scan, Tool


def _columns(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]


def selected_text(scan: Scan) -> str:
    sel = scan.selected
    if sel.version is None:
        return f"no Go selected ({sel.source})"
    return f"go {sel.version} ({sel.source})"


def tool_data(t: Tool) -> dict[str, Any]:
    return {
        "name": t.name,
        "path": str(t.path),
        "target": str(t.target) if t.target is not None else None,
        "go": t.go,
        "package": t.package,
        "module": t.module,
        "version": t.version,
        "replaced": t.replaced,
        "settings": dict(t.settings),
        "marks": list(t.marks),
        "error": t.problem,
    }


def _where(s: Scan) -> dict[str, Any]:
    """The GOBIN looked at and the Go selected there: both documents start with them."""
    return {"gobin": str(s.gobin), "go": s.selected.version, "source": s.selected.source}


@dataclass(frozen=True)
class ToolsList(Result):
    """`gover tools`: a listing; marks are findings, not failures (exit 0), unless `check`
    asks for exit 4 (EXIT_MISMATCH, as `gover verify BINARY` for the same finding) when a
    program is marked other-go or unsupported-go."""

    scan: Scan
    check: bool = False

    @property
    def exit_code(self) -> int:
        if self.check and any(t.stale for t in self.scan.tools):
            from gover.errors import EXIT_MISMATCH

            return EXIT_MISMATCH
        return 0

    def data(self) -> dict[str, Any]:
        s = self.scan
        return {
            **_where(s),
            "oldest_supported": s.oldest_supported,
            "supported_from": s.supported_from,
            "tools": [tool_data(t) for t in s.tools],
            "warnings": list(s.warnings),
            "exit_code": self.exit_code,
        }

    def lines(self) -> list[str]:
        s = self.scan
        out = [f"GOBIN {s.gobin}, selected {selected_text(s)}"]
        if not s.tools:
            out.append("no programs here")
            return out
        rows: list[tuple[str, ...]] = [("NAME", "GO", "MODULE@VERSION", "STATUS")]
        for t in s.tools:
            name = t.name if t.target is None else f"{t.name} -> {t.target}"
            rows.append((name, t.go or "-", t.module_version, ",".join(t.marks) or "ok"))
        out.extend(_columns(rows))
        return out

    def notes(self) -> list[str]:
        s = self.scan
        out: list[str] = []
        if s.oldest_supported is not None:
            out.append(f"supported: go {s.oldest_supported} and newer ({s.supported_from})")
        else:
            out.append(f"oldest supported Go {s.supported_from}")
        stale = [t.name for t in s.tools if t.stale]
        if stale:
            out.append(f"rebuild with the selected Go: gover tools reinstall ({len(stale)})")
        return out


@dataclass(frozen=True)
class ReinstallReport(Result):
    """`gover tools reinstall`: one outcome per program (text lines were printed as each
    finished; lines() repeats nothing but the summary)."""

    scan: Scan
    outcomes: tuple[Outcome, ...]
    dry_run: bool

    @property
    def exit_code(self) -> int:
        return 1 if any(o.status in ("failed", "skipped") for o in self.outcomes) else 0

    @property
    def error(self) -> str | None:
        bad = [o for o in self.outcomes if o.status in ("failed", "skipped")]
        if not bad:
            return None
        more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
        return f"{bad[0].name}: {bad[0].message}{more}"

    def data(self) -> dict[str, Any]:
        return {
            **_where(self.scan),
            "dry_run": self.dry_run,
            "tools": [
                {
                    "name": o.name,
                    "status": o.status,
                    "message": o.message,
                    "command": list(o.command),
                    "env": dict(o.env),
                    "go_before": o.go_before,
                    "go_after": o.go_after,
                }
                for o in self.outcomes
            ],
            "exit_code": self.exit_code,
        }

    def lines(self) -> list[str]:
        if not self.outcomes:
            return ["nothing to reinstall: every program was built with the selected Go"]
        return []

    def notes(self) -> list[str]:
        counts: dict[str, int] = {}
        for o in self.outcomes:
            counts[o.status] = counts.get(o.status, 0) + 1
        if not counts:
            return []
        return [", ".join(f"{n} {status}" for status, n in counts.items())]
