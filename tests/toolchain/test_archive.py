"""gover.toolchain.archive.extract.extract: real Go archives, and every hostile archive we can craft.

Each rejection must be an ArchiveError (exit code 3) on one line naming the archive
file and the member, and nothing outside the staging dir may change.
"""

from __future__ import annotations

import errno
import filecmp
import gzip
import hashlib
import io
import os
import shutil
import stat
import struct
import subprocess
import tarfile
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from gover.errors import ArchiveError, InstallError, VerificationError
from gover.toolchain.archive import extract as archive
from gover.toolchain.archive import rules
from gover.toolchain.archive.extract import ExtractStats, extract
from tests.support import goarchives

Entry = tuple[tarfile.TarInfo, bytes | None]


# --------------------------------------------------------------------------- builders


def f(name: str, data: bytes = b"", mode: int = 0o644, mtime: int = 1_600_000_000) -> Entry:
    ti = tarfile.TarInfo(name)
    ti.size = len(data)
    ti.mode = mode
    ti.mtime = mtime
    return ti, data


def d(name: str, mode: int = 0o755) -> Entry:
    ti = tarfile.TarInfo(name)
    ti.type = tarfile.DIRTYPE
    ti.mode = mode
    return ti, None


def sym(name: str, target: str) -> Entry:
    ti = tarfile.TarInfo(name)
    ti.type = tarfile.SYMTYPE
    ti.linkname = target
    ti.mode = 0o777
    return ti, None


def hard(name: str, target: str) -> Entry:
    ti = tarfile.TarInfo(name)
    ti.type = tarfile.LNKTYPE
    ti.linkname = target
    return ti, None


def special(name: str, kind: bytes) -> Entry:
    ti = tarfile.TarInfo(name)
    ti.type = kind
    ti.devmajor, ti.devminor = 1, 3
    return ti, None


def tar_bytes(entries: list[Entry], fmt: int = tarfile.PAX_FORMAT) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as tf:
        for ti, data in entries:
            tf.addfile(ti, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


def write_tgz(path: Path, entries: list[Entry], fmt: int = tarfile.PAX_FORMAT) -> Path:
    path.write_bytes(gzip.compress(tar_bytes(entries, fmt), mtime=0))
    return path


def zentry(
    name: str, data: bytes = b"", mode: int = 0o644, ftype: int = stat.S_IFREG
) -> tuple[zipfile.ZipInfo, bytes]:
    zi = zipfile.ZipInfo(name, date_time=(2024, 1, 2, 3, 4, 6))
    zi.create_system = 3
    zi.external_attr = (ftype | mode) << 16
    if ftype == stat.S_IFDIR:
        zi.external_attr |= 0x10
    zi.compress_type = zipfile.ZIP_DEFLATED
    return zi, data


def write_zip(path: Path, entries: list[tuple[zipfile.ZipInfo, bytes]]) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are the point of some tests
        with zipfile.ZipFile(path, "w") as zf:
            for zi, data in entries:
                zf.writestr(zi, data)
    return path


GOOD_TREE: list[Entry] = [
    d("go"),
    f("go/VERSION", b"go1.99.1\ntime 2024-01-01T00:00:00Z\n"),
    d("go/bin"),
    f("go/bin/go", b"\x7fELF go binary", mode=0o755),
    f("go/bin/gofmt", b"\x7fELF gofmt", mode=0o755),
    d("go/src"),
    d("go/src/fmt"),
    f("go/src/fmt/print.go", b"package fmt\n" * 100),
    f("go/src/fmt/empty.go", b""),
    d("go/pkg"),
    d("go/pkg/tool"),
]


# --------------------------------------------------------------------------- fixtures


@dataclass
class Layout:
    root: Path
    dest: Path
    outside: Path

    def snapshot(self) -> dict[str, tuple[object, ...]]:
        """Everything under root except dest: type, mode, size, content or link target."""
        seen: dict[str, tuple[object, ...]] = {}
        for dirpath, dirnames, filenames in os.walk(self.root):
            here = Path(dirpath)
            if here == self.dest:
                dirnames[:] = []
                continue
            for name in dirnames + filenames:
                p = here / name
                st = p.lstat()
                if stat.S_ISLNK(st.st_mode):
                    info: tuple[object, ...] = ("link", os.readlink(p))
                elif stat.S_ISREG(st.st_mode):
                    info = ("file", st.st_mode, p.read_bytes())
                else:
                    info = ("other", st.st_mode)
                seen[str(p.relative_to(self.root))] = info
        return seen


@pytest.fixture
def layout(tmp_path: Path) -> Layout:
    """root/outside/sentinel (what hostile archives aim at) and the empty root/stage/dest."""
    root = tmp_path / "t"
    outside = root / "outside"
    outside.mkdir(parents=True)
    (outside / "sentinel").write_text("untouched")
    dest = root / "stage" / "dest"
    dest.mkdir(parents=True)
    return Layout(root, dest, outside)


VARIANTS = ["auto", "thread-zlib", "inline-zlib"]


@pytest.fixture(params=VARIANTS)
def variant(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The tar path with the writer threaded or inline, and each gzip backend."""
    name: str = request.param
    mode, _, backend = name.partition("-")
    monkeypatch.setattr(archive, "_WRITER_MODE", mode)
    if backend == "zlib":
        monkeypatch.setattr(archive, "_backend", archive._zlib_backend())
    return name


@pytest.fixture
def tiny_buffers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Odd, tiny chunk and batch sizes, so every boundary case in the stream code runs."""
    monkeypatch.setattr(archive, "_READ_SIZE", 333)
    monkeypatch.setattr(archive, "_CHUNK_SIZE", 4096 + 7)
    monkeypatch.setattr(archive, "_PUMP_DEPTH", 2)
    monkeypatch.setattr(archive, "_BATCH_BYTES", 10_000)
    monkeypatch.setattr(archive, "_BATCH_FILES", 3)
    monkeypatch.setattr(archive, "_WRITER_DEPTH", 2)


def rejected(
    arc: Path, lay: Layout, member: str | None, fragment: str, **caps: int
) -> ArchiveError:
    """Extract `arc`, expecting a one-line ArchiveError about `member`, and no harm done."""
    before = lay.snapshot()
    with pytest.raises(ArchiveError) as info:
        extract(arc, lay.dest, **caps)
    err = info.value
    msg = str(err)
    assert isinstance(err, VerificationError)
    assert err.exit_code == 3
    assert "\n" not in msg and "\r" not in msg, msg
    assert msg.startswith(f"{arc.name}: "), msg
    if member is not None:
        assert f"member '{member}'" in msg, msg
    assert fragment in msg, msg
    assert msg.endswith("the archive was rejected (nothing installed)"), msg
    assert lay.snapshot() == before
    assert (lay.outside / "sentinel").read_text() == "untouched"
    assert sorted(p.name for p in lay.root.iterdir()) == sorted(["outside", "stage", arc.name])
    assert [p.name for p in lay.dest.parent.iterdir()] == ["dest"]
    return err


def tree_of(root: Path) -> dict[str, tuple[str, int, bytes | str]]:
    out: dict[str, tuple[str, int, bytes | str]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            st = p.lstat()
            rel = str(p.relative_to(root))
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("link", 0, os.readlink(p))
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = ("dir", stat.S_IMODE(st.st_mode), b"")
            else:
                out[rel] = ("file", stat.S_IMODE(st.st_mode), p.read_bytes())
    return out


# --------------------------------------------------------------------------- the real thing


@pytest.fixture(scope="module")
def real_archive() -> Path:
    return goarchives.archive_path("1.22.10")


def test_real_go_archive_extracts_and_runs(real_archive: Path, tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    dest.mkdir()
    stats = extract(real_archive, dest)

    assert (dest / "VERSION").read_text().startswith("go1.22.10")
    assert not (dest / "go").exists()  # the go/ root is stripped
    assert stat.S_IMODE((dest / "bin" / "go").stat().st_mode) == 0o755
    assert stat.S_IMODE((dest / "VERSION").stat().st_mode) == 0o644
    assert stats.files > 9000 and stats.dirs > 1000 and stats.bytes > 200_000_000
    env = {k: v for k, v in os.environ.items() if k != "GOROOT"}
    env["GOTOOLCHAIN"] = "local"
    out = subprocess.run(
        [str(dest / "bin" / "go"), "version"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        check=True,
        timeout=60,
    )
    assert "go1.22.10" in out.stdout

    # Byte for byte what tar -xzf makes (minus the go/ level), modes and all.
    by_tar = tmp_path / "by-tar"
    by_tar.mkdir()
    subprocess.run(["tar", "-xzf", str(real_archive), "-C", str(by_tar)], check=True)
    cmp = filecmp.dircmp(dest, by_tar / "go")
    stack = [cmp]
    files = 0
    while stack:
        c = stack.pop()
        assert not c.left_only and not c.right_only and not c.funny_files, c.left
        _, mismatch, errors = filecmp.cmpfiles(c.left, c.right, c.common_files, shallow=False)
        assert not mismatch and not errors, (c.left, mismatch, errors)
        for name in c.common_files:
            files += 1
            ours = os.lstat(os.path.join(c.left, name))
            theirs = os.lstat(os.path.join(c.right, name))
            assert stat.S_IMODE(ours.st_mode) == stat.S_IMODE(theirs.st_mode), name
            assert int(ours.st_mtime) == int(theirs.st_mtime), name
        stack.extend(c.subdirs.values())
    assert files == stats.files


# --------------------------------------------------------------------------- good archives


def test_good_tree(layout: Layout, variant: str) -> None:
    arc = write_tgz(layout.root / "go1.99.1.linux-amd64.tar.gz", GOOD_TREE)
    stats = extract(arc, layout.dest)
    size = sum(len(data) for _, data in GOOD_TREE if data is not None)
    sha = hashlib.sha256(arc.read_bytes()).hexdigest()
    assert stats == ExtractStats(members=11, files=5, dirs=5, symlinks=0, bytes=size, sha256=sha)
    tree = tree_of(layout.dest)
    assert tree == {
        "VERSION": ("file", 0o644, b"go1.99.1\ntime 2024-01-01T00:00:00Z\n"),
        "bin": ("dir", 0o755, b""),
        "bin/go": ("file", 0o755, b"\x7fELF go binary"),
        "bin/gofmt": ("file", 0o755, b"\x7fELF gofmt"),
        "src": ("dir", 0o755, b""),
        "src/fmt": ("dir", 0o755, b""),
        "src/fmt/print.go": ("file", 0o644, b"package fmt\n" * 100),
        "src/fmt/empty.go": ("file", 0o644, b""),
        "pkg": ("dir", 0o755, b""),
        "pkg/tool": ("dir", 0o755, b""),
    }
    assert (layout.dest / "bin" / "go").stat().st_mtime == 1_600_000_000


def test_no_directory_entries_at_all(layout: Layout, variant: str) -> None:
    entries = [e for e in GOOD_TREE if e[0].type != tarfile.DIRTYPE]
    arc = write_tgz(layout.root / "go.tar.gz", entries)
    stats = extract(arc, layout.dest)
    assert stats.members == 5 and stats.files == 5 and stats.dirs == 3
    assert (layout.dest / "src" / "fmt" / "print.go").read_bytes() == b"package fmt\n" * 100
    assert stat.S_IMODE((layout.dest / "src" / "fmt").stat().st_mode) == 0o755


@pytest.mark.parametrize("prefix", ["go/", "./go/", "go//"])
def test_root_entry_spellings(layout: Layout, prefix: str) -> None:
    arc = write_tgz(layout.root / "go.tgz", [d(prefix), f(prefix + "VERSION", b"v")])
    assert extract(arc, layout.dest).files == 1
    assert (layout.dest / "VERSION").read_bytes() == b"v"


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        (0o4755, 0o755),  # setuid
        (0o2755, 0o755),  # setgid
        (0o1755, 0o755),  # sticky
        (0o6777, 0o755),
        (0o777, 0o755),  # group/other write dropped
        (0o700, 0o755),
        (0o4644, 0o644),
        (0o600, 0o644),
        (0o000, 0o644),
        (0o011, 0o644),  # executable only by group/other: not executable (data filter)
    ],
)
def test_special_mode_bits_are_cleared(layout: Layout, mode: int, expected: int) -> None:
    arc = write_tgz(
        layout.root / "go.tgz", [d("go/bin", mode=0o7777), f("go/bin/x", b"#!", mode=mode)]
    )
    extract(arc, layout.dest)
    assert stat.S_IMODE((layout.dest / "bin" / "x").stat().st_mode) == expected
    assert stat.S_IMODE((layout.dest / "bin").stat().st_mode) == 0o755


def test_modes_do_not_depend_on_umask(layout: Layout) -> None:
    arc = write_tgz(layout.root / "go.tgz", GOOD_TREE)
    old = os.umask(0o077)
    try:
        extract(arc, layout.dest)
    finally:
        os.umask(old)
    assert stat.S_IMODE((layout.dest / "bin" / "go").stat().st_mode) == 0o755
    assert stat.S_IMODE((layout.dest / "VERSION").stat().st_mode) == 0o644
    assert stat.S_IMODE((layout.dest / "src" / "fmt").stat().st_mode) == 0o755


def test_symlinks_inside_the_tree(layout: Layout, variant: str) -> None:
    arc = write_tgz(
        layout.root / "go.tgz",
        [
            *GOOD_TREE,
            sym("go/bin/gofmt2", "gofmt"),
            sym("go/pkg/srclink", "../src"),
            sym("go/here", "."),
            sym("go/version2", "./bin/../VERSION"),
            sym("go/pkg/via", "../here/src/fmt"),
            sym("go/dangling", "not/there/yet"),
        ],
    )
    stats = extract(arc, layout.dest)
    assert stats.symlinks == 6
    assert os.readlink(layout.dest / "bin" / "gofmt2") == "gofmt"
    assert (layout.dest / "pkg" / "srclink" / "fmt" / "empty.go").exists()
    assert (layout.dest / "version2").read_text().startswith("go1.99.1")
    assert (layout.dest / "pkg" / "via" / "print.go").exists()
    assert os.readlink(layout.dest / "dangling") == "not/there/yet"


@pytest.mark.parametrize("fmt", [tarfile.PAX_FORMAT, tarfile.GNU_FORMAT, tarfile.USTAR_FORMAT])
def test_long_names(layout: Layout, fmt: int) -> None:
    deep = "go/" + "/".join(["d" * 40] * 5) + "/file.go"  # 200+ characters
    name = deep if fmt != tarfile.USTAR_FORMAT else "go/" + "d" * 90 + "/" + "f" * 60
    arc = write_tgz(layout.root / "go.tgz", [f(name, b"long")], fmt=fmt)
    extract(arc, layout.dest)
    assert (layout.dest / name[3:]).read_bytes() == b"long"


def test_stream_boundaries(layout: Layout, variant: str, tiny_buffers: None) -> None:
    """Files far larger than a chunk, and many small ones, through tiny buffers."""
    big = os.urandom(300_000)
    entries = [d("go"), f("go/big.bin", big, mode=0o755)]
    entries += [f(f"go/small/{i:03}.txt", os.urandom(i * 37)) for i in range(60)]
    entries.append(f("go/tail.bin", big[::-1]))
    arc = write_tgz(layout.root / "go.tgz", entries)
    stats = extract(arc, layout.dest)
    assert (layout.dest / "big.bin").read_bytes() == big
    assert (layout.dest / "tail.bin").read_bytes() == big[::-1]
    for i in range(60):
        assert (layout.dest / "small" / f"{i:03}.txt").stat().st_size == i * 37
    assert stats.bytes == 600_000 + sum(i * 37 for i in range(60))


def test_writer_moves_to_a_thread_when_writing_dominates(
    layout: Layout, monkeypatch: pytest.MonkeyPatch, tiny_buffers: None
) -> None:
    monkeypatch.setattr(archive, "_ADAPT_EVERY", 1)
    monkeypatch.setattr(archive, "_ADAPT_WRITE_SHARE", 0.0)
    started: list[bool] = []
    real_start = archive._Writer.start_thread

    def spy(self: archive._Writer) -> None:
        started.append(True)
        real_start(self)

    monkeypatch.setattr(archive._Writer, "start_thread", spy)
    entries = [f(f"go/f{i}", os.urandom(5000)) for i in range(20)]
    arc = write_tgz(layout.root / "go.tgz", entries)
    extract(arc, layout.dest)
    assert started == [True]
    for ti, data in entries:
        assert (layout.dest / ti.name[3:]).read_bytes() == data


def test_concatenated_gzip_members_and_zero_padding(layout: Layout, variant: str) -> None:
    raw = tar_bytes(GOOD_TREE)
    cut = 1536
    blob = gzip.compress(raw[:cut]) + gzip.compress(raw[cut:]) + b"\0" * 1000
    arc = layout.root / "go.tgz"
    arc.write_bytes(blob)
    assert extract(arc, layout.dest).files == 5


def test_detected_by_content_not_suffix(layout: Layout) -> None:
    arc = write_tgz(layout.root / "go1.99.1.windows-amd64.zip", GOOD_TREE)
    assert extract(arc, layout.dest).files == 5


# --------------------------------------------------------------------------- hostile tar


HOSTILE_TAR: list[tuple[str, list[Entry], str | None, str]] = [
    # Names.
    ("dotdot", [f("go/VERSION"), f("go/../evil")], "go/../evil", "escapes the archive root"),
    ("dotdot-first", [f("../outside/pwned")], "../outside/pwned", "escapes the archive root"),
    ("dotdot-deep", [f("go/a/../../x")], "go/a/../../x", "escapes the archive root"),
    ("dotdot-dir", [d("go/..")], "go/..", "escapes the archive root"),
    ("absolute", [f("/tmp/evil")], "/tmp/evil", "is an absolute path"),
    ("absolute-go", [f("/go/VERSION")], "/go/VERSION", "is an absolute path"),
    ("drive-letter", [f("C:/evil")], "C:/evil", "drive letter"),
    ("drive-letter-relative", [f("c:evil")], "c:evil", "drive letter"),
    ("backslash-dotdot", [f("go\\..\\evil")], "go\\..\\evil", "backslash"),
    ("backslash", [f("go/bin\\go")], "go/bin\\go", "backslash"),
    ("outside-root", [f("go/VERSION"), f("etc/passwd")], "etc/passwd", "outside the single 'go/'"),
    ("root-lookalike", [f("gopher/VERSION")], "gopher/VERSION", "outside the single 'go/'"),
    ("top-level", [f("VERSION")], "VERSION", "outside the single 'go/'"),
    ("dot", [d(".")], ".", "outside the single 'go/'"),
    ("root-is-a-file", [f("go", b"x")], "go", "root but not a directory"),
    ("root-is-a-symlink", [sym("go", ".")], "go", "root but not a directory"),
    # Types.
    ("hardlink-out", [f("go/VERSION"), hard("go/pw", "../../etc/passwd")], "go/pw", "hard link"),
    ("hardlink-in", [f("go/VERSION"), hard("go/v2", "go/VERSION")], "go/v2", "hard link"),
    ("char-device", [special("go/null", tarfile.CHRTYPE)], "go/null", "character device"),
    ("block-device", [special("go/sda", tarfile.BLKTYPE)], "go/sda", "block device"),
    ("fifo", [special("go/fifo", tarfile.FIFOTYPE)], "go/fifo", "a FIFO"),
    ("unknown-type", [special("go/x", b"Z")], "go/x", "unsupported tar type"),
    # Symlinks.
    ("symlink-absolute", [sym("go/pw", "/etc/passwd")], "go/pw", "absolute path '/etc/passwd'"),
    ("symlink-out", [sym("go/out", "../outside")], "go/out", "leaves the tree"),
    ("symlink-out-deep", [d("go/a"), sym("go/a/o", "../../x")], "go/a/o", "leaves the tree"),
    (
        "symlink-out-then-file-through-it",
        [sym("go/evil", "../../outside"), f("go/evil/pwned", b"x")],
        "go/evil",
        "leaves the tree",
    ),
    (
        "symlink-absolute-then-file-through-it",
        [sym("go/evil", str(Path("/tmp"))), f("go/evil/pwned", b"x")],
        "go/evil",
        "absolute path",
    ),
    (
        "file-through-an-inside-symlink",
        [sym("go/lnk", "."), f("go/lnk/x", b"x")],
        "go/lnk/x",
        "goes through the symlink 'go/lnk'",
    ),
    (
        "dir-through-an-inside-symlink",
        [sym("go/lnk", "."), d("go/lnk/sub")],
        "go/lnk/sub",
        "goes through the symlink 'go/lnk'",
    ),
    (
        "chain-a-dot-then-a-b-dotdot",
        [sym("go/a", "."), sym("go/a/b", "..")],
        "go/a/b",
        "goes through the symlink 'go/a'",
    ),
    ("chain-dotdot", [sym("go/a", "."), sym("go/b", "a/..")], "go/b", "leaves the tree"),
    (
        "chain-link-defined-later",
        [sym("go/b", "a/.."), sym("go/a", ".")],
        "go/b",
        "not a directory in the tree",
    ),
    (
        "chain-through-unknown",
        [sym("go/a", "b"), sym("go/c", "a/.."), sym("go/b", ".")],
        "go/c",
        "not a directory in the tree",
    ),
    (
        "chain-up-then-up",
        [d("go/d"), sym("go/d/up", ".."), sym("go/x", "d/up/..")],
        "go/x",
        "leaves the tree",
    ),
    (
        "symlink-loop",
        [sym("go/l1", "l2"), sym("go/l2", "l1"), sym("go/l3", "l1/..")],
        "go/l3",
        "symlink loop",
    ),
    (
        "symlink-file-dotdot",
        [f("go/VERSION"), sym("go/v", "VERSION/../..")],
        "go/v",
        "not a directory in the tree",
    ),
    ("symlink-empty", [sym("go/e", "")], "go/e", "empty target"),
    ("symlink-backslash", [sym("go/e", "..\\..\\x")], "go/e", "backslash"),
    ("symlink-drive", [sym("go/e", "C:/Windows")], "go/e", "absolute path"),
    # Duplicates and conflicts.
    ("duplicate-file", [f("go/a", b"1"), f("go/a", b"2")], "go/a", "duplicate"),
    ("duplicate-normalised", [f("go/a"), f("go/./a")], "go/./a", "duplicate"),
    ("duplicate-slashes", [f("go/a/b"), f("go//a//b")], "go//a//b", "duplicate"),
    ("duplicate-dir", [d("go/d"), d("go/d")], "go/d", "duplicate"),
    ("duplicate-root", [d("go"), d("./go")], "./go", "duplicate"),
    ("dir-then-file", [d("go/a"), f("go/a")], "go/a", "duplicate"),
    ("file-then-dir", [f("go/a"), d("go/a")], "go/a", "duplicate"),
    ("file-then-symlink", [f("go/a"), sym("go/a", "b")], "go/a", "duplicate"),
    ("implicit-dir-then-file", [f("go/a/b"), f("go/a")], "go/a", "duplicate"),
    ("file-as-parent", [f("go/VERSION"), f("go/VERSION/x")], "go/VERSION/x", "through the file"),
]


@pytest.mark.parametrize(
    ("entries", "member", "fragment"),
    [pytest.param(e, m, frag, id=i) for i, e, m, frag in HOSTILE_TAR],
)
def test_hostile_tar(
    layout: Layout, variant: str, entries: list[Entry], member: str, fragment: str
) -> None:
    arc = write_tgz(layout.root / "go1.22.10.linux-amd64.tar.gz", entries)
    rejected(arc, layout, member, fragment)


def test_nul_in_a_pax_name(layout: Layout) -> None:
    ti, data = f("go/placeholder")
    ti.pax_headers = {"path": "go/a\x00/../../../outside/x"}
    arc = write_tgz(layout.root / "go.tgz", [(ti, data)])
    err = rejected(arc, layout, None, "NUL byte")
    assert "member 'go/a\\x00/../../../outside/x'" in str(err)


def test_control_characters_in_names_stay_on_one_line(layout: Layout) -> None:
    arc = write_tgz(layout.root / "go.tgz", [f("go/a\nb/../../../x")])
    err = rejected(arc, layout, "go/a\\nb/../../../x", "escapes the archive root")
    assert "\n" not in str(err)


def test_sparse_member(layout: Layout) -> None:
    ti, _ = f("go/sparse")
    ti.type = tarfile.GNUTYPE_SPARSE
    arc = write_tgz(layout.root / "go.tgz", [(ti, None)], fmt=tarfile.GNU_FORMAT)
    rejected(arc, layout, "go/sparse", "sparse file")


def test_directory_or_symlink_carrying_data(layout: Layout) -> None:
    ti, _ = d("go/d")
    ti.size = 10
    raw = tar_bytes([(ti, None)])
    arc = layout.root / "go.tgz"
    arc.write_bytes(gzip.compress(raw))
    rejected(arc, layout, "go/d", "directory carrying data")


def test_data_filter_sees_every_member(layout: Layout, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    real = tarfile.data_filter

    def spy(member: tarfile.TarInfo, dest_path: str) -> tarfile.TarInfo:
        seen.append(member.name)
        return real(member, dest_path)

    monkeypatch.setattr(tarfile, "data_filter", spy)
    arc = write_tgz(layout.root / "go.tgz", [*GOOD_TREE, sym("go/bin/fmt2", "gofmt")])
    extract(arc, layout.dest)
    assert seen == [ti.name[3:] for ti, _ in GOOD_TREE] + ["bin/fmt2"]


def test_data_filter_is_a_second_line_of_defence(
    layout: Layout, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With our own symlink check switched off, tarfile's filter still refuses an escape."""
    monkeypatch.setattr(rules.Rules, "_check_target", lambda self, rel, raw, target: None)
    arc = write_tgz(layout.root / "go.tgz", [sym("go/out", "../../outside")])
    rejected(arc, layout, "go/out", "refused by tarfile's data filter")


# --------------------------------------------------------------------------- caps


def test_too_many_members(layout: Layout, variant: str) -> None:
    arc = write_tgz(layout.root / "go.tgz", [f(f"go/f{i}", b"x") for i in range(10)])
    rejected(arc, layout, "go/f3", "cap of 3 archive members", max_members=3)
    assert extract(arc, layout.root / "stage" / "dest", max_members=10).members == 10


def test_too_many_bytes(layout: Layout, variant: str) -> None:
    arc = write_tgz(layout.root / "go.tgz", [f("go/a", b"a" * 60), f("go/b", b"b" * 60)])
    rejected(arc, layout, "go/b", "over the cap of 100 unpacked bytes", max_bytes=100)
    assert not (layout.dest / "b").exists()  # refused before a byte of it was written


def test_huge_declared_size_is_refused_before_reading(layout: Layout) -> None:
    ti, _ = f("go/bomb")
    ti.size = 10**12
    arc = layout.root / "go.tgz"
    arc.write_bytes(gzip.compress(tar_bytes([(ti, None)])))
    rejected(arc, layout, "go/bomb", "declares 1000000000000 bytes")


def test_oversized_pax_header(layout: Layout) -> None:
    ti, data = f("go/x", b"x")
    ti.pax_headers = {"comment": "c" * (2 << 20)}
    arc = write_tgz(layout.root / "go.tgz", [f("go/first"), (ti, data)])
    rejected(arc, layout, "go/first", "tar header claims")


# --------------------------------------------------------------------------- broken files


@pytest.fixture
def good_tgz() -> bytes:
    return gzip.compress(tar_bytes([*GOOD_TREE, f("go/big", os.urandom(200_000))]), mtime=0)


@pytest.mark.parametrize("keep", [2, 5, 11, 300, 100_000, -9, -4, -1])
def test_truncated_gzip(layout: Layout, variant: str, good_tgz: bytes, keep: int) -> None:
    arc = layout.root / "go1.22.10.linux-amd64.tar.gz"
    arc.write_bytes(good_tgz[:keep])
    rejected(arc, layout, None, "the gzip data is truncated")


def test_truncated_gzip_names_the_member(layout: Layout, good_tgz: bytes) -> None:
    arc = layout.root / "go.tgz"
    arc.write_bytes(good_tgz[: len(good_tgz) * 3 // 4])
    rejected(arc, layout, None, "truncated (the stream ends early) (at member 'go/big')")


def test_corrupt_gzip(layout: Layout, variant: str, good_tgz: bytes) -> None:
    blob = bytearray(good_tgz)
    for i in range(200, 260):
        blob[i] ^= 0x5A
    arc = layout.root / "go.tgz"
    arc.write_bytes(bytes(blob))
    rejected(arc, layout, None, "the gzip data is")


def test_garbage_after_the_gzip_stream(layout: Layout, good_tgz: bytes) -> None:
    arc = layout.root / "go.tgz"
    arc.write_bytes(good_tgz + b"<html>trailing junk</html>")
    rejected(arc, layout, None, "the gzip data is corrupt")


def test_tar_truncated_inside_a_complete_gzip(layout: Layout, variant: str) -> None:
    raw = tar_bytes([*GOOD_TREE, f("go/big", os.urandom(50_000))])
    end_of_data = len(raw.rstrip(b"\0"))  # no end-of-archive blocks after it
    for keep in (len(raw) - 30_000, end_of_data, end_of_data + 100, 512 * 3 + 100):
        arc = layout.root / "go.tgz"
        arc.write_bytes(gzip.compress(raw[:keep]))
        rejected(arc, layout, None, "truncated")
        shutil.rmtree(layout.dest)
        layout.dest.mkdir()


def test_corrupt_tar_header_after_the_first(layout: Layout) -> None:
    raw = bytearray(tar_bytes(GOOD_TREE))
    raw[512 + 148 : 512 + 156] = b"9999999\0"  # second header: bad checksum
    arc = layout.root / "go.tgz"
    arc.write_bytes(gzip.compress(bytes(raw)))
    rejected(arc, layout, None, "corrupt header after member 'go'")


def test_data_after_the_end_of_archive(layout: Layout) -> None:
    raw = tar_bytes(GOOD_TREE) + tar_bytes([f("go/hidden", b"x")])
    arc = layout.root / "go.tgz"
    arc.write_bytes(gzip.compress(raw))
    rejected(arc, layout, None, "unexpected data follows the end of the tar archive")


def test_tar_without_end_marker(layout: Layout) -> None:
    raw = tar_bytes([f("go/VERSION", b"x" * 512)])
    arc = layout.root / "go.tgz"
    arc.write_bytes(gzip.compress(raw.rstrip(b"\0") + b"\0" * 511))  # data, no end blocks
    rejected(arc, layout, None, "truncated")


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "the file is empty (0 bytes)"),
        (b"<!DOCTYPE html>\n<html><body>Not Found</body></html>", "HTML or XML page"),
        (b"\n  <html><head><title>Proxy</title></head></html>", "HTML or XML page"),
        (b"\x00" * 1024, "neither a .tar.gz nor a .zip"),
        (b"BZh91AY&SY" + b"x" * 100, "neither a .tar.gz nor a .zip"),
        (gzip.compress(b"<html>gzipped error page</html>" * 30), "does not hold a tar archive"),
        (gzip.compress(b""), "does not hold a tar archive"),
        (gzip.compress(b"\0" * 10240), "the tar archive has no members"),
        (b"PK\x05\x06" + b"\0" * 18, "the zip archive has no members"),
        (b"PK\x03\x04 truncated zip", "not a readable zip archive"),
    ],
)
def test_not_an_archive(layout: Layout, content: bytes, fragment: str) -> None:
    arc = layout.root / "go1.22.10.linux-amd64.tar.gz"
    arc.write_bytes(content)
    rejected(arc, layout, None, fragment)


# --------------------------------------------------------------------------- dest and I/O


def test_dest_must_be_empty(layout: Layout) -> None:
    arc = write_tgz(layout.root / "go.tgz", GOOD_TREE)
    (layout.dest / "junk").write_text("x")
    with pytest.raises(InstallError, match="not empty"):
        extract(arc, layout.dest)
    with pytest.raises(InstallError) as info:
        extract(arc, layout.root / "missing")
    assert str(info.value) == (
        f"cannot use staging directory {layout.root / 'missing'}: No such file or directory"
    )


@pytest.mark.parametrize("mode", ["inline", "thread"])
def test_disk_full_is_an_install_error_naming_the_member(
    layout: Layout, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    monkeypatch.setattr(archive, "_WRITER_MODE", mode)
    arc = write_tgz(layout.root / "go.tgz", GOOD_TREE)
    real_write = os.write

    def full(fd: int, data: bytes | memoryview) -> int:
        if len(data) == 1200:  # go/src/fmt/print.go
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(InstallError) as info:
        extract(arc, layout.dest)
    monkeypatch.undo()
    msg = str(info.value)
    assert "\n" not in msg
    assert "member 'go/src/fmt/print.go'" in msg and "No space left" in msg


@pytest.mark.parametrize("where", ["file", "dir"])
def test_file_system_errors_name_the_member(layout: Layout, variant: str, where: str) -> None:
    long = "n" * 300  # longer than NAME_MAX
    entries = [f("go/VERSION", b"v"), f(f"go/{long}", b"x") if where == "file" else d(f"go/{long}")]
    arc = write_tgz(layout.root / "go.tgz", entries)
    with pytest.raises(InstallError) as info:
        extract(arc, layout.dest)
    msg = str(info.value)
    assert "\n" not in msg
    assert msg.startswith(f"go.tgz: cannot extract member 'go/{long[:197]}...' into ")
    assert msg.endswith(": File name too long; check free space and permissions, then retry")


# --------------------------------------------------------------------------- zip


def test_zip_good(layout: Layout) -> None:
    arc = write_zip(
        layout.root / "go1.99.1.windows-amd64.zip",
        [
            zentry("go/", ftype=stat.S_IFDIR, mode=0o755),
            zentry("go/VERSION", b"go1.99.1"),
            zentry("go/bin/go.exe", b"MZ" * 1000, mode=0o4755),
            zentry("go/bin/gofmt", b"fmt", mode=0o700),
            zentry("go/src/a/b.go", b"package a\n"),
            zentry("go/bin/link", b"gofmt", ftype=stat.S_IFLNK, mode=0o777),
        ],
    )
    stats = extract(arc, layout.dest)
    sha = hashlib.sha256(arc.read_bytes()).hexdigest()
    assert stats == ExtractStats(members=6, files=4, dirs=3, symlinks=1, bytes=2021, sha256=sha)
    tree = tree_of(layout.dest)
    assert tree["bin/go.exe"] == ("file", 0o755, b"MZ" * 1000)
    assert tree["bin/gofmt"] == ("file", 0o755, b"fmt")
    assert tree["VERSION"] == ("file", 0o644, b"go1.99.1")
    assert tree["src/a"] == ("dir", 0o755, b"")
    assert tree["bin/link"] == ("link", 0, "gofmt")


def test_zip_from_windows_without_unix_modes(layout: Layout) -> None:
    entries = [zentry("go/VERSION", b"v"), zentry("go/bin/go.exe", b"MZ")]
    for zi, _ in entries:
        zi.create_system = 0
        zi.external_attr = 0x20  # FILE_ATTRIBUTE_ARCHIVE
    arc = write_zip(layout.root / "go.zip", entries)
    extract(arc, layout.dest)
    assert stat.S_IMODE((layout.dest / "bin" / "go.exe").stat().st_mode) == 0o644


HOSTILE_ZIP: list[tuple[str, list[tuple[zipfile.ZipInfo, bytes]], str, str]] = [
    ("dotdot", [zentry("go/../evil")], "go/../evil", "escapes the archive root"),
    ("dotdot-first", [zentry("../outside/x")], "../outside/x", "escapes the archive root"),
    ("absolute", [zentry("/tmp/evil")], "/tmp/evil", "is an absolute path"),
    ("drive-letter", [zentry("C:/Windows/evil")], "C:/Windows/evil", "drive letter"),
    ("backslash", [zentry("go\\..\\evil")], "go\\..\\evil", "backslash"),
    ("outside-root", [zentry("other/x")], "other/x", "outside the single 'go/'"),
    (
        "symlink-out",
        [zentry("go/l", b"../../outside", ftype=stat.S_IFLNK)],
        "go/l",
        "leaves the tree",
    ),
    (
        "symlink-absolute",
        [zentry("go/l", b"/etc", ftype=stat.S_IFLNK)],
        "go/l",
        "absolute path '/etc'",
    ),
    (
        "symlink-then-file-through-it",
        [zentry("go/l", b".", ftype=stat.S_IFLNK), zentry("go/l/x", b"x")],
        "go/l/x",
        "goes through the symlink 'go/l'",
    ),
    (
        "symlink-chain",
        [zentry("go/a", b".", ftype=stat.S_IFLNK), zentry("go/b", b"a/..", ftype=stat.S_IFLNK)],
        "go/b",
        "leaves the tree",
    ),
    ("fifo", [zentry("go/p", ftype=stat.S_IFIFO)], "go/p", "a FIFO"),
    ("char-device", [zentry("go/c", ftype=stat.S_IFCHR)], "go/c", "character device"),
    ("block-device", [zentry("go/b", ftype=stat.S_IFBLK)], "go/b", "block device"),
    ("socket", [zentry("go/s", ftype=stat.S_IFSOCK)], "go/s", "a socket"),
    ("duplicate", [zentry("go/a", b"1"), zentry("go/a", b"2")], "go/a", "duplicate"),
    ("duplicate-normalised", [zentry("go/a"), zentry("go/./a")], "go/./a", "duplicate"),
    (
        "dir-then-file",
        [zentry("go/a/", ftype=stat.S_IFDIR, mode=0o755), zentry("go/a")],
        "go/a",
        "duplicate",
    ),
    ("root-is-a-file", [zentry("go", b"x")], "go", "root but not a directory"),
]


@pytest.mark.parametrize(
    ("entries", "member", "fragment"),
    [pytest.param(e, m, frag, id=i) for i, e, m, frag in HOSTILE_ZIP],
)
def test_hostile_zip(
    layout: Layout, entries: list[tuple[zipfile.ZipInfo, bytes]], member: str, fragment: str
) -> None:
    arc = write_zip(layout.root / "go1.22.10.windows-amd64.zip", entries)
    rejected(arc, layout, member, fragment)


def test_zip_too_many_members(layout: Layout) -> None:
    arc = write_zip(layout.root / "go.zip", [zentry(f"go/f{i}", b"x") for i in range(6)])
    rejected(arc, layout, "go/f4", "cap of 4 archive members", max_members=4)
    assert not list(layout.dest.iterdir())  # counted from the directory, before writing


def test_zip_too_many_declared_bytes(layout: Layout) -> None:
    arc = write_zip(layout.root / "go.zip", [zentry("go/a", b"a" * 60), zentry("go/b", b"b" * 60)])
    rejected(arc, layout, "go/b", "over the cap of 100 unpacked bytes", max_bytes=100)
    assert not list(layout.dest.iterdir())


def _patch_zip_sizes(blob: bytes, name: bytes, size: int) -> bytes:
    """Rewrite the uncompressed size of `name` in its local header and central directory."""
    out = bytearray(blob)
    local = out.find(b"PK\x03\x04")
    while local >= 0:
        name_len = struct.unpack_from("<H", out, local + 26)[0]
        if out[local + 30 : local + 30 + name_len] == name:
            struct.pack_into("<I", out, local + 22, size)
        local = out.find(b"PK\x03\x04", local + 4)
    central = out.find(b"PK\x01\x02")
    while central >= 0:
        name_len = struct.unpack_from("<H", out, central + 28)[0]
        if out[central + 46 : central + 46 + name_len] == name:
            struct.pack_into("<I", out, central + 24, size)
        central = out.find(b"PK\x01\x02", central + 4)
    return bytes(out)


def test_zip_bomb_whose_header_lies_low(layout: Layout) -> None:
    """Declares 100 bytes, inflates to 5 MB: never more than the declared bytes land."""
    arc = write_zip(layout.root / "go.zip", [zentry("go/bomb", b"\0" * (5 << 20))])
    arc.write_bytes(_patch_zip_sizes(arc.read_bytes(), b"go/bomb", 100))
    rejected(arc, layout, "go/bomb", "unpacks to more bytes than it declares (100)", max_bytes=1000)
    bomb = layout.dest / "bomb"
    assert not bomb.exists() or bomb.stat().st_size <= 100


def test_zip_bomb_whose_header_lies_high(layout: Layout) -> None:
    arc = write_zip(layout.root / "go.zip", [zentry("go/bomb", b"\0" * 1000)])
    arc.write_bytes(_patch_zip_sizes(arc.read_bytes(), b"go/bomb", 4_000_000_000))
    rejected(arc, layout, "go/bomb", "declares 4000000000 bytes", max_bytes=1 << 30)


def test_zip_corrupt_member_data(layout: Layout) -> None:
    arc = write_zip(layout.root / "go.zip", [zentry("go/a", os.urandom(5000))])
    blob = bytearray(arc.read_bytes())
    for i in range(100, 200):
        blob[i] ^= 0xFF
    arc.write_bytes(bytes(blob))
    rejected(arc, layout, "go/a", "is corrupt")


def test_zip_no_directory_entries(layout: Layout) -> None:
    arc = write_zip(layout.root / "go.zip", [zentry("go/a/b/c/d.txt", b"deep")])
    stats = extract(arc, layout.dest)
    assert stats.dirs == 3
    assert (layout.dest / "a" / "b" / "c" / "d.txt").read_bytes() == b"deep"


# --------------------------------------------------------------------------- misc


def test_module_reports_its_gzip_backend() -> None:
    assert archive.GZIP_BACKEND in ("isal", "zlib")


@pytest.fixture(autouse=True)
def _no_stray_threads() -> Iterator[None]:
    """The pump and writer threads never outlive extract(), success or failure."""
    import threading

    before = set(threading.enumerate())
    yield
    stray = [t for t in threading.enumerate() if t not in before and t.name.startswith("gover-")]
    assert not stray
