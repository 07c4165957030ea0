"""Install: index → download → verify (SHA-256, GPG) → extract → atomic commit (removal.py
removes an install; select/use.py is `gover use`, install then pin).

Not a byte is extracted before the archive's SHA-256 (from the official index, whatever
mirror served the bytes) and, where the policy asks, its GPG signature are checked.

One file, one descriptor, proven once: the archive is downloaded into (or found in) gover's
own cache directory and kept open; the SHA-256 is of the bytes written through that
descriptor, gpg reads that descriptor on its stdin (hashing again on the way), and the
extractor reads it too (hashing once more). Nothing reopens the archive by name, so a file
or symlink swapped into the cache meanwhile is never what gets verified or installed.
"""

from __future__ import annotations

import dataclasses
import os
import re
import stat
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Literal

from gover import output, paths
from gover.config import Config
from gover.constants import (
    DEFAULT_DOWNLOAD_BASE,
    MAX_SIGNATURE_BYTES,
    SIGNATURE_SUFFIX,
    TOOLCHAIN_MODULE,
)
from gover.errors import (
    GoverError,
    NetworkError,
    UsageError,
    VerificationError,
    VersionError,
    io_error,
)
from gover.fsutil import file_kind, open_regular, read_capped
from gover.platform import host
from gover.toolchain import cache, sources, store
from gover.toolchain.archive import extract as archive
from gover.toolchain.trust import checksum
from gover.versions import GoVersion, VersionRequest

if TYPE_CHECKING:
    from gover.toolchain import proxy as proxy_t
    from gover.toolchain.trust import sumdb as sumdb_t
    from gover.tools.defaults import DefaultPackage

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
    index_url: str = ""  # the index whose SHA-256 vouched for the bytes
    source: str = ""  # what chose the archive's source ("mirror ustc, set by $GOVER_MIRROR")
    via: str = ""  # the receipt's source: "go.dev", "mirror ustc", "proxy https://goproxy.cn"
    proofs: tuple[str, ...] = ()  # the receipt's proofs ("sha256 …", "gpg …", "sumdb …")
    signer_name: str = ""  # the signing key's user id, when it has one


class NoMatchError(VersionError):
    """No release in the index (or the proxy's list) matches a request; names where it looked."""


def _subject(version: GoVersion) -> str:
    return f"go {version.name}"


def _signer_name(cfg: Config, signer: str) -> str:
    if signer in ("", "unsigned"):
        return ""
    from gover.toolchain.trust import openpgp

    return openpgp.signer_name(cfg, signer)


def _check_signature(
    cfg: Config,
    fh: BinaryIO,
    name: str,
    sha256: str,
    sig_url: str,
    local_sig: Path | None,
) -> str:
    """Return the signer's primary fingerprint, or "unsigned" when the policy allows it."""
    from gover.toolchain import download
    from gover.toolchain.trust import openpgp

    policy = openpgp.signature_policy(cfg, name)
    if policy == "skip":
        return "unsigned"
    if local_sig is not None:
        try:
            signature = read_capped(local_sig, MAX_SIGNATURE_BYTES)
        except FileNotFoundError:
            if policy == "require":
                raise VerificationError(
                    f"{local_sig}: signature file missing and gpg = require",
                    "put the .asc next to the archive or set gpg = auto",
                ) from None
            output.warn(f"{local_sig} not found; the archive's signature was not checked")
            return "unsigned"
        except OSError as exc:
            raise io_error(
                "read signature",
                local_sig,
                exc,
                "a .asc signature is a small text file; replace it with the published one",
                kind=VerificationError,
            ) from None
    else:
        try:
            signature = download.fetch_bytes(sig_url, cfg, max_bytes=MAX_SIGNATURE_BYTES).content
        except download.NotFoundError as exc:
            if policy == "require":
                raise VerificationError(
                    f"{sig_url}: signature not found (404) and gpg = require",
                    "use a mirror that serves .asc files or set gpg = auto",
                ) from exc
            output.warn(f"{sig_url}: no signature published; checked the SHA-256 only")
            return "unsigned"
    return openpgp.verify_with_refresh(
        cfg,
        fh,
        signature,
        sig_url,
        # One quick try: an offline machine should not wait out the full retry schedule.
        lambda u: download.fetch_bytes(u, cfg, retries=1).content,
        name=name,
        sha256=sha256,
    )


def _check_tree_version(staging: Path, name: str, version: GoVersion) -> None:
    held = store.tree_version(staging)
    got = GoVersion.try_parse(held) if held else None
    if got is not None and got != version:
        raise VerificationError(
            f"{name}: archive holds go{got}, not go{version}",
            "the file is mislabelled; nothing was installed",
        )


def _proofs(sha256: str, signer: str) -> tuple[str, ...]:
    return (f"sha256 {sha256}",) + (() if signer == "unsigned" else (f"gpg {signer}",))


def _extract_and_commit(
    cfg: Config, fh: BinaryIO, name: str, sha256: str, version: GoVersion, receipt: store.Receipt
) -> store.Receipt:
    """Extract a verified release archive into staging, prove the tree with the checksum
    database too (the third proof, by cfg.verify_sumdb: the record looked up while the
    archive unpacks, the files hashed as they are written) and commit it."""
    from gover.toolchain import proxy
    from gover.toolchain.trust import dirhash, sumdb

    plat = host()
    mv = dirhash.module_version(version, plat.goos, plat.goarch)
    staging = store.new_staging(version.name)
    output.stage(_subject(version), "extract", name)
    with ThreadPoolExecutor(1, thread_name_prefix="gover-sumdb") as pool:
        proving = None
        if cfg.verify_sumdb != "off":
            env = proxy.go_env()
            proving = pool.submit(
                sumdb.policy_lookup,
                cfg,
                mv,
                proxies=proxy.sumdb_proxies(env),
                environ=env.values,
            )
        try:
            with output.Progress(f"extract {name}", enabled=output.stderr_is_tty()) as bar:
                stats = archive.extract(
                    fh,
                    staging,
                    name=name,
                    hash_files=proving is not None,
                    progress=bar.update if output.stderr_is_tty() else None,
                )
            if stats.sha256 and stats.sha256 != sha256:
                raise VerificationError(
                    f"{name}: the bytes extracted have SHA-256 {stats.sha256}, not {sha256}; "
                    "the file changed after it was verified (nothing was installed)",
                    "retry; if it happens again, check who else writes to gover's cache",
                )
            _check_tree_version(staging, name, version)
            proof = proving.result() if proving is not None else None
            if proof is not None:
                sumdb.compare(name, _release_h1(stats, staging, mv), proof)
                receipt = dataclasses.replace(receipt, proofs=(*receipt.proofs, proof.line))
            output.stage(_subject(version), "commit", str(paths.version_dir(version.name)))
            store.commit(staging, version.name, receipt)
            return receipt
        finally:
            store.discard(staging)


def _release_h1(stats: archive.ExtractStats, staging: Path, mv: str) -> str:
    """The h1 of an unpacked release's module subset: from the hashes taken while writing
    (a .tar.gz without symlinks), else by reading the tree (dirhash.tree_hash)."""
    from gover.toolchain.trust import dirhash

    if stats.file_hashes and not stats.symlinks:
        named = []
        for rel, digest in stats.file_hashes:
            zip_name = dirhash.zip_name(rel, mv)
            if zip_name is not None and rel not in dirhash.NOT_RELEASE_FILES:
                named.append((zip_name, digest))
        return dirhash.hash1(dirhash.module_files(named))
    return dirhash.tree_hash(staging, mv)


def _obtain(
    cfg: Config, filename: str, sha256: str, size: int
) -> tuple[BinaryIO, sources.Source | None]:
    """The archive, open, and the source that served it: from the cache if its bytes are
    right (source None), else downloaded from the first source that has it."""
    cache.downloads_dir()  # gover's own directory, or refused
    cached = paths.download_file(filename)
    fh = checksum.open_if_hashes_to(cached, sha256)
    if fh is not None:
        return fh, None
    got, src = sources.fetch_archive(cfg, filename, cached, sha256=sha256, size=size)
    return got.file, src


def _warn_kept(kept: tuple[store.Kept, ...], target: str | None = None) -> None:
    """Say what cleanup left alone because gover did not make it (the target version's own
    directory is named by the refusal that follows instead)."""
    skip = paths.version_dir(target) if target is not None else None
    for item in kept:
        if item.path != skip:
            output.warn(str(item), once_key=f"kept:{item.path}")


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
    """Install the release a version request names (exact, prefix or latest), from the first
    source in cfg.source that can serve it: "go.dev" (the release index and its mirrors) or
    "proxy" ($GOPROXY). A network failure moves on to the next source; anything else (a proof
    that fails, a setting to fix) stops at once."""
    started = time.monotonic()
    request = VersionRequest.parse(text)
    kept = store.cleanup().kept
    if request.kind == "exact" and not force and request.version is not None:
        have = store.get(request.version)
        if have is not None:  # no network needed
            _warn_kept(kept)
            return InstallResult(have.version, have.root, "already-installed")
    kinds = cfg.source or ("go.dev",)
    failures: list[tuple[str, NetworkError]] = []
    for i, kind in enumerate(kinds):
        try:
            if kind == "proxy":
                return _install_proxy(cfg, request, kept, started, force=force, unstable=unstable)
            return _install_godev(
                cfg, request, kept, started, force=force, unstable=unstable, refresh=refresh
            )
        except NetworkError as exc:
            failures.append((kind, exc))
            if i + 1 < len(kinds):
                output.warn(f"source {kind} failed ({exc.message}); trying {kinds[i + 1]}")
    if len(failures) == 1:
        raise failures[0][1]
    last = failures[-1][1]
    raise type(last)(
        f"no source could install {request.text}: "
        + "; ".join(f"{kind}: {exc.message}" for kind, exc in failures),
        last.hint,
    )


def _godev_via(src: sources.Source) -> str:
    """The receipt's source for a release archive: go.dev, or the mirror that served it."""
    if src.download_base == DEFAULT_DOWNLOAD_BASE:
        return "go.dev"
    return f"mirror {src.name}"


def _install_godev(
    cfg: Config,
    request: VersionRequest,
    kept: tuple[store.Kept, ...],
    started: float,
    *,
    force: bool,
    unstable: bool,
    refresh: bool,
) -> InstallResult:
    from gover.toolchain import index

    loaded = sources.load_index(cfg, refresh=refresh)
    try:
        release = index.find_release(loaded.releases, request, unstable=unstable)
    except VersionError as exc:
        raise NoMatchError(
            f"no Go release matches {request.text!r} in {loaded.url} (for {host()})", exc.hint
        ) from None
    artifact = index.select_archive(release, host())
    version = release.version
    _warn_kept(kept, version.name)

    with store.lock(version.name):
        have = store.get(version)
        if have is not None and not force:
            return InstallResult(have.version, have.root, "already-installed")
        store.ensure_replaceable(version.name)  # before the download, not after it
        output.stage(_subject(version), "download", artifact.filename)
        fh, src = _obtain(cfg, artifact.filename, artifact.sha256, artifact.size)
        if src is None:  # from the cache: the sidecar and .asc from the first source
            src = sources.download_sources(cfg)[0]
        url = src.archive_url(artifact.filename)
        with fh:
            output.stage(_subject(version), "verify", "SHA-256 and signature")
            checksum.check_sidecar(cfg, url, artifact.sha256)
            signer = _check_signature(
                cfg, fh, artifact.filename, artifact.sha256, url + SIGNATURE_SUFFIX, None
            )
            receipt = store.Receipt(
                version=version.name,
                url=url,
                filename=artifact.filename,
                sha256=artifact.sha256,
                signer=signer,
                installed_at=_now(),
                source=_godev_via(src),
                proofs=_proofs(artifact.sha256, signer),
            )
            receipt = _extract_and_commit(
                cfg, fh, artifact.filename, artifact.sha256, version, receipt
            )
    status: Status = "reinstalled" if have is not None else "installed"
    return InstallResult(
        version,
        paths.version_dir(version.name),
        status,
        artifact.sha256,
        signer,
        url,
        time.monotonic() - started,
        loaded.url,
        src.setting,
        receipt.source,
        receipt.proofs,
        _signer_name(cfg, signer),
    )


def _proxy_sumdb(cfg: Config, env: Mapping[str, str]) -> sumdb_t.SumDB | None:
    """The checksum database that must vouch for a toolchain from a proxy, or None when the
    user's go settings switch it off for the module (GOSUMDB=off, GONOSUMDB, GOPRIVATE) and
    the policy is auto: go installs it then, trusting the proxy, and so does gover, warning
    that nothing proves the bytes. verify_sumdb = off is refused: the database is a proxy
    install's only proof (there is no index SHA-256 and no signature for a module zip)."""
    from gover.toolchain.trust import sumdb

    where = cfg.origins.get("verify_sumdb", "the default")
    if cfg.verify_sumdb == "off":
        raise VerificationError(
            f"verify_sumdb = off (set by {where}): a toolchain from a module proxy would have "
            "no proof at all (the checksum database is its only one)",
            "set verify_sumdb = auto (GOSUMDB=off is honoured as go honours it), "
            "or install from go.dev: gover install --source go.dev",
        )
    why = sumdb.skipped(TOOLCHAIN_MODULE, env)
    db = None if why else sumdb.SumDB.from_env(env)
    if db is not None:
        return db
    why = why or "GOSUMDB=off"
    if cfg.verify_sumdb == "require":
        raise VerificationError(
            f"{why}: the checksum database cannot vouch for {TOOLCHAIN_MODULE}, "
            f"and verify_sumdb = require (set by {where})",
            "undo what switches it off, or install from go.dev: gover install --source go.dev",
        )
    output.warn(
        f"{why}: nothing proves the toolchain the proxy serves (no checksum database, and a "
        "module zip has no signature); installing it as go would, trusting the proxy"
    )
    return None


def _install_proxy(
    cfg: Config,
    request: VersionRequest,
    kept: tuple[store.Kept, ...],
    started: float,
    *,
    force: bool,
    unstable: bool,
) -> InstallResult:
    """Install golang.org/toolchain@v0.0.1-go<version>.<goos>-<goarch> through $GOPROXY:
    .info first, then the checksum database's record looked up (and proven) while .mod and
    .zip download and the zip unpacks into staging, its h1 computed over the entries as they
    are written; committed only when the proof is in and both hashes match it."""
    from gover.toolchain import proxy
    from gover.toolchain.trust import dirhash

    env = proxy.go_env()
    plan = proxy.plan(env)
    db = _proxy_sumdb(cfg, env.values)
    plat = host()
    if request.kind == "exact" and request.version is not None:
        version = request.version
    else:
        listed, list_url = proxy.list_versions(cfg, plan, plat.goos, plat.goarch)
        picked = request.pick(listed, unstable=unstable)
        if picked is None:
            raise NoMatchError(
                f"no Go release matches {request.text!r} in {list_url} (for {plat})",
                "see the versions there, or try: gover list-remote",
            )
        version = picked
    mv = dirhash.module_version(version, plat.goos, plat.goarch)
    _warn_kept(kept, version.name)

    with store.lock(version.name):
        have = store.get(version)
        if have is not None and not force:
            return InstallResult(have.version, have.root, "already-installed")
        store.ensure_replaceable(version.name)
        info_url = proxy.fetch_info(cfg, plan, mv)  # "not on this proxy" before anything else
        # The record is looked up and proven (note, inclusion, consistency) while the zip
        # downloads and unpacks into staging; nothing is committed before the proof is in
        # and the zip's h1 and the .mod's match it.
        with ThreadPoolExecutor(1, thread_name_prefix="gover-sumdb") as pool:
            lookup = pool.submit(_proxy_proof, cfg, db, plan, mv)
            try:
                output.stage(_subject(version), "download", f"{TOOLCHAIN_MODULE}@{mv}")
                mod, mod_url = proxy.fetch_mod(cfg, plan, mv)
                cache.downloads_dir()  # gover's own directory, or refused
                filename = f"{TOOLCHAIN_MODULE.replace('/', '-')}@{mv}.zip"
                zip_sha, url = proxy.download_zip(cfg, plan, mv, paths.download_file(filename))
                try:
                    fd = open_regular(paths.download_file(filename))
                except OSError as exc:
                    raise io_error("read", paths.download_file(filename), exc) from None

                def proven() -> sumdb_t.Proof | None:
                    proof = lookup.result()
                    if proof is not None and proof.gomod_h1:
                        got = dirhash.gomod_hash(mod)
                        if got != proof.gomod_h1:
                            raise VerificationError(
                                f"{mod_url}: hashes to {got}, but the checksum database "
                                f"{proof.db} records {proof.gomod_h1} for "
                                f"{TOOLCHAIN_MODULE}@{mv}/go.mod",
                                "the proxy serves altered files; nothing was installed",
                            )
                    return proof

                with os.fdopen(fd, "rb") as fh:
                    receipt = _extract_module_and_commit(
                        fh, url, mv, version, proven, info_url, filename, zip_sha
                    )
            except BaseException:
                if lookup.done() and lookup.exception() is not None:
                    lookup.result()  # a failed proof is the error to report, not what followed
                raise
    status: Status = "reinstalled" if have is not None else "installed"
    return InstallResult(
        version,
        paths.version_dir(version.name),
        status,
        receipt.sha256,
        receipt.signer,
        url,
        time.monotonic() - started,
        "",
        f"proxy, {plan.shown}",
        receipt.source,
        receipt.proofs,
    )


def _proxy_proof(
    cfg: Config, db: sumdb_t.SumDB | None, plan: proxy_t.Plan, mv: str
) -> sumdb_t.Proof | None:
    """The database's proven record of the toolchain module (None when none is asked)."""
    if db is None:
        return None
    from gover.toolchain import proxy
    from gover.toolchain.trust import sumdb

    return sumdb.lookup(cfg, db, TOOLCHAIN_MODULE, mv, proxies=proxy.sumdb_proxies(plan.env))


def _extract_module_and_commit(
    fh: BinaryIO,
    url: str,
    mv: str,
    version: GoVersion,
    proven: Callable[[], sumdb_t.Proof | None],
    info_url: str,
    filename: str,
    zip_sha256: str,
) -> store.Receipt:
    from gover.toolchain.trust import dirhash

    staging = store.new_staging(version.name)
    try:
        output.stage(_subject(version), "extract", url)
        with output.Progress(f"extract {filename}", enabled=output.stderr_is_tty()) as bar:
            stats = archive.extract(
                fh,
                staging,
                name=url,
                module=dirhash.module_prefix(mv).rstrip("/"),
                progress=bar.update if output.stderr_is_tty() else None,
            )
        output.stage(_subject(version), "verify", "checksum database")
        proof = proven()
        if proof is not None:
            h1 = dirhash.hash1(stats.entries)
            if h1 != proof.h1:
                raise VerificationError(
                    f"{url}: the zip's files hash to {h1}, but the checksum database "
                    f"{proof.db} records {proof.h1} for {TOOLCHAIN_MODULE}@{mv} "
                    f"(record {proof.record_id}); nothing was installed",
                    "the proxy serves altered files: use another GOPROXY or --source go.dev",
                )
        _check_tree_version(staging, url, version)
        base = info_url.rsplit(f"/{TOOLCHAIN_MODULE}/@v/", 1)[0]
        receipt = store.Receipt(
            version=version.name,
            url=url,
            filename=filename,
            sha256=zip_sha256,
            signer="unsigned",
            installed_at=_now(),
            source=f"proxy {base}",
            proofs=(proof.line,) if proof is not None else (),
        )
        output.stage(_subject(version), "commit", str(paths.version_dir(version.name)))
        store.commit(staging, version.name, receipt)
        return receipt
    finally:
        store.discard(staging)


def install_file(
    archive_path: Path, cfg: Config, *, sha256: str | None = None, force: bool = False
) -> InstallResult:
    """Air-gapped install of a local go.dev archive; the hash comes from --sha256 or the index."""
    from gover.toolchain import download, index

    started = time.monotonic()
    source = archive_path.expanduser().absolute()
    m = _ARCHIVE_NAME.match(source.name)
    if m is None:
        raise UsageError(
            f"{source}: not a go.dev archive name",
            "expected e.g. go1.22.10.linux-amd64.tar.gz (keep the published file name)",
        )
    try:
        st = source.stat()
    except FileNotFoundError:
        raise UsageError(
            f"{source}: no such file", "give the path of a downloaded Go archive"
        ) from None
    except OSError as exc:
        raise io_error(
            "read", source, exc, "give the path of a downloaded Go archive", kind=UsageError
        ) from None
    if not stat.S_ISREG(st.st_mode):
        raise UsageError(
            f"{source}: is {file_kind(st.st_mode)}, not a regular file",
            "give the path of a downloaded Go archive",
        )
    version = GoVersion.parse(m["version"])
    if not version.is_release and not version.is_prerelease:
        raise VersionError(f"{source.name}: {version} is not a release version")
    if sha256:
        given = checksum.normalize(sha256)
        if given is None:
            raise UsageError(f"--sha256 {sha256!r} is not 64 hex digits", "copy it from go.dev/dl")
        expected = given
    else:
        try:
            loaded = sources.load_index(cfg)
        except GoverError as exc:
            raise VerificationError(
                f"{source}: no SHA-256 to check it against ({exc.message})",
                "pass --sha256 HEX from go.dev/dl",
            ) from exc
        art = index.find_file(loaded.releases, source.name)
        if art is None:
            raise VerificationError(
                f"{source.name} is not in the release index {loaded.url}",
                "pass --sha256 HEX from go.dev/dl",
            )
        expected = art.sha256

    _warn_kept(store.cleanup().kept, version.name)
    with store.lock(version.name):
        have = store.get(version)
        if have is not None and not force:
            return InstallResult(have.version, have.root, "already-installed")
        store.ensure_replaceable(version.name)  # before the download, not after it
        # Copied into gover's cache while hashing, so the bytes verified are the bytes
        # extracted; copied bytes that are not the expected ones never take the final name.
        cache.downloads_dir()  # gover's own directory, or refused
        cached = paths.download_file(source.name)
        output.stage(_subject(version), "download", str(source))
        got = download.fetch(source.as_uri(), cached, cfg, sha256=expected)
        with got.file as fh:
            output.stage(_subject(version), "verify", "SHA-256 and signature")
            sig = source.with_name(source.name + SIGNATURE_SUFFIX)
            signer = _check_signature(cfg, fh, source.name, expected, str(sig), sig)
            receipt = store.Receipt(
                version=version.name,
                url=source.as_uri(),
                filename=source.name,
                sha256=expected,
                signer=signer,
                installed_at=_now(),
                source=f"file {source}",
                proofs=_proofs(expected, signer),
            )
            receipt = _extract_and_commit(cfg, fh, source.name, expected, version, receipt)
    status: Status = "reinstalled" if have is not None else "installed"
    return InstallResult(
        version,
        paths.version_dir(version.name),
        status,
        expected,
        signer,
        source.as_uri(),
        time.monotonic() - started,
        via=receipt.source,
        proofs=receipt.proofs,
        signer_name=_signer_name(cfg, signer),
    )


# ---- after a fresh install, and `gover use` ---------------------------------------------


def default_packages(result: InstallResult, cfg: Config) -> tuple[DefaultPackage, ...]:
    """`go install` the default-packages file's lines with a toolchain just installed (not
    one that was there already): () when there is no such file."""
    if result.status == "already-installed":
        return ()
    from gover.tools import defaults

    return defaults.after_install(result.root, result.version.name, cfg)
