"""PLACEHOLDER: replaced by the detector's real module (issue 11)."""

from __future__ import annotations

from gover.doctor.model import Detector, Finding, Scope


def _run(sc: Scope) -> list[Finding]:
    return []


DETECTOR = Detector("govars", _run)
