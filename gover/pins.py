"""Writing pins (`gover local`, `gover global`) and the environment a toolchain runs with."""

from __future__ import annotations

import os
from pathlib import Path

from gover import paths, resolve
from gover.errors import NotInstalledError, VersionError
from gover.fsutil import write_atomic
from gover.versions import ACCEPTED_FORMS


def parse_token(text: str) -> str:
    token = resolve.normalize_token(text.strip())
    if token is None:
        raise VersionError(f"{text!r} is not a Go version", f"use e.g. {ACCEPTED_FORMS} or system")
    return token


def check_installed(token: str, force: bool) -> str | None:
    """The installed name `token` selects now; NotInstalledError unless `force`."""
    if token == "system":
        return None
    name = resolve.lookup(resolve.Pin(token, "file", None))
    if name is None and not force:
        raise NotInstalledError(
            f"go {token} is not installed",
            f"run: gover install {token} (or pass --force to pin it anyway)",
        )
    return name


def write_pin(path: Path, text: str, force: bool) -> tuple[str, str | None]:
    token = parse_token(text)
    name = check_installed(token, force)
    write_atomic(path, token + "\n")
    return token, name


def local_file(cwd: Path | None = None) -> Path:
    return (cwd or resolve.working_dir()) / resolve.VERSION_FILE


def unset(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


def toolchain_env(sel: resolve.Selection, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment a shim gives the toolchain: its bin first, GOROOT, GOTOOLCHAIN=local."""
    env = dict(os.environ if base is None else base)
    if sel.root is None:
        return env
    bindir = str(sel.root / "bin")
    path = env.get("PATH", "")
    if not path.startswith(bindir + os.pathsep) and path != bindir:
        env["PATH"] = bindir + (os.pathsep + path if path else "")
    env["GOROOT"] = str(sel.root)
    if not env.get("GOTOOLCHAIN"):
        env["GOTOOLCHAIN"] = "local"
    return env


def program_path(sel: resolve.Selection, program: str) -> Path:
    exe = program + (".exe" if os.name == "nt" else "")
    if sel.root is not None:
        path = sel.root / "bin" / exe
    else:
        assert sel.system is not None
        path = sel.system if program == "go" else sel.system.parent / exe
    if not (path.is_file() and os.access(path, os.X_OK)):
        raise NotInstalledError(
            f"go {sel.label} ({sel.source}) has no {program}", f"looked for {path}"
        )
    return path


def shims_on_path() -> bool:
    sdir = paths.shims_dir()
    for entry in os.environ.get("PATH", "").split(os.pathsep):
        try:
            if entry and os.path.samefile(entry, sdir):
                return True
        except OSError:
            continue
    return False
