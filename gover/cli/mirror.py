"""`gover mirror build | sync | verify`: keep a go.dev-shaped tree for a team, a CI fleet or
an air-gapped network (the work is in gover/mirror/)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from gover import output
from gover.cli.app import JsonOpt, app, load_config

if TYPE_CHECKING:
    from gover.config import Config

mirror_app = typer.Typer(
    help="Build, sync and verify a mirror tree of Go releases (serve it with any web server).",
    no_args_is_help=True,
)

DirArg = Annotated[Path, typer.Argument(help="The mirror tree (created by build).")]
JobsOpt = Annotated[int, typer.Option("--jobs", help="Parallel downloads (connections).")]
FromOpt = Annotated[
    list[str] | None,
    typer.Option("--from", help="Upstream: a preset name or URL (repeatable: tried in order)."),
]


def _config(sources_from: list[str] | None) -> Config:
    cfg = load_config()
    if sources_from:
        from gover.toolchain import sources

        cfg = sources.with_mirror(cfg, sources_from, "--from")
    return cfg


@mirror_app.command("build")
def build(
    directory: DirArg,
    version: Annotated[
        list[str] | None,
        typer.Option("--version", help="1.22.10, 1.22 (newest 1.22.x) or latest; repeatable."),
    ] = None,
    platform: Annotated[
        list[str] | None,
        typer.Option("--platform", help="GOOS/GOARCH or all; repeatable (default: this host)."),
    ] = None,
    jobs: JobsOpt = 4,
    from_: FromOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Download verified archives (+ .sha256, .asc) into DIR and write its index.json."""
    from gover.mirror import build as core

    result = core.build(
        directory, _config(from_), versions=version or [], platforms=platform or [], jobs=jobs
    )
    output.render(result, as_json=as_json)


@mirror_app.command("sync")
def sync(
    directory: DirArg,
    prune: Annotated[
        int | None, typer.Option("--prune", help="Keep the newest N patches per minor.")
    ] = None,
    jobs: JobsOpt = 4,
    from_: FromOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add the newest patch release of every minor (and platform) DIR already holds."""
    from gover.mirror import build as core

    output.render(core.sync(directory, _config(from_), prune=prune, jobs=jobs), as_json=as_json)


@mirror_app.command("verify")
def verify(directory: DirArg, jobs: JobsOpt = 4, as_json: JsonOpt = False) -> None:
    """Re-check every file DIR's index names (size, SHA-256, sidecars, signatures)."""
    from gover.mirror import check

    result = check.verify(directory, load_config(), jobs=jobs)
    output.render(result, as_json=as_json)
    if result.exit_code:
        raise typer.Exit(result.exit_code)


app.add_typer(mirror_app, name="mirror")
