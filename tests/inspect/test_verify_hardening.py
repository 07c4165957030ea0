"""`gover verify` against a hostile cache and hostile files (issue 8).

- The environment check's probe lives under the cache: a planted script, a symlink, a file of
  another owner or a forged record never runs; the probe is rebuilt instead.
- `verify -r` decides from lstat: FIFOs and device nodes in the tree are never opened (an
  inotify watch on them sees no open) and symlinks are never followed.
- Hostile executables (truncated, huge counts, crafted varints, non-UTF-8, 16 MiB of module
  info) end with one line naming the file and the documented exit code, never a traceback.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import shutil
import stat
import struct
from pathlib import Path

import pytest

from gover.constants import RECEIPT_NAME
from gover.inspect import buildinfo
from tests.support.binaries import crafted_modinfo, synth_elf, synth_macho, synth_pe
from tests.support.cli import run_gover

VERSION = "1.22.10"




# ---------------------------------------------------------------------------- the probe


def probe_dir(store: Path) -> Path:
    """Where gover keeps the probe for VERSION: probes/<version>-<sha256[:12]>."""
    receipt = json.loads((store / "versions" / VERSION / RECEIPT_NAME).read_text())
    return store / "probes" / f"{VERSION}-{receipt['sha256'][:12]}"


def planted_script(path: Path, marker: Path) -> bytes:
    """A shell script that leaves `marker` behind and imitates the probe's output."""
    script = f"#!/bin/sh\ntouch '{marker}'\necho go{VERSION}\necho /nowhere\n".encode()
    path.write_bytes(script)
    path.chmod(0o755)
    return script


def record_for(data: bytes) -> str:
    return json.dumps({"sha256": hashlib.sha256(data).hexdigest()}) + "\n"


def assert_rebuilt_and_clean(r_code: int, out: str, probe: Path, marker: Path) -> None:
    assert not marker.exists(), "the planted probe ran"
    assert r_code == 0, out
    assert f"builds go{VERSION}, runtime.Version() = go{VERSION}" in out
    st = os.lstat(probe)
    assert stat.S_ISREG(st.st_mode) and st.st_uid == os.geteuid()
    data = probe.read_bytes()
    assert data.startswith(b"\x7fELF")
    record = json.loads((probe.parent / "probe.json").read_text())
    assert record == {"sha256": hashlib.sha256(data).hexdigest()}


def test_planted_probe_without_record_never_runs(store: Path, proj: Path, tmp_path: Path) -> None:
    where = probe_dir(store)
    shutil.rmtree(where, ignore_errors=True)
    where.mkdir(parents=True)
    marker = tmp_path / "ran"
    planted_script(where / "probe", marker)
    r = run_gover("verify", cwd=proj)
    assert_rebuilt_and_clean(r.code, r.out + r.err, where / "probe", marker)


def test_probe_swapped_after_build_never_runs(store: Path, proj: Path, tmp_path: Path) -> None:
    """A genuine probe and record, then the probe replaced (the record kept): rebuilt."""
    where = probe_dir(store)
    assert run_gover("verify", cwd=proj).code == 0
    assert (where / "probe.json").exists()
    marker = tmp_path / "ran"
    (where / "probe").unlink()
    planted_script(where / "probe", marker)
    r = run_gover("verify", cwd=proj)
    assert_rebuilt_and_clean(r.code, r.out + r.err, where / "probe", marker)


def test_symlinked_probe_is_never_followed(store: Path, proj: Path, tmp_path: Path) -> None:
    """The probe a symlink to a script whose hash the record even names: never run, the
    link is replaced by a real probe and its target left alone."""
    where = probe_dir(store)
    assert run_gover("verify", cwd=proj).code == 0
    marker = tmp_path / "ran"
    target = tmp_path / "evil"
    script = planted_script(target, marker)
    (where / "probe").unlink()
    (where / "probe").symlink_to(target)
    (where / "probe.json").write_text(record_for(script))
    r = run_gover("verify", cwd=proj)
    assert_rebuilt_and_clean(r.code, r.out + r.err, where / "probe", marker)
    assert target.read_bytes() == script


@pytest.mark.parametrize("foreign", ["probe", "probe.json"])
def test_probe_or_record_of_another_user_never_runs(
    store: Path, proj: Path, tmp_path: Path, foreign: str
) -> None:
    """Another user who can write into a shared GOVER_HOME plants a script and a record that
    matches it: not ours, so not trusted (both files must belong to this user)."""
    where = probe_dir(store)
    assert run_gover("verify", cwd=proj).code == 0
    marker = tmp_path / "ran"
    (where / "probe").unlink()
    script = planted_script(where / "probe", marker)
    (where / "probe.json").write_text(record_for(script))
    os.chown(where / foreign, 65534, 65534)  # nobody
    r = run_gover("verify", cwd=proj)
    assert_rebuilt_and_clean(r.code, r.out + r.err, where / "probe", marker)


def test_probe_directory_in_the_way_is_replaced(store: Path, proj: Path, tmp_path: Path) -> None:
    where = probe_dir(store)
    shutil.rmtree(where, ignore_errors=True)
    (where / "probe" / "sub").mkdir(parents=True)
    marker = tmp_path / "ran"
    r = run_gover("verify", cwd=proj)
    assert_rebuilt_and_clean(r.code, r.out + r.err, where / "probe", marker)


def test_symlinked_probes_dir_is_refused_in_one_line(
    store: Path, proj: Path, tmp_path: Path
) -> None:
    """probes a symlink to a directory someone else prepared: refused, nothing runs."""
    probes = store / "probes"
    elsewhere = tmp_path / "elsewhere"
    shutil.move(probes, elsewhere)
    probes.symlink_to(elsewhere)
    marker = tmp_path / "ran"
    where = elsewhere / probe_dir(store).name
    (where / "probe").unlink()
    script = planted_script(where / "probe", marker)
    (where / "probe.json").write_text(record_for(script))
    try:
        r = run_gover("verify", cwd=proj)
    finally:
        probes.unlink()
        shutil.move(elsewhere, probes)
    assert r.code == 1
    assert r.out == ""
    assert r.err == (
        f"gover: error: {probes}: cannot prepare the verify probe: is a symlink (refused: gover "
        f"keeps its own files here); remove {probes} and run again\n"
    )
    assert not marker.exists()


# ----------------------------------------------------- verify -r: FIFOs, devices, symlinks


class OpenWatch:
    """inotify IN_OPEN on some paths: did anything open them? (a FIFO's or a device's own
    inode: opening the node, even non-blocking, is seen)."""

    IN_OPEN = 0x20

    def __init__(self, paths: list[Path]) -> None:
        self.libc = ctypes.CDLL(None, use_errno=True)
        self.fd = self.libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        assert self.fd >= 0, os.strerror(ctypes.get_errno())
        self.names: dict[int, Path] = {}
        for p in paths:
            wd = self.libc.inotify_add_watch(self.fd, os.fsencode(p), self.IN_OPEN)
            assert wd >= 0, os.strerror(ctypes.get_errno())
            self.names[wd] = p

    def opened(self) -> list[Path]:
        seen: list[Path] = []
        while True:
            try:
                data = os.read(self.fd, 65536)
            except BlockingIOError:
                return seen
            at = 0
            while at < len(data):
                wd, mask, _, size = struct.unpack_from("iIII", data, at)
                if mask & self.IN_OPEN:
                    seen.append(self.names[wd])
                at += 16 + size

    def close(self) -> None:
        os.close(self.fd)


def test_recursive_scan_never_opens_fifos_or_devices_nor_follows_links(
    store: Path, proj: Path, tmp_path: Path
) -> None:
    tree = tmp_path / "dist"
    (tree / "sub").mkdir(parents=True)
    go = store / "versions" / VERSION / "bin" / "go"  # a Go binary built with VERSION
    shutil.copy2(go, tree / "sub" / "good")
    fifo = tree / "fifo"  # no writer: a blocking open would hang
    os.mkfifo(fifo)
    null = tree / "null"  # a real character device (1,3: what /dev/null is)
    os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copy2(go, outside / "elsewhere")
    (tree / "link-file").symlink_to(outside / "elsewhere")  # out of the tree: not followed
    (tree / "link-dir").symlink_to(outside)
    (tree / "sub" / "link-in-tree").symlink_to(tree / "sub" / "good")  # in the tree: neither
    (tree / "zero").symlink_to("/dev/zero")
    watch = OpenWatch([fifo, null])
    try:
        r = run_gover("verify", "--recursive", "--json", str(tree), cwd=proj, timeout=120)
        opened = watch.opened()
    finally:
        watch.close()
    assert r.code == 0, r.out + r.err
    data = json.loads(r.out)
    assert [(b["path"], b["built_with"], b["ok"]) for b in data["binaries"]] == [
        (str(tree / "sub" / "good"), f"go{VERSION}", True)
    ]
    assert opened == [], "verify -r opened a FIFO or a device node"
    assert r.err == ""


def test_named_fifo_and_device_are_one_line_errors(store: Path, proj: Path, tmp_path: Path) -> None:
    """Named on the command line they are refused by type, without hanging."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    r = run_gover("verify", str(fifo), "/dev/null", cwd=proj, timeout=120)
    assert r.code == 1
    assert r.out.splitlines() == [
        f"{fifo}: not an executable (ELF, Mach-O or PE): is a FIFO, not a regular file",
        "/dev/null: not an executable (ELF, Mach-O or PE): is a device, not a regular file",
    ]
    assert "Traceback" not in r.err


# ------------------------------------------------------------------ hostile executables


def _elf_with(patches: list[tuple[int, bytes]], version: bytes = b"go1.22.10") -> bytes:
    data = bytearray(synth_elf(64, False, True, version, b""))
    for at, value in patches:
        data[at : at + len(value)] = value
    return bytes(data)


def _inline_header_at(data: bytes | bytearray) -> int:
    """The real (16-byte aligned) build info header, after the misaligned decoy."""
    at = data.find(buildinfo.MAGIC)
    while at % 16:
        at = data.find(buildinfo.MAGIC, at + 1)
    return at


def _crafted_varint(payload: bytes) -> bytes:
    """An inline build info whose version length is `payload` (a hostile uvarint)."""
    data = bytearray(synth_elf(64, False, True, b"go1.22.10", b""))
    at = _inline_header_at(data) + 32
    data[at : at + len(payload)] = payload
    return bytes(data)


SPARSE_SIZE = 48 << 20


def _over_the_cap() -> bytes:
    """A version string claiming 16 MiB + 1 bytes in a data segment that really has them
    (the file is made sparse to SPARSE_SIZE): refused by the reader's cap, not read."""
    data = bytearray(synth_elf(64, False, True, b"go1.22.10", b"", sections=False))
    struct.pack_into("<QQ", data, 64 + 56 + 32, SPARSE_SIZE // 2, SPARSE_SIZE // 2)
    at = _inline_header_at(data) + 32
    data[at : at + 4] = b"\x81\x80\x80\x08"
    return bytes(data)


HOSTILE: dict[str, tuple[bytes, int, str]] = {
    # name: (file content, exit code, how the one line after "<path>: " starts)
    "truncated-elf-header": (synth_elf(64, False, True, b"go1.22.10", b"")[:40], 1, "truncated ("),
    "elf-huge-phnum": (
        _elf_with([(0x36, b"\xff\xff\xfe\xff")]),  # 65,534 program headers of 65,535 bytes
        1,
        "malformed executable (ELF program headers: 65534 entries of 65535 bytes)",
    ),
    "elf-extended-phnum-without-section-0": (
        _elf_with([(0x38, b"\xff\xff")]),
        1,
        "not a Go binary (no build info)",
    ),
    "elf-huge-shnum": (_elf_with([(0x3C, b"\xff\x7f")]), 1, "truncated (ELF section headers"),
    "elf-offsets-past-end": (_elf_with([(0x20, b"\xff" * 8)]), 1, "truncated (ELF program"),
    "macho-huge-ncmds": (
        bytes(bytearray(synth_macho(64, False, True, b"go1.22.10", b""))[:16])
        + b"\xff\xff\xff\xff\xff\xff\xff\x7f"
        + synth_macho(64, False, True, b"go1.22.10", b"")[24:],
        1,
        "malformed executable (Mach-O load commands of 2147483647 bytes)",
    ),
    "pe-huge-nsections": (
        synth_pe(64, False, True, b"go1.22.10", b"")[:0x46]
        + b"\xff\xff"
        + synth_pe(64, False, True, b"go1.22.10", b"")[0x48:],
        1,
        "truncated (PE section headers",
    ),
    "varint-overflow": (_crafted_varint(b"\xff" * 10 + b"\x01"), 1, "not a Go binary"),
    "varint-past-end": (_crafted_varint(b"\xff\xff\xff\x7f"), 1, "not a Go binary"),
    "varint-16mib-plus-one": (_over_the_cap(), 1, "malformed executable (build info string of"),
    "non-utf8-version": (
        synth_elf(64, False, True, b"go1.22.10\xff\xfe", b""),
        4,
        "built with go1.22.10\\xff\\xfe, expected go1.22.10",
    ),
    "non-utf8-module-info": (
        synth_elf(
            64,
            False,
            True,
            b"go1.22.10",
            crafted_modinfo("deps", 256)[:-16] + b"build\t\xff\xfe=a b\n" + b"\0" * 16,
        ),
        1,
        "could not parse Go build info: line ",
    ),
    "crafted-16mib-module-info": (
        synth_elf(64, False, True, b"go1.21.13", crafted_modinfo("deps")),
        4,
        f"built with go1.21.13, expected go{VERSION}",
    ),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_executables_end_in_one_line(
    store: Path, proj: Path, tmp_path: Path, name: str
) -> None:
    content, code, start = HOSTILE[name]
    path = tmp_path / name
    path.write_bytes(content)
    path.chmod(0o755)
    if name == "varint-16mib-plus-one":
        os.truncate(path, SPARSE_SIZE)
    # The failure mode of a quadratic or hanging reader is this timeout, not a time assert.
    r = run_gover("verify", str(path), cwd=proj, timeout=180)
    assert r.code == code, r.out + r.err
    lines = r.out.splitlines()
    assert len(lines) == 1, r.out
    assert lines[0].startswith(f"{path}: {start}"), lines[0]
    assert "Traceback" not in r.err


def test_non_utf8_file_name_is_one_line(store: Path, proj: Path, tmp_path: Path) -> None:
    name = os.fsdecode(b"bin\xff\x1b[2J")
    path = tmp_path / name
    path.write_bytes(b"not a binary at all\n")
    r = run_gover("verify", str(path), cwd=proj, timeout=120)
    assert r.code == 1
    assert r.out == f"{tmp_path}/bin\\xff\\x1b[2J: not an executable (ELF, Mach-O or PE)\n"
    assert "Traceback" not in r.err


def test_hung_go_on_path_is_a_failed_check_not_a_hang(
    store: Path, proj: Path, tmp_path: Path
) -> None:
    """A `go` first on PATH that never answers `go env GOROOT`: killed after the config's
    timeout and reported as a failed check (the old fixed 60 s ended in a traceback)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "go").write_text("#!/bin/sh\nexec sleep 300\n")
    (bin_dir / "go").chmod(0o755)
    path = f"{bin_dir}:{store / 'shims'}:/usr/bin:/bin"
    r = run_gover("verify", cwd=proj, env={"PATH": path, "GOVER_TIMEOUT": "2"}, timeout=50)
    assert r.code == 4, r.out + r.err
    assert (
        f"BAD go env GOROOT: `{bin_dir / 'go'} env GOROOT` failed: did not finish in 2 s "
        "(config timeout)"
    ) in r.out
    assert "Traceback" not in r.err
