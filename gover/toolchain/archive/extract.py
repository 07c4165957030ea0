"""Safe, fast extraction of a Go distribution archive into a staging directory.

`extract()` unpacks a go.dev `.tar.gz` (or Windows `.zip`), recognised by its
content, stripping the single `go/` root so the staging dir holds `bin/go`,
`VERSION`, ... directly. Every member passes the safety rules in rules.py (names,
types, caps, depth, symlink targets, duplicates) before anything is written for it;
this module is the streaming pipeline that applies them and writes the tree.

The archive may be given as an open binary file: the installer passes the descriptor it
downloaded and verified, so the bytes extracted are the bytes checked, and the SHA-256 of
what the tar path read is returned in the stats for one last comparison.

Speed (a Go release is ~10-15k members, ~230 MB unpacked): the tar path is one
streaming pass over three threads. A pump thread reads and inflates the gzip
stream (zlib and ISA-L release the GIL); the calling thread parses headers with
tarfile, validates, creates directories and symlinks, and hands file data (views
of the inflated chunks, no copies) to a writer thread that does the open, write
and close system calls, which on a real disk cost more than all the Python.

On error, `dest` may hold part of the tree: it is a staging directory that the
caller deletes. Nothing is ever written outside `dest`: every entry is created
with O_EXCL (files also O_NOFOLLOW) below directories this module made itself,
and no member may pass through a symlink or a file.
"""

from __future__ import annotations

import hashlib
import os
import queue
import stat
import struct
import tarfile
import threading
import time
import zipfile
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, NamedTuple, NoReturn, Protocol, cast

from gover.constants import (
    ARCHIVE_ROOT,
    MAX_ARCHIVE_DEPTH,
    MAX_ARCHIVE_MEMBERS,
    MAX_UNPACKED_BYTES,
)
from gover.errors import InstallError, io_error, io_reason
from gover.fsutil import open_regular
from gover.toolchain.archive.rules import (
    DIR,
    DIRS,
    FILE,
    IMPLICIT_DIR,
    LINK,
    MAX_SYMLINK_TARGET,
    MODE_TYPE_NAMES,
    ONLY,
    TAR_REGULAR,
    Reporter,
    Rules,
    show,
    tar_kind,
)

__all__ = ["GZIP_BACKEND", "ExtractStats", "extract"]

# Compressed bytes read per call; inflated bytes per chunk; chunks the pump may
# run ahead of the parser (so at most ~32 MiB waits there).
_READ_SIZE = 1 << 20
_CHUNK_SIZE = 1 << 20
_PUMP_DEPTH = 32
# File data is handed to the writer in batches of up to this many bytes or files,
# and at most _WRITER_DEPTH batches wait for it (~32 MiB more at most).
_BATCH_BYTES = 1 << 20
_BATCH_FILES = 128
_WRITER_DEPTH = 32
# Every _ADAPT_EVERY batches written inline, move the writing to a thread if it
# took more than this share of the time meanwhile (see _Writer).
_ADAPT_EVERY = 8
_ADAPT_WRITE_SHARE = 0.3
_WRITER_MODE = "auto"
# Threads that inflate, hash and write a zip's files (members are independent in a zip).
_ZIP_WORKERS = min(4, os.cpu_count() or 1)

# A progress hook: (done, total), bytes; called at most once per MiB of archive.
Progress = Callable[[int, int], None]

# tarfile reads only headers through our stream (data goes straight to files): a
# header larger than this (a PAX record or GNU long name) is hostile, not big.
_MAX_HEADER_READ = 1 << 20
# Zero padding allowed after the end-of-archive marker (GNU tar pads to 10 KiB).
_MAX_TRAILING_ZEROS = 1 << 20

_OPEN_FLAGS = (
    os.O_WRONLY
    | os.O_CREAT
    | os.O_EXCL
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)
_HAS_FCHMOD = hasattr(os, "fchmod")
_UTIME_FD = os.utime in os.supports_fd


@dataclass(frozen=True)
class ExtractStats:
    """What extract() did: archive members seen, entries created, file bytes written."""

    members: int
    files: int
    dirs: int
    symlinks: int
    bytes: int
    sha256: str = ""  # of the archive bytes read (tar: while inflating; zip: before)
    # A module zip (extract(module=...)): (zip name, SHA-256 hex of its content) of every
    # member, as read while extracting, for the checksum database's h1 (dirhash.hash1).
    entries: tuple[tuple[str, str], ...] = ()
    # extract(hash_files=True) of a release .tar.gz: (path in the tree, SHA-256 hex) of every
    # regular file, taken from the bytes as they were written (the checksum database's h1
    # without reading the tree again).
    file_hashes: tuple[tuple[str, str], ...] = ()


# --------------------------------------------------------------------------- gzip backend


class _Decompressor(Protocol):
    @property
    def eof(self) -> bool: ...

    @property
    def unused_data(self) -> bytes: ...

    @property
    def unconsumed_tail(self) -> bytes: ...

    def decompress(self, data: bytes, /, max_length: int = ...) -> bytes: ...


class _Backend(NamedTuple):
    name: str
    decompressobj: Callable[[int], _Decompressor]
    error: type[Exception]


def _zlib_backend() -> _Backend:
    return _Backend("zlib", zlib.decompressobj, zlib.error)


def _best_backend() -> _Backend:
    """ISA-L (python-isal) inflates ~2.5x faster than zlib; optional, zlib is the fallback."""
    try:
        from isal import isal_zlib  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return _zlib_backend()
    error = cast("type[Exception]", isal_zlib.error)  # the stub calls it an instance
    return _Backend("isal", isal_zlib.decompressobj, error)


_backend = _best_backend()
GZIP_BACKEND = _backend.name


# --------------------------------------------------------------------------- tree


class _Tree(Rules):
    """The tree being built in `dest`: each entry created once its member passed the rules."""

    module = False  # a toolchain module zip: hash every member, `_go.mod` back to `go.mod`
    entries: list[tuple[str, str]]
    hash_files = False  # a release tar: record every regular file's SHA-256 (file_hashes)
    file_hashes: list[tuple[str, str]]

    def stats(self) -> ExtractStats:
        return ExtractStats(
            self.members,
            self.files,
            self.dirs,
            self.symlinks,
            self.written,
            self.sha256,
            tuple(self.entries) if self.module else (),
            tuple(self.file_hashes) if self.hash_files else (),
        )

    def data_filter(self, member: tarfile.TarInfo, rel: str, raw: str) -> None:
        """A module zip holds no symlinks (refused before anything is made), so no path in
        its tree resolves anywhere but where it reads: the defence-in-depth check is the
        lexical one, without tarfile's two realpath() walks per member (~0.5 s of ~10,000)."""
        if not self.module or self.links:
            super().data_filter(member, rel, raw)
            return
        full = os.path.normpath(self.prefix + rel)
        if not full.startswith(self.prefix) or os.path.isabs(rel):
            self.report.member(raw, "is refused: its path leaves the destination")

    def _new(self, rel: str, raw: str) -> None:
        """Refuse a second member for `rel`, and make sure its parent directory exists."""
        if rel in self.kinds:
            self.report.member(raw, "is a duplicate of an earlier member")
        parent = rel.rpartition("/")[0]
        kind = self.kinds.get(parent)
        if kind in DIRS:
            return
        missing: list[str] = []
        path = parent
        while kind is None:
            missing.append(path)
            path = path.rpartition("/")[0]
            kind = self.kinds.get(path)
        if kind == LINK:
            self.report.member(raw, f"goes through the symlink '{self.root}/{path}'")
        if kind == FILE:
            self.report.member(raw, f"goes through the file '{self.root}/{path}'")
        for path in reversed(missing):
            self._mkdir(path, raw)
            self.kinds[path] = IMPLICIT_DIR

    def _mkdir(self, rel: str, raw: str) -> None:
        full = self.prefix + rel
        try:
            os.mkdir(full, 0o755)
        except FileExistsError:
            self.collision(raw)
        os.chmod(full, 0o755)  # whatever the umask: directories are 0o755
        self.dirs += 1

    def collision(self, raw: str) -> NoReturn:
        self.report.member(
            raw, "collides with an earlier member on this file system (case-insensitive?)"
        )

    # -- entries

    def add_dir(self, rel: str, raw: str, member: tarfile.TarInfo) -> None:
        if self.kinds.get(rel) == IMPLICIT_DIR:  # made earlier for a member below it
            self.data_filter(member, rel, raw)
            self.kinds[rel] = DIR
            return
        self._new(rel, raw)
        self.data_filter(member, rel, raw)
        self._mkdir(rel, raw)
        self.kinds[rel] = DIR

    def add_file(self, rel: str, raw: str, member: tarfile.TarInfo) -> tuple[str, int]:
        """Check and record a regular file; its full path and permissions to create it with."""
        self._not_root(rel, raw)
        self._new(rel, raw)
        self.data_filter(member, rel, raw)
        self.kinds[rel] = FILE
        self.files += 1
        # Owner-executable means 0o755 (as tarfile's data filter decides), else 0o644:
        # setuid, setgid, sticky and group/other write bits are dropped.
        return self.prefix + rel, (0o755 if member.mode & 0o100 else 0o644)

    def add_symlink(self, rel: str, raw: str, member: tarfile.TarInfo) -> None:
        self._not_root(rel, raw)
        self._new(rel, raw)
        target = member.linkname
        self._check_target(rel, raw, target)
        self.data_filter(member, rel, raw)
        try:
            os.symlink(target, self.prefix + rel)
        except FileExistsError:
            self.collision(raw)
        self.kinds[rel] = LINK
        self.links[rel] = target
        self.symlinks += 1


# --------------------------------------------------------------------------- gzip stream


class _StreamError(Exception):
    """Raised in the pump thread; the parser turns it into an ArchiveError."""


class _Pump(threading.Thread):
    """Reads and inflates the gzip file into a bounded queue of chunks."""

    def __init__(self, fd: int, backend: _Backend, progress: Progress | None = None) -> None:
        super().__init__(name="gover-gunzip", daemon=True)
        self.fd = fd
        self.backend = backend
        self.progress = progress  # (compressed bytes read, archive size), once per 1 MiB read
        self.total = os.fstat(fd).st_size if progress is not None else 0
        self.hasher = hashlib.sha256()  # of every byte read, complete once the pump ends
        self.queue: queue.Queue[bytes | BaseException | None] = queue.Queue(_PUMP_DEPTH)
        self.stop = threading.Event()

    def run(self) -> None:
        try:
            self._pump()
        except BaseException as exc:  # handed to the parser, which reports it
            self._put(exc)
        else:
            self._put(None)

    def _put(self, item: bytes | BaseException | None) -> bool:
        while not self.stop.is_set():
            try:
                self.queue.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def _pump(self) -> None:
        backend = self.backend
        d: _Decompressor | None = backend.decompressobj(31)
        more = False  # a full chunk came out: the inflater may hold more without input
        # pread: the caller's file position is left alone, and no name is ever reopened.
        offset = 0
        hash_update = self.hasher.update
        data = b""
        while True:
            if not data and not more:
                data = _read_at(self.fd, _READ_SIZE, offset)
                if not data:
                    break
                offset += len(data)
                hash_update(data)
                if self.progress is not None:
                    self.progress(offset, self.total)
            if d is None:
                # After a gzip member: zero padding is allowed, then another member.
                data = data.lstrip(b"\x00")
                if not data:
                    continue
                d = backend.decompressobj(31)
            try:
                out = d.decompress(data, _CHUNK_SIZE)
            except backend.error as exc:
                raise _StreamError(f"the gzip data is corrupt ({exc})") from None
            if out and not self._put(out):
                return
            if d.eof:
                data = d.unused_data
                d = None
                more = False
            else:
                data = d.unconsumed_tail
                more = len(out) == _CHUNK_SIZE
        if d is not None:
            raise _StreamError("the gzip data is truncated (the stream ends early)")


def _read_at(fd: int, size: int, offset: int) -> bytes:
    if hasattr(os, "pread"):
        return os.pread(fd, size, offset)
    os.lseek(fd, offset, os.SEEK_SET)  # pragma: no cover - Windows
    return os.read(fd, size)  # pragma: no cover


class _TarStream:
    """A forward-only file object over the pump's chunks, shared by tarfile and us.

    tarfile reads headers through read()/seek()/tell(); member data bypasses it as
    memoryviews of the inflated chunks, handed to the writer without a copy.
    """

    def __init__(self, pump: _Pump, on_error: Callable[[str], NoReturn]) -> None:
        self.pump = pump
        self.on_error = on_error
        self.buf = memoryview(b"")
        self.pos = 0  # position in buf
        self.offset = 0  # stream offset of buf[0]
        self.eof = False
        self.last_read = b""

    def _fill(self) -> bool:
        """Load the next chunk; False at the end of the stream."""
        if self.eof:
            return False
        item = self.pump.queue.get()
        if item is None:
            self.eof = True
            return False
        if isinstance(item, _StreamError):
            self.on_error(str(item))
        if isinstance(item, BaseException):
            raise item
        self.offset += len(self.buf)
        self.buf = memoryview(item)
        self.pos = 0
        return True

    def tell(self) -> int:
        return self.offset + self.pos

    def read(self, n: int = -1) -> bytes:
        if n < 0 or n > _MAX_HEADER_READ:
            self.on_error(f"a tar header claims {n} bytes, over the limit of {_MAX_HEADER_READ}")
        end = self.pos + n
        if end <= len(self.buf):
            out = self.buf[self.pos : end].tobytes()
            self.pos = end
        else:
            parts = [self.buf[self.pos :].tobytes()]
            got = len(parts[0])
            self.pos = len(self.buf)
            while got < n and self._fill():
                take = min(n - got, len(self.buf))
                parts.append(self.buf[:take].tobytes())
                self.pos = take
                got += take
            out = b"".join(parts)
        self.last_read = out
        return out

    def seek(self, target: int, whence: int = 0) -> int:
        if whence != 0 or target < self.tell():
            self.on_error(f"the tar data asks to seek back to offset {target}")
        skip = target - self.tell()
        while skip and (self.pos < len(self.buf) or self._fill()):
            take = min(skip, len(self.buf) - self.pos)
            self.pos += take
            skip -= take
        return self.tell()

    def take(self, size: int, views: list[memoryview]) -> int:
        """Append views of the next `size` bytes (fewer at the end) to `views`; the count."""
        left = size
        while left:
            avail = len(self.buf) - self.pos
            if not avail:
                if not self._fill():
                    break
                avail = len(self.buf)
            n = avail if avail < left else left
            views.append(self.buf[self.pos : self.pos + n])
            self.pos += n
            left -= n
        return size - left

    def rest_is_zeros(self, limit: int) -> bool:
        """True when at most `limit` bytes remain and they are all NUL."""
        seen = 0
        while True:
            rest = self.buf[self.pos :]
            seen += len(rest)
            if seen > limit or rest.tobytes().strip(b"\x00"):
                return False
            self.pos = len(self.buf)
            if not self._fill():
                return True


# --------------------------------------------------------------------------- writer

# One piece of one file: path, permissions, mtime, data views, last piece?, member name.
_Piece = tuple[str, int, float, list[memoryview], bool, str]


class _Writer:
    """Creates and fills the files the parser has already validated, in order.

    It starts inline. Where file creation is slow (a real disk: here 2/3 of the
    run) it moves to a thread, so the system calls overlap with parsing. Where it
    is fast (tmpfs, 1/10 of the run) it stays inline: a thread would only add GIL
    hand-offs, which cost more than the calls it takes over.
    """

    def __init__(self, mode: str) -> None:
        self.mode = mode  # "auto", "thread" or "inline"
        self.fd = -1
        self.error: tuple[str, OSError] | None = None
        self.failure: BaseException | None = None
        self.written = 0
        self.queue: queue.Queue[list[_Piece] | None] = queue.Queue(_WRITER_DEPTH)
        self.thread: threading.Thread | None = None
        self.cancelled = False
        self.batches = 0
        self.write_time = 0.0
        self.window_start = time.perf_counter()

    def start_thread(self) -> None:
        self.thread = threading.Thread(target=self._run, name="gover-write", daemon=True)
        self.thread.start()

    def submit(self, batch: list[_Piece]) -> None:
        if self.thread is None and self.mode == "thread":
            self.start_thread()
        if self.thread is not None:
            self.queue.put(batch)
            return
        if self.error is not None or self.failure is not None:
            return
        t0 = time.perf_counter()
        self.write(batch)
        t1 = time.perf_counter()
        self.write_time += t1 - t0
        self.batches += 1
        if self.mode == "auto" and self.batches % _ADAPT_EVERY == 0:
            # The share of the last _ADAPT_EVERY batches: a Go tree has some large
            # binaries (quick to write) and thousands of small files (slow on disk).
            if self.write_time > _ADAPT_WRITE_SHARE * (t1 - self.window_start):
                self.start_thread()
            self.window_start = t1
            self.write_time = 0.0

    def finish(self) -> None:
        """Wait for everything submitted (or, after an error, for the thread to stop)."""
        if self.thread is not None:
            self.queue.put(None)  # the thread drains whatever is queued before it
            self.thread.join()
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def cancel(self) -> None:
        """The parser failed: skip whatever is still queued."""
        self.cancelled = True

    def _run(self) -> None:
        get = self.queue.get
        while (batch := get()) is not None:
            # After an error or a cancel, keep draining so the parser never blocks.
            if self.error is None and self.failure is None and not self.cancelled:
                try:
                    self.write(batch)
                except BaseException as exc:  # not an OSError: a bug, re-raised by the parser
                    self.failure = exc

    def write(self, batch: list[_Piece]) -> None:
        fd = self.fd
        write = os.write
        written = 0
        raw = ""
        try:
            for path, perm, mtime, views, last, raw in batch:  # noqa: B007 - raw names errors
                if fd < 0:
                    fd = os.open(path, _OPEN_FLAGS, perm)
                    if _HAS_FCHMOD:
                        os.fchmod(fd, perm)  # whatever the umask
                for view in views:
                    while view:
                        n = write(fd, view)
                        written += n
                        view = view[n:]
                if last:
                    if _UTIME_FD:
                        os.utime(fd, (mtime, mtime))
                    os.close(fd)
                    fd = -1
        except OSError as exc:
            self.error = (raw, exc)
            if fd >= 0:
                os.close(fd)
                fd = -1
        self.fd = fd
        self.written += written


# --------------------------------------------------------------------------- tar


def _extract_tar(
    fd: int, tree: _Tree, report: Reporter, progress: Progress | None = None
) -> None:
    current = ["(none yet)"]

    def stream_error(reason: str) -> NoReturn:
        report.archive(f"{reason} (at member '{show(current[0])}')")

    pump = _Pump(fd, _backend, progress)
    writer = _Writer(_WRITER_MODE)
    stream = _TarStream(pump, stream_error)
    pump.start()
    try:
        _tar_members(tree, report, stream, writer, current)
    except BaseException:
        writer.cancel()
        raise
    finally:
        pump.stop.set()
        writer.finish()
        pump.join()
    tree.written = writer.written
    tree.sha256 = pump.hasher.hexdigest()  # the pump read to the end: _tar_members insists
    if writer.failure is not None:
        raise writer.failure
    if writer.error is not None:
        raw, exc = writer.error
        if isinstance(exc, FileExistsError):
            tree.collision(raw)
        raise InstallError(
            f"{report.label}: cannot extract member '{show(raw)}' into {tree.dest}: "
            f"{io_reason(exc)}",
            hint="check free space and permissions, then retry",
        ) from None
    if tree.written != tree.declared:
        report.archive(f"wrote {tree.written} bytes where the headers declare {tree.declared}")


def _tar_members(
    tree: _Tree, report: Reporter, stream: _TarStream, writer: _Writer, current: list[str]
) -> None:
    try:
        tf = tarfile.TarFile(
            fileobj=stream,  # type: ignore[arg-type]
            mode="r",
            encoding="utf-8",
            errors="surrogateescape",
        )
    except tarfile.ReadError as exc:
        report.archive(f"the gzip data does not hold a tar archive ({exc})")
    put = writer.submit
    batch: list[_Piece] = []
    batch_bytes = 0
    while True:
        try:
            member = tf.next()
        except tarfile.TarError as exc:
            what = "truncated" if stream.eof else f"corrupt ({exc})"
            report.archive(f"the tar data is {what} after member '{show(current[0])}'")
        if member is None:
            break
        raw = member.name
        current[0] = raw
        tree.count_member(raw)
        rel = tree.rel_path(raw)
        size = member.size
        tree.reserve(raw, size)
        mtype = member.type
        if mtype in TAR_REGULAR and member.sparse is None:
            path, perm = tree.add_file(rel, raw, member)
            mtime = member.mtime
            left = size
            hasher = hashlib.sha256() if tree.hash_files else None
            while True:
                views: list[memoryview] = []
                got = stream.take(min(left, _BATCH_BYTES), views)
                if hasher is not None:
                    for view in views:
                        hasher.update(view)
                    if got == left:
                        tree.file_hashes.append((rel, hasher.hexdigest()))
                left -= got
                batch.append((path, perm, mtime, views, not left, raw))
                batch_bytes += got
                if left and not got:
                    report.member(raw, "is truncated (the tar data ends early)")
                if batch_bytes >= _BATCH_BYTES or len(batch) >= _BATCH_FILES:
                    put(batch)
                    batch = []
                    batch_bytes = 0
                    if writer.error is not None:
                        return  # reported by the caller once the writer has stopped
                if not left:
                    break
            continue
        if mtype != tarfile.DIRTYPE and mtype != tarfile.SYMTYPE:
            report.member(raw, f"is {tar_kind(member)} {ONLY}")
        if size:
            report.member(raw, f"is a {tar_kind(member)} carrying data")
        if mtype == tarfile.DIRTYPE:
            tree.add_dir(rel, raw, member)
        else:
            tree.add_symlink(rel, raw, member)
    if batch:
        put(batch)
    # tarfile stops quietly at a bad or missing header after the first one: insist
    # on a real end-of-archive block, and nothing but zero padding after it.
    if not tree.members:
        report.archive("the tar archive has no members")
    last = stream.last_read
    if len(last) < tarfile.BLOCKSIZE:
        report.archive(f"the tar data is truncated after member '{show(current[0])}'")
    if last.strip(b"\x00"):
        report.archive(f"the tar data has a corrupt header after member '{show(current[0])}'")
    if not stream.rest_is_zeros(_MAX_TRAILING_ZEROS):
        report.archive("unexpected data follows the end of the tar archive")


# --------------------------------------------------------------------------- zip

_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    NotImplementedError,
    RuntimeError,
    ValueError,
)


_EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
# cmd/go makes these executable when it runs a toolchain from the module cache
# (toolchain.Exec's allowExec): a module zip need not carry modes.
_MODULE_EXEC_DIRS = ("bin/", "pkg/tool/")


def _module_rel(rel: str) -> str:
    """A module zip's `…/_go.mod` is the release's `…/go.mod` (cmd/distpack renames every
    nested go.mod, which a module zip may not hold; cmd/go copies them back before it runs
    the toolchain): the store holds the tree as go.dev ships it."""
    head, _, base = rel.rpartition("/")
    if base == "_go.mod":
        return f"{head}/go.mod" if head else "go.mod"
    return rel


def _extract_zip(
    fh: BinaryIO, tree: _Tree, report: Reporter, progress: Progress | None = None
) -> None:
    if not tree.module:
        # A release .zip: the SHA-256 of the bytes read here is compared with the verified
        # one. A module zip has no such hash (its proof is the h1 of the entries, taken from
        # the very bytes written): its caller has the download's own SHA-256.
        hasher = hashlib.sha256()
        fh.seek(0)
        while chunk := fh.read(_READ_SIZE):
            hasher.update(chunk)
        tree.sha256 = hasher.hexdigest()
    fh.seek(0)
    try:
        zf = zipfile.ZipFile(fh)
    except (*_ZIP_ERRORS, OSError) as exc:
        report.archive(f"not a readable zip archive ({exc})")
    with zf:
        infos = zf.infolist()
        if not infos:
            report.archive("the zip archive has no members")
        if len(infos) > tree.max_members:
            report.member(
                infos[tree.max_members].filename,
                f"exceeds the cap of {tree.max_members} archive members",
            )
        for info in infos:  # every declared size, before writing anything
            tree.reserve(info.filename, info.file_size)
        # Every member passes the rules (directories and symlinks made) before any file is
        # written; then the files are inflated, hashed and written by a few threads (zlib,
        # hashlib and os.write release the GIL), each member independent in a zip.
        jobs = [job for info in infos if (job := _zip_member(zf, info, tree, report))]
        _zip_write_all(zf, jobs, tree, report, progress)


# A file to write: the member, its full path, permissions, and whether to hash it.
_ZipJob = tuple[zipfile.ZipInfo, str, int, bool]


def _zip_write_all(
    zf: zipfile.ZipFile,
    jobs: list[_ZipJob],
    tree: _Tree,
    report: Reporter,
    progress: Progress | None = None,
) -> None:
    """Write the checked files with a few threads, each taking batches of ~1 MiB of members
    (one future per batch, not per file: a Go tree is ~10,000 mostly small files).
    `progress` hears (bytes written, bytes to write) once per batch."""
    if not jobs:
        return
    batches: list[list[_ZipJob]] = [[]]
    size = 0
    for job in jobs:
        if size >= _CHUNK_SIZE:
            batches.append([])
            size = 0
        batches[-1].append(job)
        size += job[0].file_size
    total = sum(job[0].file_size for job in jobs)
    written = 0

    def write(batch: list[_ZipJob]) -> list[tuple[str, str | None, int]]:
        return [_zip_write(zf, job, tree, report) for job in batch]

    def advance(items: list[tuple[str, str | None, int]]) -> None:
        nonlocal written
        written += sum(item[2] for item in items)
        if progress is not None:
            progress(written, total)

    if _ZIP_WORKERS <= 1 or len(batches) == 1:
        done = []
        for batch in batches:
            items = write(batch)
            advance(items)
            done.extend(items)
    else:
        with ThreadPoolExecutor(_ZIP_WORKERS, thread_name_prefix="gover-unzip") as pool:
            futures = [pool.submit(write, batch) for batch in batches]
            done = []
            try:
                for future in futures:  # the first failure in archive order is the one named
                    items = future.result()
                    advance(items)
                    done.extend(items)
            except BaseException:
                for future in futures:
                    future.cancel()
                raise
    for raw, digest, written in done:
        tree.written += written
        if digest is not None:
            tree.entries.append((raw, digest))


def _zip_member(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, tree: _Tree, report: Reporter
) -> _ZipJob | None:
    """Check one member; make it if it is a directory or symlink, else return the file job."""
    raw = info.filename
    tree.count_member(raw)
    rel = tree.rel_path(raw)
    if tree.module:
        rel = _module_rel(rel)
    if info.flag_bits & 0x1:
        report.member(raw, "is encrypted")
    unix_mode = info.external_attr >> 16 if info.create_system == 3 else 0
    ftype = stat.S_IFMT(unix_mode)
    if ftype in MODE_TYPE_NAMES:
        report.member(raw, f"is {MODE_TYPE_NAMES[ftype]} {ONLY}")
    ti = tarfile.TarInfo(raw)  # for tarfile's data filter, like a tar member
    ti.mode = stat.S_IMODE(unix_mode) or 0o644
    if info.is_dir() or ftype == stat.S_IFDIR:
        if info.file_size:
            report.member(raw, "is a directory carrying data")
        ti.type = tarfile.DIRTYPE
        tree.add_dir(rel, raw, ti)
        if tree.module:  # dirhash.HashZip hashes every entry: a directory reads as empty
            tree.entries.append((raw, _EMPTY_SHA256))
        return None
    if ftype == stat.S_IFLNK and tree.module:
        report.member(raw, "is a symlink (a module zip holds only files and directories)")
    if ftype == stat.S_IFLNK:
        if info.file_size > MAX_SYMLINK_TARGET:
            report.member(raw, "is a symlink with an overlong target")
        ti.type = tarfile.SYMTYPE
        ti.linkname = _zip_read(zf, info, report).decode("utf-8", "surrogateescape")
        tree.add_symlink(rel, raw, ti)
        return None
    if ftype not in (0, stat.S_IFREG):
        report.member(raw, f"has an unknown file type {oct(ftype)} {ONLY}")
    ti.type = tarfile.REGTYPE
    ti.size = info.file_size
    path, perm = tree.add_file(rel, raw, ti)
    if tree.module and rel.startswith(_MODULE_EXEC_DIRS):
        perm = 0o755
    return info, path, perm, tree.module


def _zip_write(
    zf: zipfile.ZipFile, job: _ZipJob, tree: _Tree, report: Reporter
) -> tuple[str, str | None, int]:
    """Create and fill one checked file: (member name, SHA-256 hex or None, bytes written)."""
    info, path, perm, hashing = job
    raw = info.filename
    hasher = hashlib.sha256() if hashing else None
    try:
        try:
            fd = os.open(path, _OPEN_FLAGS, perm)
        except FileExistsError:
            tree.collision(raw)
        try:
            if _HAS_FCHMOD:
                os.fchmod(fd, perm)
            written = _zip_copy(zf, info, fd, report, hasher)
            if _UTIME_FD:
                mtime = _zip_mtime(info)
                os.utime(fd, (mtime, mtime))
        finally:
            os.close(fd)
    except OSError as exc:
        raise InstallError(
            f"{report.label}: cannot extract member '{show(raw)}' into {tree.dest}: "
            f"{io_reason(exc)}",
            hint="check free space and permissions, then retry",
        ) from exc
    if written != info.file_size:
        report.member(raw, f"holds {written} bytes but declares {info.file_size}")
    return raw, None if hasher is None else hasher.hexdigest(), written


def _zip_mtime(info: zipfile.ZipInfo) -> float:
    try:
        return time.mktime((*info.date_time, 0, 0, -1))
    except (OverflowError, ValueError):
        return 0.0


def _zip_read(zf: zipfile.ZipFile, info: zipfile.ZipInfo, report: Reporter) -> bytes:
    try:
        with zf.open(info) as src:
            data = src.read(MAX_SYMLINK_TARGET + 1)
    except (*_ZIP_ERRORS, OSError) as exc:
        report.member(info.filename, f"is corrupt ({exc})")
    if len(data) > MAX_SYMLINK_TARGET:
        report.member(info.filename, "is a symlink with an overlong target")
    return data


def _zip_copy(
    zf: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    fd: int,
    report: Reporter,
    hasher: hashlib._Hash | None = None,
) -> int:
    """Copy one member, counting real bytes: a header that lies cannot bust the cap (every
    declared size was counted against it before writing); hashing them when `hasher` is given.

    The member's bytes are read with pread() at its offset (no shared file position, so the
    writer threads never wait on each other), inflated in one call by the best backend
    (ISA-L: ~2.5x zlib) bounded by the declared size, and checked against the CRC-32, as
    zipfile would."""
    data = _zip_member_bytes(zf, info, report)
    if hasher is not None:
        hasher.update(data)
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
    return len(data)


_LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # signature ... name length, extra length


def _zip_member_bytes(zf: zipfile.ZipFile, info: zipfile.ZipInfo, report: Reporter) -> bytes:
    raw_name = info.filename
    assert zf.fp is not None
    src = zf.fp.fileno()
    try:
        head = os.pread(src, _LOCAL_HEADER.size, info.header_offset)
        if len(head) != _LOCAL_HEADER.size:
            raise zipfile.BadZipFile("truncated local header")
        fields = _LOCAL_HEADER.unpack(head)
        if fields[0] != b"PK\x03\x04":
            raise zipfile.BadZipFile("bad local header signature")
        name_len, extra_len = fields[9], fields[10]
        encoding = "utf-8" if info.flag_bits & 0x800 else "cp437"
        name = os.pread(src, name_len, info.header_offset + _LOCAL_HEADER.size)
        if name != info.orig_filename.encode(encoding, "surrogateescape"):
            raise zipfile.BadZipFile("local header names another file than the directory")
        start = info.header_offset + _LOCAL_HEADER.size + name_len + extra_len
        packed = os.pread(src, info.compress_size, start)
        if len(packed) != info.compress_size:
            raise zipfile.BadZipFile("member data cut short")
        if info.compress_type == zipfile.ZIP_STORED:
            data = packed
        elif info.compress_type == zipfile.ZIP_DEFLATED:
            inflater = _backend.decompressobj(-15)
            data = inflater.decompress(packed, info.file_size + 1)
        else:
            raise zipfile.BadZipFile(f"compression method {info.compress_type} is not deflate")
    except (*_ZIP_ERRORS, _backend.error, OSError, UnicodeError) as exc:
        report.member(raw_name, f"is corrupt ({exc})")
    if len(data) > info.file_size:
        report.member(raw_name, f"unpacks to more bytes than it declares ({info.file_size})")
    if zlib.crc32(data) != info.CRC:
        report.member(raw_name, "is corrupt (CRC-32 mismatch)")
    return data


# --------------------------------------------------------------------------- entry


def _sniff(fd: int, report: Reporter) -> str:
    """The archive kind from its first bytes: go.dev serves .tar.gz, and .zip for Windows."""
    try:
        head = _read_at(fd, 512, 0)
    except OSError as exc:
        report.archive(f"cannot be read ({io_reason(exc)})")
    if not head:
        report.archive("the file is empty (0 bytes), not a Go archive")
    if head.startswith(b"\x1f\x8b"):
        return "tar.gz"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    text = head.lstrip().lower()
    if text.startswith((b"<!doctype html", b"<html", b"<?xml", b"<head", b"<body", b"<!--")):
        report.archive("the file is an HTML or XML page, not a Go archive (a proxy or error page?)")
    report.archive("the file is neither a .tar.gz nor a .zip archive")


def extract(
    archive: Path | BinaryIO,
    dest: Path,
    *,
    name: str | None = None,
    max_members: int = MAX_ARCHIVE_MEMBERS,
    max_bytes: int = MAX_UNPACKED_BYTES,
    max_depth: int = MAX_ARCHIVE_DEPTH,
    module: str | None = None,
    hash_files: bool = False,
    progress: Progress | None = None,
) -> ExtractStats:
    """Unpack the Go distribution `archive` into the empty directory `dest`, minus `go/`.

    With `hash_files`, a .tar.gz's regular files are hashed as they are written
    (`stats.file_hashes`).

    `progress(done, total)`, for a bar, is called once per MiB: a .tar.gz's compressed
    bytes read of its size (from the inflating thread), a .zip's file bytes written.

    With `module` (`golang.org/toolchain@v0.0.1-go1.22.10.linux-amd64`) it must be that
    module's zip, as a module proxy serves it: one root `<module>/` stripped instead of `go/`,
    no symlinks, each `_go.mod` written as `go.mod`, the files of bin/ and pkg/tool/ made
    executable (as cmd/go does), and every member's SHA-256 returned in `stats.entries` (read
    while extracting) for the checksum database's proof. The same safety rules and caps apply.

    `archive` is a path (opened here: a regular file only, never a FIFO) or an open binary
    file, read through its descriptor without moving its position (`name` labels errors).
    Raises ArchiveError (one line naming the archive and the member) for anything
    unsafe or corrupt, InstallError when writing fails (disk full, permissions).
    After an error `dest` may hold a partial tree: the caller owns it and deletes it.
    Nothing is written outside `dest`.
    """
    if isinstance(archive, str | os.PathLike):
        path = Path(archive)
        report = Reporter(name or path.name)
        try:
            fd = open_regular(path)
        except OSError as exc:
            report.archive(f"cannot be read ({io_reason(exc)})")
        with os.fdopen(fd, "rb") as fh:
            return _extract(
                fh, dest, report, max_members, max_bytes, max_depth, module, hash_files, progress
            )
    label = name or os.path.basename(str(getattr(archive, "name", "archive")))
    return _extract(
        archive,
        dest,
        Reporter(label),
        max_members,
        max_bytes,
        max_depth,
        module,
        hash_files,
        progress,
    )


def _extract(
    fh: BinaryIO,
    dest: Path,
    report: Reporter,
    max_members: int,
    max_bytes: int,
    max_depth: int,
    module: str | None = None,
    hash_files: bool = False,
    progress: Progress | None = None,
) -> ExtractStats:
    fd = fh.fileno()
    kind = _sniff(fd, report)
    if module is not None and kind != "zip":
        report.archive("is not a zip file (a module proxy serves the toolchain as a .zip)")
    try:
        with os.scandir(dest) as it:
            if next(it, None) is not None:
                raise InstallError(f"staging directory {dest} is not empty")
    except OSError as exc:
        raise io_error("use staging directory", dest, exc, kind=InstallError) from None
    tree = _Tree(report, dest, max_members, max_bytes, max_depth, module or ARCHIVE_ROOT)
    tree.module = module is not None
    tree.entries = []
    tree.hash_files = hash_files and kind != "zip"
    tree.file_hashes = []
    try:
        if kind == "zip":
            _extract_zip(fh, tree, report, progress)
        else:
            _extract_tar(fd, tree, report, progress)
    except OSError as exc:
        raise InstallError(
            f"{report.label}: cannot extract member '{show(tree.current)}' into {dest}: "
            f"{io_reason(exc)}",
            hint="check free space and permissions, then retry",
        ) from exc
    return tree.stats()
