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
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support import goarchives
from tests.support.gpgkey import TestKey, generate_key
from tests.support.httpserver import TestServer

REPO = Path(__file__).resolve().parent.parent

# Index entries that exist only in the index (never downloaded): they make prefix and
# pre-release resolution meaningful without more multi-megabyte archives.
_FAKE_SHA = "0" * 64


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own HOME and GOVER_HOME; no GOVER_* leaks in from the caller."""
    home = tmp_path / "home"
    home.mkdir()
    for key in list(os.environ):
        if key.startswith("GOVER_") and key != "GOVER_TEST_CACHE":
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


def index_entry(
    version: str, files: list[dict[str, object]], stable: bool = True
) -> dict[str, object]:
    return {"version": f"go{version}", "stable": stable, "files": files}


def file_entry(
    filename: str,
    sha256: str,
    size: int,
    goos: str = "linux",
    arch: str = "amd64",
    kind: str = "archive",
    version: str = "",
) -> dict[str, object]:
    return {
        "filename": filename,
        "os": goos,
        "arch": arch,
        "version": version,
        "sha256": sha256,
        "size": size,
        "kind": kind,
    }


@dataclass
class Mirror:
    root: Path
    server: TestServer
    shas: dict[str, str]
    index: list[dict[str, object]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def index_url(self) -> str:
        return self.server.url + "index.json"

    def filename(self, version: str) -> str:
        return f"go{version}.linux-amd64.tar.gz"

    def write_index(self, entries: list[dict[str, object]] | None = None) -> None:
        if entries is not None:
            self.index = entries
        (self.root / "index.json").write_text(json.dumps(self.index, indent=1))


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


def default_index(
    root: Path, versions: tuple[str, ...] = goarchives.GO_VERSIONS
) -> list[dict[str, object]]:
    entries: list[dict[str, object]] = [
        index_entry(
            "1.23rc1", [file_entry("go1.23rc1.linux-amd64.tar.gz", _FAKE_SHA, 1)], stable=False
        ),
    ]
    for v in sorted(versions, reverse=True):
        name = f"go{v}.linux-amd64.tar.gz"
        p = root / name
        entries.append(
            index_entry(
                v,
                [
                    file_entry(f"go{v}.src.tar.gz", _FAKE_SHA, 1, goos="", arch="", kind="source"),
                    file_entry(
                        f"go{v}.darwin-arm64.tar.gz", _FAKE_SHA, 1, goos="darwin", arch="arm64"
                    ),
                    file_entry(name, goarchives.sha256_of(p), p.stat().st_size),
                    file_entry(f"go{v}.windows-amd64.zip", _FAKE_SHA, 1, goos="windows"),
                ],
            )
        )
    entries.insert(
        2, index_entry("1.22.9", [file_entry("go1.22.9.linux-amd64.tar.gz", _FAKE_SHA, 1)])
    )
    return entries


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


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.strip()]


def run_gover(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 240
) -> Result:
    """Run the real entry point in a subprocess, with the test's environment."""
    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = str(REPO) + os.pathsep + full_env.get("PYTHONPATH", "")
    if env:
        full_env.update(env)
    proc = subprocess.run(
        [sys.executable, "-m", "gover", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        timeout=timeout,
        check=False,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def go_run(
    goroot: Path, *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run an installed toolchain's go offline, with a private GOCACHE."""
    full_env = dict(os.environ)
    full_env.update(
        {
            "GOROOT": str(goroot),
            "GOTOOLCHAIN": "local",
            "GOPROXY": "off",
            "GOFLAGS": "-mod=mod",
            "GOCACHE": str(Path(full_env["HOME"]) / "gocache"),
            "GOPATH": str(Path(full_env["HOME"]) / "gopath"),
            "CGO_ENABLED": "0",
        }
    )
    if env:
        full_env.update(env)
    return subprocess.run(
        [str(goroot / "bin" / "go"), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=full_env,
        timeout=300,
        check=False,
    )
