"""Synthetic executables (ELF, Mach-O, PE) and crafted module info for the build-info tests."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from gover.inspect import buildinfo


def synth_elf(
    bits: int, big: bool, inline: bool, version: bytes, mod: bytes, sections: bool = True
) -> bytes:
    """A minimal static ELF executable: a read-only and a read-write PT_LOAD."""
    bo = ">" if big else "<"
    is64 = bits == 64
    ehsize, phentsize, shentsize = (64, 56, 64) if is64 else (52, 32, 40)
    base = 0x400000
    ro_off = 0x1000
    ro_addr = base + ro_off
    rodata_len = 8 + len(version) + len(mod)
    data_off = _align(ro_off + rodata_len)
    data_addr = base + data_off
    lay = _blob(bits, big, inline, version, mod, data_addr, ro_addr)
    shstrtab = b"\0.go.buildinfo\0.shstrtab\0"
    str_off = data_off + len(lay.data)
    sh_off = _align(str_off + len(shstrtab), 8)
    shnum = 3 if sections else 0

    def phdr(flags: int, off: int, addr: int, size: int) -> bytes:
        if is64:
            return struct.pack(bo + "IIQQQQQQ", 1, flags, off, addr, addr, size, size, 0x1000)
        return struct.pack(bo + "IIIIIIII", 1, off, addr, addr, size, size, flags, 0x1000)

    def shdr(name: int, typ: int, flags: int, addr: int, off: int, size: int) -> bytes:
        fmt = bo + ("IIQQQQIIQQ" if is64 else "IIIIIIIIII")
        return struct.pack(fmt, name, typ, flags, addr, off, size, 0, 0, 1, 0)

    machine = {(64, False): 62, (64, True): 22, (32, False): 3, (32, True): 8}[(bits, big)]
    ident = b"\x7fELF" + bytes([2 if is64 else 1, 2 if big else 1, 1]) + bytes(9)
    fmt = bo + ("HHIQQQIHHHHHH" if is64 else "HHIIIIIHHHHHH")
    ehdr = ident + struct.pack(
        fmt, 2, machine, 1, ro_addr, ehsize, sh_off if sections else 0, 0,
        ehsize, phentsize, 2, shentsize, shnum, 2 if sections else 0,
    )  # fmt: skip
    out = bytearray(ehdr)
    out += phdr(4, ro_off, ro_addr, rodata_len) + phdr(6, data_off, data_addr, len(lay.data))
    out += bytes(ro_off - len(out)) + lay.rodata.ljust(rodata_len, b"\0")
    out += bytes(data_off - len(out)) + lay.data + shstrtab
    out += bytes(sh_off - len(out))
    if sections:
        out += shdr(0, 0, 0, 0, 0, 0)
        out += shdr(1, 1, 3, data_addr, data_off, len(lay.data))
        out += shdr(15, 3, 0, 0, str_off, len(shstrtab))
    return bytes(out)


def synth_macho(
    bits: int, big: bool, inline: bool, version: bytes, mod: bytes, sections: bool = True
) -> bytes:
    """A minimal Mach-O: __PAGEZERO, __TEXT (read-only strings), __DATA (build info)."""
    bo = ">" if big else "<"
    is64 = bits == 64
    magic = 0xFEEDFACF if is64 else 0xFEEDFACE
    hdr_size = 32 if is64 else 28
    seg_fmt = bo + ("II16sQQQQiiII" if is64 else "II16sIIIIiiII")
    sect_fmt = bo + ("16s16sQQIIIIIIII" if is64 else "16s16sIIIIIIIII")
    seg_size, sect_size = struct.calcsize(seg_fmt), struct.calcsize(sect_fmt)
    nsects = 1 if sections else 0
    cmds_size = 3 * seg_size + nsects * sect_size
    text_addr, ro_off = 0x1000000, 0x1000
    rodata_len = 8 + len(version) + len(mod)
    data_off = _align(ro_off + rodata_len)
    data_addr = text_addr + data_off
    lay = _blob(bits, big, inline, version, mod, data_addr, text_addr + ro_off)
    cputype = {(64, False): 0x01000007, (64, True): 0x01000012, (32, False): 7, (32, True): 18}
    out = bytearray(struct.pack(bo + "IiiIIII", magic, cputype[(bits, big)], 3, 2, 3, cmds_size, 0))
    if is64:
        out += bytes(4)
    out += struct.pack(
        seg_fmt, 0x19 if is64 else 1, seg_size, b"__PAGEZERO", 0, text_addr, 0, 0, 0, 0, 0, 0
    )
    out += struct.pack(
        seg_fmt,
        0x19 if is64 else 1,
        seg_size,
        b"__TEXT",
        text_addr,
        data_off,
        0,
        data_off,
        5,
        5,
        0,
        0,
    )
    out += struct.pack(
        seg_fmt, 0x19 if is64 else 1, seg_size + nsects * sect_size, b"__DATA",
        data_addr, _align(len(lay.data)), data_off, len(lay.data), 3, 3, nsects, 0,
    )  # fmt: skip
    if sections:
        extra = (0, 0, 0) if is64 else (0, 0)
        out += struct.pack(
            sect_fmt, b"__go_buildinfo", b"__DATA", data_addr, len(lay.data), data_off,
            4, 0, 0, 0, *extra,
        )  # fmt: skip
    assert len(out) == hdr_size + cmds_size
    out += bytes(ro_off - len(out)) + lay.rodata.ljust(rodata_len, b"\0")
    out += bytes(data_off - len(out)) + lay.data
    return bytes(out)


def synth_pe(bits: int, big: bool, inline: bool, version: bytes, mod: bytes) -> bytes:
    """A minimal PE32/PE32+: .rdata (strings) and .data (build info), image base 0x400000."""
    assert not big
    is64 = bits == 64
    image_base = 0x140000000 if is64 else 0x400000
    opt_size = 240 if is64 else 224
    ro_rva, data_rva = 0x1000, 0x2000 + _align(8 + len(version) + len(mod))
    lay = _blob(bits, big, inline, version, mod, image_base + data_rva, image_base + ro_rva)
    ro_raw = _align(8 + len(version) + len(mod), 0x200)
    data_raw = _align(len(lay.data), 0x200)
    ro_off = 0x400
    data_off = ro_off + ro_raw
    dos = bytearray(b"MZ" + bytes(0x3A)) + struct.pack("<I", 0x40)
    coff = struct.pack(
        "<4sHHIIIHH", b"PE\0\0", 0x8664 if is64 else 0x14C, 2, 0, 0, 0, opt_size, 0x22
    )
    opt = bytearray(opt_size)
    struct.pack_into("<H", opt, 0, 0x20B if is64 else 0x10B)
    if is64:
        struct.pack_into("<Q", opt, 24, image_base)
    else:
        struct.pack_into("<I", opt, 28, image_base)
    struct.pack_into("<II", opt, 32, 0x1000, 0x200)  # section / file alignment
    struct.pack_into("<I", opt, 56, data_rva + 0x1000)  # SizeOfImage
    struct.pack_into("<I", opt, 60, 0x400)  # SizeOfHeaders
    struct.pack_into("<I", opt, opt_size - 16 * 8 - 4, 16)  # NumberOfRvaAndSizes
    sects = struct.pack(
        "<8sIIIIIIHHI",
        b".rdata",
        8 + len(version) + len(mod),
        ro_rva,
        ro_raw,
        ro_off,
        0,
        0,
        0,
        0,
        0x40000040,
    )
    sects += struct.pack(
        "<8sIIIIIIHHI",
        b".data",
        len(lay.data),
        data_rva,
        data_raw,
        data_off,
        0,
        0,
        0,
        0,
        0xC0000040,
    )
    out = bytearray(dos + coff + opt + sects)
    out += bytes(ro_off - len(out)) + lay.rodata.ljust(ro_raw, b"\0")
    out += lay.data.ljust(data_raw, b"\0")
    return bytes(out)


def crafted_modinfo(shape: str, size: int = buildinfo.MAX_STRING - 64) -> bytes:
    """Framed module info of about `size` bytes: a head, then the shape's unit repeated."""
    unit = CRAFTED_SHAPES[shape]
    return _wrap(CRAFTED_HEAD + unit * ((size - len(CRAFTED_HEAD)) // len(unit)))


def _wrap(modinfo: bytes) -> bytes:
    return SENTINEL_START + modinfo + SENTINEL_END if modinfo else b""


def _blob(
    bits: int, big: bool, inline: bool, version: bytes, mod: bytes, data_addr: int, ro_addr: int
) -> Layout:
    """A data segment with a misaligned decoy magic, then the real header at 0x40.

    Pointer format: the header points at two {ptr, len} string headers placed after it in
    the data segment, whose pointers lead into the read-only segment: an address-map walk
    across two segments, as in real pre-1.18 binaries.
    """
    bo = ">" if big else "<"
    ptr = bo + ("Q" if bits == 64 else "I")
    size = bits // 8
    prefix = bytearray(b"junk" * 2 + buildinfo.MAGIC + b"\x08\x00" + bytes(64))[:0x40]
    flags = (1 if big else 0) | (2 if inline else 0)
    header = bytearray(buildinfo.MAGIC + bytes([size, flags]) + bytes(16))
    if inline:
        body = _uvarint(len(version)) + version + _uvarint(len(mod)) + mod
        return Layout(bytes(prefix + header + body + bytes(16)), b"")
    hdrs = data_addr + 0x40 + 32
    struct.pack_into(ptr, header, 16, hdrs)
    struct.pack_into(ptr, header, 16 + size, hdrs + 2 * size)
    rodata = b"\0" * 8 + version + mod
    strings = struct.pack(ptr, ro_addr + 8) + struct.pack(ptr, len(version))
    strings += struct.pack(ptr, ro_addr + 8 + len(version) if mod else 0) + struct.pack(
        ptr, len(mod)
    )
    return Layout(bytes(prefix + header + strings), rodata)


def _align(n: int, a: int = 0x1000) -> int:
    return (n + a - 1) & ~(a - 1)


CRAFTED_SHAPES = {
    # 16 MiB of module lines, each other one replaced: ~560,000 modules.
    "deps": b"dep\tm\tv1\n=>\tr\tv2\th1:x=\n",
    # Empty lines and ignored lines: ~16 million lines, nothing to keep.
    "lines": b"\n\nx\n",
    # Build settings in every quoting form.
    "settings": b'build\tk=v\nbuild\t"q k"=`r v`\nbuild\te="\\u00e9\\x41\\101"\n',
}


CRAFTED_HEAD = b"path\texample.com/crafted\nmod\texample.com/crafted\t(devel)\t\n"


SENTINEL_START = bytes.fromhex("3077af0c9274080241e1c107e6d618e6")


SENTINEL_END = bytes.fromhex("f932433186182072008242104116d8f2")


def _uvarint(n: int) -> bytes:
    out = bytearray()
    while n >= 0x80:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


@dataclass(frozen=True)
class Layout:
    """What goes into the data segment and the read-only segment of a hand-built file."""

    data: bytes  # starts at the data segment's address
    rodata: bytes
