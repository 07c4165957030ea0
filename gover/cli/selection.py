"""Choosing a toolchain: local, global, shell, current, which, exec, env and rehash."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from gover import output
from gover.cli import completions
from gover.cli import fast as views
from gover.cli.app import ForceOpt, JsonOpt, PinArg, ShellOpt, UnsetOpt, app, warn_kept
from gover.errors import UsageError
from gover.results import selection as selection_results


@app.command()
def local(
    version: PinArg = None,
    force: ForceOpt = False,
    unset: UnsetOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Pin the Go version for this directory (writes .go-version)."""
    from gover.select import pins

    path = pins.local_file()
    if not unset and version is None:
        raise UsageError("no version given", "e.g. gover local 1.22.10 (or --unset)")
    output.render(_pin("local", path, version, force, unset), as_json=as_json)


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


def _shell_name(shell: str | None) -> str:
    from gover.select import shells

    name = shell or Path(os.environ.get("SHELL", "sh")).name
    found = shells.session_shell(name)
    if found is None:
        raise UsageError(f"unknown shell {name!r}", "use --shell bash|zsh|sh|fish|pwsh")
    return found


@app.command()
def shell(
    version: PinArg = None,
    unset: UnsetOpt = False,
    force: ForceOpt = False,
    shell_: ShellOpt = None,
) -> None:
    """Print the line that pins this shell session: eval "$(gover shell 1.22)"."""
    from gover.select import pins, shims

    name = _shell_name(shell_)
    if unset:
        output.code(shims.shell_command(None, name))
        return
    if version is None:
        raise UsageError("no version given", 'e.g. eval "$(gover shell 1.22.10)" (or --unset)')
    token = pins.parse_token(version)
    pins.check_installed(token, force)
    output.code(shims.shell_command(token, name))


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
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
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
    from gover.select import pins, resolve

    argv = list(ctx.args)
    if not argv:
        raise UsageError("no command given", "e.g. gover exec -- go version")
    if version is not None:
        os.environ["GOVER_VERSION"] = pins.parse_token(version)
    sel = resolve.select()
    env = pins.toolchain_env(sel)
    if version is not None:
        del env["GOVER_VERSION"]
    import shutil

    exe = shutil.which(argv[0], path=env.get("PATH"))
    if exe is None:
        raise UsageError(f"{argv[0]}: command not found", "check the name or your PATH")
    sys.stdout.flush()
    os.execve(exe, argv, env)


@app.command()
def env(shell_: ShellOpt = None) -> None:
    """Print exports for the selected toolchain: eval "$(gover env)"."""
    from gover.select import pins, resolve, shells

    name = _shell_name(shell_)
    sel = resolve.select()
    if sel.root is None:
        output.status(f"system go {sel.system} ({sel.source}): nothing to export")
        return
    full = pins.toolchain_env(sel)
    out = []
    for key in ("GOROOT", "PATH", "GOTOOLCHAIN"):
        value = full[key]
        if name == "fish":
            if key == "PATH":
                out.append(
                    f"set -gx PATH {' '.join(shells.quote(name, p) for p in value.split(os.pathsep))}"
                )
            else:
                out.append(f"set -gx {key} {shells.quote(name, value)}")
        elif name == "pwsh":
            out.append(f"$Env:{key} = {shells.quote(name, value)}")
        else:
            out.append(f"export {key}={shells.quote(name, value)}")
    output.code_lines(out)


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
