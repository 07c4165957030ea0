"""Per-prompt cost of `gover hook` in bash, zsh and fish, timed inside each shell.

    python3 benchmarks/bench_hooks.py [--calls 1000] [--reps 7]

A store with go1.22.10 and go1.21.13 (receipt + bin/go: the hook never runs go, so a real
toolchain would change nothing) and a .go-version five directory levels above the working
directory. In one shell process per repetition, with the hook loaded as `gover hook SHELL`
prints it, timed with the shell's own clock (bash, zsh: $EPOCHREALTIME; fish has none, so
one `date` on each side of a loop):

  same dir   CALLS prompts without a cd: one run of the hook each (bash: __gover_hook;
             zsh: the precmd functions; fish: `emit fish_prompt`).
  after cd   CALLS times `cd ../b` (or back to a: two directories five levels below the
             version file), then a prompt, minus the same cds timed before the hook was
             loaded. fish runs the hook on the cd (PWD) and at the prompt: two runs. zsh runs
             it on the cd (chpwd) and skips the prompt's run after a bare cd (preexec saw
             the line), so one run, as in bash.

Baselines from the same run, each a process started from bash per prompt: /bin/true (the
floor of fork + exec), the go shim resolving in a child sh (GOVER_SHIM_DRYRUN=1: the same
resolver, in a process), and `gover current` (what a hook calling back into gover would cost).
Medians over the repetitions. Layouts: the version file 5 and 40 levels up, and a 10 MB
one-line version file 5 levels up (a real pin one level above it). Target: a prompt in the same
directory costs no more than one fork+exec of /bin/true (the first baseline).
"""

from __future__ import annotations

import argparse
import json
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

from gover.select import hooks, shims  # noqa: E402
from gover.select.shells import fish_quote, nu_quote, sh_quote  # noqa: E402
from tests.support.shells import native_nu  # noqa: E402

# Each script prints three lines of microseconds: same dir, after cd (with the bare cds
# already subtracted), process. @N@, @A@, @B@, @HOOK@ are filled in per shell.
BASH = r"""
A=@A@ B=@B@ N=@N@
cd -- "$A"
t0=${EPOCHREALTIME/./}; i=0; while [ $i -lt $N ]; do cd ../b; cd ../a; i=$((i+1)); done
t1=${EPOCHREALTIME/./}; bare=$(( t1 - t0 ))
source @HOOK@
cd -- "$A"; __gover_hook
t0=${EPOCHREALTIME/./}; i=0; while [ $i -lt $N ]; do __gover_hook; i=$((i+1)); done
t1=${EPOCHREALTIME/./}; echo $(( t1 - t0 ))
t0=${EPOCHREALTIME/./}; i=0
while [ $i -lt $N ]; do cd ../b; __gover_hook; cd ../a; __gover_hook; i=$((i+1)); done
t1=${EPOCHREALTIME/./}; echo $(( (t1 - t0 - bare) / 2 ))
[ "$_gv_hook_choice" = @ROOT@ ] || echo "wrong choice: $_gv_hook_choice" >&2
"""

ZSH = r"""
zmodload zsh/datetime
A=@A@ B=@B@ N=@N@
cd -- "$A"
t0=$EPOCHREALTIME; i=0; while (( i < N )); do cd ../b; cd ../a; i=$((i+1)); done
t1=$EPOCHREALTIME; bare=$(( (t1 - t0) * 1e6 ))
source @HOOK@
cd -- "$A"
prompt() { local f; for f in "${precmd_functions[@]}"; do "$f"; done; }
t0=$EPOCHREALTIME; i=0; while (( i < N )); do prompt; i=$((i+1)); done
t1=$EPOCHREALTIME; printf '%.0f\n' $(( (t1 - t0) * 1e6 ))
# As typed at the prompt: preexec sees the line, the cd runs chpwd, then the prompt.
line() { local f; for f in "${preexec_functions[@]}"; do "$f" "$1" "$1" "$1"; done; }
t0=$EPOCHREALTIME; i=0
while (( i < N )); do line 'cd ../b'; cd ../b; prompt; line 'cd ../a'; cd ../a; prompt; i=$((i+1)); done
t1=$EPOCHREALTIME; printf '%.0f\n' $(( ((t1 - t0) * 1e6 - bare) / 2 ))
[[ $_gv_hook_choice == @ROOT@ ]] || echo "wrong choice: $_gv_hook_choice" >&2
"""

# fish has no clock variable: `date` brackets each loop (one process, outside the loop).
FISH = r"""
set A @A@; set B @B@; set N @N@
function now; /bin/date +%s%N; end
set t0 (now); for i in (seq $N); cd $B; cd $A; end; set t1 (now)
set bare (math "($t1 - $t0) / 1000")
source @HOOK@
cd $A
set t0 (now); for i in (seq $N); emit fish_prompt; end; set t1 (now)
math -s0 "($t1 - $t0) / 1000"
set t0 (now); for i in (seq $N); cd $B; emit fish_prompt; cd $A; emit fish_prompt; end; set t1 (now)
math -s0 "(($t1 - $t0) / 1000 - $bare) / 2"
test "$__gv_hook_choice" = @ROOT@; or echo "wrong choice: $__gv_hook_choice" >&2
"""

BASELINE = r"""
N=@N@ SLOW=@SLOW@
t0=${EPOCHREALTIME/./}; i=0; while [ $i -lt $N ]; do /bin/true; i=$((i+1)); done
t1=${EPOCHREALTIME/./}; echo $(( t1 - t0 ))
t0=${EPOCHREALTIME/./}; i=0
while [ $i -lt $N ]; do GOVER_SHIM_DRYRUN=1 @SHIM@ >/dev/null; i=$((i+1)); done
t1=${EPOCHREALTIME/./}; echo $(( t1 - t0 ))
t0=${EPOCHREALTIME/./}; i=0; while [ $i -lt $SLOW ]; do @GOVER@ current >/dev/null; i=$((i+1)); done
t1=${EPOCHREALTIME/./}; echo $(( (t1 - t0) * N / SLOW ))
"""

# nu: `date now` brackets each loop; its hook runs at the prompt only (pre_prompt): one run.
NU = r"""
let a = @A@; let b = @B@; let n = @N@
cd $a
let t0 = (date now); for i in 1..$n { cd $b; cd $a }; let bare = ((date now) - $t0 | into int)
source @HOOK@
cd $a
__gover_hook
let t0 = (date now); for i in 1..$n { __gover_hook }
print (((date now) - $t0 | into int) / 1000 | math round)
let t0 = (date now)
for i in 1..$n { cd $b; __gover_hook; cd $a; __gover_hook }
print (((((date now) - $t0 | into int) - $bare) / 2000) | math round)
if $env.__gover.choice != @ROOT@ { print -e $"wrong choice: ($env.__gover.choice)" }
"""

SCRIPTS = {"bash": BASH, "zsh": ZSH, "fish": FISH, "nu": NU}
ARGV = {"bash": ["--norc", "--noprofile"], "zsh": ["-f"], "fish": ["--no-config"], "nu": ["-n"]}


def fake_install(home: Path, name: str) -> None:
    root = home / "versions" / name
    (root / "bin").mkdir(parents=True)
    (root / "bin" / "go").write_text(f"#!/bin/sh\necho go version go{name}\n")
    (root / "bin" / "go").chmod(0o755)
    receipt = {"version": name, "url": "u", "filename": "f", "sha256": "0" * 64}
    (root / ".gover-receipt.json").write_text(json.dumps(receipt))


def fill(template: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        template = template.replace(key, value)
    return template


def run_reps(argv: list[str], env: dict[str, str], cwd: Path, reps: int, calls: int) -> list[float]:
    """Median ms per call of each number the script prints, over `reps` runs."""
    samples: list[list[float]] = []
    for _ in range(reps):
        proc = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, check=True)
        if proc.stderr:
            raise SystemExit(f"{argv[0]}: {proc.stderr}")
        values = [float(v) / calls / 1000 for v in proc.stdout.split()]
        samples = samples or [[] for _ in values]
        for k, v in enumerate(values):
            samples[k].append(v)
    return [statistics.median(s) for s in samples]


def layout(work: Path, depth: int, big: bool) -> tuple[Path, Path]:
    """A .go-version `depth` levels above two sibling directories a and b; with `big`, the
    version file is 10 MB on one line (the hooks read its first 1 KiB, so it does not pin)."""
    top = work / f"proj-{depth}{'-big' if big else ''}"
    parent = top.joinpath(*(str(i) for i in range(1, depth)))
    a, b = parent / "a", parent / "b"
    if a.is_dir():
        return a, b
    a.mkdir(parents=True)
    b.mkdir()
    if big:
        (top / ".go-version").write_bytes(b"1" * (10 * 1024 * 1024))
        (top.parent / ".go-version").write_text("1.22.10\n")
    else:
        (top / ".go-version").write_text("1.22.10\n")
    return a, b


def settle(work: Path) -> None:
    """Everything under `work` a minute old, as version files and a store are in real use:
    fish remembers only what is at least a second old (a file written in the second before a
    prompt is read again at each prompt until then; that first second is not measured)."""
    old = time.time() - 60
    for d, dirs, files in os.walk(work):
        for name in [*dirs, *files]:
            os.utime(os.path.join(d, name), (old, old), follow_symlinks=False)


# (label, levels between the version file and the working directory, 10 MB version file)
LAYOUTS = [("5 levels", 5, False), ("40 levels", 40, False), ("10 MB file", 5, True)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=1000)
    ap.add_argument("--reps", type=int, default=7)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="gover-bench-hooks-"))
    try:
        home = work / "gover home"
        os.environ["GOVER_HOME"] = str(home)
        for name in ("1.22.10", "1.21.13"):
            fake_install(home, name)
        shims.rehash(auto_install=False)
        root = str(home / "versions" / "1.22.10")
        env = {
            "HOME": str(work),
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "GOVER_HOME": str(home),
            "PYTHONPATH": str(REPO),
        }
        rows = []
        measured: list[tuple[str, str, float, float, int]] = []
        for shell, template in SCRIPTS.items():
            exe = native_nu() if shell == "nu" else shutil.which(shell)
            if exe is None:
                rows.append(f"  {shell:<6}  not installed")
                continue
            q = {"fish": fish_quote, "nu": nu_quote}.get(shell, sh_quote)
            hook = work / f"hook.{shell}"
            hook.write_text(hooks.render_hook(shell) + "\n")
            for label, depth, big in LAYOUTS:
                a, b = layout(work, depth, big)
                settle(work)
                script = work / f"bench.{shell}"
                values = {
                    "@A@": q(str(a)),
                    "@B@": q(str(b)),
                    "@N@": str(args.calls),
                    "@HOOK@": q(str(hook)),
                    "@ROOT@": q(root),
                }
                script.write_text(fill(template, values))
                same, after = run_reps(
                    [exe, *ARGV[shell], str(script)], env, a, args.reps, args.calls
                )
                runs = 2 if shell == "fish" else 1
                measured.append((shell, label, same, after, runs))
        a = work / "proj-5" / "1" / "2" / "3" / "4" / "a"  # the baselines run 5 levels down
        script = work / "baseline.bash"
        gover = " ".join(sh_quote(x) for x in (sys.executable, "-m", "gover"))
        values = {
            "@N@": str(args.calls),
            "@SLOW@": str(max(5, args.calls // 50)),
            "@SHIM@": sh_quote(str(home / "shims" / "go")),
            "@GOVER@": gover,
        }
        script.write_text(fill(BASELINE, values))
        bash = shutil.which("bash") or "bash"
        true, shim, current = run_reps(
            [bash, *ARGV["bash"], str(script)], env, a, args.reps, args.calls
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(
        f"gover hook, per prompt (median of {args.reps} runs x {args.calls} prompts; "
        "target: a prompt in the same directory <= one fork+exec of /bin/true, measured below)"
    )
    print(f"  {'shell':<6}  {'layout':<11} {'same dir':>10}  {'after cd':>10}")
    for shell, label, same, after, runs in measured:
        verdict = "ok" if same <= true else "MISSED"
        rows.append(
            f"  {shell:<6}  {label:<11} {same:7.3f} ms  {after:7.3f} ms"
            f" ({runs} run{'s' if runs > 1 else ''})  {verdict}"
        )
    print("\n".join(rows))
    print("a process per prompt instead (started from bash):")
    print(f"  /bin/true                {true:7.3f} ms")
    print(f"  go shim, DRYRUN (sh)     {shim:7.3f} ms")
    print(f"  gover current (Python)   {current:7.3f} ms")


if __name__ == "__main__":
    main()
