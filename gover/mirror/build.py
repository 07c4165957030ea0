"""`gover mirror build` and `gover mirror sync`: fetch verified archives into a mirror tree.

Two phases, so a tree being served never shows a failure:
1. Obtain every wanted archive into the tree's staging directory, in parallel (`jobs`
   threads, one connection each), each proven like an install proves it: the index SHA-256
   while streaming (and the size), the upstream `.sha256` sidecar agreeing, the `.asc`
   signature under the gpg policy.
2. Only when every one of them passed: rename each into place (sidecars first, then the
   archive), then write index.json, atomically, last.
A failure in phase 1 changes nothing visible: the index and the served files stay as they
were, and what was verified or partly downloaded stays staged for the next run to resume.

A file the tree's index already names with upstream's SHA-256 and size (a regular file of
that size, with its `.sha256`) is kept without being read again: a cron run downloads and
hashes nothing. `gover mirror verify` is the full re-check. A file that is present but not
named (a run killed between the renames and the index) is re-hashed, and kept if right.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from collections.abc import Iterable
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from gover import output
from gover.config import Config
from gover.constants import CHECKSUM_SUFFIX, MAX_SIGNATURE_BYTES, PARTIAL_SUFFIX, SIGNATURE_SUFFIX
from gover.errors import IndexError_, NetworkError, UsageError, VerificationError, io_error
from gover.fsutil import create_exclusive
from gover.mirror.tree import Entry, Tree
from gover.platform import Platform, host
from gover.results.mirror import BuildResult, MirrorFile
from gover.toolchain import index as index_mod
from gover.toolchain import sources
from gover.toolchain.index import Release
from gover.toolchain.trust import checksum
from gover.versions import VersionRequest

_PLATFORM = re.compile(r"[a-z0-9]+/[a-z0-9]+")
MAX_JOBS = 32


# --------------------------------------------------------------------------- choosing


def parse_platforms(texts: Iterable[str]) -> list[Platform] | None:
    """`GOOS/GOARCH` values (default: the host); None means `all`."""
    given = [t.strip() for t in texts]
    if not given:
        return [host()]
    if "all" in given:
        return None
    plats: list[Platform] = []
    for text in given:
        if not _PLATFORM.fullmatch(text):
            raise UsageError(
                f"--platform {text!r} is not GOOS/GOARCH", "e.g. --platform linux/amd64, or all"
            )
        goos, goarch = text.split("/")
        if Platform(goos, goarch) not in plats:
            plats.append(Platform(goos, goarch))
    return plats


def choose(
    releases: list[Release], versions: Iterable[str], platforms: list[Platform] | None
) -> list[Entry]:
    """The archive of each requested release for each platform (every archive for `all`)."""
    wanted: dict[str, Entry] = {}
    for text in versions:
        release = index_mod.find_release(releases, VersionRequest.parse(text))
        if platforms is None:
            files = [f for f in release.files if f.kind == "archive"]
            if not files:
                raise IndexError_(f"go{release.version} has no archives in the index")
        else:
            files = [index_mod.select_archive(release, p) for p in platforms]
        for f in files:
            wanted.setdefault(f.filename, Entry(release.version, release.stable, f))
    return list(wanted.values())


def check_jobs(jobs: int) -> int:
    if not 1 <= jobs <= MAX_JOBS:
        raise UsageError(f"--jobs {jobs}: give 1 to {MAX_JOBS} parallel downloads")
    return jobs


# --------------------------------------------------------------------------- phase 1


@dataclass
class _Staged:
    """One archive ready to go into place: staged files in the order they are renamed."""

    entry: Entry
    status: str  # "downloaded", "kept" or "checked" (present but unnamed, re-hashed)
    moves: list[tuple[Path, str]] = field(default_factory=list)
    source: str = ""
    signer: str = ""


def _signature_policy(cfg: Config, name: str) -> str:
    """install's policy, except that an unsigned kind of file (a Windows .zip) is simply
    not signature-checked even under gpg = require: Go publishes no .asc for it, and the
    mirror serves clients who apply their own policy."""
    from gover.toolchain.trust import openpgp

    if not openpgp.is_signed_artifact(name):
        return "skip"
    return openpgp.signature_policy(cfg, name)


def _open_if_right(path: Path, entry: Entry) -> BinaryIO | None:
    """The file, open, if its bytes are the entry's (a symlink or FIFO there: None, so it is
    downloaded and the rename replaces the link)."""
    return checksum.open_if_hashes_to(path, entry.file.sha256, entry.file.size)


def _stage_bytes(path: Path, data: bytes) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    try:
        fd = create_exclusive(path, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
    except OSError as exc:
        raise io_error("write", path, exc, "check free space in the tree") from None


class _Builder:
    def __init__(self, tree: Tree, cfg: Config, named: dict[str, Entry], show: bool) -> None:
        self.tree = tree
        self.cfg = cfg
        self.named = named
        self.show = show
        self.bars: _Bars | None = None

    def kept(self, entry: Entry) -> bool:
        """Named by the tree's index with upstream's hash and size, present with that size
        and with its .sha256: nothing to do (not re-hashed; `mirror verify` does that)."""
        f = entry.file
        had = self.named.get(f.filename)
        return (
            had is not None
            and had.file.sha256 == f.sha256
            and had.file.size == f.size
            and self.tree.size_of(f.filename) == f.size
            and self.tree.kind_of(f.filename + CHECKSUM_SUFFIX) is None
        )

    def obtain(self, entry: Entry) -> _Staged:
        if self.kept(entry):
            return _Staged(entry, "kept")
        name = entry.file.filename
        staged = self.tree.staged(name)
        status, srcs = "checked", sources.download_sources(self.cfg)
        fh = _open_if_right(self.tree.path(name), entry)
        moves: list[tuple[Path, str]] = []
        if fh is None:
            fh = _open_if_right(staged, entry)  # verified by an earlier failed run
            if fh is None:
                fh, src = self._download(entry)
                srcs, status = [src], "downloaded"
            moves.append((staged, name))
        with fh:
            source, asc, signer = self._sidecars(entry, fh, srcs)
        sidecar_moves = [(self.tree.staged(name + CHECKSUM_SUFFIX), name + CHECKSUM_SUFFIX)]
        _stage_bytes(sidecar_moves[0][0], entry.file.sha256.encode())
        if asc is not None:
            sidecar_moves.append(
                (self.tree.staged(name + SIGNATURE_SUFFIX), name + SIGNATURE_SUFFIX)
            )
            _stage_bytes(sidecar_moves[1][0], asc)
        return _Staged(entry, status, sidecar_moves + moves, source, signer)

    def _download(self, entry: Entry) -> tuple[BinaryIO, sources.Source]:
        f = entry.file
        staged = self.tree.staged(f.filename)
        bar = self.bars.start(f.filename, f.size, staged) if self.bars else None
        try:
            got, src = sources.fetch_archive(
                self.cfg, f.filename, staged, sha256=f.sha256, size=f.size, progress=False
            )
        finally:
            if bar is not None and self.bars is not None:
                self.bars.finish(bar)
        return got.file, src

    def _sidecars(
        self, entry: Entry, fh: BinaryIO, srcs: list[sources.Source]
    ) -> tuple[str, bytes | None, str]:
        """Check the upstream .sha256 and .asc of the first source that answers; return its
        archive URL, the signature bytes (None when none is published) and the signer."""
        from gover.toolchain import download

        name, sha = entry.file.filename, entry.file.sha256
        last: NetworkError | None = None
        for src in srcs:
            url = src.archive_url(name)
            try:
                checksum.check_sidecar(self.cfg, url, sha)
                try:
                    asc: bytes | None = download.fetch_bytes(
                        url + SIGNATURE_SUFFIX, self.cfg, max_bytes=MAX_SIGNATURE_BYTES
                    ).content
                except download.NotFoundError:
                    asc = None
            except NetworkError as exc:  # this source is down: its sidecars from the next
                last = exc
                continue
            return url, asc, self._signature(entry, fh, url, asc)
        assert last is not None
        raise last

    def _signature(self, entry: Entry, fh: BinaryIO, url: str, asc: bytes | None) -> str:
        from gover.toolchain import download
        from gover.toolchain.trust import openpgp

        name = entry.file.filename
        policy = _signature_policy(self.cfg, name)
        sig_url = url + SIGNATURE_SUFFIX
        if asc is None:
            if policy == "require":
                raise VerificationError(
                    f"{sig_url}: signature not found (404) and gpg = require",
                    "build from a source that serves .asc files, or set gpg = auto",
                )
            if policy == "verify":
                output.warn(f"{sig_url}: no signature published; checked the SHA-256 only")
            return "unsigned"
        if policy == "skip":
            return "unsigned"
        return openpgp.verify_with_refresh(
            self.cfg,
            fh,
            asc,
            sig_url,
            lambda u: download.fetch_bytes(u, self.cfg, retries=1).content,
            name=name,
            sha256=entry.file.sha256,
        )


class _Bars:
    """On a terminal: one progress bar per download, fed by the size of its `.partial`
    (download.fetch streams into it; polling keeps the downloads free of UI calls)."""

    def __init__(self, display: output.MultiProgress) -> None:
        self.display = display
        self.active: dict[int, Path] = {}
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._poll, daemon=True)

    def __enter__(self) -> _Bars:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()

    def start(self, name: str, total: int, dest: Path) -> int:
        task = self.display.add(name, total)
        with self.lock:
            self.active[task] = dest.with_name(dest.name + PARTIAL_SUFFIX)
        return task

    def finish(self, task: int) -> None:
        with self.lock:
            self.active.pop(task, None)
        self.display.complete(task)

    def _poll(self) -> None:
        while not self.stop.wait(0.2):
            with self.lock:
                items = list(self.active.items())
            for task, partial in items:
                with contextlib.suppress(OSError):
                    self.display.update(task, os.lstat(partial).st_size)


def _run_all(builder: _Builder, wanted: list[Entry], jobs: int) -> list[_Staged]:
    """Phase 1 over every wanted archive, `jobs` at a time. On the first failure the files
    not started are cancelled; the error reported is a verification failure if any (exit 3),
    else the first one."""
    done: list[_Staged] = []
    errors: list[BaseException] = []
    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="mirror") as pool:
        futures: dict[Future[_Staged], Entry] = {pool.submit(builder.obtain, e): e for e in wanted}
        pending = set(futures)
        while pending:
            finished, pending = wait(pending, return_when=FIRST_EXCEPTION)
            for fut in finished:
                exc = fut.exception()
                if exc is not None:
                    errors.append(exc)
                    continue
                staged = fut.result()
                done.append(staged)
                if not builder.show:
                    output.status(_status_line(staged))
            if errors:
                for fut in pending:
                    fut.cancel()
    if errors:
        first = next((e for e in errors if isinstance(e, VerificationError)), errors[0])
        raise first
    order = {e.file.filename: i for i, e in enumerate(wanted)}
    return sorted(done, key=lambda s: order[s.entry.file.filename])


def _status_line(s: _Staged) -> str:
    """Said as each file is ready (not yet in place: that waits for every file)."""
    f = s.entry.file
    if s.status == "kept":
        return f"{f.filename}: kept (already in the tree)"
    signed = "" if s.signer in ("", "unsigned") else f", signature by {s.signer}"
    how = "downloaded from " + s.source if s.status == "downloaded" else "found in the tree"
    return f"{f.filename}: verified ({how}, SHA-256 ok{signed})"


# --------------------------------------------------------------------------- phase 2


def _commit(tree: Tree, staged: list[_Staged], named: list[Entry]) -> list[Entry]:
    """Rename everything into place (sidecars before their archive), then write the index
    naming what was there plus what came in; return those entries."""
    for s in staged:
        for path, name in s.moves:
            tree.place(path, name)
    tree.sync_dir()
    entries = {e.file.filename: e for e in named}
    for s in staged:
        entries[s.entry.file.filename] = s.entry
    final = list(entries.values())
    tree.write_index(final)
    return final


def _present(tree: Tree, named: list[Entry]) -> list[Entry]:
    """The index's entries whose archive is really there (the index names exactly what the
    tree holds); each one dropped is said."""
    kept = []
    for e in named:
        problem = tree.kind_of(e.file.filename)
        if problem is None:
            kept.append(e)
        else:
            output.warn(f"{tree.path(e.file.filename)}: {problem}; dropped from {tree.index_path}")
    return kept


def _fetch_into(
    tree: Tree, cfg: Config, wanted: list[Entry], jobs: int, named: list[Entry]
) -> tuple[list[_Staged], list[Entry]]:
    tree.create()
    show = output.stderr_is_tty()
    builder = _Builder(tree, cfg, {e.file.filename: e for e in named}, show)
    if any(_signature_policy(cfg, e.file.filename) != "skip" for e in wanted):
        from gover.toolchain.trust import openpgp

        openpgp.Keyring(cfg).trusted()  # import the keys once, before the threads share them
    if show:
        with output.MultiProgress(enabled=True) as display, _Bars(display) as bars:
            builder.bars = bars
            staged = _run_all(builder, wanted, jobs)
    else:
        staged = _run_all(builder, wanted, jobs)
    final = _commit(tree, staged, _present(tree, named))
    tree.clean_staging(())
    return staged, final


def _files(staged: list[_Staged]) -> tuple[MirrorFile, ...]:
    return tuple(
        MirrorFile(
            filename=s.entry.file.filename,
            version=s.entry.version.name,
            os=s.entry.file.os,
            arch=s.entry.file.arch,
            size=s.entry.file.size,
            sha256=s.entry.file.sha256,
            status=s.status,
            source=s.source,
            signer=s.signer,
        )
        for s in staged
    )


def _load(cfg: Config) -> sources.LoadedIndex:
    # Always revalidated: a mirror run exists to pick up what is new upstream.
    return sources.load_index(cfg, refresh=True)


def build(
    root: Path,
    cfg: Config,
    *,
    versions: list[str],
    platforms: list[str],
    jobs: int = 4,
) -> BuildResult:
    if not versions:
        raise UsageError("give at least one --version", "e.g. --version 1.22 --version latest")
    plats = parse_platforms(platforms)
    check_jobs(jobs)
    tree = Tree(root)
    tree.create()
    with tree.lock():
        named = tree.read_index()
        loaded = _load(cfg)
        wanted = choose(loaded.releases, versions, plats)
        staged, final = _fetch_into(tree, cfg, wanted, jobs, named)
    return BuildResult(str(tree.root), loaded.url, _files(staged), (), len(final))


# --------------------------------------------------------------------------- sync


def newest_patches(releases: list[Release], named: list[Entry]) -> list[Entry]:
    """For each (minor, platform) the tree holds an archive of, upstream's newest stable
    patch release's archive for that platform."""
    keys = sorted(
        {(e.version.series, e.file.os, e.file.arch) for e in named if e.file.kind == "archive"},
        key=str,
    )
    found: list[Entry] = []
    for (major, minor), goos, goarch in keys:
        if minor is None:
            continue
        request = VersionRequest.parse(f"{major}.{minor}")
        plat = Platform(goos, goarch)
        have = {r.version: r for r in releases if r.archive_for(plat) is not None}
        best = request.pick(list(have))
        if best is not None:
            art = have[best].archive_for(plat)
            assert art is not None
            found.append(Entry(best, have[best].stable, art))
    return found


def pruned(entries: list[Entry], keep: int) -> list[Entry]:
    """The entries beyond the newest `keep` versions of each (minor, platform)."""
    groups: dict[tuple[object, str, str], list[Entry]] = {}
    for e in entries:
        groups.setdefault((e.version.series, e.file.os, e.file.arch), []).append(e)
    out: list[Entry] = []
    for group in groups.values():
        group.sort(key=lambda e: e.version, reverse=True)
        out.extend(group[keep:])
    return out


def sync(root: Path, cfg: Config, *, prune: int | None = None, jobs: int = 4) -> BuildResult:
    if prune is not None and prune < 1:
        raise UsageError(f"--prune {prune}: keep at least 1 patch per minor")
    check_jobs(jobs)
    tree = Tree(root)
    tree.read_index(required=True)  # refuse a directory that is not a tree before locking it
    with tree.lock():
        named = tree.read_index(required=True)
        loaded = _load(cfg)
        wanted = newest_patches(loaded.releases, named)
        staged, final = _fetch_into(tree, cfg, wanted, jobs, named)
        removed: list[Entry] = []
        if prune is not None:
            removed = pruned(final, prune)
            gone = {e.file.filename for e in removed}
            final = [e for e in final if e.file.filename not in gone]
            tree.write_index(final)  # the index stops naming them first...
            for e in removed:
                tree.remove(e.file.filename)  # ...then the files go
    return BuildResult(
        str(tree.root),
        loaded.url,
        _files(staged),
        tuple(e.file.filename for e in removed),
        len(final),
    )
