"""Commands on the hot path (`current`, `which`, `list`, `hook`): plain functions with no
typer, so gover.cli.entry can run them without importing the CLI framework (~40 ms saved).
Each builds its result (gover.results) from one core call and hands it to gover.output."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gover import output, paths

if TYPE_CHECKING:  # each command imports only its own family of results
    from gover.results import selection as selection_results
    from gover.results import toolchains as toolchains_results


def installed_list() -> toolchains_results.InstalledList:
    from gover.results import toolchains as toolchains_results
    from gover.toolchain import store

    return toolchains_results.InstalledList(
        tuple(
            toolchains_results.InstalledVersion(
                version=i.name,
                path=str(i.root),
                sha256=i.receipt.sha256 if i.receipt.known else None,
                signer=i.receipt.signer if i.receipt.known else None,
                url=i.receipt.url if i.receipt.known else None,
                installed_at=i.receipt.installed_at if i.receipt.known else None,
            )
            for i in store.installed()
        )
    )


def current() -> selection_results.Current:
    from gover.results import selection as selection_results
    from gover.select import resolve

    sel = resolve.select()
    return selection_results.Current(
        version=sel.label,
        requested=sel.pin.token,
        source=sel.source,
        origin=str(sel.pin.origin) if sel.pin.origin else None,
        goroot=str(sel.root) if sel.root else None,
        go=str(paths.toolchain(sel.root).go) if sel.root else str(sel.system),
    )


def which(program: str) -> selection_results.Which:
    from gover.results import selection as selection_results
    from gover.select import pins, resolve

    return selection_results.Which(program, str(pins.program_path(resolve.select(), program)))


def show_list(as_json: bool) -> None:
    output.render(installed_list(), as_json=as_json)


def show_current(as_json: bool) -> None:
    output.render(current(), as_json=as_json)


def show_which(program: str, as_json: bool = False) -> None:
    output.render(which(program), as_json=as_json)


def _confirm_fixes(commands: list[str]) -> bool:
    """Show what `doctor --fix` will run; on a terminal, ask first."""
    import sys

    for command in commands:
        output.status(f"gover: --fix runs: {command}")
    if not sys.stdin.isatty():
        return True
    output.prompt(f"run {'it' if len(commands) == 1 else f'these {len(commands)}'}? [y/N] ")
    return sys.stdin.readline().strip().lower() in ("y", "yes")


def doctor(
    shell: str | None, mode: str | None, *, static: bool, network: bool, fix: bool, as_json: bool
) -> int:
    """`gover doctor`: diagnose, (--fix: apply the fixable, diagnose again), render. The exit
    code: 1 when an error-level finding remains, else 0."""
    from gover.doctor import run
    from gover.results import doctor as doctor_results

    sc = run.scope(shell, mode, static=static, network=network)
    report = run.diagnose(sc)
    applied: tuple[str, ...] = ()
    if fix:
        from gover.doctor import fixes

        applied = tuple(fixes.apply(report.findings, sc, _confirm_fixes))
        if applied:
            report = run.diagnose(sc)
    result = doctor_results.DoctorResult(
        tuple(doctor_results.DoctorFinding(**vars(f)) for f in report.findings),
        report.notes,
        sc.shells,
        sc.modes,
        applied,
    )
    output.render(result, as_json=as_json)
    return result.exit_code


def _doctor_args(rest: list[str]) -> dict[str, object] | None:
    """doctor's options without a parser (None: let the full CLI parse and report them)."""
    from gover.doctor.model import MODES, SHELLS

    opts: dict[str, object] = {"shell": None, "mode": None}
    flags = {"--static": "static", "--network": "network", "--fix": "fix", "--json": "as_json"}
    for name in flags.values():
        opts[name] = False
    words = iter(rest)
    for word in words:
        key, eq, value = word.partition("=")
        if key in ("--shell", "--as"):
            value = value if eq else next(words, "")
            allowed = (*SHELLS, "all") if key == "--shell" else MODES
            if value not in allowed:
                return None
            opts["shell" if key == "--shell" else "mode"] = value
        elif word in flags:
            opts[flags[word]] = True
        else:
            return None
    return opts


def fast_path(argv: list[str]) -> bool:
    """Run a hot command whose arguments need no parser; False means: use the full CLI."""
    if not argv:
        return False
    cmd, rest = argv[0], argv[1:]
    if cmd in ("current", "list") and rest in ([], ["--json"]):
        (show_current if cmd == "current" else show_list)(bool(rest))
        return True
    if cmd == "hook" and len(rest) == 1 and not rest[0].startswith("-"):
        # `eval "$(gover hook bash)"` runs in every new shell that uses it: no typer there.
        from gover.select import hooks

        output.code(hooks.render_hook(rest[0]))
        return True
    if cmd == "doctor" and (opts := _doctor_args(rest)) is not None:
        import sys

        sys.exit(doctor(**opts))  # type: ignore[arg-type]
    if cmd == "which":
        as_json = "--json" in rest
        words = [a for a in rest if a != "--json"]
        if len(words) <= 1 and not any(a.startswith("-") for a in words):
            show_which(words[0] if words else "go", as_json)
            return True
    return False


def json_requested(argv: list[str]) -> bool:
    """Whether this command line asks for JSON: `--json` given to a command that takes it
    (not, say, to the program `gover exec -- prog --json` runs). Read once, by entry.main,
    so a failure can be a JSON object too."""
    words = argv[: argv.index("--")] if "--" in argv else argv
    commands = [w for w in words if not w.startswith("-")]
    if "--json" not in words or not commands:
        return False
    first = commands[0]
    if first in JSON_SUBCOMMANDS and commands[1:2]:
        return commands[1] in JSON_SUBCOMMANDS[first]
    return first in JSON_COMMANDS


JSON_COMMANDS = (
    *("list", "list-remote", "current", "which", "verify"),
    *("install", "uninstall", "local", "global", "rehash", "doctor"),
    *("use", "ls", "rm", "version", "outdated", "upgrade", "prune", "tools"),
)
JSON_SUBCOMMANDS: dict[str, tuple[str, ...]] = {
    "config": ("list", "get", "set", "unset"),
    "keys": ("list", "refresh"),
    "cache": ("clean",),
    "tools": ("reinstall",),
}
