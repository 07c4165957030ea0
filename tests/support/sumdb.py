"""A test checksum database: a tlog of go.sum records, its tiles and signed tree heads.

Written as a static tree (`latest`, `lookup/<mod>@<ver>`, `tile/8/<L>/<N>[.p/<W>]`) that
tests/support/httpserver.TestServer serves over real HTTP, signed by a throw-away Ed25519 key.
Real go accepts it (test_go_oracle.py) before gover's verifier is tested against it. For the
attacks: `fork()` (same key, other records), `write(size=)` (an older head: a rollback),
`write(lying_tiles=True)` (tiles whose hashes are wrong), `write(alter_record=)` (a lookup
whose record text is not the logged one), a log by another key with the same name.

The hashing here is written out plainly (recursive subtree hashes), independent of
gover.toolchain.trust.tlog, so the two check each other.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

TILE_H = 8


def _leaf(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


class SigningKey:
    """An Ed25519 note signer and its verifier key text `name+hash+base64(0x01||pub)`."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._key = Ed25519PrivateKey.generate()
        pub = self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        raw = b"\x01" + pub
        self.hash = hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4]
        self.vkey = f"{name}+{self.hash.hex()}+{base64.b64encode(raw).decode()}"

    def sign(self, text: bytes) -> bytes:
        sig = base64.b64encode(self.hash + self._key.sign(text)).decode()
        return text + b"\n" + f"\u2014 {self.name} {sig}\n".encode()


class TestSumDB:
    """A checksum database log. Records are go.sum texts (lines ending in newlines)."""

    __test__ = False

    def __init__(self, name: str = "sumdb.test", key: SigningKey | None = None) -> None:
        self.name = name
        self.key = key or SigningKey(name)
        self.records: list[bytes] = []
        self.ids: dict[str, int] = {}  # "module@version" -> record id

    def add(self, module: str, version: str, text: str) -> int:
        self.records.append(text.encode())
        self.ids[f"{module}@{version}"] = len(self.records) - 1
        self._sub.cache_clear()
        return len(self.records) - 1

    def add_filler(self, count: int, tag: str = "") -> None:
        """`count` records of made-up modules, so proofs cross tiles and levels."""
        for i in range(count):
            mod = f"example.com/filler{tag}{len(self.records)}"
            h = base64.b64encode(hashlib.sha256(f"{mod}{i}".encode()).digest()).decode()
            self.add(mod, "v1.0.0", f"{mod} v1.0.0 h1:{h}\n{mod} v1.0.0/go.mod h1:{h}\n")

    def fork(self) -> TestSumDB:
        """The same database (name, key) whose records differ from record 0 on."""
        other = TestSumDB(self.name, self.key)
        other.add_filler(1, tag="fork")
        for text in self.records[1:]:
            other.records.append(text)
        other.ids = dict(self.ids)
        return other

    @cache  # noqa: B019 - one log per test, cleared on add()
    def _sub(self, level: int, n: int) -> bytes:
        if level == 0:
            return _leaf(self.records[n])
        return _node(self._sub(level - 1, 2 * n), self._sub(level - 1, 2 * n + 1))

    def root(self, size: int) -> bytes:
        """RFC 6962 root of the first `size` records: the largest power-of-two left part."""

        def hash_range(lo: int, hi: int) -> bytes:
            if hi - lo == 1:
                return _leaf(self.records[lo])
            k = 1 << ((hi - lo - 1).bit_length() - 1)
            if (hi - lo) == 2 * k and lo % (2 * k) == 0:
                level = (2 * k).bit_length() - 1
                return self._sub(level, lo >> level)
            return _node(hash_range(lo, lo + k), hash_range(lo + k, hi))

        return hash_range(0, size)

    def note(self, size: int | None = None) -> bytes:
        size = len(self.records) if size is None else size
        root = base64.b64encode(self.root(size)).decode()
        return self.key.sign(f"go.sum database tree\n{size}\n{root}\n".encode())

    def tile_paths(self, size: int) -> dict[str, bytes]:
        """Every tile of the tree of `size` records, full and partial, by path."""
        out: dict[str, bytes] = {}
        level = 0
        while size >> (TILE_H * level) > 0:
            count = size >> (TILE_H * level)
            for n in range((count + (1 << TILE_H) - 1) >> TILE_H):
                width = min(1 << TILE_H, count - (n << TILE_H))
                data = b"".join(self._sub(TILE_H * level, (n << TILE_H) + k) for k in range(width))
                out[_tile_path(level, n, width)] = data
            level += 1
        return out

    def write(
        self,
        root: Path,
        *,
        size: int | None = None,
        lying_tiles: bool = False,
        alter_record: str | None = None,
    ) -> None:
        """Write the database as of `size` records under `root` (replacing what is there for
        the same paths). `alter_record`: "module@version" whose lookup serves changed text."""
        size = len(self.records) if size is None else size
        note = self.note(size)
        (root / "latest").parent.mkdir(parents=True, exist_ok=True)
        (root / "latest").write_bytes(note)
        for key, rid in self.ids.items():
            path = root / "lookup" / key
            if rid >= size:
                path.unlink(missing_ok=True)
                continue
            text = self.records[rid]
            if key == alter_record:  # one base64 character of the first h1 changed
                at = text.index(b"h1:") + 3
                text = text[:at] + (b"B" if text[at : at + 1] == b"A" else b"A") + text[at + 1 :]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(f"{rid}\n".encode() + text + b"\n" + note)
        for rel, data in self.tile_paths(size).items():
            if lying_tiles:
                data = bytes(b ^ 0x55 for b in data)
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)

    def gosumdb(self, url: str) -> str:
        """The GOSUMDB value naming this database at `url`."""
        return f"{self.key.vkey} {url}"


def _tile_path(level: int, n: int, width: int) -> str:
    parts = [f"{n % 1000:03d}"]
    while n >= 1000:
        n //= 1000
        parts.insert(0, f"x{n % 1000:03d}")
    partial = f".p/{width}" if width != 1 << TILE_H else ""
    return f"tile/{TILE_H}/{level}/{'/'.join(parts)}{partial}"
