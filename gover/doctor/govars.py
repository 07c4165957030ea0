"""Detector 2: the Go variables, where go reads them (the environment, the `go env -w` file,
`$GOROOT/go.env`) and what each value makes go do.

go's order for a variable: a non-empty environment value, else the GOENV file (what
`go env -w` writes: $GOENV, else $XDG_CONFIG_HOME/go/env, else ~/.config/go/env; GOENV=off
means none), else `$GOROOT/go.env` (Go 1.21+: GOPROXY, GOSUMDB, GOTOOLCHAIN). The file is
found as go finds it, without running go. Every check names a breakage go really prints
(DOCTOR.md); the versions come from trees and build info, never from running a binary.

The go that runs is the first `go` on PATH; when that is a gover shim, the shim runs the
selected toolchain with GOROOT set and GOTOOLCHAIN=local unless the user set it.
"""

from __future__ import annotations

import os
import pwd
import re
import time
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from gover import fsutil
from gover.doctor.model import (
    Assignment,
    Detector,
    Finding,
    Scope,
    Severity,
    display,
    finding,
)

D = "govars"
ENV_FILE_LIMIT = 64 << 10  # a `go env -w` file is a few lines; junk past this is not read
GO_ENV_LIMIT = 16 << 10
MOUNTINFO_LIMIT = 4 << 20
SCAN_SECONDS = 0.03  # per cache directory: a module cache can hold millions of files
SCAN_ENTRIES = 4000
SCAN_PER_DIR = 64
PATTERN_VARS = ("GOPRIVATE", "GONOPROXY", "GONOSUMDB", "GOINSECURE")
TOOLCHAIN_MODES = ("auto", "path")


# ---- where a value comes from ---------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    name: str
    value: str
    layer: str  # "environment", "goenv" (the go env -w file), "go.env" ($GOROOT/go.env)
    file: Path | None = None
    line: int = 0


def goenv_file(env: Mapping[str, str]) -> Path | None:
    """The file `go env -w` writes, found as cmd/go's cfg.EnvFile finds it; None for
    GOENV=off or when go could not name one (a relative XDG_CONFIG_HOME, no HOME)."""
    get = env.get
    value = get("GOENV") or ""
    if value:
        return None if value == "off" else Path(value)
    xdg = get("XDG_CONFIG_HOME") or ""
    if xdg:
        return Path(xdg) / "go" / "env" if os.path.isabs(xdg) else None
    h = get("HOME") or ""
    return Path(h) / ".config" / "go" / "env" if h else None


def read_env_file(path: Path, limit: int) -> dict[str, tuple[str, int]]:
    """KEY -> (value, line number), read as cmd/go reads it (readEnvFile): a line counts when
    it starts with A-Z and has an `=`; the last one wins. Bounded; never raises."""
    try:
        data = fsutil.read_limited(path, limit)
    except OSError:
        return {}
    out: dict[str, tuple[str, int]] = {}
    for n, raw in enumerate(data.split(b"\n"), 1):
        i = raw.find(b"=")
        if i <= 0 or not (0x41 <= raw[0] <= 0x5A):
            continue
        out[raw[:i].decode("utf-8", "replace")] = (raw[i + 1 :].decode("utf-8", "replace"), n)
    return out


# ---- the go that runs ---------------------------------------------------------------------


@dataclass(frozen=True)
class RunningGo:
    """The first go on PATH and what it is: a gover shim (then `selected` is what it runs)
    or another go, with its version (build info, else its tree) and its own root (where it
    finds GOROOT when no variable names one)."""

    path: Path | None
    shim: bool = False
    version: str | None = None  # "go1.22.10"
    root: Path | None = None
    selection: object | None = None  # resolve.Selection when a shim wins
    select_error: str | None = None  # resolve's "not installed" message when it failed


def path_entries(sc: Scope) -> list[str]:
    return (sc.var("PATH") or "").split(os.pathsep)


def first_go(sc: Scope) -> Path | None:
    for entry in path_entries(sc):
        cand = Path(entry or ".") / "go"
        if os.path.isfile(cand) and os.access(cand, os.X_OK):
            return cand
    return None


def binary_root(path: Path) -> Path | None:
    """The Go tree a go binary belongs to (bin/go inside it, through symlinks), as go's
    findGOROOT finds it from its executable."""
    try:
        real = Path(os.path.realpath(path))
    except (OSError, ValueError):
        return None
    root = real.parent.parent
    return (
        root if os.path.isfile(root / "VERSION") or os.path.isdir(root / "pkg" / "tool") else None
    )


def binary_version(path: Path, root: Path | None) -> str | None:
    from gover.errors import BuildInfoError
    from gover.inspect import buildinfo
    from gover.toolchain import store

    try:
        tc = buildinfo.toolchain_of(buildinfo.read_go_version(path))
        if tc:
            return tc
    except (BuildInfoError, OSError):
        pass
    return store.tree_version(root) if root is not None else None


_running_cache: dict[tuple[str, str, str], RunningGo] = {}


def running_go(sc: Scope) -> RunningGo:
    """What runs when this user types `go` in sc.cwd (cached per PATH and directory: the
    govars and project detectors both ask)."""
    key = (sc.var("PATH") or "", str(sc.cwd), sc.var("GOVER_HOME") or "")
    if key not in _running_cache:
        _running_cache[key] = _running_go(sc)
    return _running_cache[key]


def _running_go(sc: Scope) -> RunningGo:
    from gover.errors import GoverError
    from gover.select import resolve
    from gover.toolchain import store

    path = first_go(sc)
    if path is None:
        return RunningGo(None)
    if not resolve.is_gover_shim(path):
        root = binary_root(path)
        return RunningGo(path, False, binary_version(path, root), root)
    try:
        sel = resolve.select(sc.cwd)
    except GoverError as exc:
        return RunningGo(path, True, select_error=str(exc))
    if sel.root is not None:
        return RunningGo(path, True, store.tree_version(sel.root) or f"go{sel.name}", sel.root, sel)
    assert sel.system is not None
    root = binary_root(sel.system)
    return RunningGo(path, True, binary_version(sel.system, root), root, sel)


def shims_on_path(sc: Scope) -> bool:
    from gover import paths

    try:
        shims = os.path.realpath(paths.shims_dir())
    except Exception:
        return False
    return any(e and os.path.realpath(e) == shims for e in path_entries(sc))


def version_of(tc: str | None) -> object:
    from gover.versions import GoVersion

    return GoVersion.try_parse(tc) if tc else None


# ---- the layers -----------------------------------------------------------------------------


@dataclass
class Layers:
    """The three places go reads a variable from, for the go that runs."""

    sc: Scope
    run: RunningGo
    file: Path | None
    file_vals: dict[str, tuple[str, int]]
    goroot_env: Path | None = None
    goroot_vals: dict[str, tuple[str, int]] = field(default_factory=dict)
    _assignments: list[Assignment] | None = None
    _asked: bool = False

    def get(self, name: str) -> Setting | None:
        value = self.sc.var(name) or ""
        if value:
            return Setting(name, value, "environment")
        if name in self.file_vals and self.file is not None:
            v, n = self.file_vals[name]
            if v:
                return Setting(name, v, "goenv", self.file, n)
        if name in self.goroot_vals and self.goroot_env is not None:
            v, n = self.goroot_vals[name]
            if v:
                return Setting(name, v, "go.env", self.goroot_env, n)
        return None

    def assignment(self, name: str) -> Assignment | None:
        """The start-up file line that exported `name` (the start-up detector, when there is
        one; the last line that ran wins)."""
        if not self._asked:
            self._asked = True
            try:
                from gover.doctor import startup

                get = getattr(startup, "assignments", None)
                found = get(self.sc) if callable(get) else None
                self._assignments = list(found) if found else []
            except Exception:
                self._assignments = []
        return pick_assignment(name, self._assignments or [])

    def where(self, s: Setting) -> str:
        if s.layer == "environment":
            a = self.assignment(s.name)
            return a.where(self.sc.home) if a is not None else f"environment: {s.name}"
        assert s.file is not None
        return f"{display(s.file, self.sc.home)}:{s.line}"

    def drop(self, s: Setting) -> str:
        """The one action that removes this setting where it comes from."""
        if s.layer == "environment":
            a = self.assignment(s.name)
            if a is not None:
                return f"delete the line that sets {s.name} at {a.where(self.sc.home)}, then open a new shell"
            return f"unset {s.name} (and remove it from wherever it is exported)"
        if s.layer == "goenv":
            return f"go env -u {s.name}"
        return f"set {s.name} in the environment to override {display(s.file or '', self.sc.home)}"


def pick_assignment(name: str, assignments: list[Assignment]) -> Assignment | None:
    found = [a for a in assignments if a.var == name]
    return found[-1] if found else None


def layers(sc: Scope, run: RunningGo | None = None) -> Layers:
    run = run if run is not None else running_go(sc)
    f = goenv_file(sc.env)
    vals = read_env_file(f, ENV_FILE_LIMIT) if f is not None else {}
    lay = Layers(sc, run, f, vals)
    root = effective_goroot(lay)
    if root is not None and os.path.isfile(root / "go.env"):
        lay.goroot_env = root / "go.env"
        lay.goroot_vals = read_env_file(root / "go.env", GO_ENV_LIMIT)
    return lay


def effective_goroot(lay: Layers) -> Path | None:
    """The GOROOT the go that runs uses: the shim's toolchain, else a GOROOT variable (the
    environment, then the go env file), else the binary's own tree."""
    if lay.run.shim and lay.run.selection is not None and getattr(lay.run.selection, "root", None):
        return lay.run.root
    s = lay.sc.var("GOROOT") or (lay.file_vals.get("GOROOT", ("", 0))[0])
    if s:
        return Path(s)
    return lay.run.root


# ---- checks ---------------------------------------------------------------------------------


def _check_goroot(lay: Layers) -> Iterator[Finding]:
    from gover.toolchain import store

    s = lay.get("GOROOT")
    if s is None or s.layer == "go.env":
        return
    run, sc = lay.run, lay.sc
    where = lay.where(s)
    root = Path(s.value)
    real = run.root
    shimmed = run.shim and run.selection is not None and getattr(run.selection, "root", None)
    problem = ""
    if not os.path.isabs(s.value) or not os.path.isdir(root):
        problem = "missing"
    elif store.tree_version(root) is None and not os.path.isdir(root / "pkg" / "tool"):
        problem = "not-go"
    elif run.version and store.tree_version(root) and store.tree_version(root) != run.version:
        problem = "mismatch"
    if shimmed:
        extra = {
            "missing": ", a directory that does not exist",
            "not-go": ", which is not a Go tree",
            "mismatch": f", a {store.tree_version(root)} tree",
            "": "",
        }[problem]
        yield finding(
            D,
            "goroot-set",
            "warning",
            f"GOROOT={s.value} is set{extra}; gover's shims set GOROOT for each call, so it "
            "only reaches what runs a go without the shims (IDEs, $GOROOT/bin/go, other tools)",
            where,
            lay.drop(s),
        )
        return
    if problem == "missing":
        if s.layer == "goenv":
            fix = f"GOROOT={real or '<the root of your go>'} go env -u GOROOT"
        else:
            fix = lay.drop(s)
        yield finding(
            D,
            "goroot-missing",
            "error",
            f"GOROOT={s.value} does not exist: every go command fails with "
            f"`go: cannot find GOROOT directory: {s.value}`"
            + (" (even `go env -u GOROOT`)" if s.layer == "goenv" else ""),
            where,
            fix,
        )
    elif problem == "not-go":
        yield finding(
            D,
            "goroot-not-go",
            "error",
            f"GOROOT={s.value} is not a Go tree (no VERSION, no pkg/tool): go cannot find the "
            "standard library (`package … is not in std` / `cannot find package`)",
            where,
            lay.drop(s),
        )
    elif problem == "mismatch":
        tv = store.tree_version(root)
        yield finding(
            D,
            "goroot-mismatch",
            "error",
            f"GOROOT={s.value} holds {tv}, but the go that runs ({run.path}) is {run.version}: "
            f'go build fails with `compile: version "{tv}" does not match go tool version '
            f'"{run.version}"`',
            where,
            lay.drop(s),
        )
    elif shims_on_path(sc):
        yield finding(
            D,
            "goroot-set",
            "warning",
            f"GOROOT={s.value} is set; gover's shims set GOROOT for each call, and a fixed "
            "GOROOT breaks go build as soon as another version runs",
            where,
            lay.drop(s),
        )


def _user_cache_dir(sc: Scope) -> str | None:
    xdg = sc.var("XDG_CACHE_HOME") or ""
    if xdg:
        return xdg if os.path.isabs(xdg) else None
    h = sc.var("HOME") or ""
    return os.path.join(h, ".cache") if h else None


@dataclass(frozen=True)
class Dir:
    name: str  # GOCACHE, GOMODCACHE, ...
    path: str
    setting: Setting | None  # None: go's default
    default_from: str = ""  # how the default was made ("GOPATH/pkg/mod")


_RELATIVE = {
    "GOPATH": 'go: GOPATH entry is relative; must be absolute path: "{v}".',
    "GOCACHE": "build cache is required, but could not be located: GOCACHE is not an absolute path",
    "GOMODCACHE": 'GOMODCACHE entry is relative; must be absolute path: "{v}".',
    "GOBIN": "cannot install, GOBIN must be an absolute path",
}


def _dirs(lay: Layers) -> tuple[list[Dir], list[Finding]]:
    """The directories go writes to, as go computes them; relative ones become findings."""
    out: list[Dir] = []
    bad: list[Finding] = []
    sc = lay.sc

    def rel(name: str, s: Setting, value: str) -> None:
        bad.append(
            finding(
                D,
                f"{name.lower()}-relative",
                "error",
                f"{name}={s.value} is a relative path: go fails with `{_RELATIVE[name].format(v=value)}`",
                lay.where(s),
                f"set {name} to an absolute path (e.g. {name}=$HOME/{value.lstrip('./~') or 'go'}) where it is set",
            )
        )

    gp = lay.get("GOPATH")
    home = sc.var("HOME") or ""
    gopath0: str | None = os.path.join(home, "go") if home else None
    if gp is not None:
        entries = [e for e in gp.value.split(os.pathsep) if e]
        for e in entries:
            if not os.path.isabs(e):
                rel("GOPATH", gp, e)
                break
        gopath0 = entries[0] if entries and os.path.isabs(entries[0]) else None
    gc = lay.get("GOCACHE")
    if gc is not None:
        if gc.value == "off":
            bad.append(
                finding(
                    D,
                    "gocache-off",
                    "error",
                    "GOCACHE=off: go build fails with `build cache is disabled by GOCACHE=off, "
                    "but required as of Go 1.12`",
                    lay.where(gc),
                    lay.drop(gc),
                )
            )
        elif not os.path.isabs(gc.value):
            rel("GOCACHE", gc, gc.value)
        else:
            out.append(Dir("GOCACHE", gc.value, gc))
    else:
        ucd = _user_cache_dir(sc)
        if ucd is not None:
            out.append(Dir("GOCACHE", os.path.join(ucd, "go-build"), None, "the default"))
    gm = lay.get("GOMODCACHE")
    if gm is not None:
        if not os.path.isabs(gm.value):
            rel("GOMODCACHE", gm, gm.value)
        else:
            out.append(Dir("GOMODCACHE", gm.value, gm))
    elif gopath0 is not None:
        out.append(Dir("GOMODCACHE", os.path.join(gopath0, "pkg", "mod"), None, "GOPATH/pkg/mod"))
    gb = lay.get("GOBIN")
    if gb is not None:
        if not os.path.isabs(gb.value):
            rel("GOBIN", gb, gb.value)
        else:
            out.append(Dir("GOBIN", gb.value, gb))
    gt = lay.get("GOTMPDIR")
    if gt is not None:
        if not os.path.isabs(gt.value):
            bad.append(
                finding(
                    D,
                    "gotmpdir-relative",
                    "warning",
                    f"GOTMPDIR={gt.value} is relative: go build fails with `go: creating work "
                    f"dir: stat {gt.value}: no such file or directory` in every directory "
                    "that has no such subdirectory",
                    lay.where(gt),
                    "set GOTMPDIR to an absolute path where it is set",
                )
            )
        elif not os.path.isdir(gt.value):
            bad.append(
                finding(
                    D,
                    "gotmpdir-missing",
                    "error",
                    f"GOTMPDIR={gt.value} does not exist: go build fails with `go: creating "
                    f"work dir: stat {gt.value}: no such file or directory`",
                    lay.where(gt),
                    f"mkdir -p {gt.value}",
                )
            )
        else:
            out.append(Dir("GOTMPDIR", gt.value, gt))
    return out, bad


def _where_dir(lay: Layers, d: Dir) -> str:
    if d.setting is not None:
        return lay.where(d.setting)
    return display(d.path, lay.sc.home)


def _writable(path: str) -> tuple[bool, str]:
    """Whether go can write there: the directory, or the nearest existing parent it would
    create it in. Returns (ok, the directory that decided)."""
    eff = os.access in os.supports_effective_ids
    p = path
    while not os.path.lexists(p):
        parent = os.path.dirname(p)
        if parent == p:
            return True, p
        p = parent
    if not os.path.isdir(p):
        return False, p
    return os.access(p, os.W_OK | os.X_OK, effective_ids=eff), p


def scan_foreign(top: str, uid: int, budget: float = SCAN_SECONDS) -> tuple[str | None, int, int]:
    """A bounded breadth-first sample of `top`: the first entry not owned by `uid`, the
    owner's uid, and how many entries were looked at. Symlinks are not followed; at most
    SCAN_PER_DIR entries per directory and SCAN_ENTRIES in all, within `budget` seconds."""
    deadline = time.monotonic() + budget
    seen = 0
    queue: deque[str] = deque([top])
    try:
        st = os.lstat(top)
    except OSError:
        return None, 0, 0
    if st.st_uid != uid:
        return top, st.st_uid, 1
    while queue and seen < SCAN_ENTRIES and time.monotonic() < deadline:
        d = queue.popleft()
        try:
            with os.scandir(d) as it:
                for n, entry in enumerate(it):
                    if n >= SCAN_PER_DIR or seen >= SCAN_ENTRIES:
                        break
                    seen += 1
                    try:
                        est = entry.stat(follow_symlinks=False)
                    except OSError:
                        continue
                    if est.st_uid != uid:
                        return entry.path, est.st_uid, seen
                    if entry.is_dir(follow_symlinks=False):
                        queue.append(entry.path)
        except OSError:
            continue
    return None, 0, seen


def _owner(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except (KeyError, OverflowError):
        return str(uid)


def _user(sc: Scope) -> str:
    return _owner(os.geteuid())


def _check_dirs(lay: Layers, dirs: list[Dir]) -> Iterator[Finding]:
    sc = lay.sc
    uid = os.geteuid()
    for d in dirs:
        ok, at = _writable(d.path)
        if not ok:
            sev: Severity = "warning" if d.name == "GOBIN" else "error"
            effect = {
                "GOCACHE": "go build fails with `permission denied` (or `read-only file system`)",
                "GOMODCACHE": "downloading a module fails with `mkdir …: permission denied`",
                "GOBIN": "go install fails with `permission denied`",
                "GOTMPDIR": "go build fails: `go: creating work dir: … permission denied`",
            }[d.name]
            src = (
                f"{d.name}={d.path}"
                if d.setting is not None
                else f"{d.name} ({d.default_from}: {d.path})"
            )
            yield finding(
                D,
                f"{d.name.lower()}-unwritable",
                sev,
                f"{src}: {at} is not writable by {_user(sc)}: {effect}",
                _where_dir(lay, d),
                f"sudo chown -R {_user(sc)} {at}"
                if _ownerless(at, uid)
                else f"set {d.name} to a directory you can write",
            )
            continue
        if uid != 0 and d.name in ("GOCACHE", "GOMODCACHE") and os.path.isdir(d.path):
            bad, owner, _seen = scan_foreign(d.path, uid)
            if bad is not None:
                effect = (
                    "go build fails with `permission denied` inside it"
                    if d.name == "GOCACHE"
                    else "go clean -modcache and module downloads fail with `permission denied`"
                )
                yield finding(
                    D,
                    f"{d.name.lower()}-foreign-files",
                    "error",
                    f"{d.name} {d.path} holds files owned by {_owner(owner)} (e.g. {bad}; "
                    f"after a `sudo go …`?): {effect}",
                    _where_dir(lay, d),
                    f"sudo chown -R {_user(sc)} {d.path}",
                )


def _ownerless(path: str, uid: int) -> bool:
    """The directory belongs to someone else (chown fixes it), not a read-only mount."""
    try:
        return os.stat(path).st_uid != uid
    except OSError:
        return False


# ---- noexec --------------------------------------------------------------------------------

_OCTAL = re.compile(r"\\([0-7]{3})")


def _unescape(text: str) -> str:
    return _OCTAL.sub(lambda m: chr(int(m.group(1), 8)), text)


def mount_of(
    path: str, mountinfo: Path = Path("/proc/self/mountinfo")
) -> tuple[str, set[str]] | None:
    """The mount point holding `path` and its per-mount options, from mountinfo (the last
    mount on the longest matching point wins: that is the one on top)."""
    try:
        data = fsutil.read_limited(mountinfo, MOUNTINFO_LIMIT).decode("utf-8", "surrogateescape")
    except OSError:
        return None
    real = os.path.realpath(path)
    best: tuple[str, set[str]] | None = None
    for line in data.splitlines():
        f = line.split(" ")
        if len(f) < 6:
            continue
        mp = _unescape(f[4])
        inside = real == mp or real.startswith(mp.rstrip("/") + "/")
        if inside and (best is None or len(mp) >= len(best[0])):
            best = (mp, set(f[5].split(",")))
    return best


def _check_noexec(lay: Layers) -> Iterator[Finding]:
    sc = lay.sc
    gt = lay.get("GOTMPDIR")
    if gt is not None:
        if not os.path.isabs(gt.value):
            return
        path, where, name = gt.value, lay.where(gt), "GOTMPDIR"
    else:
        tmp = sc.var("TMPDIR") or ""
        if tmp and os.path.isabs(tmp):
            path, where, name = tmp, lay.where(Setting("TMPDIR", tmp, "environment")), "TMPDIR"
        else:
            path, where, name = "/tmp", "/tmp", "/tmp"
    m = mount_of(path)
    if m is None or "noexec" not in m[1]:
        return
    home = sc.var("HOME") or str(sc.home)
    cache = _user_cache_dir(sc) or os.path.join(home, ".cache")
    target = os.path.join(cache, "go-tmp")
    fix = (
        f"point GOTMPDIR at a directory on a mount without noexec, e.g. {target}"
        if name == "GOTMPDIR"
        else f"mkdir -p {target} and export GOTMPDIR={target} in your shell start-up file"
    )
    yield finding(
        D,
        "tmpdir-noexec",
        "error",
        f"go builds its test and run binaries under {name} ({path}), on {m[0]} mounted noexec: "
        "go run and go test fail with `fork/exec …/go-build…/exe/…: permission denied`",
        where,
        fix,
    )


def _check_gobin_path(lay: Layers) -> Iterator[Finding]:
    sc = lay.sc
    entries = {os.path.normpath(e) for e in path_entries(sc) if e}
    reals = {os.path.realpath(e) for e in entries}
    gb = lay.get("GOBIN")
    if gb is not None:
        if not os.path.isabs(gb.value):
            return
        target, where, what = gb.value, lay.where(gb), f"GOBIN={gb.value}"
    else:
        gp = lay.get("GOPATH")
        first = gp.value.split(os.pathsep)[0] if gp else os.path.join(sc.var("HOME") or "", "go")
        if not os.path.isabs(first):
            return
        target = os.path.join(first, "bin")
        try:
            if not any(os.scandir(target)):
                return
        except OSError:
            return
        where, what = display(target, sc.home), f"go install's directory {target} (GOPATH/bin)"
    if os.path.normpath(target) in entries or os.path.realpath(target) in reals:
        return
    yield finding(
        D,
        "gobin-off-path",
        "warning",
        f"{what} is not on PATH: what go install puts there is `not found` by name",
        where,
        f'export PATH="{target}:$PATH" in your shell start-up file',
    )


def _check_go111module(lay: Layers) -> Iterator[Finding]:
    s = lay.get("GO111MODULE")
    if s is None:
        return
    if s.value not in ("on", "off", "auto"):
        yield finding(
            D,
            "go111module-invalid",
            "error",
            f"GO111MODULE={s.value}: every go command fails with `go: unknown environment "
            f"setting GO111MODULE={s.value}`",
            lay.where(s),
            lay.drop(s),
        )
    elif s.value == "off":
        yield finding(
            D,
            "go111module-off",
            "warning",
            "GO111MODULE=off: go ignores go.mod (GOPATH mode), so a module's own packages and "
            "its requirements fail with `cannot find package … (from $GOROOT) … (from $GOPATH)`",
            lay.where(s),
            lay.drop(s),
        )


def quoted_split(text: str) -> list[str] | None:
    """cmd/internal/quoted.Split: space-separated fields, a field may be wholly quoted with
    ' or "; None on an unterminated quote."""
    out: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        while i < n and text[i] in " \t\n\r":
            i += 1
        if i >= n:
            break
        if text[i] in "'\"":
            q = text[i]
            j = text.find(q, i + 1)
            if j < 0:
                return None
            out.append(text[i + 1 : j])
            i = j + 1
            continue
        j = i
        while j < n and text[j] not in " \t\n\r":
            j += 1
        out.append(text[i:j])
        i = j
    return out


def _check_goflags(lay: Layers) -> Iterator[Finding]:
    s = lay.get("GOFLAGS")
    if s is None:
        return
    fields = quoted_split(s.value)
    problem = ""
    if fields is None:
        problem = (
            "an unterminated quote: go fails with `go: parsing $GOFLAGS: unterminated … string`"
        )
    else:
        for f in fields:
            bad_start = (
                not f.startswith("-") or f in ("-", "--") or f.startswith(("---", "-=", "--="))
            )
            if bad_start:
                problem = (
                    f'{f!r} is not a flag: go fails with `go: parsing $GOFLAGS: non-flag "{f}"`'
                )
                break
            name, _, value = f.lstrip("-").partition("=")
            if name == "mod" and value not in ("", "mod", "readonly", "vendor"):
                problem = (
                    f"`-mod={value} not supported (can be '', 'mod', 'readonly', or 'vendor')`"
                )
                break
            if '"' in f or "'" in f:
                problem = (
                    f"{f!r} keeps its quote characters (values cannot hold spaces; repeat the "
                    "flag instead): go fails with `invalid value … (from $GOFLAGS)`"
                )
                break
    if problem:
        yield finding(
            D,
            "goflags-syntax",
            "error",
            f"GOFLAGS={s.value}: {problem}",
            lay.where(s),
            "write GOFLAGS as space-separated -flag=value words, e.g. GOFLAGS='-mod=mod -trimpath'",
        )


def proxy_problems(value: str) -> tuple[str | None, str | None]:
    """What go's proxyList says about a GOPROXY value: (an error go prints, entries never
    used after direct/off)."""
    rest = value
    seen = 0
    while rest:
        i = min((k for k in (rest.find(","), rest.find("|")) if k >= 0), default=-1)
        if i >= 0:
            url, rest = rest[:i], rest[i + 1 :]
        else:
            url, rest = rest, ""
        url = url.strip()
        if not url:
            continue
        seen += 1
        if url in ("off", "direct"):
            tail = [u.strip() for u in re.split(r"[,|]", rest) if u.strip()]
            return None, (f"{', '.join(tail)} after {url}" if tail else None)
        if any(c in url for c in ".:/") and ":/" not in url and not url.startswith("/"):
            url = "https://" + url
        m = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*):", url)
        if m is None:
            return f"invalid proxy URL missing scheme: {url}", None
        if m.group(1).lower() not in ("http", "https", "file"):
            return f"invalid proxy URL scheme (must be https, http, file): {url}", None
    if seen == 0:
        return "GOPROXY list is not the empty string, but contains no entries", None
    return None, None


def _check_goproxy(lay: Layers) -> Iterator[Finding]:
    s = lay.get("GOPROXY")
    if s is None:
        return
    err, unused = proxy_problems(s.value)
    if err is not None:
        yield finding(
            D,
            "goproxy-syntax",
            "error",
            f"GOPROXY={s.value}: module downloads fail with `{err}`",
            lay.where(s),
            "set GOPROXY to URLs, direct or off joined by , or |, e.g. "
            "GOPROXY=https://proxy.golang.org,direct",
        )
    elif unused is not None:
        yield finding(
            D,
            "goproxy-unused",
            "warning",
            f"GOPROXY={s.value}: go never tries {unused} (it stops at direct and off)",
            lay.where(s),
            "put direct or off last in GOPROXY",
        )


def bad_glob(pattern: str) -> bool:
    """Whether Go's path.Match rejects `pattern` (ErrBadPattern): a trailing backslash, an
    unterminated or empty class, a class range out of order."""
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\":
            if i + 1 >= n:
                return True
            i += 2
            continue
        if c != "[":
            i += 1
            continue
        i += 1
        if i < n and pattern[i] == "^":
            i += 1
        nrange = 0
        while True:
            if i < n and pattern[i] == "]" and nrange > 0:
                i += 1
                break
            lo, i = _esc(pattern, i)
            if lo is None:
                return True
            if i < n and pattern[i] == "-":
                hi, i = _esc(pattern, i + 1)
                if hi is None or hi < lo:
                    return True
            nrange += 1
    return False


def _esc(p: str, i: int) -> tuple[str | None, int]:
    if i >= len(p) or p[i] in "-]":
        return None, i
    if p[i] == "\\":
        i += 1
        if i >= len(p):
            return None, i
    return p[i], i + 1


def _check_patterns(lay: Layers) -> Iterator[Finding]:
    for name in PATTERN_VARS:
        s = lay.get(name)
        if s is None:
            continue
        for pat in (p.strip() for p in s.value.split(",")):
            if not pat:
                continue
            why = ""
            if bad_glob(pat):
                why = f"{pat!r} is not a valid pattern (Go's path.Match syntax), so go ignores it"
            elif "://" in pat:
                why = f"{pat!r} is a URL, but the patterns match module paths (example.com/org), so it never matches"
            if why:
                yield finding(
                    D,
                    f"{name.lower()}-syntax",
                    "warning",
                    f"{name}={s.value}: {why}: the modules it was meant for still go through "
                    "GOPROXY and the checksum database",
                    lay.where(s),
                    f"write {name} as comma-separated module path patterns, e.g. "
                    f"{name}={_suggest(pat)}",
                )
                break


def _suggest(pat: str) -> str:
    p = pat.split("://", 1)[-1].strip("/")
    p = re.sub(r"[\[\]\\]", "", p)
    return p or "example.com/private"


def toolchain_valid(value: str) -> bool:
    """GOTOOLCHAIN as go ≥1.21 accepts it (toolchain/select.go)."""
    from gover.versions import GoVersion

    if value in ("auto", "path", "local"):
        return True
    low, plus, suffix = value.partition("+")
    if plus and suffix not in TOOLCHAIN_MODES:
        return False
    if low == "local":
        return True
    name = low[2:] if low.startswith("go") else low.rpartition("-go")[2]
    if not (low.startswith("go1") or "-go1" in low):
        return False
    return GoVersion.try_parse(name.split("-", 1)[0]) is not None


def toolchain_setting(lay: Layers) -> Setting | None:
    """The GOTOOLCHAIN the go that runs sees: the shims set local when the user set none."""
    env = lay.sc.var("GOTOOLCHAIN") or ""
    if env:
        return Setting("GOTOOLCHAIN", env, "environment")
    if lay.run.shim and lay.run.selection is not None and getattr(lay.run.selection, "root", None):
        return Setting("GOTOOLCHAIN", "local", "shim")
    return lay.get("GOTOOLCHAIN")


def reads_toolchain(version: str | None) -> bool:
    from gover.versions import GoVersion

    v = GoVersion.try_parse(version) if version else None
    return v is not None and v >= GoVersion.parse("1.21")


def _check_gotoolchain(lay: Layers) -> Iterator[Finding]:
    from gover.versions import GoVersion

    run = lay.run
    shimmed = run.shim and run.selection is not None and getattr(run.selection, "root", None)
    filed = lay.file_vals.get("GOTOOLCHAIN")
    if shimmed and not (lay.sc.var("GOTOOLCHAIN") or "") and filed and filed[0] and lay.file:
        yield finding(
            D,
            "goenv-hidden",
            "warning",
            f"`go env -w` set GOTOOLCHAIN={filed[0]}, but gover's shims run go with "
            "GOTOOLCHAIN=local when the environment sets none, so the file's value never counts",
            f"{display(lay.file, lay.sc.home)}:{filed[1]}",
            f"go env -u GOTOOLCHAIN and export GOTOOLCHAIN={filed[0]} in your shell start-up file",
        )
    for layer in ("environment", "goenv", "go.env"):
        s = _layer(lay, "GOTOOLCHAIN", layer)
        if s is not None and not toolchain_valid(s.value):
            newer = reads_toolchain(run.version)
            yield finding(
                D,
                "gotoolchain-invalid",
                "error" if newer or run.version is None else "warning",
                f"GOTOOLCHAIN={s.value} is not a toolchain setting: go 1.21 and later fail with "
                f'`go: invalid GOTOOLCHAIN "{s.value}"`'
                + ("" if newer else f" ({run.version} ignores it, a newer go will not)"),
                lay.where(s),
                "set GOTOOLCHAIN to local, auto, path, or goX.Y.Z[+auto|+path] there",
            )
            return
    s = toolchain_setting(lay)
    if s is None or s.layer == "shim" or not reads_toolchain(run.version):
        return
    low = s.value.partition("+")[0]
    if low in ("local", "auto", "path"):
        return
    want = GoVersion.try_parse(low[2:]) if low.startswith("go") else None
    have = GoVersion.try_parse(run.version or "")
    if want is None or have is None or want <= have:
        return
    yield finding(
        D,
        "gotoolchain-forced",
        "warning",
        f"GOTOOLCHAIN={s.value}: every go command here runs {low} (downloaded into the module "
        f"cache), not the {run.version} on PATH" + (" that gover selects" if run.shim else ""),
        lay.where(s),
        lay.drop(s),
    )


def _layer(lay: Layers, name: str, layer: str) -> Setting | None:
    if layer == "environment":
        v = lay.sc.var(name) or ""
        return Setting(name, v, layer) if v else None
    vals, f = (lay.file_vals, lay.file) if layer == "goenv" else (lay.goroot_vals, lay.goroot_env)
    if f is None or name not in vals or not vals[name][0]:
        return None
    return Setting(name, vals[name][0], layer, f, vals[name][1])


def _check_hidden(lay: Layers) -> Iterator[Finding]:
    if lay.file is None:
        return
    for name, (value, line) in sorted(lay.file_vals.items(), key=lambda kv: kv[1][1]):
        env = lay.sc.var(name) or ""
        if not value or not env or env == value:
            continue
        s = Setting(name, env, "environment")
        yield finding(
            D,
            "goenv-hidden",
            "warning",
            f"`go env -w` set {name}={value} in {display(lay.file, lay.sc.home)}:{line}, but "
            f"the environment's {name}={env} wins: go ignores the file's value",
            lay.where(s),
            f"go env -u {name} (keeps today's behaviour), or remove the export if the file's value is the one you want",
        )


def run(sc: Scope) -> list[Finding]:
    lay = layers(sc)
    out: list[Finding] = []
    out += _check_goroot(lay)
    dirs, rel = _dirs(lay)
    out += rel
    out += _check_dirs(lay, dirs)
    out += _check_noexec(lay)
    out += _check_gobin_path(lay)
    out += _check_go111module(lay)
    out += _check_goflags(lay)
    out += _check_goproxy(lay)
    out += _check_patterns(lay)
    out += _check_gotoolchain(lay)
    out += _check_hidden(lay)
    return out


def notes(sc: Scope) -> list[str]:
    lay = layers(sc)
    run_ = lay.run
    where = (
        "no go on PATH"
        if run_.path is None
        else f"go on PATH: {run_.path} ({run_.version or 'version unknown'}{', a gover shim' if run_.shim else ''})"
    )
    out = [
        f"Go variables: {where}; go env -w file: {display(lay.file, sc.home) if lay.file else 'none (GOENV=off)'}"
    ]
    s = toolchain_setting(lay)
    if reads_toolchain(run_.version):
        if s is None:
            out.append("GOTOOLCHAIN: unset everywhere: go runs itself (local)")
        else:
            src = {
                "environment": "the environment",
                "shim": "gover's shims",
                "goenv": display(lay.file or "", sc.home),
                "go.env": display(lay.goroot_env or "", sc.home),
            }[s.layer]
            mode = s.value.rpartition("+")[2] if "+" in s.value else s.value
            act = (
                "go switches to a newer toolchain when go.mod or go.work asks"
                if mode in TOOLCHAIN_MODES
                else "go does not switch toolchains"
            )
            out.append(f"GOTOOLCHAIN={s.value} (from {src}): {act}")
    return out


DETECTOR = Detector(D, run, notes)
