"""The checksum database's transparency log (golang/mod sumdb/tlog): hashes, tiles, proofs.

RFC 6962 hashing (leaf SHA-256(0x00 ‖ data), node SHA-256(0x01 ‖ left ‖ right)). The log
stores the hash of every complete subtree; hash number `stored_hash_index(level, n)` is the
subtree of records [n·2^level, (n+1)·2^level). Tiles of height H carry the level-(L·H) hashes
number N·2^H onward, W of them (W < 2^H: a partial tile, path suffix `.p/W`).

Tiles are read unauthenticated: every hash taken from them goes into an inclusion or a
consistency proof that is checked against a signed tree hash, so a lying tile makes the proof
fail instead of being believed.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from gover.errors import VerificationError

__all__ = [
    "HASH_SIZE",
    "TILE_HEIGHT",
    "Tile",
    "TileHashReader",
    "Tree",
    "check_record",
    "check_tree",
    "node_hash",
    "parse_record",
    "parse_tree",
    "prove_record",
    "prove_tree",
    "record_hash",
    "stored_hash_index",
    "tree_hash",
]

HASH_SIZE = 32
TILE_HEIGHT = 8
_TREE_PREFIX = "go.sum database tree\n"

HashReader = Callable[[list[int]], list[bytes]]


class ProofError(VerificationError):
    """A proof that does not check: the log's answers contradict its signed head."""


@dataclass(frozen=True)
class Tree:
    """A signed tree head: size and root hash."""

    n: int
    hash: bytes

    def __str__(self) -> str:
        return f"tree {self.n} ({base64.b64encode(self.hash).decode()})"


def parse_tree(text: str, what: str) -> Tree:
    """The tree of a checkpoint text: `go.sum database tree`, the size, the base64 root."""
    lines = text.split("\n", 3)
    if not text.startswith(_TREE_PREFIX) or len(lines) < 4 or len(text) > 1_000_000:
        raise VerificationError(f"{what}: not a checksum database tree head")
    size_text, hash_text = lines[1], lines[2]
    from gover.toolchain.trust.note import b64decode_strict

    root = b64decode_strict(hash_text)
    if not size_text.isdigit() or str(int(size_text)) != size_text or root is None:
        raise VerificationError(f"{what}: a malformed checksum database tree head")
    if len(root) != HASH_SIZE or int(size_text) >= 1 << 63:
        raise VerificationError(f"{what}: a malformed checksum database tree head")
    return Tree(int(size_text), root)


def parse_record(msg: bytes, what: str) -> tuple[int, bytes, bytes]:
    """A /lookup answer: (record id, record text, signed tree note)."""
    first, sep, rest = msg.partition(b"\n")
    if not sep or not first.isdigit() or len(first) > 19:
        raise VerificationError(f"{what}: a malformed checksum database record")
    split = rest.find(b"\n\n")
    if split < 0:
        raise VerificationError(f"{what}: a malformed checksum database record")
    text, note = rest[: split + 1], rest[split + 2 :]
    try:
        decoded = text.decode("utf-8")
    except UnicodeDecodeError:
        raise VerificationError(f"{what}: a checksum database record that is not UTF-8") from None
    if any(c < " " and c != "\n" for c in decoded) or "\n\n" in decoded:
        raise VerificationError(f"{what}: a malformed checksum database record")
    return int(first), text, note


def record_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _stored_count(n: int) -> int:
    """How many hashes the log stores for records 0..n-1 (2n - popcount(n))."""
    return 2 * n - bin(n).count("1")


def stored_hash_index(level: int, n: int) -> int:
    """Where the hash of subtree (level, n) sits in the log's sequence of stored hashes: right
    after the hashes of every record before its last leaf, plus its level."""
    last_leaf = ((n + 1) << level) - 1
    return _stored_count(last_leaf) + level


def split_stored_hash_index(index: int) -> tuple[int, int]:
    """(level, n) of stored hash `index`."""
    m = index // 2
    while _stored_count(m) > index:
        m -= 1
    while _stored_count(m + 1) <= index:
        m += 1
    level = index - _stored_count(m)
    return level, m >> level


def _maxpow2(n: int) -> int:
    """The largest power of two strictly below n (n ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def _sub_tree_index(lo: int, hi: int) -> list[int]:
    """Stored indexes of the complete subtrees that make up records [lo, hi), left to right."""
    need = []
    while lo < hi:
        k = _maxpow2(hi - lo + 1)
        level = k.bit_length() - 1
        need.append(stored_hash_index(level, lo >> level))
        lo += k
    return need


def _sub_tree_hash(lo: int, hi: int, read: HashReader) -> bytes:
    hashes = read(_sub_tree_index(lo, hi))
    result = hashes[-1]
    for h in reversed(hashes[:-1]):
        result = node_hash(h, result)
    return result


def tree_hash(n: int, read: HashReader) -> bytes:
    """The root hash of the tree of the first n records."""
    if n == 0:
        return bytes(HASH_SIZE)
    return _sub_tree_hash(0, n, read)


def _leaf_proof(lo: int, hi: int, n: int, read: HashReader) -> list[bytes]:
    if lo + 1 == hi:
        return []
    k = _maxpow2(hi - lo)
    if n < lo + k:
        return [*_leaf_proof(lo, lo + k, n, read), _sub_tree_hash(lo + k, hi, read)]
    return [*_leaf_proof(lo + k, hi, n, read), _sub_tree_hash(lo, lo + k, read)]


def prove_record(t: int, n: int, read: HashReader) -> list[bytes]:
    """The inclusion proof of record n in the tree of size t."""
    if not 0 <= n < t:
        raise ProofError(f"record {n} is not in a tree of {t} records")
    return _leaf_proof(0, t, n, read)


def _run_record_proof(p: list[bytes], lo: int, hi: int, n: int, leaf: bytes) -> bytes:
    if lo + 1 == hi:
        if p:
            raise ProofError("an inclusion proof of the wrong length")
        return leaf
    if not p:
        raise ProofError("an inclusion proof of the wrong length")
    k = _maxpow2(hi - lo)
    if n < lo + k:
        return node_hash(_run_record_proof(p[:-1], lo, lo + k, n, leaf), p[-1])
    return node_hash(p[-1], _run_record_proof(p[:-1], lo + k, hi, n, leaf))


def check_record(proof: list[bytes], t: int, th: bytes, n: int, leaf: bytes) -> bool:
    """Whether `proof` shows the record with hash `leaf` at n in the tree (t, th)."""
    if not 0 <= n < t:
        return False
    try:
        return _run_record_proof(proof, 0, t, n, leaf) == th
    except ProofError:
        return False


def _tree_proof(lo: int, hi: int, n: int, read: HashReader) -> list[bytes]:
    if n == hi:
        return [] if lo == 0 else [_sub_tree_hash(lo, hi, read)]
    k = _maxpow2(hi - lo)
    if n <= lo + k:
        return [*_tree_proof(lo, lo + k, n, read), _sub_tree_hash(lo + k, hi, read)]
    return [*_tree_proof(lo + k, hi, n, read), _sub_tree_hash(lo, lo + k, read)]


def prove_tree(t: int, n: int, read: HashReader) -> list[bytes]:
    """The consistency proof that the tree of size n is a prefix of the tree of size t."""
    if not 1 <= n <= t:
        raise ProofError(f"no consistency proof from tree {n} to tree {t}")
    return _tree_proof(0, t, n, read)


def _run_tree_proof(p: list[bytes], lo: int, hi: int, n: int, old: bytes) -> tuple[bytes, bytes]:
    if n == hi:
        if lo == 0:
            if p:
                raise ProofError("a consistency proof of the wrong length")
            return old, old
        if len(p) != 1:
            raise ProofError("a consistency proof of the wrong length")
        return p[0], p[0]
    if not p:
        raise ProofError("a consistency proof of the wrong length")
    k = _maxpow2(hi - lo)
    if n <= lo + k:
        oh, th = _run_tree_proof(p[:-1], lo, lo + k, n, old)
        return oh, node_hash(th, p[-1])
    oh, th = _run_tree_proof(p[:-1], lo + k, hi, n, old)
    return node_hash(p[-1], oh), node_hash(p[-1], th)


def check_tree(proof: list[bytes], t: int, th: bytes, n: int, h: bytes) -> bool:
    """Whether `proof` shows the tree (n, h) to be a prefix of the tree (t, th)."""
    if not 1 <= n <= t:
        return False
    try:
        oh, nh = _run_tree_proof(proof, 0, t, n, h)
    except ProofError:
        return False
    return oh == h and nh == th


@dataclass(frozen=True)
class Tile:
    """Tile (height, level, number, width) of the hash log."""

    h: int
    l: int  # noqa: E741 - the tile level, as golang/mod names it
    n: int
    w: int

    @property
    def path(self) -> str:
        """`tile/8/0/x001/234.p/5`: the number in groups of three digits, `x` before all but
        the last; `.p/W` on a partial tile."""
        n = self.n
        parts = [f"{n % 1000:03d}"]
        while n >= 1000:
            n //= 1000
            parts.insert(0, f"x{n % 1000:03d}")
        partial = f".p/{self.w}" if self.w != 1 << self.h else ""
        return f"tile/{self.h}/{self.l}/{'/'.join(parts)}{partial}"

    def full(self) -> Tile:
        return Tile(self.h, self.l, self.n, 1 << self.h)


def tile_for(h: int, index: int, tree_size: int) -> tuple[Tile, int, int]:
    """The tile of tree `tree_size` that holds stored hash `index`, as wide as that tree makes
    it, and the byte range of the level-(L·H) hashes the stored hash is computed from."""
    level, n = split_stored_hash_index(index)
    tl = level // h
    within = level - tl * h
    first = n << within  # first hash at the tile's base level
    number = first >> h
    start = first - (number << h)
    end = start + (1 << within)
    available = (tree_size >> (tl * h)) - (number << h)
    width = min(1 << h, available)
    if width < end:
        raise ProofError(f"hash {index} is not in a tree of {tree_size} records")
    return Tile(h, tl, number, width), start * HASH_SIZE, end * HASH_SIZE


def _tile_hash(data: bytes) -> bytes:
    if len(data) == HASH_SIZE:
        return data
    half = len(data) // 2
    return node_hash(_tile_hash(data[:half]), _tile_hash(data[half:]))


class TileHashReader:
    """Stored hashes of the tree of `tree_size` records, read from tiles that `fetch_tile`
    returns (exactly tile.w hashes). Tiles are cached for the reader's life."""

    def __init__(self, tree_size: int, fetch_tile: Callable[[Tile], bytes], h: int = TILE_HEIGHT):
        self.tree_size = tree_size
        self.h = h
        self._fetch = fetch_tile
        self._tiles: dict[Tile, bytes] = {}

    def _tile(self, tile: Tile) -> bytes:
        data = self._tiles.get(tile)
        if data is None:
            data = self._fetch(tile)
            if len(data) != tile.w * HASH_SIZE:
                raise ProofError(
                    f"{tile.path}: {len(data)} bytes, not {tile.w * HASH_SIZE} ({tile.w} hashes)"
                )
            self._tiles[tile] = data
        return data

    def __call__(self, indexes: list[int]) -> list[bytes]:
        out = []
        for index in indexes:
            tile, start, end = tile_for(self.h, index, self.tree_size)
            out.append(_tile_hash(self._tile(tile)[start:end]))
        return out
