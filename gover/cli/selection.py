"""Choosing a toolchain: local, global, shell, current, which, exec, env and rehash."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gover import output
from gover.cli import completions
from gover.cli import fast as views
from gover.cli.app import ForceOpt, JsonOpt, PinArg, ShellOpt, UnsetOpt, app, warn_kept
from gover.results import selection as selection_results


@app.command()
def local(
    version: PinArg = None,
    force: ForceOpt = False,
    unset: UnsetOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Pin the Go version for this directory (writes .go-version); with no version, show it."""
    from gover.select import pins

    path = pins.local_file()
    if not unset and version is None:
        output.render(_local_pin(), as_json=as_json)
        return
    output.render(_pin("local", path, version, force, unset), as_json=as_json)


def _local_pin() -> selection_results.LocalPin:
    """The pin a file sets here: the nearest .go-version, .tool-versions, go.work or go.mod
    up from the working directory (not GOVER_VERSION, not the global file)."""
    import os

    from gover.constants import ENV_VERSION
    from gover.errors import GoverError
    from gover.select import resolve

    hidden = os.environ.pop(ENV_VERSION, None)
    try:
        pin = resolve.find_pin()
    finally:
        if hidden is not None:
            os.environ[ENV_VERSION] = hidden
    if pin.kind in ("global", "default") or pin.origin is None:
        raise GoverError(
            f"no local version pin in {resolve.working_dir()} or above (looked for "
            f"{resolve.VERSION_FILE}, {resolve.TOOL_VERSIONS}, go.work and go.mod)",
            "pin one: gover local VERSION",
        )
    return selection_results.LocalPin(pin.token, str(pin.origin), pin.kind)


@app.command()
def use(
    version: Annotated[
        str,
        typer.Argument(
            help="1.22.10, 1.22 (newest 1.22.x), latest, go1.22 or system",
            autocompletion=completions.selectable_versions,
        ),
    ],
    global_: Annotated[
        bool, typer.Option("--global", "-g", help="Set the global default instead.")
    ] = False,
    force: Annotated[
        bool,
        typer.Option("--force", help="Install it again even if an installed version satisfies it."),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Install VERSION if no installed version satisfies it, then pin it here (or -g)."""
    output.render(_use(version, global_, force), as_json=as_json)


def _use(version: str, global_: bool, force: bool) -> selection_results.UseReport:
    from gover import paths
    from gover.cli.app import load_config
    from gover.cli.toolchains import installed_row
    from gover.select import pins, resolve
    from gover.select import use as core

    path = paths.global_version_file() if global_ else pins.local_file()
    done = core.use(version, load_config(), path, global_=global_, force=force)
    warn_kept(done.kept)
    here = resolve.find_pin()
    shadowed = None if here.origin == path else here.source
    if global_ and here.kind == "global":
        shadowed = None
    return selection_results.UseReport(
        "global" if global_ else "local",
        str(path),
        done.pin,
        done.previous,
        done.selects,
        installed_row(done.installed, done.packages) if done.installed is not None else None,
        shadowed,
    )


@app.command("global")
def global_(
    version: PinArg = None,
    force: ForceOpt = False,
    unset: UnsetOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Set the default Go version used outside pinned directories."""
    from gover import paths

    output.render(
        _pin("global", paths.global_version_file(), version, force, unset), as_json=as_json
    )


def _pin(
    scope: str, path: Path, version: str | None, force: bool, unset: bool
) -> selection_results.PinWritten | selection_results.PinRemoved | selection_results.GlobalPin:
    """local/global: remove the pin, show it (global only), or write it."""
    from gover.select import pins

    if unset:
        return selection_results.PinRemoved(scope, str(path), pins.unset(path))
    if version is None:
        from gover.select import resolve

        pin = resolve.read_version_file(path, "global")
        return selection_results.GlobalPin(pin.token, str(path)) if pin else selection_results.GlobalPin("system", None)
    token, name = pins.write_pin(path, version, force)
    return selection_results.PinWritten(scope, str(path), token, name)


@app.command()
def shell(
    version: PinArg = None,
    unset: UnsetOpt = False,
    force: ForceOpt = False,
    shell_: ShellOpt = None,
) -> None:
    """Print the line that pins this shell session: eval "$(gover shell 1.22)"."""
    views.show_shell(version, unset=unset, force=force, shell=shell_)


@app.command()
def current(as_json: JsonOpt = False) -> None:
    """The active Go version here and why."""
    views.show_current(as_json)


@app.command()
def which(
    program: Annotated[
        str, typer.Argument(help="go, gofmt, …", autocompletion=completions.programs)
    ] = "go",
    as_json: JsonOpt = False,
) -> None:
    """The absolute path of PROGRAM in the selected toolchain."""
    views.show_which(program, as_json)


@app.command(
    "exec",
    context_settings={
        "allow_extra_args": True,
        "ignore_unknown_options": True,
        "allow_interspersed_args": False,  # options after the command are the command's
    },
)
def exec_(
    ctx: typer.Context,
    version: Annotated[
        str | None,
        typer.Option(
            "--version",
            "-v",
            help="Use this version instead.",
            autocompletion=completions.selectable_versions,
        ),
    ] = None,
) -> None:
    """Run a command with the selected toolchain: gover exec [--version V] -- go build."""
    views.run_exec(list(ctx.args), version)


@app.command()
def env(shell_: ShellOpt = None) -> None:
    """Print exports for the selected toolchain: eval "$(gover env)"."""
    views.show_env(shell_)


@app.command()
def rehash(as_json: JsonOpt = False) -> None:
    """Rewrite the shims and alias files (done after every install and uninstall)."""
    from gover import paths
    from gover.select import pins, shims

    done = shims.rehash()
    warn_kept(done.kept)
    result = selection_results.Rehashed(
        shims_dir=str(paths.shims_dir()),
        shims=done.shims,
        aliases=tuple(done.aliases.items()),
        kept=tuple(str(k) for k in done.kept),
        on_path=pins.shims_on_path(),
        kind=done.kind,
        go=done.go,
        why=done.why,
    )
    output.render(result, as_json=as_json)
