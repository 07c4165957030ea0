"""One error hierarchy, caught once in cli.main(): one line on stderr and an exit code."""

from __future__ import annotations

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_VERIFY = 3
EXIT_MISMATCH = 4  # gover verify: a binary, go.mod or the environment disagrees


class GoverError(Exception):
    """Base class. The message is the whole user-facing line; `hint` is the fix."""

    exit_code = EXIT_ERROR

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}; {self.hint}"
        return self.message


class Interrupted(GoverError):
    """Ctrl-C. Raised from gover's SIGINT handler (not KeyboardInterrupt, which the CLI
    framework would swallow), so cleanup runs on the way out and one line is printed."""

    exit_code = 130

    def __init__(self) -> None:
        super().__init__("interrupted")


class UsageError(GoverError):
    exit_code = EXIT_USAGE


class VersionError(UsageError):
    """A version string that does not parse or matches nothing."""


class ConfigError(GoverError):
    pass


class NetworkError(GoverError):
    pass


class IndexError_(GoverError):
    """The release index is unreadable or has no matching artifact."""


class VerificationError(GoverError):
    """Bytes that could not be proven official: checksum or signature."""

    exit_code = EXIT_VERIFY


class ArchiveError(VerificationError):
    """An archive that breaks the extraction rules is treated as untrusted."""


class InstallError(GoverError):
    pass


class NotInstalledError(GoverError):
    pass


class NotFoundError(NetworkError):
    """HTTP 404/410 or a missing file:// path; callers tell a missing .asc/.sha256 apart."""


class TLSError(NetworkError):
    """Certificate verification failed; the message names the host, the hint the ca_bundle fix."""


class UnknownSignerError(VerificationError):
    """A signature by a key that is not in the keyring (gpg NO_PUBKEY).

    `issuer` is what the signature names: the signing (sub)key's fingerprint when the
    signature carries it, otherwise its 16-hex-digit key id. If Go rotated its signing
    subkey, refreshing the Go release key may make it known.
    """

    def __init__(self, message: str, hint: str | None = None, *, issuer: str) -> None:
        super().__init__(message, hint)
        self.issuer = issuer


class BuildInfoError(GoverError):
    """A file whose Go build info cannot be read; the message starts with the path."""


class NotExecutableError(BuildInfoError):
    """Neither ELF, Mach-O nor PE."""


class NotGoBinaryError(BuildInfoError):
    """A valid executable without Go build info."""


class TruncatedBinaryError(BuildInfoError):
    """An executable whose headers point past the end of the file."""


class SetupError(GoverError):
    """A shell startup file gover cannot edit safely (`gover init --write`)."""


def io_reason(exc: OSError) -> str:
    """The one-line reason of an OSError; a refusal by gover.fsutil reads "it is a FIFO, ..."."""
    from gover.fsutil import UnsafePathError

    reason = " ".join((exc.strerror or str(exc) or type(exc).__name__).split())
    return f"it {reason}" if isinstance(exc, UnsafePathError) else reason


def io_error(
    op: str,
    path: object,
    exc: OSError,
    hint: str | None = None,
    *,
    kind: type[GoverError] = GoverError,
) -> GoverError:
    """`cannot <op> <path>: <reason>`: every I/O error says what it was doing, and where
    (rustup's utils::read_file(name, path) habit). Raise it `from None`: the line is whole."""
    return kind(f"cannot {op} {path}: {io_reason(exc)}", hint)


class UnreachableError(NetworkError):
    """The host does not resolve, refuses the connection or has no route: retrying at once
    would only make an offline user wait; the next mirror in the list may still answer."""
