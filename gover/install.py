"""Install and uninstall: index → download → verify (SHA-256, GPG) → extract → atomic commit.

Not a byte is extracted before the archive's SHA-256 (from the official index, whatever
mirror served the bytes) and, where the policy asks, its GPG signature are checked.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from gover import archive, output, paths, store
from gover.config import Config
from gover.constants import DEFAULT_DOWNLOAD_BASE
from gover.errors import (
    GoverError,
    NotInstalledError,
    UsageError,
    VerificationError,
    VersionError,
)
from gover.platform import host
from gover.versions import GoVersion, VersionRequest

Status = Literal["installed", "reinstalled", "already-installed"]

_ARCHIVE_NAME = re.compile(
    r"^go(?P<version>[0-9][0-9a-z.]*?)\.(?P<os>[a-z0-9]+)-(?P<arch>[a-z0-9]+)\.(?:tar\.gz|zip)$"
)


@dataclass(frozen=True)
class InstallResult:
    version: GoVersion
    root: Path
    status: Status
    sha256: str = ""
    signer: str = ""
    url: str = ""
    seconds: float = 0.0


def _archive_url(cfg: Config, filename: str) -> str:
    base = cfg.download_base or DEFAULT_DOWNLOAD_BASE
    return base.rstrip("/") + "/" + filename


def _check_sidecar(cfg: Config, url: str, expected: str) -> None:
    """Cross-check the `.sha256` sidecar when the server has one; a missing one is fine."""
    from gover import download, verify

    sidecar_url = url + ".sha256"
    try:
        result = download.fetch_bytes(sidecar_url, cfg, max_bytes=4096)
    except download.NotFoundError:
        return
    published = verify.parse_sidecar(result.content, sidecar_url)
    if published != expected:
        raise VerificationError(
            f"{sidecar_url}: published SHA-256 {published} disagrees with the release index ({expected})",
            "the mirror may be tampered with or stale; nothing was installed",
        )


def _check_signature(cfg: Config, archive_path: Path, sig_url: str, local_sig: Path | None) -> str:
    """Return the signer's primary fingerprint, or "unsigned" when the policy allows it."""
    from gover import download, verify

    policy = verify.signature_policy(cfg, archive_path.name)
    if policy == "skip":
        return "unsigned"
    if local_sig is not None:
        if not local_sig.is_file():
            if policy == "require":
                raise VerificationError(
                    f"{local_sig}: signature file missing and gpg = require",
                    "put the .asc next to the archive or set gpg = auto",
                )
            output.warn(f"{local_sig} not found; the archive's signature was not checked")
            return "unsigned"
        signature = local_sig.read_bytes()
    else:
        try:
            signature = download.fetch_bytes(sig_url, cfg, max_bytes=64 << 10).content
        except download.NotFoundError as exc:
            if policy == "require":
                raise VerificationError(
                    f"{sig_url}: signature not found (404) and gpg = require",
                    "use a mirror that serves .asc files or set gpg = auto",
                ) from exc
            output.warn(f"{sig_url}: no signature published; checked the SHA-256 only")
            return "unsigned"
    return verify.verify_with_refresh(
        cfg,
        archive_path,
        signature,
        sig_url,
        # One quick try: an offline machine should not wait out the full retry schedule.
        lambda u: download.fetch_bytes(u, cfg, retries=1).content,
    )


def _extract_and_commit(archive_path: Path, version: GoVersion, receipt: store.Receipt) -> Path:
    staging = store.new_staging(version.name)
    try:
        archive.extract(archive_path, staging)
        held = store.tree_version(staging)
        got = GoVersion.try_parse(held) if held else None
        if got is not None and got != version:
            raise VerificationError(
                f"{archive_path.name}: archive holds go{got}, not go{version}",
                "the file is mislabelled; nothing was installed",
            )
        return store.commit(staging, version.name, receipt)
    finally:
        store.discard(staging)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def install(
    text: str,
    cfg: Config,
    *,
    force: bool = False,
    unstable: bool = False,
    refresh: bool = False,
) -> InstallResult:
    """Install the release a version request names (exact, prefix or latest)."""
    from gover import download, index, verify

    started = time.monotonic()
    request = VersionRequest.parse(text)
    store.cleanup()
    if request.kind == "exact" and not force and request.version is not None:
        have = store.get(request.version)
        if have is not None:  # no network needed
            return InstallResult(have.version, have.root, "already-installed")

    releases = index.load(cfg, refresh=refresh)
    release = index.find_release(releases, request, unstable=unstable)
    artifact = index.select_archive(release, host())
    version = release.version
    url = _archive_url(cfg, artifact.filename)

    with store.lock(version.name):
        have = store.get(version)
        if have is not None and not force:
            return InstallResult(have.version, have.root, "already-installed")
        cached = paths.download_file(artifact.filename)
        if cached.is_file() and verify.sha256_file(cached) == artifact.sha256:
            actual = artifact.sha256
        else:
            actual = download.download(url, cached, cfg, expected_size=artifact.size)
        verify.check_sha256(cached, actual, artifact.sha256, url)
        _check_sidecar(cfg, url, artifact.sha256)
        signer = _check_signature(cfg, cached, url + ".asc", None)
        receipt = store.Receipt(
            version=version.name,
            url=url,
            filename=artifact.filename,
            sha256=artifact.sha256,
            signer=signer,
            installed_at=_now(),
        )
        root = _extract_and_commit(cached, version, receipt)
    status: Status = "reinstalled" if have is not None else "installed"
    return InstallResult(
        version, root, status, artifact.sha256, signer, url, time.monotonic() - started
    )


def install_file(
    archive_path: Path, cfg: Config, *, sha256: str | None = None, force: bool = False
) -> InstallResult:
    """Air-gapped install of a local go.dev archive; the hash comes from --sha256 or the index."""
    from gover import download, index, verify

    started = time.monotonic()
    source = archive_path.expanduser().absolute()
    m = _ARCHIVE_NAME.match(source.name)
    if m is None:
        raise UsageError(
            f"{source}: not a go.dev archive name",
            "expected e.g. go1.22.10.linux-amd64.tar.gz (keep the published file name)",
        )
    if not source.is_file():
        raise UsageError(f"{source}: no such file", "give the path of a downloaded Go archive")
    version = GoVersion.parse(m["version"])
    if not version.is_release and not version.is_prerelease:
        raise VersionError(f"{source.name}: {version} is not a release version")
    expected = (sha256 or "").strip().lower()
    if expected:
        if len(expected) != 64 or any(c not in "0123456789abcdef" for c in expected):
            raise UsageError(f"--sha256 {sha256!r} is not 64 hex digits", "copy it from go.dev/dl")
    else:
        try:
            releases = index.load(cfg)
        except GoverError as exc:
            raise VerificationError(
                f"{source}: no SHA-256 to check it against ({exc.message})",
                "pass --sha256 HEX from go.dev/dl",
            ) from exc
        art = index.find_file(releases, source.name)
        if art is None:
            raise VerificationError(
                f"{source.name} is not in the release index {cfg.index_url}",
                "pass --sha256 HEX from go.dev/dl",
            )
        expected = art.sha256

    store.cleanup()
    with store.lock(version.name):
        have = store.get(version)
        if have is not None and not force:
            return InstallResult(have.version, have.root, "already-installed")
        # Copy into gover's cache while hashing, so the bytes verified are the bytes extracted.
        cached = paths.download_file(source.name)
        actual = download.download(source.as_uri(), cached, cfg)
        verify.check_sha256(cached, actual, expected, str(source))
        sig = source.with_name(source.name + ".asc")
        signer = _check_signature(cfg, cached, str(sig), sig)
        receipt = store.Receipt(
            version=version.name,
            url=source.as_uri(),
            filename=source.name,
            sha256=expected,
            signer=signer,
            installed_at=_now(),
        )
        root = _extract_and_commit(cached, version, receipt)
    status: Status = "reinstalled" if have is not None else "installed"
    return InstallResult(
        version, root, status, expected, signer, source.as_uri(), time.monotonic() - started
    )


def uninstall(text: str) -> store.Installed:
    version = GoVersion.parse(text)
    item = store.get(version)
    if item is None:
        raise NotInstalledError(
            f"go {version} is not installed", "see installed versions: gover list"
        )
    store.remove(item)
    return item
