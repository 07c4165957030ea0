"""Go version names: parsing, ordering and requests. Pure: no I/O.

Follows cmd/go's src/internal/gover/gover.go: `major[.minor[.patch]][kind[pre]]`, numbers
without leading zeros compared numerically, kinds compared as strings ("" < alpha < beta < rc),
and before Go 1.21 a bare `1.N` names the `1.N.0` release.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from gover.constants import VERSION_KINDS, VERSION_MAX_DIGITS
from gover.errors import VersionError

# At most 9 digits per number, as the version-file grammar (resolve.py, resolve.sh) allows:
# int() of thousands of digits is slow or refused (ValueError past 4,300 digits).
_KINDS = "|".join(VERSION_KINDS)
_NUM = rf"(?:0|[1-9][0-9]{{0,{VERSION_MAX_DIGITS - 1}}})"
_VERSION_RE = re.compile(
    rf"^(?P<major>{_NUM})"
    rf"(?:\.(?P<minor>{_NUM})"
    rf"(?:\.(?P<patch>{_NUM})|(?P<kind>[a-z]+)(?P<pre>{_NUM})?)?)?$"
)

ACCEPTED_FORMS = "1.22.10, go1.22.10, 1.22 (newest 1.22.x), 1 or latest (newest stable), 1.23rc1"
_SHOWN = 40  # characters of a rejected version quoted back in an error


def show(value: str) -> str:
    """`value` quoted for an error message, cut short: a 5,000-digit "version" stays one
    readable line (gover.output escapes any control characters when it prints)."""
    if len(value) > _SHOWN:
        return repr(value[:_SHOWN]) + f"… ({len(value)} characters)"
    return repr(value)


@dataclass(frozen=True, order=False)
class GoVersion:
    """A parsed Go version. Equality and order follow cmd/go (so 1.19 == 1.19.0)."""

    major: int
    minor: int | None = None
    patch: int | None = None
    kind: str = ""
    pre: int | None = None
    text: str = field(default="", compare=False)

    @classmethod
    def parse(cls, value: str) -> GoVersion:
        """Parse `1.22.10` or `go1.22.10`; a `-suffix` on a toolchain name is dropped."""
        raw = value.strip()
        text = raw[2:] if raw.startswith("go") else raw
        base = text.split("-", 1)[0] if "-" in text else text
        m = _VERSION_RE.match(base)
        if m is None or "/" in text or "\\" in text:
            raise VersionError(f"{show(value)} is not a Go version", f"use e.g. {ACCEPTED_FORMS}")
        return cls(
            major=int(m["major"]),
            minor=int(m["minor"]) if m["minor"] is not None else None,
            patch=int(m["patch"]) if m["patch"] is not None else None,
            kind=m["kind"] or "",
            pre=int(m["pre"]) if m["pre"] is not None else None,
            text=base,
        )

    @classmethod
    def try_parse(cls, value: str) -> GoVersion | None:
        try:
            return cls.parse(value)
        except VersionError:
            return None

    # cmd/go treats "1" as "1.0.0" and, before 1.21, "1.N" as "1.N.0".
    def _effective(self) -> tuple[int, int, int | None]:
        if self.minor is None:
            return (self.major, 0, 0)
        if self.patch is None and not self.kind and self.major == 1 and self.minor < 21:
            return (self.major, self.minor, 0)
        return (self.major, self.minor, self.patch)

    def sort_key(self) -> tuple[int, int, int, str, int]:
        major, minor, patch = self._effective()
        # A missing patch sorts below any patch (1.21 < 1.21rc1 < 1.21.0); -1 stands for "".
        patch_key = -1 if patch is None else patch
        pre_key = -1 if self.pre is None else self.pre
        return (major, minor, patch_key, self.kind, pre_key)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, GoVersion):
            return NotImplemented
        return self.sort_key() == other.sort_key()

    def __hash__(self) -> int:
        return hash(self.sort_key())

    def __lt__(self, other: GoVersion) -> bool:
        return self.sort_key() < other.sort_key()

    def __le__(self, other: GoVersion) -> bool:
        return self.sort_key() <= other.sort_key()

    def __gt__(self, other: GoVersion) -> bool:
        return self.sort_key() > other.sort_key()

    def __ge__(self, other: GoVersion) -> bool:
        return self.sort_key() >= other.sort_key()

    @property
    def is_prerelease(self) -> bool:
        return bool(self.kind)

    @property
    def is_release(self) -> bool:
        """A concrete release (installable name), not a language version like 1.21."""
        if self.kind:
            return False
        return self.patch is not None or (
            self.minor is not None and self.major == 1 and self.minor < 21
        )

    @property
    def name(self) -> str:
        """Canonical text without the `go` prefix, as the release was published."""
        if self.text:
            return self.text
        out = str(self.major)
        if self.minor is not None:
            out += f".{self.minor}"
            if self.patch is not None:
                out += f".{self.patch}"
            elif self.kind:
                out += self.kind + ("" if self.pre is None else str(self.pre))
        return out

    @property
    def tag(self) -> str:
        return "go" + self.name

    @property
    def series(self) -> tuple[int, int | None]:
        return (self.major, self.minor)

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"GoVersion({self.name!r})"


RequestKind = Literal["exact", "prefix", "latest"]


@dataclass(frozen=True)
class VersionRequest:
    """What the user asked for: an exact version, a prefix (newest match) or latest."""

    kind: RequestKind
    text: str
    version: GoVersion | None = None

    @classmethod
    def parse(cls, value: str) -> VersionRequest:
        raw = value.strip()
        if raw in ("latest", "stable"):
            return cls("latest", raw)
        v = GoVersion.parse(raw)
        if v.kind or v.patch is not None:
            return cls("exact", raw, v)
        return cls("prefix", raw, v)

    def matches(self, candidate: GoVersion, unstable: bool = False) -> bool:
        """True when `candidate` satisfies this request (exact, or within the prefix)."""
        if self.kind == "exact":
            assert self.version is not None
            return candidate == self.version
        if candidate.is_prerelease and not unstable:
            return False
        if self.kind == "latest":
            return True
        assert self.version is not None
        if candidate.major != self.version.major:
            return False
        return self.version.minor is None or candidate.minor == self.version.minor

    def pick(self, candidates: list[GoVersion], unstable: bool = False) -> GoVersion | None:
        """The newest candidate that matches; language versions like `1.21` never count."""
        best: GoVersion | None = None
        for c in candidates:
            matching = (c.is_release or c.is_prerelease) and self.matches(c, unstable)
            if matching and (best is None or c > best):
                best = c
        return best

    def __str__(self) -> str:
        return self.text


# ---- pin tokens: what a version file, .tool-versions, go.mod line or GOVER_VERSION names -------

# The grammar accepted in pin files: cmd/go's, with kinds limited to alpha/beta/rc and numbers
# to 9 digits, so the sh resolver (shims/resolve.sh, the fish and pwsh hooks) can compare them
# with shell arithmetic. No "go" prefix here: PinToken.parse strips it first.
PIN_GRAMMAR = rf"{_NUM}(?:\.{_NUM}(?:\.{_NUM}|(?:{_KINDS})(?:[1-9][0-9]{{0,{VERSION_MAX_DIGITS - 1}}}|0)?)?)?"
PIN_TOKEN_RE = re.compile(PIN_GRAMMAR)

PinKind = Literal["exact", "prefix", "latest", "system", "minimum"]


def pin_grammar_ok(text: str) -> bool:
    """Whether `text` (no "go" prefix) is in the pin grammar. fullmatch: `$` would also match
    before a trailing newline ("1.22\n" from GOVER_VERSION)."""
    return PIN_TOKEN_RE.fullmatch(text) is not None


@dataclass(frozen=True)
class PinToken:
    """A pin, parsed once where it is read: `exact` (1.22.10, 1.23rc1), `prefix` (1.22, 1:
    the newest installed match), `latest`, `system`, or `minimum` (a go.mod `go` line: the
    newest installed release of that minor that is >= it). Everything past the boundary
    compares `version`, never the text."""

    kind: PinKind
    version: GoVersion | None = None  # None for latest and system

    @property
    def text(self) -> str:
        """Canonical spelling, as written back to files and shown: "1.22.10", "latest"."""
        return self.version.name if self.version is not None else self.kind

    @property
    def is_system(self) -> bool:
        return self.kind == "system"

    @property
    def is_minimum(self) -> bool:
        return self.kind == "minimum"

    @classmethod
    def _of(cls, text: str) -> PinToken | None:
        if not pin_grammar_ok(text):
            return None
        v = GoVersion.parse(text)
        return cls("exact" if v.patch is not None or v.kind else "prefix", v)

    @classmethod
    def parse(cls, word: str) -> PinToken | None:
        """A word from a version file, .tool-versions, GOVER_VERSION or the command line:
        `1.22.10`, `go1.22.10`, `1.22`, `latest` or `system`; None when it is none of them."""
        if word == "system":
            return cls("system")
        if word == "latest":
            return cls("latest")
        if word.startswith("go") and word[2:3].isdigit():
            word = word[2:]
        return cls._of(word)

    @classmethod
    def go_line(cls, word: str) -> PinToken | None:
        """The argument of a go.mod/go.work `go` line (`1.22.3`, no prefix): a minimum."""
        token = cls._of(word)
        return None if token is None else cls("minimum", token.version)

    @classmethod
    def toolchain_line(cls, word: str) -> PinToken | None:
        """The argument of a `toolchain` line (`go1.22.10`): that toolchain. `default` is not a
        pin (the caller drops it); a name without the go prefix or with a suffix is None."""
        return cls._of(word[2:]) if word.startswith("go") else None

    @property
    def series(self) -> str:
        """The alias that names its minor series ("1.22" for 1.22.3, "1.0" for 1)."""
        assert self.version is not None
        v = self.version
        return f"{v.major}.{v.minor if v.minor is not None else 0}"

    def __str__(self) -> str:
        return self.text
