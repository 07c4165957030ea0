"""The safety rules for a Go distribution archive's members, apart from the streaming
pipeline that applies them (extract.py).

A member is checked before anything is written for it: its name (absolute, drive letter,
backslash, `..`, NUL, outside the single root: `go/` for a release archive,
`golang.org/toolchain@<version>/` for a toolchain module zip), its type (only files, directories
and symlinks), a symlink's target (resolved in the tree built so far, as the kernel
would), duplicates, the depth of directories (MAX_ARCHIVE_DEPTH) and caps on member count
and unpacked bytes (declared sizes first; the extractor counts bytes written as well).
`tarfile.data_filter` runs on every member too, as defence in depth. A refusal is one
ArchiveError line naming the archive and the member.
"""

from __future__ import annotations

import os
import stat
import tarfile
from pathlib import Path
from typing import NoReturn

from gover.constants import ARCHIVE_ROOT
from gover.errors import ArchiveError

REJECTED = "the archive was rejected (nothing installed)"

MAX_SYMLINKS_FOLLOWED = 40  # per target, like the kernel's MAXSYMLINKS
MAX_SYMLINK_TARGET = 4096
SHOW_NAME_MAX = 200

# Kinds of path in the tree being built.
IMPLICIT_DIR = 0  # made because a member lives below it
DIR = 1
FILE = 2
LINK = 3
DIRS = (DIR, IMPLICIT_DIR)

TAR_REGULAR = frozenset((tarfile.REGTYPE, tarfile.AREGTYPE, tarfile.CONTTYPE))
TAR_TYPE_NAMES = {
    tarfile.LNKTYPE: "a hard link",
    tarfile.CHRTYPE: "a character device",
    tarfile.BLKTYPE: "a block device",
    tarfile.FIFOTYPE: "a FIFO",
    tarfile.GNUTYPE_SPARSE: "a sparse file",
}
MODE_TYPE_NAMES = {
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFIFO: "a FIFO",
    stat.S_IFSOCK: "a socket",
}
ONLY = "(only files, directories and symlinks are allowed)"


# --------------------------------------------------------------------------- errors


def show(name: str) -> str:
    """A name fit for a one-line message: control characters escaped, length capped."""
    if not name.isprintable():
        name = "".join(c if c.isprintable() else repr(c)[1:-1] for c in name)
    if len(name) > SHOW_NAME_MAX:
        name = name[:SHOW_NAME_MAX] + "..."
    return name


class Reporter:
    """Builds the one-line ArchiveError: archive file name, member, reason."""

    def __init__(self, label: str) -> None:
        self.label = show(label)

    def member(self, name: str, reason: str) -> NoReturn:
        raise ArchiveError(f"{self.label}: member '{show(name)}' {reason}", hint=REJECTED)

    def archive(self, reason: str) -> NoReturn:
        raise ArchiveError(f"{self.label}: {reason}", hint=REJECTED)


# --------------------------------------------------------------------------- members


class Rules:
    """The checks on one archive's members, in order, with the tree known so far: names,
    types, caps, depth, duplicates and symlink targets. Nothing here touches the disk; the
    extractor (extract._Tree) creates each entry only after its member passed."""

    def __init__(
        self,
        report: Reporter,
        dest: Path,
        max_members: int,
        max_bytes: int,
        max_depth: int,
        root: str = ARCHIVE_ROOT,
    ) -> None:
        self.report = report
        self.root = root  # "go", or "golang.org/toolchain@v0.0.1-go1.22.10.linux-amd64"
        self._root_parts = root.split("/")
        self.max_depth = max_depth
        self.dest = os.fspath(dest)
        self.prefix = os.path.join(self.dest, "")
        self.max_members = max_members
        self.max_bytes = max_bytes
        self.kinds: dict[str, int] = {"": IMPLICIT_DIR}
        self.links: dict[str, str] = {}
        self.members = 0
        self.files = 0
        self.dirs = 0
        self.symlinks = 0
        self.declared = 0  # sizes promised by headers, checked before any writing
        self.written = 0  # bytes actually written
        self._follow_budget = 0
        self.current = ""  # the member being handled, for errors from the file system
        self.sha256 = ""

    # -- caps and names

    def count_member(self, raw: str) -> None:
        self.current = raw
        self.members += 1
        if self.members > self.max_members:
            self.report.member(raw, f"exceeds the cap of {self.max_members} archive members")

    def reserve(self, raw: str, size: int) -> None:
        """Count a member's declared size against the cap before any of it is written."""
        self.declared += size
        if size < 0 or self.declared > self.max_bytes:
            what = (
                f"declares {size} bytes"
                if size < 0 or size > self.max_bytes
                else f"brings the unpacked total to {self.declared} bytes"
            )
            self.report.member(raw, f"{what}, over the cap of {self.max_bytes} unpacked bytes")

    def rel_path(self, raw: str) -> str:
        """Normalise a member name to a path below the stripped root ("" is the root)."""
        report = self.report
        if "\x00" in raw:
            report.member(raw, "contains a NUL byte")
        if "\\" in raw:
            report.member(raw, "contains a backslash")
        if raw.startswith("/"):
            report.member(raw, "is an absolute path")
        if len(raw) >= 2 and raw[1] == ":" and raw[0].isascii() and raw[0].isalpha():
            report.member(raw, "starts with a drive letter")
        parts = [p for p in raw.split("/") if p and p != "."]
        if ".." in parts:
            report.member(raw, "escapes the archive root")
        top = len(self._root_parts)
        if parts[:top] != self._root_parts:
            report.member(raw, f"is outside the single '{self.root}/' root")
        if len(parts) - top > self.max_depth:
            report.member(
                raw, f"is nested {len(parts) - top} levels deep, over the cap of {self.max_depth}"
            )
        if os.name == "nt" and any(":" in p for p in parts):
            report.member(raw, "contains ':'")
        return "/".join(parts[top:])

    def _not_root(self, rel: str, raw: str) -> None:
        if not rel:
            self.report.member(raw, f"is the '{self.root}' root but not a directory")

    # -- symlinks

    def _check_target(self, rel: str, raw: str, target: str) -> None:
        """Refuse a symlink target that leaves the tree, resolved as the kernel would."""
        report = self.report
        shown = show(target)
        if not target:
            report.member(raw, "is a symlink with an empty target")
        if len(target) > MAX_SYMLINK_TARGET:
            report.member(raw, "is a symlink with an overlong target")
        if "\x00" in target or "\\" in target:
            report.member(raw, f"is a symlink to '{shown}' (NUL or backslash)")
        if target.startswith("/") or (len(target) >= 2 and target[1] == ":"):
            report.member(raw, f"is a symlink to the absolute path '{shown}'")
        self._follow_budget = MAX_SYMLINKS_FOLLOWED
        self._resolve(rel.split("/")[:-1], target, raw, shown)

    def _resolve(self, stack: list[str], target: str, raw: str, shown: str) -> list[str]:
        """Walk `target` from directory `stack` through the tree so far, following symlinks.

        `..` may only leave a directory that exists in the tree now: a component not
        known yet could become a symlink later and send the `..` elsewhere.
        """
        report = self.report
        for comp in target.split("/"):
            if comp in ("", "."):
                continue
            if comp == "..":
                if not stack:
                    report.member(raw, f"is a symlink to '{shown}', which leaves the tree")
                if self.kinds.get("/".join(stack)) not in DIRS:
                    report.member(
                        raw,
                        f"is a symlink to '{shown}', whose '..' leaves '{show(stack[-1])}', "
                        "which is not a directory in the tree",
                    )
                stack.pop()
                continue
            stack.append(comp)
            key = "/".join(stack)
            if self.kinds.get(key) == LINK:
                self._follow_budget -= 1
                if self._follow_budget < 0:
                    report.member(raw, f"is a symlink to '{shown}', through a symlink loop")
                stack.pop()
                stack = self._resolve(stack, self.links[key], raw, shown)
        return stack

    # -- defence in depth

    def data_filter(self, member: tarfile.TarInfo, rel: str, raw: str) -> None:
        """tarfile's own 'data' filter on the member as it lands in dest (stripped name)."""
        member.name = rel
        # Ownership is never applied. Cleared, a plain file leaves the filter nothing to
        # change, and it skips copying the TarInfo (~7 us a member).
        member.uid = member.gid = None  # type: ignore[assignment]
        member.uname = member.gname = None  # type: ignore[assignment]
        try:
            tarfile.data_filter(member, self.dest)
        except tarfile.FilterError as exc:
            self.report.member(raw, f"is refused by tarfile's data filter ({exc})")


def tar_kind(member: tarfile.TarInfo) -> str:
    if member.sparse is not None:
        return "a sparse file"
    if member.type in TAR_TYPE_NAMES:
        return TAR_TYPE_NAMES[member.type]
    if member.type == tarfile.DIRTYPE:
        return "directory"
    if member.type == tarfile.SYMTYPE:
        return "symlink"
    return f"of unsupported tar type {member.type!r}"
