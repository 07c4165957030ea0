"""PLACEHOLDER for --fix (issue 11)."""

from __future__ import annotations

from gover.doctor.run import Report


def apply(report: Report) -> list[str]:
    return []
