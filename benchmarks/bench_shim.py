"""Shim overhead per `go` call (native shim vs sh shim under dash and bash), rehash with a cold
and a cached native build, and `gover current` start-up, measured in one run.

    python3 benchmarks/bench_shim.py [--runs 300]

Installs real go1.22.10 from a local signed mirror and pins it with a .go-version five
directory levels above the working directory; a second project pins it with a 10 MB
.go-version (the pin on the first line, then one 10 MB line). In each, alternates, run after
run: the direct `<store>/versions/1.22.10/bin/go version`, the native shim (built by
`gover rehash`), the sh shim run by dash (its bound on a version file: `wc -c`, then `dd`
past 1 KiB) and the same sh shim with `#!/bin/bash` (bash's bounded `read -n`, no process).
Reports each shim's overhead over the direct call (difference of the medians).
Targets: shim overhead <= 1 ms; `gover current` <= 100 ms.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import time
from pathlib import Path

from common import gover, gover_argv, local_mirror, median_ms, print_table, timed


def _sh_shims(home: Path, where: Path) -> dict[str, Path]:
    """The sh shim for this store, as rehash renders it: under dash (#!/bin/sh is dash here)
    and with #!/bin/bash."""
    os.environ["GOVER_HOME"] = str(home)
    from gover.select import shims

    text = shims.render_shim("go", False)
    out = {}
    for name, interp in (("dash", "/usr/bin/dash"), ("bash", "/bin/bash")):
        shim = where / f"sh-{name}" / "go"
        shim.parent.mkdir(parents=True)
        shim.write_text(text.replace("#!/bin/sh\n", f"#!{interp}\n", 1))
        shim.chmod(0o755)
        out[name] = shim
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=300)
    runs = ap.parse_args().runs
    with local_mirror() as m:
        home = m.work / "home"
        env = dict(m.env, GOVER_HOME=str(home), GOVER_SHIMS="sh")
        env.pop("GOVER_SHIM_CACHE", None)  # the store's own cache: the first build is cold
        env.pop("GOROOT", None)
        gover("install", "1.22.10", env=env)
        rehash_env = dict(env, GOVER_SHIMS="native")
        t0 = time.perf_counter()
        gover("rehash", env=rehash_env)  # cold: builds the native shim with go1.22.10
        cold = time.perf_counter() - t0
        (home / "shims" / "go").unlink()
        hit = timed(lambda: gover("rehash", env=rehash_env), 5)  # cache hit: copies it back
        native = home / "shims" / "go"
        assert native.read_bytes()[:4] == b"\x7fELF"
        sh = _sh_shims(home, m.work)
        direct = home / "versions" / "1.22.10" / "bin" / "go"

        deep_top = m.work / "proj"
        deep = deep_top / "a" / "b" / "c" / "d" / "e"
        deep.mkdir(parents=True)
        (deep_top / ".go-version").write_text("1.22.10\n")
        big = m.work / "big"
        big.mkdir()
        (big / ".go-version").write_bytes(b"1.22.10\n" + b"#" * (10 << 20) + b"\n")

        kinds = {
            "direct": direct,
            "native": native,
            "sh (dash)": sh["dash"],
            "sh (bash)": sh["bash"],
        }
        results: dict[tuple[str, str], float] = {}
        for label, cwd in (("5 levels below the pin", deep), ("10 MB .go-version", big)):
            run_env = dict(env, PWD=str(cwd))
            for shim in kinds.values():
                out = subprocess.run(
                    [str(shim), "version"], cwd=cwd, env=run_env, capture_output=True, text=True
                )
                assert out.stdout.startswith("go version go1.22.10"), (shim, out)
            samples: dict[str, list[float]] = {k: [] for k in kinds}
            for _ in range(runs):
                for name, shim in kinds.items():
                    samples[name] += timed(
                        lambda s=shim, e=run_env, c=cwd: subprocess.run(  # type: ignore[misc]
                            [str(s), "version"], cwd=c, env=e, check=True, stdout=subprocess.DEVNULL
                        ),
                        1,
                    )
            for name in kinds:
                results[label, name] = median_ms(samples[name])
        cur = timed(
            lambda: subprocess.run(
                [*gover_argv(), "current"],
                cwd=deep,
                env=dict(env, PWD=str(deep)),
                check=True,
                stdout=subprocess.DEVNULL,
            ),
            max(20, runs // 10),
        )

    rows: list[tuple[str, str, str]] = []
    for label in ("5 levels below the pin", "10 MB .go-version"):
        d = results[label, "direct"]
        rows.append((f"{label}: direct go version", f"{d:.2f} ms", ""))
        for name in ("native", "sh (dash)", "sh (bash)"):
            over = results[label, name] - d
            verdict = "target <= 1 ms: " + ("ok" if over <= 1 else "MISSED")
            rows.append((f"{label}: {name} shim overhead", f"{over:.2f} ms", verdict))
    rows.append(("rehash, cold native build (go1.22.10)", f"{cold * 1000:.0f} ms", ""))
    rows.append(("rehash, native shim from the cache", f"{median_ms(hit):.0f} ms", ""))
    c = median_ms(cur)
    rows.append(
        ("gover current", f"{c:.1f} ms", "target <= 100 ms: " + ("ok" if c <= 100 else "MISSED"))
    )
    print_table(f"shim ({runs} alternating runs, medians)", rows)


if __name__ == "__main__":
    main()
