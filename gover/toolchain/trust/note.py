"""Signed notes (golang/mod sumdb/note): the checksum database signs its tree heads this way.

A note is UTF-8 text ending in a newline, a blank line, then signature lines
`— <name> <base64(4-byte key hash ‖ Ed25519 signature)>`. A verifier key is
`<name>+<8 hex key hash>+<base64(0x01 ‖ 32-byte Ed25519 public key)>`, the key hash being the
first 4 bytes of SHA-256(name ‖ "\\n" ‖ 0x01 ‖ public key).

Stricter than golang/mod in one way: base64 must be canonical (Go's decoder ignores the unused
low bits of the last character), so no byte of a signed note can change and still verify.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from gover.errors import VerificationError

__all__ = ["Verifier", "open_note", "parse_verifier"]

_SIG_PREFIX = "— "
_ALG_ED25519 = 1
_MAX_SIGS = 100


def _valid_name(name: str) -> bool:
    return bool(name) and not any(c.isspace() for c in name) and "+" not in name


def b64decode_strict(text: str) -> bytes | None:
    """Standard base64 with padding, and only its canonical spelling; None otherwise."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if base64.b64encode(raw).decode() == text else None


def key_hash(name: str, key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + key).digest()[:4]


@dataclass(frozen=True)
class Verifier:
    """A parsed verifier key: the name signatures carry, its key hash and Ed25519 key."""

    name: str
    hash: bytes
    public_key: bytes
    text: str

    def verify(self, message: bytes, signature: bytes) -> bool:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        return True


def parse_verifier(text: str) -> Verifier:
    """`name+hash+key` -> Verifier; a malformed key or a key hash that does not match is a
    VerificationError (it is the root of the checksum database's trust)."""
    name, _, rest = text.strip().partition("+")
    hash_hex, _, key64 = rest.partition("+")
    key = b64decode_strict(key64) if key64 else None
    ok_hex = len(hash_hex) == 8 and all(c in "0123456789abcdefABCDEF" for c in hash_hex)
    if not ok_hex or key is None or not _valid_name(name) or not key:
        raise VerificationError(
            f"{text.strip()!r} is not a checksum database key",
            "use <name>+<8 hex digits>+<base64 key>, as GOSUMDB takes it",
        )
    if key_hash(name, key) != bytes.fromhex(hash_hex):
        raise VerificationError(
            f"checksum database key {text.strip()!r}: its hash is not its key's"
        )
    if key[0] != _ALG_ED25519 or len(key) != 33:
        raise VerificationError(f"checksum database key {text.strip()!r}: not an Ed25519 key")
    return Verifier(name=name, hash=bytes.fromhex(hash_hex), public_key=key[1:], text=text.strip())


def _check_chars(msg: bytes, what: str) -> str:
    try:
        text = msg.decode("utf-8")
    except UnicodeDecodeError:
        raise VerificationError(f"{what}: a signed note that is not UTF-8") from None
    if any(c < " " and c != "\n" for c in text):
        raise VerificationError(f"{what}: a signed note with control characters")
    return text


def open_note(msg: bytes, verifier: Verifier, what: str) -> str:
    """The text of signed note `msg` once `verifier`'s signature on it checks; `what` (a URL
    or file) names the note in errors. Signatures by other keys are ignored, as in Go, but
    at least one by `verifier` must be there and every one by it must verify."""
    _check_chars(msg, what)
    split = msg.rfind(b"\n\n")
    if split < 0:
        raise VerificationError(f"{what}: not a signed note (no signature block)")
    text, sigs = msg[: split + 1], msg[split + 2 :]
    if not sigs or not sigs.endswith(b"\n"):
        raise VerificationError(f"{what}: a malformed signed note")
    verified = False
    lines = sigs.decode("utf-8").split("\n")[:-1]
    if len(lines) > _MAX_SIGS:
        raise VerificationError(f"{what}: a signed note with too many signatures")
    for line in lines:
        if not line.startswith(_SIG_PREFIX):
            raise VerificationError(f"{what}: a malformed signature line in a signed note")
        name, sep, b64 = line[len(_SIG_PREFIX) :].partition(" ")
        raw = b64decode_strict(b64) if sep else None
        if raw is None or len(raw) < 5 or not _valid_name(name):
            raise VerificationError(f"{what}: a malformed signature line in a signed note")
        if name != verifier.name or raw[:4] != verifier.hash:
            continue  # another key's signature: neither trusted nor a failure
        if not verifier.verify(text, raw[4:]):
            raise VerificationError(
                f"{what}: the signature by {verifier.name} does not verify",
                "the note was changed or signed by another key",
            )
        verified = True
    if not verified:
        raise VerificationError(
            f"{what}: not signed by the checksum database key {verifier.name}+{verifier.hash.hex()}",
            "check GOSUMDB; the server may be an impostor",
        )
    return text.decode("utf-8")
