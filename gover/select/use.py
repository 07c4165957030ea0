"""`gover use`: install the newest match unless an installed version satisfies the request
(the same sources and proofs as `gover install`), then pin it here or globally."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from gover.config import Config
from gover.errors import GoverError
from gover.toolchain.install import InstallResult, NoMatchError, default_packages, install

if TYPE_CHECKING:
    from gover.tools.defaults import DefaultPackage


@dataclass(frozen=True)
class UseResult:
    """`gover use`: what was installed (None: an installed version already satisfied the
    request), the pin written, the one it replaced, and what it selects now."""

    file: Path
    pin: str  # canonical pin text, as `gover local` writes it
    previous: str | None  # the pin the file held before, None when it was new
    selects: str | None  # the installed version the pin selects; None for system
    installed: InstallResult | None
    packages: tuple[DefaultPackage, ...] = ()
    kept: tuple[Path, ...] = ()  # files in the shims dir that gover did not make (rehash)


def use(
    text: str,
    cfg: Config,
    pin_file: Path,
    *,
    global_: bool = False,
    force: bool = False,
    on_installed: Callable[[InstallResult, tuple[DefaultPackage, ...]], None] | None = None,
) -> UseResult:
    """Pin `text` in `pin_file`, installing the newest match first when no installed version
    satisfies it (as `gover install` would: same sources, same proofs). An installed match
    needs no network. `force` installs again even so. Nothing is pinned unless the install
    succeeded; the pin file is checked (a symlink to refuse) before anything is downloaded.
    `on_installed` hears of the install (and its default packages) as soon as it is done."""
    from gover.select import pins, resolve, shims

    token = pins.parse_pin(text)
    pins.pin_target(pin_file)  # refused now, not after a download
    prev = resolve.read_version_file(pin_file, "global" if global_ else "file")
    installed: InstallResult | None = None
    packages: tuple[DefaultPackage, ...] = ()
    kept: tuple[Path, ...] = ()
    if not token.is_system and (force or pins.check_installed(token, True) is None):
        try:
            installed = install(token.text, cfg, force=force)
        except NoMatchError as exc:  # an answer, not a usage error: exit 1
            raise GoverError(exc.message, exc.hint) from None
        packages = default_packages(installed, cfg)
        if on_installed is not None:
            on_installed(installed, packages)
        kept = shims.rehash().kept  # the alias files a prefix pin resolves through
    written, selects = pins.write_pin(pin_file, token.text, force=False)
    return UseResult(
        pin_file,
        written,
        prev.token if prev is not None else None,
        selects,
        installed,
        packages,
        kept,
    )
