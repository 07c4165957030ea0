"""The download owns its check (issue 9): `download.fetch(..., sha256=)` hashes while it
streams and renames into place only on a match, for `gover install` and `install --file`
alike. The kernel (inotify) watches gover's download directory, so "never appears under
its final name" is observed, not inferred from what is left afterwards."""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import os
import select
import struct
import threading
from pathlib import Path
from typing import Any

import pytest

from gover import paths
from gover.config import Config
from gover.errors import EXIT_VERIFY, VerificationError
from gover.toolchain import download as dl
from gover.toolchain.trust import checksum
from tests.support.cli import assert_one_line_error, run_gover, visible_versions
from tests.support.httpserver import Fault, TestServer
from tests.support.mirror import Mirror

FAST: dict[str, Any] = {"timeout": 2.0, "retries": 1, "backoff": 0.01}
_IN_CREATE = 0x100
_IN_MOVED_TO = 0x80


class NameWatch(threading.Thread):
    """Every name created in, or renamed into, `directory` while it runs (inotify)."""

    def __init__(self, directory: Path) -> None:
        super().__init__(daemon=True)
        self.names: list[str] = []
        self.stop = threading.Event()
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        self.fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        assert self.fd >= 0
        wd = libc.inotify_add_watch(self.fd, str(directory).encode(), _IN_CREATE | _IN_MOVED_TO)
        assert wd >= 0, ctypes.get_errno()

    def run(self) -> None:
        try:
            while True:
                ready, _, _ = select.select([self.fd], [], [], 0.05)
                if ready:
                    data = os.read(self.fd, 65536)
                    offset = 0
                    while offset < len(data):
                        _wd, _mask, _cookie, length = struct.unpack_from("iIII", data, offset)
                        raw = data[offset + 16 : offset + 16 + length].rstrip(b"\0")
                        self.names.append(raw.decode())
                        offset += 16 + length
                elif self.stop.is_set():
                    return  # stopped, and every queued event has been read
        finally:
            os.close(self.fd)

    def __enter__(self) -> NameWatch:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.join(10)


def _downloads() -> Path:
    d = paths.downloads_dir()
    d.mkdir(parents=True, exist_ok=True)
    return d


def _tampered(data: bytes) -> bytes:
    bad = bytearray(data)
    bad[len(bad) // 2] ^= 0xFF
    return bytes(bad)


def test_tampered_http_download_never_takes_its_final_name(mirror: Mirror) -> None:
    name = mirror.filename("1.22.10")
    bad = _tampered((mirror.root / name).read_bytes())
    mirror.server.add_fault("/" + name, Fault(body=bad))
    with NameWatch(_downloads()) as watch:
        r = run_gover("install", "1.22.10")
    assert r.code == 3, r.err
    expected = hashlib.sha256((mirror.root / name).read_bytes()).hexdigest()
    calculated = hashlib.sha256(bad).hexdigest()
    assert_one_line_error(r.err, mirror.url + name, expected, calculated, "SHA-256 mismatch")
    assert name + ".partial" in watch.names  # it was downloaded, into the partial file...
    assert name not in watch.names  # ...which never became the archive
    assert list(_downloads().iterdir()) == []
    assert visible_versions() == []


def test_install_file_with_other_bytes_never_replaces_the_cached_archive(
    mirror: Mirror, tmp_path: Path
) -> None:
    """Old code copied the local file into the cache under the archive's name and only then
    compared: the wrong bytes took the final name and the good cached copy was lost."""
    name = mirror.filename("1.22.10")
    good = (mirror.root / name).read_bytes()
    cached = _downloads() / name
    cached.write_bytes(good)  # what an earlier `gover install 1.22.10` leaves
    local = tmp_path / "usb stick" / name
    local.parent.mkdir()
    bad = _tampered(good)
    local.write_bytes(bad)
    with NameWatch(_downloads()) as watch:
        r = run_gover("install", "--file", str(local), "--sha256", hashlib.sha256(good).hexdigest())
    assert r.code == 3, r.err
    expected, calculated = hashlib.sha256(good).hexdigest(), hashlib.sha256(bad).hexdigest()
    assert_one_line_error(r.err, str(local), expected, calculated)
    assert name not in watch.names
    assert cached.read_bytes() == good  # nothing lost
    assert sorted(p.name for p in _downloads().iterdir()) == [name]
    assert local.read_bytes() == bad  # the user's file is never touched
    assert visible_versions() == []


def test_fetch_refuses_an_unusable_hash_before_any_request(tmp_path: Path) -> None:
    tree = tmp_path / "srv"
    tree.mkdir()
    (tree / "a.tar.gz").write_bytes(b"x" * 1000)
    dest = _downloads() / "a.tar.gz"
    with TestServer(tree) as server:
        with pytest.raises(VerificationError) as info:
            dl.fetch(server.url_for("a.tar.gz"), dest, Config(), sha256="not-a-hash", **FAST)
        assert server.requests_for("/a.tar.gz") == []
    text = str(info.value)
    assert "no usable SHA-256" in text and "'not-a-hash'" in text and "\n" not in text
    assert list(_downloads().iterdir()) == []


def test_download_without_a_hash_still_renames(tmp_path: Path) -> None:
    """`download()` with no hash is for files no index vouches for: it only reports one."""
    tree = tmp_path / "srv"
    tree.mkdir()
    payload = os.urandom(5000)
    (tree / "f.bin").write_bytes(payload)
    dest = _downloads() / "f.bin"
    with TestServer(tree) as server:
        digest = dl.download(server.url_for("f.bin"), dest, Config(), **FAST)
    assert digest == hashlib.sha256(payload).hexdigest()
    assert dest.read_bytes() == payload


# -- trust/checksum.py --------------------------------------------------------------------

HEX = "5f" * 32


@pytest.mark.parametrize(
    "content",
    [
        HEX.encode(),
        HEX.encode() + b"\n",
        HEX.upper().encode() + b"\r\n",
        f"{HEX}  go1.22.10.linux-amd64.tar.gz\n".encode(),
        f"{HEX} *go1.22.10.linux-amd64.tar.gz".encode(),
        f"{HEX}  my file.tar.gz\n".encode(),
        b"\xef\xbb\xbf" + HEX.encode() + b"\n",
    ],
    ids=["bare", "newline", "upper-crlf", "with-name", "binary-marker", "spaced-name", "bom"],
)
def test_parse_sidecar(content: bytes) -> None:
    assert checksum.parse_sidecar(content, "https://x/a.sha256") == HEX


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\n",
        b"<html>not found</html>",
        HEX[:-1].encode(),
        (HEX + "0").encode(),
        f"{HEX}\n{HEX}\n".encode(),
        ("g" + HEX[1:]).encode(),
        b"\xff" * 64,
        HEX.encode() + b" " * 5000,
    ],
    ids=["empty", "blank", "html", "short", "long", "two-lines", "non-hex", "binary", "huge"],
)
def test_parse_sidecar_rejects(content: bytes) -> None:
    with pytest.raises(VerificationError) as info:
        checksum.parse_sidecar(content, "https://x/a.sha256")
    assert "https://x/a.sha256: not a SHA-256 checksum file" in str(info.value)
    assert "\n" not in str(info.value)
    assert info.value.exit_code == EXIT_VERIFY


@pytest.mark.parametrize(
    ("text", "want"),
    [
        (HEX, HEX),
        (f"  {HEX.upper()}\n", HEX),
        (HEX[:63], None),
        (HEX + "0", None),
        ("zz" * 32, None),
        ("", None),
    ],
)
def test_normalize(text: str, want: str | None) -> None:
    assert checksum.normalize(text) == want
