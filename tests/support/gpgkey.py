"""Throw-away OpenPGP keys made with the real gpg, for signing test artifacts.

Secret-key work needs gpg-agent, whose socket lives in the GnuPG home and must fit in
~108 bytes; pytest's tmp paths can be longer. So the key's GnuPG home is reached through
a short symlink under /tmp when the given directory's path is too long, and every agent
we start is killed at exit (or by `TestKey.close()`).

Keys look like Go's: an ed25519 primary that only certifies, plus an ed25519 signing
subkey, so verification has to map a subkey signature back to the pinned primary.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["TestKey", "generate_key", "gpg_env"]

# Longest socket name gpg-agent creates is "S.gpg-agent.browser" (19 bytes); sun_path is 108.
_MAX_HOME_LEN = 80
_agents: set[str] = set()
_DAY = 86400


def gpg_env() -> dict[str, str]:
    """Environment for test gpg calls: no inherited agent or GNUPGHOME can leak in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GNUPG", "GPG_"))}
    env["LC_ALL"] = "C"
    return env


def _kill_agent(home: str) -> None:
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        subprocess.run(
            ["gpgconf", "--homedir", home, "--kill", "all"],
            env=gpg_env(),
            capture_output=True,
            timeout=20,
            check=False,
        )


@atexit.register
def _kill_all_agents() -> None:
    for home in list(_agents):
        _kill_agent(home)
    _agents.clear()


def _short_home(homedir: Path) -> tuple[str, Path | None]:
    """A GnuPG home path short enough for agent sockets, and the link dir to clean up."""
    homedir.mkdir(parents=True, exist_ok=True)
    os.chmod(homedir, 0o700)
    path = str(homedir.absolute())
    if len(path) <= _MAX_HOME_LEN:
        return path, None
    link_dir = Path(tempfile.mkdtemp(prefix="gk", dir="/tmp"))
    link = link_dir / "h"
    link.symlink_to(homedir.absolute(), target_is_directory=True)
    return str(link), link_dir


def _gpg(home: str, *args: str, input: bytes | None = None, at: int | None = None) -> bytes:
    # Loopback with an empty passphrase: no pinentry, new subkeys stay unprotected.
    cmd = ["gpg", "--homedir", home, "--batch", "--no-tty", "--yes"]
    cmd += ["--pinentry-mode", "loopback", "--passphrase", ""]
    if at is not None:
        cmd += ["--faked-system-time", str(at)]
    proc = subprocess.run(
        [*cmd, *args], input=input, capture_output=True, env=gpg_env(), timeout=60
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"gpg {' '.join(args)} failed ({proc.returncode}): "
            f"{proc.stderr.decode(errors='replace')}"
        )
    return proc.stdout


@dataclass
class TestKey:
    """A generated key: its primary fingerprint, armored public key file, and signing."""

    __test__ = False  # not a pytest test class

    name: str
    fingerprint: str
    signing_subkey: str
    public_key_path: Path
    home: str
    sign_time: int | None = None  # signatures are made at this (faked) time if set
    _link_dir: Path | None = field(default=None, repr=False)

    def gpg(self, *args: str, input: bytes | None = None) -> bytes:
        return _gpg(self.home, *args, input=input, at=self.sign_time)

    def sign_bytes(self, data: bytes) -> bytes:
        """A detached ASCII-armored signature of `data` by the signing subkey."""
        return self.gpg(
            "--armor", "--detach-sign", "--local-user", self.signing_subkey + "!", input=data
        )

    def sign(self, path: Path) -> Path:
        """Write `<path>.asc`, a detached armored signature of the file, and return it."""
        out = path.with_name(path.name + ".asc")
        self.gpg(
            "--armor",
            "--detach-sign",
            "--local-user",
            self.signing_subkey + "!",
            "--output",
            str(out),
            str(path),
        )
        return out

    def add_signing_subkey(self, expire: str = "0") -> str:
        """Add a signing subkey (made at `sign_time` if set), sign with it from now on, and
        re-export the public key; return the new subkey's fingerprint. Like Go's rotation."""
        self.gpg("--quick-add-key", self.fingerprint, "ed25519", "sign", expire)
        listing = self.gpg("--with-colons", "--list-keys", self.fingerprint).decode()
        self.signing_subkey = _signing_subkey(listing)
        self.export_public()
        return self.signing_subkey

    def set_subkey_expiry(self, expire: str, *, at: int, subkey: str | None = None) -> Path:
        """Re-bind a subkey (default: the signing one) with a new expiry, as of the faked
        time `at` (epoch seconds), and re-export. A relative `expire` ("1d") counts from
        `at`; the newest binding signature is the one gpg heeds, so this can make a subkey
        have expired *before* signatures it already made."""
        _gpg(
            self.home,
            "--quick-set-expire",
            self.fingerprint,
            expire,
            subkey or self.signing_subkey,
            at=at,
        )
        return self.export_public()

    def export_public(self) -> Path:
        self.public_key_path.write_bytes(self.gpg("--armor", "--export", self.fingerprint))
        return self.public_key_path

    def revoke(self) -> Path:
        """Revoke the primary key with the certificate gpg made at generation; re-export."""
        rev = Path(self.home) / "openpgp-revocs.d" / f"{self.fingerprint}.rev"
        text = rev.read_text().replace(
            ":-----BEGIN PGP PUBLIC KEY BLOCK-----", "-----BEGIN PGP PUBLIC KEY BLOCK-----"
        )
        self.gpg("--import", input=text.encode())
        return self.export_public()

    def close(self) -> None:
        """Stop this key's gpg-agent and remove the short symlink (the home stays)."""
        _kill_agent(self.home)
        _agents.discard(self.home)
        if self._link_dir is not None:
            shutil.rmtree(self._link_dir, ignore_errors=True)


def generate_key(
    homedir: Path,
    name: str,
    *,
    expire: str = "0",
    subkey_expire: str | None = None,
    backdate_days: int = 0,
) -> TestKey:
    """Generate an ed25519 key (certify-only primary + signing subkey) in `homedir`.

    `expire` applies to the primary, `subkey_expire` (default: `expire`) to the signing
    subkey; both take gpg's forms ("0", "1d", "2y", an ISO date). With `backdate_days`,
    the key is made that many days in the past and `sign()` signs at that past time
    (plus an hour), so `subkey_expire="1d", backdate_days=10` gives a key whose signing
    subkey expired nine days ago, with signatures that were good when made.
    Several keys may share one `homedir`.
    """
    home, link_dir = _short_home(homedir)
    _agents.add(home)
    now = int(time.time())
    made_at = now - backdate_days * _DAY if backdate_days else None
    email = "".join(c for c in name.lower() if c.isalnum()) or "key"
    params = (
        "%no-protection\n"
        "Key-Type: eddsa\nKey-Curve: ed25519\nKey-Usage: cert\n"
        f"Name-Real: {name}\nName-Email: {email}@example.invalid\n"
        f"Expire-Date: {expire}\n%commit\n"
    )
    status = _gpg(home, "--status-fd", "1", "--gen-key", input=params.encode(), at=made_at)
    fingerprint = next(
        line.split()[3]
        for line in status.decode().splitlines()
        if line.startswith("[GNUPG:] KEY_CREATED")
    )
    sub_at = made_at + 60 if made_at is not None else None
    _gpg(
        home,
        "--quick-add-key",
        fingerprint,
        "ed25519",
        "sign",
        subkey_expire if subkey_expire is not None else expire,
        at=sub_at,
    )
    listing = _gpg(home, "--with-colons", "--list-keys", fingerprint, at=sub_at).decode()
    signing = _signing_subkey(listing)
    safe = "".join(c if c.isalnum() else "-" for c in name)
    key = TestKey(
        name=name,
        fingerprint=fingerprint,
        signing_subkey=signing,
        public_key_path=homedir / f"{safe}-{fingerprint[-8:]}.pub.asc",
        home=home,
        sign_time=made_at + 3600 if made_at is not None else None,
        _link_dir=link_dir,
    )
    key.export_public()
    return key


def _signing_subkey(colons: str) -> str:
    """Fingerprint of the newest signing-capable subkey in a `--with-colons` listing."""
    last_sub: list[str] | None = None
    found: str | None = None
    for line in colons.splitlines():
        fields = line.split(":")
        if fields[0] == "sub":
            last_sub = fields
        elif fields[0] == "fpr" and last_sub is not None:
            if "s" in last_sub[11]:
                found = fields[9]
            last_sub = None
        elif fields[0] == "pub":
            last_sub = None
    if found is None:
        raise RuntimeError(f"no signing subkey in:\n{colons}")
    return found
