"""What commands return (one module per command family, as in gover/cli/): frozen values that gover.output renders as text or as JSON.

A result knows its JSON shape (`data()`, without the schema, which the renderer adds) and its
text (`lines()` for stdout, `notes()` for stderr chatter). It never prints. Every JSON document
carries `"schema": SCHEMA` at the top level; a field is added without bumping it, a field that
changes meaning or goes away bumps it. The shapes are documented in README.md ("JSON output").

Kept free of heavy imports: `gover current`, `list` and `which` build these on the fast path.
"""

from __future__ import annotations

from typing import Any

SCHEMA = 1


class Result:
    """The protocol: JSON data, stdout lines, stderr notes, and the exit code it asks for."""

    def data(self) -> dict[str, Any]:
        raise NotImplementedError

    def lines(self) -> list[str]:
        raise NotImplementedError

    def notes(self) -> list[str]:
        return []

    @property
    def exit_code(self) -> int:
        return 0

    @property
    def error(self) -> str | None:
        """The one line for stderr when this result is a failure (exit 1), else None."""
        return None
