"""How fast gover's own commands answer, against Python's start-up, measured in one run.

    python3 benchmarks/bench_cli.py [--runs 21] [--no-mise]

A GOVER_HOME with go1.22.10 and go1.21.13 installed from a local signed mirror, shims and
hooks rendered, the global pin 1.21.13, and a project directory pinned to 1.22.10 by its
.go-version (the release index cached, so list-remote/outdated read no network). Every
command runs as the console script pip installed (what a user types), with its output
thrown away; the variants alternate RUNS times each; medians.

Targets (issue 14):
  hot   `--version`, `current`, `list`, `verify FILE`: each <= `python3 -c pass` + 40 ms
        (reported also as a ratio to `python3 -I -S -c pass`, to `go version -m` for verify,
        and to `mise --version` / `mise ls` when mise installs from npm as @jdxcode/mise)
  local every other command that reads no network: <= 300 ms
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from common import gover_argv, local_mirror, median_ms, timed

HOT_SLACK_MS = 40.0
LOCAL_MS = 300.0
MISE_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "gover-bench" / "mise"

HOT = (
    ("--version",),
    ("current",),
    ("list",),
    ("verify", "@GOFMT@"),
)
LOCAL = (
    ("version",),
    ("which", "go"),
    ("hook", "bash"),
    ("env",),
    ("shell", "1.22.10"),
    ("exec", "--", "true"),
    ("verify", "--json", "@GOFMT@"),
    ("local",),
    ("global",),
    ("use", "1.22.10"),
    ("config", "list"),
    ("config", "get", "gpg"),
    ("list-remote", "1.22"),
    ("outdated",),
    ("prune", "--dry-run"),
    ("tools",),
    ("doctor", "--static"),
    ("--help",),
    ("install", "--help"),
)


def mise() -> Path | None:
    """mise from the npm registry, installed once into a cache directory."""
    exe = MISE_CACHE / "node_modules" / ".bin" / "mise"
    if not exe.exists() and shutil.which("npm"):
        MISE_CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "install", "--prefix", str(MISE_CACHE), "--no-save", "@jdxcode/mise"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
    if not exe.exists():
        return None
    ok = subprocess.run([str(exe), "--version"], capture_output=True, check=False).returncode == 0
    return exe if ok else None


def runner(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[object, int]:
    rc = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, check=False).returncode

    def run() -> None:
        subprocess.run(
            argv,
            env=env,
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )

    return run, rc


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=21)
    ap.add_argument("--no-mise", action="store_true")
    args = ap.parse_args()
    gover = gover_argv()
    with local_mirror() as m:
        home = Path(tempfile.mkdtemp(prefix="gover-bench-cli-"))
        try:
            env = dict(m.env, GOVER_HOME=str(home / "gover"), HOME=str(home))
            env.pop("PYTHONPATH", None)  # the installed console script, as users run it
            # pip compiles an install's modules; a source checkout must be allowed to cache
            # them too, or every run recompiles whatever changed since (ms per module).
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            for v in ("1.22.10", "1.21.13"):
                subprocess.run([*gover, "install", v], env=env, check=True, capture_output=True)
            subprocess.run([*gover, "global", "1.21.13"], env=env, check=True, capture_output=True)
            project = home / "project"
            project.mkdir()
            (project / ".go-version").write_text("1.22.10\n")
            env["PATH"] = f"{home / 'gover' / 'shims'}{os.pathsep}{env['PATH']}"
            gofmt = home / "gover" / "versions" / "1.22.10" / "bin" / "gofmt"
            go = home / "gover" / "versions" / "1.22.10" / "bin" / "go"

            def argv_of(cmd: tuple[str, ...]) -> list[str]:
                return [*gover, *(str(gofmt) if w == "@GOFMT@" else w for w in cmd)]

            base = {
                "python3 -c pass": [sys.executable, "-c", "pass"],
                "python3 -I -S -c pass": [sys.executable, "-I", "-S", "-c", "pass"],
                "go version -m FILE": [str(go), "version", "-m", str(gofmt)],
            }
            mise_exe = None if args.no_mise else mise()
            if mise_exe is not None:
                (project / ".mise.toml").write_text('[tools]\ngo = "1.22.10"\n')
                base["mise --version"] = [str(mise_exe), "--version"]
                base["mise ls"] = [str(mise_exe), "ls"]
            variants: dict[str, tuple[object, int]] = {}
            for name, argv in base.items():
                variants[name] = runner(argv, env, project)
            for cmd in HOT + LOCAL:
                variants["gover " + " ".join(cmd).replace("@GOFMT@", "FILE")] = runner(
                    argv_of(cmd), env, project
                )
            samples: dict[str, list[float]] = {k: [] for k in variants}
            for _ in range(args.runs):
                for name, (run, _rc) in variants.items():
                    samples[name] += timed(run, 1)  # type: ignore[arg-type]
            med = {k: median_ms(v) for k, v in samples.items()}
        finally:
            shutil.rmtree(home, ignore_errors=True)
    pass_ms = med["python3 -c pass"]
    bare = med["python3 -I -S -c pass"]
    print(f"gover's commands, median of {args.runs} runs each (alternating), ms")
    print(f"  {'command':<34} {'ms':>7}  {'exit':>4}  vs -I -S  target")
    failed = []
    for name, ms in med.items():
        rc = variants[name][1]
        target = ""
        if name.startswith("gover "):
            cmd = tuple(name.split()[1:])
            hot = cmd in {tuple(w.replace("@GOFMT@", "FILE") for w in c) for c in HOT}
            limit = pass_ms + HOT_SLACK_MS if hot else LOCAL_MS
            verdict = "ok" if ms <= limit else "MISSED"
            if verdict == "MISSED":
                failed.append(name)
            target = f"<= {limit:.0f} ({'pass + 40' if hot else 'local'}): {verdict}"
        print(f"  {name:<34} {ms:7.1f}  {rc:>4}  {ms / bare:7.2f}x  {target}")
    extra = []
    if "go version -m FILE" in med:
        extra.append(
            f"verify FILE / go version -m: {med['gover verify FILE'] / med['go version -m FILE']:.2f}x"
        )
    if "mise --version" in med:
        extra.append(
            f"--version / mise --version: {med['gover --version'] / med['mise --version']:.2f}x"
        )
        extra.append(f"list / mise ls: {med['gover list'] / med['mise ls']:.2f}x")
    for line in extra:
        print("  " + line)
    print("all targets met" if not failed else "targets missed: " + ", ".join(failed))


if __name__ == "__main__":
    main()
