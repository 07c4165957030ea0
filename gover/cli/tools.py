"""`gover tools` and `gover tools reinstall`."""

from __future__ import annotations

from typing import Annotated

import typer

from gover import output
from gover.cli import fast as views
from gover.cli.app import JsonOpt, app, load_config

tools_app = typer.Typer(
    help="Programs in GOBIN and the Go that built them.", invoke_without_command=True
)
app.add_typer(tools_app, name="tools")


@tools_app.callback()
def tools(
    ctx: typer.Context,
    check: Annotated[
        bool,
        typer.Option(
            "--check", help="Exit 4 when a program was built with another or unsupported Go."
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """List the programs in GOBIN with the Go and module version that built each one;
    mark those built with a Go other than the selected one (other-go) or older than the
    oldest supported release (unsupported-go)."""
    if ctx.invoked_subcommand is not None:
        return
    code = views.show_tools(as_json, check)
    if code:
        raise typer.Exit(code)


@tools_app.command()
def reinstall(
    names: Annotated[
        list[str] | None, typer.Argument(help="Programs in GOBIN (default: the marked ones).")
    ] = None,
    everything: Annotated[bool, typer.Option("--all", help="Rebuild every program.")] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the go install commands, run none.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Rebuild programs with the selected Go: go install PACKAGE@VERSION from their build
    info, keeping the recorded -tags, -ldflags, -trimpath, CGO_ENABLED and GOEXPERIMENT."""
    from gover.results.tools import ReinstallReport
    from gover.tools import reinstall as core
    from gover.tools import scan

    cfg = load_config()
    found = scan.scan(cfg, warn=output.warn)
    chosen = core.choose(found, names or (), everything)

    def done(outcome: core.Outcome) -> None:
        if not as_json:
            output.info(outcome.line())

    result = ReinstallReport(
        found, core.rebuild(found, chosen, cfg, dry_run=dry_run, done=done), dry_run
    )
    output.render(result, as_json=as_json)
    if not as_json and result.error is not None:
        output.error(result.error)
    if result.exit_code:
        raise typer.Exit(result.exit_code)
