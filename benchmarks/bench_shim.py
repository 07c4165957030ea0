"""Shim overhead per `go` call and `gover current` start-up, measured in one run.

    python3 benchmarks/bench_shim.py [--runs 300]

Installs real go1.22.10 from a local signed mirror, pins it with a .go-version five directory
levels above the working directory, then alternates `<shims>/go version` and the direct
`<store>/versions/1.22.10/bin/go version` and reports the difference of the medians.
Targets: shim overhead <= 1 ms; `gover current` <= 100 ms.
"""

from __future__ import annotations

import argparse
import os
import subprocess

from common import gover, gover_argv, local_mirror, median_ms, print_table, timed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=300)
    runs = ap.parse_args().runs
    with local_mirror() as m:
        home = m.work / "home"
        env = dict(m.env, GOVER_HOME=str(home))
        gover("install", "1.22.10", env=env)
        top = m.work / "proj"
        deep = top / "a" / "b" / "c" / "d" / "e"
        deep.mkdir(parents=True)
        (top / ".go-version").write_text("1.22.10\n")
        env = dict(env, PWD=str(deep))
        env.pop("GOROOT", None)
        shim = [str(home / "shims" / "go"), "version"]
        direct = [str(home / "versions" / "1.22.10" / "bin" / "go"), "version"]
        out = subprocess.run(shim, cwd=deep, env=env, capture_output=True, text=True, check=True)
        assert out.stdout.startswith("go version go1.22.10"), out

        def run(cmd: list[str]) -> None:
            subprocess.run(cmd, cwd=deep, env=env, check=True, stdout=subprocess.DEVNULL)

        t_shim: list[float] = []
        t_direct: list[float] = []
        for _ in range(runs):
            t_direct += timed(lambda: run(direct), 1)
            t_shim += timed(lambda: run(shim), 1)
        cur = timed(lambda: run([*gover_argv(), "current"]), max(20, runs // 10))

    d, s, c = median_ms(t_direct), median_ms(t_shim), median_ms(cur)
    print_table(
        f"shim ({runs} alternating runs, medians; cwd 5 levels below .go-version; sh = {os.path.realpath('/bin/sh')})",
        [
            ("direct go version", f"{d:.2f} ms", ""),
            ("shim go version", f"{s:.2f} ms", ""),
            ("shim overhead", f"{s - d:.2f} ms", "target <= 1 ms: " + ("ok" if s - d <= 1 else "MISSED")),
            ("gover current", f"{c:.1f} ms", "target <= 100 ms: " + ("ok" if c <= 100 else "MISSED")),
        ],
    )


if __name__ == "__main__":
    main()
