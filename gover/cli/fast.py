"""Commands on the hot path (`--version`, `current`, `which`, `list`, `hook`, `env`, `exec`,
`shell`, `verify FILE…`, `tools`, `doctor`): plain functions with no typer, so gover.cli.entry can run
them without importing the CLI framework (typer and click cost ~100 ms). The typer commands
call the same functions, so both paths behave alike.
Each builds its result (gover.results) from one core call and hands it to gover.output."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from gover import output, paths

if TYPE_CHECKING:  # each command imports only its own family of results
    from gover.results import about as about_results
    from gover.results import inspection as inspection_results
    from gover.results import selection as selection_results
    from gover.results import toolchains as toolchains_results


def installed_list() -> toolchains_results.InstalledList:
    """`gover list`: the store, with the version selected here marked (resolve.select: files
    only, no network; nothing is marked when the selection is the system go or fails)."""
    from gover.errors import GoverError
    from gover.results import toolchains as toolchains_results
    from gover.select import resolve
    from gover.toolchain import store

    try:
        sel = resolve.select()
        active, why = sel.name, sel.source
    except GoverError:
        active, why = None, None
    return toolchains_results.InstalledList(
        tuple(
            toolchains_results.InstalledVersion(
                version=i.name,
                path=str(i.root),
                sha256=i.receipt.sha256 if i.receipt.known else None,
                signer=i.receipt.signer if i.receipt.known else None,
                url=i.receipt.url if i.receipt.known else None,
                installed_at=i.receipt.installed_at if i.receipt.known else None,
                active=i.name == active,
                active_source=why if i.name == active else None,
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


def version_info() -> about_results.VersionInfo:
    """`gover version` / `gover --version`: gover's version, where its store is, and the
    Python that runs it."""
    import sys

    from gover import __version__
    from gover.results import about as about_results

    return about_results.VersionInfo(
        __version__,
        str(paths.data_dir()),
        ".".join(map(str, sys.version_info[:3])),
        sys.executable,
    )


def show_version(as_json: bool = False) -> None:
    output.render(version_info(), as_json=as_json)


def shell_name(shell: str | None) -> str:
    """--shell NAME, else $SHELL's basename: a shell gover writes session code for."""
    import os

    from gover.errors import UsageError
    from gover.select import shells

    name = shell or os.path.basename(os.environ.get("SHELL", "sh")) or "sh"
    found = shells.session_shell(name)
    if found is None:
        raise UsageError(f"unknown shell {name!r}", "use --shell bash|zsh|sh|fish|pwsh")
    return found


def show_env(shell: str | None) -> None:
    """`gover env`: exports of the selected toolchain's GOROOT, PATH and GOTOOLCHAIN (and
    GOBIN when gover chooses it: config gobin = "per-version")."""
    import os

    from gover.select import pins, resolve, shells

    name = shell_name(shell)
    sel = resolve.select()
    if sel.root is None:
        output.status(f"system go {sel.system} ({sel.source}): nothing to export")
        return
    full = pins.toolchain_env(sel)
    out = []
    keys = ["GOROOT", "PATH", "GOTOOLCHAIN"]
    if full.get("GOBIN") and full["GOBIN"] != os.environ.get("GOBIN"):
        keys.append("GOBIN")  # config gobin = "per-version"
    for key in keys:
        value = full[key]
        if name == "fish":
            if key == "PATH":
                parts = " ".join(shells.quote(name, p) for p in value.split(os.pathsep))
                out.append(f"set -gx PATH {parts}")
            else:
                out.append(f"set -gx {key} {shells.quote(name, value)}")
        elif name == "pwsh":
            out.append(f"$Env:{key} = {shells.quote(name, value)}")
        else:
            out.append(f"export {key}={shells.quote(name, value)}")
    output.code_lines(out)


def show_shell(version: str | None, *, unset: bool, force: bool, shell: str | None) -> None:
    """`gover shell VERSION|--unset`: the line that pins (or unpins) this shell session."""
    from gover.errors import UsageError
    from gover.select import pins, shims

    name = shell_name(shell)
    if unset:
        output.code(shims.shell_command(None, name))
        return
    if version is None:
        raise UsageError("no version given", 'e.g. eval "$(gover shell 1.22.10)" (or --unset)')
    token = pins.parse_token(version)
    pins.check_installed(token, force)
    output.code(shims.shell_command(token, name))


def run_exec(argv: list[str], version: str | None) -> None:
    """`gover exec [--version V] -- CMD…`: replace this process with CMD run by the selected
    (or the given) toolchain: its bin first on PATH, GOROOT, GOTOOLCHAIN=local."""
    import os
    import shutil
    import sys

    from gover.errors import UsageError
    from gover.select import pins, resolve

    if not argv:
        raise UsageError("no command given", "e.g. gover exec -- go version")
    if version is not None:
        os.environ["GOVER_VERSION"] = pins.parse_token(version)
    sel = resolve.select()
    env = pins.toolchain_env(sel)
    if version is not None:
        del env["GOVER_VERSION"]
    exe = shutil.which(argv[0], path=env.get("PATH"))
    if exe is None:
        raise UsageError(f"{argv[0]}: command not found", "check the name or your PATH")
    sys.stdout.flush()
    os.execve(exe, argv, env)


def verify_binaries(
    targets: list[Path], expect: str | None, recursive: bool
) -> inspection_results.VerifyBinaries:
    """`gover verify FILE…`: the Go each binary was built with (its build info) against the
    expected one (--expect, else the selected)."""
    from gover.inspect import checks
    from gover.results import inspection as inspection_results

    want = checks.expectation(expect)
    return inspection_results.VerifyBinaries(
        expected=want.label,
        source=want.source,
        binaries=tuple(
            inspection_results.CheckedBinary(
                path=str(r.path),
                built_with=r.built_with,
                ok=r.ok,
                error=r.error,
                line=r.line(want, str(r.path)),
            )
            for r in checks.check_binaries(targets, want, recursive)
        ),
    )


def show_tools(as_json: bool, check: bool = False) -> int:
    """`gover tools [--json] [--check]`: the programs in GOBIN and the Go that built each;
    the exit code (4 under --check when one is marked)."""
    from gover import config
    from gover.results.tools import ToolsList
    from gover.tools import scan

    result = ToolsList(scan.scan(config.load(), warn=output.warn), check=check)
    output.render(result, as_json=as_json)
    return result.exit_code


_Parsed = tuple[dict[str, "str | bool | None"], list[str]]


def _parse(
    rest: list[str], flags: dict[str, str], options: dict[str, str], *, command: bool = False
) -> _Parsed | None:
    """The few options of a hot command, parsed as click would parse them; None when a word
    is anything else (then the full CLI parses it and reports a usage error). `command`:
    the first positional word starts a command line that is kept whole (exec)."""
    opts: dict[str, str | bool | None] = {name: False for name in flags.values()}
    opts.update({name: None for name in options.values()})
    words: list[str] = []
    i = 0
    while i < len(rest):
        word = rest[i]
        if word == "--":
            words += rest[i + 1 :]
            break
        if word.startswith("-") and word != "-":
            key, eq, value = word.partition("=")
            if key in flags and not eq:
                opts[flags[key]] = True
            elif key in options:
                if not eq:
                    i += 1
                    if i == len(rest):
                        return None
                    value = rest[i]
                opts[options[key]] = value
            else:
                return None
        elif command:
            words += rest[i:]
            break
        else:
            words.append(word)
        i += 1
    return opts, words


_JSON = {"--json": "as_json"}
_SHELL = {"--shell": "shell"}


def fast_path(argv: list[str]) -> bool:
    """Run a hot command whose arguments need no parser; False means: use the full CLI."""
    import sys

    if not argv:  # (`gover --debug CMD` always takes the full CLI: tests compare the two)
        return False
    cmd, rest = argv[0], argv[1:]
    if cmd == "--version" and not rest:
        show_version()
        return True
    if cmd == "version" and rest in ([], ["--json"]):
        show_version(bool(rest))
        return True
    if cmd == "env" and (got := _parse(rest, {}, _SHELL)) and not got[1]:
        show_env(got[0]["shell"])  # type: ignore[arg-type]
        return True
    if cmd == "shell" and (got := _parse(rest, {"--unset": "unset", "--force": "force"}, _SHELL)):
        opts, words = got
        if len(words) <= 1:
            show_shell(
                words[0] if words else None,
                unset=bool(opts["unset"]),
                force=bool(opts["force"]),
                shell=opts["shell"],  # type: ignore[arg-type]
            )
            return True
        return False
    if cmd == "exec" and (got := _parse(rest, {}, {"--version": "v", "-v": "v"}, command=True)):
        run_exec(got[1], got[0]["v"])  # type: ignore[arg-type]
        return True
    if cmd == "tools" and (got := _parse(rest, {**_JSON, "--check": "check"}, {})) and not got[1]:
        sys.exit(show_tools(bool(got[0]["as_json"]), bool(got[0]["check"])))
    if cmd == "verify" and (
        got := _parse(rest, {**_JSON, "--recursive": "r", "-r": "r"}, {"--expect": "expect"})
    ):
        opts, words = got
        if words:
            result = verify_binaries([Path(w) for w in words], opts["expect"], bool(opts["r"]))  # type: ignore[arg-type]
            output.render(result, as_json=bool(opts["as_json"]))
            sys.exit(result.exit_code)
        return False
    if cmd in ("current", "list") and rest in ([], ["--json"]):
        (show_current if cmd == "current" else show_list)(bool(rest))
        return True
    if cmd == "hook" and len(rest) == 1 and not rest[0].startswith("-"):
        # `eval "$(gover hook bash)"` runs in every new shell that uses it: no typer there.
        from gover.select import hooks

        output.code(hooks.render_hook(rest[0]))
        return True
    if cmd == "doctor" and (doctor_opts := _doctor_args(rest)) is not None:
        sys.exit(doctor(**doctor_opts))  # type: ignore[arg-type]
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
