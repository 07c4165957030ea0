"""Shell start-up with gover's init block, against the same shell without it, in one run.

    python3 benchmarks/bench_startup.py [--runs 40]

For bash, zsh, fish and nu: a HOME whose rc file (~/.bashrc, ~/.zshrc, config.fish, nu's
autoload directory) holds nothing, the block `gover init SHELL --write` writes (it sources the
hook file `gover rehash` renders: no Python), or the old line `eval "$(gover hook SHELL)"`
(Python and gover's imports in every new shell). Each variant runs `SHELL -i -c exit` (an
interactive shell that reads its rc file and leaves at once; nu: `nu -e exit`); the variants alternate, RUNS
times each; medians. Target: the block adds <= 2 ms to bash, zsh and fish.

mise's `activate` and pyenv's `init` are not installed here: unmeasured (see BENCHMARKS.md).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import median_ms

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.support.shells import native_nu  # noqa: E402

TARGET_MS = 2.0
SHELLS = ("bash", "zsh", "fish", "nu")


def rc_file(shell: str, home: Path) -> Path:
    return {
        "bash": home / ".bashrc",
        "zsh": home / ".zshrc",
        "fish": home / ".config" / "fish" / "config.fish",
        "nu": home / ".config" / "nushell" / "autoload" / "gover.nu",
    }[shell]


def old_line(shell: str) -> str:
    gover = f"{sys.executable} -m gover"
    if shell == "fish":
        return f"{gover} hook fish | source\n"
    if shell == "nu":
        return ""  # nu cannot eval a command's output: it never had an eval line
    return f'eval "$({gover} hook {shell})"\n'


def argv(shell: str) -> list[str]:
    exe = native_nu() if shell == "nu" else shutil.which(shell)
    if exe is None:
        raise SystemExit(f"{shell} is not installed")
    # nu reads its config (and the autoload directory) for -e, not for -c.
    return [exe, "-e", "exit"] if shell == "nu" else [exe, "-i", "-c", "exit"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=40)
    runs = ap.parse_args().runs
    work = Path(tempfile.mkdtemp(prefix="gover-bench-startup-"))
    try:
        store = work / "gover home"
        base = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "TERM": "dumb",
            "PYTHONPATH": str(REPO),
            "GOVER_HOME": str(store),
        }
        homes: dict[str, dict[str, Path]] = {}
        for shell in SHELLS:
            homes[shell] = {}
            for variant in ("none", "block", "old eval"):
                if shell == "nu" and variant == "old eval":
                    continue
                home = work / f"{shell}-{variant.replace(' ', '-')}"
                rc = rc_file(shell, home)
                rc.parent.mkdir(parents=True, exist_ok=True)
                if variant == "block":
                    env = {**base, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")}
                    subprocess.run(
                        [sys.executable, "-m", "gover", "init", shell, "--write"],
                        env=env,
                        check=True,
                        capture_output=True,
                    )
                else:
                    rc.write_text(old_line(shell) if variant == "old eval" else "")
                homes[shell][variant] = home
        subprocess.run(
            [sys.executable, "-m", "gover", "rehash"], env=base, check=True, capture_output=True
        )
        results: dict[tuple[str, str], list[float]] = {}
        for _ in range(runs):
            for shell, variants in homes.items():
                for variant, home in variants.items():
                    env = {
                        **base,
                        "HOME": str(home),
                        "XDG_CONFIG_HOME": str(home / ".config"),
                        "ZDOTDIR": str(home),
                    }
                    t0 = time.perf_counter()
                    subprocess.run(
                        argv(shell),
                        env=env,
                        cwd=home,
                        stdin=subprocess.DEVNULL,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                    results.setdefault((shell, variant), []).append(time.perf_counter() - t0)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(
        f"shell start-up, `SHELL -i -c exit`, median of {runs} alternating runs "
        f"(target: the block adds <= {TARGET_MS:.0f} ms to bash, zsh, fish)"
    )
    print(f"  {'shell':<6} {'no block':>10} {'block':>16} {'old eval line':>22}  verdict")
    for shell in SHELLS:
        none = median_ms(results[(shell, "none")])
        block = median_ms(results[(shell, "block")])
        added = block - none
        old = results.get((shell, "old eval"))
        old_text = f"{median_ms(old):7.1f} ms (+{median_ms(old) - none:.1f})" if old else "(none)"
        verdict = "ok" if added <= TARGET_MS else "MISSED"
        if shell == "nu":
            verdict = "(no target)"
        print(
            f"  {shell:<6} {none:7.2f} ms {block:7.2f} ms (+{added:.2f}) {old_text:>22}  {verdict}"
        )
    print(f"  (os: {os.uname().sysname}; mise activate, pyenv init: not installed, unmeasured)")


if __name__ == "__main__":
    main()
