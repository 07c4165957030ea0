"""The gover shell function (set up by the hook `gover init` loads) answering `gover current` and
`gover which go` in the shell itself, against the Python command and against `mise current go`.

Each side runs N times in a loop inside one shell (bash for the external commands); a side's
per-call time is (time of the loop of N - time of the same shell with an empty loop) / N,
the median of --reps repetitions. mise comes from npm (@jdxcode/mise, cached in
~/.cache/gover-bench/mise); it answers `mise current go` from a .mise.toml without go installed.

    python benchmarks/bench_shellfunc.py [-n 200] [--reps 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from gover.select.shells import fish_quote, nu_quote, sh_quote  # noqa: E402

MISE_DIR = Path.home() / ".cache" / "gover-bench" / "mise"
SHELLS = ("bash", "zsh", "fish", "nu")


def mise() -> str | None:
    exe = MISE_DIR / "node_modules" / ".bin" / "mise"
    if not exe.exists() and shutil.which("npm"):
        subprocess.run(
            ["npm", "install", "--prefix", str(MISE_DIR), "@jdxcode/mise"],
            capture_output=True, check=False, timeout=600,
        )
    return str(exe) if exe.exists() else None


def native_nu() -> str | None:
    from tests.support.shells import native_nu as find

    return find()


def loop(shell: str, hook: Path, body: str, n: int) -> str:
    """A script for `shell`: load the hook, then run `body` n times with its output dropped."""
    if shell in ("bash", "zsh"):
        return f"source {sh_quote(str(hook))}\nfor i in $(seq {n}); do {body} >/dev/null; done\n" if n else f"source {sh_quote(str(hook))}\n"
    if shell == "fish":
        return f"source {fish_quote(str(hook))}\nfor i in (seq {n}); {body} >/dev/null; end\n" if n else f"source {fish_quote(str(hook))}\n"
    return f"source {nu_quote(str(hook))}\nfor i in 1..{n} {{ {body} | ignore }}\n" if n else f"source {nu_quote(str(hook))}\n"


ARGV = {"bash": ["--norc", "--noprofile", "-c"], "zsh": ["-f", "-c"], "fish": ["--no-config", "-c"], "nu": ["-n", "-c"]}


def timed(exe: str, shell: str, script: str, cwd: Path, env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run([exe, *ARGV[shell], script], cwd=cwd, env=env, capture_output=True, check=False)
    took = time.perf_counter() - t0
    if proc.returncode != 0 or proc.stderr:
        raise SystemExit(f"{shell}: {proc.stderr.decode(errors='replace')}")
    return took


def per_call(exe: str, shell: str, hook: Path, body: str, n: int, reps: int, cwd: Path, env: dict[str, str]) -> float:
    samples = []
    for _ in range(reps):
        full = timed(exe, shell, loop(shell, hook, body, n), cwd, env)
        empty = timed(exe, shell, loop(shell, hook, body, 0), cwd, env)
        samples.append((full - empty) / n)
    return statistics.median(samples)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=200)
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-shellfunc-"))
    os.environ["GOVER_HOME"] = str(work / "gover home")
    from gover.select import hooks
    from tests.support.fakego import fake_install, rehash

    fake_install("1.22.10", ("go", "gofmt"))
    rehash()
    proj = work / "proj"
    (proj / "a" / "b").mkdir(parents=True)
    (proj / ".go-version").write_text("1.22.10\n")
    (proj / ".mise.toml").write_text('[tools]\ngo = "1.22.10"\n')
    cwd = proj / "a" / "b"
    bindir = work / "bin"
    bindir.mkdir()
    gover = bindir / "gover"
    gover.write_text(f"#!/bin/sh\nexport PYTHONPATH={sh_quote(str(REPO))}\nexec {sh_quote(sys.executable)} -m gover \"$@\"\n")
    gover.chmod(0o755)
    env = {
        "HOME": str(work), "GOVER_HOME": os.environ["GOVER_HOME"], "LANG": "C.UTF-8",
        "PATH": f"{work / 'gover home' / 'shims'}:{bindir}:/usr/bin:/bin",
        "MISE_DATA_DIR": str(work / "mise-data"), "MISE_CONFIG_DIR": str(work / "mise-config"),
        "MISE_CACHE_DIR": str(work / "mise-cache"), "MISE_TRUSTED_CONFIG_PATHS": str(proj),
    }
    hookdir = work / "hooks"
    hookdir.mkdir()
    exes = {s: shutil.which(s) for s in SHELLS}
    exes["nu"] = native_nu()
    hook = {}
    for s in SHELLS:
        hook[s] = hookdir / f"hook.{s}"
        hook[s].write_text(hooks.render_hook(s) + "\n")

    rows: list[tuple[str, float | None]] = []
    n, reps = args.n, args.reps
    for what in ("current", "which go"):
        for s in SHELLS:
            exe = exes[s]
            rows.append((f"gover {what}: {s} function", per_call(exe, s, hook[s], f"gover {what}", n, reps, cwd, env) if exe else None))
        bash = exes["bash"]
        assert bash is not None
        py_n = max(10, n // 10)
        rows.append((f"gover {what}: Python (from bash)", per_call(bash, "bash", hook["bash"], f"command gover {what}", py_n, reps, cwd, env)))
    m = mise()
    if m:
        bash = exes["bash"]
        assert bash is not None
        rows.append(("mise current go (from bash)", per_call(bash, "bash", hook["bash"], f"{sh_quote(m)} current go", n, reps, cwd, env)))
    print(f"bench_shellfunc: per call, median of {reps} loops of {n} (Python: {max(10, n // 10)}); cwd two levels below .go-version")
    mise_t = next((t for name, t in rows if name.startswith("mise current") and t is not None), None)
    print(f"{'':58} {'ms/call':>9} {'vs mise':>8}")
    for name, t in rows:
        if t is None:
            print(f"{name:58} {'n/a':>9}")
            continue
        ratio = f"{t / mise_t:.2f}x" if mise_t else "-"
        print(f"{name:58} {t * 1000:9.3f} {ratio:>8}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
