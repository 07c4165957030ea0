"""Inspecting what was built: gover verify (binaries, go.mod/go.work, this shell's Go)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from gover import output
from gover.cli import fast as views
from gover.cli.app import JsonOpt, app
from gover.errors import UsageError
from gover.results import base as base_results
from gover.results import inspection as inspection_results


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
    tree: Annotated[
        bool,
        typer.Option(
            "--tree",
            help="Check a Go tree (PATH, default: the selected GOROOT) against Go's checksum "
            "database; name the files that differ.",
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Check binaries, go.mod or (with no argument) this shell's Go environment. Exit 4 on a mismatch."""
    result: base_results.Result
    if tree:
        if gomod or expect or recursive or (binaries and len(binaries) > 1):
            raise UsageError("--tree takes one PATH (a GOROOT) and no other option")
        result = _verify_tree(binaries[0] if binaries else None)
    elif gomod:
        if binaries or expect:
            raise UsageError("--gomod takes no binaries or --expect")
        result = _verify_gomod()
    elif not binaries:
        if expect or recursive:
            raise UsageError("--expect and --recursive need binaries to check")
        result = _verify_environment()
    else:
        result = views.verify_binaries(binaries, expect, recursive)
    output.render(result, as_json=as_json)
    if result.exit_code:
        raise typer.Exit(result.exit_code)


def _verify_gomod() -> inspection_results.VerifyGomod:
    from gover.inspect import checks

    res = checks.check_gomod()
    return inspection_results.VerifyGomod(
        file=str(res.mod.path),
        go=res.mod.go,
        toolchain=res.mod.toolchain,
        selected=res.selected.tag if res.selected else None,
        source=res.source,
        problems=tuple(res.problems),
    )


def _verify_environment() -> inspection_results.VerifyEnvironment:
    from gover.inspect import environment

    _sel, found = environment.run_checks()
    return inspection_results.VerifyEnvironment(
        tuple(inspection_results.EnvCheck(c.name, c.ok, c.detail) for c in found)
    )


def _verify_tree(path: Path | None) -> inspection_results.VerifyTree:
    from gover.cli.app import load_config
    from gover.inspect import tree

    root = Path(os.path.abspath(path.expanduser())) if path is not None else tree.default_root()
    r = tree.check(load_config(), root)
    return inspection_results.VerifyTree(
        path=str(r.root),
        version=r.version,
        module=r.module,
        h1=r.h1,
        db_h1=r.db_h1,
        proof=r.proof,
        changed=r.changed,
        missing=r.missing,
        extra=r.extra,
        reference=r.reference,
        why_no_list=r.why_no_list,
    )
