"""What a prompt reuses from the last one must never hide a change.

fish (>= 3.5) keeps the directories above an unchanged $PWD and what each version file held
while its modification time stays the same, so a prompt in the same tree starts no od. Every
shell's hook (bash, zsh, fish, nu) must still see, at the very next prompt and without a cd:
a version file rewritten (fresh, or with a back-dated time that differs), a version file that
appears or goes away in a directory between $PWD and the pin, and an install that goes away.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from gover.select.shells import fish_quote, nu_quote, sh_quote
from tests.support.fakego import environ, goroot, install_fake, rehash
from tests.support.shells import ARGV, SUFFIX, need, write_hook

SHELLS = ("bash", "zsh", "fish", "nu")

# Per shell: run the prompt's hook, print the choice, run a /bin/sh command line.
PROMPT = {
    "bash": 'eval "$PROMPT_COMMAND"',
    "zsh": 'for f in "${precmd_functions[@]}"; do "$f"; done',
    "fish": "emit fish_prompt",
    "nu": "__gover_hook",
}
SHOW = {
    "bash": 'printf "%s\\n" "$_gv_hook_choice"',
    "zsh": 'printf "%s\\n" "$_gv_hook_choice"',
    "fish": 'printf "%s\\n" "$__gv_hook_choice"',
    "nu": "print $env.__gover.choice",
}
QUOTE: dict[str, Callable[[str], str]] = {
    "bash": sh_quote,
    "zsh": sh_quote,
    "fish": fish_quote,
    "nu": nu_quote,
}


MEMO = "<memo?>"


def _backdate(*tops: Path) -> None:
    """Every file and directory under `tops` a few years old: what fish may remember."""
    for top in tops:
        for d, dirs, files in os.walk(top):
            for name in [*dirs, *files]:
                os.utime(
                    os.path.join(d, name), (1_500_000_000, 1_500_000_000), follow_symlinks=False
                )
        os.utime(top, (1_500_000_000, 1_500_000_000))


def _sh(shell: str, command: str) -> str:
    return ("^" if shell == "nu" else "") + f"/bin/sh -c {QUOTE[shell](command)}"


def _run(shell: str, hook: Path, deep: Path, steps: list[str], env: dict[str, str]) -> list[str]:
    """cd to `deep`, then for each step: run it (a sh command line, or "" for none), a prompt,
    and print the choice. Returns the choices."""
    q = QUOTE[shell]
    lines = [f"source {q(str(hook))}", f"cd {q(str(deep))}"]
    for step in steps:
        if step == MEMO:
            if shell == "fish":  # the reuse really happened: this prompt had nothing to do
                lines.append(
                    'test -n "$__gv_memo"; and echo remembered; or echo "nothing remembered"'
                )
            continue
        if step:
            lines.append(_sh(shell, step))
        lines += [PROMPT[shell], SHOW[shell]]
    script = hook.parent / f"reuse{SUFFIX[shell]}"
    script.write_text("\n".join(lines) + "\n", encoding="utf-8")
    import subprocess

    proc = subprocess.run(
        [need(shell), *ARGV[shell], str(script)],
        env=env,
        cwd="/",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.splitlines()


@pytest.mark.parametrize("shell", SHELLS)
def test_the_next_prompt_sees_every_change(shell: str, tmp_path: Path) -> None:
    install_fake("1.21.13", "1.22.10", "1.20.14")
    rehash()
    top = tmp_path / "tree"
    mid = top / "a"
    deep = mid / "b" / "c"
    deep.mkdir(parents=True)
    pin = top / ".go-version"
    pin.write_text("1.22.10\n")
    _backdate(top, Path(os.environ["GOVER_HOME"]))  # old: fish may remember it all
    p = sh_quote(str(pin))
    m = sh_quote(str(mid / ".go-version"))
    steps = [
        "",  # the first prompt: reads the pin
        "",  # the same again (fish: from what it remembered)
        MEMO,
        f"printf '1.21.13\\n' > {p} && touch -d @1600000000 {p}",  # rewritten, back-dated
        "",
        MEMO,
        f"printf '1.22.10\\n' > {p}",  # rewritten now
        f"printf '1.20.14\\n' > {m}",  # a nearer pin appears between $PWD and the old one
        f"rm {m}",  # and goes away
        f"rm -r {sh_quote(goroot('1.22.10'))}",  # the chosen install goes away
    ]
    env = {
        **os.environ,
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "TERM": "dumb",
    }
    with environ({"GOVER_HOME": env["GOVER_HOME"]}):
        hook = write_hook(shell, tmp_path)
    out = _run(shell, hook, deep, steps, env)
    want = [
        goroot("1.22.10"),
        goroot("1.22.10"),
        goroot("1.21.13"),
        goroot("1.21.13"),
        goroot("1.22.10"),
        goroot("1.20.14"),
        goroot("1.22.10"),
        "not-installed:1.22.10",
    ]
    if shell == "fish":
        want[2:2] = ["remembered"]
        want[5:5] = ["remembered"]
    assert out == want


@pytest.mark.parametrize("shell", SHELLS)
def test_a_go_work_made_above_a_go_mod_counts_at_the_next_prompt(
    shell: str, tmp_path: Path
) -> None:
    """A choice made by a go.mod depends on every directory above it (the nearest go.work
    governs): fish remembers it with all of them, so a go.work made far above is seen."""
    install_fake("1.21.13", "1.22.10")
    rehash()
    # Every directory up to / must be old for fish to remember: /tmp and pytest's directories
    # change all the time, /var/tmp (made old again after mkdtemp) and / do not.
    base = Path(tempfile.mkdtemp(prefix="gover-memo-", dir="/var/tmp"))
    try:
        top = base / "ws"
        mod = top / "a" / "b" / "m"
        mod.mkdir(parents=True)
        (mod / "go.mod").write_text("module m\n\ngo 1.21.13\n")
        _backdate(base, Path(os.environ["GOVER_HOME"]))
        os.utime("/var/tmp", (1_500_000_000, 1_500_000_000))
        w = sh_quote(str(top / "go.work"))
        steps = ["", "", MEMO, f"printf 'go 1.22.10\\nuse ./a/b/m\\n' > {w} && touch -d @1600000000 {w}"]
        env = {**os.environ, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "TERM": "dumb"}
        hook = write_hook(shell, tmp_path)
        out = _run(shell, hook, mod, steps, env)
    finally:
        shutil.rmtree(base)
    want = [goroot("1.21.13"), goroot("1.21.13"), goroot("1.22.10")]
    if shell == "fish":
        want[2:2] = ["remembered"]
    assert out == want
