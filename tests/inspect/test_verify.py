"""gover.toolchain.trust.openpgp against the real gpg: real keys, real signatures, no mocks."""

from __future__ import annotations

import hashlib
import os
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gover import constants, output, paths
from gover.config import Config
from gover.constants import GO_KEY_FINGERPRINT, GO_KEY_URL
from gover.errors import (
    EXIT_VERIFY,
    ConfigError,
    NetworkError,
    UnknownSignerError,
    VerificationError,
)
from gover.toolchain.trust import checksum
from gover.toolchain.trust import openpgp as verify
from tests.support.gpgkey import TestKey, generate_key

GO_SIGNING_SUBKEYS = {
    "0F06FF86BEEAF4E71866EE5232EE5355A6BC6E42",  # 2024
    "0E225917414670F4442C250DFD533C07C264648F",  # 2025
}
SIG_URL = "https://mirror.example/go1.22.10.linux-amd64.tar.gz.asc"
KEY_URL = "https://keys.example/linux_signing_key.pub"
DAY = 86400


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HOME and GOVER_HOME in tmp_path; GOVER_HOME long and spaced, past the socket limit."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)  # tests/conftest.py may have made it already
    gover_home = tmp_path / "gover home with spaces" / ("long-" * 14)
    for key in list(os.environ):
        if key.startswith(("GOVER_", "GNUPG")):
            monkeypatch.delenv(key)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GOVER_HOME", str(gover_home))
    monkeypatch.setattr(output, "_warned", set())
    return home


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, TestKey]]:
    base = tmp_path_factory.mktemp("keys")
    made = {
        "good": generate_key(base / "good", "gover test signer"),
        "other": generate_key(base / "other", "someone else"),
        # Made 10 days ago with a signing subkey that expired a day later; it signs at
        # that past time (+1h), so its signatures predate the expiry, like old Go releases.
        "expired": generate_key(
            base / "expired", "expired subkey", subkey_expire="1d", backdate_days=10
        ),
        "revoked": generate_key(base / "revoked", "revoked signer"),
    }
    yield made
    for key in made.values():
        key.close()


@pytest.fixture
def artifact(tmp_path: Path) -> Path:
    path = tmp_path / "go1.22.10.linux-amd64.tar.gz"
    path.write_bytes(os.urandom(256 << 10))
    return path


def trusting(*keys: TestKey, gpg: str = "require") -> Config:
    return Config(gpg=gpg, trusted_keys=tuple(str(k.public_key_path) for k in keys))


def refused(
    cfg: Config, path: Path, signature: bytes, error: type[VerificationError] = VerificationError
) -> str:
    with pytest.raises(error) as info:
        verify.Keyring(cfg).verify(path, signature, SIG_URL)
    assert info.value.exit_code == EXIT_VERIFY == 3
    text = str(info.value)
    assert "\n" not in text
    assert SIG_URL in text
    return text


# ----------------------------------------------------------------------------- signatures


def test_good_signature_returns_primary_fingerprint(
    keys: dict[str, TestKey], artifact: Path
) -> None:
    good = keys["good"]
    asc = good.sign(artifact)
    assert asc == artifact.with_name(artifact.name + ".asc")
    signer = verify.Keyring(trusting(good)).verify(artifact, asc.read_bytes(), SIG_URL)
    assert signer == good.fingerprint
    assert signer != good.signing_subkey  # made by the subkey, pinned by the primary


def test_keyring_path_is_long_and_spaced_and_private(
    keys: dict[str, TestKey], artifact: Path, isolated: Path
) -> None:
    ring = paths.keyring_dir()
    assert len(str(ring)) > 110 and " " in str(ring)
    signer = verify.Keyring(trusting(keys["good"])).verify(
        artifact, keys["good"].sign_bytes(artifact.read_bytes()), SIG_URL
    )
    assert signer == keys["good"].fingerprint
    assert stat.S_IMODE(ring.stat().st_mode) == 0o700
    assert not (isolated / ".gnupg").exists()
    assert not list(ring.glob("S.*")), "no agent socket may be created"


def test_untrusted_key_is_refused_naming_its_fingerprint(
    keys: dict[str, TestKey], artifact: Path
) -> None:
    other = keys["other"]
    signature = other.sign_bytes(artifact.read_bytes())
    text = refused(trusting(keys["good"]), artifact, signature, UnknownSignerError)
    # Without its public key only the signature's issuer (the signing subkey) is known.
    assert other.signing_subkey in text
    with pytest.raises(UnknownSignerError) as info:
        verify.Keyring(trusting(keys["good"])).verify(artifact, signature, SIG_URL)
    assert info.value.issuer == other.signing_subkey
    assert "unknown key" in text and "not a trusted key" in text
    assert "trusted_keys" in text


def test_key_left_in_keyring_is_not_trusted_once_unconfigured(
    keys: dict[str, TestKey], artifact: Path
) -> None:
    other = keys["other"]
    signature = other.sign_bytes(artifact.read_bytes())
    assert verify.Keyring(trusting(other)).verify(artifact, signature, SIG_URL) == other.fingerprint
    text = refused(trusting(keys["good"]), artifact, signature)
    assert other.fingerprint in text and "not a trusted key" in text


def test_genuine_signature_of_another_file_is_refused(
    keys: dict[str, TestKey], artifact: Path, tmp_path: Path
) -> None:
    other_file = tmp_path / "go1.22.9.linux-amd64.tar.gz"
    other_file.write_bytes(b"another release")
    signature = keys["good"].sign(other_file).read_bytes()
    text = refused(trusting(keys["good"]), artifact, signature)
    assert "BAD signature" in text and artifact.name in text


def test_tampered_file_is_refused(keys: dict[str, TestKey], artifact: Path) -> None:
    signature = keys["good"].sign_bytes(artifact.read_bytes())
    data = bytearray(artifact.read_bytes())
    data[1000] ^= 0x01  # flip one bit
    artifact.write_bytes(bytes(data))
    assert "BAD signature" in refused(trusting(keys["good"]), artifact, signature)


@pytest.mark.parametrize(
    "garbage",
    [
        b"",
        b"not a signature\n",
        b"<!DOCTYPE html><html><body>404</body></html>",
        b"-----BEGIN PGP SIGNATURE-----\n\nAAAA\n-----END PGP SIGNATURE-----\n",
    ],
    ids=["empty", "text", "html", "broken-armor"],
)
def test_garbage_signature_is_refused(
    keys: dict[str, TestKey], artifact: Path, garbage: bytes
) -> None:
    text = refused(trusting(keys["good"]), artifact, garbage)
    assert artifact.name in text


def test_public_key_instead_of_signature_is_refused(
    keys: dict[str, TestKey], artifact: Path
) -> None:
    refused(trusting(keys["good"]), artifact, keys["good"].public_key_path.read_bytes())


def _sub(cfg: Config, key: TestKey) -> tuple[verify.SubKey, datetime]:
    """The key's signing subkey as the keyring lists it, and its expiry."""
    [owner] = [k for k in verify.Keyring(cfg).trusted() if k.fingerprint == key.fingerprint]
    sub = owner.subkey(key.signing_subkey)
    assert sub is not None and sub.expires is not None
    return sub, sub.expires


def test_signature_made_before_its_subkey_expired_is_accepted(
    keys: dict[str, TestKey], artifact: Path
) -> None:
    """Go's 2023 subkey expired in 2026; releases it signed in 2023 must stay installable."""
    expired = keys["expired"]
    signature = expired.sign_bytes(artifact.read_bytes())  # made while the subkey was valid
    cfg = trusting(expired)
    sub, expires = _sub(cfg, expired)
    assert sub.expired(), "the subkey must have expired by now"
    assert expired.sign_time is not None and expired.sign_time < expires.timestamp()
    signer = verify.Keyring(cfg).verify(artifact, signature, SIG_URL)
    assert signer == expired.fingerprint


@pytest.fixture
def late(tmp_path: Path) -> Iterator[TestKey]:
    """A key made 10 days ago, whose signing subkey had no expiry when made."""
    key = generate_key(tmp_path / "late", "late signer", backdate_days=10)
    yield key
    key.close()


def test_signature_made_after_its_subkey_expired_is_refused_naming_it(
    late: TestKey, artifact: Path
) -> None:
    late.sign_time = None
    signature = late.sign_bytes(artifact.read_bytes())  # made now...
    # ...but a binding made 5 days ago (newer than the original) says it expired 4 days ago.
    late.set_subkey_expiry("1d", at=int(time.time()) - 5 * DAY)
    cfg = trusting(late)
    sub, expires = _sub(cfg, late)
    assert sub.expired() and expires < datetime.now(UTC) - timedelta(days=3)
    text = refused(cfg, artifact, signature)
    assert late.signing_subkey in text
    assert late.fingerprint in text
    assert f"expired on {expires:%Y-%m-%d %H:%M} UTC" in text
    assert f"made {datetime.now(UTC):%Y-%m-%d}" in text
    assert "gover keys refresh" in text


def test_expired_signature_is_refused_even_by_a_subkey_then_valid(
    keys: dict[str, TestKey], artifact: Path
) -> None:
    expired = keys["expired"]
    signature = expired.gpg(
        "--armor",
        "--detach-sign",
        "--default-sig-expire",
        "seconds=3600",
        "--local-user",
        expired.signing_subkey + "!",
        input=artifact.read_bytes(),
    )
    text = refused(trusting(expired), artifact, signature)
    assert "signature by key" in text and "has expired" in text


def test_revoked_key_with_expired_subkey_is_refused(tmp_path: Path, artifact: Path) -> None:
    # gpg reports this as EXPKEYSIG, not REVKEYSIG: the revocation must still win.
    key = generate_key(tmp_path / "k", "revoked and expired", subkey_expire="1d", backdate_days=10)
    try:
        signature = key.sign_bytes(artifact.read_bytes())
        assert verify.Keyring(trusting(key)).verify(artifact, signature, SIG_URL)
        key.revoke()
        text = refused(trusting(key), artifact, signature)
    finally:
        key.close()
    assert "revoked" in text and key.fingerprint in text


def test_revoked_key_is_refused(keys: dict[str, TestKey], artifact: Path) -> None:
    revoked = keys["revoked"]
    signature = revoked.sign_bytes(artifact.read_bytes())
    revoked.revoke()
    text = refused(trusting(revoked), artifact, signature)
    assert "revoked" in text and revoked.fingerprint in text


def test_missing_gpg_fails_closed(
    keys: dict[str, TestKey], artifact: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    signature = keys["good"].sign_bytes(artifact.read_bytes())
    monkeypatch.setenv("GOVER_GPG_BINARY", "/nonexistent/gpg")
    text = refused(trusting(keys["good"]), artifact, signature)
    assert "gpg" in text and "/nonexistent/gpg" in text


def test_verify_of_missing_file(keys: dict[str, TestKey], tmp_path: Path) -> None:
    with pytest.raises(VerificationError, match="file not found"):
        verify.Keyring(trusting(keys["good"])).verify(tmp_path / "nope.tar.gz", b"x", SIG_URL)


# ----------------------------------------------------------------------------- trusted keys


def test_bundled_go_key_is_pinned_with_signing_subkeys() -> None:
    [key] = verify.Keyring(Config()).trusted()
    assert key.fingerprint == GO_KEY_FINGERPRINT == "EB4C1BFD4F042F6DDDCCEC917721F63BD38B4796"
    assert key.source == str(paths.bundled_key_file())
    assert any("Linux Packages Signing Authority" in uid for uid in key.uids)
    signing = {s.fingerprint for s in key.signing_subkeys}
    assert signing >= GO_SIGNING_SUBKEYS
    assert all(s.created is not None and s.expires is not None for s in key.signing_subkeys)
    assert key.expires is None and not key.revoked
    assert verify.list_keys(Config()) == [key]


def test_trusted_lists_config_keys_with_sources(keys: dict[str, TestKey]) -> None:
    good = keys["good"]
    listed = verify.Keyring(trusting(good)).trusted()
    assert [k.fingerprint for k in listed] == [GO_KEY_FINGERPRINT, good.fingerprint]
    mine = listed[1]
    assert mine.source == str(good.public_key_path)
    assert mine.uids == ("gover test signer <govertestsigner@example.invalid>",)
    assert [s.fingerprint for s in mine.signing_subkeys] == [good.signing_subkey]


def test_warm_keyring_needs_no_gpg_and_notices_changed_files(
    keys: dict[str, TestKey], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_file = tmp_path / "trusted.asc"
    key_file.write_bytes(keys["good"].public_key_path.read_bytes())
    cfg = Config(trusted_keys=(str(key_file),))
    cold = verify.Keyring(cfg).trusted()

    monkeypatch.setenv("GOVER_GPG_BINARY", "/nonexistent/gpg")  # a warm run spawns no gpg
    assert verify.Keyring(cfg).trusted() == cold
    monkeypatch.delenv("GOVER_GPG_BINARY")

    key_file.write_bytes(keys["other"].public_key_path.read_bytes())
    assert [k.fingerprint for k in verify.Keyring(cfg).trusted()] == [
        GO_KEY_FINGERPRINT,
        keys["other"].fingerprint,
    ]


def test_missing_trusted_key_file_is_a_config_error(tmp_path: Path) -> None:
    missing = tmp_path / "keys" / "nope.asc"
    with pytest.raises(ConfigError) as info:
        verify.Keyring(Config(trusted_keys=(str(missing),))).trusted()
    assert str(missing) in str(info.value)
    assert info.value.exit_code != EXIT_VERIFY


@pytest.mark.parametrize("content", [b"", b"hello\n", b"\x00\x01\x02" * 50])
def test_non_key_trusted_key_file_is_a_config_error(tmp_path: Path, content: bytes) -> None:
    bogus = tmp_path / "bogus.asc"
    bogus.write_bytes(content)
    with pytest.raises(ConfigError, match="not an OpenPGP public key") as info:
        verify.Keyring(Config(trusted_keys=(str(bogus),))).trusted()
    assert str(bogus) in str(info.value)


def test_directory_as_trusted_key_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        verify.Keyring(Config(trusted_keys=(str(tmp_path),))).trusted()


# ----------------------------------------------------------------------------- refresh


def test_refresh_accepts_the_real_key_block() -> None:
    urls: list[str] = []

    def fetch(url: str) -> bytes:
        urls.append(url)
        return paths.bundled_key_file().read_bytes()

    key = verify.refresh_key(Config(), fetch)
    assert urls == [GO_KEY_URL]
    assert key.fingerprint == GO_KEY_FINGERPRINT
    assert key.source == str(paths.refreshed_key_file())
    assert {s.fingerprint for s in key.signing_subkeys} >= GO_SIGNING_SUBKEYS
    [listed] = verify.list_keys(Config())
    assert listed.source == str(paths.refreshed_key_file())


def test_refresh_refuses_another_key_and_keeps_the_old_one(keys: dict[str, TestKey]) -> None:
    cfg = Config(key_url="https://keys.example/linux_signing_key.pub")
    verify.refresh_key(cfg, lambda _url: paths.bundled_key_file().read_bytes())
    before = paths.refreshed_key_file().read_bytes()

    other = keys["other"]
    with pytest.raises(VerificationError) as info:
        verify.refresh_key(cfg, lambda _url: other.public_key_path.read_bytes())
    text = str(info.value)
    assert cfg.key_url in text and other.fingerprint in text and GO_KEY_FINGERPRINT in text
    assert info.value.exit_code == EXIT_VERIFY
    assert paths.refreshed_key_file().read_bytes() == before

    with pytest.raises(VerificationError, match="no OpenPGP keys"):
        verify.refresh_key(cfg, lambda _url: b"<html>captive portal</html>")
    assert paths.refreshed_key_file().read_bytes() == before


def test_refresh_without_previous_key_leaves_nothing_on_failure(
    keys: dict[str, TestKey],
) -> None:
    with pytest.raises(VerificationError):
        verify.refresh_key(Config(), lambda _url: keys["other"].public_key_path.read_bytes())
    assert not paths.refreshed_key_file().exists()
    [key] = verify.list_keys(Config())
    assert key.source == str(paths.bundled_key_file())


def test_refresh_drops_keys_riding_along(keys: dict[str, TestKey], artifact: Path) -> None:
    other = keys["other"]
    block = paths.bundled_key_file().read_bytes() + other.public_key_path.read_bytes()
    verify.refresh_key(Config(), lambda _url: block)
    assert [k.fingerprint for k in verify.list_keys(Config())] == [GO_KEY_FINGERPRINT]
    refused(Config(), artifact, other.sign_bytes(artifact.read_bytes()))


@pytest.mark.parametrize("which", ["garbage", "other-key"])
def test_unusable_refreshed_key_falls_back_to_bundled(
    keys: dict[str, TestKey], capsys: pytest.CaptureFixture[str], which: str
) -> None:
    target = paths.refreshed_key_file()
    target.parent.mkdir(parents=True)
    if which == "garbage":
        target.write_text("garbage")
    else:
        target.write_bytes(keys["other"].public_key_path.read_bytes())
    [key] = verify.list_keys(Config())
    assert key.fingerprint == GO_KEY_FINGERPRINT
    assert key.source == str(paths.bundled_key_file())
    assert "does not hold the Go release key" in capsys.readouterr().err


# ----------------------------------------------------------------------------- rotation


@dataclass
class Rotated:
    """A key that rotated its signing subkey, exported before and after the rotation."""

    key: TestKey  # signs with the new subkey
    old_export: bytes  # the primary and its first signing subkey only
    new_export: bytes  # and the signing subkey added since
    old_subkey: str


@pytest.fixture(scope="module")
def rotated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rotated]:
    key = generate_key(tmp_path_factory.mktemp("rotated"), "rotating signer")
    old_subkey = key.signing_subkey
    old_export = key.public_key_path.read_bytes()
    key.add_signing_subkey()
    assert key.signing_subkey != old_subkey
    yield Rotated(key, old_export, key.public_key_path.read_bytes(), old_subkey)
    key.close()


@pytest.fixture
def stale_go_key(rotated: Rotated, monkeypatch: pytest.MonkeyPatch) -> Rotated:
    """Pin the rotated key as "the Go release key", held in its pre-rotation export."""
    monkeypatch.setattr(constants, "GO_KEY_FINGERPRINT", rotated.key.fingerprint)
    target = paths.refreshed_key_file()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(rotated.old_export)
    return rotated


class Fetcher:
    """A fetch callable that records the URLs asked for."""

    def __init__(self, result: bytes | Exception) -> None:
        self.result = result
        self.urls: list[str] = []

    def __call__(self, url: str) -> bytes:
        self.urls.append(url)
        if isinstance(self.result, Exception):
            raise self.result
        return self.result


ROTATED_CFG = Config(gpg="require", key_url=KEY_URL)


def test_unknown_go_subkey_refreshes_the_key_once_and_verifies(
    stale_go_key: Rotated, artifact: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = stale_go_key.key
    signature = key.sign_bytes(artifact.read_bytes())
    with pytest.raises(UnknownSignerError) as info:
        verify.Keyring(ROTATED_CFG).verify(artifact, signature, SIG_URL)
    assert info.value.issuer == key.signing_subkey

    fetch = Fetcher(stale_go_key.new_export)
    signer = verify.verify_with_refresh(ROTATED_CFG, artifact, signature, SIG_URL, fetch)
    assert signer == key.fingerprint
    assert fetch.urls == [KEY_URL]
    assert capsys.readouterr().err == (
        f"gover: warning: signing key {key.signing_subkey} unknown; "
        f"refreshed the Go release key from {KEY_URL}\n"
    )
    [go_key] = verify.list_keys(ROTATED_CFG)
    assert go_key.source == str(paths.refreshed_key_file())
    assert [s.fingerprint for s in go_key.signing_subkeys] == [
        stale_go_key.old_subkey,
        key.signing_subkey,
    ]

    offline = Fetcher(NetworkError("offline"))  # the key is known now: no second fetch
    assert verify.verify_with_refresh(ROTATED_CFG, artifact, signature, SIG_URL, offline) == signer
    assert offline.urls == []


@pytest.mark.parametrize("served", ["network-error", "another-key", "html"])
def test_failed_refresh_reports_the_unknown_signer_and_why(
    stale_go_key: Rotated, keys: dict[str, TestKey], artifact: Path, served: str
) -> None:
    key = stale_go_key.key
    served_by: dict[str, bytes | Exception] = {
        "network-error": NetworkError(f"{KEY_URL}: connection refused", "check your network"),
        "another-key": keys["other"].public_key_path.read_bytes(),
        "html": b"<html>captive portal</html>",
    }
    result = served_by[served]
    reason = {
        "network-error": "connection refused",
        "another-key": f"does not hold the Go release key {key.fingerprint} "
        f"(found: {keys['other'].fingerprint})",
        "html": f"does not hold the Go release key {key.fingerprint} (found: no OpenPGP keys)",
    }[served]
    fetch = Fetcher(result)
    signature = key.sign_bytes(artifact.read_bytes())
    with pytest.raises(UnknownSignerError) as info:
        verify.verify_with_refresh(ROTATED_CFG, artifact, signature, SIG_URL, fetch)
    text = str(info.value)
    assert fetch.urls == [KEY_URL]
    assert info.value.issuer == key.signing_subkey
    assert info.value.exit_code == EXIT_VERIFY
    assert f"signed by unknown key {key.signing_subkey}" in text
    assert f"(refresh from {KEY_URL} failed: {reason}" in text
    assert SIG_URL in text and "\n" not in text
    assert paths.refreshed_key_file().read_bytes() == stale_go_key.old_export


def test_refresh_that_does_not_know_the_signer_either_says_so(
    stale_go_key: Rotated, artifact: Path
) -> None:
    fetch = Fetcher(stale_go_key.old_export)  # the published key has not rotated (yet)
    signature = stale_go_key.key.sign_bytes(artifact.read_bytes())
    with pytest.raises(UnknownSignerError) as info:
        verify.verify_with_refresh(ROTATED_CFG, artifact, signature, SIG_URL, fetch)
    assert fetch.urls == [KEY_URL]
    assert stale_go_key.key.signing_subkey in str(info.value)
    assert f"refreshed from {KEY_URL} lacks it too" in str(info.value)


def test_refresh_never_makes_another_signer_trusted(
    stale_go_key: Rotated, keys: dict[str, TestKey], artifact: Path
) -> None:
    other = keys["other"]
    fetch = Fetcher(stale_go_key.new_export + other.public_key_path.read_bytes())
    signature = other.sign_bytes(artifact.read_bytes())
    with pytest.raises(UnknownSignerError) as info:
        verify.verify_with_refresh(ROTATED_CFG, artifact, signature, SIG_URL, fetch)
    assert fetch.urls == [KEY_URL]
    assert other.signing_subkey in str(info.value) and "lacks it too" in str(info.value)
    assert [k.fingerprint for k in verify.list_keys(ROTATED_CFG)] == [stale_go_key.key.fingerprint]


def test_no_refresh_without_key_url(stale_go_key: Rotated, artifact: Path) -> None:
    fetch = Fetcher(stale_go_key.new_export)
    signature = stale_go_key.key.sign_bytes(artifact.read_bytes())
    cfg = Config(gpg="require", key_url="")
    with pytest.raises(UnknownSignerError) as info:
        verify.verify_with_refresh(cfg, artifact, signature, SIG_URL, fetch)
    assert fetch.urls == []
    assert "refresh" not in info.value.message


@pytest.mark.parametrize("case", ["tampered", "untrusted-known-key"])
def test_other_failures_do_not_refresh(
    stale_go_key: Rotated, keys: dict[str, TestKey], artifact: Path, case: str
) -> None:
    if case == "tampered":  # by the subkey the keyring knows, over other bytes
        signature = stale_go_key.key.gpg(
            "--armor",
            "--detach-sign",
            "--local-user",
            stale_go_key.old_subkey + "!",
            input=b"something else",
        )
    else:
        signature = keys["other"].sign_bytes(artifact.read_bytes())
        verify.Keyring(trusting(keys["other"])).trusted()  # leaves it in the keyring
    fetch = Fetcher(stale_go_key.new_export)
    with pytest.raises(VerificationError) as info:
        verify.verify_with_refresh(ROTATED_CFG, artifact, signature, SIG_URL, fetch)
    assert not isinstance(info.value, UnknownSignerError)
    assert ("BAD signature" if case == "tampered" else "not a trusted key") in str(info.value)
    assert fetch.urls == []


# ----------------------------------------------------------------------------- policy


@pytest.mark.parametrize(
    ("gpg", "filename", "have_gpg", "expected"),
    [
        ("off", "go1.22.10.linux-amd64.tar.gz", True, "skip"),
        ("off", "go1.22.10.linux-amd64.tar.gz", False, "skip"),
        ("off", "go1.22.10.windows-amd64.zip", True, "skip"),
        ("off", "go1.22.10.windows-amd64.zip", False, "skip"),
        ("auto", "go1.22.10.linux-amd64.tar.gz", True, "verify"),
        ("auto", "go1.22.10.linux-amd64.tar.gz", False, "skip"),
        ("auto", "go1.22.10.windows-amd64.zip", True, "skip"),
        ("auto", "go1.22.10.windows-amd64.zip", False, "skip"),
        ("require", "go1.22.10.linux-amd64.tar.gz", True, "require"),
        ("require", "go1.22.10.linux-amd64.tar.gz", False, "error:no gpg program"),
        ("require", "go1.22.10.windows-amd64.zip", True, "error:gpg = auto"),
        ("require", "go1.22.10.windows-amd64.zip", False, "error:gpg = auto"),
    ],
)
def test_signature_policy_matrix(
    gpg: str,
    filename: str,
    have_gpg: bool,
    expected: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if not have_gpg:
        monkeypatch.setenv("GOVER_GPG_BINARY", "/nonexistent")
    assert verify.gpg_available() is have_gpg
    cfg = Config(gpg=gpg)
    if expected.startswith("error:"):
        with pytest.raises(VerificationError) as info:
            verify.signature_policy(cfg, filename)
        assert info.value.exit_code == EXIT_VERIFY
        assert filename in str(info.value) and expected[6:] in str(info.value)
        return
    assert verify.signature_policy(cfg, filename) == expected
    warned = "gpg not found" in capsys.readouterr().err
    assert warned is (gpg == "auto" and not have_gpg and filename.endswith(".tar.gz"))


def test_missing_gpg_warns_once_under_auto(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GOVER_GPG_BINARY", "/nonexistent")
    for _ in range(3):
        assert verify.signature_policy(Config(gpg="auto"), "go1.22.10.src.tar.gz") == "skip"
    err = capsys.readouterr().err
    assert err.count("gpg not found; signatures not checked") == 1
    assert "install gnupg or set gpg = off" in err


def test_gpg_binary_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVER_GPG_BINARY", "gpg")
    assert verify.gpg_available()
    monkeypatch.setenv("GOVER_GPG_BINARY", "no-such-gpg-binary")
    assert not verify.gpg_available()


# ----------------------------------------------------------------------------- checksums


# SHA-256 is checked while downloading now (trust/checksum.py, download.fetch(sha256=)): a
# mismatch, an unusable expected hash and the file never taking its name are tested in
# tests/toolchain/test_download_check.py. The hash itself and the sidecar parser are here.


def test_sha256_fileobj(tmp_path: Path) -> None:
    path = tmp_path / "f"
    data = os.urandom(3 << 20)
    path.write_bytes(data)
    with path.open("rb") as fh:
        assert checksum.sha256_fileobj(fh) == hashlib.sha256(data).hexdigest()

