"""`gover verify` (the environment check) with a cached probe, against `go env GOROOT` alone.

    python3 benchmarks/bench_verify.py [--runs 20]

Installs real go1.22.10 from a local signed mirror, puts its shims on PATH, runs `gover verify`
once to build the probe, then times repeated runs. Target: <= 300 ms with a cached probe.
The baseline is one `go env GOROOT` through the shim, a step every run includes.
"""

from __future__ import annotations

import argparse
import subprocess

from common import gover, gover_argv, local_mirror, median_ms, print_table, timed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    runs = ap.parse_args().runs
    with local_mirror() as m:
        home = m.work / "home"
        env = dict(m.env, GOVER_HOME=str(home))
        gover("install", "1.22.10", env=env)
        gover("global", "1.22.10", env=env)
        env["PATH"] = f"{home / 'shims'}:{env['PATH']}"
        env.pop("GOROOT", None)
        first = timed(
            lambda: subprocess.run(
                [*gover_argv(), "verify"], env=env, check=True, stdout=subprocess.DEVNULL
            ),
            1,
        )
        cached = timed(
            lambda: subprocess.run(
                [*gover_argv(), "verify"], env=env, check=True, stdout=subprocess.DEVNULL
            ),
            runs,
        )
        goenv = timed(
            lambda: subprocess.run(
                [str(home / "shims" / "go"), "env", "GOROOT"],
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
            ),
            runs,
        )
    c = median_ms(cached)
    print_table(
        f"gover verify, environment ({runs} runs, medians)",
        [
            ("go env GOROOT via shim (baseline)", f"{median_ms(goenv):.1f} ms", ""),
            ("gover verify, first run (builds probe)", f"{first[0] * 1000:.0f} ms", ""),
            (
                "gover verify, cached probe",
                f"{c:.1f} ms",
                "target <= 300 ms: " + ("ok" if c <= 300 else "MISSED"),
            ),
        ],
    )


if __name__ == "__main__":
    main()
