"""Detector 7: the network, as go and gover reach it.

Always (the environment only, no traffic):
- HTTP_PROXY set without HTTPS_PROXY: go's module traffic (GOPROXY, the checksum database)
  and all of gover's are https, and both take only HTTPS_PROXY for https URLs, so they go
  direct; ALL_PROXY, which go never reads;
- NO_PROXY entries go cannot match (`;` or spaces as separators, URLs, `10.*` wildcards).

With --network (sc.network): for gover's index and download base (config index_url,
download_base) and each GOPROXY entry, the steps one by one, each with a short timeout and
its time in the notes: DNS, TCP, the proxy's CONNECT (when a proxy applies, by go's rules for
GOPROXY and gover's for its own URLs), TLS with the CA store that program really uses, and
one HTTP request. A failure becomes a finding that says which step failed and why:
- x509: go trusts the system store (/etc/ssl/certs), replaced by SSL_CERT_FILE/SSL_CERT_DIR
  when set; gover trusts config ca_bundle, else SSL_CERT_FILE/SSL_CERT_DIR, else certifi's
  bundle (gover/toolchain/download.py: _ssl_context), NOT the system store;
- a proxy or captive portal answering a web page instead of connecting (go:
  `tls: first record does not look like a TLS handshake`) or refusing CONNECT.

ssl is imported inside functions: the environment checks cost nothing.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import re
import socket
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from gover.constants import DEFAULT_GOPROXY
from gover.doctor.model import Detector, Finding, Scope, Severity, display, finding

if TYPE_CHECKING:
    import ssl

    from gover.config import Config

NAME = "network"
STEP_TIMEOUT = 5.0  # seconds per step, unless config `timeout` says otherwise
_HEAD_LIMIT = 16 << 10  # bytes of response head read
_BODY_PEEK = 512  # bytes of body looked at
# Go's system roots on Linux (crypto/x509/root_linux.go): the first file that exists, and
# every file in the directories; SSL_CERT_FILE / SSL_CERT_DIR replace them.
GO_CERT_FILES = (
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/pki/tls/cacert.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/ssl/cert.pem",
)
GO_CERT_DIRS = ("/etc/ssl/certs", "/etc/pki/tls/certs")
DEBIAN_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
_LOGIN_FIX = (
    "log in to the network or the proxy in a browser (open http://neverssl.com), "
    "then run: gover doctor --network"
)
ADD_CA = "sudo cp YOUR-CA.crt /usr/local/share/ca-certificates/ && sudo update-ca-certificates"


def _env(sc: Scope, name: str) -> tuple[str, str] | None:
    """(the variable's name as set, value): go reads NAME first, then name.lower()."""
    for key in (name, name.lower()):
        value = sc.var(key)
        if value:
            return key, value
    return None


# ---- environment-only checks -----------------------------------------------------------------


def _proxy_vars(sc: Scope, out: list[Finding]) -> None:
    http, https, all_ = _env(sc, "HTTP_PROXY"), _env(sc, "HTTPS_PROXY"), _env(sc, "ALL_PROXY")
    if https is not None:
        return
    if http is not None:
        out.append(
            finding(
                NAME,
                "http-proxy-only",
                "warning",
                f"{http[0]}={http[1]} is set but HTTPS_PROXY is not: go (GOPROXY, "
                "sum.golang.org) and gover fetch over https and take the proxy for https URLs "
                f"from HTTPS_PROXY only, so they ignore {http[0]} and connect directly "
                "(where only the proxy gets out, they time out)",
                f"environment: {http[0]}",
                f"export HTTPS_PROXY={http[1]}",
            )
        )
    if all_ is not None:
        out.append(
            finding(
                NAME,
                "all-proxy-ignored",
                "warning",
                f"{all_[0]}={all_[1]} is set but HTTPS_PROXY is not: go never reads ALL_PROXY "
                "(only HTTPS_PROXY, HTTP_PROXY and NO_PROXY), so go connects directly while "
                "gover uses the proxy",
                f"environment: {all_[0]}",
                f"export HTTPS_PROXY={all_[1]}",
            )
        )


def _ip_wildcard(entry: str) -> str | None:
    """`10.*` / `192.168.1.*` -> the CIDR block go understands."""
    m = re.fullmatch(r"((?:\d{1,3}\.){1,3})\*", entry)
    if m is None:
        return None
    octets = m[1].rstrip(".").split(".")
    if any(int(o) > 255 for o in octets):
        return None
    return ".".join(octets + ["0"] * (4 - len(octets))) + f"/{8 * len(octets)}"


def _no_proxy_entry(entry: str) -> tuple[list[str], list[str]]:
    """(what go should be given instead, why this entry is wrong: none when it is fine)."""
    if re.search(r"[;\s]", entry):
        fixed: list[str] = []
        why = [f"'{entry}': separated by ';' or spaces (go splits NO_PROXY at commas only)"]
        for part in (p for p in re.split(r"[;\s]+", entry) if p):
            instead, more = _no_proxy_entry(part)
            fixed += instead
            why += more
        return fixed, why
    if "://" in entry:
        host = urllib.parse.urlsplit(entry).hostname or ""
        return [host] if host else [], [
            f"'{entry}': a URL (go matches host names, IPs and CIDR blocks)"
        ]
    if "/" in entry:
        try:
            ipaddress.ip_network(entry, strict=False)
            return [entry], []
        except ValueError:
            return [], [f"'{entry}': not a CIDR block"]
    if "*" in entry and entry != "*" and not (entry.startswith("*.") and "*" not in entry[2:]):
        cidr = _ip_wildcard(entry)
        if cidr:
            return [cidr], [f"'{entry}': a wildcard go does not expand (use a CIDR block)"]
        rest = entry.strip("*").strip(".")
        return ([f".{rest}"] if rest and "*" not in rest else []), [
            f"'{entry}': a wildcard go does not expand (a leading dot matches every subdomain)"
        ]
    return [entry], []


def _no_proxy(sc: Scope, out: list[Finding]) -> None:
    found = _env(sc, "NO_PROXY")
    if found is None:
        return
    name, value = found
    fixed: list[str] = []
    problems: list[str] = []
    for raw in value.split(","):
        entry = raw.strip()
        if not entry:
            continue
        instead, why = _no_proxy_entry(entry)
        fixed += [f for f in instead if f not in fixed]
        problems += why
    if problems:
        out.append(
            finding(
                NAME,
                "no-proxy-syntax",
                "warning",
                f"{name} has entries go never matches, so those hosts still go through the "
                f"proxy: {'; '.join(problems)}",
                f"environment: {name}",
                f"export {name}={','.join(fixed)}",
            )
        )


# ---- targets ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    label: str  # "GOPROXY", "gover index", "gover downloads"
    url: str  # what the user configured
    request: str  # the URL asked for
    source: str  # where the URL comes from (a finding's `where`)
    trust: str  # "go" or "gover": whose CA store and proxy rules
    expect: str | None  # "json", "text" or None (any answer will do)

    @property
    def severity(self) -> Severity:
        # go fails on its GOPROXY; gover's own URLs break `gover install`, not go.
        return "error" if self.trust == "go" else "warning"


def _origin(cfg: Config, key: str, sc: Scope) -> str:
    origin = cfg.origins.get(key)
    if origin is None:
        return f"gover's default {key} (gover config get {key})"
    if origin.startswith("$"):
        return f"environment: {origin[1:]}"
    return f"{display(origin, sc.home)}: {key}"


def _goproxy(sc: Scope) -> tuple[str, str]:
    """GOPROXY as go sees it and where it comes from: the environment, the GOENV file (go env
    -w), $GOROOT/go.env, or go's default (govars reads the three layers, as go does)."""
    from gover.doctor import govars

    lay = govars.layers(sc)
    setting = lay.get("GOPROXY")
    if setting is None:
        return DEFAULT_GOPROXY, "go's default GOPROXY"
    return setting.value, lay.where(setting)


def _targets(sc: Scope, notes: list[str]) -> tuple[list[Target], Config]:
    from gover import config
    from gover.errors import GoverError

    try:
        cfg = config.load()
    except GoverError as exc:
        notes.append(f"network: gover's config cannot be read ({exc}); checking its defaults")
        cfg = config.Config()
    from gover.toolchain import sources

    def origin(src: sources.Source, key: str) -> str:
        if src.setting.startswith(key):  # index_url / download_base decided
            return _origin(cfg, key, sc)
        if src.setting.startswith("mirror"):
            return _origin(cfg, "mirror", sc) + ("" if "://" in src.name else f" {src.name}")
        return src.setting  # go.dev's index behind an index-less mirror

    chosen: list[tuple[sources.Source, str, str, str | None, str]] = [
        (s, s.index_url or "", "gover index", "json", "index_url")
        for s in sources.index_sources(cfg)
    ]
    chosen += [
        (s, s.download_base, "gover downloads", None, "download_base")
        for s in sources.download_sources(cfg)
    ]
    targets = []
    for src, url, label, kind, key in chosen:
        if not url.lower().startswith(("https://", "http://")):
            notes.append(f"network: {label} {url} not checked (not http or https)")
            continue
        targets.append(Target(label, url, url, origin(src, key), "gover", kind))
    value, source = _goproxy(sc)
    for entry in re.split(r"[,|]", value):
        entry = entry.strip()
        if entry in ("", "direct", "off"):
            continue
        if not entry.startswith(("https://", "http://")):
            notes.append(f"network: GOPROXY entry {entry} not checked (not http or https)")
            continue
        request = entry.rstrip("/") + "/golang.org/x/mod/@v/list"
        targets.append(Target("GOPROXY", entry, request, source, "go", "text"))
    return targets, cfg


# ---- proxies ---------------------------------------------------------------------------------


def _is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _no_proxy_match(host: str, port: int, no_proxy: str) -> bool:
    """Go's httpproxy matching: `*`, CIDR blocks, IPs, domains (with subdomains; a leading
    `.` or `*.` for subdomains only), each with an optional port."""
    host = host.lower().rstrip(".")
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        ip = None
    for raw in no_proxy.split(","):
        entry = raw.strip().lower()
        if not entry:
            continue
        if entry == "*":
            return True
        if ip is not None and "/" in entry:
            try:
                if ip in ipaddress.ip_network(entry, strict=False):
                    return True
            except ValueError:
                pass
            continue
        name, _, want_port = (
            entry.rpartition(":") if re.search(r":\d+$", entry) else (entry, "", "")
        )
        if want_port and int(want_port) != port:
            continue
        if ip is not None:
            if name.strip("[]") == host:
                return True
            continue
        if name.startswith("*."):
            name = name[1:]
        if name.startswith("."):
            if host.endswith(name):
                return True
        elif host == name or host.endswith("." + name):
            return True
    return False


def _proxy_for(t: Target, host: str, port: int, sc: Scope) -> str | None:
    """The proxy URL this request goes through, by the rules of the program that makes it:
    go (HTTPS_PROXY for https, HTTP_PROXY for http, never for loopback, no ALL_PROXY) or
    gover/httpx (https_proxy before HTTPS_PROXY, then ALL_PROXY)."""
    scheme = urllib.parse.urlsplit(t.request).scheme
    if t.trust == "go":
        if _is_loopback(host):
            return None
        found = _env(sc, "HTTPS_PROXY" if scheme == "https" else "HTTP_PROXY")
    else:
        found = None
        for key in (f"{scheme}_proxy", f"{scheme.upper()}_PROXY", "all_proxy", "ALL_PROXY"):
            if sc.var(key):
                found = key, sc.var(key) or ""
                break
    if found is None:
        return None
    no_proxy = _env(sc, "NO_PROXY")
    if no_proxy is not None and _no_proxy_match(host, port, no_proxy[1]):
        return None
    proxy = found[1]
    return proxy if "://" in proxy else "http://" + proxy


# ---- the probe -------------------------------------------------------------------------------


class StepFailed(Exception):
    def __init__(self, step: str, case: str, what: str, fix: str) -> None:
        super().__init__(what)
        self.step, self.case, self.what, self.fix = step, case, what, fix


@dataclass
class Probe:
    target: Target
    steps: list[str] = field(default_factory=list)
    failure: StepFailed | None = None
    http: tuple[int, str, bytes] | None = None  # status, content type, first bytes


def _ms(start: float) -> str:
    return f"{(time.perf_counter() - start) * 1000:.0f} ms"


def _resolve(host: str, port: int, timeout: float) -> list[tuple[int, tuple[str, int]]]:
    """getaddrinfo with a deadline (it has none of its own): run in a thread."""
    result: list[tuple[int, tuple[str, int]]] = []
    error: list[BaseException] = []

    def work() -> None:
        try:
            for family, _t, _p, _c, addr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
                result.append((family, (str(addr[0]), int(addr[1]))))
        except (OSError, UnicodeError) as exc:
            error.append(exc)

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise TimeoutError(f"no answer in {timeout:g} s")
    if error:
        raise error[0]
    return result


def _read_head(sock: socket.socket | ssl.SSLSocket) -> tuple[int, str, dict[str, str], bytes]:
    """Status, reason, headers (lower-case) and the body bytes read with them."""
    data = b""
    while b"\r\n\r\n" not in data and len(data) < _HEAD_LIMIT:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("iso-8859-1").split("\r\n")
    m = re.match(r"HTTP/\d(?:\.\d)?\s+(\d{3})\s*(.*)", lines[0] if lines else "")
    if m is None:
        raise ValueError(f"not an HTTP answer: {data[:60]!r}")
    headers = {}
    for line in lines[1:]:
        key, sep, value = line.partition(":")
        if sep:
            headers[key.strip().lower()] = value.strip()
    return int(m[1]), m[2], headers, rest


def _is_html(content_type: str, body: bytes) -> bool:
    start = body.lstrip()[:64].lower()
    return "html" in content_type.lower() or start.startswith((b"<!doctype html", b"<html"))


def _title(body: bytes) -> str:
    m = re.search(rb"<title>\s*(.{1,80}?)\s*</title>", body, re.IGNORECASE | re.DOTALL)
    return f" (a page titled '{m[1].decode('utf-8', 'replace')}')" if m else " (a web page)"


def go_context(sc: Scope) -> ssl.SSLContext:
    """The roots go uses on Linux: SSL_CERT_FILE else the first system bundle, plus every
    certificate in SSL_CERT_DIR (colon-separated) else the system directories."""
    import ssl

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    file = sc.var("SSL_CERT_FILE")
    files = [file] if file else [f for f in GO_CERT_FILES if os.path.isfile(f)][:1]
    for f in files:
        with contextlib.suppress(OSError, ssl.SSLError):
            ctx.load_verify_locations(cafile=f)
    dirs = (sc.var("SSL_CERT_DIR") or "").split(":") if sc.var("SSL_CERT_DIR") else GO_CERT_DIRS
    for d in dirs:
        if d in GO_CERT_DIRS and not sc.var("SSL_CERT_DIR"):
            continue  # the system directory holds the same certificates as its bundle
        try:
            names = sorted(os.listdir(d))[:4096]
        except OSError:
            continue
        for name in names:
            try:
                ctx.load_verify_locations(cafile=os.path.join(d, name))
            except (OSError, ssl.SSLError, ValueError):
                continue
    return ctx


def gover_trust(cfg: Config, sc: Scope) -> tuple[str | None, str]:
    """What gover's download.py trusts (ca_bundle, SSL_CERT_FILE, SSL_CERT_DIR, certifi) as
    (file or directory, words for the user)."""
    if cfg.ca_bundle:
        return cfg.ca_bundle, f"config ca_bundle {cfg.ca_bundle}"
    if sc.var("SSL_CERT_FILE"):
        return sc.var("SSL_CERT_FILE"), f"SSL_CERT_FILE {sc.var('SSL_CERT_FILE')}"
    if sc.var("SSL_CERT_DIR"):
        return sc.var("SSL_CERT_DIR"), f"SSL_CERT_DIR {sc.var('SSL_CERT_DIR')}"
    try:
        import certifi

        return certifi.where(), f"certifi's bundle ({certifi.where()}), not the system store"
    except ImportError:  # pragma: no cover - certifi ships with httpx
        return None, "Python's default store"


def gover_context(cfg: Config, sc: Scope) -> ssl.SSLContext:
    import ssl

    location, _ = gover_trust(cfg, sc)
    if location is None:
        return ssl.create_default_context()
    location = os.path.expanduser(location)
    try:
        if os.path.isdir(location):
            return ssl.create_default_context(capath=location)
        return ssl.create_default_context(cafile=location)
    except (OSError, ssl.SSLError):
        return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # nothing trusted: every check fails


def _connect(
    t: Target, host: str, port: int, proxy: str | None, timeout: float, p: Probe
) -> socket.socket:
    """DNS and TCP to the server or the proxy, and the proxy's CONNECT for https."""
    dial_host, dial_port = host, port
    if proxy is not None:
        pu = urllib.parse.urlsplit(proxy)
        if pu.scheme != "http":
            raise StepFailed(
                "proxy",
                "proxy-unsupported",
                f"the proxy {proxy} is not an http:// proxy; doctor checks only those",
                "check it with: curl -v -x PROXY URL",
            )
        dial_host, dial_port = pu.hostname or "", pu.port or 80
    start = time.perf_counter()
    try:
        addrs = _resolve(dial_host, dial_port, timeout)
    except (OSError, UnicodeError) as exc:
        which = f"the proxy host {dial_host}" if proxy else dial_host
        raise StepFailed(
            "dns",
            "dns",
            f"cannot resolve {which} ({exc}) for {t.label} {t.url}",
            f"check the name and the resolver: getent hosts {dial_host}",
        ) from None
    p.steps.append(f"dns {_ms(start)} ({addrs[0][1][0] if addrs else '?'})")
    start = time.perf_counter()
    sock: socket.socket | None = None
    last: OSError | None = None
    for family, addr in addrs[:4]:
        s = socket.socket(family, socket.SOCK_STREAM)
        s.settimeout(timeout)
        try:
            s.connect(addr)
            sock = s
            break
        except OSError as exc:
            s.close()
            last = exc
    if sock is None:
        reason = "timed out" if isinstance(last, TimeoutError) else str(last)
        via = f" through the proxy {proxy}" if proxy else ""
        raise StepFailed(
            "tcp",
            "tcp",
            f"cannot connect to {dial_host}:{dial_port}{via} ({reason}) for {t.label} {t.url}",
            "set HTTPS_PROXY if this network reaches the internet only through a proxy"
            if proxy is None
            else "check the proxy address in HTTPS_PROXY",
        )
    p.steps.append(f"tcp {_ms(start)}")
    if proxy is not None and urllib.parse.urlsplit(t.request).scheme == "https":
        start = time.perf_counter()
        sock.sendall(f"CONNECT {host}:{port} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
        try:
            status, reason, headers, body = _read_head(sock)
        except (OSError, ValueError) as exc:
            sock.close()
            raise StepFailed(
                "proxy",
                "proxy-refused",
                f"the proxy {proxy} did not answer CONNECT {host}:{port} ({exc})",
                "check HTTPS_PROXY",
            ) from None
        if status != 200:
            sock.close()
            page = _title(body) if _is_html(headers.get("content-type", ""), body) else ""
            fix = (
                "put your proxy credentials in the URL: export HTTPS_PROXY=http://USER:PASSWORD@"
                + (urllib.parse.urlsplit(proxy).netloc.rpartition("@")[2])
                if status == 407
                else f"ask the proxy's administrators to allow {host}:{port}, or add {host} "
                "to NO_PROXY if it is reachable directly"
            )
            raise StepFailed(
                "proxy",
                "proxy-refused",
                f"the proxy {proxy} refused CONNECT {host}:{port}: {status} {reason}{page}",
                fix,
            )
        length = headers.get("content-length", "0").strip()
        if body or "content-type" in headers or (length.isdigit() and int(length) > 0):
            # A tunnel has no body: this is a page (a portal or a login page) in its place.
            sock.settimeout(min(timeout, 0.5))
            with contextlib.suppress(OSError):
                while len(body) < _BODY_PEEK and (chunk := sock.recv(_BODY_PEEK)):
                    body += chunk
            sock.close()
            raise StepFailed(
                "proxy",
                "proxy-html",
                f"the proxy {proxy} answered CONNECT {host}:{port} with a web page"
                f"{_title(body)} instead of a tunnel: a captive portal or a proxy login page; "
                "go fails with `EOF`",
                _LOGIN_FIX,
            )
        p.steps.append(f"proxy CONNECT {_ms(start)} ({proxy})")
    return sock


def _plain_answer(t: Target, host: str, port: int, proxy: str | None, timeout: float) -> str:
    """What answers where TLS was expected: one plain HTTP request on a fresh connection."""
    try:
        sock = _connect(t, host, port, proxy, timeout, Probe(t))
    except StepFailed:
        return ""
    try:
        with sock:
            sock.settimeout(timeout)
            sock.sendall(f"GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
            status, reason, headers, body = _read_head(sock)
    except (OSError, ValueError):
        return ""
    page = _title(body) if _is_html(headers.get("content-type", ""), body) else ""
    return f"{status} {reason}{page}"


def _tls_failure(
    t: Target,
    exc: ssl.SSLError,
    host: str,
    port: int,
    proxy: str | None,
    timeout: float,
    cfg: Config,
    sc: Scope,
) -> StepFailed:
    import ssl

    if isinstance(exc, ssl.SSLCertVerificationError):
        message = exc.verify_message or str(exc)
        unknown = exc.verify_code in (2, 19, 20, 21)
        if t.trust == "go":
            store = (
                f"SSL_CERT_FILE {sc.var('SSL_CERT_FILE')}"
                if sc.var("SSL_CERT_FILE")
                else "the system store (/etc/ssl/certs/ca-certificates.crt and /etc/ssl/certs)"
            )
            if sc.var("SSL_CERT_DIR"):
                store += f" and SSL_CERT_DIR {sc.var('SSL_CERT_DIR')}"
            if not unknown:
                return StepFailed(
                    "tls",
                    "tls-failed",
                    f"{host}'s certificate is not valid for go ({message}); a TLS-intercepting "
                    f"proxy or a captive portal may be answering for {host}",
                    "",
                )
            fix = (
                f"add your CA to {sc.var('SSL_CERT_FILE')} (cat YOUR-CA.crt >> "
                f"{sc.var('SSL_CERT_FILE')}), or unset SSL_CERT_FILE and run: {ADD_CA}"
                if sc.var("SSL_CERT_FILE")
                else ADD_CA
            )
            return StepFailed(
                "tls",
                "tls-unknown-authority",
                f"go cannot verify {host}'s certificate ({message}) for GOPROXY {t.url}: go "
                "fails with `x509: certificate signed by unknown authority`. go trusts "
                f"{store}; git's http.sslCAInfo and CGO_ENABLED=0 change nothing",
                fix,
            )
        _, trusted = gover_trust(cfg, sc)
        system_ok = _handshake_ok(t, host, port, proxy, timeout, go_context(sc))
        fix = (
            f"gover config set ca_bundle {sc.var('SSL_CERT_FILE') or DEBIAN_BUNDLE}"
            if system_ok
            else f"{ADD_CA} && gover config set ca_bundle {DEBIAN_BUNDLE}"
        )
        return StepFailed(
            "tls",
            "tls-unknown-authority" if unknown else "tls-failed",
            f"gover cannot verify {host}'s certificate ({message}) for its {t.label.split()[-1]} "
            f"{t.url}: gover trusts {trusted}"
            + (" (the system store does trust it)" if system_ok else ""),
            fix,
        )
    reason = getattr(exc, "reason", None) or str(exc)
    if reason in (
        "WRONG_VERSION_NUMBER",
        "HTTP_REQUEST",
        "RECORD_LAYER_FAILURE",
        "PACKET_LENGTH_TOO_LONG",
    ) or ("wrong version number" in str(exc) or "record layer failure" in str(exc)):
        answer = _plain_answer(t, host, port, proxy, timeout)
        via = f"the proxy {proxy}" if proxy else f"something at {host}:{port}"
        return StepFailed(
            "tls",
            "not-tls",
            f"{via} answered plain HTTP where TLS was expected"
            + (f" ({answer})" if answer else "")
            + ": a captive portal or a proxy login page, not the server; go fails with "
            "`http: server gave HTTP response to HTTPS client` (or `tls: first record does not "
            "look like a TLS handshake`)",
            _LOGIN_FIX,
        )
    return StepFailed("tls", "tls-failed", f"TLS with {host}:{port} failed ({reason})", "")


def _handshake_ok(
    t: Target, host: str, port: int, proxy: str | None, timeout: float, ctx: ssl.SSLContext
) -> bool:
    import ssl

    try:
        sock = _connect(t, host, port, proxy, timeout, Probe(t))
    except StepFailed:
        return False
    try:
        with ctx.wrap_socket(sock, server_hostname=host):
            return True
    except (OSError, ssl.SSLError):
        return False


def probe(t: Target, sc: Scope, cfg: Config, timeout: float) -> Probe:
    import ssl

    p = Probe(t)
    u = urllib.parse.urlsplit(t.request)
    host = u.hostname or ""
    try:
        port = u.port or (443 if u.scheme == "https" else 80)
    except ValueError:
        p.failure = StepFailed("url", "bad-url", f"{t.url} is not a valid URL", "fix it")
        return p
    proxy = _proxy_for(t, host, port, sc)
    try:
        sock: socket.socket | ssl.SSLSocket = _connect(t, host, port, proxy, timeout, p)
        if u.scheme == "https":
            ctx = go_context(sc) if t.trust == "go" else gover_context(cfg, sc)
            start = time.perf_counter()
            try:
                sock = ctx.wrap_socket(sock, server_hostname=host)
            except ssl.SSLError as exc:
                sock.close()
                raise _tls_failure(t, exc, host, port, proxy, timeout, cfg, sc) from None
            except OSError as exc:
                sock.close()
                raise StepFailed(
                    "tls", "tls-failed", f"TLS with {host}:{port} failed ({exc})", ""
                ) from None
            p.steps.append(f"tls {_ms(start)} ({sock.version()})")
        start = time.perf_counter()
        target = (
            t.request
            if (proxy and u.scheme == "http")
            else ((u.path or "/") + (f"?{u.query}" if u.query else ""))
        )
        with sock:
            sock.sendall(
                f"GET {target} HTTP/1.1\r\nHost: {u.netloc}\r\nUser-Agent: gover-doctor\r\n"
                "Accept: */*\r\nConnection: close\r\n\r\n".encode()
            )
            status, reason, headers, body = _read_head(sock)
            while len(body) < _BODY_PEEK:
                chunk = sock.recv(_BODY_PEEK)
                if not chunk:
                    break
                body += chunk
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = re.sub(rb"^\s*[0-9a-fA-F]+\r\n", b"", body)
        p.steps.append(f"http {status} in {_ms(start)}")
        p.http = (status, headers.get("content-type", ""), body[:_BODY_PEEK])
    except StepFailed as failed:
        p.failure = failed
    except (OSError, ValueError) as exc:
        reason = "timed out" if isinstance(exc, TimeoutError) else str(exc)
        p.failure = StepFailed(
            "http", "http-failed", f"{t.label} {t.url}: no usable HTTP answer ({reason})", ""
        )
    return p


def _judge(p: Probe) -> StepFailed | None:
    t = p.target
    if p.failure is not None or p.http is None:
        return p.failure
    status, ctype, body = p.http
    if status == 200 and t.expect and _is_html(ctype, body):
        return StepFailed(
            "http",
            "html-answer",
            f"{t.label} {t.url} answered a web page{_title(body)} instead of "
            f"{'the JSON release list' if t.expect == 'json' else 'a module version list'}: "
            "a captive portal or a proxy login page is answering"
            + (
                " (go reads the page as module data: `parsing go.mod: missing module line`)"
                if t.trust == "go"
                else ""
            ),
            _LOGIN_FIX,
        )
    if status == 407:
        return StepFailed(
            "http",
            "proxy-refused",
            f"{t.label} {t.url}: the proxy asks for credentials (407)",
            "put them in the proxy URL: export HTTPS_PROXY=http://USER:PASSWORD@HOST:PORT",
        )
    if status >= 500:
        return StepFailed(
            "http",
            "http-status",
            f"{t.label} {t.url} answered {status}: the server (or a proxy) is failing",
            "try again later; if it persists, check the URL",
        )
    return None


# ---- the detector ----------------------------------------------------------------------------

_last: tuple[Scope, list[str]] | None = None


def _step_timeout(cfg: Config) -> float:
    return float(cfg.timeout) if getattr(cfg, "timeout", 0) else STEP_TIMEOUT


def _live(sc: Scope, out: list[Finding], notes: list[str]) -> None:
    targets, cfg = _targets(sc, notes)
    timeout = _step_timeout(cfg)
    probes: list[Probe | None] = [None] * len(targets)

    def work(i: int) -> None:
        probes[i] = probe(targets[i], sc, cfg, timeout)

    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(len(targets))]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout * 8)  # every step has its own timeout: this is a backstop
    for t, p in zip(targets, probes, strict=True):
        if p is None:
            notes.append(f"network: {t.label} {t.url}: no result within {timeout * 8:g} s")
            continue
        failed = _judge(p)
        done = ", ".join(p.steps) or "nothing"
        state = f"failed at {failed.step}" if failed else "ok"
        notes.append(f"network: {t.label} {t.url}: {done}; {state} (step timeout {timeout:g} s)")
        if failed is not None:
            out.append(
                finding(
                    NAME,
                    failed.case,
                    t.severity,
                    failed.what,
                    t.source,
                    failed.fix or f"check {t.url} with: curl -v {t.request}",
                )
            )


def _run(sc: Scope) -> list[Finding]:
    global _last
    out: list[Finding] = []
    notes: list[str] = []
    _proxy_vars(sc, out)
    _no_proxy(sc, out)
    if sc.network:
        _live(sc, out, notes)
    _last = (sc, notes)
    return out


def _notes(sc: Scope) -> list[str]:
    if _last is not None and _last[0] is sc:
        return list(_last[1])
    return []


DETECTOR = Detector(NAME, _run, _notes)
