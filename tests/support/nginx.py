"""Debian's real nginx serving a directory over HTTPS on 127.0.0.1, for tests and benchmarks.

nginx runs in the foreground (`daemon off`) as a child process with a config written into a
temp directory: the pid file, lock file, logs and every *_temp_path live there, so nothing under
/var or /run is touched and several servers can run at once. The certificate comes from a CA
made for the run (tests/support/httpserver.make_test_ca); clients trust it through `ca_bundle`.
The access log has one line per request, `METHOD URI STATUS BYTES`, for assertions.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.support.httpserver import TLSFiles, make_test_ca

NGINX = Path("/usr/sbin/nginx")
START_TIMEOUT = 20.0

_CONF = """\
# written by tests/support/nginx.py
worker_processes 2;
{user}
pid {nginx_pid};
lock_file {nginx_lock};
error_log {error_log} info;
events {{ worker_connections 256; }}
http {{
    log_format gover '$request_method $uri $status $body_bytes_sent';
    access_log {access_log} gover;
    client_body_temp_path {body};
    proxy_temp_path {proxy};
    fastcgi_temp_path {fastcgi};
    uwsgi_temp_path {uwsgi};
    scgi_temp_path {scgi};
    types {{
        application/json json;
        application/gzip gz;
        application/zip zip;
        text/plain sha256 asc pub;
    }}
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 10;
    server {{
        listen 127.0.0.1:{port} ssl;
        server_name localhost;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        root {root};
        # The index changes when the tree is synced: caches must revalidate it.
        location = /index.json {{ add_header Cache-Control "no-cache"; }}
        location / {{ try_files $uri =404; }}
    }}
}}
"""


@dataclass
class Nginx:
    url: str  # https://127.0.0.1:PORT/ (trailing slash: a mirror URL)
    ca_path: Path  # the CA certificate clients must trust
    access_log: Path
    error_log: Path
    root: Path
    proc: subprocess.Popen[bytes]

    def __iter__(self) -> Iterator[object]:
        """(url, ca_path, access_log), so `url, ca, log = server` reads naturally."""
        return iter((self.url, self.ca_path, self.access_log))

    def requests(self) -> list[tuple[str, str, int]]:
        """(method, uri, status) of every request logged so far."""
        out = []
        for line in self.access_log.read_text().splitlines():
            method, uri, status, _size = line.split(" ")
            out.append((method, uri, int(status)))
        return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _quote(path: Path) -> str:
    """An nginx config string for a path (tmp paths may hold spaces)."""
    text = str(path)
    if any(c in text for c in '"\\;{}$\n'):
        raise ValueError(f"path unsafe for an nginx config: {text!r}")
    return f'"{text}"'


def write_config(tmp: Path, root: Path, tls: TLSFiles, port: int) -> Path:
    user = "user root root;" if os.geteuid() == 0 else ""  # workers must read a 0700 tmp tree
    conf = tmp / "nginx.conf"
    conf.write_text(
        _CONF.format(
            user=user,
            **{
                name.replace(".", "_"): _quote(tmp / name)
                for name in (
                    "nginx.pid",
                    "nginx.lock",
                    "error.log",
                    "access.log",
                    "body",
                    "proxy",
                    "fastcgi",
                    "uwsgi",
                    "scgi",
                )
            },
            port=port,
            cert=_quote(tls.server_cert),
            key=_quote(tls.server_key),
            root=_quote(root),
        )
    )
    return conf


@contextlib.contextmanager
def serve(root: Path, tmp: Path, *, tls: TLSFiles | None = None) -> Iterator[Nginx]:
    """nginx serving `root` over HTTPS until the block ends. `tmp` (made if missing) holds the
    config, logs, pid and the CA unless `tls` is given."""
    tmp.mkdir(parents=True, exist_ok=True)
    tls = tls or make_test_ca(tmp / "tls")
    last_error = ""
    for _attempt in range(5):  # another process may take the free port before nginx binds it
        port = _free_port()
        conf = write_config(tmp, root, tls, port)
        for name in ("access.log", "error.log"):
            (tmp / name).write_bytes(b"")
        proc = subprocess.Popen(
            [
                str(NGINX),
                "-p",
                str(tmp),
                "-e",
                str(tmp / "error.log"),
                "-c",
                str(conf),
                "-g",
                "daemon off;",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while proc.poll() is None and not _listening(port) and time.monotonic() < deadline:
            time.sleep(0.02)
        if proc.poll() is None and _listening(port):
            break
        _stop(proc)
        last_error = (tmp / "error.log").read_text(errors="replace")
        if "Address already in use" not in last_error:
            raise RuntimeError(f"nginx did not start: {last_error.strip()}")
    else:
        raise RuntimeError(f"nginx did not start: {last_error.strip()}")
    server = Nginx(
        url=f"https://127.0.0.1:{port}/",
        ca_path=tls.ca_cert,
        access_log=tmp / "access.log",
        error_log=tmp / "error.log",
        root=root,
        proc=proc,
    )
    try:
        yield server
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGQUIT is nginx's graceful stop; SIGKILL the master if it does not go (the workers
    exit when their master dies)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGQUIT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    if proc.stderr is not None:
        proc.stderr.close()
