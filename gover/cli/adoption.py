"""Taking in the Go trees already on disk: gover adopt PATH… | --scan."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from gover import output
from gover.cli.app import JsonOpt, app, load_config, rehash_quietly
from gover.errors import GoverError, UsageError
from gover.results import adoption as adoption_results

if TYPE_CHECKING:
    from gover.toolchain.adopt import Adopted, Scanned


@app.command()
def adopt(
    trees: Annotated[
        list[Path] | None, typer.Argument(help="Go trees to take into the store (GOROOTs).")
    ] = None,
    scan: Annotated[
        bool, typer.Option("--scan", help="List the Go trees in the usual places; adopt none.")
    ] = False,
    link: Annotated[
        bool, typer.Option("--link", help="Reference the tree read-only instead of copying it.")
    ] = False,
    allow_unverified: Annotated[
        bool,
        typer.Option(
            "--allow-unverified", help="Adopt a tree the checksum database does not vouch for."
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Adopt Go trees already on disk, proven by Go's checksum database (--scan: list them)."""
    from gover.toolchain import adopt as core

    cfg = load_config()
    if scan:
        if trees or link or allow_unverified:
            raise UsageError("--scan lists trees; adopt one with: gover adopt PATH")
        output.render(_scan_report(core.scan(cfg)), as_json=as_json)
        return
    if not trees:
        raise UsageError("no tree given", "see what is on disk: gover adopt --scan")
    done: list[adoption_results.AdoptedTree] = []
    try:
        for tree in trees:
            r = core.adopt(tree, cfg, link=link, allow_unverified=allow_unverified)
            done.append(_adopted(r))
    except GoverError:
        if done:
            rehash_quietly()
            if not as_json:  # the ones already adopted are still reported, before the error
                output.render(adoption_results.AdoptReport(tuple(done)), as_json=False)
        raise
    rehash_quietly()
    output.render(adoption_results.AdoptReport(tuple(done)), as_json=as_json)


def _adopted(r: Adopted) -> adoption_results.AdoptedTree:
    fresh = r.outcome != "already-installed"
    return adoption_results.AdoptedTree(
        version=r.version.name,
        path=str(r.root),
        source=str(r.source),
        status=r.outcome,
        verified=r.verdict.status if fresh else "",
        detail=r.verdict.detail,
        proofs=(r.verdict.proof,) if r.verdict.proof else (("unverified",) if fresh else ()),
        seconds=r.seconds,
    )


def _scan_report(found: Sequence[Scanned]) -> adoption_results.ScanReport:
    rows = []
    for s in found:
        rows.append(
            adoption_results.FoundTree(
                path=str(s.found.path),
                version=s.found.version.name if s.found.version else None,
                origin=s.found.origin,
                status=s.verdict.status,
                detail=s.verdict.detail,
                h1=s.verdict.h1,
                db_h1=s.verdict.db_h1,
                installed=s.installed,
            )
        )
    return adoption_results.ScanReport(tuple(rows))
