"""OpenPGP checks: nothing is extracted until its bytes are proven official (the SHA-256
side lives in trust/checksum.py).

Signatures are checked by the real gpg (via python-gnupg) in gover's private GnuPG home,
never ~/.gnupg. Trust is a pin, not gpg's web of trust: a signature counts only when gpg
calls it good AND the signer's *primary* fingerprint belongs to a trusted key file (the Go
release key, or a `trusted_keys` entry). Google rotates the signing subkey yearly, so the
primary is pinned and any signing subkey bound to it is accepted.

Expiry is judged the way `gpg --verify` and Go developers see it: a signing subkey that has
expired since still vouches for what it signed while it was valid, so a good signature made
before the subkey's expiry is accepted (old Go releases stay installable); one made at or
after it is refused. Revocation and an expired *signature* are always refused. A signature
by a subkey the keyring does not know yet (Go added a new one) raises UnknownSignerError,
and `verify_with_refresh` then fetches the Go key once and retries.

Only public-key operations run here (import, list, verify), so no gpg-agent is started
(`--no-autostart`): agent sockets cannot live in long keyring paths, and they need none.

The signed data is fed to gpg on its stdin from the caller's open file (the descriptor the
download wrote), hashed on the way: with `sha256=`, a signature counts only for bytes
whose SHA-256 is the expected one, so no file swapped in by name can be what gpg vouched
for. Key files, the keyring's stamp and signatures are read bounded, never through a FIFO,
and the keyring directory is made (0700) only if it is no symlink and is ours.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, Literal

from gover import constants, output, paths
from gover.config import Config
from gover.constants import (
    ENV_GPG_BINARY,
    GPG_OFF,
    GPG_REQUIRE,
    KEYRING_STAMP_NAME,
    SIGNED_ARCHIVE_SUFFIXES,
)
from gover.errors import (
    ConfigError,
    GoverError,
    UnknownSignerError,
    VerificationError,
    io_error,
    io_reason,
)
from gover.fsutil import UnsafePathError, open_regular, owned_dir, read_capped, write_atomic

SignaturePolicy = Literal["require", "verify", "skip"]

# Public-key work only: never start an agent or dirmngr, never fetch keys, ignore any
# gpg.conf, and pin trust ourselves instead of consulting (and rewriting) a trustdb.
_GPG_OPTIONS = [
    "--no-options",
    "--no-autostart",
    "--no-auto-key-retrieve",
    "--no-auto-key-locate",
    "--trust-model",
    "always",
]
_STAMP_FORMAT = 1
_TRUST_HINT = "to trust it, add its public key file to the trusted_keys config setting"
_REFRESH_HINT = "run: gover keys refresh"
_MAX_KEY_FILE = 1 << 20  # an armored key with many signatures is well under this
_MAX_STAMP = 1 << 20
_FEED_CHUNK = 1 << 20  # bytes per write into gpg's stdin


def pinned_fingerprint() -> str:
    """The Go release key's primary fingerprint, read at call time (tests repoint it)."""
    return constants.GO_KEY_FINGERPRINT


@dataclass(frozen=True)
class SubKey:
    fingerprint: str
    capabilities: str  # gpg's letters: s sign, e encrypt, c certify, a authenticate
    created: datetime | None
    expires: datetime | None
    revoked: bool = False

    def expired(self, now: datetime | None = None) -> bool:
        return self.expires is not None and self.expires <= (now or datetime.now(UTC))


@dataclass(frozen=True)
class TrustedKey:
    fingerprint: str  # the primary key's, the one that is pinned
    uids: tuple[str, ...]
    subkeys: tuple[SubKey, ...]
    source: str  # the key file it was imported from
    expires: datetime | None
    revoked: bool = False

    @property
    def signing_subkeys(self) -> tuple[SubKey, ...]:
        return tuple(s for s in self.subkeys if "s" in s.capabilities)

    def subkey(self, fingerprint: str) -> SubKey | None:
        return next((s for s in self.subkeys if s.fingerprint == fingerprint), None)

    @property
    def label(self) -> str:
        return f"{self.fingerprint} ({self.uids[0]})" if self.uids else self.fingerprint


# --------------------------------------------------------------------------- policy


def _gpg_binary() -> str | None:
    """The gpg to run: $GOVER_GPG_BINARY (a name or a path) or `gpg` on PATH."""
    name = os.environ.get(ENV_GPG_BINARY) or "gpg"
    if os.sep in name or (os.altsep and os.altsep in name):
        return name if os.path.isfile(name) and os.access(name, os.X_OK) else None
    return shutil.which(name)


def gpg_available() -> bool:
    return _gpg_binary() is not None


def _gpg_wanted() -> str:
    return os.environ.get(ENV_GPG_BINARY) or "gpg"


def is_signed_artifact(filename: str) -> bool:
    """Go's release workflow signs only .tar.gz files; zip, msi and pkg have no .asc."""
    return filename.endswith(SIGNED_ARCHIVE_SUFFIXES)


def signature_policy(cfg: Config, filename: str) -> SignaturePolicy:
    """What to do about `<filename>.asc`: "require" it, "verify" it if published, or "skip"."""
    if cfg.gpg == GPG_OFF:
        return "skip"
    require = cfg.gpg == GPG_REQUIRE
    if not is_signed_artifact(filename):
        if require:
            raise VerificationError(
                f"{filename}: gpg = require, but Go publishes no signature for this kind of "
                "file (only .tar.gz archives are signed)",
                "to install it checked by SHA-256 only, set gpg = auto (gover config set gpg auto)",
            )
        return "skip"
    if not gpg_available():
        if require:
            raise VerificationError(
                f"{filename}: gpg = require, but no gpg program was found ({_gpg_wanted()})",
                "install gnupg, or set gpg = auto to fall back to SHA-256 only",
            )
        output.warn(
            "gpg not found; signatures not checked; install gnupg or set gpg = off",
            once_key="gpg-missing",
        )
        return "skip"
    return "require" if require else "verify"


# --------------------------------------------------------------------------- gpg plumbing


def _open_gpg(home: Path) -> Any:
    """A python-gnupg handle on `home` (created 0700). Spawns gpg once (version probe)."""
    binary = _gpg_binary()
    if binary is None:
        raise VerificationError(
            f"cannot check signatures: no gpg program was found ({_gpg_wanted()})",
            "install gnupg, or set gpg = off",
        )
    try:
        # Never chmod through a link: a planted symlink or someone else's directory is refused.
        owned_dir(home, mode=0o700)
    except UnsafePathError as exc:
        raise VerificationError(
            f"{home}: refusing this GnuPG keyring directory: it {exc.strerror}",
            "remove it; gover recreates it",
        ) from None
    except OSError as exc:
        raise io_error("create GnuPG keyring", home, exc, kind=VerificationError) from None
    import gnupg

    try:
        gpg = gnupg.GPG(gpgbinary=binary, gnupghome=str(home), options=list(_GPG_OPTIONS))
    except (OSError, ValueError) as exc:
        raise VerificationError(f"{binary}: cannot run gpg: {exc}", "check your gnupg") from exc
    gpg.encoding = "utf-8"  # status and colon output are UTF-8 in GnuPG 2
    gpg.buffer_size = _FEED_CHUNK  # signed data goes to gpg's stdin in chunks this size
    gpg.decode_errors = "replace"
    return gpg


def _epoch(value: str | None) -> datetime | None:
    return datetime.fromtimestamp(int(value), UTC) if value and value.isdigit() else None


def _import(gpg: Any, data: bytes) -> list[str]:
    """Import a key block; return the primary fingerprints gpg accepted, in order."""
    result = gpg.import_keys(data)
    seen: list[str] = []
    for fpr in result.fingerprints or ():
        if fpr and fpr.upper() not in seen:
            seen.append(fpr.upper())
    return seen


def _describe(gpg: Any, wanted: list[tuple[str, str]]) -> list[TrustedKey]:
    """TrustedKey records for (fingerprint, source) pairs, from one `gpg --list-keys`."""
    if not wanted:
        return []
    listing = {k["fingerprint"].upper(): k for k in gpg.list_keys(keys=[f for f, _ in wanted])}
    keys: list[TrustedKey] = []
    for fpr, source in wanted:
        info = listing.get(fpr)
        if info is None:
            raise VerificationError(
                f"{source}: key {fpr} was imported but gpg cannot list it",
                f"delete {paths.keyring_dir()} and retry",
            )
        subkeys = tuple(
            SubKey(
                fingerprint=sub.get("fingerprint", "").upper(),
                capabilities=sub.get("cap", ""),
                created=_epoch(sub.get("date")),
                expires=_epoch(sub.get("expires")),
                revoked=sub.get("trust") == "r",
            )
            for sub in (info.get("subkey_info") or {}).values()
        )
        keys.append(
            TrustedKey(
                fingerprint=fpr,
                uids=tuple(info.get("uids") or ()),
                subkeys=subkeys,
                source=source,
                expires=_epoch(info.get("expires")),
                revoked=info.get("trust") == "r",
            )
        )
    return keys


# --------------------------------------------------------------------------- the keyring


@dataclass
class _Source:
    path: Path
    go_key: bool  # the Go release key file: only the pinned fingerprint is trusted from it
    stat: tuple[int, int, int, int] = field(default=(0, 0, 0, 0))

    def stamp(self) -> list[Any]:
        return [str(self.path), *self.stat]


def _stat(path: Path) -> tuple[int, int, int, int]:
    st = path.stat()
    return (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino)


class Keyring:
    """gover's private keyring. It trusts exactly the configured key files' keys; keys
    left over from an earlier configuration may linger in it but are never trusted.

    Construction is free; the first `trusted()` or `verify()` imports the key files, and
    later runs skip the import (and gpg) while a stamp in the keyring says the same files,
    unchanged, were imported already.
    """

    def __init__(self, cfg: Config) -> None:
        self._cfg = cfg
        self._home = paths.keyring_dir()
        self._gpg: Any = None
        self._trusted: list[TrustedKey] | None = None

    def _handle(self) -> Any:
        if self._gpg is None:
            self._gpg = _open_gpg(self._home)
        return self._gpg

    def _sources(self) -> list[_Source]:
        refreshed = paths.refreshed_key_file()
        go_file = refreshed if refreshed.is_file() else paths.bundled_key_file()
        sources = [_Source(go_file, True)]
        for entry in self._cfg.trusted_keys:
            where = self._cfg.origins.get("trusted_keys", "config")
            path = Path(entry).expanduser().absolute()
            if not path.is_file():
                raise ConfigError(
                    f"{path}: trusted key file not found (trusted_keys, set by {where})",
                    "fix the path or remove it from trusted_keys",
                )
            sources.append(_Source(path, False))
        for src in sources:
            try:
                src.stat = _stat(src.path)
            except OSError as exc:
                raise io_error("read key file", src.path, exc, kind=VerificationError) from None
        return sources

    def trusted(self) -> list[TrustedKey]:
        """Import (once) the Go release key and every trusted_keys file; describe them."""
        if self._trusted is None:
            sources = self._sources()
            self._trusted = self._from_stamp(sources)
            if self._trusted is None:
                self._trusted = self._import_all(sources)
                self._write_stamp(sources, self._trusted)
        return list(self._trusted)

    # The stamp records which files (by path, mtime, ctime, size, inode) were imported and
    # what they held, so a warm run answers without spawning gpg at all.
    def _stamp_file(self) -> Path:
        return self._home / KEYRING_STAMP_NAME

    def _from_stamp(self, sources: list[_Source]) -> list[TrustedKey] | None:
        if (
            not (self._home / "pubring.kbx").is_file()
            and not (self._home / "pubring.gpg").is_file()
        ):
            return None
        try:
            raw = read_capped(self._stamp_file(), _MAX_STAMP, follow_symlinks=False)
            data = json.loads(raw.decode("utf-8"))
            if not isinstance(data, dict) or data.get("format") != _STAMP_FORMAT:
                return None
            if data.get("sources") != [s.stamp() for s in sources]:
                return None
            keys = [_key_from_json(k) for k in data["keys"]]
            if not keys or keys[0].fingerprint != pinned_fingerprint():
                return None
            return keys
        except (
            OSError,
            ValueError,  # also UnicodeDecodeError and a number of 4,300+ digits
            KeyError,
            TypeError,
            AttributeError,
            OverflowError,
            RecursionError,
        ):
            return None  # a corrupt stamp only costs a re-import

    def _write_stamp(self, sources: list[_Source], keys: list[TrustedKey]) -> None:
        data = {
            "format": _STAMP_FORMAT,
            "sources": [s.stamp() for s in sources],
            "keys": [_key_to_json(k) for k in keys],
        }
        # A read-only keyring still verifies; it just re-imports next time.
        with contextlib.suppress(OSError):
            write_atomic(self._stamp_file(), json.dumps(data, indent=1), mode=0o600)

    def _import_all(self, sources: list[_Source]) -> list[TrustedKey]:
        gpg = self._handle()
        wanted: list[tuple[str, str]] = []
        for src in sources:
            if src.go_key:
                self._import_go_key(gpg, src)
                fprs = [pinned_fingerprint()]
            else:
                fprs = self._import_source(gpg, src)
            for fpr in fprs:
                if all(fpr != f for f, _ in wanted):
                    wanted.append((fpr, str(src.path)))
        return _describe(gpg, wanted)

    def _import_go_key(self, gpg: Any, src: _Source) -> None:
        """Import the refreshed Go key, or the bundled one if that copy is unusable."""
        pinned = pinned_fingerprint()
        bundled = paths.bundled_key_file()
        if src.path != bundled:
            try:
                fprs = self._import_source(gpg, src)
            except VerificationError:
                fprs = []
            if pinned in fprs:
                return
            output.warn(
                f"{src.path} does not hold the Go release key {pinned}; "
                "using the bundled copy (run: gover keys refresh)",
                once_key="bad-refreshed-key",
            )
            src.path = bundled
            try:
                src.stat = _stat(bundled)
            except OSError:
                src.stat = (0, 0, 0, 0)  # the import below names the problem
        if pinned not in self._import_source(gpg, src):
            raise VerificationError(
                f"{src.path}: does not hold the Go release key {pinned}",
                "reinstall gover",
            )

    @staticmethod
    def _import_source(gpg: Any, src: _Source) -> list[str]:
        error = VerificationError if src.go_key else ConfigError
        try:
            data = read_capped(src.path, _MAX_KEY_FILE)
        except OSError as exc:
            raise error(
                f"{src.path}: cannot read trusted key file: {io_reason(exc)}",
                "fix it or remove it from trusted_keys",
            ) from None
        fprs = _import(gpg, data)
        if not fprs:
            raise error(
                f"{src.path}: not an OpenPGP public key (gpg imported nothing from it)",
                "give a key exported with: gpg --armor --export KEYID",
            )
        return fprs

    def verify(
        self,
        data: Path | BinaryIO,
        signature: bytes,
        sig_source: str,
        *,
        name: str | None = None,
        sha256: str | None = None,
    ) -> str:
        """Check a detached signature over `data`; return the signer's primary fingerprint.

        `data` is a path or, better, the open file the bytes were downloaded into: gpg
        reads it on stdin from the start, without it ever being reopened by name. With
        `sha256`, the bytes gpg read must have that hash too. Raises VerificationError
        when it is not a good signature by a trusted key, and its subclass
        UnknownSignerError when the keyring lacks the signing key altogether.
        """
        label = name or (data.name if isinstance(data, Path) else "the file")
        if _gpg_binary() is None:
            raise VerificationError(
                f"{sig_source}: cannot check the signature of {label}: "
                f"no gpg program was found ({_gpg_wanted()})",
                "install gnupg, or set gpg = off",
            )
        trusted = {k.fingerprint: k for k in self.trusted()}
        if isinstance(data, Path):
            try:
                fd = open_regular(data)
            except FileNotFoundError:
                raise VerificationError(
                    f"{data}: cannot check its signature: file not found"
                ) from None
            except OSError as exc:
                raise VerificationError(
                    f"{data}: cannot check its signature: {io_reason(exc)}"
                ) from None
            with os.fdopen(fd, "rb") as fh:
                result, digest = _gpg_verify(self._handle(), fh, signature, sig_source, label)
        else:
            result, digest = _gpg_verify(self._handle(), data, signature, sig_source, label)
        signer = _judge(_parse_status(result.stderr or ""), trusted, label, sig_source, signature)
        if sha256 is not None and not hmac.compare_digest(digest, sha256.strip().lower()):
            raise VerificationError(
                f"{sig_source}: the bytes gpg checked have SHA-256 {digest}, not {sha256}; "
                f"{label} changed while it was being verified",
                "retry; if it happens again, check who else writes to gover's cache",
            )
        return signer


class _HashingReader:
    """What gpg reads, hashed as it goes (python-gnupg copies it to gpg's stdin)."""

    def __init__(self, fh: BinaryIO) -> None:
        self.fh = fh
        self.hasher = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        chunk = self.fh.read(size)
        self.hasher.update(chunk)
        return chunk


def _gpg_verify(
    gpg: Any, fh: BinaryIO, signature: bytes, sig_source: str, label: str
) -> tuple[Any, str]:
    """`gpg --verify SIG -` with `fh` (from its start) on stdin; the result and the bytes' hash.

    The signature goes into a private temporary file (gpg needs the detached signature by
    name; python-gnupg's own verify_file does the same).
    """
    reader = _HashingReader(fh)
    try:
        fh.seek(0)
        with tempfile.TemporaryDirectory(prefix="gover-sig-") as tmp:
            sig_path = os.path.join(tmp, "signature.asc")
            with open(sig_path, "xb") as out:
                out.write(signature)
            result = gpg.result_map["verify"](gpg)
            # If gpg stops reading (no signature it can use), its status says why.
            with contextlib.suppress(BrokenPipeError):
                gpg._handle_io(["--verify", sig_path, "-"], reader, result, binary=True)
    except (OSError, ValueError) as exc:
        raise VerificationError(f"{sig_source}: gpg failed while verifying {label}: {exc}") from exc
    return result, reader.hasher.hexdigest()


# --------------------------------------------------------------------------- verdicts


@dataclass
class _Sig:
    """What gpg said about one signature in the .asc (statuses between NEWSIGs)."""

    verdict: str = ""  # GOODSIG, BADSIG, EXPSIG, EXPKEYSIG, REVKEYSIG, ERRSIG
    key_id: str = ""
    uid: str = ""
    signer: str = ""  # fingerprint of the (sub)key that signed, from VALIDSIG
    primary: str = ""  # its primary key's fingerprint, from VALIDSIG
    made: datetime | None = None  # the signature's creation time, from VALIDSIG
    errsig_fpr: str = ""
    errsig_rc: str = ""


_VERDICTS = ("GOODSIG", "BADSIG", "EXPSIG", "EXPKEYSIG", "REVKEYSIG", "ERRSIG")


def _sig_time(value: str) -> datetime | None:
    """VALIDSIG's sig-timestamp: seconds since the epoch, or ISO 8601 (`20260214T101500`)."""
    if value.isdigit():
        return datetime.fromtimestamp(int(value), UTC)
    try:
        return datetime.strptime(value, "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def _parse_status(stderr: str) -> list[_Sig]:
    sigs: list[_Sig] = []
    current: _Sig | None = None
    for line in stderr.splitlines():
        if not line.startswith("[GNUPG:] "):
            continue
        keyword, _, rest = line[9:].partition(" ")
        args = rest.split()
        if keyword == "NEWSIG" or (keyword in _VERDICTS and (current is None or current.verdict)):
            current = _Sig()
            sigs.append(current)
            if keyword == "NEWSIG":
                continue
        if current is None:
            continue
        if keyword in _VERDICTS:
            current.verdict = keyword
            current.key_id = args[0] if args else ""
            if keyword == "ERRSIG":
                current.errsig_rc = args[5] if len(args) > 5 else ""
                current.errsig_fpr = args[6] if len(args) > 6 and args[6] != "-" else ""
            else:
                current.uid = rest.partition(" ")[2]
        elif keyword == "VALIDSIG" and args:
            current.signer = args[0].upper()
            current.primary = (args[9] if len(args) > 9 else args[0]).upper()
            current.made = _sig_time(args[2]) if len(args) > 2 else None
    return [s for s in sigs if s.verdict]


def _signing_key(sig: _Sig, owner: TrustedKey) -> SubKey | None:
    """The subkey that made `sig` (None when the primary signed, or it is not listed)."""
    return owner.subkey(sig.signer) if sig.signer != owner.fingerprint else None


def _revoked(sig: _Sig, owner: TrustedKey) -> bool:
    sub = _signing_key(sig, owner)
    return owner.revoked or (sub is not None and sub.revoked)


def _expiry(sig: _Sig, owner: TrustedKey) -> datetime | None:
    """When the key that made `sig` expires(d): its own or its primary's date, the earlier."""
    dates = [owner.expires]
    if sig.signer != owner.fingerprint:
        sub = owner.subkey(sig.signer)
        if sub is None:
            return None
        dates.append(sub.expires)
    known = [d for d in dates if d is not None]
    return min(known) if known else None


def _made_while_valid(sig: _Sig, owner: TrustedKey) -> bool:
    """For EXPKEYSIG: was the signature made before its (now expired) key expired?"""
    expires = _expiry(sig, owner)
    return sig.made is not None and expires is not None and sig.made < expires


def _when(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if value else "an unknown time"


def _judge(
    sigs: list[_Sig],
    trusted: dict[str, TrustedKey],
    name: str,
    sig_source: str,
    signature: bytes,
) -> str:
    """Accept a good signature by a pinned key; otherwise explain the most telling failure.

    gpg reports a good signature by a key that is expired *now* as EXPKEYSIG, and reports
    that ahead of revocation (REVKEYSIG) but after an expired signature (EXPSIG). So an
    EXPKEYSIG counts when the signature predates the key's expiry and neither the subkey
    nor its primary is revoked, which is checked here from the key listing.
    """
    if not sigs:
        shown = signature[:30].decode("ascii", "replace").strip()
        raise VerificationError(
            f"{sig_source}: not an OpenPGP signature (starts {shown!r}); cannot verify {name}",
            "the mirror served something else; retry or check download_base",
        )
    bad = next((s for s in sigs if s.verdict == "BADSIG"), None)
    if bad is not None:
        raise VerificationError(
            f"{sig_source}: BAD signature: {name} does not match it "
            f"(made by key {bad.key_id}); the file was altered or the .asc belongs to another file",
            "retry, or check your mirror",
        )
    for good in sigs:
        owner = trusted.get(good.primary)
        if owner is None:
            continue
        if good.verdict == "GOODSIG":
            return good.primary
        if (
            good.verdict == "EXPKEYSIG"
            and not _revoked(good, owner)
            and _made_while_valid(good, owner)
        ):
            return good.primary

    def first(*verdicts: str) -> _Sig | None:
        return next((s for s in sigs if s.verdict in verdicts), None)

    def by_trusted(test: Callable[[_Sig, TrustedKey], bool]) -> _Sig | None:
        return next((s for s in sigs if s.primary in trusted and test(s, trusted[s.primary])), None)

    sig = by_trusted(
        lambda s, k: s.verdict == "REVKEYSIG" or (s.verdict == "EXPKEYSIG" and _revoked(s, k))
    )
    if sig is not None:
        raise VerificationError(
            f"{sig_source}: signing key {sig.signer or sig.key_id}{_of(sig, trusted)} "
            f"was revoked; refusing {name}",
            "run: gover keys refresh; if the key stays revoked, do not install this file",
        )
    sig = by_trusted(lambda s, _k: s.verdict == "EXPKEYSIG")
    if sig is not None:
        expires = _expiry(sig, trusted[sig.primary])
        raise VerificationError(
            f"{sig_source}: signing key {sig.signer}{_of(sig, trusted)} expired on "
            f"{_when(expires)}, but the signature of {name} was made {_when(sig.made)}; "
            "refusing it",
            f"{_REFRESH_HINT} to fetch the key with renewed expiry dates",
        )
    sig = first("EXPSIG")
    if sig is not None:
        raise VerificationError(
            f"{sig_source}: the signature by key {sig.key_id} has expired; refusing {name}",
            "retry, or check your mirror",
        )
    sig = first("GOODSIG", "EXPKEYSIG", "REVKEYSIG")
    if sig is not None:
        who = sig.primary or sig.key_id
        label = f"{who} ({sig.uid})" if sig.uid else who
        raise VerificationError(
            f"{sig_source}: signed by {label}, which is not a trusted key; refusing {name}",
            _TRUST_HINT,
        )
    err = first("ERRSIG") or sigs[0]
    key = err.errsig_fpr or err.key_id
    if err.errsig_rc == "9":  # no public key
        raise UnknownSignerError(
            f"{sig_source}: signed by unknown key {key}, which is not a trusted key; "
            f"cannot verify {name}",
            f"if Go rotated its signing key, {_REFRESH_HINT}; otherwise {_TRUST_HINT}",
            issuer=key,
        )
    raise VerificationError(
        f"{sig_source}: gpg cannot check the signature by key {key} "
        f"(error code {err.errsig_rc or '?'}); refusing {name}",
        "retry, or check your gnupg installation",
    )


def _of(sig: _Sig, trusted: dict[str, TrustedKey]) -> str:
    """For messages: ' of <primary> (<uid>)' when the signer is a subkey."""
    if not sig.primary or sig.primary == sig.signer:
        return ""
    key = trusted.get(sig.primary)
    return f" of {key.label if key is not None else sig.primary}"


def verify_with_refresh(
    cfg: Config,
    path: Path | BinaryIO,
    signature: bytes,
    sig_source: str,
    fetch: Callable[[str], bytes],
    *,
    name: str | None = None,
    sha256: str | None = None,
) -> str:
    """`Keyring(cfg).verify`, refreshing the Go key once if the signer is unknown.

    Go adds a signing subkey to its release key every year or so, and a keyring holding an
    older copy of the key does not know it. So on UnknownSignerError the key is fetched
    from cfg.key_url (refresh_key keeps only the pinned key, so no other signer can become
    trusted this way) and the signature is checked once more. Returns the signer's primary
    fingerprint, like `Keyring.verify`.
    """
    try:
        return Keyring(cfg).verify(path, signature, sig_source, name=name, sha256=sha256)
    except UnknownSignerError as exc:
        if not cfg.key_url:
            raise
        unknown = exc
    url = cfg.key_url
    try:
        refresh_key(cfg, fetch)
    except (GoverError, OSError) as exc:
        reason = exc.message if isinstance(exc, GoverError) else str(exc)
        raise UnknownSignerError(
            f"{unknown.message} (refresh from {url} failed: {reason.removeprefix(url + ': ')})",
            unknown.hint,
            issuer=unknown.issuer,
        ) from exc
    try:
        signer = Keyring(cfg).verify(path, signature, sig_source, name=name, sha256=sha256)
    except UnknownSignerError as exc:
        raise UnknownSignerError(
            f"{exc.message} (the Go release key just refreshed from {url} lacks it too)",
            _TRUST_HINT,
            issuer=exc.issuer,
        ) from exc
    # Only worth a word when the refresh is what made the signature verifiable.
    output.warn(f"signing key {unknown.issuer} unknown; refreshed the Go release key from {url}")
    return signer


def signer_name(cfg: Config, fingerprint: str) -> str:
    """The first user id of the trusted key `fingerprint` ("Google Inc. (Linux Packages
    Signing Authority) <linux-packages-keymaster@google.com>"), or "" when it has none.
    Read from the keyring's stamp: no gpg run on a warm keyring."""
    try:
        keys = Keyring(cfg).trusted()
    except (GoverError, OSError):
        return ""
    return next((k.uids[0] for k in keys if k.fingerprint == fingerprint and k.uids), "")


# --------------------------------------------------------------------------- key management


def list_keys(cfg: Config) -> list[TrustedKey]:
    return Keyring(cfg).trusted()


def refresh_key(cfg: Config, fetch: Callable[[str], bytes]) -> TrustedKey:
    """Fetch the Go key from cfg.key_url; keep it only if the pinned primary is in it.

    The fetched block is vetted in a throw-away GnuPG home, and only the pinned key is
    exported from there and saved, so extra keys riding along are dropped.
    """
    url = cfg.key_url
    pinned = pinned_fingerprint()
    if _gpg_binary() is None:
        raise VerificationError(
            f"cannot refresh the Go key from {url}: no gpg program was found ({_gpg_wanted()})",
            "install gnupg",
        )
    data = fetch(url)
    with tempfile.TemporaryDirectory(prefix="gover-key-") as tmp:
        gpg = _open_gpg(Path(tmp) / "home")
        found = _import(gpg, data)
        if pinned not in found:
            raise VerificationError(
                f"{url}: does not hold the Go release key {pinned} "
                f"(found: {_fingerprints(found)}); the key in use was kept",
                "check key_url",
            )
        exported = gpg.export_keys(pinned, armor=True)
    if not isinstance(exported, str) or "BEGIN PGP PUBLIC KEY BLOCK" not in exported:
        raise VerificationError(f"{url}: gpg could not export the fetched key")
    target = paths.refreshed_key_file()
    try:
        write_atomic(target, exported)
    except OSError as exc:
        raise io_error("save refreshed key to", target, exc, kind=VerificationError) from None
    for key in Keyring(cfg).trusted():
        if key.fingerprint == pinned:
            return key
    raise VerificationError(f"{target}: the refreshed key did not import")  # pragma: no cover


def _fingerprints(found: Iterable[str]) -> str:
    return ", ".join(found) or "no OpenPGP keys"


# --------------------------------------------------------------------------- the stamp's JSON


def _ts(value: datetime | None) -> int | None:
    return int(value.timestamp()) if value is not None else None


def _dt(value: Any) -> datetime | None:
    return datetime.fromtimestamp(int(value), UTC) if value is not None else None


def _key_to_json(key: TrustedKey) -> dict[str, Any]:
    return {
        "fingerprint": key.fingerprint,
        "uids": list(key.uids),
        "source": key.source,
        "expires": _ts(key.expires),
        "revoked": key.revoked,
        "subkeys": [
            {
                "fingerprint": s.fingerprint,
                "capabilities": s.capabilities,
                "created": _ts(s.created),
                "expires": _ts(s.expires),
                "revoked": s.revoked,
            }
            for s in key.subkeys
        ],
    }


def _key_from_json(data: dict[str, Any]) -> TrustedKey:
    return TrustedKey(
        fingerprint=str(data["fingerprint"]),
        uids=tuple(str(u) for u in data["uids"]),
        subkeys=tuple(
            SubKey(
                fingerprint=str(s["fingerprint"]),
                capabilities=str(s["capabilities"]),
                created=_dt(s["created"]),
                expires=_dt(s["expires"]),
                revoked=bool(s["revoked"]),
            )
            for s in data["subkeys"]
        ),
        source=str(data["source"]),
        expires=_dt(data["expires"]),
        revoked=bool(data["revoked"]),
    )
