"""Removing an install: which one a name or prefix means, whether a pin still uses it, and
`gover uninstall` (the store does the removal itself, under its lock)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from gover import paths
from gover.constants import ENV_VERSION
from gover.errors import GoverError, NotInstalledError, UsageError
from gover.toolchain import store
from gover.versions import GoVersion, VersionRequest

if TYPE_CHECKING:
    from gover.select.resolve import Pin


def find_installed(text: str) -> store.Installed:
    """The install `text` names: an installed version (1.21.13, go1.21.13, 1.20 for 1.20.0),
    or a prefix (1.21, 1) when exactly one installed version is in it. Removing is not
    undoable, so a prefix never picks among several: the user names one."""
    version = GoVersion.parse(text)
    item = store.get(version)
    if item is not None:
        return item
    matches: list[store.Installed] = []
    if version.patch is None and not version.kind:
        request = VersionRequest.parse(version.name)
        matches = [i for i in store.installed() if request.matches(i.version, unstable=True)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        names = ", ".join(i.name for i in matches)
        raise UsageError(
            f"{version.name} matches {len(matches)} installed versions ({names})",
            f"give the full version, e.g. gover uninstall {matches[0].name}",
        )
    have = [i.name for i in store.installed()]
    there = f"installed: {', '.join(have)}" if have else "nothing is installed"
    raise NotInstalledError(f"go {version} is not installed ({there})", "see: gover list")


def _pins_here() -> list[Pin]:
    """The pins that can select a toolchain here: GOVER_VERSION (gover shell), the nearest
    version file up from the working directory (looked for even when GOVER_VERSION hides
    it) and the global file (it applies wherever no file does)."""
    from gover.select import resolve  # select reads the store, not the other way round

    pins: list[resolve.Pin] = []
    if (session := resolve.env_pin()) is not None:
        pins.append(session)
    hidden = os.environ.pop(ENV_VERSION, None)
    try:
        pins.append(resolve.find_pin())
    finally:
        if hidden is not None:
            os.environ[ENV_VERSION] = hidden
    if pins[-1].kind != "global":
        found = resolve.read_version_file(paths.global_version_file(), "global")
        if found is not None:
            pins.append(found)
    return pins


def in_use(item: store.Installed) -> list[str]:
    """Where a pin still names `item` or selects it (a prefix, latest, a go line): each as
    resolve words it ("set by /p/.go-version", "global default in …")."""
    from gover.select import resolve

    found: list[str] = []
    for pin in _pins_here():
        if pin.want.is_system:
            continue
        exact = pin.want.kind == "exact" and pin.want.version == item.version
        if (exact or resolve.lookup(pin) == item.name) and pin.source not in found:
            found.append(pin.source)
    return found


def uninstall(
    text: str, *, force: bool = False, confirm: Callable[[str], bool] | None = None
) -> store.Installed:
    """Remove an install. One still named by a pin here (the global file, the directory's
    version file, gover shell) is removed only with `force`, or when `confirm` (asked with
    the reason; None when nobody can answer) says yes: nothing is removed otherwise."""
    item = find_installed(text)
    users = [] if force else in_use(item)
    if users:
        why = f"go {item.name} is still in use ({'; '.join(users)})"
        if confirm is None:
            raise GoverError(why, f"to remove it anyway: gover uninstall --force {item.name}")
        if not confirm(why):
            raise GoverError(f"go {item.name} kept ({'; '.join(users)})")
    store.remove(item)
    return item


