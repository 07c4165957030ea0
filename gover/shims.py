"""`gover rehash`: alias files and shims, rendered from the one template in shims/.

Aliases (`aliases/1.22` holding `1.22.10`, `aliases/1`, `aliases/latest`) let the shim
resolve prefixes without sorting; a shim per executable found in any installed `bin/`.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import sys
from collections.abc import Mapping
from dataclasses import dataclass

from gover import paths, store
from gover.constants import MAX_SHIM_DEPTH, SHIMS_MARKER
from gover.fsutil import write_atomic
from gover.versions import GoVersion

_UNSET = "__gover_unset__"


def sh_quote(value: str) -> str:
    return "'" + value.replace("'", "'\\''") + "'"


_PLACEHOLDER = re.compile(r"@[A-Z_]+@")


def template(name: str) -> str:
    return (paths.shim_templates_dir() / name).read_text("utf-8")


def fill(text: str, values: Mapping[str, str]) -> str:
    """Replace @NAME@ placeholders in one pass, so placeholder-like text inside a value
    (a store path, resolve.sh itself) is never substituted again."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(0), m.group(0)), text)


def gover_command() -> list[str]:
    """How a shim calls back into gover (slow path only): this interpreter, -m gover."""
    return [sys.executable, "-m", "gover"]


def resolver_source() -> str:
    """shims/resolve.sh, shared by the shims and the bash/zsh hooks."""
    return template("resolve.sh")


def render_shim(program: str, auto_install: bool) -> str:
    body = template("shim.sh")
    values = {
        "@DATA@": sh_quote(str(paths.data_dir())),
        "@PROGRAM@": sh_quote(program),
        "@AUTO_INSTALL@": "1" if auto_install else "''",
        "@BOM@": "\ufeff",
        "@CR@": "\r",
        "@GOVER@": " ".join(sh_quote(a) for a in gover_command()),
        "@MAX_DEPTH@": str(MAX_SHIM_DEPTH),
        "@UNSET@": _UNSET,
        "@RESOLVE@": resolver_source(),
    }
    # The first line names the program for humans; quote it only where it is code.
    body = body.replace("shim for @PROGRAM@", f"shim for {program}", 1)
    return fill(body, values)


def render_cmd_shim(program: str) -> str:
    """Windows: a .cmd shim that delegates to `gover exec` (cmd.exe cannot run resolve.sh)."""
    body = template("shim.cmd")
    gover = " ".join(f'"{a}"' for a in gover_command())
    body = body.replace("shim for @PROGRAM@", f"shim for {program}", 1)
    return fill(body, {"@GOVER@": gover, "@PROGRAM@": program}).replace("\n", "\r\n")


def compute_aliases(installed: list[GoVersion]) -> dict[str, str]:
    """Prefix → newest installed stable release: `1.22`, `1`, `latest`."""
    aliases: dict[str, GoVersion] = {}
    for v in installed:
        if not v.is_release:
            continue
        minor = v.minor if v.minor is not None else 0
        for key in (f"{v.major}.{minor}", str(v.major), "latest"):
            if key not in aliases or v > aliases[key]:
                aliases[key] = v
    return {k: v.name for k, v in aliases.items()}


@dataclass(frozen=True)
class RehashResult:
    shims: tuple[str, ...]
    aliases: dict[str, str]


def _programs(installed: list[store.Installed]) -> set[str]:
    names: set[str] = set()
    for item in installed:
        bindir = item.root / "bin"
        with contextlib.suppress(OSError):
            for entry in os.scandir(bindir):
                if entry.is_file() and os.access(entry.path, os.X_OK):
                    names.add(entry.name.removesuffix(".exe"))
    names.add("go")  # always: the go shim also serves `system`
    return names


def rehash(auto_install: bool | None = None) -> RehashResult:
    """Write aliases and shims; remove stale ones. Serialised by a lock."""
    if auto_install is None:
        from gover import config

        auto_install = config.load().auto_install
    with store.lock("rehash"):
        items = store.installed()
        aliases = compute_aliases([i.version for i in items])
        adir = paths.aliases_dir()
        adir.mkdir(parents=True, exist_ok=True)
        for key, name in aliases.items():
            path = paths.alias_file(key)
            if not path.is_file() or path.read_text("utf-8").strip() != name:
                write_atomic(path, name + "\n")
        for entry in os.listdir(adir):
            if entry not in aliases and not entry.startswith("."):
                with contextlib.suppress(OSError):
                    (adir / entry).unlink()

        sdir = paths.shims_dir()
        sdir.mkdir(parents=True, exist_ok=True)
        marker = sdir / SHIMS_MARKER
        if not marker.is_file():
            write_atomic(marker, "gover shims: never a system go\n")
        programs = _programs(items)
        windows = os.name == "nt"
        for program in sorted(programs):
            text = render_cmd_shim(program) if windows else render_shim(program, auto_install)
            path = sdir / (program + ".cmd" if windows else program)
            if not path.is_file() or path.read_text("utf-8") != text:
                write_atomic(path, text, mode=0o755)
        for entry in os.listdir(sdir):
            if entry.removesuffix(".cmd") not in programs and not entry.startswith("."):
                with contextlib.suppress(OSError):
                    (sdir / entry).unlink()
    return RehashResult(tuple(sorted(programs)), aliases)


def shell_command(version: str | None, shell: str) -> str:
    """The line `gover shell` prints for eval."""
    if shell == "fish":
        if version is None:
            return "set -e GOVER_VERSION"
        return f"set -gx GOVER_VERSION {shlex.quote(version)}"
    if shell == "pwsh":
        if version is None:
            return "Remove-Item Env:GOVER_VERSION -ErrorAction SilentlyContinue"
        return f"$Env:GOVER_VERSION = '{version}'"
    if version is None:
        return "unset GOVER_VERSION"
    return f"export GOVER_VERSION={shlex.quote(version)}"
