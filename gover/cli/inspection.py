"""Inspecting what was built: gover verify (binaries, go.mod/go.work, this shell's Go)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gover import output
from gover.cli.app import JsonOpt, app
from gover.errors import UsageError


@app.command("verify")
def verify_(
    binaries: Annotated[
        list[Path] | None, typer.Argument(help="Go binaries (or directories with --recursive).")
    ] = None,
    expect: Annotated[
        str | None, typer.Option("--expect", help="Expected Go version (default: the selected).")
    ] = None,
    recursive: Annotated[
        bool, typer.Option("--recursive", "-r", help="Scan directories for Go executables.")
    ] = False,
    gomod: Annotated[
        bool, typer.Option("--gomod", help="Check go.mod/go.work against the selected Go.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Check binaries, go.mod or (with no argument) this shell's Go environment. Exit 4 on a mismatch."""
    from gover.errors import EXIT_MISMATCH
    from gover.inspect import checks
    from gover.inspect import environment as envcheck

    if gomod:
        if binaries or expect:
            raise UsageError("--gomod takes no binaries or --expect")
        res = checks.check_gomod()
        if as_json:
            output.emit_json(
                {
                    "file": str(res.mod.path),
                    "go": res.mod.go,
                    "toolchain": res.mod.toolchain,
                    "selected": res.selected.tag if res.selected else None,
                    "source": res.source,
                    "problems": list(res.problems),
                }
            )
        elif res.problems:
            output.lines(res.problems)
        else:
            assert res.selected is not None
            output.info(
                f"{res.mod.path}: go {res.mod.go or '(none)'}, toolchain "
                f"{res.mod.toolchain or '(none)'}: {res.selected.tag} ({res.source}) can build it"
            )
        if res.problems:
            raise typer.Exit(EXIT_MISMATCH)
        return
    if not binaries:
        if expect or recursive:
            raise UsageError("--expect and --recursive need binaries to check")
        _sel, found = envcheck.run_checks()
        if as_json:
            output.emit_json([{"check": c.name, "ok": c.ok, "detail": c.detail} for c in found])
        else:
            output.lines(f"{'ok ' if c.ok else 'BAD'} {c.name}: {c.detail}" for c in found)
        if not all(c.ok for c in found):
            raise typer.Exit(EXIT_MISMATCH)
        return
    want = checks.expectation(expect)
    results = checks.check_binaries(binaries, want, recursive)
    if as_json:
        output.emit_json(
            {
                "expected": want.label,
                "source": want.source,
                "binaries": [
                    {"path": str(r.path), "built_with": r.built_with, "ok": r.ok, "error": r.error}
                    for r in results
                ],
            }
        )
    else:
        output.lines(r.line(want, str(r.path)) for r in results)
        if not results:
            output.status("no Go executables found")
    if any(r.error is None and not r.ok for r in results):
        raise typer.Exit(EXIT_MISMATCH)
    if any(r.error is not None for r in results):
        raise typer.Exit(1)
