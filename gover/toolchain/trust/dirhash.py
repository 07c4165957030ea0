"""The `h1:` hash of Go's checksum database (golang/mod sumdb/dirhash Hash1), for a Go tree.

Every Go release since 1.21 is also the module `golang.org/toolchain@v0.0.1-go1.22.10.linux-amd64`,
whose zip (golang/go cmd/distpack pack.go) is the binary distribution with the module prefix on
every name, `api/ doc/ misc/ test/` left out and every `go.mod` renamed `_go.mod`. The same files
sit in an unpacked release archive, so hashing a GOROOT's module subset gives the h1 the
checksum database records for the module zip: the tree is proven without the zip.

Hash1: for every file, sorted by name, the line `<hex sha256 of the content>  <name>\\n`;
the result is `h1:` + base64 of the SHA-256 of those lines.

Speed: the files are read by a small thread pool (hashlib releases the GIL while it hashes), so
the walk costs about what `sha256sum` of the same files costs.
"""

from __future__ import annotations

import base64
import hashlib
import os
import stat
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from gover.constants import RECEIPT_NAME, STORE_MARKER, TOOLCHAIN_MODULE
from gover.errors import VerificationError, io_error
from gover.fsutil import open_regular

if TYPE_CHECKING:
    from gover.versions import GoVersion

__all__ = [
    "gomod_hash",
    "hash1",
    "module_prefix",
    "module_version",
    "tree_files",
    "tree_hash",
    "zip_name",
]

MODULE_VERSION_PREFIX = "v0.0.1"
_CHUNK = 1 << 20
_WORKERS = min(8, (os.cpu_count() or 2) * 2)

# cmd/distpack: the files the binary distribution (and so the module zip) never holds.
_TOP_DROPPED = (".git/", ".github/", ".jj/", "api/", "doc/", "misc/", "test/")
_TOP_FILES_DROPPED = frozenset(
    {".gitattributes", ".gitignore", "VERSION.cache", "src/cmd/dist/dist", "src/cmd/dist/dist.exe"}
)
# Inside pkg/tool/<goos>_<goarch>/ only the tools a build runs (cmd/dist toolsIncludedInDistpack).
_DISTPACK_TOOLS = frozenset(
    {"asm", "cgo", "compile", "cover", "export", "fix", "link", "preprofile", "vet"}
)
_BIN_EXES = ("go", "gofmt")


def module_version(version: GoVersion, goos: str, goarch: str) -> str:
    """`v0.0.1-go1.22.10.linux-amd64`: the toolchain module's version for a release."""
    return f"{MODULE_VERSION_PREFIX}-go{version.text}.{goos}-{goarch}"


def module_prefix(mv: str) -> str:
    """`golang.org/toolchain@v0.0.1-go1.22.10.linux-amd64/`: the root of every zip name."""
    return f"{TOOLCHAIN_MODULE}@{mv}/"


def _platform(mv: str) -> tuple[str, str]:
    """(goos, goarch) of a module version: the text after the last '.', split at '-'."""
    tail = mv.rsplit(".", 1)[-1]
    goos, _, goarch = tail.partition("-")
    return goos, goarch


def zip_name(rel: str, mv: str) -> str | None:
    """The module zip's name of GOROOT-relative `rel` ("src/go.mod"), or None when cmd/distpack
    leaves the file out: top-level api/ doc/ misc/ test/ .git/ .github/; bin/ except go and
    gofmt; pkg/ except pkg/include/ and the build tools of pkg/tool/<goos>_<goarch>/; .DS_Store
    and *.exe~ anywhere; VERSION.cache, .gitignore, .gitattributes, src/cmd/dist/dist."""
    rel = rel.replace(os.sep, "/") if os.sep != "/" else rel
    if not rel or rel.startswith("/") or rel.endswith("/"):
        return None
    if rel.startswith(_TOP_DROPPED) or rel in _TOP_FILES_DROPPED:
        return None
    base = rel.rsplit("/", 1)[-1]
    if base == ".DS_Store" or base.endswith(".exe~"):
        return None
    goos, goarch = _platform(mv)
    exe = ".exe" if goos == "windows" else ""
    if rel.startswith("bin/") and rel not in {f"bin/{b}{exe}" for b in _BIN_EXES}:
        return None
    if rel.startswith("pkg/") and not rel.startswith("pkg/include/"):
        tool_dir = f"pkg/tool/{goos}_{goarch}/"
        if not rel.startswith(tool_dir):
            return None
        tool = rel[len(tool_dir) :]
        if "/" in tool or tool.removesuffix(".exe") not in _DISTPACK_TOOLS:
            return None
    if base == "go.mod":
        rel = rel[: -len("go.mod")] + "_go.mod"
    return module_prefix(mv) + rel


def hash1(files: Iterable[tuple[str, str]]) -> str:
    """`h1:` of (zip name, sha256 hex) pairs: Hash1 over the names in byte order."""
    summary = hashlib.sha256()
    for name, digest in sorted(files, key=lambda item: item[0].encode()):
        if "\n" in name:
            raise VerificationError(f"{name!r}: a file name with a newline cannot be hashed")
        summary.update(f"{digest}  {name}\n".encode())
    return "h1:" + base64.b64encode(summary.digest()).decode()


def gomod_hash(data: bytes) -> str:
    """The `/go.mod` h1 of a module version: Hash1 over the one file `go.mod`."""
    return hash1([("go.mod", hashlib.sha256(data).hexdigest())])


def _sha256_file(path: str) -> str:
    try:
        fd = open_regular(path)
    except OSError as exc:
        raise io_error("hash", path, exc, kind=VerificationError) from None
    hasher = hashlib.sha256()
    try:
        # os.read allocates only what it reads (no zero-filled buffer per file): most of a Go
        # tree is small files, where per-file overhead is the cost.
        while chunk := os.read(fd, _CHUNK):
            hasher.update(chunk)
    except OSError as exc:
        raise io_error("read", path, exc, kind=VerificationError) from None
    finally:
        os.close(fd)
    return hasher.hexdigest()


def _inside(path: str, real_root: str) -> bool:
    return path == real_root or path.startswith(real_root.rstrip(os.sep) + os.sep)


def _walk(root: Path, mv: str) -> list[tuple[str, str]]:
    """(zip name, absolute path) of every file the zip would hold. Symlinks are followed only
    while they stay inside the tree (a link out of it is refused); directory cycles are cut."""
    real_root = os.path.realpath(root)
    found: list[tuple[str, str]] = []
    seen_dirs: set[tuple[int, int]] = set()
    stack: list[tuple[str, str]] = [(str(root), "")]
    while stack:
        directory, rel_dir = stack.pop()
        try:
            st = os.stat(directory)
            key = (st.st_dev, st.st_ino)
            if key in seen_dirs:
                continue
            seen_dirs.add(key)
            entries = list(os.scandir(directory))
        except OSError as exc:
            raise io_error("read directory", directory, exc, kind=VerificationError) from None
        for entry in entries:
            rel = f"{rel_dir}{entry.name}"
            try:
                is_link = entry.is_symlink()
                if is_link:
                    target = os.path.realpath(entry.path)
                    if not _inside(target, real_root):
                        raise VerificationError(
                            f"{entry.path}: a symlink out of the Go tree ({target})",
                            "a Go release holds no symlinks; reinstall the toolchain",
                        )
                mode = os.stat(entry.path).st_mode
            except OSError as exc:
                raise io_error("read", entry.path, exc, kind=VerificationError) from None
            if stat.S_ISDIR(mode):
                if not (rel + "/").startswith(_TOP_DROPPED):
                    stack.append((entry.path, rel + "/"))
                continue
            name = zip_name(rel, mv)
            if name is not None:
                found.append((name, entry.path))
    return found


# Top-level files that tools put into a Go tree and that are no part of the release: gover's
# receipt and marker (a tree in the store), golang.org/dl's `.unpacked-success`.
NOT_RELEASE_FILES = frozenset({RECEIPT_NAME, STORE_MARKER, ".unpacked-success"})


def tree_files(root: Path, mv: str) -> list[tuple[str, str]]:
    """(zip name, sha256 hex) of every file of the GOROOT `root` that module `mv`'s zip would
    hold, sorted, read in parallel. A FIFO, device or unreadable file is a VerificationError
    naming it. Real go, unpacking a toolchain module into its cache, puts a `go.mod` copy
    beside each `_go.mod`: both name the zip's `_go.mod`, and an identical pair is one file
    (a pair that differs stays two, so the hash differs: not the module as published)."""
    drop = {module_prefix(mv) + name for name in NOT_RELEASE_FILES}
    paths = [(name, path) for name, path in _walk(root, mv) if name not in drop]
    if not paths:
        return []
    with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
        digests = list(pool.map(_sha256_file, [p for _, p in paths]))
    return module_files((name, digest) for (name, _), digest in zip(paths, digests, strict=True))


def module_files(files: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """(zip name, sha256) pairs as the module holds them: sorted, an identical pair once."""
    return sorted(set(files))


def tree_hash(root: Path, mv: str) -> str:
    """The `h1:` the checksum database would record for `root` packed as module `mv`."""
    return hash1(tree_files(root, mv))
