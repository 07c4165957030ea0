"""The custom-CA path and the downgrade refusal, through `gover install` against a real HTTPS
server whose certificate comes from a CA the test creates."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import assert_one_line_error, go_run, run_gover, store_root, visible_versions
from tests.support.httpserver import Fault, TestServer, TLSFiles, make_test_ca
from tests.support.mirror import Mirror, default_index


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TLSFiles:
    return make_test_ca(tmp_path_factory.mktemp("ca"))


@pytest.fixture
def https_mirror(
    mirror: Mirror, tls_files: TLSFiles, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestServer]:
    with TestServer(mirror.root, tls=tls_files) as server:
        assert server.url.startswith("https://127.0.0.1:")
        monkeypatch.setenv("GOVER_INDEX_URL", server.url + "index.json")
        monkeypatch.setenv("GOVER_DOWNLOAD_BASE", server.url)
        mirror.write_index(default_index(mirror.root))
        yield server


def test_custom_ca_from_config(https_mirror: TestServer, tls_files: TLSFiles) -> None:
    untrusted = run_gover("install", "1.21.13")
    assert untrusted.code == 1
    assert_one_line_error(untrusted.err, "127.0.0.1", "ca_bundle")
    assert visible_versions() == []

    assert run_gover("config", "set", "ca_bundle", str(tls_files.ca_cert)).code == 0
    ok = run_gover("install", "1.21.13")
    assert ok.code == 0, ok.err
    assert go_run(store_root() / "1.21.13", "version").stdout.startswith("go version go1.21.13")


def test_ssl_cert_file_env(https_mirror: TestServer, tls_files: TLSFiles) -> None:
    r = run_gover("list-remote", env={"SSL_CERT_FILE": str(tls_files.ca_cert)})
    assert r.code == 0, r.err
    assert "1.21.13" in r.out


def test_redirect_to_http_is_refused(
    https_mirror: TestServer, mirror: Mirror, tls_files: TLSFiles
) -> None:
    name = mirror.filename("1.21.13")
    plain = mirror.server.url + name  # http://127.0.0.1:PORT/... serves the same bytes
    https_mirror.add_fault("/" + name, Fault(redirect_to=plain))
    r = run_gover("install", "1.21.13", env={"GOVER_CA_BUNDLE": str(tls_files.ca_cert)})
    assert r.code == 1
    assert_one_line_error(r.err, plain)
    assert visible_versions() == []
    assert not any(p.name.endswith(".partial") for p in Path(store_root().parent).rglob("*"))
