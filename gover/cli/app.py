"""The root of the command line: the typer app, its callback, the options several command
families share, and `run`. Each family lives in its own module (toolchains, selection,
shellsetup, inspection, settings) and registers its commands on `app` when imported; `run`
imports them all. Commands are thin: parse, call one core function, hand its result to
gover.output. A GoverError propagates to gover.cli.entry.main, which reports it once.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from gover import output
from gover.cli import completions
from gover.constants import ENV_DEBUG

if TYPE_CHECKING:
    from gover.config import Config

app = typer.Typer(
    name="gover",
    help="Install, verify and select Go toolchains.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},  # subcommands inherit it
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
PinArg = Annotated[
    str | None,
    typer.Argument(
        help="1.22.10, 1.22, latest or system", autocompletion=completions.selectable_versions
    ),
]
ForceOpt = Annotated[bool, typer.Option("--force", help="Pin it even though it is not installed.")]
UnsetOpt = Annotated[bool, typer.Option("--unset", help="Remove the pin.")]
ShellOpt = Annotated[
    str | None, typer.Option("--shell", help="bash, zsh, sh, fish or pwsh (default: $SHELL)")
]


def _version_callback(value: bool) -> None:
    if value:  # `gover --version` alone never gets here (cli/fast.py answers it)
        from gover.cli import fast as views

        views.show_version()
        raise typer.Exit()


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version_callback, is_eager=True)
    ] = False,
) -> None:
    if debug:
        os.environ[ENV_DEBUG] = "1"


@app.command()
def version(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """gover's version, its store and the Python that runs it (also: gover --version)."""
    from gover.cli import fast as views

    views.show_version(as_json)


FAMILIES = (
    "toolchains",
    "selection",
    "shellsetup",
    "inspection",
    "doctor",
    "settings",
    "mirror",
    "adoption",
    "maintenance",
    "tools",
)


def load_config() -> Config:
    from gover import config

    return config.load()


def warn_kept(kept: tuple[Path, ...]) -> None:
    for path in kept:
        output.warn(f"{path}: not made by gover; left alone", once_key=f"kept:{path}")


def rehash_quietly() -> None:
    """After install, uninstall and `config set auto_install`: shims follow the store."""
    from gover.select import shims

    warn_kept(shims.rehash().kept)


def run(argv: list[str] | None) -> None:
    """Run the typer app in standalone mode: it reports its own usage errors (exit 2), exit
    codes and Ctrl-C (130); a GoverError propagates to gover.cli.entry.main, which reports it."""
    import importlib

    for family in FAMILIES:  # importing a family registers its commands, in --help order
        importlib.import_module(f"gover.cli.{family}")
    if completions.requested():
        completions.enable()
    app(args=argv, prog_name="gover")
