"""A mirror tree made by `gover mirror build`, served by Debian's real nginx over HTTPS with a CA
the test makes: install from it and run the Go, sync it while clients read it, tamper with it.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import ssl
import subprocess
import tarfile
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import nginx
from tests.support.cli import go_run, run_gover, store_root, visible_versions
from tests.support.gpgkey import TestKey
from tests.support.httpserver import Fault, TestServer
from tests.support.mirror import Mirror, file_entry, index_entry

ARCHIVE = "go1.22.10.linux-amd64.tar.gz"


def source_env(url: str) -> dict[str, str]:
    """gover pointed at a mirror URL: URL/index.json and URL/<file>."""
    return {"GOVER_MIRROR": url}


def client_env(url: str, home: Path) -> dict[str, str]:
    """A client of the nginx mirror, with its own clean GOVER_HOME."""
    return {"GOVER_HOME": str(home), **source_env(url)}


@pytest.fixture
def upstream(mirror: Mirror, monkeypatch: pytest.MonkeyPatch) -> str:
    """The test mirror's URL, with gover trusting its key (GOVER_TRUSTED_KEYS, GOVER_GPG=require
    from the `mirror` fixture) but not pointed at it: each run names its source."""
    monkeypatch.delenv("GOVER_INDEX_URL")
    monkeypatch.delenv("GOVER_DOWNLOAD_BASE")
    return mirror.url


def build_tree(dest: Path, upstream: str, *args: str) -> None:
    r = run_gover("mirror", "build", str(dest), *args, env=source_env(upstream))
    assert r.code == 0, r.err
    assert (dest / "index.json").is_file(), r.err


def ssl_context(ca: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(ca))


def get(url: str, ca: Path, method: str = "GET") -> tuple[int, bytes, dict[str, str]]:
    req = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(req, context=ssl_context(ca), timeout=30) as resp:
            return resp.status, resp.read(), dict(resp.headers)
    except urllib.error.HTTPError as e:
        return e.code, b"", dict(e.headers)


@pytest.fixture(scope="module")
def built_tree(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """`gover mirror build --version 1.22.10 --platform linux/amd64` of the test mirror, once per
    module; tests copy it before changing it."""
    yield tmp_path_factory.mktemp("built") / "tree"


@pytest.fixture
def tree(upstream: str, mirror: Mirror, built_tree: Path, tmp_path: Path) -> Path:
    if not (built_tree / "index.json").exists():
        build_tree(built_tree, upstream, "--version", "1.22.10", "--platform", "linux/amd64")
    dest = tmp_path / "tree"
    shutil.copytree(built_tree, dest)
    return dest


def test_built_tree_is_go_dev_shaped(tree: Path) -> None:
    index = json.loads((tree / "index.json").read_text())
    assert [r["version"] for r in index] == ["go1.22.10"]
    names = [f["filename"] for r in index for f in r["files"]]
    assert names == [ARCHIVE]
    assert sorted(p.name for p in tree.iterdir() if not p.name.startswith(".")) == sorted(
        [ARCHIVE, ARCHIVE + ".asc", ARCHIVE + ".sha256", "index.json"]
    )


def test_install_from_nginx_over_https_and_run_go(tree: Path, tmp_path: Path) -> None:
    with nginx.serve(tree, tmp_path / "nginx") as srv:
        env = client_env(srv.url, tmp_path / "client")
        # Without the CA the TLS failure names the host and nothing is installed.
        r = run_gover("install", "1.22.10", env=env)
        assert r.code != 0
        assert "127.0.0.1" in r.err, r.err
        assert not (tmp_path / "client" / "versions" / "1.22.10").exists()

        assert run_gover("config", "set", "ca_bundle", str(srv.ca_path), env=env).code == 0
        r = run_gover("install", "1.22.10", env=env)
        assert r.code == 0, r.err
        served = srv.requests()
    assert ("GET", "/index.json", 200) in served
    assert ("GET", "/" + ARCHIVE, 200) in served
    assert ("GET", "/" + ARCHIVE + ".asc", 200) in served

    goroot = tmp_path / "client" / "versions" / "1.22.10"
    out = go_run(goroot, "version")
    assert out.stdout.startswith("go version go1.22.10 linux/amd64"), out
    proj = tmp_path / "hello"
    proj.mkdir()
    (proj / "go.mod").write_text("module example.com/hello\n\ngo 1.22\n")
    (proj / "main.go").write_text(
        'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hello from the mirror") }\n'
    )
    built = go_run(goroot, "build", "-o", str(proj / "hello"), ".", cwd=proj)
    assert built.returncode == 0, built.stderr
    ran = subprocess.run([str(proj / "hello")], capture_output=True, text=True, check=True)
    assert ran.stdout == "hello from the mirror\n"


# -- sync while nginx serves the tree ----------------------------------------------------------


def small_archive(dest_dir: Path, version: str, key: TestKey, pad: int = 0) -> dict[str, object]:
    """A tiny go.dev-shaped archive (go/VERSION, an executable go/bin/go script, and `pad`
    incompressible bytes), signed, with its `.sha256`; returns its index file entry."""
    name = f"go{version}.linux-amd64.tar.gz"
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        members = [
            ("go/VERSION", f"go{version}\ntime 2026-01-01T00:00:00Z\n".encode(), 0o644),
            ("go/bin/go", f"#!/bin/sh\necho go version go{version} linux/amd64\n".encode(), 0o755),
            ("go/lib/pad", hashlib.shake_256(version.encode()).digest(pad) if pad else b"", 0o644),
        ]
        for d in ("go", "go/bin", "go/lib"):
            ti = tarfile.TarInfo(d)
            ti.type = tarfile.DIRTYPE
            ti.mode = 0o755
            tf.addfile(ti)
        for mname, data, mode in members:
            ti = tarfile.TarInfo(mname)
            ti.size = len(data)
            ti.mode = mode
            tf.addfile(ti, io.BytesIO(data))
    path = dest_dir / name
    path.write_bytes(buf.getvalue())
    sha = hashlib.sha256(buf.getvalue()).hexdigest()
    (dest_dir / (name + ".sha256")).write_text(sha)
    key.sign(path)
    return file_entry(name, sha, len(buf.getvalue()), version=f"go{version}")


def write_index(root: Path, releases: dict[str, dict[str, object]]) -> None:
    entries = [index_entry(v, [releases[v]]) for v in sorted(releases, reverse=True)]
    tmp = root / ".index.json.tmp"
    tmp.write_text(json.dumps(entries))
    os.replace(tmp, root / "index.json")


def check_index_consistent(url: str, ca: Path) -> list[str]:
    """One reader's view: the index parses, and every file it names (and its sidecars) is
    there in full (HEAD → 200 with the index's size). Returns the versions it listed."""
    status, body, _ = get(url + "index.json", ca)
    assert status == 200
    index = json.loads(body)  # a half-written index fails here
    versions = []
    for release in index:
        versions.append(release["version"])
        for f in release["files"]:
            status, _, headers = get(url + f["filename"], ca, "HEAD")
            assert status == 200, f["filename"]
            assert int(headers["Content-Length"]) == f["size"], f["filename"]
            for side in (".sha256", ".asc"):
                status, _, _ = get(url + f["filename"] + side, ca, "HEAD")
                assert status == 200, f["filename"] + side
    return versions


def test_sync_while_nginx_serves_and_clients_read(
    upstream: str, signing_key: TestKey, tmp_path: Path
) -> None:
    up_root = tmp_path / "upstream"
    up_root.mkdir()
    releases = {"1.30.1": small_archive(up_root, "1.30.1", signing_key, pad=1 << 20)}
    write_index(up_root, releases)
    tree = tmp_path / "tree"
    with TestServer(up_root) as up:
        build_tree(tree, up.url, "--version", "1.30", "--platform", "linux/amd64")
        with nginx.serve(tree, tmp_path / "nginx") as srv:
            seen: list[list[str]] = []
            failures: list[str] = []
            stop = threading.Event()
            n = 0

            def client() -> None:
                nonlocal n
                try:
                    while True:
                        last = stop.is_set()
                        seen.append(check_index_consistent(srv.url, srv.ca_path))
                        home = tmp_path / f"client{n}"
                        n += 1
                        env = dict(client_env(srv.url, home), GOVER_CA_BUNDLE=str(srv.ca_path))
                        r = run_gover("list-remote", "--refresh", env=env)
                        if r.code != 0 or "1.30.1" not in r.out:
                            failures.append(f"list-remote: {r.code} {r.out} {r.err}")
                        r = run_gover("install", "1.30", env=env)
                        if r.code != 0:
                            failures.append(f"install: {r.code} {r.err}")
                        shutil.rmtree(home, ignore_errors=True)
                        if last:
                            return
                except Exception as e:
                    failures.append(repr(e))

            reader = threading.Thread(target=client)
            reader.start()
            while not seen and reader.is_alive():
                stop.wait(0.05)
            # The upstream gains 1.30.2, served slowly so the sync's write overlaps the reads.
            releases["1.30.2"] = small_archive(up_root, "1.30.2", signing_key, pad=3 << 20)
            write_index(up_root, releases)
            up.add_fault(
                "/go1.30.2.linux-amd64.tar.gz", Fault(trickle_body=0.1, trickle_chunk=128 << 10)
            )
            r = run_gover("mirror", "sync", str(tree), env=source_env(up.url))
            stop.set()
            reader.join(timeout=240)
            assert r.code == 0, r.err
            assert not failures, failures
            assert seen[0] == ["go1.30.1"]
            assert seen[-1] == ["go1.30.2", "go1.30.1"]
            assert len(seen) >= 2
            # Every request nginx answered for a file named in an index found it (304: an index
            # revalidated unchanged).
            bad = [x for x in srv.requests() if x[2] not in (200, 304)]
            assert not bad, bad
    assert (tree / "go1.30.2.linux-amd64.tar.gz").stat().st_size == releases["1.30.2"]["size"]


# -- a tampered tree ---------------------------------------------------------------------------


def flip_bytes(path: Path) -> None:
    data = bytearray(path.read_bytes())
    mid = len(data) // 2
    data[mid : mid + 16] = bytes(b ^ 0xFF for b in data[mid : mid + 16])
    path.write_bytes(bytes(data))


def as_attacker(tree: Path, other_key: TestKey | None) -> None:
    """What someone with write access to the tree would do: change the archive, then make the
    index and the `.sha256` agree with it (and, with a key, re-sign it)."""
    archive = tree / ARCHIVE
    flip_bytes(archive)
    sha = hashlib.sha256(archive.read_bytes()).hexdigest()
    (tree / (ARCHIVE + ".sha256")).write_text(sha)
    index = json.loads((tree / "index.json").read_text())
    for release in index:
        for f in release["files"]:
            if f["filename"] == ARCHIVE:
                f["sha256"] = sha
    (tree / "index.json").write_text(json.dumps(index))
    if other_key is not None:
        (tree / (ARCHIVE + ".asc")).unlink()
        other_key.sign(archive)


@pytest.mark.parametrize(
    ("how", "why"),
    [
        ("bytes only", "SHA-256"),
        ("bytes, index and sidecar", "BAD signature"),
        ("re-signed", "not a trusted key"),
    ],
)
def test_tampered_tree_caught_by_verify_and_install(
    how: str,
    why: str,
    tree: Path,
    other_key: TestKey,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if how == "bytes only":
        flip_bytes(tree / ARCHIVE)
    else:
        as_attacker(tree, other_key if how == "re-signed" else None)
    before = {p.name: p.read_bytes() for p in tree.iterdir() if p.is_file()}

    r = run_gover("mirror", "verify", str(tree))
    assert r.code == 3, (r.code, r.out, r.err)
    assert ARCHIVE in r.err and why in r.err, r.err

    with nginx.serve(tree, tmp_path / "nginx") as srv:
        env = dict(client_env(srv.url, tmp_path / "client"), GOVER_CA_BUNDLE=str(srv.ca_path))
        r = run_gover("install", "1.22.10", env=env)
        assert ("GET", "/" + ARCHIVE, 200) in srv.requests()
    assert r.code == 3, (r.code, r.err)
    lines = r.err_lines
    assert len(lines) == 1 and ARCHIVE in lines[0] and why in lines[0], r.err
    monkeypatch.setenv("GOVER_HOME", str(tmp_path / "client"))
    assert visible_versions() == []
    assert not any(store_root().glob(".staging-*"))
    # Verifying changed nothing in the tree.
    assert {p.name: p.read_bytes() for p in tree.iterdir() if p.is_file()} == before
