"""gover doctor: explain this machine's Go environment (gover/doctor/)."""

from __future__ import annotations

from typing import Annotated

import typer

from gover.cli.app import JsonOpt, app
from gover.doctor.model import MODES, SHELLS
from gover.errors import UsageError


@app.command("doctor")
def doctor_(
    shell: Annotated[
        str | None, typer.Option("--shell", help=f"Look at one shell: {', '.join(SHELLS)}, or all.")
    ] = None,
    mode: Annotated[
        str | None,
        typer.Option("--as", help=f"Look at one way it starts: {', '.join(MODES)}."),
    ] = None,
    static: Annotated[
        bool, typer.Option("--static", help="Read start-up files instead of tracing them.")
    ] = False,
    network: Annotated[
        bool,
        typer.Option(
            "--network", help="Also check DNS, TLS and HTTP to the index, downloads and GOPROXY."
        ),
    ] = False,
    fix: Annotated[
        bool,
        typer.Option(
            "--fix", help="Apply the fixes that touch only gover's own files and its init block."
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Explain what is wrong with this Go environment, where it comes from, and the fix. Exit 1 on an error finding."""
    if shell is not None and shell not in (*SHELLS, "all"):
        raise UsageError(f"unknown shell {shell!r}", f"use --shell {'|'.join(SHELLS)}|all")
    if mode is not None and mode not in MODES:
        raise UsageError(f"unknown --as {mode!r}", f"use --as {'|'.join(MODES)}")
    from gover.cli import fast

    code = fast.doctor(shell, mode, static=static, network=network, fix=fix, as_json=as_json)
    if code:
        raise typer.Exit(code)
