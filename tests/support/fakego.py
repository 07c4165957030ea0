"""Fake toolchains for tests of selection, shims and hooks: a complete install (receipt and
executable `bin/` scripts) under the current GOVER_HOME, without a real Go."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from gover import paths
from gover.select import shims
from gover.toolchain import store

DEFAULT_SCRIPT = '#!/bin/sh\necho "{prog} {name} $GOROOT"\n'


def fake_install(
    name: str, programs: tuple[str, ...] = ("go",), script: str = DEFAULT_SCRIPT
) -> Path:
    """`versions/NAME` with a script per program; `{prog}` and `{name}` in `script` are
    filled in (by replacement, so the shell's own braces and `$` stay as written)."""
    root = paths.version_dir(name)
    (root / "bin").mkdir(parents=True, exist_ok=True)
    for prog in programs:
        exe = root / "bin" / prog
        exe.write_text(script.replace("{prog}", prog).replace("{name}", name))
        exe.chmod(0o755)
    receipt = store.Receipt(name, "u", "f", "0" * 64, "unsigned", "t")
    paths.receipt_file(root).write_text(receipt.to_json())
    return root


def gover_home() -> Path:
    return Path(os.environ["GOVER_HOME"])


def install_fake(*names: str) -> None:
    """A complete-looking install: receipt + an executable bin/go (a tiny script)."""
    for name in names:
        fake_install(name, script="#!/bin/sh\necho fake go {name}\n")


def rehash() -> Path:
    """Aliases and shims for the current GOVER_HOME; returns the go shim."""
    shims.rehash(auto_install=False)
    return gover_home() / "shims" / "go"


@contextlib.contextmanager
def environ(changes: Mapping[str, str | None]) -> Iterator[None]:
    saved = dict(os.environ)
    try:
        for key, value in changes.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def goroot(name: str) -> str:
    return str(gover_home() / "versions" / name)


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode()
    path.write_bytes(content)
    return path


def default_path() -> str:
    """A PATH with nothing but our shims on it: no system go (the host's go must not leak in)."""
    return str(gover_home() / "shims")


def run_shim(
    cwd: Path,
    *,
    env: Mapping[str, str | None] | None = None,
    pwd: str | None = None,
    path: str | None = None,
    dryrun: bool = True,
    timeout: float = 20,
    shim: Path | None = None,
    prefix: list[str] | None = None,
) -> subprocess.CompletedProcess[str]:
    full = shim_env(pwd if pwd is not None else str(cwd), env or {}, path)
    if not dryrun:
        del full["GOVER_SHIM_DRYRUN"]
    return subprocess.run(
        [*(prefix or []), str(shim or gover_home() / "shims" / "go")],
        cwd=cwd,
        env=full,
        capture_output=True,
        encoding="utf-8",
        errors="backslashreplace",
        timeout=timeout,
        check=False,
    )


def shim_env(pwd: str, env: Mapping[str, str | None], path: str | None) -> dict[str, str]:
    full = {
        "PATH": default_path() if path is None else path,
        "PWD": pwd,
        "HOME": os.environ["HOME"],
        "GOVER_SHIM_DRYRUN": "1",
    }
    full.update({k: v for k, v in env.items() if v is not None})
    return full


def sh_shims(sh: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """For a test run by both kinds of shim: "native" runs the native shims rehash wrote;
    an interpreter path (/bin/dash) rewrites them as sh shims (GOVER_SHIMS=sh) and returns
    the argv prefix that runs them with it."""
    if sh == "native":
        assert (gover_home() / "shims" / "go").read_bytes()[:4] == b"\x7fELF"
        return []
    monkeypatch.setenv("GOVER_SHIMS", "sh")
    rehash()
    return [sh]
