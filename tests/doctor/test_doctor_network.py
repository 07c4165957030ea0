"""gover doctor's network detector (gover/doctor/network.py), against real servers.

Every state is built for real and real go is shown to fail in it: a local HTTPS server whose
CA the system store does not know (go: `x509: certificate signed by unknown authority`), a
proxy that answers web pages (a captive portal / proxy login page), HTTP_PROXY without
HTTPS_PROXY (go never asks the proxy), a NO_PROXY wildcard go does not expand.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.doctor.conftest import Doctor, base_env, go, run_doctor
from tests.support.httpserver import Fault, TestServer, make_test_ca

PAGE = b"<html><head><title>Network login</title></head><body>Please log in</body></html>"


class Proxy:
    """A real HTTP proxy stand-in on 127.0.0.1 that records the request lines it gets and
    answers as told: `portal` (CONNECT 200, then a web page to whatever comes through the
    "tunnel": a TLS-intercepting captive portal), `page` (CONNECT answered with a web page),
    `block` (403 with a block page)."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.lines: list[str] = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(32)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    @staticmethod
    def _head(conn: socket.socket) -> bytes:
        data = b""
        while b"\r\n\r\n" not in data and len(data) < 65536:
            chunk = conn.recv(4096)
            if not chunk:
                break
            data += chunk
        return data

    def _handle(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        page = (
            b"Content-Type: text/html\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
            % len(PAGE)
            + PAGE
        )
        try:
            with conn:
                first = self._head(conn)
                self.lines.append(first.split(b"\r\n", 1)[0].decode("latin-1"))
                if self.mode == "portal":
                    conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    if conn.recv(4096):  # a TLS ClientHello or a plain request: answer a page
                        conn.sendall(b"HTTP/1.1 200 OK\r\n" + page)
                elif self.mode == "page":
                    conn.sendall(b"HTTP/1.1 200 OK\r\n" + page)
                else:
                    conn.sendall(b"HTTP/1.1 403 Forbidden\r\n" + page)
        except OSError:
            pass

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def proxy_factory() -> Iterator[type[Proxy]]:
    made: list[Proxy] = []

    class Made(Proxy):
        def __init__(self, mode: str) -> None:
            super().__init__(mode)
            made.append(self)

    yield Made
    for p in made:
        p.close()


@pytest.fixture(scope="module")
def goroot(real_home: Path) -> Path:
    """A real go1.22.10 tree (installed by gover from the test mirror)."""
    return real_home / "versions" / "1.22.10"


def module(tmp_path: Path) -> Path:
    """A module needing one dependency, so `go mod download` must ask GOPROXY."""
    mod = tmp_path / "mod"
    mod.mkdir(parents=True)
    (mod / "go.mod").write_text("module m\n\ngo 1.22\n\nrequire example.com/x v1.0.0\n")
    return mod


def go_env(env: dict[str, str], tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        **env,
        "GOMODCACHE": str(tmp_path / "modcache"),
        "GOCACHE": str(tmp_path / "gocache"),
        "GOFLAGS": "-mod=mod",
        "GOTOOLCHAIN": "local",
        "GOSUMDB": "off",
        **extra,
    }


def network_findings(d: Doctor) -> list[dict[str, str]]:
    return [f for f in d.data["findings"] if f["id"].startswith("network.")]


# ---- environment only ---------------------------------------------------------------------


def test_clean_environment_has_no_network_findings(home: Path) -> None:
    d = run_doctor(env=base_env(home))
    assert network_findings(d) == []


def test_http_proxy_without_https_proxy_is_ignored_by_go(
    home: Path, tmp_path: Path, goroot: Path, proxy_factory: type[Proxy]
) -> None:
    proxy = proxy_factory("block")
    env = {**base_env(home), "HTTP_PROXY": proxy.url}
    # go never asks the proxy: it goes direct (and, with no route out, fails on its own).
    r = go(goroot, "mod", "download", env=go_env(env, tmp_path), cwd=module(tmp_path))
    assert r.returncode != 0
    assert proxy.lines == []
    # With HTTPS_PROXY, go does use it (the fix works).
    fixed = go_env({**env, "HTTPS_PROXY": proxy.url}, tmp_path)
    r = go(goroot, "mod", "download", env=fixed, cwd=module(tmp_path / "again"))
    assert "Forbidden" in r.stderr, r.stderr
    assert proxy.lines == ["CONNECT proxy.golang.org:443 HTTP/1.1"]

    d = run_doctor(env=env)
    f = d.get("network.http-proxy-only")
    assert f["severity"] == "warning"
    assert f["where"] == "environment: HTTP_PROXY"
    assert f["fix"] == f"export HTTPS_PROXY={proxy.url}"
    assert "network.http-proxy-only" not in run_doctor(env={**env, "HTTPS_PROXY": proxy.url}).ids()


def test_lowercase_http_proxy_and_all_proxy(home: Path) -> None:
    env = {**base_env(home), "http_proxy": "http://proxy.example:3128"}
    env["ALL_PROXY"] = "http://proxy.example:3128"
    d = run_doctor(env=env)
    assert d.get("network.http-proxy-only")["where"] == "environment: http_proxy"
    f = d.get("network.all-proxy-ignored")
    assert f["where"] == "environment: ALL_PROXY"
    assert f["fix"] == "export HTTPS_PROXY=http://proxy.example:3128"


def test_no_proxy_wildcard_go_does_not_expand(
    home: Path, tmp_path: Path, goroot: Path, proxy_factory: type[Proxy]
) -> None:
    proxy = proxy_factory("block")
    env = {
        **base_env(home),
        "HTTPS_PROXY": proxy.url,
        "NO_PROXY": "10.*;internal.example",
        "GOPROXY": "https://10.255.0.1/",
    }
    r = go(goroot, "mod", "download", env=go_env(env, tmp_path), cwd=module(tmp_path))
    assert r.returncode != 0
    assert proxy.lines == ["CONNECT 10.255.0.1:443 HTTP/1.1"]  # NO_PROXY did not match

    d = run_doctor(env=env)
    f = d.get("network.no-proxy-syntax")
    assert f["where"] == "environment: NO_PROXY"
    assert f["fix"] == "export NO_PROXY=10.0.0.0/8,internal.example"
    assert "'10.*'" in f["what"]

    # The fix's value: go now leaves the proxy alone for 10.x (and dials directly).
    fixed = go_env({**env, "NO_PROXY": "10.0.0.0/8,internal.example"}, tmp_path)
    # Dialling 10.255.0.1 directly may hang: what matters is that the proxy saw nothing.
    with contextlib.suppress(subprocess.TimeoutExpired):
        subprocess.run(
            [str(goroot / "bin" / "go"), "mod", "download"],
            env=fixed,
            cwd=module(tmp_path / "again"),
            capture_output=True,
            timeout=5,
            check=False,
        )
    assert proxy.lines == ["CONNECT 10.255.0.1:443 HTTP/1.1"]
    assert "network.no-proxy-syntax" not in run_doctor(env=fixed).ids()


def test_no_network_traffic_without_the_flag(home: Path, proxy_factory: type[Proxy]) -> None:
    proxy = proxy_factory("block")
    d = run_doctor(env={**base_env(home), "HTTPS_PROXY": proxy.url})
    assert proxy.lines == []
    assert not any(n.startswith("network:") for n in d.data["notes"])


# ---- --network -------------------------------------------------------------------------------


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[TestServer, Path]]:
    tls = make_test_ca(tmp_path / "ca")
    root = tmp_path / "served"
    (root / "golang.org" / "x" / "mod" / "@v").mkdir(parents=True)
    (root / "golang.org" / "x" / "mod" / "@v" / "list").write_text("v0.14.0\n")
    (root / "index.json").write_text("[]\n")
    with TestServer(root, tls=tls) as server:
        yield server, tls.ca_cert


def test_unknown_ca_go_and_gover(
    home: Path, tmp_path: Path, goroot: Path, tls_server: tuple[TestServer, Path]
) -> None:
    server, _ = tls_server
    env = {
        **base_env(home),
        "GOPROXY": server.url,
        "GOVER_INDEX_URL": server.url + "index.json",
        "GOVER_DOWNLOAD_BASE": server.url,
    }
    r = go(goroot, "mod", "download", env=go_env(env, tmp_path), cwd=module(tmp_path))
    assert "x509: certificate signed by unknown authority" in r.stderr, r.stderr

    d = run_doctor("--network", env=env)
    found = {f["where"]: f for f in network_findings(d)}
    assert set(found) == {
        "environment: GOPROXY",
        "environment: GOVER_INDEX_URL",
        "environment: GOVER_DOWNLOAD_BASE",
    }, found
    goproxy = found["environment: GOPROXY"]
    assert goproxy["id"] == "network.tls-unknown-authority"
    assert goproxy["severity"] == "error"
    assert "x509: certificate signed by unknown authority" in goproxy["what"]
    assert "/etc/ssl/certs" in goproxy["what"]
    assert goproxy["fix"] == (
        "sudo cp YOUR-CA.crt /usr/local/share/ca-certificates/ && sudo update-ca-certificates"
    )
    index = found["environment: GOVER_INDEX_URL"]
    assert index["id"] == "network.tls-unknown-authority"
    assert index["severity"] == "warning"
    assert "certifi" in index["what"]
    assert index["fix"].endswith(
        "update-ca-certificates && gover config set ca_bundle /etc/ssl/certs/ca-certificates.crt"
    )
    assert d.code == 1
    # Steps that worked are timed in the notes; the failing one is named.
    note = next(n for n in d.data["notes"] if n.startswith("network: GOPROXY"))
    assert "dns " in note and "tcp " in note and "failed at tls" in note


def test_ca_trusted_by_both_gives_no_finding(
    home: Path, tmp_path: Path, goroot: Path, tls_server: tuple[TestServer, Path]
) -> None:
    server, ca = tls_server
    env = {
        **base_env(home),
        "GOPROXY": server.url,
        "GOVER_INDEX_URL": server.url + "index.json",
        "GOVER_DOWNLOAD_BASE": server.url,
        "SSL_CERT_FILE": str(ca),
    }
    r = go(goroot, "mod", "download", env=go_env(env, tmp_path), cwd=module(tmp_path))
    assert "x509" not in r.stderr and "404" in r.stderr, r.stderr  # past TLS: not found

    d = run_doctor("--network", env=env)
    assert network_findings(d) == []
    note = next(n for n in d.data["notes"] if n.startswith("network: GOPROXY"))
    assert "tls " in note and "http 200 in" in note and note.endswith("ok (step timeout 5 s)")


def test_gover_ca_bundle_when_only_go_trusts_it(
    home: Path, tls_server: tuple[TestServer, Path], tmp_path: Path
) -> None:
    """go trusts the CA (SSL_CERT_FILE), gover's ca_bundle points at another bundle: the fix
    is the one gover command."""
    server, ca = tls_server
    other = make_test_ca(tmp_path / "other").ca_cert
    env = {
        **base_env(home),
        "GOPROXY": "off",
        "GOVER_INDEX_URL": server.url + "index.json",
        "GOVER_DOWNLOAD_BASE": "https://127.0.0.1:1/",
        "SSL_CERT_FILE": str(ca),
        "GOVER_CA_BUNDLE": str(other),
    }
    d = run_doctor("--network", env=env)
    f = next(f for f in network_findings(d) if f["where"] == "environment: GOVER_INDEX_URL")
    assert f["id"] == "network.tls-unknown-authority"
    assert f"config ca_bundle {other}" in f["what"]
    assert f["fix"] == f"gover config set ca_bundle {ca}"
    refused = next(
        f for f in network_findings(d) if f["where"] == "environment: GOVER_DOWNLOAD_BASE"
    )
    assert refused["id"] == "network.tcp"


@pytest.mark.parametrize(
    ("mode", "case", "go_says"),
    [
        ("portal", "network.not-tls", "server gave HTTP response to HTTPS client"),
        # The proxy answers the CONNECT with a page and closes: go reads EOF, or a reset when
        # the close beats its read (both seen on this machine).
        ("page", "network.proxy-html", "EOF|connection reset by peer"),
        ("block", "network.proxy-refused", "Forbidden"),
    ],
)
def test_proxy_answering_web_pages(
    home: Path,
    tmp_path: Path,
    goroot: Path,
    proxy_factory: type[Proxy],
    mode: str,
    case: str,
    go_says: str,
) -> None:
    proxy = proxy_factory(mode)
    env = {**base_env(home), "HTTPS_PROXY": proxy.url}
    r = go(goroot, "mod", "download", env=go_env(env, tmp_path), cwd=module(tmp_path))
    assert any(said in r.stderr for said in go_says.split("|")), r.stderr

    d = run_doctor("--network", env=env)
    f = next(f for f in network_findings(d) if f["where"] == "go's default GOPROXY")
    assert f["id"] == case
    assert f["severity"] == "error"
    assert "Network login" in f["what"]
    if mode == "block":
        assert "403 Forbidden" in f["what"]
        assert f["fix"].startswith("ask the proxy's administrators to allow proxy.golang.org:443")
    else:
        assert "captive portal" in f["what"]
        assert f["fix"].startswith("log in to the network or the proxy in a browser")
    # gover's own URLs go through the same proxy (its rules: HTTPS_PROXY too).
    gover_side = [f for f in network_findings(d) if "index_url" in f["where"]]
    assert [g["id"] for g in gover_side] == [case]


def test_plain_http_goproxy_answering_html(home: Path, tmp_path: Path, goroot: Path) -> None:
    """A captive portal on plain HTTP: 200 with a login page where go wants module data."""
    root = tmp_path / "portal"
    root.mkdir()
    page = Fault(body=PAGE, content_type="text/html")
    with TestServer(root) as server:
        for path in ("/golang.org/x/mod/@v/list", "/example.com/x/@v/v1.0.0.mod"):
            server.add_fault(path, page)
        env = {**base_env(home), "GOPROXY": server.url}
        r = go(goroot, "mod", "download", env=go_env(env, tmp_path), cwd=module(tmp_path))
        assert "parsing go.mod: missing module line" in r.stderr, r.stderr

        d = run_doctor("--network", env=env)
    f = next(f for f in network_findings(d) if f["where"] == "environment: GOPROXY")
    assert f["id"] == "network.html-answer"
    assert "Network login" in f["what"]


def test_step_timeout_comes_from_config(home: Path) -> None:
    """A server that accepts and never answers: the HTTP step ends at config `timeout`."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    url = f"http://127.0.0.1:{silent.getsockname()[1]}/"
    try:
        env = {
            **base_env(home),
            "GOPROXY": url,
            "GOVER_TIMEOUT": "1",
            "GOVER_INDEX_URL": url,
            "GOVER_DOWNLOAD_BASE": url,
        }
        d = run_doctor("--network", env=env)  # run_doctor's own timeout is the failure mode
    finally:
        silent.close()
    f = next(f for f in network_findings(d) if f["where"] == "environment: GOPROXY")
    assert f["id"] == "network.http-failed"
    assert "timed out" in f["what"]
    assert any("step timeout 1 s" in n for n in d.data["notes"])


def test_each_mirror_in_the_list_is_checked(
    home: Path, tls_server: tuple[TestServer, Path]
) -> None:
    """Issue 12: with a mirror list, doctor --network checks every entry's index and
    downloads, names the one that is down and where the list is set."""
    server, ca = tls_server
    env = {
        **base_env(home),
        "GOPROXY": "off",
        "GOVER_MIRROR": f"https://127.0.0.1:1/,{server.url}",
        "GOVER_CA_BUNDLE": str(ca),
    }
    d = run_doctor("--network", env=env)
    found = network_findings(d)
    assert [(f["id"], f["where"]) for f in found] == [
        ("network.tcp", "environment: GOVER_MIRROR"),
        ("network.tcp", "environment: GOVER_MIRROR"),
    ], found
    assert all("127.0.0.1:1" in f["what"] for f in found)
    checked = [n for n in d.data["notes"] if n.startswith("network: gover")]
    assert sum(server.url in n for n in checked) == 2, checked  # its index and its downloads
