"""Writing pins (`gover local`, `gover global`) and the environment a toolchain runs with."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from gover import paths
from gover.constants import VERSION_FILE_LIMIT
from gover.errors import GoverError, NotInstalledError, VersionError, io_error
from gover.fsutil import UnsafePathError, file_kind, read_capped, write_atomic
from gover.select import resolve
from gover.versions import ACCEPTED_FORMS, PinToken, show

if TYPE_CHECKING:
    from gover.config import Config


def parse_pin(text: str) -> PinToken:
    """What `gover local/global/shell/exec` were given, parsed once (the version-file grammar)."""
    token = PinToken.parse(text.strip())
    if token is None:
        raise VersionError(
            f"{show(text)} is not a Go version", f"use e.g. {ACCEPTED_FORMS} or system"
        )
    return token


def parse_token(text: str) -> str:
    """parse_pin's canonical text, for callers that pass it on as a string (GOVER_VERSION)."""
    return parse_pin(text).text


def check_installed(token: PinToken | str, force: bool) -> str | None:
    """The installed name `token` selects now; NotInstalledError unless `force`."""
    want = token if isinstance(token, PinToken) else parse_pin(token)
    if want.is_system:
        return None
    name = resolve.lookup(resolve.Pin(want, "file", None))
    if name is None and not force:
        raise NotInstalledError(
            f"go {want.text} is not installed",
            f"run: gover install {want.text} (or pass --force to pin it anyway)",
        )
    return name


def _holds_a_pin(data: bytes) -> bool:
    """Whether a file's bytes read as a version file: a version first, or only comments."""
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        return False
    for line in text.splitlines():
        words = line.split()
        if words and not words[0].startswith("#"):
            return PinToken.parse(words[0]) is not None
    return True


def pin_target(path: Path) -> Path:
    """Where writing the pin `path` goes. A symlinked .go-version (a shared pin, a dotfile
    manager) is written through to its target, as editors do, so the link survives, but
    only when that target already is a version file: a link planted in a cloned repository
    (.go-version -> ~/.bashrc) must not turn `gover local` into overwriting that file."""
    if not path.is_symlink():
        if path.exists() and not path.is_file():
            kind = file_kind(os.stat(path).st_mode)
            raise GoverError(f"{path}: is {kind}, not a version file", "remove it, then pin again")
        return path
    target = Path(os.path.realpath(path))
    why = "refusing to write through the link"
    try:
        data = read_capped(target, VERSION_FILE_LIMIT)
    except FileNotFoundError:
        raise GoverError(
            f"{path}: is a symlink to {target}, which does not exist; {why}",
            f"remove the link (gover local --unset) or create {target}",
        ) from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        if not isinstance(exc, UnsafePathError):
            reason = f"cannot read it: {reason}"
        raise GoverError(
            f"{path}: is a symlink to {target}, which {reason}; {why}",
            "remove the link (gover local --unset), then pin again",
        ) from None
    if not _holds_a_pin(data):
        raise GoverError(
            f"{path}: is a symlink to {target}, which is not a version file; {why}",
            "remove the link (gover local --unset), then pin again",
        )
    return target


def write_pin(path: Path, text: str, force: bool) -> tuple[str, str | None]:
    """Pin `text` in `path`; returns the canonical text written and the installed name."""
    token = parse_pin(text)
    name = check_installed(token, force)
    target = pin_target(path)
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = 0o644
    except OSError as exc:
        raise io_error("inspect", target, exc) from None
    try:
        write_atomic(target, token.text + "\n", mode=mode)
    except OSError as exc:
        raise io_error("write", target, exc, "check the directory's permissions") from None
    if path != paths.global_version_file():  # the global is in its own file, not a directory
        from gover.select import pinrecord

        pinrecord.remember(path)
    return token.text, name


def local_file(cwd: Path | None = None) -> Path:
    return (cwd or resolve.working_dir()) / resolve.VERSION_FILE


def unset(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise io_error("remove", path, exc) from None
    return True


def toolchain_env(
    sel: resolve.Selection, base: dict[str, str] | None = None, cfg: Config | None = None
) -> dict[str, str]:
    """The environment a shim gives the toolchain: its bin first, GOROOT, GOTOOLCHAIN=local,
    and with config `gobin = "per-version"` and no GOBIN of the user's, GOBIN=<data
    dir>/gobin/<version> (tools/gobin.py; `cfg` read from the config when None)."""
    env = dict(os.environ if base is None else base)
    if sel.root is None:
        return env
    bindir = str(paths.toolchain(sel.root).bin)
    path = env.get("PATH", "")
    if not path.startswith(bindir + os.pathsep) and path != bindir:
        env["PATH"] = bindir + (os.pathsep + path if path else "")
    env["GOROOT"] = str(sel.root)
    if not env.get("GOTOOLCHAIN"):
        env["GOTOOLCHAIN"] = "local"
    if sel.name is not None and not env.get("GOBIN"):
        from gover.tools import gobin

        cfg = gobin.configured() if cfg is None else cfg
        if cfg is not None and gobin.per_version(cfg, env):
            env["GOBIN"] = str(gobin.bin_dir(sel.name, cfg, env))
    return env


def program_path(sel: resolve.Selection, program: str) -> Path:
    if sel.root is not None:
        path = paths.toolchain(sel.root).executable(program)
    else:
        assert sel.system is not None
        exe = program + (".exe" if os.name == "nt" else "")
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
