"""Read the build info a Go linker leaves in an executable, like `go version -m`.

A port of Go's src/debug/buildinfo and runtime/debug.ParseBuildInfo for ELF, Mach-O
(thin and fat) and PE, 32/64-bit, either byte order, both the 1.18+ inline format and
the older pointer format. Pure and bounded: only headers and a few small ranges are
read (seek + read), so memory does not grow with the file's size.

Strings are Go strings (bytes); they are decoded as UTF-8 with `surrogateescape`, so
invalid bytes survive and `format_like_go_version_m()` reproduces Go's output byte for
byte once encoded back the same way.
"""

from __future__ import annotations

import functools
import io
import os
import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gover import fsutil
from gover.errors import (
    BuildInfoError,
    NotExecutableError,
    NotGoBinaryError,
    TruncatedBinaryError,
)

__all__ = [
    "BuildInfo",
    "ModinfoError",
    "Module",
    "check_modinfo",
    "is_go_binary",
    "parse_modinfo",
    "read",
    "read_go_version",
    "toolchain_of",
]

MAGIC = b"\xff Go buildinf:"
HEADER_SIZE = 32
HEADER_ALIGN = 16
SEARCH_LIMIT = 64 * 1024  # the linker puts the header at the start of the data segment
FLAG_BIG_ENDIAN = 1
FLAG_INLINE = 2  # Go 1.18+: the strings follow the header
MAX_TABLE = 4 << 20  # header tables (program/section headers, load commands)
MAX_STRING = 16 << 20  # the version or module info string; real ones are a few KiB
_SENTINEL = 16
_ENC = "utf-8"
_ERRORS = "surrogateescape"


# ---------------------------------------------------------------------------- public types


@dataclass(frozen=True)
class Module:
    path: str
    version: str
    sum: str
    replace: Module | None = None


@dataclass(frozen=True)
class BuildInfo:
    go_version: str
    path: str
    main: Module | None
    deps: tuple[Module, ...]
    settings: tuple[tuple[str, str], ...]
    raw_modinfo: str

    @property
    def toolchain(self) -> str:
        """The Go version without runtime.Version()'s " X:experiment" suffix; "" if none."""
        return toolchain_of(self.go_version)

    def setting(self, key: str) -> str | None:
        """The value of the first build setting named `key`."""
        for k, v in self.settings:
            if k == key:
                return v
        return None

    def modinfo_string(self) -> str:
        """Go's debug.BuildInfo.String() without the `go` line (what `go version -m` indents)."""
        out: list[str] = []
        if self.path:
            out.append(f"path\t{self.path}\n")

        def fmt(word: str, m: Module) -> None:
            out.append(f"{word}\t{m.path}\t{m.version}")
            if m.replace is None:
                out.append(f"\t{m.sum}")
            else:
                # Go writes the replacement after a newline and then ends the
                # line again, so every replaced module is followed by an empty line.
                out.append("\n")
                fmt("=>", m.replace)
            out.append("\n")

        if self.main is not None:
            fmt("mod", self.main)
        for dep in self.deps:
            fmt("dep", dep)
        for key, value in self.settings:
            if _quote_key(key):
                key = go_quote(key)
            if _quote_value(value):
                value = go_quote(value)
            out.append(f"build\t{key}={value}\n")
        return "".join(out)

    def format_like_go_version_m(self, filename: str) -> str:
        """Exactly what `go version -m FILENAME` prints for this binary."""
        head = f"{filename}: {self.go_version}\n"
        mod = self.modinfo_string()
        if not mod:
            return head
        return head + "\t" + mod[:-1].replace("\n", "\n\t") + "\n"


def toolchain_of(go_version: str) -> str:
    """The toolchain name (go1.22.10) from runtime.Version() (go1.22.10 X:loopvar); or ""."""
    words = go_version.split()
    return words[0] if words else ""


class ModinfoError(BuildInfoError):
    """A Go binary whose module info does not parse (Go's "could not parse Go build info")."""


def read(path: Path, *, follow_symlinks: bool = True) -> BuildInfo:
    """The build info of the Go executable at `path`; BuildInfoError (one line) otherwise."""
    version, modinfo = _read_raw(path, follow_symlinks)
    try:
        return parse_modinfo(version, modinfo)
    except ValueError as e:
        raise ModinfoError(f"{path}: could not parse Go build info: {e}") from None


# Module info up to this size is validated by parsing it (a real binary's is a few KiB);
# above it, by the one compiled grammar (check_modinfo), whose cost does not grow with it.
_SMALL_MODINFO = 64 << 10


def read_go_version(path: Path, *, follow_symlinks: bool = True) -> str:
    """What `go version FILE` prints after the colon: the version, once the module info is
    known to parse (as Go checks it), without building the module objects: one C-speed scan,
    so a crafted 16 MiB module info costs a fraction of a second."""
    version, modinfo = _read_raw(path, follow_symlinks)
    try:
        if len(modinfo) <= _SMALL_MODINFO:
            parse_modinfo(version, modinfo)  # ~0.2 ms, where compiling the grammar costs ~2.5
        else:
            check_modinfo(modinfo)
    except ValueError as e:
        raise ModinfoError(f"{path}: could not parse Go build info: {e}") from None
    return version


def is_go_binary(path: Path, *, follow_symlinks: bool = True) -> bool:
    """Whether `path` is an executable carrying Go build info (a few small reads)."""
    try:
        _read_raw(path, follow_symlinks)
    except (BuildInfoError, OSError):
        return False
    return True


# ------------------------------------------------------------------------- internal errors


class _Fail(Exception):
    """Raised below `_read_raw`, which adds the path and picks the public class."""


class _NotExe(_Fail):
    pass


class _NotGo(_Fail):
    pass


class _Truncated(_Fail):
    pass


class _Malformed(_Fail):
    pass


def _read_raw(path: Path, follow_symlinks: bool = True) -> tuple[str, str]:
    try:
        # Non-blocking, regular files only: a FIFO or a device is refused by its type
        # (after the open: a caller scanning a tree lstat()s first and never opens them).
        try:
            fd = fsutil.open_regular(path, follow_symlinks=follow_symlinks)
        except fsutil.UnsafePathError as e:
            raise _NotExe(e.strerror) from None
        with os.fdopen(fd, "rb", buffering=0) as fh:
            version, mod = _Reader(fh).raw_build_info()
    except _NotExe as e:
        detail = f": {e}" if str(e) else ""
        raise NotExecutableError(f"{path}: not an executable (ELF, Mach-O or PE){detail}") from None
    except _NotGo:
        raise NotGoBinaryError(f"{path}: not a Go binary (no build info)") from None
    except _Truncated as e:
        raise TruncatedBinaryError(f"{path}: truncated ({e})") from None
    except _Malformed as e:
        raise BuildInfoError(f"{path}: malformed executable ({e})") from None
    except (struct.error, OverflowError) as e:  # a header field no real file has
        raise BuildInfoError(f"{path}: malformed executable ({e})") from None
    except OSError as e:
        raise BuildInfoError(f"{path}: cannot read ({e.strerror or e})") from None
    return version.decode(_ENC, _ERRORS), mod.decode(_ENC, _ERRORS)


# --------------------------------------------------------------------------- file formats


@dataclass(frozen=True)
class _Segment:
    """A file-backed address range: [vaddr, vaddr+filesz) lives at file offset `offset`."""

    vaddr: int
    filesz: int
    offset: int


@dataclass(frozen=True)
class _Image:
    segments: list[_Segment]
    data_addr: int  # where the build info header is searched (Go's DataStart)
    data_size: int
    extents: list[tuple[str, int, int]]  # (what, offset, size) that must lie inside the file


class _Reader:
    def __init__(self, fh: io.RawIOBase) -> None:
        self.fh = fh
        self.size = fh.seek(0, io.SEEK_END)

    def at(self, offset: int, n: int, what: str) -> bytes:
        """Exactly n bytes at offset, or _Truncated naming `what`."""
        if offset < 0 or n < 0:
            raise _Malformed(f"{what} at offset {offset}")
        if offset + n > self.size:
            raise _Truncated(f"{what} ends at byte {offset + n}, file has {self.size}")
        self.fh.seek(offset)
        parts: list[bytes] = []
        left = n
        while left > 0:
            chunk = self.fh.read(left)
            if not chunk:
                raise _Truncated(f"{what} ends at byte {offset + n}, file has {offset + n - left}")
            parts.append(chunk)
            left -= len(chunk)
        return b"".join(parts)

    # ---------------------------------------------------------------------- dispatch

    def raw_build_info(self) -> tuple[bytes, bytes]:
        if self.size < 16:
            raise _NotExe("")
        ident = self.at(0, 16, "identification")
        if ident.startswith(b"\x7fELF"):
            image = self._elf(ident)
        elif ident.startswith(b"MZ"):
            image = self._pe()
        elif ident.startswith(b"\xfe\xed\xfa") or ident[1:].startswith(b"\xfa\xed\xfe"):
            image = self._macho(0)
        elif ident.startswith((b"\xca\xfe\xba\xbe", b"\xca\xfe\xba\xbf")):
            image = self._fat(ident)
        else:
            raise _NotExe("")
        for what, offset, size in image.extents:
            if offset + size > self.size:
                raise _Truncated(f"{what} ends at byte {offset + size}, file has {self.size}")
        return self._find(image)

    # -------------------------------------------------------------------------- ELF

    def _elf(self, ident: bytes) -> _Image:
        cls, encoding = ident[4], ident[5]
        if cls not in (1, 2) or encoding not in (1, 2):
            raise _NotExe(f"unknown ELF class {cls} or data encoding {encoding}")
        is64 = cls == 2
        bo = "<" if encoding == 1 else ">"
        if is64:
            hdr = self.at(16, 48, "ELF header")
            (_, _, _, _, phoff, shoff, _, _, phentsize, phnum, shentsize, shnum, shstrndx) = (
                struct.unpack(bo + "HHIQQQIHHHHHH", hdr)
            )
            ph_fmt, ph_size = bo + "IIQQQQQQ", 56
            sh_fmt, sh_size = bo + "IIQQQQIIQQ", 64
        else:
            hdr = self.at(16, 36, "ELF header")
            (_, _, _, _, phoff, shoff, _, _, phentsize, phnum, shentsize, shnum, shstrndx) = (
                struct.unpack(bo + "HHIIIIIHHHHHH", hdr)
            )
            ph_fmt, ph_size = bo + "IIIIIIII", 32
            sh_fmt, sh_size = bo + "IIIIIIIIII", 40

        def section(table: bytes, at: int) -> tuple[int, int, int, int, int, int]:
            """(name, type, addr, offset, size, link) of the section header at `at`."""
            f = struct.unpack_from(sh_fmt, table, at)
            return f[0], f[1], f[3], f[4], f[5], f[6]

        # Extended numbering: counts that do not fit live in section header 0.
        if shoff and (shnum == 0 or phnum == 0xFFFF or shstrndx == 0xFFFF):
            if shentsize < sh_size:
                raise _Malformed(f"ELF section header size {shentsize} < {sh_size}")
            s0 = struct.unpack(sh_fmt, self.at(shoff, sh_size, "ELF section header 0"))
            if shnum == 0:
                shnum = s0[5]
            if phnum == 0xFFFF:
                phnum = s0[7]
            if shstrndx == 0xFFFF:
                shstrndx = s0[6]

        extents: list[tuple[str, int, int]] = []
        segments: list[_Segment] = []
        data_ph: tuple[int, int] | None = None
        if phnum:
            if phentsize < ph_size:
                raise _Malformed(f"ELF program header size {phentsize} < {ph_size}")
            table = self._table(phoff, phentsize, phnum, "ELF program headers")
            for i in range(phnum):
                f = struct.unpack_from(ph_fmt, table, i * phentsize)
                if is64:
                    p_type, p_flags, p_offset, p_vaddr, _, p_filesz, p_memsz, _ = f
                else:
                    p_type, p_offset, p_vaddr, _, p_filesz, p_memsz, p_flags, _ = f
                if p_filesz:
                    segments.append(_Segment(p_vaddr, p_filesz, p_offset))
                if p_type == 1:  # PT_LOAD
                    extents.append((f"ELF segment {i}", p_offset, p_filesz))
                    if data_ph is None and p_flags & 3 == 2:  # PF_W without PF_X
                        data_ph = (p_vaddr, p_memsz)

        data: tuple[int, int] | None = None
        if shnum and shoff:
            if shentsize < sh_size:
                raise _Malformed(f"ELF section header size {shentsize} < {sh_size}")
            table = self._table(shoff, shentsize, shnum, "ELF section headers")
            sections = [section(table, i * shentsize) for i in range(shnum)]
            for i, (_, s_type, _, s_offset, s_size, _) in enumerate(sections):
                if s_type not in (0, 8):  # SHT_NULL, SHT_NOBITS occupy no file bytes
                    extents.append((f"ELF section {i}", s_offset, s_size))
            data = self._elf_buildinfo_section(sections, shstrndx)
        if data is None:
            data = data_ph
        if data is None:
            raise _NotGo()
        return _Image(segments, data[0], data[1], extents)

    def _elf_buildinfo_section(
        self, sections: list[tuple[int, int, int, int, int, int]], shstrndx: int
    ) -> tuple[int, int] | None:
        if not 0 < shstrndx < len(sections):
            return None
        _, s_type, _, str_off, str_size, _ = sections[shstrndx]
        if s_type == 8:
            return None
        want = b".go.buildinfo\0"
        names = self.at(str_off, min(str_size, 1 << 20), "ELF section names")
        for name, _, addr, _, size, _ in sections:
            if name + len(want) > str_size:
                continue
            if name + len(want) <= len(names):
                got = names[name : name + len(want)]
            else:
                got = self.at(str_off + name, len(want), "ELF section name")
            if got == want:
                return addr, size
        return None

    def _table(self, offset: int, entsize: int, count: int, what: str) -> bytes:
        if entsize * count > MAX_TABLE:
            raise _Malformed(f"{what}: {count} entries of {entsize} bytes")
        return self.at(offset, entsize * count, what)

    # ------------------------------------------------------------------------ Mach-O

    def _macho(self, base: int) -> _Image:
        magic = self.at(base, 4, "Mach-O header")
        if magic in (b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf"):
            bo = ">"
        elif magic in (b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe"):
            bo = "<"
        else:
            raise _NotExe(f"bad Mach-O magic {magic.hex()}")
        is64 = magic in (b"\xfe\xed\xfa\xcf", b"\xcf\xfa\xed\xfe")
        hdr_size = 32 if is64 else 28
        _, _, _, _, ncmds, sizeofcmds, _ = struct.unpack(
            bo + "IiiIIII", self.at(base, 28, "Mach-O header")
        )
        if sizeofcmds > MAX_TABLE:
            raise _Malformed(f"Mach-O load commands of {sizeofcmds} bytes")
        cmds = self.at(base + hdr_size, sizeofcmds, "Mach-O load commands")

        segments: list[_Segment] = []
        extents: list[tuple[str, int, int]] = []
        section_data: tuple[int, int] | None = None
        rw_data: tuple[int, int] | None = None
        pos = 0
        for i in range(ncmds):
            if pos + 8 > len(cmds):
                raise _Malformed(f"Mach-O load command {i} outside sizeofcmds")
            cmd, cmdsize = struct.unpack_from(bo + "II", cmds, pos)
            if cmdsize < 8 or pos + cmdsize > len(cmds):
                raise _Malformed(f"Mach-O load command {i} has size {cmdsize}")
            if cmd in (0x1, 0x19):  # LC_SEGMENT, LC_SEGMENT_64
                if cmd == 0x19:
                    seg_fmt, sect_fmt, sect_size = bo + "16sQQQQiiII", bo + "16s16sQQI", 80
                else:
                    seg_fmt, sect_fmt, sect_size = bo + "16sIIIIiiII", bo + "16s16sIII", 68
                seg_len = struct.calcsize(seg_fmt)
                if 8 + seg_len > cmdsize:
                    raise _Malformed(f"Mach-O segment command {i} has size {cmdsize}")
                name, addr, memsz, fileoff, filesz, maxprot, prot, nsects, _ = struct.unpack_from(
                    seg_fmt, cmds, pos + 8
                )
                segname = name.rstrip(b"\0")
                extents.append(
                    (f"Mach-O segment {segname.decode(_ENC, _ERRORS)}", base + fileoff, filesz)
                )
                if segname != b"__PAGEZERO" and filesz:
                    segments.append(_Segment(addr, filesz, base + fileoff))
                if rw_data is None and addr and filesz and prot == 3 and maxprot == 3:
                    rw_data = (addr, memsz)
                sect_pos = pos + 8 + seg_len
                if sect_pos + nsects * sect_size > pos + cmdsize:
                    raise _Malformed(f"Mach-O segment command {i}: {nsects} sections")
                for j in range(nsects):
                    sectname, _, s_addr, s_size, _ = struct.unpack_from(
                        sect_fmt, cmds, sect_pos + j * sect_size
                    )
                    if section_data is None and sectname.rstrip(b"\0") == b"__go_buildinfo":
                        section_data = (s_addr, s_size)
            pos += cmdsize
        data = section_data or rw_data
        if data is None:
            raise _NotGo()
        return _Image(segments, data[0], data[1], extents)

    def _fat(self, ident: bytes) -> _Image:
        """A universal binary: like Go, read the first architecture's build info."""
        (narch,) = struct.unpack(">I", ident[4:8])
        if narch == 0:
            raise _NotExe("fat Mach-O without architectures")
        if ident[3] == 0xBE:
            (offset,) = struct.unpack(">I", self.at(8 + 8, 4, "fat Mach-O header"))
        else:
            (offset,) = struct.unpack(">Q", self.at(8 + 8, 8, "fat Mach-O header"))
        if offset + 4 > self.size:  # also what a Java class file (same magic) looks like
            raise _NotExe("fat Mach-O architecture outside the file")
        return self._macho(offset)

    # ---------------------------------------------------------------------------- PE

    def _pe(self) -> _Image:
        if self.size < 0x40:
            raise _NotExe("DOS header without a PE header")
        (lfanew,) = struct.unpack("<I", self.at(0x3C, 4, "DOS header"))
        if lfanew + 24 > self.size:
            raise _NotExe("DOS header without a PE header")
        if self.at(lfanew, 4, "PE signature") != b"PE\0\0":
            raise _NotExe("invalid PE signature")
        _, nsections, _, symtab, nsyms, opt_size, _ = struct.unpack(
            "<HHIIIHH", self.at(lfanew + 4, 20, "COFF header")
        )
        opt_off = lfanew + 24
        image_base = 0
        if opt_size >= 2:
            (opt_magic,) = struct.unpack("<H", self.at(opt_off, 2, "PE optional header"))
            if opt_magic == 0x10B and opt_size >= 32:
                (image_base,) = struct.unpack("<I", self.at(opt_off + 28, 4, "PE image base"))
            elif opt_magic == 0x20B and opt_size >= 32:
                (image_base,) = struct.unpack("<Q", self.at(opt_off + 24, 8, "PE image base"))
        table = self._table(opt_off + opt_size, 40, nsections, "PE section headers")
        segments: list[_Segment] = []
        extents: list[tuple[str, int, int]] = []
        if symtab:
            extents.append(("COFF symbol table", symtab, 18 * nsyms))
        data: tuple[int, int] | None = None
        for i in range(nsections):
            _, vsize, vaddr, rawsize, rawptr, _, _, _, _, chars = struct.unpack_from(
                "<8sIIIIIIHHI", table, i * 40
            )
            if rawsize:
                extents.append((f"PE section {i}", rawptr, rawsize))
                segments.append(_Segment(image_base + vaddr, rawsize, rawptr))
            # Go: the first initialized-data, read-write section (alignment bits ignored).
            if data is None and vaddr and rawsize and chars & ~0x600000 == 0xC0000040:
                data = (image_base + vaddr, vsize)
        if data is None:
            raise _NotGo()
        return _Image(segments, data[0], data[1], extents)

    # -------------------------------------------------------------- the build info itself

    def _map(self, image: _Image, addr: int, size: int) -> tuple[int, int] | None:
        """(file offset, bytes available up to `size`) for a virtual address, like ReadData."""
        for seg in image.segments:
            if seg.vaddr <= addr < seg.vaddr + seg.filesz:
                return seg.offset + (addr - seg.vaddr), min(size, seg.vaddr + seg.filesz - addr)
        return None

    def _find(self, image: _Image) -> tuple[bytes, bytes]:
        if image.data_size == 0:
            raise _NotGo()
        where = self._map(image, image.data_addr, image.data_size)
        if where is None:
            raise _NotGo()
        offset, avail = where
        window = self.at(offset, min(avail, SEARCH_LIMIT + HEADER_SIZE), "data segment")
        i = _find_header(window)
        if i < 0:
            raise _NotGo()
        header = window[i : i + HEADER_SIZE]
        ptr_size, flags = header[14], header[15]
        if flags & FLAG_INLINE:
            pos, end = offset + i + HEADER_SIZE, offset + avail
            version, pos = self._uvarint_string(pos, end)
            mod, _ = self._uvarint_string(pos, end) if version else (b"", pos)
        else:
            bo = ">" if flags != 0 else "<"
            if ptr_size == 4:
                fmt = bo + "I"
            elif ptr_size == 8:
                fmt = bo + "Q"
            else:
                raise _NotGo()
            (vers_ptr,) = struct.unpack_from(fmt, header, 16)
            (mod_ptr,) = struct.unpack_from(fmt, header, 16 + ptr_size)
            version = self._pointer_string(image, fmt, ptr_size, vers_ptr)
            mod = self._pointer_string(image, fmt, ptr_size, mod_ptr)
        if not version:
            raise _NotGo()
        # Strip the sentinels cmd/go wraps the module info in (modload.infoStart/infoEnd).
        if len(mod) >= 2 * _SENTINEL + 1 and mod[-_SENTINEL - 1] == 0x0A:
            mod = mod[_SENTINEL:-_SENTINEL]
        else:
            mod = b""
        return version, mod

    def _uvarint_string(self, pos: int, end: int) -> tuple[bytes, int]:
        """A uvarint-length-prefixed string within [pos, end); b"" if it does not fit (as Go)."""
        prefix = self.at(pos, min(10, max(0, end - pos)), "build info")
        length, n = _uvarint(prefix)
        if n <= 0 or length > end - pos - n:
            return b"", end
        if length > MAX_STRING:
            raise _Malformed(f"build info string of {length} bytes")
        return self.at(pos + n, length, "build info"), pos + n + length

    def _pointer_string(self, image: _Image, fmt: str, ptr_size: int, addr: int) -> bytes:
        """Pre-1.18: the Go string header {ptr, len} at `addr`, resolved through the segments."""
        where = self._map(image, addr, 2 * ptr_size)
        if where is None or where[1] < 2 * ptr_size:
            return b""
        hdr = self.at(where[0], 2 * ptr_size, "string header")
        (data_addr,) = struct.unpack_from(fmt, hdr, 0)
        (length,) = struct.unpack_from(fmt, hdr, ptr_size)
        if length == 0:
            return b""
        where = self._map(image, data_addr, length)
        if where is None or where[1] < length:
            return b""
        if length > MAX_STRING:
            raise _Malformed(f"build info string of {length} bytes")
        return self.at(where[0], length, "build info string")


def _find_header(data: bytes) -> int:
    """Index of the first 16-byte-aligned magic with a whole header after it, else -1."""
    pos = 0
    while True:
        i = data.find(MAGIC, pos)
        if i < 0 or i >= SEARCH_LIMIT or len(data) - i < HEADER_SIZE:
            return -1
        if i % HEADER_ALIGN == 0:
            return i
        pos = (i + HEADER_ALIGN - 1) & ~(HEADER_ALIGN - 1)


def _uvarint(buf: bytes) -> tuple[int, int]:
    """encoding/binary.Uvarint: (value, bytes read); n == 0 too short, n < 0 overflow."""
    x = 0
    shift = 0
    for i, b in enumerate(buf):
        if i == 10:
            return 0, -(i + 1)
        if b < 0x80:
            if i == 9 and b > 1:
                return 0, -(i + 1)
            return x | b << shift, i + 1
        x |= (b & 0x7F) << shift
        shift += 7
    return 0, 0


# ---------------------------------------------------------------- module info (text) parsing


# The lines ParseBuildInfo acts on; every other newline-terminated line only counts for line
# numbers, which are computed (by counting newlines) only when an error is reported.
_MODINFO_LINE = r"^(path|mod|dep|=>|build)\t([^\n]*)\n"


def parse_modinfo(go_version: str, modinfo: str) -> BuildInfo:
    """runtime/debug.ParseBuildInfo; ValueError("line N: why") on malformed input.

    Linear: one regex scan picks the lines that matter, never copying the rest of the string
    per line (the old loop did: quadratic). Building the result costs about a microsecond per
    module or setting; `read_go_version` (what verify uses) only validates, at C speed.
    Like Go, a last line without a newline is ignored.
    """
    path = ""
    main: list[Any] | None = None
    deps: list[list[Any]] = []
    settings: list[tuple[str, str]] = []
    last: list[Any] | None = None  # [path, version, sum, replace]: the module `=>` replaces
    match: re.Match[str] | None = None
    try:
        for match in _regex(_MODINFO_LINE, re.MULTILINE).finditer(modinfo):
            kind, rest = match.groups()
            if kind == "build":
                settings.append(_build_line(rest))
            elif kind == "dep":
                last = _module_line(rest.split("\t"))
                deps.append(last)
            elif kind == "=>":
                elem = rest.split("\t")
                if len(elem) != 3:
                    raise ValueError(f"expected 3 columns for replacement; got {len(elem)}")
                if last is None:
                    raise ValueError("replacement with no module on previous line")
                last[3] = Module(elem[0], elem[1], elem[2])
                last = None
            elif kind == "mod":
                main = last = _module_line(rest.split("\t"))
            else:
                path = rest
    except ValueError as e:
        assert match is not None
        line_num = modinfo.count("\n", 0, match.start()) + 1
        raise ValueError(f"line {line_num}: {e}") from None
    main_module = Module(*main) if main is not None else None
    if main_module == Module("", "", ""):
        main_module = None  # Go prints `mod` only when Main != Module{}
    return BuildInfo(
        go_version=go_version,
        path=path,
        main=main_module,
        deps=tuple(Module(*d) for d in deps),
        settings=tuple(settings),
        raw_modinfo=modinfo,
    )


def _module_line(elem: list[str]) -> list[Any]:
    if len(elem) == 3:
        return [elem[0], elem[1], elem[2], None]
    if len(elem) == 2:
        return [elem[0], elem[1], "", None]
    raise ValueError(f"expected 2 or 3 columns; got {len(elem)}")


# check_modinfo's grammar: runtime/debug.ParseBuildInfo as one possessive regex, so Python
# never loops per line on valid input. A double-quoted Go literal with only valid escapes
# (\u and \U: no surrogates, at most U+10FFFF; octal at most \377) or a raw one.
_DQ = (
    r'"(?:[^"\\\n]|\\(?:[abfnrtv\\"]|x[0-9a-fA-F]{2}|[0-3][0-7]{2}'
    r"|u(?:[0-9a-cA-CefEF][0-9a-fA-F]{3}|[dD][0-7][0-9a-fA-F]{2})"
    r"|U(?:0000(?:[0-9a-cA-CefEF][0-9a-fA-F]{3}|[dD][0-7][0-9a-fA-F]{2})"
    r"|000[1-9a-fA-F][0-9a-fA-F]{4}|0010[0-9a-fA-F]{4})))*+\""
)
_RAW = r"`[^`\n]*+`"
_BUILD = (
    rf"build\t(?:[^= \t\r\"`\n]++|{_DQ}|{_RAW})="  # plain key (no quoting needed) or quoted
    rf"(?:{_DQ}|{_RAW}|[^ \t\r\"`\n]*+)\n"  # quoted value, or plain (no quoting needed)
)
# Lines that never change the replacement state: runs of empty lines, other lines (Go ignores
# them; each alternative starts with a literal or a class so sre skips it after one char),
# path lines and build lines.
_NEUTRAL = (
    rf"(?:\n++|[^mdb=\n][^\n]*+\n|{_BUILD}|m(?!od\t)[^\n]*+\n|d(?!ep\t)[^\n]*+\n"
    r"|=(?!>\t)[^\n]*+\n|b(?!uild\t)[^\n]*+\n)"
)
_MOD = r"(?:mod|dep)\t[^\t\n]*+\t[^\t\n]*+(?:\t[^\t\n]*+)?\n"
_REPL = r"=>\t[^\t\n]*+\t[^\t\n]*+\t[^\t\n]*+\n"
# A replacement is valid only after a module line with neutral lines at most in between.
_VALID_MODINFO = rf"{_NEUTRAL}*+(?:{_MOD}{_NEUTRAL}*+(?:{_REPL}{_NEUTRAL}*+)?)*+"


@functools.cache
def _regex(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """Compiled on first use: compiling these at import would cost every command ~50 ms."""
    return re.compile(pattern, flags)


def check_modinfo(modinfo: str) -> None:
    """Raise the ValueError parse_modinfo would, without building anything (C-speed)."""
    end = modinfo.rfind("\n") + 1  # like Go, a last line without a newline is ignored
    matched = _regex(_VALID_MODINFO).match(modinfo, 0, end)
    pos = matched.end() if matched else 0
    if pos == end:
        return
    # The line at `pos` is the first one the grammar refuses: say why, as parse_modinfo does.
    line_num = modinfo.count("\n", 0, pos) + 1
    line = modinfo[pos : modinfo.index("\n", pos)]
    # The last module or replacement line before it: may a `=>` here replace something?
    last_start, last_kind = -1, ""
    for prefix in ("mod\t", "dep\t", "=>\t"):
        i = modinfo.rfind("\n" + prefix, 0, pos)
        start = i + 1 if i >= 0 else (0 if pos and modinfo.startswith(prefix) else -1)
        if start > last_start:
            last_start, last_kind = start, prefix
    try:
        if line.startswith(("mod\t", "dep\t")):
            _module_line(line.split("\t")[1:])
        elif line.startswith("=>\t"):
            elem = line[3:].split("\t")
            if len(elem) != 3:
                raise ValueError(f"expected 3 columns for replacement; got {len(elem)}")
            if last_kind not in ("mod\t", "dep\t"):
                raise ValueError("replacement with no module on previous line")
        elif line.startswith("build\t"):
            _build_line(line[6:])
    except ValueError as e:
        raise ValueError(f"line {line_num}: {e}") from None
    # The regex is stricter than Go somewhere (it should not be): decide the slow, exact way.
    parse_modinfo("", modinfo)


_PLAIN_SETTING = r"([^= \t\r\n\"`]++)=([^ \t\r\n\"`]*+)"


def _build_line(kv: str) -> tuple[str, str]:
    plain = _regex(_PLAIN_SETTING).fullmatch(kv)  # key=value with nothing to quote: most lines
    if plain:
        return plain.group(1), plain.group(2)
    if not kv:
        raise ValueError("build line missing '='")
    if kv[0] == "=":
        raise ValueError("build line with missing key")
    if kv[0] in '`"':
        raw = _encode(kv)
        prefix = _quoted_prefix(raw)
        if prefix is None:
            raise ValueError("invalid quoted key in build line")
        if len(raw) == len(prefix):
            raise ValueError("build line missing '=' after quoted key")
        if raw[len(prefix)] != 0x3D:
            c = go_quote_rune(raw[len(prefix)])
            raise ValueError(f"unexpected character after quoted key: {c}")
        key = _decode(_unquote(prefix) or b"")
        raw_value = _decode(raw[len(prefix) + 1 :])
    else:
        key, eq, raw_value = kv.partition("=")
        if not eq:
            raise ValueError("build line missing '=' after key")
        if _quote_key(key):
            raise ValueError(f"unquoted key {go_quote(key)} must be quoted")
    value = raw_value
    if raw_value and raw_value[0] in '`"':
        unquoted = _unquote(_encode(raw_value))
        if unquoted is None:
            raise ValueError("invalid quoted value in build line")
        value = _decode(unquoted)
    elif _quote_value(raw_value):
        raise ValueError(f"unquoted value {go_quote(raw_value)} must be quoted")
    return key, value


def _quote_key(key: str) -> bool:
    return not key or any(c in '= \t\r\n"`' for c in key)


def _quote_value(value: str) -> bool:
    return any(c in ' \t\r\n"`' for c in value)


def _encode(s: str) -> bytes:
    return s.encode(_ENC, _ERRORS)


def _decode(b: bytes) -> str:
    return b.decode(_ENC, _ERRORS)


# ------------------------------------------------------------------ strconv, ported from Go


def _go_is_print(c: str) -> bool:
    """unicode.IsPrint: categories L, M, N, P, S and the ASCII space."""
    o = ord(c)
    if o <= 0xFF:
        return 0x20 <= o <= 0x7E or (0xA1 <= o <= 0xFF and o != 0xAD)
    return c.isprintable()


_SIMPLE_ESCAPES = {
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
}


def go_quote(s: str) -> str:
    """strconv.Quote for a Go string held as surrogate-escaped UTF-8."""
    out = ['"']
    for c in s:
        o = ord(c)
        if 0xDC80 <= o <= 0xDCFF:  # an invalid UTF-8 byte
            out.append(f"\\x{o - 0xDC00:02x}")
        elif c in ('"', "\\"):
            out.append("\\" + c)
        elif _go_is_print(c):
            out.append(c)
        elif c in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[c])
        elif o < 0x20 or o == 0x7F:
            out.append(f"\\x{o:02x}")
        elif 0xD800 <= o <= 0xDFFF:  # not a valid rune
            out.append("\\ufffd")
        elif o < 0x10000:
            out.append(f"\\u{o:04x}")
        else:
            out.append(f"\\U{o:08x}")
    out.append('"')
    return "".join(out)


def go_quote_rune(b: int) -> str:
    """strconv.QuoteRune for a single byte value, as `%q` prints a byte."""
    if b == 0x27:
        return "'\\''"
    if b == 0x5C:
        return "'\\\\'"
    return "'" + go_quote(chr(b))[1:-1].replace('\\"', '"') + "'"


def _decode_rune(s: bytes, i: int) -> tuple[int, int]:
    """utf8.DecodeRune at s[i:]: (rune, width); (0xFFFD, 1) on an invalid sequence."""
    c = s[i : i + 4].decode(_ENC, _ERRORS)[0]
    o = ord(c)
    if 0xDC80 <= o <= 0xDCFF:
        return 0xFFFD, 1
    return o, len(c.encode(_ENC))


def _valid_utf8(s: bytes) -> bool:
    try:
        s.decode(_ENC)
    except UnicodeDecodeError:
        return False
    return True


_HEX = b"0123456789abcdefABCDEF"


def _unquote_char(s: bytes, i: int, quote: int) -> tuple[bytes, int] | None:
    """strconv.UnquoteChar at s[i:]: (encoded value, next index), or None on a syntax error."""
    c = s[i]
    if c == quote and quote in (0x27, 0x22):
        return None
    if c >= 0x80:
        r, w = _decode_rune(s, i)
        return chr(r).encode(_ENC), i + w
    if c != 0x5C:
        return bytes([c]), i + 1
    if i + 1 >= len(s):
        return None
    c = s[i + 1]
    i += 2
    simple = {0x61: 7, 0x62: 8, 0x66: 12, 0x6E: 10, 0x72: 13, 0x74: 9, 0x76: 11, 0x5C: 0x5C}
    if c in simple:
        return bytes([simple[c]]), i
    if c in (0x78, 0x75, 0x55):  # x u U
        n = {0x78: 2, 0x75: 4, 0x55: 8}[c]
        digits = s[i : i + n]
        if len(digits) < n or any(d not in _HEX for d in digits):
            return None
        v = int(digits, 16)
        if c == 0x78:
            return bytes([v]), i + n
        if v > 0x10FFFF or 0xD800 <= v <= 0xDFFF:
            return None
        return chr(v).encode(_ENC), i + n
    if 0x30 <= c <= 0x37:
        digits = s[i : i + 2]
        if len(digits) < 2 or any(not 0x30 <= d <= 0x37 for d in digits):
            return None
        v = (c - 0x30) << 6 | (digits[0] - 0x30) << 3 | (digits[1] - 0x30)
        if v > 255:
            return None
        return bytes([v]), i + 2
    if c in (0x27, 0x22):
        return (bytes([c]), i) if c == quote else None
    return None


def _unquote_prefix(s: bytes, unescape: bool) -> tuple[bytes, int] | None:
    """strconv's unquote: (value or verbatim literal, length consumed), None on a syntax error."""
    if len(s) < 2:
        return None
    quote = s[0]
    end = s.find(bytes([quote]), 1)
    if end < 0:
        return None
    end += 1  # just past the (optimistic) closing quote
    if quote == 0x60:  # `
        if not unescape:
            return s[:end], end
        return s[1 : end - 1].replace(b"\r", b""), end
    if quote != 0x22:  # single quotes never reach here: build lines quote with " or `
        return None
    body = s[:end]
    if b"\\" not in body and b"\n" not in body and _valid_utf8(s[1 : end - 1]):
        return (s[1 : end - 1] if unescape else s[:end]), end
    out = bytearray()
    i = 1
    while i < len(s) and s[i] != quote:
        if s[i] == 0x0A:
            return None
        got = _unquote_char(s, i, quote)
        if got is None:
            return None
        value, i = got
        out += value
    if i >= len(s) or s[i] != quote:
        return None
    i += 1
    return (bytes(out) if unescape else s[:i]), i


def _quoted_prefix(s: bytes) -> bytes | None:
    got = _unquote_prefix(s, False)
    return None if got is None else got[0]


def _unquote(s: bytes) -> bytes | None:
    """strconv.Unquote: the whole of `s` must be one literal."""
    got = _unquote_prefix(s, True)
    if got is None or got[1] != len(s):
        return None
    return got[0]
