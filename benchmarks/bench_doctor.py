"""`gover doctor` wall time, without --network, against `python3 -c pass` in the same run.

    python3 benchmarks/bench_doctor.py [--runs 15]

A made-up user: a HOME with gover's init block in ~/.bashrc, ~/.zshrc, config.fish and nu's
autoload directory (`gover init SHELL --write`), three Go installs on PATH (gover's shims
first, two store toolchains, Debian's /usr/lib/go-1.19/bin when installed) and a project
with a go.mod. Timed, alternating, as the user would run them:

  gover doctor --shell all           every detector, every shell traced in every mode
  gover doctor                       the login shell (bash) in every mode
  gover doctor --shell bash --as interactive

Targets: --shell all <= 500 ms; --shell bash --as interactive <= 150 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import REPO, median_ms

TARGETS = {"--shell all": 500.0, "--shell bash --as interactive": 150.0}


def fake_toolchain(store: Path, name: str) -> None:
    root = store / "versions" / name
    (root / "bin").mkdir(parents=True)
    (root / "bin" / "go").write_text(f"#!/bin/sh\necho go version go{name} linux/amd64\n")
    (root / "bin" / "go").chmod(0o755)
    (root / "VERSION").write_text(f"go{name}\ntime 2024-01-01T00:00:00Z\n")
    receipt = {"version": name, "url": "u", "filename": "f", "sha256": "0" * 64}
    (root / ".gover-receipt.json").write_text(json.dumps(receipt))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    runs = ap.parse_args().runs
    with tempfile.TemporaryDirectory(prefix="gover-bench-doctor-") as tmp:
        work = Path(tmp)
        home = work / "home"
        store = work / "store"
        home.mkdir()
        for name in ("1.22.10", "1.21.13"):
            fake_toolchain(store, name)
        path = [str(store / "shims"), "/usr/local/bin", "/usr/bin", "/bin"]
        if Path("/usr/lib/go-1.19/bin/go").exists():
            path.insert(1, "/usr/lib/go-1.19/bin")
        env = {
            "HOME": str(home),
            "PATH": ":".join(path),
            "LANG": "C.UTF-8",
            "SHELL": "/bin/bash",
            "GOVER_HOME": str(store),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "PYTHONPATH": str(REPO),
        }
        gover = [sys.executable, "-m", "gover"]
        subprocess.run([*gover, "rehash"], env=env, check=True, capture_output=True)
        for shell in ("bash", "zsh", "fish", "nu"):
            subprocess.run(
                [*gover, "init", shell, "--write"], env=env, check=True, capture_output=True
            )
        proj = home / "proj"
        proj.mkdir()
        (proj / "go.mod").write_text("module example.com/p\n\ngo 1.22\n")
        (proj / ".go-version").write_text("1.22.10\n")
        cases = {
            "python3 -c pass": [sys.executable, "-c", "pass"],
            "--shell all": [*gover, "doctor", "--shell", "all"],
            "(login shell)": [*gover, "doctor"],
            "--shell bash --as interactive": [
                *gover,
                "doctor",
                "--shell",
                "bash",
                "--as",
                "interactive",
            ],
        }
        times: dict[str, list[float]] = {k: [] for k in cases}
        for _ in range(runs):
            for label, argv in cases.items():
                t0 = time.perf_counter()
                subprocess.run(
                    argv,
                    env=env,
                    cwd=proj,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    stdin=subprocess.DEVNULL,
                    check=False,
                )
                times[label].append(time.perf_counter() - t0)
    print(f"gover doctor (no --network), median of {runs} alternating runs, {os.cpu_count()} CPUs")
    for label, samples in times.items():
        ms = median_ms(samples)
        target = TARGETS.get(label)
        verdict = (
            ""
            if target is None
            else f"target <= {target:.0f} ms: " + ("ok" if ms <= target else "MISSED")
        )
        print(f"  {label:<32} {ms:8.1f} ms  {verdict}")


if __name__ == "__main__":
    main()
