"""The default-packages file: programs `go install`ed with each freshly installed Go.

As goenv's and mise's: one package per line (`golang.org/x/tools/gopls`, or with a version,
`honnef.co/go/tools/cmd/staticcheck@2023.1.7`; no version means @latest), `#` starts a
comment, blank lines are ignored. Each is installed with the new toolchain itself (its bin/go,
GOROOT, GOTOOLCHAIN=local) into the GOBIN go would use for that version (gobin.bin_dir). A
package that fails is reported with go's last line and the others still go in: the toolchain
is installed either way, so nothing here ever fails the install.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from gover import fsutil, output, paths
from gover.config import Config
from gover.errors import io_reason
from gover.tools import gobin

MAX_BYTES = 64 << 10  # a list of packages; anything larger is not one
INSTALL_TIMEOUT = 900.0  # seconds per package (go may download and build a large module)
# A package path (module path characters, `...` patterns) and an optional @version; never a
# leading `-` (it would be a flag to go), never a space or a shell character.
_PACKAGE = re.compile(r"[A-Za-z0-9_.~][A-Za-z0-9_.~/+-]*(?:@[A-Za-z0-9_.~/+-]+)?")


def default_packages_file() -> Path:
    """<config dir>/default-packages, or the file $GOVER_DEFAULT_PACKAGES names."""
    return paths.default_packages_file()


@dataclass(frozen=True)
class DefaultPackage:
    package: str  # as `go install` was given it (PKG@latest when the line named no version)
    ok: bool
    message: str  # where it went, or why not (go's last line, or the refused line)


@dataclass(frozen=True)
class _Line:
    number: int
    text: str


def read_lines(path: Path) -> list[_Line] | str:
    """The package lines of `path` (comments and blank lines dropped), [] when there is no
    file, or why it cannot be read (one line)."""
    try:
        data = fsutil.read_capped(path, MAX_BYTES)
    except FileNotFoundError:
        return []
    except OSError as exc:
        return f"{path}: cannot read the default packages: {io_reason(exc)}"
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        return f"{path}: cannot read the default packages: not UTF-8 text (byte {exc.start})"
    out: list[_Line] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if line:
            out.append(_Line(number, line))
    return out


def package_arg(line: str) -> str | None:
    """`line` as go install's argument (PKG@latest without a version), None if refused."""
    if _PACKAGE.fullmatch(line) is None:
        return None
    return line if "@" in line else line + "@latest"


def _env(root: Path, bindir: Path) -> dict[str, str]:
    env = dict(os.environ)
    tc = paths.toolchain(root)
    path = env.get("PATH", "")
    env["PATH"] = str(tc.bin) + (os.pathsep + path if path else "")
    env["GOROOT"] = str(root)
    env["GOTOOLCHAIN"] = "local"
    env["GOBIN"] = str(bindir)
    return env


def _install(go: Path, package: str, env: dict[str, str]) -> tuple[bool, str]:
    """Run `go install package`; (ok, go's last stderr line or the exit status)."""
    workdir = tempfile.mkdtemp(prefix="gover-default-packages-")
    try:
        proc = subprocess.run(
            [str(go), "install", package],
            cwd=workdir,  # no go.mod or go.work of the caller's around
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=INSTALL_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return False, f"go install took over {INSTALL_TIMEOUT:.0f} s"
    except OSError as exc:
        return False, f"{go}: {io_reason(exc)}"
    finally:
        fsutil.rmtree(Path(workdir))
    if proc.returncode == 0:
        return True, ""
    lines = [ln.strip() for ln in proc.stderr.splitlines() if ln.strip()]
    return False, lines[-1] if lines else f"go install exited with status {proc.returncode}"


def after_install(
    root: Path, version: str, cfg: Config, *, progress: bool = True
) -> tuple[DefaultPackage, ...]:
    """`go install` each package of the default-packages file with the toolchain at `root`
    (gover version `version`) into gobin.bin_dir(version, cfg); () when there is no file.
    One status line on stderr as each package finishes (`progress`); never raises for one."""
    path = default_packages_file()
    lines = read_lines(path)
    if isinstance(lines, str):
        if progress:
            output.warn(lines)
        return (DefaultPackage(str(path), False, lines),)
    if not lines:
        return ()
    bindir = gobin.bin_dir(version, cfg)
    env = _env(root, bindir)
    go = paths.toolchain(root).go
    results: list[DefaultPackage] = []
    for line in lines:
        package = package_arg(line.text)
        if package is None:
            result = DefaultPackage(
                line.text,
                False,
                f"{path}:{line.number}: {line.text!r} is not a package path "
                "(one package[@version] per line, no spaces or shell characters)",
            )
        else:
            ok, why = _install(go, package, env)
            result = DefaultPackage(package, ok, f"installed in {bindir}" if ok else why)
        results.append(result)
        if progress:
            if result.ok:
                output.status(f"gover: default package {result.package}: {result.message}")
            else:
                output.warn(f"default package {result.package} not installed: {result.message}")
    return tuple(results)
