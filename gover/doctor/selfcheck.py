"""Detector 6, gover itself: trees in the store gover does not count as installed, shims and
hooks that are stale or missing, the shims directory not on PATH, too little free space
where the store lives, and a hard limit on open files low enough to break go.

A low SOFT open-files limit is not a finding: Go (since 1.19, on Unix) raises its soft limit
to the hard one when it starts. Measured with `prlimit --nofile=N:N go build` of a module
importing net/http, cold cache, 2 CPUs: go1.19.8 fails at 16 and builds at 20, go1.22.10
fails at 20 and builds at 24 ("pipe2: too many open files", "fork/exec .../compile: too many
open files"); with -p 64 (a 64-CPU machine) it fails at 64 and builds at 128. A soft limit of
16 under a hard one of 4096 builds fine.
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

from gover import paths
from gover.doctor.model import Detector, Finding, Scope, Severity, display, finding
from gover.toolchain import store
from gover.versions import GoVersion

NAME = "gover"
MIN_FREE = 1 << 30  # a toolchain is ~250 MiB unpacked, plus its archive, plus go's caches
NOFILE_ERROR = 64  # below this even a small go build fails on a few CPUs (measured above)
NOFILE_WARN = 256  # below this bigger builds, `go test ./...` and many CPUs run out


def _text(value: Path | str) -> str:
    return str(value).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _show(path: Path | str, home: Path) -> str:
    return _text(display(path, home))


def _shell(sc: Scope) -> str:
    return sc.shells[0] if sc.shells else "bash"


# ---- the store ------------------------------------------------------------------------------


def _why_not(root: Path) -> str:
    """Why store.is_installed says no, in the user's words."""
    from gover import constants

    try:
        if os.path.islink(root):
            return f"it is a symlink (to {os.readlink(root)}), and gover counts only its own trees"
    except OSError:
        pass
    if not os.path.isdir(root):
        return "it is not a directory"
    tc = paths.toolchain(root)
    if not os.path.isfile(tc.go):
        return f"it has no {paths.BIN_DIR}/go"
    return f"it has no receipt ({constants.RECEIPT_NAME}): gover did not install it"


def _rename_fix(root: Path, want: Path) -> str:
    if os.path.lexists(want):
        return f"move it out of the store: {want.name} is installed already"
    return f"mv {shlex.quote(_text(root))} {shlex.quote(_text(want))}"


def _not_installed(sc: Scope) -> list[Finding]:
    base = paths.versions_dir()
    try:
        entries = sorted(os.listdir(base))
    except OSError:
        return []
    out: list[Finding] = []
    for name in entries:
        if name.startswith("."):
            continue  # staging and backups: gover's cleanup handles them
        root = base / name
        canonical = store.is_version_name(name)
        if store.is_installed(root) and canonical:
            continue
        parsed = GoVersion.try_parse(name)
        if store.is_installed(root) and parsed is not None:
            # store.installed() lists it (gover list), the shims look for versions/<name>.
            out.append(
                finding(
                    NAME,
                    "not-installed",
                    "warning",
                    f"{_show(root, sc.home)} is listed as {parsed.name} by gover list, but the "
                    f"shims look for {_show(base / parsed.name, sc.home)}: a pin of "
                    f"{parsed.name} says it is not installed",
                    _show(root, sc.home),
                    _rename_fix(root, base / parsed.name),
                )
            )
            continue
        if not canonical:
            if not os.path.isfile(root / paths.BIN_DIR / "go"):
                continue  # not a Go tree: not ours to judge
            what = (
                f"{_show(root, sc.home)} holds a Go tree under a name gover does not read "
                f"({name!r}: gover names versions like 1.22.10): no pin can select it"
            )
        else:
            what = (
                f"{_show(root, sc.home)} looks like go {name}, but gover does not count it as "
                f"installed ({_why_not(root)}): a pin of {name} says it is not installed"
            )
        if store.is_version_name(name) and store.made_by_gover(root):
            fix = f"gover install {name}"
        else:
            fix = (
                f"move it out of the store (gover never replaces a tree it did not make), "
                f"then: gover install {name if store.is_version_name(name) else 'VERSION'}"
            )
        out.append(finding(NAME, "not-installed", "warning", what, _show(root, sc.home), fix))
    return out


# ---- shims and hooks ------------------------------------------------------------------------


def _first_on_path(sc: Scope, program: str, skip: Path) -> str | None:
    for entry in (sc.var("PATH") or "").split(os.pathsep):
        if not entry:
            continue
        candidate = os.path.join(entry, program)
        try:
            if os.path.samefile(entry, skip):
                continue
        except OSError:
            pass
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def _stale(sc: Scope, installed: list[store.Installed]) -> list[Finding]:
    from gover.select import refresh, shims

    sdir = paths.shims_dir()
    where = _show(sdir, sc.home)
    reasons: list[str] = []
    if installed and not os.path.isdir(sdir):
        reasons.append("there are no shims at all")
    else:
        programs = shims._programs(installed)
        try:
            present = {e.name.removesuffix(".cmd") for e in os.scandir(sdir)}
        except OSError:
            present = set()
        missing = sorted(p for p in programs if p not in present)
        if missing and installed:
            runs = []
            for p in missing[:5]:
                other = _first_on_path(sc, p, sdir)
                runs.append(
                    f"`{p}` runs {_show(other, sc.home)}" if other else f"`{p}` is not found"
                )
            more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
            reasons.append(
                f"no shim for {', '.join(missing[:5])}{more} from the installed toolchains "
                f"({'; '.join(runs)})"
            )
        extra = sorted(
            p for p in present - programs if not p.startswith(".") and shims.is_shim_file(sdir / p)
        )
        if extra:
            reasons.append(f"shims for programs no installed toolchain has: {', '.join(extra[:5])}")
    try:
        if not reasons and refresh.needed():
            reasons.append(
                "the shims and hooks were rendered by another version of gover (its code "
                "changed since)"
            )
    except OSError:
        pass
    if not reasons:
        return []
    return [
        finding(
            NAME,
            "shims-stale",
            "warning",
            "gover's shims are out of date: " + "; ".join(reasons),
            where,
            "gover rehash",
            fixable=True,
        )
    ]


def _shims_on_path(sc: Scope) -> bool:
    from gover.select import resolve

    sdir = paths.shims_dir()
    for entry in (sc.var("PATH") or "").split(os.pathsep):
        if not entry:
            continue
        try:
            if os.path.samefile(entry, sdir):
                return True
        except OSError:
            pass
        if os.path.isfile(os.path.join(entry, "go")) and resolve.is_gover_shim(Path(entry) / "go"):
            return True
    return False


def _off_path(sc: Scope, installed: list[store.Installed]) -> list[Finding]:
    if not installed or _shims_on_path(sc):
        return []
    from gover.doctor import pathscan

    pick = pathscan.choice(sc)
    win = pathscan.scan(sc).winner
    runs = (
        f"`go` runs {_show(win.path, sc.home)} ({win.version or 'version unknown'})"
        if win is not None
        else "`go` is not found"
    )
    if pick.version is not None:
        severity: Severity = "error"
        wants = f"; gover selects {pick.version} here ({pick.source})"
    else:
        severity = "warning"
        wants = ": pins (.go-version, go.mod) select nothing"
    shell = _shell(sc)
    return [
        finding(
            NAME,
            "shims-not-on-path",
            severity,
            f"gover's shims ({_show(paths.shims_dir(), sc.home)}) are not on PATH, though "
            f"{len(installed)} toolchain(s) are installed: {runs}{wants}",
            "environment: PATH",
            f"gover init {shell} --write (then open a new terminal)",
            fixable=True,
        )
    ]


# ---- the machine ------------------------------------------------------------------------------


def _existing(path: Path) -> Path:
    p = path
    while not os.path.isdir(p) and p.parent != p:
        p = p.parent
    return p


def _disk(sc: Scope) -> list[Finding]:
    where = _existing(paths.data_dir())
    try:
        st = os.statvfs(where)
    except (OSError, AttributeError):
        return []
    free = st.f_bavail * st.f_frsize
    if free >= MIN_FREE:
        return []
    mib = free // (1 << 20)
    return [
        finding(
            NAME,
            "low-disk",
            "warning",
            f"only {mib} MiB free where gover keeps toolchains ({_show(where, sc.home)}): "
            "installing one needs about 250 MiB for the tree and 70 MiB for its archive, "
            "and an install that runs out fails with 'No space left on device'",
            _show(where, sc.home),
            "free at least 1 GiB on that file system, or move the store: "
            "export GOVER_HOME=/a/directory/on/a/larger/disk",
        )
    ]


def _nofile(sc: Scope) -> list[Finding]:
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return []
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard >= NOFILE_WARN:
        return []
    severity: Severity = "error" if hard < NOFILE_ERROR else "warning"
    cpus = os.cpu_count() or 1
    what = (
        f"the hard limit on open files is {hard}: go raises its soft limit only up to the "
        "hard one, and go build runs out ('too many open files') at about 10 per parallel "
        f"job and a few dozen more (one job per CPU; this machine has {cpus})"
    )
    user = sc.var("USER") or "$USER"
    return [
        finding(
            NAME,
            "nofile-hard-limit",
            severity,
            what,
            f"process limit: ulimit -Hn = {hard}",
            f"as root: echo '{user} hard nofile 65536' > /etc/security/limits.d/go.conf, "
            "then log in again (for a service: LimitNOFILE=65536 in its unit)",
        )
    ]


def _installed() -> list[store.Installed]:
    return list(store.installed())


def _run(sc: Scope) -> list[Finding]:
    installed = _installed()
    return (
        _not_installed(sc)
        + _stale(sc, installed)
        + _off_path(sc, installed)
        + _disk(sc)
        + _nofile(sc)
    )


def _notes(sc: Scope) -> list[str]:
    names = [i.name for i in _installed()]
    out = [
        f"gover store: {_show(paths.data_dir(), sc.home)} "
        f"({', '.join(names) if names else 'nothing installed'})"
    ]
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        inf = resource.RLIM_INFINITY

        def shown(n: int) -> str:
            return "unlimited" if n == inf else str(n)

        out.append(f"open files: soft {shown(soft)}, hard {shown(hard)} (go raises soft to hard)")
    except ImportError:  # pragma: no cover - Windows
        pass
    if sys.platform != "win32":
        try:
            st = os.statvfs(_existing(paths.data_dir()))
            out.append(f"free where the store lives: {st.f_bavail * st.f_frsize >> 20} MiB")
        except OSError:
            pass
    return out


DETECTOR = Detector("selfcheck", _run, _notes)
