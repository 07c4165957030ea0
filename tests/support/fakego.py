"""Fake toolchains for tests of selection, shims and hooks: a complete install (receipt and
executable `bin/` scripts) under the current GOVER_HOME, without a real Go."""

from __future__ import annotations

from pathlib import Path

from gover import paths, store

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
