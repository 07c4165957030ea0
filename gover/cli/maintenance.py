"""`gover outdated`, `gover upgrade` and `gover prune`."""

from __future__ import annotations

from typing import Annotated

import typer

from gover import output
from gover.cli import completions
from gover.cli.app import JsonOpt, app, load_config, rehash_quietly

RefreshOpt = Annotated[bool, typer.Option("--refresh", help="Re-fetch the release index.")]
DryRunOpt = Annotated[
    bool, typer.Option("--dry-run", help="Show what would change; change nothing.")
]


@app.command()
def outdated(
    recursive: Annotated[
        bool, typer.Option("--recursive", "-r", help="Also every pin file below this directory.")
    ] = False,
    exit_code: Annotated[
        bool, typer.Option("--exit-code", help="Exit 1 when anything is outdated (for CI).")
    ] = False,
    refresh: RefreshOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Show installed versions and pins that have a newer patch in the release index."""
    from gover.results.maintenance import Outdated
    from gover.toolchain import lifecycle

    report = lifecycle.outdated(load_config(), recursive=recursive, refresh=refresh)
    result = Outdated(report, exit_on_outdated=exit_code)
    output.render(result, as_json=as_json)
    if result.exit_code:
        raise typer.Exit(result.exit_code)


@app.command()
def upgrade(
    prefixes: Annotated[
        list[str] | None,
        typer.Argument(
            help="Only these minors (1.22); default: every installed minor",
            autocompletion=completions.installed_versions,
        ),
    ] = None,
    pins: Annotated[
        bool,
        typer.Option("--pins", help="Rewrite exact pins in .go-version/.tool-versions files."),
    ] = False,
    gomod: Annotated[
        bool,
        typer.Option("--gomod", help="Also rewrite go.mod/go.work toolchain lines (never go)."),
    ] = False,
    dry_run: DryRunOpt = False,
    refresh: RefreshOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Install the newest patch of each installed minor; move the global pin with it."""
    from gover.results.maintenance import Upgraded
    from gover.toolchain import lifecycle

    report = lifecycle.upgrade(
        load_config(), prefixes or [], pins=pins, gomod=gomod, dry_run=dry_run, refresh=refresh
    )
    if report.installs:
        rehash_quietly()
    output.render(Upgraded(report), as_json=as_json)


@app.command()
def prune(
    keep: Annotated[
        int, typer.Option("--keep", min=1, help="Newest patches to keep per minor.")
    ] = 1,
    dry_run: DryRunOpt = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Remove installed versions that no pin, alias or --keep selects."""
    import sys

    from gover.errors import GoverError
    from gover.results.maintenance import Pruned
    from gover.toolchain import lifecycle

    plan = lifecycle.plan_prune(keep)
    if dry_run or not plan.remove:
        output.render(Pruned(plan, dry_run=dry_run), as_json=as_json)
        return
    if not yes:
        count = f"{len(plan.remove)} version{'s' if len(plan.remove) > 1 else ''}"
        if not sys.stdin.isatty():
            raise GoverError(
                f"prune would remove {count} ({', '.join(i.name for i in plan.remove)}); "
                "nothing removed",
                "see the plan: gover prune --dry-run; then: gover prune --yes",
            )
        for line in Pruned(plan).plan_lines():
            output.status(line)
        output.prompt(f"remove {count}? [y/N] ")
        if sys.stdin.readline().strip().lower() not in ("y", "yes"):
            raise GoverError("nothing removed")
    removed = lifecycle.prune(plan)
    rehash_quietly()
    output.render(Pruned(plan, tuple(i.name for i in removed)), as_json=as_json)
