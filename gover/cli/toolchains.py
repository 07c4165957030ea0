"""Acquiring toolchains: install, uninstall, list, list-remote and the download cache."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from gover import output
from gover.cli import completions
from gover.cli import fast as views
from gover.cli.app import JsonOpt, app, load_config, rehash_quietly
from gover.config import Config
from gover.errors import UsageError
from gover.results import toolchains as toolchains_results

if TYPE_CHECKING:
    from gover.toolchain.install import InstallResult
    from gover.tools.defaults import DefaultPackage

cache_app = typer.Typer(help="Manage gover's download cache.", no_args_is_help=True)


@app.command()
def install(
    versions: Annotated[
        list[str] | None,
        typer.Argument(
            help="1.22.10, go1.22.10, 1.22 (newest 1.22.x), latest, 1.23rc1",
            autocompletion=completions.remote_versions,
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Reinstall over an existing copy.")
    ] = False,
    unstable: Annotated[
        bool, typer.Option("--unstable", help="Let prefixes match betas and RCs.")
    ] = False,
    refresh: Annotated[bool, typer.Option("--refresh", help="Re-fetch the release index.")] = False,
    file: Annotated[
        Path | None, typer.Option("--file", help="Install a local go.dev archive (air-gapped).")
    ] = None,
    sha256: Annotated[
        str | None, typer.Option("--sha256", help="Expected SHA-256 of --file.")
    ] = None,
    source: Annotated[
        list[str] | None,
        typer.Option(
            "--source",
            help="go.dev (release index and mirrors) or proxy ($GOPROXY, proven by the "
            "checksum database); repeat or comma-separate to try in order.",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Download, verify and install Go releases."""
    # Each version's lines as soon as it is in (text); JSON: one document at the end.
    def shown(item: toolchains_results.Installed) -> None:
        output.render(toolchains_results.InstallReport((item,)), as_json=False)

    report = _install(
        versions, force, unstable, refresh, file, sha256, source, None if as_json else shown
    )
    if as_json:
        output.render(report, as_json=True)


def _with_source(cfg: Config, source: list[str] | None) -> Config:
    """`--source go.dev,proxy` (repeatable) over the configured `source`."""
    if not source:
        return cfg
    from gover import config

    kinds = [k.strip() for entry in source for k in entry.split(",") if k.strip()]
    return config.override(cfg, "source", kinds, "--source")


def _install(
    versions: list[str] | None,
    force: bool,
    unstable: bool,
    refresh: bool,
    file: Path | None,
    sha256: str | None,
    source: list[str] | None = None,
    on_done: Callable[[toolchains_results.Installed], None] | None = None,
) -> toolchains_results.InstallReport:
    from gover.toolchain import install as core

    cfg = _with_source(load_config(), source)
    done: list[toolchains_results.Installed] = []

    def finished(r: core.InstallResult) -> None:
        item = installed_row(r, core.default_packages(r, cfg))
        done.append(item)
        if on_done is not None:
            on_done(item)

    if file is not None:
        if versions:
            raise UsageError("give either --file or versions, not both")
        if source:
            raise UsageError("--source goes with versions, not --file")
        finished(core.install_file(file, cfg, sha256=sha256, force=force))
    else:
        if sha256:
            raise UsageError(
                "--sha256 goes with --file", "gover install --file ARCHIVE --sha256 HEX"
            )
        if not versions:
            versions = [_pinned_request()]
        try:
            for text in versions:
                finished(core.install(text, cfg, force=force, unstable=unstable, refresh=refresh))
        finally:
            if done:
                rehash_quietly()  # the ones in are usable even when a later one failed
    if file is not None:
        rehash_quietly()
    return toolchains_results.InstallReport(tuple(done))


def installed_row(
    r: InstallResult, packages: tuple[DefaultPackage, ...] = ()
) -> toolchains_results.Installed:
    """An install's result as the install and use commands report it."""
    return toolchains_results.Installed(
        version=r.version.name,
        path=str(r.root),
        status=r.status,
        sha256=r.sha256,
        signer=r.signer,
        url=r.url,
        seconds=r.seconds,
        index_url=r.index_url,
        source=r.source,
        via=r.via,
        proofs=r.proofs,
        signer_name=r.signer_name,
        default_packages=tuple(
            toolchains_results.DefaultPackageRow(p.package, p.ok, p.message) for p in packages
        ),
    )


def _pinned_request() -> str:
    """`gover install` with no version: what the current directory asks for."""
    from gover.select import resolve

    pin = resolve.find_pin()
    if pin.token == "system":
        raise UsageError(
            "no version given and no version file here",
            "e.g. gover install 1.22 (see: gover list-remote)",
        )
    output.status(f"installing go {pin.token} ({pin.source})")
    return resolve.install_hint(pin)


@app.command("rm", hidden=True)
@app.command()
def uninstall(
    versions: Annotated[
        list[str],
        typer.Argument(
            help="Installed versions to remove (1.21 when only one 1.21.x is installed).",
            autocompletion=completions.installed_versions,
        ),
    ],
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Remove it even though the global or a version file names it."
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Remove installed versions."""
    import sys

    from gover.errors import GoverError
    from gover.toolchain import removal as core

    confirm = _confirm if sys.stdin.isatty() else None  # nobody to ask: --force or refuse
    removed: list[toolchains_results.Removed] = []
    try:
        for text in versions:
            item = core.uninstall(text, force=force, confirm=confirm)
            removed.append(toolchains_results.Removed(item.name, str(item.root)))
    except (GoverError, OSError):
        if not as_json:  # the ones already removed are still reported, before the error
            output.render(toolchains_results.UninstallReport(tuple(removed)), as_json=False)
        raise
    rehash_quietly()
    output.render(toolchains_results.UninstallReport(tuple(removed)), as_json=as_json)


def _confirm(why: str) -> bool:
    """Ask on the terminal (stderr, so stdout stays the result); anything but y/yes is no."""
    import sys

    output.warn(why)
    sys.stderr.write("uninstall it anyway? [y/N] ")
    sys.stderr.flush()
    return sys.stdin.readline().strip().lower() in ("y", "yes")


@app.command("ls", hidden=True)
@app.command("list")
def list_(as_json: JsonOpt = False) -> None:
    """List installed versions, newest first."""
    views.show_list(as_json)


@app.command("list-remote")
def list_remote(
    prefix: Annotated[
        str | None,
        typer.Argument(
            help="Only versions matching, e.g. 1.22", autocompletion=completions.remote_versions
        ),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Include betas and RCs.")] = False,
    refresh: Annotated[bool, typer.Option("--refresh", help="Re-fetch the release index.")] = False,
    source: Annotated[
        str | None,
        typer.Option("--source", help="go.dev (the release index) or proxy (@v/list of $GOPROXY)."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """List releases available for this platform, newest first."""
    result = _remote_list(prefix, all_, refresh, source)
    if result.error is not None and not as_json:
        from gover.errors import GoverError

        raise GoverError(result.error)
    output.render(result, as_json=as_json)
    if result.exit_code:
        raise typer.Exit(result.exit_code)


def _remote_list(
    prefix: str | None, unstable: bool, refresh: bool, source: str | None = None
) -> toolchains_results.RemoteList:
    from gover.platform import host
    from gover.toolchain import sources, store
    from gover.versions import VersionRequest

    request = VersionRequest.parse(prefix or "latest")
    plat = host()
    have = {i.version for i in store.installed()}
    rows = []
    prereleases = 0  # what --all would add, for the hint when nothing matches
    cfg = _with_source(load_config(), [source] if source else None)
    if cfg.source[0] == "proxy":
        from gover.toolchain import proxy

        env = proxy.go_env()
        listed, url = proxy.list_versions(cfg, proxy.plan(env), plat.goos, plat.goarch)
        for version in listed:
            if not unstable and request.matches(version, unstable=True):
                prereleases += not request.matches(version, unstable=False)
            if request.matches(version, unstable=unstable):
                rows.append(
                    toolchains_results.RemoteRelease(
                        version=version.name,
                        stable=version.is_release,
                        installed=version in have,
                        filename=proxy.zip_name(version, plat.goos, plat.goarch),
                        sha256="",  # a module zip has none: the checksum database's h1 proves it
                        size=0,
                    )
                )
        return toolchains_results.RemoteList(
            tuple(rows),
            url,
            f"proxy, {env.shown('GOPROXY')}",
            prefix,
            str(plat),
            prereleases,
        )
    loaded = sources.load_index(cfg, refresh=refresh)
    for rel in loaded.releases:
        archive = rel.archive_for(plat)
        if archive is None:
            continue
        if not unstable and request.matches(rel.version, unstable=True):
            prereleases += not request.matches(rel.version, unstable=False)
        if not request.matches(rel.version, unstable=unstable):
            continue
        rows.append(
            toolchains_results.RemoteRelease(
                version=rel.version.name,
                stable=rel.stable,
                installed=rel.version in have,
                filename=archive.filename,
                sha256=archive.sha256,
                size=archive.size,
            )
        )
    return toolchains_results.RemoteList(
        tuple(rows), loaded.url, loaded.source.setting, prefix, str(plat), prereleases
    )


@cache_app.command("clean")
def cache_clean(as_json: JsonOpt = False) -> None:
    """Delete downloaded archives and the cached release index."""
    from gover.toolchain import cache

    freed, count = cache.clean()
    output.render(toolchains_results.CacheCleaned(files=count, bytes=freed), as_json=as_json)


app.add_typer(cache_app, name="cache")
