"""`gover tools` over 50 real Go programs in GOBIN, against `go version -m` on the same files.

    python3 benchmarks/bench_tools.py [--runs 20]

Installs real go1.22.10 from a local signed mirror and selects it; builds two programs from a
file:// GOPROXY (tests/support/gomodules) with go1.21.13 and go1.22.10 and copies them under
50 names into a GOBIN. Target: `gover tools` <= 200 ms. Baselines in the same run: a bare
`python3 -c pass` and one `go version -m` over the 50 files. "scan only, no typer" runs the
same listing without the CLI framework (what a fast-path entry in gover/cli/fast.py costs).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys

from common import gover, gover_argv, local_mirror, median_ms, print_table, timed

from tests.support import gomodules

COUNT = 50
DIRECT = (
    "from gover import config, output\n"
    "from gover.results.tools import ToolsList\n"
    "from gover.tools import scan\n"
    "output.render(ToolsList(scan.scan(config.load(), warn=output.warn)), as_json=False)\n"
)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    runs = ap.parse_args().runs
    with local_mirror() as m:
        home = m.work / "home"
        env = dict(m.env, GOVER_HOME=str(home))
        gover("install", "1.22.10", env=env)
        gover("global", "1.22.10", env=env)
        proxy, built, gobin = m.work / "proxy", m.work / "built", m.work / "gobin"
        gomodules.add_tool(proxy, "example.com/hello", "v1.0.0", "hello")
        gomodules.add_tool(proxy, "example.com/other", "v1.2.0", "other")
        for version, target in (("1.21.13", "hello@v1.0.0"), ("1.22.10", "other@v1.2.0")):
            benv = gomodules.go_env(proxy, m.work / "gopath", built / version)
            gomodules.go_install(gomodules.goroot(version), benv, f"example.com/{target}")
        sources = [built / "1.21.13" / "hello", built / "1.22.10" / "other"]
        gobin.mkdir()
        for i in range(COUNT):
            shutil.copy2(sources[i % 2], gobin / f"tool{i:02d}")
        env["GOBIN"] = str(gobin)
        files = sorted(str(p) for p in gobin.iterdir())
        go = gomodules.goroot("1.22.10") / "bin" / "go"

        def run(argv: list[str]) -> None:
            subprocess.run(
                argv, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )

        out = subprocess.run(
            [*gover_argv(), "tools"], env=env, check=True, capture_output=True, text=True
        ).stdout
        assert len(out.splitlines()) == COUNT + 2, out
        assert out.count("other-go") == COUNT // 2, out
        py = timed(lambda: run([sys.executable, "-c", "pass"]), runs)
        gom = timed(lambda: run([str(go), "version", "-m", *files]), runs)
        text = timed(lambda: run([*gover_argv(), "tools"]), runs)
        js = timed(lambda: run([*gover_argv(), "tools", "--json"]), runs)
        direct = timed(lambda: run([sys.executable, "-c", DIRECT]), runs)
    t, j, d = median_ms(text), median_ms(js), median_ms(direct)

    def verdict(ms: float) -> str:
        return "target <= 200 ms: " + ("ok" if ms <= 200 else "MISSED")

    print_table(
        f"gover tools, {COUNT} programs in GOBIN ({runs} runs, medians)",
        [
            ("python3 -c pass (baseline)", f"{median_ms(py):.1f} ms", ""),
            (f"go version -m, {COUNT} files (baseline)", f"{median_ms(gom):.1f} ms", ""),
            ("gover tools", f"{t:.1f} ms", verdict(t)),
            ("gover tools --json", f"{j:.1f} ms", verdict(j)),
            ("scan only, no typer", f"{d:.1f} ms", verdict(d)),
        ],
    )


if __name__ == "__main__":
    main()
