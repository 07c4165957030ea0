"""`gover mirror verify`: re-check every archive a tree's index names, and its sidecars.

Each archive is read once: its bytes go to gpg (checking the `.asc`) through a reader that
hashes them on the way (openpgp.verify's sha256=), so a good signature over bytes with the
index's SHA-256 proves both; only a failure is read again, to tell a changed archive from a
bad signature. Files are checked in parallel (hashlib and gpg both run outside the GIL).
Nothing in the tree is followed or
waited on: a symlink, FIFO or directory at a name is a problem, reported, never opened.
Every problem is one line (file, what, fix); files the index does not name are warnings.
"""

from __future__ import annotations

import hmac
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from gover.config import Config
from gover.constants import CHECKSUM_SUFFIX, MAX_SIGNATURE_BYTES, SIGNATURE_SUFFIX
from gover.errors import GoverError, VerificationError, io_reason
from gover.fsutil import UnsafePathError, read_capped
from gover.mirror.build import check_jobs
from gover.mirror.tree import SIDECARS, Entry, Tree
from gover.results.mirror import Problem, VerifyResult
from gover.toolchain.trust import checksum

_REBUILD = "run gover mirror build (or sync) again to fetch it afresh"


def _policy(cfg: Config, name: str) -> str:
    from gover.toolchain.trust import openpgp

    if not openpgp.is_signed_artifact(name):
        return "skip"
    try:
        return openpgp.signature_policy(cfg, name)
    except VerificationError:
        return "require"  # gpg = require without a gpg: every signature check fails, said per file


def _small(tree: Tree, name: str, limit: int) -> tuple[bytes | None, str | None]:
    """A sidecar's bytes, or (None, why not): never through a symlink or a FIFO."""
    try:
        return read_capped(tree.path(name), limit, follow_symlinks=False), None
    except FileNotFoundError:
        return None, "missing"
    except UnsafePathError as exc:
        return None, io_reason(exc)
    except OSError as exc:
        return None, io_reason(exc)


def check_one(tree: Tree, cfg: Config, entry: Entry) -> list[Problem]:
    from gover.toolchain import download
    from gover.toolchain.trust import openpgp

    f = entry.file
    name = f.filename
    problems: list[Problem] = []
    sha_name = name + CHECKSUM_SUFFIX
    content, why = _small(tree, sha_name, checksum.MAX_SIDECAR_BYTES)
    if content is None:
        problems.append(Problem(sha_name, f".sha256 sidecar {why}", _REBUILD))
    else:
        try:
            published = checksum.parse_sidecar(content, str(tree.path(sha_name)))
        except VerificationError:
            problems.append(Problem(sha_name, "not a SHA-256 checksum file", _REBUILD))
        else:
            if published != f.sha256:
                problems.append(
                    Problem(sha_name, f"says {published}, index.json says {f.sha256}", _REBUILD)
                )
    policy = _policy(cfg, name)
    asc_name = name + SIGNATURE_SUFFIX
    asc, asc_why = _small(tree, asc_name, MAX_SIGNATURE_BYTES)
    if asc is None and asc_why != "missing":
        problems.append(Problem(asc_name, f"signature {asc_why}", _REBUILD))
    elif asc is None and policy == "require":
        problems.append(Problem(asc_name, "signature missing and gpg = require", _REBUILD))
    try:
        fd = tree.open_regular(tree.path(name))
    except FileNotFoundError:
        return [Problem(name, "missing (index.json names it)", _REBUILD), *problems]
    except OSError as exc:
        return [Problem(name, f"refused: {io_reason(exc)}", "remove it; " + _REBUILD), *problems]
    with os.fdopen(fd, "rb") as fh:
        size = os.fstat(fd).st_size
        if size != f.size:
            return [
                Problem(name, f"{size} bytes, index.json says {f.size}", _REBUILD),
                *problems,
            ]
        sig_problem: str | None = None
        digest = ""
        if asc is not None and policy != "skip":
            try:  # one read: gpg checks the signature, the bytes it reads are hashed
                openpgp.verify_with_refresh(
                    cfg,
                    fh,
                    asc,
                    str(tree.path(asc_name)),
                    lambda u: download.fetch_bytes(u, cfg, retries=1).content,
                    name=name,
                    sha256=f.sha256,
                )
                digest = f.sha256
            except GoverError as exc:
                sig_problem = exc.message  # the hash (read again below) tells which it is
        if not digest:
            digest = checksum.sha256_fileobj(fh)
    if not hmac.compare_digest(digest, f.sha256):
        problems.insert(0, Problem(name, f"SHA-256 {digest}, index.json says {f.sha256}", _REBUILD))
    elif sig_problem is not None:
        problems.append(Problem(asc_name, sig_problem, _REBUILD))
    return problems


def verify(root: Path, cfg: Config, *, jobs: int = 4) -> VerifyResult:
    check_jobs(jobs)
    tree = Tree(root)
    entries = tree.read_index(required=True)
    if any(_policy(cfg, e.file.filename) != "skip" for e in entries):
        from gover.toolchain.trust import openpgp

        openpgp.Keyring(cfg).trusted()  # import the keys once, before the threads share them
    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="verify") as pool:
        found = list(pool.map(lambda e: check_one(tree, cfg, e), entries))
    problems = tuple(p for group in found for p in group)
    named = {e.file.filename for e in entries}
    expected = named | {n + s for n in named for s in SIDECARS}
    unnamed = tuple(n for n in tree.listing() if n not in expected)
    return VerifyResult(str(tree.root), len(entries), problems, unnamed)
