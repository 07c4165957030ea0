"""`gover outdated`, `gover upgrade` and `gover prune`: what is installed and pinned against
the release index, newer patches installed through install.install (the same verification),
and the removal of versions nothing selects.

Pins are read by gover.select.resolve's readers (go.mod and go.work by gomod.read, the one
reader), found in the current directory's chain (it and its parents), the global file,
GOVER_VERSION, the directories gover recorded when it wrote a pin (select/pinrecord.py) and,
for `outdated --recursive`, every pin file below the current directory. Whatever a pin
selects is resolved as the resolver resolves it (resolve.lookup): a prefix pin `1.22`
protects the version it selects now and is itself never "outdated" (it floats).

"Supported" is Go's release policy read off the index: the two newest stable minors.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from gover import output, paths
from gover.constants import ENV_VERSION
from gover.errors import GoverError, UsageError, io_error
from gover.versions import GoVersion, PinToken, VersionRequest

if TYPE_CHECKING:
    from gover.config import Config
    from gover.select.resolve import Pin
    from gover.toolchain import store
    from gover.toolchain.install import InstallResult

Minor = tuple[int, int]
Status = Literal["up-to-date", "outdated", "not-installed", "unknown"]

# Directories `outdated --recursive` never enters (besides hidden ones and symlinks): VCS
# metadata, other ecosystems' dependency trees, Go's vendored copies and test fixtures.
SKIP_DIRS = frozenset({"node_modules", "vendor", "testdata"})
MAX_WALK_DIRS = 200_000  # `outdated --recursive` stops (with a warning) after this many
PIN_WRITE_LIMIT = 1024 * 1024  # a version file larger than this is not rewritten


def minor_of(v: GoVersion) -> Minor:
    return (v.major, v.minor if v.minor is not None else 0)


def minor_text(m: Minor) -> str:
    return f"{m[0]}.{m[1]}"


# ---- the release index, reduced to what these commands ask of it ----------------------------


@dataclass(frozen=True)
class IndexFacts:
    """Stable releases this platform has an archive for, newest first, and where they came
    from."""

    releases: tuple[GoVersion, ...]
    url: str
    note: str = ""  # why a stale cached copy was used ("" = fresh)

    def newest(self, request: VersionRequest) -> GoVersion | None:
        return request.pick(list(self.releases))

    def newest_of(self, m: Minor) -> GoVersion | None:
        return self.newest(VersionRequest.parse(minor_text(m)))

    @property
    def supported(self) -> frozenset[Minor]:
        """Go supports the two newest major releases (go.dev/doc/devel/release)."""
        minors = sorted({minor_of(v) for v in self.releases}, reverse=True)
        return frozenset(minors[:2])


def index_facts(cfg: Config, *, refresh: bool = False) -> IndexFacts:
    """The release index (the cached copy when fresh). Raises when it cannot be read."""
    from gover.platform import host
    from gover.toolchain import sources

    loaded = sources.load_index(cfg, refresh=refresh)
    plat = host()
    found = tuple(
        r.version
        for r in loaded.releases
        if r.stable and r.version.is_release and r.archive_for(plat) is not None
    )
    return IndexFacts(tuple(sorted(found, reverse=True)), loaded.url, loaded.cached_note)


# ---- finding pins ----------------------------------------------------------------------------


def _readers() -> tuple[tuple[str, Callable[[Path], Pin | None]], ...]:
    from gover.select import resolve
    from gover.select.gomod import GO_MOD, GO_WORK

    return (
        (resolve.VERSION_FILE, resolve.read_version_file),
        (resolve.TOOL_VERSIONS, resolve.read_tool_versions),
        (GO_WORK, resolve.read_gomod),
        (GO_MOD, resolve.read_gomod),
    )


def pins_in(directory: Path) -> list[Pin]:
    """Every pin written in `directory`'s own pin files (each by resolve's reader)."""
    found: list[Pin] = []
    for name, reader in _readers():
        path = directory / name
        if os.path.isfile(path):
            pin = reader(path)
            if pin is not None:
                found.append(pin)
    return found


def chain(directory: Path) -> list[Path]:
    """`directory` and its parents: where the resolver looks for a pin."""
    from gover.select import resolve

    return resolve.parents(directory)


def working_dir() -> Path:
    from gover.select import resolve

    return resolve.working_dir()


def walk_below(top: Path) -> Iterator[Path]:
    """Directories under `top` (not itself), never through a symlink, never into hidden,
    node_modules, vendor or testdata directories; at most MAX_WALK_DIRS."""
    seen = 0
    for root, dirs, _files in os.walk(top, followlinks=False, onerror=lambda _e: None):
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".")
            and d not in SKIP_DIRS
            and not os.path.islink(os.path.join(root, d))
        )
        for d in dirs:
            seen += 1
            if seen > MAX_WALK_DIRS:
                output.warn(f"stopped looking below {top} after {MAX_WALK_DIRS} directories")
                return
            yield Path(root) / d


def global_pin() -> Pin | None:
    from gover.select import resolve

    return resolve.read_version_file(paths.global_version_file(), "global")


def env_pin() -> Pin | None:
    from gover.select import resolve

    return resolve.env_pin()


# ---- outdated --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One line of `gover outdated`."""

    kind: Literal["installed", "global", "env", "file"]
    where: str  # "installed", the global file, "GOVER_VERSION", a pin file
    pin: str | None  # the pin as canonical text ("1.22", "1.22.9", "latest"); None: a row
    pin_kind: str | None  # exact, prefix, latest, minimum (a go line), toolchain
    current: str | None  # the installed version (installed rows) or the one the pin selects
    latest: str | None  # the newest release the pin (or the minor) could have
    status: Status
    supported: bool | None  # current's minor is one of the two newest (None: not known)
    floats: bool = False  # a prefix, latest or go-line pin: never outdated itself
    installed: bool = True  # an exact pin: whether that version is installed

    @property
    def outdated(self) -> bool:
        return self.status == "outdated"


@dataclass(frozen=True)
class OutdatedReport:
    rows: tuple[Row, ...]
    index_url: str
    note: str = ""


def _supported(facts: IndexFacts, v: GoVersion | None) -> bool | None:
    if v is None or not facts.releases:
        return None
    return minor_of(v) in facts.supported


def _compare(current: GoVersion | None, latest: GoVersion | None) -> Status:
    if current is None:
        return "not-installed"
    if latest is None:
        return "unknown"
    return "outdated" if latest > current else "up-to-date"


def _request_for(pin: Pin, selected: GoVersion | None) -> VersionRequest | None:
    """What the newest release a pin could have is measured by: its minor (exact, 1.22, a go
    line), its major (1), every release (latest)."""
    want = pin.want
    if want.kind == "latest":
        return VersionRequest.parse("latest")
    v = want.version if want.version is not None else selected
    if v is None:
        return None
    if want.kind == "prefix" and v.minor is None:
        return VersionRequest.parse(str(v.major))
    return VersionRequest.parse(minor_text(minor_of(v)))


def pin_row(pin: Pin, where: str, facts: IndexFacts) -> Row | None:
    from gover.select import resolve

    want = pin.want
    if want.is_system:
        return None
    request = _request_for(pin, None)
    latest = facts.newest(request) if request is not None else None
    kind = {"env": "env", "global": "global"}.get(pin.kind, "file")
    pin_kind = "toolchain" if pin.kind == "toolchain" else want.kind
    if want.kind == "exact":
        assert want.version is not None
        return Row(
            kind,  # type: ignore[arg-type]
            where,
            want.text,
            pin_kind,
            want.version.name,
            latest.name if latest else None,
            _compare(want.version, latest),
            _supported(facts, want.version),
            installed=resolve.lookup(pin) is not None,
        )
    name = resolve.lookup(pin)
    selected = GoVersion.parse(name) if name else None
    if selected is not None and want.kind == "minimum":
        latest = facts.newest_of(minor_of(selected))
    return Row(
        kind,  # type: ignore[arg-type]
        where,
        want.text,
        pin_kind,
        selected.name if selected else None,
        latest.name if latest else None,
        _compare(selected, latest),
        _supported(facts, selected),
        floats=True,
        installed=selected is not None,
    )


def newest_installed_per_minor(items: Iterable[store.Installed]) -> dict[Minor, store.Installed]:
    newest: dict[Minor, store.Installed] = {}
    for item in items:
        m = minor_of(item.version)
        if m not in newest or item.version > newest[m].version:
            newest[m] = item
    return newest


def outdated(cfg: Config, *, recursive: bool = False, refresh: bool = False) -> OutdatedReport:
    from gover.toolchain import store

    facts = index_facts(cfg, refresh=refresh)
    rows: list[Row] = []
    newest = newest_installed_per_minor(store.installed())
    for m in sorted(newest, reverse=True):
        v = newest[m].version
        latest = facts.newest_of(m)
        rows.append(
            Row(
                "installed",
                "installed",
                None,
                None,
                v.name,
                latest.name if latest else None,
                _compare(v, latest),
                _supported(facts, v),
            )
        )
    pins: list[tuple[Pin, str]] = []
    env = env_pin()
    if env is not None:
        pins.append((env, ENV_VERSION))
    glob = global_pin()
    if glob is not None:
        pins.append((glob, str(paths.global_version_file())))
    here = working_dir()
    dirs = chain(here) + (list(walk_below(here)) if recursive else [])
    for d in dirs:
        for pin in pins_in(d):
            pins.append((pin, str(pin.origin)))
    for pin, where in pins:
        row = pin_row(pin, where, facts)
        if row is not None:
            rows.append(row)
    return OutdatedReport(tuple(rows), facts.url, facts.note)


# ---- rewriting a pin in place ----------------------------------------------------------------

_GO_VERSION_WORD = re.compile(rb"^[ \t]*([^ \t]+)")
_TOOL_VERSIONS_WORD = re.compile(rb"^[ \t]*(?:golang|go)[ \t]+([^ \t]+)")


def pin_span(data: bytes, tool_versions: bool) -> tuple[int, int] | None:
    """Where the word resolve's reader takes as the pin lies in a version file's bytes:
    .go-version's first word of the first non-comment line, .tool-versions' argument of the
    first `golang`/`go` line (within the readers' limit)."""
    from gover.select import gomod

    for start, line in gomod.head_lines(data):
        ws = gomod.words(line)
        if not ws:
            continue
        if tool_versions:
            if ws[0] not in ("golang", "go"):
                continue
            m = _TOOL_VERSIONS_WORD.match(line)
        else:
            if ws[0].startswith("#"):
                continue
            m = _GO_VERSION_WORD.match(line)
        return (start + m.start(1), start + m.end(1)) if m is not None else None
    return None


def rewrite_pin(path: Path, old: GoVersion, new: GoVersion, *, dry_run: bool = False) -> bool:
    """Replace the exact pin `old` in a .go-version or .tool-versions with `new`, spelled as
    the old one was (`go1.22.3` → `go1.22.10`), every other byte kept (comments, other tools,
    CRLF, a BOM). A symlinked file is written through to its target only when that target
    is a version file (pins.pin_target). False when the file does not pin `old` exactly."""
    from gover import fsutil
    from gover.select import pins, resolve

    target = pins.pin_target(path)
    try:
        fd = fsutil.open_regular(target)
        with os.fdopen(fd, "rb") as fh:
            mode = stat.S_IMODE(os.fstat(fh.fileno()).st_mode)
            data = fh.read(PIN_WRITE_LIMIT + 1)
    except OSError as exc:
        raise io_error("read", target, exc) from None
    if len(data) > PIN_WRITE_LIMIT:
        raise GoverError(f"cannot rewrite {target}: larger than {PIN_WRITE_LIMIT} bytes")
    span = pin_span(data, path.name == resolve.TOOL_VERSIONS)
    if span is None:
        return False
    word = data[span[0] : span[1]].decode("utf-8", "replace")
    token = PinToken.parse(word)
    if token is None or token.kind != "exact" or token.version != old:
        return False
    spelled = ("go" if word.startswith("go") else "") + new.name
    if not dry_run:
        try:
            fsutil.write_atomic(target, data[: span[0]] + spelled.encode() + data[span[1] :], mode)
        except OSError as exc:
            raise io_error("write", target, exc) from None
    return True


# ---- upgrade ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    minor: str
    current: str  # newest installed patch of the minor before the upgrade
    target: str | None  # newest in the index (None: not in it)
    action: Literal["install", "up-to-date", "not-in-index"]


@dataclass(frozen=True)
class Rewrite:
    path: str
    kind: Literal["global", "version-file", "toolchain-line"]
    old: str
    new: str


@dataclass
class UpgradeReport:
    steps: list[Step]
    installs: list[InstallResult] = field(default_factory=list)
    rewrites: list[Rewrite] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # files not rewritten, and why
    index_url: str = ""
    dry_run: bool = False


def _chosen_minors(newest: dict[Minor, store.Installed], prefixes: list[str]) -> set[Minor]:
    if not prefixes:
        return set(newest)
    chosen: set[Minor] = set()
    for text in prefixes:
        request = VersionRequest.parse(text)
        if request.kind == "exact":
            assert request.version is not None
            request = VersionRequest.parse(minor_text(minor_of(request.version)))
        hit = {m for m, item in newest.items() if request.matches(item.version, unstable=True)}
        if not hit:
            raise UsageError(
                f"no installed version matches {text}", f"to install it: gover install {text}"
            )
        chosen |= hit
    return chosen


def pin_dirs() -> list[Path]:
    """The current directory's chain, then the directories gover recorded pinning in."""
    from gover.select import pinrecord

    seen: set[Path] = set()
    out: list[Path] = []
    for d in [*chain(working_dir()), *pinrecord.directories()]:
        if d not in seen:
            seen.add(d)
            out.append(d)
    return out


def upgrade(
    cfg: Config,
    prefixes: list[str],
    *,
    pins: bool = False,
    gomod: bool = False,
    dry_run: bool = False,
    refresh: bool = False,
) -> UpgradeReport:
    from gover.select import gomod as gomod_io
    from gover.select import resolve
    from gover.toolchain import install, store

    facts = index_facts(cfg, refresh=refresh)  # nothing changes when this cannot be read
    newest = newest_installed_per_minor(store.installed())
    if not newest:
        raise UsageError("no Go versions installed", "run: gover install latest")
    chosen = _chosen_minors(newest, prefixes)
    report = UpgradeReport([], index_url=facts.url, dry_run=dry_run)
    new_for: dict[Minor, GoVersion] = {}
    for m in sorted(chosen, reverse=True):
        current = newest[m].version
        latest = facts.newest_of(m)
        if latest is None:
            report.steps.append(Step(minor_text(m), current.name, None, "not-in-index"))
            continue
        if latest <= current:
            report.steps.append(Step(minor_text(m), current.name, latest.name, "up-to-date"))
            new_for[m] = current
            continue
        report.steps.append(Step(minor_text(m), current.name, latest.name, "install"))
        if not dry_run:
            report.installs.append(install.install(latest.name, cfg))
        new_for[m] = latest

    def moved(want: PinToken) -> GoVersion | None:
        v = want.version
        if want.kind != "exact" or v is None or not v.is_release:
            return None
        target = new_for.get(minor_of(v))
        return target if target is not None and target > v else None

    glob = global_pin()
    if glob is not None and (to := moved(glob.want)) is not None:
        assert glob.want.version is not None
        _rewrite(report, paths.global_version_file(), "global", glob.want.version, to)
    if pins or gomod:
        for d in pin_dirs():
            names = (resolve.VERSION_FILE, resolve.TOOL_VERSIONS) if pins else ()
            for name in names:
                pin = _read(d / name)
                if pin is not None and (to := moved(pin.want)) is not None:
                    assert pin.want.version is not None
                    _rewrite(report, d / name, "version-file", pin.want.version, to)
            for name in (gomod_io.GO_WORK, gomod_io.GO_MOD) if gomod else ():
                path = d / name
                pin = resolve.read_gomod(path) if os.path.isfile(path) else None
                if pin is None or pin.kind != "toolchain":
                    continue  # the go line is never rewritten
                to = moved(pin.want)
                if to is None:
                    continue
                if dry_run:
                    old = pin.want.text
                else:
                    try:
                        got = gomod_io.set_toolchain(path, to.tag)
                    except OSError as exc:
                        report.skipped.append(f"{path}: {exc.strerror or exc}")
                        continue
                    if got is None:
                        continue
                    old = got.removeprefix("go")
                report.rewrites.append(Rewrite(str(path), "toolchain-line", old, to.name))
    return report


def _read(path: Path) -> Pin | None:
    from gover.select import resolve

    if not os.path.isfile(path):
        return None
    if path.name == resolve.TOOL_VERSIONS:
        return resolve.read_tool_versions(path)
    return resolve.read_version_file(path)


def _rewrite(
    report: UpgradeReport,
    path: Path,
    kind: Literal["global", "version-file"],
    old: GoVersion,
    new: GoVersion,
) -> None:
    try:
        done = rewrite_pin(path, old, new, dry_run=report.dry_run)
    except GoverError as exc:
        report.skipped.append(exc.message)
        return
    if done:
        report.rewrites.append(Rewrite(str(path), kind, old.name, new.name))


# ---- prune -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kept:
    item: store.Installed
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class PrunePlan:
    remove: tuple[store.Installed, ...]
    keep: tuple[Kept, ...]
    keep_per_minor: int


def _protecting_pins() -> list[Pin]:
    """Every pin that may select a toolchain: GOVER_VERSION, the global, every pin file in the
    current directory's chain, and in each recorded directory's chain."""
    from gover.select import pinrecord

    found: list[Pin] = [p for p in (env_pin(), global_pin()) if p is not None]
    seen: set[Path] = set()
    for start in [working_dir(), *pinrecord.directories()]:
        for d in chain(start):
            if d in seen:
                continue
            seen.add(d)
            found.extend(pins_in(d))
    return found


def plan_prune(keep: int = 1) -> PrunePlan:
    from gover.select import resolve
    from gover.toolchain import store

    if keep < 1:
        raise UsageError("--keep must be at least 1", "to remove a whole minor: gover uninstall")
    items = store.installed()
    reasons: dict[str, list[str]] = {i.name: [] for i in items}

    def protect(name: str | None, why: str) -> None:
        if name in reasons and why not in reasons[name]:
            reasons[name].append(why)

    for pin in _protecting_pins():
        if not pin.want.is_system:
            protect(resolve.lookup(pin), pin.source)
    try:
        aliases = sorted(os.listdir(paths.aliases_dir()))
    except OSError:
        aliases = []
    for alias in aliases:
        if not alias.startswith("."):
            protect(resolve.alias_target(alias), f"alias {alias}")
    per_minor: dict[Minor, list[store.Installed]] = {}
    for item in items:  # newest first
        per_minor.setdefault(minor_of(item.version), []).append(item)
    for m, group in per_minor.items():
        releases = [i for i in group if i.version.is_release] or group
        for item in releases[:keep]:
            why = (
                f"newest {minor_text(m)} patch"
                if keep == 1
                else f"one of the {keep} newest {minor_text(m)} patches"
            )
            protect(item.name, why)
    remove = tuple(i for i in items if not reasons[i.name])
    kept = tuple(Kept(i, tuple(reasons[i.name])) for i in items if reasons[i.name])
    return PrunePlan(remove, kept, keep)


def prune(plan: PrunePlan) -> list[store.Installed]:
    """Remove what the plan says, through the store (each under its version lock)."""
    from gover.toolchain import store

    removed: list[store.Installed] = []
    for item in plan.remove:
        store.remove(item)
        removed.append(item)
    return removed
