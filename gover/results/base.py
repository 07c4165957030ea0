"""What commands return (one module per command family, as in gover/cli/): frozen values that gover.output renders as text or as JSON.

A result knows its JSON shape (`data()`, without the schema, which the renderer adds) and its
text (`lines()` for stdout, `notes()` for stderr chatter). It never prints. Every JSON document
carries `"schema": SCHEMA` at the top level; a field is added without bumping it, a field that
changes meaning or goes away bumps it. The shapes are documented in README.md ("JSON output").

Kept free of heavy imports: `gover current`, `list` and `which` build these on the fast path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SCHEMA = 1


@dataclass(frozen=True)
class Table:
    """Column headers and groups of rows under a title (e.g. one group per severity)."""

    headers: tuple[str, ...]
    groups: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...]


class Result:
    """The protocol: JSON data, stdout lines, stderr notes, and the exit code it asks for."""

    def data(self) -> dict[str, Any]:
        raise NotImplementedError

    def lines(self) -> list[str]:
        raise NotImplementedError

    def notes(self) -> list[str]:
        return []

    def table(self) -> Table | None:
        """The same content as a table, for a terminal (rendered with rich); None: lines()."""
        return None

    @property
    def exit_code(self) -> int:
        return 0

    @property
    def error(self) -> str | None:
        """The one line for stderr when this result is a failure (exit 1), else None."""
        return None
