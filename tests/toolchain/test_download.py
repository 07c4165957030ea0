"""gover.toolchain.download against a real HTTP(S) server on 127.0.0.1 (tests/support/httpserver.py)."""

from __future__ import annotations

import hashlib
import random
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gover.config import Config
from gover.constants import PARTIAL_SUFFIX
from gover.errors import (
    ConfigError,
    NetworkError,
    NotFoundError,
    TLSError,
    UnreachableError,
    VerificationError,
)
from gover.toolchain import download as dl
from tests.support.httpserver import Fault, TestServer, TLSFiles, make_test_ca

NAME = "go1.22.10.linux-amd64.tar.gz"
PATH = "/" + NAME
PAYLOAD = random.Random(1).randbytes(300_000)
SHA = hashlib.sha256(PAYLOAD).hexdigest()
# Small timeouts and backoff keep every failure test well under a second or two.
FAST: dict[str, Any] = {"timeout": 1.0, "retries": 2, "backoff": 0.01}

_NET_ENV = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
)


@pytest.fixture(autouse=True)
def _no_ambient_network_config(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in _NET_ENV:
        monkeypatch.delenv(key, raising=False)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    tree = tmp_path / "www"
    tree.mkdir()
    (tree / NAME).write_bytes(PAYLOAD)
    (tree / "index.json").write_text('[{"version": "go1.22.10"}]')
    return tree


@pytest.fixture
def server(root: Path) -> Iterator[TestServer]:
    with TestServer(root) as srv:
        yield srv


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TLSFiles:
    return make_test_ca(tmp_path_factory.mktemp("ca"))


@pytest.fixture
def tls_server(root: Path, tls_files: TLSFiles) -> Iterator[TestServer]:
    with TestServer(root, tls=tls_files) as srv:
        yield srv


@pytest.fixture
def dest(tmp_path: Path) -> Path:
    return tmp_path / "downloads" / NAME


def partial_of(dest: Path) -> Path:
    return dest.with_name(dest.name + PARTIAL_SUFFIX)


def gets(server: TestServer, path: str = PATH) -> list[dict[str, str]]:
    return server.requests_for(path, "GET")


# -- plain downloads ----------------------------------------------------------------


def test_download_returns_sha256_and_renames_partial(server: TestServer, dest: Path) -> None:
    digest = dl.download(server.url_for(NAME), dest, Config(), expected_size=len(PAYLOAD))
    assert digest == SHA
    assert dest.read_bytes() == PAYLOAD
    assert not partial_of(dest).exists()
    (headers,) = gets(server)
    assert "range" not in headers
    assert headers["accept-encoding"] == "identity"  # hash the file's bytes, not a decoding


def test_download_without_expected_size(server: TestServer, dest: Path) -> None:
    assert dl.download(server.url_for(NAME), dest, Config()) == SHA


def test_module_import_does_not_load_network_stack() -> None:
    code = (
        "import sys\n"
        "before = set(sys.modules)\n"
        "import gover.toolchain.download\n"
        "heavy = {'httpx', 'rich', 'ssl', 'certifi'} & (set(sys.modules) - before)\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])


def test_progress_bar_renders_to_stderr(
    server: TestServer, dest: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    assert dl.download(server.url_for(NAME), dest, Config(), progress=True) == SHA
    out, err = capfd.readouterr()
    assert out == ""
    assert NAME in err


def test_quiet_when_not_a_tty(
    server: TestServer, dest: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    assert dl.download(server.url_for(NAME), dest, Config()) == SHA
    assert capfd.readouterr() == ("", "")


# -- resume -------------------------------------------------------------------------


@pytest.mark.parametrize("expected", [len(PAYLOAD), None])
def test_resume_partial_with_range(server: TestServer, dest: Path, expected: int | None) -> None:
    dest.parent.mkdir(parents=True)
    partial_of(dest).write_bytes(PAYLOAD[:123_456])
    digest = dl.download(server.url_for(NAME), dest, Config(), expected_size=expected)
    assert digest == SHA
    assert dest.read_bytes() == PAYLOAD
    (headers,) = gets(server)
    assert headers["range"] == "bytes=123456-"


def test_restart_when_server_ignores_range(server: TestServer, dest: Path) -> None:
    server.add_fault(PATH, Fault(no_range=True))
    dest.parent.mkdir(parents=True)
    partial_of(dest).write_bytes(b"stale bytes from another file" * 10)
    assert dl.download(server.url_for(NAME), dest, Config(), expected_size=len(PAYLOAD)) == SHA
    assert dest.read_bytes() == PAYLOAD
    (headers,) = gets(server)
    assert "range" in headers  # asked to resume, got a 200, started over


def test_restart_when_range_not_satisfiable(server: TestServer, dest: Path) -> None:
    dest.parent.mkdir(parents=True)
    partial_of(dest).write_bytes(b"x" * (len(PAYLOAD) + 10))  # longer than the file: 416
    assert dl.download(server.url_for(NAME), dest, Config()) == SHA
    first, second = gets(server)
    assert first["range"] == f"bytes={len(PAYLOAD) + 10}-"
    assert "range" not in second


def test_partial_at_least_expected_size_is_discarded(server: TestServer, dest: Path) -> None:
    dest.parent.mkdir(parents=True)
    partial_of(dest).write_bytes(b"y" * len(PAYLOAD))
    assert dl.download(server.url_for(NAME), dest, Config(), expected_size=len(PAYLOAD)) == SHA
    (headers,) = gets(server)
    assert "range" not in headers


def test_restart_when_content_range_does_not_match(dest: Path) -> None:
    """A 206 for the wrong range: not something the real server does, so respx."""
    import httpx
    import respx

    url = "https://mirror.example/" + NAME
    dest.parent.mkdir(parents=True)
    partial_of(dest).write_bytes(PAYLOAD[:1000])
    with respx.mock(assert_all_called=True) as mock:
        route = mock.get(url).mock(
            side_effect=[
                httpx.Response(
                    206,
                    content=PAYLOAD[2000:],
                    headers={"Content-Range": f"bytes 2000-{len(PAYLOAD) - 1}/{len(PAYLOAD)}"},
                ),
                httpx.Response(200, content=PAYLOAD),
            ]
        )
        assert dl.download(url, dest, Config(), expected_size=len(PAYLOAD), **FAST) == SHA
    assert route.calls[0].request.headers["range"] == "bytes=1000-"
    assert "range" not in route.calls[1].request.headers


# -- retries and failures -----------------------------------------------------------


def test_retries_on_503_then_succeeds(
    server: TestServer, dest: Path, capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from gover import output

    monkeypatch.setattr(output, "stderr_is_tty", lambda: True)  # retry notices are TTY-only
    server.add_fault(PATH, Fault(status=503, times=2))
    assert dl.download(server.url_for(NAME), dest, Config(), **FAST) == SHA
    assert len(gets(server)) == 3
    err = capfd.readouterr().err
    assert err.count("retrying") == 2
    assert "HTTP 503" in err


def test_503_forever_fails_after_bounded_retries(server: TestServer, dest: Path) -> None:
    server.add_fault(PATH, Fault(status=503))
    url = server.url_for(NAME)
    with pytest.raises(NetworkError) as info:
        dl.download(url, dest, Config(), **FAST)
    assert len(gets(server)) == 3
    message = str(info.value)
    assert url in message and "3 attempts" in message and "HTTP 503" in message
    assert "\n" not in message
    assert not dest.exists()


def test_404_is_not_found_and_not_retried(server: TestServer, dest: Path) -> None:
    url = server.url_for("go9.9.9.linux-amd64.tar.gz")
    with pytest.raises(NotFoundError) as info:
        dl.download(url, dest, Config(), **FAST)
    assert url in str(info.value)
    assert len(server.requests) == 1
    assert not dest.exists() and not partial_of(dest).exists()


def test_other_4xx_is_not_retried(server: TestServer, dest: Path) -> None:
    server.add_fault(PATH, Fault(status=403))
    with pytest.raises(NetworkError, match="HTTP 403") as info:
        dl.download(server.url_for(NAME), dest, Config(), **FAST)
    assert not isinstance(info.value, NotFoundError)
    assert len(gets(server)) == 1


def test_stall_after_headers_times_out_with_bounded_retries(server: TestServer, dest: Path) -> None:
    server.add_fault(PATH, Fault(stall_after_headers=5.0))
    with pytest.raises(NetworkError, match=r"no data for 0\.3s \(read timeout\)") as info:
        dl.download(server.url_for(NAME), dest, Config(), timeout=0.3, retries=1, backoff=0.01)
    # Behaviour, not wall time (timing lives in benchmarks/bench_install.py): both attempts
    # ended by the read timeout, none waited out the 5 s stall and then got the body.
    assert "2 attempts" in str(info.value)
    assert len(gets(server)) == 2
    assert not dest.exists()


def test_truncated_body_retries_then_fails_and_keeps_partial(
    server: TestServer, dest: Path
) -> None:
    server.add_fault(PATH, Fault(truncate_at=100_000))
    url = server.url_for(NAME)
    with pytest.raises(NetworkError) as info:
        dl.download(url, dest, Config(), expected_size=len(PAYLOAD), **FAST)
    assert url in str(info.value) and "3 attempts" in str(info.value)
    requests = gets(server)
    assert len(requests) == 3
    assert [h.get("range") for h in requests] == [None, "bytes=100000-", "bytes=100000-"]
    assert partial_of(dest).read_bytes() == PAYLOAD[:100_000]  # kept for the next run
    assert not dest.exists()

    server.clear_faults()
    assert dl.download(url, dest, Config(), expected_size=len(PAYLOAD), **FAST) == SHA
    assert gets(server)[-1]["range"] == "bytes=100000-"


def test_content_length_larger_than_body_retries_then_fails(server: TestServer, dest: Path) -> None:
    server.add_fault(PATH, Fault(content_length=len(PAYLOAD) + 100))
    with pytest.raises(NetworkError, match="3 attempts"):
        dl.download(server.url_for(NAME), dest, Config(), **FAST)


def test_short_body_without_content_length_fails_after_retries(
    server: TestServer, dest: Path
) -> None:
    server.add_fault(PATH, Fault(no_content_length=True, truncate_at=1000))
    with pytest.raises(NetworkError, match=f"body ended after 1000 of {len(PAYLOAD)} bytes"):
        dl.download(server.url_for(NAME), dest, Config(), expected_size=len(PAYLOAD), **FAST)
    assert partial_of(dest).stat().st_size == 1000


def test_declared_body_larger_than_expected(server: TestServer, dest: Path) -> None:
    with pytest.raises(VerificationError, match="larger than the index says") as info:
        dl.download(server.url_for(NAME), dest, Config(), expected_size=len(PAYLOAD) - 10)
    assert server.url_for(NAME) in str(info.value)
    assert not dest.exists() and not partial_of(dest).exists()
    assert len(gets(server)) == 1  # definitive: no retries


def test_streamed_body_larger_than_expected(server: TestServer, dest: Path) -> None:
    server.add_fault(PATH, Fault(no_content_length=True))
    with pytest.raises(VerificationError, match="larger than the index says"):
        dl.download(server.url_for(NAME), dest, Config(), expected_size=1000, **FAST)
    assert not dest.exists() and not partial_of(dest).exists()


def test_declared_body_smaller_than_expected(server: TestServer, dest: Path) -> None:
    server.add_fault(PATH, Fault(content_length=1000))
    with pytest.raises(VerificationError, match="smaller than the index says"):
        dl.download(server.url_for(NAME), dest, Config(), expected_size=len(PAYLOAD), **FAST)
    assert not partial_of(dest).exists()


def test_html_served_instead_of_archive_is_a_size_error(server: TestServer, dest: Path) -> None:
    server.add_fault(PATH, Fault(body=b"<html>mirror maintenance</html>", content_type="text/html"))
    with pytest.raises(VerificationError):
        dl.download(server.url_for(NAME), dest, Config(), expected_size=len(PAYLOAD), **FAST)


def test_connection_refused_fails_at_once(dest: Path, server: TestServer) -> None:
    """Issue 12: a refused connection is not retried (an offline user would wait out the
    whole backoff schedule); the error names the URL and the host."""
    url = server.url_for(NAME)
    server.stop()
    with pytest.raises(UnreachableError) as info:
        dl.download(url, dest, Config(), **FAST)
    # Not "failed after N attempts": the first refusal is final.
    assert str(info.value).startswith(f"{url}: cannot reach 127.0.0.1: connection refused; ")


def test_a_name_that_does_not_resolve_fails_at_once(dest: Path) -> None:
    url = "https://gover-test.invalid/" + NAME  # .invalid never resolves (RFC 6761)
    with pytest.raises(UnreachableError) as info:
        dl.download(url, dest, Config(), **FAST)
    message = str(info.value)
    assert message.startswith(f"{url}: cannot reach gover-test.invalid: the name does not resolve")
    with pytest.raises(UnreachableError):
        dl.fetch_bytes(url, Config(), **FAST)


# -- TLS ------------------------------------------------------------------------------


def test_https_with_ca_bundle(tls_server: TestServer, tls_files: TLSFiles, dest: Path) -> None:
    cfg = Config(ca_bundle=str(tls_files.ca_cert))
    assert tls_server.url.startswith("https://127.0.0.1:")
    assert dl.download(tls_server.url_for(NAME), dest, cfg, **FAST) == SHA


def test_https_without_ca_names_host_and_fix(tls_server: TestServer, dest: Path) -> None:
    url = tls_server.url_for(NAME)
    with pytest.raises(TLSError) as info:
        dl.download(url, dest, Config(), **FAST)
    message = str(info.value)
    assert "127.0.0.1" in message and url in message
    assert "gover config set ca_bundle PATH" in message
    assert "\n" not in message
    assert tls_server.requests == []  # never got past the handshake, and not retried


def test_https_wrong_host_in_certificate(root: Path, tmp_path: Path, dest: Path) -> None:
    files = make_test_ca(tmp_path / "ca-localhost-only", hostnames=("localhost",))
    with TestServer(root, tls=files) as srv:
        with pytest.raises(TLSError, match=re.escape("127.0.0.1")):
            dl.download(srv.url_for(NAME), dest, Config(ca_bundle=str(files.ca_cert)), **FAST)
        # ...while the name the certificate does carry works.
        url = srv.url_for(NAME).replace("127.0.0.1", "localhost")
        assert dl.download(url, dest, Config(ca_bundle=str(files.ca_cert)), **FAST) == SHA


def test_tls_failure_on_a_redirect_hop_names_that_host(
    tls_server: TestServer, tls_files: TLSFiles, root: Path, tmp_path: Path, dest: Path
) -> None:
    untrusted = make_test_ca(tmp_path / "untrusted", hostnames=("localhost",))
    with TestServer(root, tls=untrusted) as other:
        hop = other.url_for(NAME).replace("127.0.0.1", "localhost")
        tls_server.add_fault(PATH, Fault(redirect_to=hop))
        with pytest.raises(TLSError) as info:
            dl.download(tls_server.url_for(NAME), dest, Config(ca_bundle=str(tls_files.ca_cert)))
    message = str(info.value)
    assert "for localhost (" in message and f"redirected to {hop}" in message


def test_ssl_cert_file_env_is_honoured(
    tls_server: TestServer, tls_files: TLSFiles, dest: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_files.ca_cert))
    assert dl.download(tls_server.url_for(NAME), dest, Config(), **FAST) == SHA


def test_ca_bundle_overrides_ssl_cert_file(
    tls_server: TestServer,
    tls_files: TLSFiles,
    dest: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    other = make_test_ca(tmp_path / "other")
    monkeypatch.setenv("SSL_CERT_FILE", str(other.ca_cert))
    cfg = Config(ca_bundle=str(tls_files.ca_cert))
    assert dl.download(tls_server.url_for(NAME), dest, cfg, **FAST) == SHA


def test_missing_ca_bundle_is_a_config_error(tls_server: TestServer, tmp_path: Path) -> None:
    missing = tmp_path / "nope.pem"
    with pytest.raises(ConfigError, match="ca_bundle") as info:
        dl.fetch_bytes(tls_server.url_for(NAME), Config(ca_bundle=str(missing)))
    assert str(missing) in str(info.value)


# -- URL policy and redirects ---------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://go.dev/dl/?mode=json",
        "http://127.0.0.1:8080/x",
        "http://127.9.9.9/x",
        "http://[::1]:8080/x",
        "http://localhost/x",
        "http://LOCALHOST./x",
        "file:///srv/mirror/go.tar.gz",
    ],
)
def test_check_url_allows(url: str) -> None:
    dl.check_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://dl.google.com/go/x.tar.gz",
        "http://10.0.0.1/x",
        "http://localhost.example.com/x",
        "http://[::2]/x",
        "ftp://example.com/x",
        "dl.google.com/go/x",
        "https:///nohost",
        "http://127.0.0.1:99999999/x",
    ],
)
def test_check_url_refuses(url: str) -> None:
    with pytest.raises(NetworkError) as info:
        dl.check_url(url)
    assert url in str(info.value)
    assert "https://" in str(info.value)  # the fix


def test_plain_http_to_remote_host_refused_before_any_network(dest: Path) -> None:
    with pytest.raises(NetworkError, match="plain http"):
        dl.download("http://dl.google.com/go/" + NAME, dest, Config())
    with pytest.raises(NetworkError, match="plain http"):
        dl.fetch_bytes("http://go.dev/dl/?mode=json", Config())


def test_redirect_https_to_http_refused(
    tls_server: TestServer, server: TestServer, tls_files: TLSFiles, dest: Path
) -> None:
    target = server.url_for(NAME)
    tls_server.add_fault(PATH, Fault(redirect_to=target))
    source = tls_server.url_for(NAME)
    with pytest.raises(NetworkError, match="refusing redirect") as info:
        dl.download(source, dest, Config(ca_bundle=str(tls_files.ca_cert)), **FAST)
    assert source in str(info.value) and target in str(info.value)
    assert server.requests == []


def test_redirect_to_remote_http_refused(server: TestServer, dest: Path) -> None:
    server.add_fault(PATH, Fault(redirect_to="http://example.com/" + NAME))
    with pytest.raises(NetworkError, match="refusing redirect"):
        dl.download(server.url_for(NAME), dest, Config(), **FAST)


def test_redirect_to_file_url_refused(server: TestServer, dest: Path) -> None:
    server.add_fault(PATH, Fault(redirect_to="file:///etc/passwd"))
    with pytest.raises(NetworkError, match="refusing redirect"):
        dl.download(server.url_for(NAME), dest, Config(), **FAST)


def test_relative_redirect_followed(server: TestServer, dest: Path) -> None:
    server.add_fault("/latest.tar.gz", Fault(redirect_to=PATH))
    assert dl.download(server.url_for("latest.tar.gz"), dest, Config(), **FAST) == SHA


def test_redirect_loop_fails(server: TestServer, dest: Path) -> None:
    server.add_fault("/loop", Fault(redirect_to="/loop"))
    with pytest.raises(NetworkError, match="redirects"):
        dl.download(server.url_for("loop"), dest, Config(), **FAST)


# -- file:// --------------------------------------------------------------------------


def test_file_url(root: Path, dest: Path) -> None:
    url = (root / NAME).as_uri()
    assert dl.download(url, dest, Config(), expected_size=len(PAYLOAD)) == SHA
    assert dest.read_bytes() == PAYLOAD
    assert not partial_of(dest).exists()
    assert dl.fetch_bytes((root / "index.json").as_uri(), Config()).content.startswith(b"[")


def test_file_url_missing(root: Path, dest: Path) -> None:
    url = (root / "missing.tar.gz").as_uri()
    with pytest.raises(NotFoundError, match=re.escape("missing.tar.gz")):
        dl.download(url, dest, Config())
    with pytest.raises(NotFoundError):
        dl.fetch_bytes(url, Config())


def test_file_url_size_mismatch(root: Path, dest: Path) -> None:
    with pytest.raises(VerificationError, match="larger than the index says"):
        dl.download((root / NAME).as_uri(), dest, Config(), expected_size=10)
    assert not dest.exists() and not partial_of(dest).exists()


def test_file_url_with_spaces(tmp_path: Path, dest: Path) -> None:
    src = tmp_path / "my mirror $x" / NAME
    src.parent.mkdir()
    src.write_bytes(PAYLOAD)
    assert dl.download(src.as_uri(), dest, Config()) == SHA


# -- fetch_bytes ---------------------------------------------------------------------


def test_fetch_bytes_etag_not_modified(server: TestServer) -> None:
    url = server.url_for("index.json")
    first = dl.fetch_bytes(url, Config())
    assert first.status == 200 and first.content.startswith(b"[")
    assert first.url == url
    etag = first.headers["etag"]
    assert "last-modified" in first.headers  # lower-case keys

    again = dl.fetch_bytes(url, Config(), headers={"If-None-Match": etag}, accept_not_modified=True)
    assert (again.status, again.content) == (304, b"")
    assert server.requests_for("/index.json")[-1]["if-none-match"] == etag

    since = first.headers["last-modified"]
    cond = dl.fetch_bytes(
        url, Config(), headers={"If-Modified-Since": since}, accept_not_modified=True
    )
    assert cond.status == 304


def test_fetch_bytes_304_is_an_error_unless_accepted(server: TestServer) -> None:
    url = server.url_for("index.json")
    etag = dl.fetch_bytes(url, Config()).headers["etag"]
    with pytest.raises(NetworkError, match="304"):
        dl.fetch_bytes(url, Config(), headers={"If-None-Match": etag}, **FAST)


def test_fetch_bytes_not_found(server: TestServer) -> None:
    url = server.url_for(NAME + ".asc")
    with pytest.raises(NotFoundError) as info:
        dl.fetch_bytes(url, Config(), **FAST)
    assert url in str(info.value)


def test_fetch_bytes_caps_size(server: TestServer) -> None:
    with pytest.raises(NetworkError, match="larger than 1000 bytes"):
        dl.fetch_bytes(server.url_for(NAME), Config(), max_bytes=1000)
    server.add_fault(PATH, Fault(no_content_length=True))
    with pytest.raises(NetworkError, match="larger than 1000 bytes"):
        dl.fetch_bytes(server.url_for(NAME), Config(), max_bytes=1000)


def test_fetch_bytes_follows_redirect_and_reports_final_url(server: TestServer) -> None:
    server.add_fault("/dl/index", Fault(redirect_to="/index.json"))
    result = dl.fetch_bytes(server.url_for("dl/index"), Config())
    assert result.url == server.url_for("index.json")
    assert result.content.startswith(b"[")


def test_fetch_bytes_retries_5xx(server: TestServer) -> None:
    server.add_fault("/index.json", Fault(status=500, times=1))
    assert dl.fetch_bytes(server.url_for("index.json"), Config(), **FAST).status == 200
    assert len(server.requests_for("/index.json")) == 2


# -- the test server itself ------------------------------------------------------------


def test_server_head_range_and_missing(server: TestServer) -> None:
    import httpx

    with httpx.Client(trust_env=False) as client:
        head = client.head(server.url_for(NAME))
        assert head.status_code == 200
        assert head.headers["content-length"] == str(len(PAYLOAD))
        assert head.content == b""
        part = client.get(server.url_for(NAME), headers={"Range": "bytes=10-"})
        assert part.status_code == 206
        assert part.headers["content-range"] == f"bytes 10-{len(PAYLOAD) - 1}/{len(PAYLOAD)}"
        assert part.content == PAYLOAD[10:]
        assert client.get(server.url_for("nope")).status_code == 404
        assert client.get(server.url_for("../../etc/passwd")).status_code == 404
    assert [m for m, _p, _h in server.requests] == ["HEAD", "GET", "GET", "GET"]
