"""Proxies come from the environment: a real forwarding proxy on 127.0.0.1 sees the requests."""

from __future__ import annotations

import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from tests.support.cli import run_gover
from tests.support.mirror import Mirror


class _Forward(BaseHTTPRequestHandler):
    seen: ClassVar[list[str]] = []

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.seen.append(self.path)  # a proxy gets the absolute URL
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(self.path, timeout=30) as upstream:
            body = upstream.read()
            self.send_response(upstream.status)
            for key in ("Content-Type", "ETag", "Last-Modified"):
                if upstream.headers.get(key):
                    self.send_header(key, upstream.headers[key])
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def proxy() -> Iterator[str]:
    _Forward.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Forward)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_http_proxy_from_environment(mirror: Mirror, proxy: str) -> None:
    r = run_gover("list-remote", "--refresh", env={"HTTP_PROXY": proxy, "NO_PROXY": ""})
    assert r.code == 0, r.err
    assert "1.22.10" in r.out
    assert _Forward.seen == [mirror.index_url]


def test_no_proxy_bypasses_it(mirror: Mirror, proxy: str) -> None:
    r = run_gover("list-remote", "--refresh", env={"HTTP_PROXY": proxy, "NO_PROXY": "127.0.0.1"})
    assert r.code == 0, r.err
    assert _Forward.seen == []
