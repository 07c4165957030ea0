"""Streaming downloads: hash while writing, resume, bounded retries, TLS/CA/proxy, https only.

httpx, ssl and rich are imported inside functions: commands that never touch the network
(`gover current`, the shims' slow path) must not pay for the network stack.

Error classes, by how final the failure is:
- `NotFoundError` (a `NetworkError`): HTTP 404/410 or a missing file:// path; no retry.
- `TLSError` (a `NetworkError`): certificate/handshake failure; no retry; names the host and
  the `gover config set ca_bundle PATH` fix.
- `NetworkError`: refused URL or redirect, other 4xx, or retries exhausted on connection
  errors, timeouts, 5xx and short bodies. The `.partial` file is kept so the next run resumes.
- `VerificationError`: the size is provably not what the index says (declared or received
  body larger, or declared smaller). The bytes cannot be the official file, so the
  `.partial` is deleted.
- `ConfigError`: the configured CA bundle (ca_bundle, SSL_CERT_FILE) cannot be loaded.

Every request has an overall deadline (headers and body together) on top of the read
timeout, so a server that trickles one byte every few seconds cannot hold gover forever:
config `timeout` seconds, or automatically 60 s plus one second per 256 KiB expected.

A download is one descriptor from start to finish: the `.partial` file is created with
O_CREAT|O_EXCL|O_NOFOLLOW in a directory gover owns (or reused only when it is a regular
file of ours with one link, its prefix re-hashed through the opened descriptor), hashed as
it is written, renamed into place, and handed back *open*, so the caller verifies and
extracts exactly those bytes and never reopens the file by name.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import hmac
import ipaddress
import os
import re
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, NoReturn, TypeVar

from gover import __version__, constants, output
from gover.errors import (
    ConfigError,
    GoverError,
    NetworkError,
    NotFoundError,
    TLSError,
    UnreachableError,
    VerificationError,
    io_error,
)
from gover.fsutil import (
    UnsafePathError,
    create_exclusive_rw,
    fsync_dir,
    is_owned_regular,
    open_regular,
    owned_dir,
    read_limited,
)

if TYPE_CHECKING:
    import ssl

    import httpx

    from gover.config import Config

__all__ = [
    "Downloaded",
    "FetchResult",
    "NotFoundError",
    "check_url",
    "download",
    "fetch",
    "fetch_bytes",
]

T = TypeVar("T")

_NETWORK_HINT = "check the network and proxy settings (HTTPS_PROXY, NO_PROXY), then try again"
_CA_HINT = "run: gover config set ca_bundle PATH"
_HEX64 = re.compile(r"[0-9a-f]{64}")
_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$", re.IGNORECASE)


@dataclass
class FetchResult:
    """A small response held in memory. `url` is the final URL after redirects."""

    url: str
    status: int
    content: bytes
    headers: dict[str, str] = field(default_factory=dict)  # lower-case keys


# -- URL policy ----------------------------------------------------------------------


def _is_loopback(host: str) -> bool:
    host = host.lower().rstrip(".")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _url_problem(url: str, *, allow_file: bool = True) -> str | None:
    """Why gover refuses to fetch `url`, or None when it is allowed."""
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or ""
        _ = parts.port  # raises ValueError on a bad port
    except ValueError as exc:
        return f"not a valid URL ({exc})"
    scheme = parts.scheme.lower()
    if scheme == "https":
        return None if host else "no host in the URL"
    if scheme == "http":
        if host and _is_loopback(host):
            return None
        return "plain http is allowed only to loopback hosts (127.0.0.1, ::1, localhost)"
    if scheme == "file" and allow_file:
        return None
    return f"unsupported URL scheme {parts.scheme + ':' if parts.scheme else '(none)'}"


def check_url(url: str) -> None:
    """Refuse anything but https://, file:// and http:// to a loopback host."""
    problem = _url_problem(url)
    if problem is not None:
        raise NetworkError(
            f"refusing {url}: {problem}",
            "use an https:// URL (or file:// for a local mirror); see: gover config get",
        )


def _check_redirect(source: str, target: str) -> None:
    src_scheme = urllib.parse.urlsplit(source).scheme.lower()
    dst_scheme = urllib.parse.urlsplit(target).scheme.lower()
    if src_scheme == "https" and dst_scheme != "https":
        raise NetworkError(
            f"refusing redirect from {source} to {target}: it leaves https",
            "ask the mirror to redirect to https, or point gover at the final https URL",
        )
    problem = _url_problem(target, allow_file=False)
    if problem is not None:
        raise NetworkError(
            f"refusing redirect from {source} to {target}: {problem}",
            "point gover at an https mirror",
        )


def _host(url: str) -> str:
    try:
        return urllib.parse.urlsplit(url).hostname or url
    except ValueError:
        return url


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _is_file_url(url: str) -> bool:
    return urllib.parse.urlsplit(url).scheme.lower() == "file"


def _file_path(url: str) -> Path:
    import urllib.request

    parts = urllib.parse.urlsplit(url)
    if parts.netloc not in ("", "localhost") and os.name != "nt":
        raise NetworkError(
            f"refusing {url}: file:// URLs must name a local path",
            "use file:///absolute/path",
        )
    raw = parts.path if os.name != "nt" or not parts.netloc else f"//{parts.netloc}{parts.path}"
    return Path(urllib.request.url2pathname(raw))


# -- TLS and the HTTP client ---------------------------------------------------------


def _ssl_context(cfg: Config) -> ssl.SSLContext:
    """cfg.ca_bundle, else $SSL_CERT_FILE / $SSL_CERT_DIR, else certifi (else system); one
    context per CA setting for the whole run (loading certifi's bundle costs ~20 ms, and an
    install makes several requests: index, archive, sidecar, signature, checksum database)."""
    key = (
        cfg.ca_bundle,
        cfg.origins.get("ca_bundle", ""),
        os.environ.get(constants.ENV_SSL_CERT_FILE, ""),
        os.environ.get("SSL_CERT_DIR", ""),
    )
    with _SSL_LOCK:
        context = _SSL_CONTEXTS.get(key)
        if context is None:
            context = _SSL_CONTEXTS[key] = _new_ssl_context(cfg)
    return context


_SSL_CONTEXTS: dict[tuple[str, str, str, str], ssl.SSLContext] = {}
_SSL_LOCK = threading.Lock()


def _new_ssl_context(cfg: Config) -> ssl.SSLContext:
    import ssl

    if cfg.ca_bundle:
        location, origin = cfg.ca_bundle, cfg.origins.get("ca_bundle", "config")
        hint = f"fix the file or run: gover config set ca_bundle PATH (set by {origin})"
    elif os.environ.get(constants.ENV_SSL_CERT_FILE):
        location = os.environ[constants.ENV_SSL_CERT_FILE]
        hint = f"fix or unset ${constants.ENV_SSL_CERT_FILE}, or {_CA_HINT}"
    elif os.environ.get("SSL_CERT_DIR"):
        location = os.environ["SSL_CERT_DIR"]
        hint = f"fix or unset $SSL_CERT_DIR, or {_CA_HINT}"
    else:
        try:
            import certifi
        except ImportError:  # pragma: no cover - certifi ships with httpx
            return ssl.create_default_context()
        return ssl.create_default_context(cafile=certifi.where())
    location = os.path.expanduser(location)
    try:
        if os.path.isdir(location):
            return ssl.create_default_context(capath=location)
        return ssl.create_default_context(cafile=location)
    except (OSError, ssl.SSLError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise ConfigError(f"cannot load CA bundle {location}: {_one_line(reason)}", hint) from None


def _timeouts(timeout: float | None) -> tuple[float, float]:
    if timeout is not None:
        return timeout, timeout
    return constants.CONNECT_TIMEOUT, constants.READ_TIMEOUT


def _client(cfg: Config, timeout: float | None) -> httpx.Client:
    import httpx

    connect, read = _timeouts(timeout)
    return httpx.Client(
        verify=_ssl_context(cfg),
        trust_env=True,  # HTTP(S)_PROXY, ALL_PROXY, NO_PROXY
        follow_redirects=False,  # every hop is checked by _open()
        timeout=httpx.Timeout(read, connect=connect, pool=connect),
        headers={"User-Agent": f"{constants.USER_AGENT}/{__version__}"},
        # A fresh connection per request, so the deadline watchdog sees (and can cut) every
        # socket a request uses: a pooled connection would open without a trace event.
        limits=httpx.Limits(max_keepalive_connections=0),
    )


# -- the overall deadline -------------------------------------------------------------


def deadline_seconds(cfg: Config, size: int | None) -> float:
    """The overall deadline of one request: cfg.timeout, else 60 s + 1 s per 256 KiB."""
    configured = getattr(cfg, "timeout", 0) or 0
    if configured > 0:
        return float(configured)
    return deadline_seconds_auto(size or 0)


def deadline_seconds_auto(size: int) -> float:
    return constants.DEADLINE_BASE + max(size, 0) / constants.DEADLINE_RATE


class _Watchdog:
    """Cuts a request off at its overall deadline, headers and body alike.

    httpx has only per-read timeouts: a server sending a byte every few seconds resets them
    forever. httpcore reports each socket it opens through the `trace` request extension;
    when time is up, this thread shuts those sockets down, which wakes the blocked read
    with an error that the caller, seeing `expired`, reports as the deadline.
    """

    def __init__(self, cfg: Config, size: int | None) -> None:
        self.auto = not (getattr(cfg, "timeout", 0) or 0) > 0
        self.origin = cfg.origins.get("timeout", "default") if not self.auto else ""
        self.started = time.monotonic()
        self.seconds = deadline_seconds(cfg, size)
        self.expired = False
        self._streams: list[Any] = []
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="gover-deadline", daemon=True)
        self._thread.start()

    def scale_to(self, size: int | None) -> None:
        """Automatic deadlines grow with the size the server declares (known after headers)."""
        if self.auto and size:
            self.seconds = max(self.seconds, deadline_seconds_auto(size))

    def trace(self, event: str, info: dict[str, Any]) -> None:
        if not event.endswith(".complete"):
            return
        stream = info.get("return_value")
        if stream is None or not hasattr(stream, "get_extra_info"):
            return
        with self._lock:
            self._streams.append(stream)
            if self.expired:
                self._cut()

    def _run(self) -> None:
        while not self._done.wait(max(0.0, self.started + self.seconds - time.monotonic())):
            if time.monotonic() >= self.started + self.seconds:
                with self._lock:
                    self.expired = True
                    self._cut()
                return

    def _cut(self) -> None:
        for stream in self._streams:
            with contextlib.suppress(Exception):
                sock = stream.get_extra_info("socket")
                if sock is not None:
                    # The base class's shutdown: on a TLS socket it leaves the SSL object
                    # alone (the reading thread still uses it) and just ends the connection.
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)

    def close(self) -> None:
        self._done.set()

    def error(self, url: str) -> NetworkError:
        if self.auto:
            setting = "timeout = 0, automatic: 60 s plus 1 s per 256 KiB expected"
        else:
            setting = f"timeout = {self.seconds:g}, set by {self.origin}"
        return NetworkError(
            f"{url}: timed out: no complete response within {self.seconds:g}s ({setting})",
            "the server is too slow or stalled; check the mirror, or allow longer with: "
            "gover config set timeout SECONDS",
        )


def _open(
    client: httpx.Client, url: str, headers: dict[str, str], watchdog: _Watchdog
) -> tuple[httpx.Response, str]:
    """GET `url` as a stream, following redirects by hand so each hop passes the URL policy."""
    current = url
    for _ in range(constants.MAX_REDIRECTS + 1):
        request = client.build_request(
            "GET", current, headers=headers, extensions={"trace": watchdog.trace}
        )
        response = client.send(request, stream=True)
        if not response.has_redirect_location:
            return response, current
        location = response.headers["location"]
        response.close()
        target = urllib.parse.urljoin(current, location)
        _check_redirect(current, target)
        current = target
    raise NetworkError(
        f"{url}: more than {constants.MAX_REDIRECTS} redirects",
        "the server redirects in a loop; point gover at the final URL",
    )


class _Retry(Exception):
    """A failure worth another attempt; the reason goes into the final error."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Restart(Exception):
    """The server would not resume the partial file: start again from byte 0, now."""


def _find_ssl_error(exc: BaseException) -> ssl.SSLError | None:
    import ssl

    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ssl.SSLError):
            return current
        current = current.__cause__ or current.__context__
    return None


_UNREACHABLE = {
    errno.ECONNREFUSED: "connection refused",
    errno.ENETUNREACH: "network unreachable",
    errno.EHOSTUNREACH: "no route to host",
}


def _unreachable(exc: BaseException) -> str | None:
    """Why a connection could not even start (DNS, refused, no route), or None: failures no
    retry a few seconds later fixes, so they are reported at once."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, socket.gaierror):
            return "the name does not resolve (DNS)"
        if isinstance(current, OSError) and current.errno in _UNREACHABLE:
            return _UNREACHABLE[current.errno]
        current = current.__cause__ or current.__context__
    return None


def _failed_url(exc: Exception) -> str | None:
    try:
        return str(exc.request.url)  # type: ignore[attr-defined]
    except (AttributeError, RuntimeError):
        return None


def _transport_failure(url: str, exc: Exception, timeout: float | None) -> Exception:
    """Map an httpx transport error to a definitive GoverError or a _Retry."""
    import ssl

    import httpx

    connect, read = _timeouts(timeout)
    if isinstance(exc, httpx.ConnectError):
        tls = _find_ssl_error(exc)
        if tls is not None:
            failed = _failed_url(exc) or url  # a redirect hop may be on another host
            host = _host(failed)
            where = url if failed == url else f"{url}, redirected to {failed}"
            if isinstance(tls, ssl.SSLCertVerificationError):
                reason = tls.verify_message or str(tls)
                what = "TLS certificate verification failed"
            else:
                reason = getattr(tls, "reason", None) or str(tls)
                what = "TLS handshake failed"
            return TLSError(
                f"{what} for {host} ({where}): {_one_line(str(reason))}",
                f"if {host} uses a private CA or a TLS-intercepting proxy, {_CA_HINT}",
            )
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return NetworkError(f"refusing {url}: {_one_line(str(exc))}", "use an https:// URL")
    if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
        return _Retry(f"connect timed out after {connect:g}s")
    if isinstance(exc, httpx.ReadTimeout):
        return _Retry(f"no data for {read:g}s (read timeout)")
    if isinstance(exc, httpx.TimeoutException):
        return _Retry("timed out")
    if isinstance(exc, httpx.ConnectError):
        unreachable = _unreachable(exc)
        if unreachable is not None:
            failed = _failed_url(exc) or url
            return UnreachableError(
                f"{url}: cannot reach {_host(failed)}: {unreachable}", _NETWORK_HINT
            )
        return _Retry(f"cannot connect ({_one_line(str(exc)) or 'connection failed'})")
    if isinstance(exc, httpx.ProxyError):
        return _Retry(f"proxy error ({_one_line(str(exc))})")
    detail = _one_line(str(exc)) or type(exc).__name__
    return _Retry(f"connection broken ({detail})")


def _status_failure(url: str, response: httpx.Response) -> Exception:
    """A non-success status: NotFoundError, a _Retry for 5xx/408/429, else NetworkError."""
    status = response.status_code
    if status in (404, 410):
        return NotFoundError(
            f"{url}: not found (HTTP {status})",
            "check the version and the mirror (gover config get download_base)",
        )
    if status >= 500 or status in (408, 429):
        return _Retry(f"server error HTTP {status}")
    return NetworkError(
        f"{url}: unexpected HTTP {status} {response.reason_phrase}".rstrip(),
        "check the URL and the mirror settings (gover config get)",
    )


def _with_retries(
    url: str,
    what: str,
    attempt: Callable[[], T],
    *,
    retries: int | None,
    backoff: float | None,
    hint: str,
) -> T:
    """Run `attempt` until it returns, retrying `_Retry` with exponential backoff."""
    max_retries = constants.MAX_RETRIES if retries is None else retries
    base = constants.RETRY_BACKOFF if backoff is None else backoff
    failures = 0
    while True:
        try:
            return attempt()
        except _Retry as exc:
            failures += 1
            if failures > max_retries:
                raise NetworkError(
                    f"{what} {url} failed after {failures} attempts: {exc.reason}", hint
                ) from None
            delay = min(base * (2 ** (failures - 1)), constants.MAX_BACKOFF)
            output.notice(
                f"{url}: {exc.reason}; retrying in {delay:.2g}s ({failures}/{max_retries})"
            )
            time.sleep(delay)


# -- fetch_bytes ----------------------------------------------------------------------


def fetch_bytes(
    url: str,
    cfg: Config,
    *,
    max_bytes: int = 64 << 20,
    headers: dict[str, str] | None = None,
    accept_not_modified: bool = False,
    timeout: float | None = None,
    retries: int | None = None,
    backoff: float | None = None,
) -> FetchResult:
    """GET a small document (index, .sha256, .asc, key) into memory, capped at `max_bytes`.

    With `accept_not_modified`, a 304 (after If-None-Match / If-Modified-Since in `headers`)
    is returned as status 304 with empty content instead of being an error.
    """
    check_url(url)
    if _is_file_url(url):
        return _fetch_file(url, max_bytes)

    import httpx

    def attempt() -> FetchResult:
        watchdog = _Watchdog(cfg, None)
        try:
            return once(watchdog)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            if watchdog.expired:
                raise watchdog.error(url) from None
            raise _transport_failure(url, exc, timeout) from None
        finally:
            watchdog.close()

    def once(watchdog: _Watchdog) -> FetchResult:
        response, final = _open(client, url, dict(headers or {}), watchdog)
        with contextlib.closing(response):
            response_headers = {k.lower(): v for k, v in response.headers.items()}
            status = response.status_code
            if status == 304 and accept_not_modified:
                return FetchResult(final, 304, b"", response_headers)
            if status != 200:
                raise _status_failure(url, response)
            declared = _int_header(response, "content-length")
            if declared is not None and declared > max_bytes:
                raise _too_big(url, max_bytes)
            watchdog.scale_to(declared)
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > max_bytes:
                    raise _too_big(url, max_bytes)
            if watchdog.expired:  # cut off: what arrived may look like a whole body
                raise watchdog.error(url)
            return FetchResult(final, status, bytes(body), response_headers)

    with _client(cfg, timeout) as client:
        return _with_retries(
            url, "fetching", attempt, retries=retries, backoff=backoff, hint=_NETWORK_HINT
        )


def _too_big(url: str, max_bytes: int) -> NetworkError:
    return NetworkError(
        f"{url}: response larger than {max_bytes} bytes", "check the URL and the mirror settings"
    )


def _int_header(response: httpx.Response, name: str) -> int | None:
    value = response.headers.get(name)
    if value is None:
        return None
    try:
        number = int(value.strip())
    except ValueError:
        return None
    return number if number >= 0 else None


def _fetch_file(url: str, max_bytes: int) -> FetchResult:
    path = _file_path(url)
    try:
        # Non-blocking and regular files only: a FIFO in a mirror is refused, never waited on.
        data = read_limited(path, max_bytes + 1)
    except FileNotFoundError:
        raise NotFoundError(f"{url}: no such file", "check the path of the local mirror") from None
    except OSError as exc:
        raise io_error("read", path, exc, "check the path", kind=NetworkError) from None
    if len(data) > max_bytes:
        raise _too_big(url, max_bytes)
    return FetchResult(url, 200, data, {})


# -- download ---------------------------------------------------------------------------


@dataclass
class Downloaded:
    """A finished download: the file at `path`, still open (read/write, ours alone), and
    the SHA-256 of exactly the bytes written through that descriptor. Close `file`."""

    file: BinaryIO
    path: Path
    sha256: str
    size: int


def download(
    url: str,
    dest: Path,
    cfg: Config,
    *,
    expected_size: int | None = None,
    sha256: str | None = None,
    progress: bool | None = None,
    timeout: float | None = None,
    retries: int | None = None,
    backoff: float | None = None,
) -> str:
    """Like `fetch`, closing the file: return the SHA-256 hex of the bytes now in `dest`.

    Without `sha256` nothing is checked (for files no index vouches for); an archive that
    will be installed always goes through `fetch`, which requires it.
    """
    got = _fetch(url, dest, cfg, expected_size, sha256, progress, timeout, retries, backoff)
    got.file.close()
    return got.sha256


def fetch(
    url: str,
    dest: Path,
    cfg: Config,
    *,
    sha256: str,
    expected_size: int | None = None,
    progress: bool | None = None,
    timeout: float | None = None,
    retries: int | None = None,
    backoff: float | None = None,
) -> Downloaded:
    """Stream `url` into `dest` (via `dest.partial`), hashing as it is written, and return
    it open. The download owns its check (rustup's dist/download.rs): the file is renamed
    to `dest` only when its SHA-256 is `sha256`; otherwise the partial file is deleted and
    VerificationError names the URL, the expected and the calculated hash, so no caller
    can forget the comparison and bad bytes never appear under their final name.

    `dest.parent` must be (or become) a directory of this user's that is not a symlink.
    The count of bytes matches `expected_size` when given. `timeout` overrides the connect
    and read timeouts, `retries`/`backoff` the constants (tests use small values); the
    overall deadline comes from `cfg.timeout`.
    """
    want = sha256.strip().lower()
    if not _HEX64.fullmatch(want):
        raise VerificationError(
            f"{_label(url)}: no usable SHA-256 to check it against "
            f"(got {sha256.strip()[:80]!r}); nothing was downloaded",
            "check the release index or your mirror",
        )
    return _fetch(url, dest, cfg, expected_size, want, progress, timeout, retries, backoff)


def _fetch(
    url: str,
    dest: Path,
    cfg: Config,
    expected_size: int | None,
    sha256: str | None,
    progress: bool | None,
    timeout: float | None,
    retries: int | None,
    backoff: float | None,
) -> Downloaded:
    check_url(url)
    dest = Path(dest)
    partial = dest.with_name(dest.name + constants.PARTIAL_SUFFIX)
    want = None if sha256 is None else sha256.strip().lower()
    try:
        owned_dir(dest.parent)
    except UnsafePathError as exc:
        raise GoverError(
            f"refusing download directory {dest.parent}: {exc.strerror}",
            "remove it (gover recreates it) or point GOVER_HOME at a directory you own",
        ) from None
    except OSError as exc:
        raise io_error("create", dest.parent, exc, "check its permissions") from None
    show = output.stderr_is_tty() if progress is None else progress
    job = _Download(url, dest, partial, expected_size, want, timeout, cfg)
    try:
        with output.Progress(dest.name, enabled=show) as bar:
            job.bar = bar
            if _is_file_url(url):
                return job.copy_file()
            with _client(cfg, timeout) as client:
                job.client = client
                hint = f"{_NETWORK_HINT}; what was downloaded is kept and the next run resumes"
                return _with_retries(
                    url, "download of", job.attempt, retries=retries, backoff=backoff, hint=hint
                )
    except BaseException:
        job.abandon()
        raise


def _label(url: str) -> str:
    """How errors name a source: a file:// URL as its path (as the user typed it)."""
    if _is_file_url(url):
        with contextlib.suppress(GoverError, ValueError):
            return str(_file_path(url))
    return url


class _Download:
    """State kept across attempts: the partial file's descriptor, its size and hash."""

    def __init__(
        self,
        url: str,
        dest: Path,
        partial: Path,
        expected: int | None,
        sha256: str | None,
        timeout: float | None,
        cfg: Config,
    ) -> None:
        self.url = url
        self.dest = dest
        self.partial = partial
        self.expected = expected
        self.sha256 = sha256
        self.timeout = timeout
        self.cfg = cfg
        self.client: httpx.Client | None = None
        self.bar = output.Progress("", enabled=False)
        self.size = 0
        self.hasher = hashlib.sha256()  # of the first `size` bytes of `fh`
        self.fh: BinaryIO = self._open_partial()

    # -- HTTP ------------------------------------------------------------------------

    def attempt(self) -> Downloaded:
        try:
            return self._attempt_once()
        except _Restart:
            return self._attempt_once()  # size is 0 now, so no second restart

    def _attempt_once(self) -> Downloaded:
        import httpx

        assert self.client is not None
        headers = {"Accept-Encoding": "identity"}  # the hash is of the file's raw bytes
        resuming = self.size > 0
        if resuming:
            headers["Range"] = f"bytes={self.size}-"
        remaining = None if self.expected is None else self.expected - self.size
        watchdog = _Watchdog(self.cfg, remaining)
        try:
            response, _final = _open(self.client, self.url, headers, watchdog)
            with contextlib.closing(response):
                total = self._check_response(response, resuming)
                watchdog.scale_to(None if total is None else total - self.size)
                self.bar.reset(completed=self.size, total=total or self.expected)
                self._stream(response)
            if watchdog.expired:  # cut off: what arrived may look like a whole body
                raise watchdog.error(self.url)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            if watchdog.expired:
                raise watchdog.error(self.url) from None
            raise _transport_failure(self.url, exc, self.timeout) from None
        finally:
            watchdog.close()
        if self.expected is not None and self.size < self.expected:
            raise _Retry(f"body ended after {self.size} of {self.expected} bytes")
        if total is not None and self.size < total:
            raise _Retry(f"body ended after {self.size} of {total} bytes")
        return self._finish()

    def _check_response(self, response: httpx.Response, resuming: bool) -> int | None:
        """Validate status and sizes; return the full file size the server declares."""
        status = response.status_code
        if status == 206 and resuming:
            match = _CONTENT_RANGE.match(response.headers.get("content-range", ""))
            if match is None or int(match.group(1)) != self.size:
                self._restart()  # not the range we asked for
                raise _Restart
            total = None if match.group(3) == "*" else int(match.group(3))
            if total is None:
                length = _int_header(response, "content-length")
                total = None if length is None else self.size + length
        elif status == 416 and resuming:
            self._restart()  # partial is not a prefix of the served file
            raise _Restart
        elif status == 200:
            if resuming:
                self._restart()  # the server ignored Range: start from zero
            total = _int_header(response, "content-length")
        elif status in (404, 410):
            self._discard()
            raise _status_failure(self.url, response)
        elif status < 400:
            raise NetworkError(
                f"{self.url}: unexpected HTTP {status} {response.reason_phrase}".rstrip(),
                "check the URL and the mirror settings (gover config get)",
            )
        else:
            raise _status_failure(self.url, response)
        if self.expected is not None and total is not None and total != self.expected:
            relation = "larger" if total > self.expected else "smaller"
            self._size_error(
                f"body {relation} than the index says: server declares {total} bytes,"
                f" expected {self.expected}"
            )
        return total

    def _stream(self, response: httpx.Response) -> None:
        try:
            self.fh.seek(self.size)
            # No chunk_size: httpx would buffer up to it and lose the buffer on an error.
            self._write_all(response.iter_raw(), "body")
        except OSError as exc:
            self._io_error(exc, self.partial)

    def _write_all(self, chunks: Iterable[bytes], what: str) -> None:
        """Append, hash and count chunks; stop as soon as they exceed the expected size."""
        fh = self.fh
        for chunk in chunks:
            if self.expected is not None and self.size + len(chunk) > self.expected:
                self._size_error(
                    f"{what} larger than the index says: more than {self.expected} bytes"
                )
            fh.write(chunk)
            self.hasher.update(chunk)
            self.size += len(chunk)
            self.bar.advance(len(chunk))
        fh.flush()

    # -- file:// ---------------------------------------------------------------------

    def copy_file(self) -> Downloaded:
        source = _file_path(self.url)
        self._restart()
        try:
            fd = open_regular(source)  # a FIFO is refused at once, never waited on
        except FileNotFoundError:
            raise NotFoundError(
                f"{self.url}: no such file", "check the path of the local mirror"
            ) from None
        except OSError as exc:
            raise io_error("read", source, exc, "check the path", kind=NetworkError) from None
        with os.fdopen(fd, "rb") as src:
            declared = os.fstat(fd).st_size
            if self.expected is not None and declared != self.expected:
                relation = "larger" if declared > self.expected else "smaller"
                self._size_error(
                    f"file {relation} than the index says: {declared} bytes,"
                    f" expected {self.expected}"
                )
            self.bar.reset(completed=0, total=declared)
            try:
                self._write_all(iter(lambda: src.read(constants.CHUNK_SIZE), b""), "file")
            except OSError as exc:
                self._io_error(exc, self.partial)
        if self.expected is not None and self.size != self.expected:
            self._size_error(
                f"file smaller than the index says: {self.size} bytes, expected {self.expected}"
            )
        return self._finish()

    # -- the partial file --------------------------------------------------------------

    def _open_partial(self) -> BinaryIO:
        """Reuse `.partial` only if it is a regular file of ours with one link; else make it.

        Never through a symlink: a link planted at the name is removed (not followed, so
        its target is neither appended to nor created), as is a FIFO or device there.
        """
        fd = self._reuse()
        if fd is None:
            try:
                fd = create_exclusive_rw(self.partial, 0o600)
            except OSError as exc:
                self._io_error(exc, self.partial, "create")
        fh = os.fdopen(fd, "r+b")
        if self.size:
            self._hash_prefix(fh)
        return fh

    def _reuse(self) -> int | None:
        try:
            fd = open_regular(self.partial, os.O_RDWR, follow_symlinks=False)
        except FileNotFoundError:
            return None
        except UnsafePathError:
            self._remove_alien()
            return None
        except OSError as exc:
            self._io_error(exc, self.partial, "open")
        st = os.fstat(fd)
        if not is_owned_regular(st) or st.st_nlink != 1:
            os.close(fd)
            self._remove_alien()
            return None
        self.size = st.st_size
        if self.expected is not None and self.size >= self.expected:
            self.size = 0  # cannot be a prefix of the right file; start over
        return fd

    def _remove_alien(self) -> None:
        try:
            os.unlink(self.partial)
        except FileNotFoundError:
            pass
        except OSError as exc:
            self._io_error(exc, self.partial, "remove")

    def _hash_prefix(self, fh: BinaryIO) -> None:
        """Hash the bytes already there, read through the descriptor that will append."""
        remaining = self.size
        try:
            fh.seek(0)
            while remaining > 0:
                chunk = fh.read(min(constants.CHUNK_SIZE, remaining))
                if not chunk:
                    break
                self.hasher.update(chunk)
                remaining -= len(chunk)
        except OSError as exc:
            self._io_error(exc, self.partial, "read")
        if remaining:  # shorter than fstat said: start over
            self.size = 0
            self.hasher = hashlib.sha256()

    def _restart(self) -> None:
        """Start from byte 0 on the same descriptor."""
        try:
            self.fh.seek(0)
            self.fh.truncate()
        except OSError as exc:
            self._io_error(exc, self.partial)
        self.size = 0
        self.hasher = hashlib.sha256()

    def _discard(self) -> None:
        """Give up on this file: close it and remove the partial."""
        self.close()
        try:
            self.partial.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            self._io_error(exc, self.partial, "remove")
        self.size = 0
        self.hasher = hashlib.sha256()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.fh.close()

    def abandon(self) -> None:
        """A failed download: keep what arrived for the next run to resume; an empty
        partial file is not worth keeping."""
        self.close()
        if self.size == 0:
            with contextlib.suppress(OSError):
                self.partial.unlink()

    def _finish(self) -> Downloaded:
        digest: str = self.hasher.hexdigest()
        if self.sha256 is not None and not hmac.compare_digest(digest, self.sha256):
            self._discard()
            raise VerificationError(
                f"{_label(self.url)}: SHA-256 mismatch: expected {self.sha256}, "
                f"calculated {digest}; the download was deleted",
                "retry or check your mirror",
            )
        try:
            os.fsync(self.fh.fileno())
            os.replace(self.partial, self.dest)
            fsync_dir(self.dest.parent)
        except OSError as exc:
            self._io_error(exc, self.dest, "create")
        self.fh.seek(0)
        return Downloaded(self.fh, self.dest, digest, self.size)

    def _size_error(self, detail: str) -> NoReturn:
        self._discard()
        raise VerificationError(
            f"{self.url}: {detail}",
            "the mirror serves a different file; check download_base (gover config get)",
        )

    def _io_error(self, exc: OSError, path: Path, doing: str = "write") -> NoReturn:
        raise io_error(
            doing, path, exc, f"check free space and permissions in {path.parent}"
        ) from None
