"""Issue 8, the acquire pipeline: one file, one descriptor, proven once; bounded in time and
size; hostile inputs end in one line. Real files, symlinks, FIFOs, a real HTTP server on
127.0.0.1 (including a slowloris), real gpg, real Go toolchains, a real inotify swapper."""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import io
import json
import math
import os
import resource
import select
import shutil
import signal
import struct
import subprocess
import sys
import tarfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gover import paths
from gover.config import Config
from gover.constants import MAX_ARCHIVE_MEMBERS, PARTIAL_SUFFIX
from gover.errors import ArchiveError, GoverError, NetworkError, VerificationError
from gover.results.toolchains import grouped
from gover.toolchain import download as dl
from gover.toolchain import index
from gover.toolchain.archive import extract as archive
from gover.toolchain.trust import openpgp as verify
from tests.support import goarchives
from tests.support.cli import (
    REPO,
    assert_one_line_error,
    go_run,
    run_gover,
    store_root,
    visible_versions,
)
from tests.support.gpgkey import TestKey, generate_key
from tests.support.httpserver import Fault, TestServer
from tests.support.mirror import Mirror, file_entry, index_entry

NAME = "go1.22.10.linux-amd64.tar.gz"
PAYLOAD = os.urandom(200_000)
SHA = hashlib.sha256(PAYLOAD).hexdigest()
FAST: dict[str, Any] = {"timeout": 2.0, "retries": 1, "backoff": 0.01}


def gover_home() -> Path:
    return Path(os.environ["GOVER_HOME"])


def downloads() -> Path:
    return gover_home() / "cache" / "downloads"


@pytest.fixture
def www(tmp_path: Path) -> Path:
    tree = tmp_path / "www"
    tree.mkdir()
    (tree / NAME).write_bytes(PAYLOAD)
    return tree


@pytest.fixture
def server(www: Path) -> Iterator[TestServer]:
    with TestServer(www) as srv:
        yield srv


# ============================================================== planted links in the cache


def test_symlink_at_partial_is_never_followed(server: TestServer, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"precious\n")
    dest = downloads() / NAME
    dest.parent.mkdir(parents=True)
    (dest.parent / (NAME + PARTIAL_SUFFIX)).symlink_to(victim)
    assert dl.download(server.url_for(NAME), dest, Config(), **FAST) == SHA
    assert victim.read_bytes() == b"precious\n"  # nothing appended, nothing truncated
    assert dest.read_bytes() == PAYLOAD and not dest.is_symlink()
    assert "range" not in server.requests_for("/" + NAME)[0]  # not "resumed" from the victim


def test_dangling_symlink_at_partial_does_not_create_its_target(
    server: TestServer, tmp_path: Path
) -> None:
    target = tmp_path / "elsewhere" / "created-by-gover"
    target.parent.mkdir()
    dest = downloads() / NAME
    dest.parent.mkdir(parents=True)
    (dest.parent / (NAME + PARTIAL_SUFFIX)).symlink_to(target)
    assert dl.download(server.url_for(NAME), dest, Config(), **FAST) == SHA
    assert not target.exists()


def test_hard_linked_partial_is_not_written_through(server: TestServer, tmp_path: Path) -> None:
    """A .partial with a second name elsewhere (a hard link) is someone's file: not reused."""
    victim = tmp_path / "victim.bin"
    victim.write_bytes(PAYLOAD[:1000])
    dest = downloads() / NAME
    dest.parent.mkdir(parents=True)
    os.link(victim, dest.parent / (NAME + PARTIAL_SUFFIX))
    assert dl.download(server.url_for(NAME), dest, Config(), **FAST) == SHA
    assert victim.read_bytes() == PAYLOAD[:1000]


def test_fifo_at_partial_is_replaced_not_opened(server: TestServer) -> None:
    dest = downloads() / NAME
    dest.parent.mkdir(parents=True)
    os.mkfifo(dest.parent / (NAME + PARTIAL_SUFFIX))
    assert dl.download(server.url_for(NAME), dest, Config(), **FAST) == SHA


def test_owned_partial_is_rehashed_through_its_descriptor(server: TestServer) -> None:
    dest = downloads() / NAME
    dest.parent.mkdir(parents=True)
    (dest.parent / (NAME + PARTIAL_SUFFIX)).write_bytes(PAYLOAD[:5000])
    got = dl.fetch(server.url_for(NAME), dest, Config(), sha256=SHA, **FAST)
    with got.file as fh:
        assert got.sha256 == SHA and fh.read() == PAYLOAD  # the returned descriptor: at 0
    assert server.requests_for("/" + NAME)[0]["range"] == "bytes=5000-"


@pytest.mark.parametrize("kind", ["symlink", "other-dir"])
def test_downloads_dir_that_is_a_symlink_is_refused(
    server: TestServer, tmp_path: Path, kind: str
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    cache = gover_home() / "cache"
    cache.mkdir(parents=True)
    (cache / "downloads").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(GoverError) as info:
        dl.download(server.url_for(NAME), cache / "downloads" / NAME, Config(), **FAST)
    text = str(info.value)
    assert "refusing download directory" in text and "symlink" in text and "\n" not in text
    assert list(elsewhere.iterdir()) == []


def test_downloads_dir_of_another_user_is_refused(server: TestServer, tmp_path: Path) -> None:
    d = tmp_path / "theirs"
    d.mkdir()
    os.chown(d, 65534, 65534)  # tests run as root: nobody's directory
    with pytest.raises(GoverError, match="belongs to uid 65534"):
        dl.download(server.url_for(NAME), d / NAME, Config(), **FAST)
    assert list(d.iterdir()) == []


def test_expected_sha256_renames_only_on_a_match(server: TestServer) -> None:
    dest = downloads() / NAME
    url = server.url_for(NAME)
    with pytest.raises(VerificationError) as info:
        dl.download(url, dest, Config(), sha256="ab" * 32, **FAST)
    text = str(info.value)
    assert url in text and "ab" * 32 in text and SHA in text
    assert not dest.exists() and not (dest.parent / (NAME + PARTIAL_SUFFIX)).exists()
    assert dl.download(url, dest, Config(), sha256=SHA.upper(), **FAST) == SHA
    assert dest.read_bytes() == PAYLOAD


# ============================================================== the overall deadline


@pytest.mark.timeout(60)
@pytest.mark.parametrize("where", ["headers", "body"])
def test_slowloris_is_cut_off_by_the_deadline(
    server: TestServer, tmp_path: Path, where: str
) -> None:
    fault = Fault(trickle_headers=0.5) if where == "headers" else Fault(trickle_body=0.5)
    server.add_fault("/" + NAME, fault)
    cfg = Config(timeout=2, origins={"timeout": "$GOVER_TIMEOUT"})
    url = server.url_for(NAME)
    with pytest.raises(NetworkError) as info:
        dl.download(url, tmp_path / "d" / NAME, cfg, timeout=1.5, retries=3, backoff=0.01)
    text = str(info.value)
    assert url in text and "timeout = 2" in text and "$GOVER_TIMEOUT" in text
    assert len(server.requests_for("/" + NAME)) == 1  # a deadline is final: no retries
    with pytest.raises(NetworkError, match="timed out"):
        dl.fetch_bytes(url, cfg, timeout=1.5, retries=3, backoff=0.01)


def test_automatic_deadline_scales_with_size() -> None:
    assert dl.deadline_seconds(Config(), None) == 60
    assert dl.deadline_seconds(Config(), 256 << 20) == 60 + 1024
    assert dl.deadline_seconds(Config(timeout=7), 256 << 20) == 7


# ============================================================== file:// sources


@pytest.mark.timeout(60)
def test_fifo_in_a_file_mirror_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "index.json"
    os.mkfifo(fifo)
    with pytest.raises(NetworkError, match="FIFO"):
        dl.fetch_bytes(fifo.as_uri(), Config())
    with pytest.raises(NetworkError, match="FIFO"):
        dl.download(fifo.as_uri(), tmp_path / "dl" / NAME, Config())


# ============================================================== archives


def _tgz(members: list[tuple[tarfile.TarInfo, bytes | None]]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", compresslevel=1) as tf:
        for info, data in members:
            if data is not None:
                info.size = len(data)
            tf.addfile(info, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


def _dir(name: str) -> tuple[tarfile.TarInfo, None]:
    ti = tarfile.TarInfo(name)
    ti.type = tarfile.DIRTYPE
    ti.mode = 0o755
    return ti, None


def _file(name: str, data: bytes, mode: int = 0o644) -> tuple[tarfile.TarInfo, bytes]:
    ti = tarfile.TarInfo(name)
    ti.mode = mode
    return ti, data


def _go_tree(version: str, extra: list[tuple[tarfile.TarInfo, bytes | None]]) -> bytes:
    script = f"#!/bin/sh\necho go version go{version} linux/amd64 FROM-THE-ARCHIVE\n".encode()
    return _tgz(
        [
            _dir("go"),
            _file("go/VERSION", f"go{version}\ntime 2024-01-01T00:00:00Z\n".encode()),
            _dir("go/bin"),
            _file("go/bin/go", script, 0o755),
            *extra,
        ]
    )


def _deep(levels: int) -> list[tuple[tarfile.TarInfo, bytes | None]]:
    path = "go/d"
    out: list[tuple[tarfile.TarInfo, bytes | None]] = []
    for _ in range(levels):
        out.append(_dir(path))
        path += "/d"
    return out


def test_depth_is_capped(tmp_path: Path) -> None:
    ok = tmp_path / "ok.tar.gz"
    ok.write_bytes(_go_tree("1.90.1", _deep(63)))
    (tmp_path / "a").mkdir()
    archive.extract(ok, tmp_path / "a")
    deep = tmp_path / "deep.tar.gz"
    deep.write_bytes(_go_tree("1.90.1", _deep(1100)))
    (tmp_path / "b").mkdir()
    with pytest.raises(ArchiveError) as info:
        archive.extract(deep, tmp_path / "b")
    assert "deep.tar.gz" in str(info.value) and "over the cap of 64" in str(info.value)


def test_extract_reads_the_given_descriptor_not_the_name(tmp_path: Path) -> None:
    good = _go_tree("1.90.1", [])
    path = tmp_path / "go1.90.1.linux-amd64.tar.gz"
    path.write_bytes(good)
    with path.open("rb") as fh:
        path.unlink()
        path.write_bytes(_go_tree("6.6.6", []))  # a new file under the same name
        (tmp_path / "out").mkdir()
        stats = archive.extract(fh, tmp_path / "out", name=path.name)
    assert (tmp_path / "out" / "VERSION").read_text().startswith("go1.90.1")
    assert stats.sha256 == hashlib.sha256(good).hexdigest()


@pytest.mark.timeout(60)
def test_extract_refuses_a_fifo_path(tmp_path: Path) -> None:
    fifo = tmp_path / "go1.90.1.linux-amd64.tar.gz"
    os.mkfifo(fifo)
    (tmp_path / "out").mkdir()
    with pytest.raises(ArchiveError, match="FIFO"):
        archive.extract(fifo, tmp_path / "out")


@pytest.mark.timeout(240)
def test_default_member_cap_is_60000(tmp_path: Path) -> None:
    """Fails if the default cap were raised or made unlimited (the audit's planted bug)."""
    assert MAX_ARCHIVE_MEMBERS == 60_000
    members: list[tuple[tarfile.TarInfo, bytes | None]] = [_dir("go")]
    members += [_dir(f"go/{i // 1000}") for i in range(0, 60_000, 1000)]
    members += [_file(f"go/{i // 1000}/{i}", b"") for i in range(60_000 - len(members) + 1)]
    assert len(members) == 60_001
    arc = tmp_path / "many.tar.gz"
    arc.write_bytes(_tgz(members))
    (tmp_path / "out").mkdir()
    with pytest.raises(ArchiveError, match="exceeds the cap of 60000 archive members"):
        archive.extract(arc, tmp_path / "out")  # the default, no max_members given


# ============================================================== never a traceback: loaders

_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30),
    lambda children: st.lists(children, max_size=5)
    | st.dictionaries(
        st.sampled_from(
            ["version", "stable", "files", "filename", "sha256", "size", "os", "arch", "kind"]
        )
        | st.text(max_size=8),
        children,
        max_size=6,
    ),
    max_leaves=30,
)
_hostile = st.sampled_from(
    [
        b"[" * 200_000,
        b"[" * 2_000 + b"]" * 2_000,
        b'[{"version": "go1.' + b"9" * 5000 + b'", "files": []}]',
        b'[{"version": "go1.22.10", "size": ' + b"9" * 5000 + b"}]",
        b'[{"version": "go1.22.10", "files": 5}]',
        b'[{"version": "go1.22.10", "files": [{"filename": "go\\u0000.tar.gz", "sha256": "'
        + b"a" * 64
        + b'", "size": 1}]}]',
        b"\xff\xfe\x00",
        b"",
        b"NaN",
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.one_of(_json.map(lambda v: json.dumps(v).encode()), _hostile, st.binary(max_size=64)))
def test_index_parser_returns_or_raises_gover_error(data: bytes) -> None:
    try:
        releases = index.parse_index(data, "https://idx")
    except GoverError as exc:
        assert "https://idx" in exc.message and "\n" not in str(exc)
        return
    for r in releases:
        for f in r.files:
            assert f.filename.isprintable() and "/" not in f.filename and len(f.sha256) == 64


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.one_of(
        _json.map(lambda v: json.dumps({"fetched_at": v}).encode()),
        _json.map(lambda v: json.dumps(v).encode()),
        st.sampled_from([b'{"fetched_at": 1e999}', b'{"fetched_at": -1e999}', b"[" * 100_000]),
        st.binary(max_size=64),
    )
)
def test_index_cache_metadata_is_fresh_only_for_a_real_past_time(data: bytes) -> None:
    now = time.time()
    meta = index.read_meta(data)
    fresh = index.is_fresh(meta, now, 3600.0)
    stamp = meta.get("fetched_at")
    if fresh:
        assert isinstance(stamp, int | float) and math.isfinite(stamp)
        assert 0 < stamp <= now + 300


@pytest.mark.parametrize("stamp", ["1e999", "NaN", "Infinity", '"yesterday"', "-5", "1e12"])
def test_metadata_never_makes_an_index_fresh_forever(stamp: str) -> None:
    meta = index.read_meta(b'{"fetched_at": ' + stamp.encode() + b"}")
    assert not index.is_fresh(meta, time.time(), 3600.0)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.one_of(
        _json.map(lambda v: json.dumps(v).encode()),
        _json.map(
            lambda v: json.dumps({"format": 1, "sources": v, "keys": v}).encode()
        ),
        st.sampled_from([b"[" * 100_000, b'{"format": 1e999}', b"\xff"]),
        st.binary(max_size=64),
    )
)
def test_keyring_stamp_loader_never_raises(data: bytes) -> None:
    home = paths.keyring_dir()
    home.mkdir(parents=True, exist_ok=True)
    (home / "pubring.kbx").write_bytes(b"")
    (home / "gover-keyring.json").write_bytes(data)
    ring = verify.Keyring(Config())
    sources = ring._sources()
    assert ring._from_stamp(sources) is None or isinstance(ring._from_stamp(sources), list)


# ============================================================== through `gover install`


def _plain_env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(REPO))


def test_planted_partial_symlinks_through_gover_install(mirror: Mirror, tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_bytes(b"do not append here\n")
    dangling = tmp_path / "not-yet"
    downloads().mkdir(parents=True)
    name = mirror.filename("1.21.13")
    (downloads() / (name + PARTIAL_SUFFIX)).symlink_to(victim)
    (downloads() / name).symlink_to(dangling)
    r = run_gover("install", "1.21.13")
    assert r.code == 0, r.err
    assert victim.read_bytes() == b"do not append here\n"
    assert not dangling.exists()
    v = go_run(store_root() / "1.21.13", "version")
    assert v.stdout.startswith("go version go1.21.13 linux/amd64"), v.stdout


def test_cache_dir_symlink_is_refused_by_install(mirror: Mirror, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    gover_home().mkdir(parents=True, exist_ok=True)
    (gover_home() / "cache").symlink_to(elsewhere, target_is_directory=True)
    r = run_gover("install", "1.21.13")
    assert r.code == 1
    assert_one_line_error(r.err, str(gover_home() / "cache"), "symlink")
    assert list(elsewhere.iterdir()) == []
    assert visible_versions() == []


# -- a real race: inotify sees gpg close the archive, then swaps the file under its name

_IN_CLOSE_NOWRITE = 0x10
_IN_MOVED_TO = 0x80


class Swapper(threading.Thread):
    """Replaces `directory/name` with the attacker's file whenever inotify reports `mask`
    for that name (what an attacker with write access to the cache directory can do)."""

    def __init__(self, directory: Path, name: str, attacker: Path, mask: int) -> None:
        super().__init__(daemon=True)
        self.directory, self.name, self.attacker, self.mask = directory, name, attacker, mask
        self.swaps = 0
        self.stop = threading.Event()
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        self.fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        assert self.fd >= 0
        wd = libc.inotify_add_watch(self.fd, str(directory).encode(), mask)
        assert wd >= 0, ctypes.get_errno()

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                ready, _, _ = select.select([self.fd], [], [], 0.05)
                if not ready:
                    continue
                data = os.read(self.fd, 65536)
                offset = 0
                hit = False
                while offset < len(data):
                    _wd, mask, _cookie, length = struct.unpack_from("iIII", data, offset)
                    raw = data[offset + 16 : offset + 16 + length].rstrip(b"\0")
                    offset += 16 + length
                    hit = hit or (mask & self.mask and raw == self.name.encode())
                if hit:
                    tmp = self.directory / ".attacker.tmp"
                    shutil.copyfile(self.attacker, tmp)
                    os.replace(tmp, self.directory / self.name)
                    self.swaps += 1
        finally:
            os.close(self.fd)


@pytest.mark.parametrize("moment", ["after-gpg-read", "after-rename"])
def test_racing_swapper_never_gets_its_archive_installed(
    mirror: Mirror, tmp_path: Path, moment: str
) -> None:
    name = mirror.filename("1.22.10")
    attacker = tmp_path / "attacker.tar.gz"
    attacker.write_bytes(_go_tree("1.22.10", []))
    downloads().mkdir(parents=True)
    mask = _IN_CLOSE_NOWRITE if moment == "after-gpg-read" else _IN_MOVED_TO
    swapper = Swapper(downloads(), name, attacker, mask)
    swapper.start()
    try:
        r = run_gover("install", "1.22.10")
    finally:
        swapper.stop.set()
        swapper.join(10)
    if r.code != 0:  # refusing is allowed; installing the attacker's tree is not
        assert r.code == 3, r.err
        assert visible_versions() == []
        return
    v = go_run(store_root() / "1.22.10", "version")
    assert v.stdout.startswith("go version go1.22.10 linux/amd64"), v.stdout
    assert "FROM-THE-ARCHIVE" not in v.stdout
    receipt = json.loads((store_root() / "1.22.10" / ".gover-receipt.json").read_text())
    assert receipt["sha256"] == goarchives.sha256_of(mirror.root / name)
    if moment == "after-rename":
        assert swapper.swaps >= 1  # the race really happened, and lost


# -- hostile archives end to end: signed, listed with the right hash, and still refused


def _hostile_archives() -> dict[str, tuple[str, bytes]]:
    dev = tarfile.TarInfo("go/bin/tty")
    dev.type = tarfile.CHRTYPE
    dev.devmajor, dev.devminor = 5, 0
    esc = tarfile.TarInfo("go/escape")
    esc.type = tarfile.SYMTYPE
    esc.linkname = "../../../../../../tmp"
    return {
        "dotdot": ("1.90.1", _go_tree("1.90.1", [_file("go/../../evil", b"x")])),
        "symlink-escape": ("1.90.2", _go_tree("1.90.2", [(esc, None), _file("go/escape/x", b"x")])),
        "deep": ("1.90.3", _go_tree("1.90.3", _deep(1100))),
        "device": ("1.90.4", _go_tree("1.90.4", [(dev, None)])),
        "duplicate": ("1.90.5", _go_tree("1.90.5", [_file("go/bin/go", b"#!/bin/sh\n", 0o755)])),
    }


@pytest.fixture(scope="module")
def hostile_mirror(
    tmp_path_factory: pytest.TempPathFactory, signing_key: TestKey
) -> Iterator[tuple[TestServer, dict[str, str]]]:
    root = tmp_path_factory.mktemp("hostile")
    entries = []
    names = {}
    for case, (version, data) in _hostile_archives().items():
        filename = f"go{version}.linux-amd64.tar.gz"
        (root / filename).write_bytes(data)
        signing_key.sign(root / filename)
        entries.append(
            index_entry(version, [file_entry(filename, hashlib.sha256(data).hexdigest(), len(data))])
        )
        names[case] = version
    (root / "index.json").write_text(json.dumps(entries))
    with TestServer(root) as srv:
        yield srv, names


@pytest.mark.parametrize("case", ["dotdot", "symlink-escape", "deep", "device", "duplicate"])
def test_hostile_archive_through_gover_install(
    hostile_mirror: tuple[TestServer, dict[str, str]],
    signing_key: TestKey,
    monkeypatch: pytest.MonkeyPatch,
    case: str,
) -> None:
    srv, names = hostile_mirror
    monkeypatch.setenv("GOVER_INDEX_URL", srv.url + "index.json")
    monkeypatch.setenv("GOVER_DOWNLOAD_BASE", srv.url)
    monkeypatch.setenv("GOVER_TRUSTED_KEYS", str(signing_key.public_key_path))
    monkeypatch.setenv("GOVER_GPG", "require")
    version = names[case]
    r = run_gover("install", version)
    assert r.code == 3, r.err
    assert_one_line_error(r.err, f"go{version}.linux-amd64.tar.gz", "member")
    assert visible_versions() == []
    assert not list(store_root().glob(".staging-*"))


# -- the network deadline, through the CLI


@pytest.mark.parametrize("where", ["index-headers", "archive-body"])
def test_slowloris_through_the_cli(mirror: Mirror, where: str) -> None:
    if where == "index-headers":
        path, fault = "/index.json", Fault(trickle_headers=0.5)
        url = mirror.index_url
    else:
        path, fault = "/" + mirror.filename("1.21.13"), Fault(trickle_body=0.5)
        url = mirror.url + mirror.filename("1.21.13")
    mirror.server.add_fault(path, fault)
    r = run_gover("install", "1.21.13", env={"GOVER_TIMEOUT": "3"}, timeout=90)
    assert r.code == 1, r.err
    assert_one_line_error(r.err, url, "timeout = 3", "$GOVER_TIMEOUT")
    assert visible_versions() == []


@pytest.mark.parametrize("what", ["index", "archive"])
def test_fifo_in_a_file_mirror_through_the_cli(
    mirror: Mirror, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, what: str
) -> None:
    local = tmp_path / "mirror"
    local.mkdir()
    name = mirror.filename("1.21.13")
    if what == "index":
        os.mkfifo(local / "index.json")
    else:
        shutil.copyfile(mirror.root / "index.json", local / "index.json")
        os.mkfifo(local / name)
    monkeypatch.setenv("GOVER_INDEX_URL", (local / "index.json").as_uri())
    monkeypatch.setenv("GOVER_DOWNLOAD_BASE", local.as_uri() + "/")
    r = run_gover("install", "1.21.13", timeout=60)
    assert r.code == 1, r.err
    assert_one_line_error(r.err, "FIFO")
    assert visible_versions() == []


def test_huge_sparse_local_asc_is_refused_with_bounded_memory(
    mirror: Mirror, go_archives: dict[str, Path], tmp_path: Path
) -> None:
    src = go_archives["1.21.13"]
    local = tmp_path / src.name
    os.link(src, local)
    asc = tmp_path / (src.name + ".asc")
    with asc.open("wb") as fh:
        fh.truncate(1 << 30)  # 1 GiB, sparse

    def limit_memory() -> None:  # gover must not read it into memory
        resource.setrlimit(resource.RLIMIT_AS, (900 << 20, 900 << 20))

    proc = subprocess.run(
        [sys.executable, "-m", "gover", "install", "--file", str(local)],
        env=_plain_env(),
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=limit_memory,
        check=False,
    )
    assert proc.returncode == 3, proc.stderr
    assert_one_line_error(proc.stderr, str(asc), "larger than 65536 bytes")
    assert visible_versions() == []


# -- hostile index documents and caches, through the CLI


@pytest.mark.parametrize(
    "body",
    [
        b'[{"version": "go1.' + b"9" * 5000 + b'", "stable": true, "files": []}]',
        b"[" * 200_000,
        b'[{"version": "go1.22.10", "stable": true, "files": 5}]',
        b'[{"version": "go1.22.10", "stable": true, "files": [{"filename": "go1.22.10.linux-'
        b'amd64.tar.gz\\u0000", "os": "linux", "arch": "amd64", "kind": "archive", "sha256": "'
        + b"a" * 64
        + b'", "size": 1}]}]',
    ],
    ids=["5000-digit-version", "deep-brackets", "files-is-5", "nul-in-filename"],
)
def test_hostile_index_through_the_cli(mirror: Mirror, body: bytes) -> None:
    mirror.server.add_fault("/index.json", Fault(body=body))
    r = run_gover("install", "1.22.10")
    assert r.code in (1, 2), r.err
    lines = r.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gover: error: "), r.err
    assert "Traceback" not in r.err
    assert visible_versions() == []


def test_corrupt_index_cache_metadata_is_stale(mirror: Mirror) -> None:
    assert run_gover("list-remote").code == 0  # caches the index
    gets = len(mirror.server.requests_for("/index.json"))
    cache = gover_home() / "cache" / "index"
    [meta] = list(cache.glob("*.meta.json"))
    meta.write_text('{"fetched_at": 1e999, "url": "x"}')
    r = run_gover("list-remote")
    assert r.code == 0, r.err
    assert len(mirror.server.requests_for("/index.json")) == gets + 1  # refetched, not "fresh"
    meta.write_text("[" * 100_000)
    assert run_gover("list-remote").code == 0


def test_corrupt_keyring_stamp_is_rebuilt(mirror: Mirror) -> None:
    assert run_gover("keys", "list").code == 0
    stamp = gover_home() / "keyring" / "gover-keyring.json"
    for junk in ("[]", '{"format": 1, "sources": 5, "keys": 5}', "[" * 100_000, "\udcff"):
        stamp.write_bytes(junk.encode("utf-8", "surrogateescape"))
        r = run_gover("keys", "list")
        assert r.code == 0, r.err
        assert r.err == ""


def test_keyring_dir_symlink_is_refused(mirror: Mirror, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o755)
    gover_home().mkdir(parents=True, exist_ok=True)
    (gover_home() / "keyring").symlink_to(elsewhere, target_is_directory=True)
    r = run_gover("install", "1.21.13")
    assert r.code == 3
    assert_one_line_error(r.err, str(gover_home() / "keyring"), "symlink")
    assert (elsewhere.stat().st_mode & 0o777) == 0o755  # no chmod through the link
    assert visible_versions() == []


# -- the key refresh inside `gover install`, from a real HTTP server

_PINNED_RUNNER = (
    "import sys, gover.constants as c, gover.paths as p; from pathlib import Path\n"
    "c.GO_KEY_FINGERPRINT = sys.argv.pop(1)\n"
    "old = Path(sys.argv.pop(1)); p.bundled_key_file = lambda: old\n"
    "sys.argv[0] = 'gover'\n"
    "from gover.cli.entry import main\n"
    "main()\n"
)


@pytest.mark.timeout(300)
def test_install_refreshes_the_go_key_from_a_real_server(
    go_archives: dict[str, Path], tmp_path: Path
) -> None:
    """The signature is by a signing subkey newer than the bundled copy of the pinned key:
    `gover install` must fetch the key from key_url (a real server) and then verify."""
    key = generate_key(tmp_path / "gk", "rotating release key")
    try:
        old_key = tmp_path / "bundled.asc"
        old_key.write_bytes(key.public_key_path.read_bytes())  # before the rotation
        key.add_signing_subkey()
        www = tmp_path / "www"
        www.mkdir()
        src = go_archives["1.21.13"]
        os.link(src, www / src.name)
        key.sign(www / src.name)
        (www / "go-key.pub").write_bytes(key.public_key_path.read_bytes())
        sha = goarchives.sha256_of(src)
        (www / "index.json").write_text(
            json.dumps([index_entry("1.21.13", [file_entry(src.name, sha, src.stat().st_size)])])
        )
        with TestServer(www) as srv:
            env = dict(
                _plain_env(),
                GOVER_INDEX_URL=srv.url + "index.json",
                GOVER_DOWNLOAD_BASE=srv.url,
                GOVER_KEY_URL=srv.url + "go-key.pub",
                GOVER_GPG="require",
            )
            proc = subprocess.run(
                [sys.executable, "-c", _PINNED_RUNNER, key.fingerprint, str(old_key),
                 "install", "1.21.13"],
                env=env, capture_output=True, text=True, timeout=240, check=False,
            )
            assert proc.returncode == 0, proc.stderr
            assert "refreshed the Go release key from " + srv.url + "go-key.pub" in proc.stderr
            assert len(srv.requests_for("/go-key.pub")) == 1
        assert f"({grouped(key.fingerprint)})" in proc.stdout
        assert paths.refreshed_key_file().is_file()
        v = go_run(store_root() / "1.21.13", "version")
        assert v.stdout.startswith("go version go1.21.13"), v.stdout
    finally:
        key.close()


# -- faults: SIGKILL mid-download, and awkward home paths


@pytest.mark.timeout(300)
def test_sigkill_mid_download_then_rerun(mirror: Mirror) -> None:
    name = mirror.filename("1.21.13")
    mirror.server.add_fault("/" + name, Fault(trickle_body=0.02, trickle_chunk=64 << 10))
    proc = subprocess.Popen(
        [sys.executable, "-m", "gover", "install", "1.21.13"],
        env=_plain_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    partial = downloads() / (name + PARTIAL_SUFFIX)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if partial.exists() and partial.stat().st_size >= 1 << 20:
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    killed_at = partial.stat().st_size
    assert 0 < killed_at < (mirror.root / name).stat().st_size
    assert visible_versions() == []

    mirror.server.clear_faults()
    r = run_gover("install", "1.21.13")
    assert r.code == 0, r.err
    last = mirror.server.requests_for("/" + name)[-1]
    assert last.get("range", f"bytes={killed_at}-").startswith("bytes=")  # resumed or restarted
    assert not partial.exists()
    assert sorted(p.name for p in downloads().iterdir()) == [name]
    assert goarchives.sha256_of(downloads() / name) == goarchives.sha256_of(mirror.root / name)
    assert visible_versions() == ["1.21.13"]
    assert not list(store_root().glob(".staging-*"))
    v = go_run(store_root() / "1.21.13", "version")
    assert v.stdout.startswith("go version go1.21.13 linux/amd64"), v.stdout


@pytest.mark.timeout(300)
def test_awkward_home_paths_with_a_real_install(
    mirror: Mirror, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    weird = tmp_path / "a home with 'quotes' \"and\" $dollar `tick` ünïcødé ☃"
    home = weird / "home dir"
    home.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GOVER_HOME", str(weird / "gover $HOME 'store'"))
    r = run_gover("install", "1.21.13")
    assert r.code == 0, r.err
    root = weird / "gover $HOME 'store'" / "versions" / "1.21.13"
    v = go_run(root, "version")
    assert v.stdout.startswith("go version go1.21.13 linux/amd64"), v.stderr
    w = run_gover("which", "go", env={"GOVER_VERSION": "1.21.13"})
    assert w.code == 0, w.err
    assert w.out.strip() == str(root / "bin" / "go")
