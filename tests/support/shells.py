"""Drive real shells (bash, zsh, fish, pwsh) with gover's hooks: find them, write the hook, run a script."""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from gover.select import hooks
from gover.select.shells import fish_quote, nu_quote, pwsh_quote, sh_quote

SHELLS = ("bash", "zsh", "fish", "pwsh")


def native_nu() -> str | None:
    """The real nu binary: npm's `nu` is a node wrapper around @nushell/<os>-<arch>/bin/nu
    (starting node for every run would cost ~0.3 s and hide nu's own behaviour)."""
    found = shutil.which("nu")
    if found is None:
        return None
    real = os.path.realpath(found)
    if not real.endswith(".js"):
        return real
    native = glob.glob(
        os.path.join(os.path.dirname(real), "..", "node_modules", "@nushell", "*", "bin", "nu")
    )
    return os.path.realpath(native[0]) if native else found


WHERE = {name: shutil.which(name) for name in SHELLS}
WHERE["nu"] = native_nu()


def need(shell: str) -> str:
    exe = WHERE[shell]
    if exe is None:
        if shell == "pwsh":
            pytest.skip("PowerShell is not installed (Debian has no package for it)")
        hint = "npm install -g nushell" if shell == "nu" else "apt-get install " + shell
        pytest.fail(f"{shell} is not installed; .ci/run installs it ({hint})")
    return exe


def write_hook(shell: str, where: Path) -> Path:
    """The hook as `gover hook SHELL` prints it for the current GOVER_HOME."""
    path = where / f"hook{SUFFIX[shell]}"
    path.write_text(hooks.render_hook(shell) + "\n", encoding="utf-8")
    return path


def run_script(
    shell: str, hook: Path, dirs: list[str], env: dict[str, str]
) -> tuple[list[str], dict[int, list[str]]]:
    """Run the shell once over `dirs`: its stdout lines and its stderr lines per directory."""
    script = hook.parent / f"run{SUFFIX[shell]}"
    script.write_text(SCRIPT[shell](hook, dirs), encoding="utf-8")
    proc = subprocess.run(
        [need(shell), *ARGV[shell], str(script)],
        env=env,
        cwd="/",
        capture_output=True,
        timeout=120,
        check=False,
    )
    out = proc.stdout.decode("utf-8", "backslashreplace")
    err = proc.stderr.decode("utf-8", "backslashreplace")
    assert proc.returncode == 0, err
    per_dir: dict[int, list[str]] = {}
    current = -1
    for line in err.splitlines():
        marker = re.fullmatch(r"@@(\d+)", line)
        if marker:
            current = int(marker.group(1))
            per_dir[current] = []
        else:
            per_dir.setdefault(current, []).append(line)
    assert per_dir.get(-1, []) == [], err
    return out.splitlines(), per_dir




ARGV = {
    "bash": ["--norc", "--noprofile"],
    "zsh": ["-f"],
    "fish": ["--no-config"],
    "pwsh": ["-NoProfile", "-NonInteractive", "-File"],
    "nu": ["-n"],
}


SUFFIX = {"bash": ".bash", "zsh": ".zsh", "fish": ".fish", "pwsh": ".ps1", "nu": ".nu"}


def bash_script(hook: Path, dirs: list[str]) -> str:
    lines = ["set -euo pipefail", f"source {sh_quote(str(hook))}"]
    for i, d in enumerate(dirs):
        lines += [
            f"printf '@@%s\\n' {i} >&2",
            f"cd -- {sh_quote(d)}",
            'eval "$PROMPT_COMMAND"',
            'printf \'%s|%s|%s|%s\\n\' "$_gv_hook_choice" "${GOROOT-<unset>}" "$PATH"'
            ' "${GOTOOLCHAIN-<unset>}"',
        ]
    return "\n".join(lines) + "\n"


def zsh_script(hook: Path, dirs: list[str]) -> str:
    lines = ["setopt nounset err_exit pipe_fail", f"source {sh_quote(str(hook))}"]
    for i, d in enumerate(dirs):
        lines += [
            f"printf '@@%s\\n' {i} >&2",
            f"cd -- {sh_quote(d)}",  # chpwd runs the hook
            'for f in "${precmd_functions[@]}"; do "$f"; done',
            'printf \'%s|%s|%s|%s\\n\' "$_gv_hook_choice" "${GOROOT-<unset>}" "$PATH"'
            ' "${GOTOOLCHAIN-<unset>}"',
        ]
    return "\n".join(lines) + "\n"


def fish_script(hook: Path, dirs: list[str]) -> str:
    lines = [f"source {fish_quote(str(hook))}"]
    for i, d in enumerate(dirs):
        lines += [
            f"printf '@@%s\\n' {i} >&2",
            f"cd {fish_quote(d)}",  # --on-variable PWD runs the hook
            "emit fish_prompt",
            "set -l gr '<unset>'; set -q GOROOT; and set gr $GOROOT",
            "set -l tc '<unset>'; set -q GOTOOLCHAIN; and set tc $GOTOOLCHAIN",
            'printf \'%s|%s|%s|%s\\n\' "$__gv_hook_choice" "$gr" (string join : $PATH) "$tc"',
        ]
    return "\n".join(lines) + "\n"


def nu_script(hook: Path, dirs: list[str]) -> str:
    """nu runs the hook where a prompt would (pre_prompt), after each cd; PATH is a list."""
    lines = [f"source {nu_quote(str(hook))}"]
    for i, d in enumerate(dirs):
        lines += [
            f"print -e '@@{i}'",
            f"cd {nu_quote(d)}",
            "__gover_hook",
            "let gr = ($env.GOROOT? | default '<unset>')",
            "let tc = ($env.GOTOOLCHAIN? | default '<unset>')",
            "let p = ($env.PATH | str join (char esep))",
            'print $"($env.__gover.choice)|($gr)|($p)|($tc)"',
        ]
    return "\n".join(lines) + "\n"


def pwsh_script(hook: Path, dirs: list[str]) -> str:
    lines = ["Set-StrictMode -Version Latest", f". {pwsh_quote(str(hook))}"]
    for i, d in enumerate(dirs):
        lines += [
            f"[Console]::Error.WriteLine('@@{i}')",
            f"Set-Location -LiteralPath {pwsh_quote(d)}",
            "$null = prompt",
            "$gr = if (Test-Path Env:GOROOT) { $env:GOROOT } else { '<unset>' }",
            "$tc = if (Test-Path Env:GOTOOLCHAIN) { $env:GOTOOLCHAIN } else { '<unset>' }",
            '[Console]::Out.WriteLine("$($global:__gv_hook_choice)|$gr|$($env:PATH)|$tc")',
        ]
    return "\n".join(lines) + "\n"


SCRIPT: dict[str, Callable[[Path, list[str]], str]] = {
    "bash": bash_script,
    "zsh": zsh_script,
    "fish": fish_script,
    "pwsh": pwsh_script,
    "nu": nu_script,
}
