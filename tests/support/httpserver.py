"""A real HTTP(S) server on 127.0.0.1 for tests: serves a directory tree and injects faults.

No mocks: gover's network code talks to this over real sockets, so timeouts, truncated
bodies, redirects and TLS failures behave as they do against a real mirror.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import email.utils
import ipaddress
import os
import socket
import ssl
import threading
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

# Upper bound for any injected stall, so a forgotten fault never hangs a test run.
MAX_STALL = 10.0
# Upper bound for a trickled response (a slowloris server); it also stops when the client hangs up.
MAX_TRICKLE = 120.0


@dataclass
class Fault:
    """What to do wrong for one path. Fields combine; unset fields mean "behave normally"."""

    status: int | None = None  # respond with this status and a small body
    times: int | None = None  # apply to the first N requests for the path only
    redirect_to: str | None = None  # 302 with this Location
    body: bytes | None = None  # serve these bytes (status 200) instead of the file
    content_type: str | None = None
    stall_after_headers: float | None = None  # send headers, then sleep (bounded)
    truncate_at: int | None = None  # never send bytes at/after this file offset, then close
    content_length: int | None = None  # declare this Content-Length instead of the real one
    no_range: bool = False  # ignore Range (always 200 with the full body)
    no_content_length: bool = False  # omit Content-Length; the body ends when we close
    trickle_headers: float | None = None  # send the whole response a byte per this many seconds
    trickle_body: float | None = None  # send the body `trickle_chunk` bytes per this many seconds
    trickle_chunk: int = 1


@dataclass
class TLSFiles:
    ca_cert: Path
    server_cert: Path
    server_key: Path


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, owner: TestServer) -> None:
        self.owner = owner
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet: clients hanging up and failed TLS handshakes are expected in tests."""


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    timeout = 10  # idle keep-alive connections go away on their own

    def setup(self) -> None:
        owner = self.server.owner
        if owner._ssl_context is not None:
            self.request.settimeout(self.timeout)  # bound the handshake too
            self.request = owner._ssl_context.wrap_socket(self.request, server_side=True)
        owner._track(self.request, add=True)
        super().setup()

    def finish(self) -> None:
        with contextlib.suppress(OSError):
            super().finish()
        if isinstance(self.request, ssl.SSLSocket):
            # The server's own shutdown_request() only sees the raw socket wrap_socket detached.
            with contextlib.suppress(OSError):
                self.request.close()
        self.server.owner._track(self.request, add=False)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._handle(head=False)

    def do_HEAD(self) -> None:
        self._handle(head=True)

    # -- dispatch -----------------------------------------------------------------

    def _handle(self, *, head: bool) -> None:
        owner = self.server.owner
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        headers = {k.lower(): v for k, v in self.headers.items()}
        owner._log(self.command, self.path, headers)
        fault = owner._take_fault(path)
        if fault is None:
            self._serve_file(path, head=head, fault=Fault())
            return
        self.close_connection = True
        if fault.redirect_to is not None:
            status = fault.status if fault.status and 300 <= fault.status < 400 else 302
            self.send_response(status)
            self.send_header("Location", fault.redirect_to)
            self.send_header("Content-Length", "0")
            self.send_header("Connection", "close")
            self.end_headers()
            return
        if fault.status is not None and fault.body is None:
            self._send_bytes(f"{fault.status} injected fault\n".encode(), fault.status, head, fault)
            return
        if fault.body is not None:
            self._send_bytes(fault.body, fault.status or 200, head, fault)
            return
        self._serve_file(path, head=head, fault=fault)

    def _file_for(self, path: str) -> Path | None:
        root = self.server.owner.root.resolve()
        candidate = (root / path.lstrip("/")).resolve()
        if candidate != root and root not in candidate.parents:
            return None
        return candidate if candidate.is_file() else None

    def _serve_file(self, path: str, *, head: bool, fault: Fault) -> None:
        file = self._file_for(path)
        if file is None:
            self._send_bytes(b"404 not found\n", 404, head, Fault())
            return
        st = file.stat()
        etag = f'"{st.st_size:x}-{st.st_mtime_ns:x}"'
        last_modified = email.utils.formatdate(st.st_mtime, usegmt=True)
        extra = {"ETag": etag, "Last-Modified": last_modified}
        if self._not_modified(etag, int(st.st_mtime)):
            self.send_response(304)
            for key, value in extra.items():
                self.send_header(key, value)
            self.end_headers()
            return
        data = file.read_bytes()
        self._send_bytes(data, 200, head, fault, extra=extra, ranged=not fault.no_range)

    def _not_modified(self, etag: str, mtime: int) -> bool:
        inm = self.headers.get("If-None-Match")
        if inm is not None:
            tags = [t.strip() for t in inm.split(",")]
            return "*" in tags or etag in tags or f"W/{etag}" in tags
        ims = self.headers.get("If-Modified-Since")
        if ims is not None:
            try:
                since = email.utils.parsedate_to_datetime(ims)
            except (TypeError, ValueError):
                return False
            if since.tzinfo is None:
                since = since.replace(tzinfo=_dt.UTC)
            return mtime <= int(since.timestamp())
        return False

    def _parse_range(self, size: int) -> tuple[int, int] | str | None:
        """(start, end_exclusive), None for "no usable Range", "unsatisfiable" for 416."""
        value = self.headers.get("Range")
        if not value or not value.startswith("bytes=") or "," in value:
            return None
        first, _, last = value[len("bytes=") :].strip().partition("-")
        try:
            if first == "":
                n = int(last)
                return (max(size - n, 0), size) if n > 0 else "unsatisfiable"
            start = int(first)
            end = min(int(last) + 1, size) if last else size
        except ValueError:
            return None
        if start >= size or end <= start:
            return "unsatisfiable"
        return start, end

    def _send_bytes(
        self,
        data: bytes,
        status: int,
        head: bool,
        fault: Fault,
        *,
        extra: dict[str, str] | None = None,
        ranged: bool = False,
    ) -> None:
        size = len(data)
        start, end = 0, size
        if ranged and status == 200:
            parsed = self._parse_range(size)
            if parsed == "unsatisfiable":
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{size}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if isinstance(parsed, tuple):
                start, end = parsed
                status = 206
        if fault.trickle_headers:
            self.wfile = _TrickleWriter(self, fault.trickle_headers, 1)  # type: ignore[assignment]
        self.send_response(status)
        self.send_header("Content-Type", fault.content_type or "application/octet-stream")
        self.send_header("Accept-Ranges", "none" if fault.no_range else "bytes")
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{end - 1}/{size}")
        if fault.no_content_length:
            self.send_header("Connection", "close")
            self.close_connection = True
        else:
            declared = fault.content_length if fault.content_length is not None else end - start
            self.send_header("Content-Length", str(declared))
        self.end_headers()
        if head:
            return
        if fault.stall_after_headers:
            self.wfile.flush()
            self.server.owner._stopping.wait(min(fault.stall_after_headers, MAX_STALL))
            if self.server.owner._stopping.is_set():
                return
        stop = end if fault.truncate_at is None else max(start, min(end, fault.truncate_at))
        out = self.wfile
        if fault.trickle_body and not fault.trickle_headers:
            out = _TrickleWriter(self, fault.trickle_body, max(1, fault.trickle_chunk))  # type: ignore[assignment]
        with contextlib.suppress(OSError):
            out.write(data[start:stop])
            out.flush()
        if stop < end:
            self.close_connection = True


class _TrickleWriter:
    """A slowloris: writes `chunk` bytes, flushes, waits `delay`, until done, the client
    hangs up (a write fails), the server stops, or MAX_TRICKLE seconds have passed."""

    def __init__(self, handler: _Handler, delay: float, chunk: int) -> None:
        self.raw = handler.wfile
        self.stopping = handler.server.owner._stopping
        self.delay = delay
        self.chunk = chunk
        self.budget = MAX_TRICKLE

    def write(self, data: bytes) -> int:
        view = memoryview(data)
        while view:
            if self.budget <= 0 or self.stopping.is_set():
                raise BrokenPipeError("trickle stopped")
            self.raw.write(view[: self.chunk])
            self.raw.flush()
            view = view[self.chunk :]
            if view:
                self.stopping.wait(self.delay)
                self.budget -= self.delay
        return len(data)

    def flush(self) -> None:
        self.raw.flush()


class TestServer:
    """Threaded server on an ephemeral 127.0.0.1 port; use as a context manager."""

    __test__ = False  # not a pytest test class

    def __init__(self, root: Path, *, tls: TLSFiles | None = None) -> None:
        self.root = Path(root)
        self.tls = tls
        self.url = ""
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self._lock = threading.Lock()
        self._faults: dict[str, Fault] = {}
        self._fault_hits: dict[str, int] = {}
        self._conns: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._ssl_context: ssl.SSLContext | None = None

    # -- lifecycle ----------------------------------------------------------------

    def start(self) -> TestServer:
        if self.tls is not None:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(self.tls.server_cert, self.tls.server_key)
            self._ssl_context = ctx
        self._stopping.clear()
        self._server = _Server(self)
        port = self._server.server_address[1]
        scheme = "https" if self.tls is not None else "http"
        self.url = f"{scheme}://127.0.0.1:{port}/"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.01},
            name=f"TestServer:{port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        with self._lock:
            conns = list(self._conns)
            self._conns.clear()
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> TestServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- faults and the request log -----------------------------------------------

    def add_fault(self, path: str, fault: Fault) -> None:
        with self._lock:
            self._faults[path] = fault
            self._fault_hits[path] = 0

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()
            self._fault_hits.clear()

    def requests_for(self, path: str, method: str = "GET") -> list[dict[str, str]]:
        """Headers (lower-case keys) of every `method` request whose path is `path`."""
        with self._lock:
            return [
                h
                for m, p, h in self.requests
                if m == method and urllib.parse.urlsplit(p).path == path
            ]

    def url_for(self, path: str) -> str:
        return self.url + path.lstrip("/")

    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            fault = self._faults.get(path)
            if fault is None:
                return None
            hits = self._fault_hits.get(path, 0)
            self._fault_hits[path] = hits + 1
            if fault.times is not None and hits >= fault.times:
                return None
            return fault

    def _log(self, method: str, path: str, headers: dict[str, str]) -> None:
        with self._lock:
            self.requests.append((method, path, headers))

    def _track(self, conn: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._conns.add(conn)
            else:
                self._conns.discard(conn)


def make_test_ca(dir: Path, hostnames: tuple[str, ...] = ("127.0.0.1", "localhost")) -> TLSFiles:
    """A throw-away CA and a server certificate for `hostnames` (IP or DNS SANs)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    dir = Path(dir)
    dir.mkdir(parents=True, exist_ok=True)
    now = _dt.datetime.now(_dt.UTC)
    not_before, not_after = now - _dt.timedelta(days=1), now + _dt.timedelta(days=30)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "gover test CA")])
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    sans: list[x509.GeneralName] = []
    for name in hostnames:
        try:
            sans.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            sans.append(x509.DNSName(name))
    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostnames[0])]))
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(server_key.public_key()), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )

    files = TLSFiles(
        ca_cert=dir / "ca.pem", server_cert=dir / "server.pem", server_key=dir / "server.key"
    )
    files.ca_cert.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    files.server_cert.write_bytes(server_cert.public_bytes(serialization.Encoding.PEM))
    files.server_key.write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    os.chmod(files.server_key, 0o600)
    return files
