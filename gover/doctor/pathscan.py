"""Detector 1, PATH: every `go` on PATH in order, which one runs, what version it is and where
it came from, and whether gover's shims come first.

Nothing found on PATH is run: a go's version is read from its tree (`$GOROOT/VERSION`) or from
the build info its linker left (gover.inspect.buildinfo). Symlinks are followed one hop at a
time with lstat/readlink, so a loop or a dead link is named instead of followed: the shell
skips both silently and runs the next `go`, which is exactly what confuses people.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

from gover import paths
from gover.doctor.model import Assignment, Detector, Finding, Scope, Severity, display, finding

NAME = "path"
MAX_HOPS = 40  # Linux's own limit on symlinks in one lookup (MAXSYMLINKS)
_SDK = "sdk"  # golang.org/dl unpacks goX.Y.Z into $HOME/sdk/goX.Y.Z
_TOOLCHAIN_MODULE = "golang.org/toolchain@v0.0.1-go"


def _text(value: str | Path) -> str:
    """A path as text for a finding: undecodable bytes shown as \\xNN, never a crash."""
    return str(value).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _show(path: str | Path, home: Path) -> str:
    return _text(display(path, home))


@dataclass(frozen=True)
class Walk:
    """Where a `go` on PATH leads, hop by hop."""

    hops: tuple[str, ...]  # the PATH candidate, then every symlink target in turn
    final: str | None  # the regular file it ends at (executable or not), else None
    problem: str | None  # "dead", "loop", "not-file", "not-executable", "error: ..."
    missing: bool = False  # no `go` in this directory at all (not a problem)


def walk(start: str) -> Walk:
    """Follow `start` one symlink at a time (at most MAX_HOPS, a link seen twice is a loop)."""
    hops = [start]
    seen: set[tuple[int, int]] = set()
    cur = start
    for _ in range(MAX_HOPS + 1):
        try:
            st = os.lstat(cur)
        except (FileNotFoundError, NotADirectoryError):
            if len(hops) == 1:
                return Walk(tuple(hops), None, None, missing=True)
            return Walk(tuple(hops), None, "dead")
        except OSError as exc:
            if exc.errno == errno.ELOOP:  # a looping directory on the way
                return Walk(tuple(hops), None, "loop")
            return Walk(tuple(hops), None, f"error: {exc.strerror or exc}")
        if stat.S_ISLNK(st.st_mode):
            key = (st.st_dev, st.st_ino)
            if key in seen:
                return Walk(tuple(hops), None, "loop")
            seen.add(key)
            try:
                target = os.readlink(cur)
            except OSError as exc:
                return Walk(tuple(hops), None, f"error: {exc.strerror or exc}")
            # Not normalised: `..` after a symlinked directory is the kernel's business.
            cur = os.path.join(os.path.dirname(cur), target)
            hops.append(cur)
            continue
        if not stat.S_ISREG(st.st_mode):
            return Walk(tuple(hops), None, "not-file")
        if not os.access(cur, os.X_OK):
            return Walk(tuple(hops), cur, "not-executable")
        return Walk(tuple(hops), cur, None)
    return Walk(tuple(hops), None, "loop")


@dataclass(frozen=True)
class Go:
    """One `go` on PATH."""

    index: int  # 1-based PATH entry
    entry: str  # the PATH entry as written
    path: str  # entry/go
    walk: Walk
    origin: str = ""
    version: str | None = None  # "go1.22.10", or None when it cannot be told
    shim: bool = False  # a gover shim
    manager_shim: bool = False  # another manager's shim: it picks a version when it runs

    @property
    def runnable(self) -> bool:
        return self.walk.final is not None and self.walk.problem is None

    @property
    def real(self) -> str | None:
        return os.path.realpath(self.walk.final) if self.walk.final else None


# ---- where a go came from (by path) ---------------------------------------------------------


def _under(path: str, root: str | Path) -> bool:
    r = str(root).rstrip("/")
    return bool(r) and (path == r or path.startswith(r + "/"))


def _managers(sc: Scope) -> list[tuple[str, str]]:
    """(root, name) of the version managers, as each one's variables or default say."""
    home = str(sc.home)
    data = sc.var("XDG_DATA_HOME") or f"{home}/.local/share"
    return [
        (sc.var("GOENV_ROOT") or f"{home}/.goenv", "goenv"),
        (sc.var("GVM_ROOT") or f"{home}/.gvm", "gvm"),
        (sc.var("ASDF_DATA_DIR") or f"{home}/.asdf", "asdf"),
        (sc.var("MISE_DATA_DIR") or f"{data}/mise", "mise"),
        (f"{data}/rtx", "mise (rtx)"),
    ]


_FIXED = (
    ("/snap/", "snap (snap install go)"),
    ("/var/lib/snapd/snap/", "snap (snap install go)"),
    ("/home/linuxbrew/.linuxbrew/", "Homebrew (Linuxbrew)"),
    ("/opt/homebrew/", "Homebrew"),
    ("/usr/local/Cellar/", "Homebrew"),
    ("/usr/local/opt/go/", "Homebrew"),
    ("/usr/local/go/", "the official tarball (go.dev/dl, unpacked in /usr/local/go)"),
    ("/usr/lib/golang/", "the distribution's golang package (dnf/yum)"),
)


def _classify_one(p: str, sc: Scope, store: str) -> tuple[str, bool] | None:
    """(origin, is another manager's shim) of one path on a go's chain, if it tells."""
    home = str(sc.home)
    if _under(p, store):
        rel = p[len(store) :].lstrip("/").split("/", 1)[0]
        return f"gover's store ({rel}), not through a shim", False
    if _TOOLCHAIN_MODULE in p:
        return "the GOTOOLCHAIN module cache (go downloaded it to switch toolchains)", False
    if _under(p, f"{home}/{_SDK}"):
        name = p[len(home) + len(_SDK) + 2 :].split("/", 1)[0]
        return f"golang.org/dl ({name} download, in ~/sdk/{name})", False
    for root, name in _managers(sc):
        if _under(p, f"{root}/shims"):
            return f"{name} (its shim: {name} picks the version when it runs)", True
        if _under(p, root):
            return name, False
    if p.startswith("/usr/lib/go-"):
        series = p[len("/usr/lib/go-") :].split("/", 1)[0]
        return f"apt (Debian/Ubuntu package golang-{series}-go)", False
    if p.startswith("/home/") and "/.linuxbrew/" in p:
        return "Homebrew (Linuxbrew)", False
    for prefix, origin in _FIXED:
        if p.startswith(prefix):
            return origin, False
    return None


def _gopath_bins(sc: Scope) -> list[str]:
    gobin = sc.var("GOBIN")
    gopath = sc.var("GOPATH") or f"{sc.home}/go"
    out = [f"{p}/bin" for p in gopath.split(os.pathsep) if p]
    return ([gobin] if gobin else []) + out


def classify(go: Go, sc: Scope) -> tuple[str, bool]:
    """Where `go` came from, by its path: the real file first, then each hop back to PATH."""
    store = os.path.realpath(paths.versions_dir())
    chain = [go.real] if go.real else []
    chain += [os.path.normpath(h) for h in reversed(go.walk.hops)]
    for p in chain:
        found = _classify_one(p, sc, store)
        if found is not None:
            return found
    for p in chain:
        if p in ("/usr/bin/go", "/bin/go"):
            return "a distribution package (/usr/bin/go)", False
        if any(_under(p, b) for b in _gopath_bins(sc)):
            return "go install's bin directory (GOBIN or GOPATH/bin)", False
    if not os.path.isabs(go.entry or "."):
        return "a relative PATH entry (depends on the current directory)", False
    return "unknown origin", False


# ---- what version a go is ---------------------------------------------------------------------


def _tree_version(root: str | Path) -> str | None:
    from gover.toolchain import store

    v = store.tree_version(Path(root))
    return v if v and v.startswith("go") and len(v) < 64 else None


def _buildinfo(path: str) -> tuple[str, str] | None:
    """(go version, main module path) from a Go binary's build info, or None."""
    from gover.errors import GoverError
    from gover.inspect import buildinfo

    try:
        info = buildinfo.read(Path(path))
    except (GoverError, OSError, ValueError):
        return None
    return buildinfo.toolchain_of(info.go_version), info.path


def version_of(go: Go, sc: Scope) -> str | None:
    """The version of the Go this `go` runs, read from its tree or build info, never by
    running it; None when it cannot be told (another manager's shim, a script)."""
    real = go.real
    if real is None or go.shim or go.manager_shim:
        return None
    for hop in go.walk.hops:  # /snap/bin/go is a link to /usr/bin/snap: read the snap's tree
        if hop.startswith("/snap/bin/"):
            return _tree_version("/snap/go/current")
    marker = real.find(_TOOLCHAIN_MODULE)
    if marker >= 0:
        end = real.find("/", marker + len(_TOOLCHAIN_MODULE))
        return _tree_version(real[:end] if end > 0 else real)
    parent = os.path.dirname(real)
    if os.path.basename(parent) == paths.BIN_DIR:
        found = _tree_version(os.path.dirname(parent))
        if found:
            return found
    info = _buildinfo(real)
    if info is None:
        return None
    version, module = info
    if module.startswith("golang.org/dl/go"):  # a wrapper: it runs ~/sdk/<name>
        name = module.rsplit("/", 1)[1]
        tree = _tree_version(sc.home / _SDK / name)
        return tree or f"{name} (not downloaded: run {name} download)"
    return version or None


# ---- the scan ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scan:
    entries: tuple[str, ...]
    gos: tuple[Go, ...]

    @property
    def winner(self) -> Go | None:
        return next((g for g in self.gos if g.runnable), None)

    @property
    def first_shim(self) -> Go | None:
        return next((g for g in self.gos if g.runnable and g.shim), None)


def _entries(sc: Scope) -> list[str]:
    value = sc.var("PATH")
    return value.split(os.pathsep) if value else []


def scan(sc: Scope) -> Scan:
    from gover.select import resolve

    entries = _entries(sc)
    gos: list[Go] = []
    exe = "go.exe" if os.name == "nt" else "go"
    seen: set[str] = set()
    for i, entry in enumerate(entries, 1):
        if os.path.normpath(entry or ".") in seen:
            continue  # a duplicate entry: the shell never gets past the first one
        seen.add(os.path.normpath(entry or "."))
        base = entry or "."
        if not os.path.isabs(base):
            base = os.path.join(sc.cwd, base)
        w = walk(os.path.join(base, exe))
        if w.missing:
            continue
        go = Go(i, entry, w.hops[0], w)
        if go.runnable and resolve.is_gover_shim(Path(go.path)):
            go = Go(i, entry, go.path, w, "gover's shims", None, shim=True)
        else:
            origin, manager_shim = classify(go, sc)
            go = Go(i, entry, go.path, w, origin, None, manager_shim=manager_shim)
            go = Go(i, entry, go.path, w, origin, version_of(go, sc), manager_shim=manager_shim)
        gos.append(go)
    return Scan(tuple(entries), tuple(gos))


# ---- gover's choice, and the start-up line that put a directory on PATH ---------------------


@dataclass(frozen=True)
class Choice:
    version: str | None  # "go1.22.10"; None for system or when nothing is selected
    root: str | None
    system: bool
    source: str
    error: str | None = None


def choice(sc: Scope) -> Choice:
    """What gover selects in the scope's directory (as the shims would)."""
    from gover.errors import GoverError
    from gover.select import resolve

    try:
        sel = resolve.select(sc.cwd)
    except GoverError as exc:
        return Choice(None, None, False, "", str(exc))
    if sel.name is None:
        return Choice(None, None, True, sel.source)
    return Choice(f"go{sel.name}", str(sel.root), False, sel.source)


def assignments(sc: Scope) -> list[Assignment]:
    """The start-up detector's PATH/Go-variable lines, when it is there (it may not be)."""
    try:
        from gover.doctor import startup

        fn = getattr(startup, "assignments", None)
        if fn is None:
            return []
        found = fn(sc)
        return [a for a in found if isinstance(a, Assignment)]
    except Exception:  # another detector's bug must not hide this one's finding
        return []


def _same_dir(a: str, b: str) -> bool:
    if os.path.normpath(a) == os.path.normpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def put_on_path(sc: Scope, directory: str) -> Assignment | None:
    """The last start-up line that adds `directory` to PATH, if the start-up detector saw one."""
    found = [
        a
        for a in assignments(sc)
        if a.var == "PATH" and any(_same_dir(d, directory) for d in a.dirs)
    ]
    return found[-1] if found else None


def _append_line(a: Assignment, directory: str, home: Path) -> str:
    shell = a.contexts[0].split()[0] if a.contexts else ""
    d = display(directory, home)
    word = d.replace("~", "$HOME", 1) if d.startswith("~") else d
    if shell == "fish" or a.file.suffix == ".fish":
        return f"fish_add_path --append {d}"
    if shell == "nu" or a.file.suffix == ".nu":
        return f"$env.PATH = ($env.PATH | append {d!r})"
    return f'export PATH="$PATH:{word}"'


# ---- findings ---------------------------------------------------------------------------------


def _describe(go: Go, sc: Scope) -> str:
    chain = " -> ".join(_show(os.path.normpath(h), sc.home) for h in go.walk.hops)
    if go.shim:
        what = "gover shim"
    elif go.version:
        what = f"{go.version}, {go.origin}"
    elif go.manager_shim:
        what = go.origin
    else:
        what = f"version unknown, {go.origin}"
    problem = {
        "dead": "dead link, skipped",
        "loop": "symlink loop, skipped",
        "not-file": "not a file, skipped",
        "not-executable": "not executable, skipped",
    }.get(go.walk.problem or "", go.walk.problem)
    return f"{chain}: {problem}" if problem else f"{chain}: {what}"


def _shadow(sc: Scope, sn: Scan) -> list[Finding]:
    win, shim = sn.winner, sn.first_shim
    if win is None or shim is None or win is shim:
        return []
    pick = choice(sc)
    if pick.system:
        return []  # the shims would run the first go that is not a shim: this same one
    if pick.root is not None and win.real is not None:
        own = paths.toolchain(Path(pick.root)).go
        if _same_dir(os.path.dirname(win.real), os.path.dirname(os.path.realpath(own))):
            return []  # the selected toolchain's own bin (an old hook put it there)
    runs = win.version or "a version that cannot be read without running it"
    severity: Severity
    if pick.version is None:
        severity = "warning"
        wants = f"gover's shims, which here say: {pick.error}"
    elif win.version == pick.version:
        severity = "warning"
        wants = (
            f"gover's shims: the same {pick.version} today, but a pin elsewhere "
            "(.go-version, go.mod) is not followed"
        )
    else:
        severity = "error"
        wants = f"{pick.version}, which gover selects here ({pick.source})"
    what = (
        f"`go` runs {_show(win.path, sc.home)} ({runs}, {win.origin}), found before gover's "
        f"shims on PATH (entry {win.index} vs {shim.index}): `go version` prints {runs}, "
        f"not {wants}"
    )
    a = put_on_path(sc, win.entry)
    where = f"environment: PATH (entry {win.index}: {_show(win.entry, sc.home)})"
    if a is not None:
        where = a.where(sc.home)
    if a is not None and display(a.file, sc.home).startswith("~"):
        # The user's own line prepends it: make it append.
        fix = f"in {where}, append instead of prepend: {_append_line(a, win.entry, sc.home)}"
    else:
        # A system directory (/usr/bin from /etc/profile, the login default): the shims
        # must come before it, last thing in the user's start-up file.
        from gover.select import setup, shells

        shell = sc.shells[0] if sc.shells else "bash"
        rc, _why = shells.startup_file(shell, sc.home, sys.platform, sc.env)
        line = setup.shims_path_line(shell, paths.shims_dir(), sc.home)
        fix = f"put gover's shims first: add as the last line of {_show(rc, sc.home)}: {line}"
    return [finding(NAME, "go-shadows-shims", severity, what, where, fix)]


def _links(sc: Scope, sn: Scan) -> list[Finding]:
    out: list[Finding] = []
    win = sn.winner
    for go in sn.gos:
        if go.walk.problem not in ("dead", "loop"):
            continue
        before = win is None or go.index < win.index
        instead = (
            f"the shell skips it silently and runs {_show(win.path, sc.home)} "
            f"({win.version or 'version unknown'}) instead"
            if win is not None
            else "no other go is on PATH: `go` is not found"
        )
        if not before:
            instead = f"{_show(win.path, sc.home)} runs before it anyway" if win else instead
        severity: Severity = ("error" if win is None else "warning") if before else "info"
        chain = " -> ".join(_show(os.path.normpath(h), sc.home) for h in go.walk.hops)
        # The first link of the chain is the one to remove (the PATH entry's go).
        link = go.walk.hops[0]
        if go.walk.problem == "dead":
            target = _show(os.path.normpath(go.walk.hops[-1]), sc.home)
            what = f"{_show(link, sc.home)} is a dead link ({chain}: {target} does not exist): "
            case, fix = "dead-link", f"remove the link: rm {_show(link, sc.home)}"
        else:
            what = f"{_show(link, sc.home)} is a symlink loop ({chain}): "
            case = "link-loop"
            try:
                is_link = stat.S_ISLNK(os.lstat(link).st_mode)
            except OSError:
                is_link = False
            if is_link:
                fix = f"remove the link: rm {_show(link, sc.home)}"
            else:  # the loop is the PATH directory itself
                fix = f"remove {_show(go.entry, sc.home)} from PATH (it is a symlink loop)"
        out.append(finding(NAME, case, severity, what + instead, _show(link, sc.home), fix))
    return out


def _entry_findings(sc: Scope, sn: Scan) -> list[Finding]:
    out: list[Finding] = []
    seen: dict[str, int] = {}
    for i, entry in enumerate(sn.entries, 1):
        where = f"environment: PATH (entry {i})"
        if entry == "":
            out.append(
                finding(
                    NAME,
                    "empty-entry",
                    "warning",
                    f"PATH entry {i} is empty (a leading, trailing or doubled ':'): it means "
                    "the current directory, so a `go` in whatever directory you are in runs "
                    "before the ones after it",
                    where,
                    "remove the empty entry (the extra ':') where PATH is set",
                )
            )
            continue
        if not os.path.isabs(entry):
            out.append(
                finding(
                    NAME,
                    "relative-entry",
                    "warning",
                    f"PATH entry {i} is relative ({_text(entry)}): it is looked up from the "
                    "current directory, so which `go` runs depends on where you are",
                    f"{where}: {_text(entry)}",
                    f"replace {_text(entry)} in PATH by an absolute path, or remove it",
                )
            )
        key = os.path.normpath(entry)
        if key in seen:
            first = seen[key]
            out.append(
                finding(
                    NAME,
                    "duplicate-entry",
                    "info",
                    f"PATH lists {_show(entry, sc.home)} twice (entries {first} and {i}): "
                    "a line that adds it runs more than once (nested shells, a file read "
                    "twice); only the first one counts",
                    f"{where}: {_show(entry, sc.home)}",
                    f'guard the line that adds it: case ":$PATH:" in *:{_text(entry)}:*) ;; '
                    f'*) PATH="{_text(entry)}:$PATH" ;; esac',
                )
            )
        else:
            seen[key] = i
    return out


# run() hands its scan to notes(), which the runner calls next for the same Scope (taken
# once: a second diagnose, after --fix, scans again).
_handoff: list[tuple[Scope, Scan]] = []


def _run(sc: Scope) -> list[Finding]:
    sn = scan(sc)
    _handoff[:] = [(sc, sn)]
    return _shadow(sc, sn) + _links(sc, sn) + _entry_findings(sc, sn)


def _notes(sc: Scope) -> list[str]:
    kept = _handoff[:1]
    _handoff.clear()
    sn = kept[0][1] if kept and kept[0][0] is sc else scan(sc)
    if not sn.gos:
        return ["go on PATH: none"]
    win = sn.winner
    out = []
    for n, go in enumerate(sn.gos, 1):
        mark = " (runs)" if go is win else ""
        out.append(f"go on PATH {n}{mark}: {_describe(go, sc)}")
    if win is not None and win.shim:
        pick = choice(sc)
        label = pick.version or ("the system go" if pick.system else pick.error)
        out.append(f"gover's shims come first; here they run {label}")
    return out


DETECTOR = Detector("pathscan", _run, _notes)
