"""The command line: thin typer commands that call one core function and render its result.

Every GoverError is caught once, in main(): one line on stderr and the error's exit code;
a traceback only with --debug or GOVER_DEBUG=1.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from gover import output
from gover.cli import completions
from gover.cli import fast as views
from gover.constants import ENV_DEBUG
from gover.errors import UsageError

app = typer.Typer(
    name="gover",
    help="Install, verify and select Go toolchains.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
cache_app = typer.Typer(help="Manage gover's download cache.", no_args_is_help=True)
config_app = typer.Typer(help="Read and change config.toml.", no_args_is_help=True)
keys_app = typer.Typer(help="The GPG keys gover trusts for Go releases.", no_args_is_help=True)
app.add_typer(cache_app, name="cache")
app.add_typer(config_app, name="config")
app.add_typer(keys_app, name="keys")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _version_callback(value: bool) -> None:
    if value:
        from gover import __version__

        output.info(f"gover {__version__}")
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


def _config() -> Any:
    from gover import config

    return config.load()


# ---- install / uninstall / list -------------------------------------------------------------


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
) -> None:
    """Download, verify and install Go releases."""
    from gover.toolchain import install as core

    cfg = _config()
    results = []
    if file is not None:
        if versions:
            raise UsageError("give either --file or versions, not both")
        results.append(core.install_file(file, cfg, sha256=sha256, force=force))
    else:
        if sha256:
            raise UsageError(
                "--sha256 goes with --file", "gover install --file ARCHIVE --sha256 HEX"
            )
        if not versions:
            versions = [_pinned_request()]
        for text in versions:
            results.append(core.install(text, cfg, force=force, unstable=unstable, refresh=refresh))
    _rehash_quietly()
    for r in results:
        if r.status == "already-installed":
            output.info(f"go {r.version} is already installed in {r.root}")
        else:
            signed = "unsigned" if r.signer == "unsigned" else f"signature by {r.signer}"
            output.info(
                f"{r.status} go {r.version} in {r.root} "
                f"(sha256 {r.sha256[:12]}…, {signed}, {r.seconds:.1f}s)"
            )


@app.command()
def uninstall(
    versions: Annotated[
        list[str],
        typer.Argument(
            help="Installed versions to remove.", autocompletion=completions.installed_versions
        ),
    ],
) -> None:
    """Remove installed versions."""
    from gover.toolchain import install as core

    for text in versions:
        item = core.uninstall(text)
        output.info(f"uninstalled go {item.version} ({item.root})")
    _rehash_quietly()


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


def _warn_kept(kept: tuple[Path, ...]) -> None:
    for path in kept:
        output.warn(f"{path}: not made by gover; left alone", once_key=f"kept:{path}")


def _rehash_quietly() -> None:
    from gover.select import shims

    _warn_kept(shims.rehash().kept)


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
    as_json: JsonOpt = False,
) -> None:
    """List releases available for this platform, newest first."""
    from gover.platform import host
    from gover.toolchain import index, store
    from gover.versions import VersionRequest

    request = VersionRequest.parse(prefix) if prefix else VersionRequest.parse("latest")
    plat = host()
    have = {i.version for i in store.installed()}
    rows = []
    for rel in index.load(_config(), refresh=refresh):
        if not request.matches(rel.version, unstable=all_) or rel.archive_for(plat) is None:
            continue
        rows.append(rel)
    if as_json:
        output.emit_json(
            [
                {
                    "version": r.version.name,
                    "stable": r.stable,
                    "installed": r.version in have,
                    "filename": a.filename,
                    "sha256": a.sha256,
                    "size": a.size,
                }
                for r in rows
                if (a := r.archive_for(plat)) is not None
            ]
        )
        return
    output.lines(r.version.name + ("  (installed)" if r.version in have else "") for r in rows)


# ---- selection ------------------------------------------------------------------------------

PinArg = Annotated[
    str | None,
    typer.Argument(
        help="1.22.10, 1.22, latest or system", autocompletion=completions.selectable_versions
    ),
]
ForceOpt = Annotated[bool, typer.Option("--force", help="Pin it even though it is not installed.")]
UnsetOpt = Annotated[bool, typer.Option("--unset", help="Remove the pin.")]


@app.command()
def local(
    version: PinArg = None,
    force: ForceOpt = False,
    unset: UnsetOpt = False,
) -> None:
    """Pin the Go version for this directory (writes .go-version)."""
    from gover.select import pins

    path = pins.local_file()
    if unset:
        output.info(f"removed {path}" if pins.unset(path) else f"no {path} to remove")
        return
    if version is None:
        raise UsageError("no version given", "e.g. gover local 1.22.10 (or --unset)")
    token, _name = pins.write_pin(path, version, force)
    output.info(f"go {token} pinned in {path}")


@app.command("global")
def global_(
    version: PinArg = None,
    force: ForceOpt = False,
    unset: UnsetOpt = False,
) -> None:
    """Set the default Go version used outside pinned directories."""
    from gover import paths
    from gover.select import pins

    path = paths.global_version_file()
    if unset:
        output.info(f"removed {path}" if pins.unset(path) else f"no {path} to remove")
        return
    if version is None:
        from gover.select import resolve

        pin = resolve.read_version_file(path, "global")
        output.info(pin.token if pin else "system")
        return
    token, _name = pins.write_pin(path, version, force)
    output.info(f"global default is now go {token} ({path})")


ShellOpt = Annotated[
    str | None, typer.Option("--shell", help="bash, zsh, sh, fish or pwsh (default: $SHELL)")
]


def _shell_name(shell: str | None) -> str:
    name = shell or Path(os.environ.get("SHELL", "sh")).name
    if name not in ("bash", "zsh", "sh", "dash", "ksh", "fish", "pwsh", "powershell"):
        raise UsageError(f"unknown shell {name!r}", "use --shell bash|zsh|sh|fish|pwsh")
    return {"dash": "sh", "ksh": "sh", "powershell": "pwsh"}.get(name, name)


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
) -> None:
    """The absolute path of PROGRAM in the selected toolchain."""
    views.show_which(program)


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
    from gover.select import hooks, pins, resolve

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
                    f"set -gx PATH {' '.join(hooks.fish_quote(p) for p in value.split(os.pathsep))}"
                )
            else:
                out.append(f"set -gx {key} {hooks.fish_quote(value)}")
        elif name == "pwsh":
            out.append(f"$Env:{key} = {hooks.pwsh_quote(value)}")
        else:
            import shlex

            out.append(f"export {key}={shlex.quote(value)}")
    output.code_lines(out)


@app.command()
def hook(
    shell_name: Annotated[
        str,
        typer.Argument(
            metavar="SHELL", help="bash, zsh, fish or pwsh", autocompletion=completions.shells
        ),
    ],
) -> None:
    """Print code that selects Go before every prompt: eval "$(gover hook bash)"."""
    from gover.select import hooks

    output.code(hooks.render_hook(shell_name))


@app.command("completions")
def completions_(
    shell_name: Annotated[
        str,
        typer.Argument(
            metavar="SHELL", help="bash, zsh or fish", autocompletion=completions.shells
        ),
    ],
) -> None:
    """Print the completion script for SHELL (the same as completions/ in the repo)."""
    if shell_name not in completions.FILES:
        raise UsageError(f"no completion script for {shell_name!r}", "use: bash, zsh or fish")
    output.code(completions.render(shell_name).rstrip("\n"))


@app.command()
def rehash() -> None:
    """Rewrite the shims and alias files (done after every install and uninstall)."""
    from gover import paths
    from gover.select import pins, shims

    result = shims.rehash()
    _warn_kept(result.kept)
    output.info(f"{len(result.shims)} shims in {paths.shims_dir()}: {', '.join(result.shims)}")
    if not pins.shims_on_path():
        output.status(f'add the shims to PATH: export PATH="{paths.shims_dir()}:$PATH"')


@app.command("init")
def init(
    shell_name: Annotated[
        str | None,
        typer.Argument(
            metavar="SHELL",
            help="bash, zsh, fish or pwsh (default: the shell running gover, else $SHELL)",
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


# ---- verify ---------------------------------------------------------------------------------


@app.command("verify")
def verify_(
    binaries: Annotated[
        list[Path] | None, typer.Argument(help="Go binaries (or directories with --recursive).")
    ] = None,
    expect: Annotated[
        str | None, typer.Option("--expect", help="Expected Go version (default: the selected).")
    ] = None,
    recursive: Annotated[
        bool, typer.Option("--recursive", "-r", help="Scan directories for Go executables.")
    ] = False,
    gomod: Annotated[
        bool, typer.Option("--gomod", help="Check go.mod/go.work against the selected Go.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Check binaries, go.mod or (with no argument) this shell's Go environment. Exit 4 on a mismatch."""
    from gover.errors import EXIT_MISMATCH
    from gover.inspect import checks
    from gover.inspect import environment as envcheck

    if gomod:
        if binaries or expect:
            raise UsageError("--gomod takes no binaries or --expect")
        res = checks.check_gomod()
        if as_json:
            output.emit_json(
                {
                    "file": str(res.mod.path),
                    "go": res.mod.go,
                    "toolchain": res.mod.toolchain,
                    "selected": res.selected.tag if res.selected else None,
                    "source": res.source,
                    "problems": list(res.problems),
                }
            )
        elif res.problems:
            output.lines(res.problems)
        else:
            assert res.selected is not None
            output.info(
                f"{res.mod.path}: go {res.mod.go or '(none)'}, toolchain "
                f"{res.mod.toolchain or '(none)'}: {res.selected.tag} ({res.source}) can build it"
            )
        if res.problems:
            raise typer.Exit(EXIT_MISMATCH)
        return
    if not binaries:
        if expect or recursive:
            raise UsageError("--expect and --recursive need binaries to check")
        _sel, found = envcheck.run_checks()
        if as_json:
            output.emit_json([{"check": c.name, "ok": c.ok, "detail": c.detail} for c in found])
        else:
            output.lines(f"{'ok ' if c.ok else 'BAD'} {c.name}: {c.detail}" for c in found)
        if not all(c.ok for c in found):
            raise typer.Exit(EXIT_MISMATCH)
        return
    want = checks.expectation(expect)
    results = checks.check_binaries(binaries, want, recursive)
    if as_json:
        output.emit_json(
            {
                "expected": want.label,
                "source": want.source,
                "binaries": [
                    {"path": str(r.path), "built_with": r.built_with, "ok": r.ok, "error": r.error}
                    for r in results
                ],
            }
        )
    else:
        output.lines(r.line(want, str(r.path)) for r in results)
        if not results:
            output.status("no Go executables found")
    if any(r.error is None and not r.ok for r in results):
        raise typer.Exit(EXIT_MISMATCH)
    if any(r.error is not None for r in results):
        raise typer.Exit(1)


# ---- cache ----------------------------------------------------------------------------------


@cache_app.command("clean")
def cache_clean() -> None:
    """Delete downloaded archives and the cached release index."""
    from gover.toolchain import cache

    freed, count = cache.clean()
    output.info(f"removed {count} cached files ({freed / 1e6:.1f} MB)")


# ---- config ---------------------------------------------------------------------------------


@config_app.command("get")
def config_get(key: str) -> None:
    """Print one setting (after environment overrides)."""
    value = _config().get(key)
    output.info(os.pathsep.join(value) if isinstance(value, list) else str(value))


@config_app.command("set")
def config_set(key: str, value: str) -> None:
    """Change a setting in config.toml (comments kept; file paths stored absolute)."""
    from gover import config, paths

    stored = config.set_value(key, value)
    if key == "auto_install":
        _rehash_quietly()
    shown = os.pathsep.join(stored) if isinstance(stored, list) else stored
    output.info(f"{key} = {shown!r} in {paths.config_file()}")


@config_app.command("unset")
def config_unset(key: str) -> None:
    """Return a setting to its default."""
    from gover import config

    config.unset_value(key)


@config_app.command("list")
def config_list(as_json: JsonOpt = False) -> None:
    """Every setting, its value and where it came from."""
    from gover import config

    cfg = config.load()
    data = {k: cfg.get(k) for k in config.KEYS}
    if as_json:
        output.emit_json(data)
        return
    output.table(
        [
            [
                k,
                os.pathsep.join(v) if isinstance(v, list) else str(v),
                cfg.origins.get(k, "default"),
            ]
            for k, v in data.items()
        ],
        headers=["key", "value", "from"],
    )


# ---- keys -----------------------------------------------------------------------------------


def _key_dict(key: Any) -> dict[str, Any]:
    def _date(d: Any) -> str | None:
        return d.date().isoformat() if d is not None else None

    return {
        "fingerprint": key.fingerprint,
        "uids": list(key.uids),
        "source": key.source,
        "expires": _date(key.expires),
        "subkeys": [
            {
                "fingerprint": s.fingerprint,
                "capabilities": s.capabilities,
                "created": _date(s.created),
                "expires": _date(s.expires),
            }
            for s in key.subkeys
        ],
    }


@keys_app.command("list")
def keys_list(as_json: JsonOpt = False) -> None:
    """The keys whose signatures gover accepts."""
    from gover.toolchain.trust import openpgp as verify

    keys = [_key_dict(k) for k in verify.list_keys(_config())]
    if as_json:
        output.emit_json(keys)
        return
    for k in keys:
        output.info(f"{k['fingerprint']}  {', '.join(k['uids'])}")
        output.info(f"    from {k['source']}")
        for s in k["subkeys"]:
            output.info(
                f"    sub {s['fingerprint']} [{s['capabilities']}] "
                f"created {s['created']} expires {s['expires'] or 'never'}"
            )


@keys_app.command("refresh")
def keys_refresh() -> None:
    """Fetch the Go release key from its published URL; accepted only if the pin matches."""
    from gover.toolchain import download
    from gover.toolchain.trust import openpgp as verify

    cfg = _config()
    key = verify.refresh_key(cfg, lambda url: download.fetch_bytes(url, cfg, max_bytes=1 << 20).content)
    output.info(f"refreshed {key.fingerprint} from {cfg.key_url}")


# ---- entry point ----------------------------------------------------------------------------


def run(argv: list[str] | None) -> None:
    """Run the typer app in standalone mode: it reports its own usage errors (exit 2), exit
    codes and Ctrl-C (130); a GoverError propagates to gover.cli.entry.main, which reports it."""
    if completions.requested():
        completions.enable()
    app(args=argv, prog_name="gover")


def main(argv: list[str] | None = None) -> None:
    from gover.cli.entry import main as entry_main

    entry_main(argv)
