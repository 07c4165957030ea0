"""Setting up a shell: hook, init and completions."""

from __future__ import annotations

from typing import Annotated

import typer

from gover import output
from gover.cli import completions
from gover.cli.app import app
from gover.errors import UsageError


@app.command()
def hook(
    shell_name: Annotated[
        str,
        typer.Argument(
            metavar="SHELL",
            help="bash, zsh, fish, nu or pwsh (experimental)",
            autocompletion=completions.shells,
        ),
    ],
) -> None:
    """Print the hook (GOROOT for tools, warnings once per directory) for eval: eval "$(gover
    hook bash)". The block `gover init` writes sources the same code from a file instead."""
    from gover.select import hooks

    output.code(hooks.render_hook(shell_name))


@app.command("completions")
def completions_(
    shell_name: Annotated[
        str,
        typer.Argument(
            metavar="SHELL",
            help="bash, zsh, fish, nu or pwsh (experimental)",
            autocompletion=completions.shells,
        ),
    ],
) -> None:
    """Print the completion script for SHELL (bash, zsh, fish: as in completions/ in the
    repo); `gover init SHELL --write` installs it where SHELL looks."""
    if shell_name not in completions.SCRIPTS:
        raise UsageError(
            f"no completion script for {shell_name!r}", "use: bash, zsh, fish, nu or pwsh"
        )
    output.code(completions.render(shell_name).rstrip("\n"))


@app.command("init")
def init(
    shell_name: Annotated[
        str | None,
        typer.Argument(
            metavar="SHELL",
            help="bash, zsh, fish, nu or pwsh (experimental) (default: the shell running gover, "
            "else $SHELL)",
            autocompletion=completions.shells,
        ),
    ] = None,
    write: Annotated[
        bool, typer.Option("--write", help="Add it to those files (a marked block, backup first).")
    ] = False,
) -> None:
    """Print the shell setup gover needs and where it goes; --write adds it."""
    from gover.select import setup as initsetup

    report = initsetup.run(shell_name, write=write)
    for message in report.warnings:
        output.warn(message)
    output.code_lines(initsetup.render(report))
