"""Detector 3: shell start-up files — which files each kind of shell really reads, and every
line there that sets a Go variable or puts a directory on PATH.

Shells are traced, not parsed (DOCTOR.md): bash and zsh run with xtrace and a PS4 that
carries file and line, fish with `fish_trace` (which names each sourced file; a traced
command is matched back to its line), all at once, each as opening a terminal would (`true`
as the command, stdin /dev/null, a new session without a TTY, a timeout, the Scope's
environment) and killed with everything it started when done. nu has no trace: its files are
read (env.nu, config.nu, login.nu, the autoload directories). `--static` reads every shell's
files instead (the common forms, `source` chains, bash's first-of rule, zsh's order) and the
notes say which method each context used. What a line does (the variable, the directories it
puts before or after PATH) is always read from the line as written.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import selectors
import shlex
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from gover import paths
from gover.constants import SETUP_BLOCK_BEGIN, SETUP_BLOCK_END
from gover.doctor.model import Assignment, Detector, Finding, Scope, Severity, display, finding
from gover.fsutil import read_limited
from gover.select import shells as shellinfo

NAME = "startup"
TIMEOUT = 2.0  # seconds for all traces together (they run at once)
TRACE_CAP = 8 << 20  # bytes of trace per shell; a start-up loop is cut there
FILE_CAP = 1 << 20  # bytes read of one start-up file
MAX_DEPTH = 12  # source chains followed when reading

_MARK = "\x1eGOVT\x1f"
_SEP = "\x1f"
_TRACE_RE = re.compile(rb"\x1eGOVT\x1f([^\x1f\n]*)\x1f(\d+)\x1f")
_GO_VAR = re.compile(r"(?:GO[A-Z0-9_]*|CGO_[A-Z0-9_]+)\Z")
# Variables whose value overrides what a version manager chose.
_OVERRIDES = ("GOROOT", "GOTOOLCHAIN")
_GO_NAME = re.compile(
    r"(?:^|/)(?:go|go-?\d[\w.]*|golang[\w.-]*|sdk)(?:/|$)|\$\{?GO(?:ROOT|PATH|BIN)"
)

Event = tuple[Path, int]


# ---- what a line does -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Set:
    """One assignment on a line: the variable, its text, and for PATH the directories put
    before and after the old value."""

    var: str
    value: str
    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()


_SH_ASSIGN = re.compile(
    r"""(?:^|[\s;&|(`{])(?:(?:export|declare|typeset|local|readonly)(?:\s+-[a-zA-Z]+)*\s+)?"""
    r"""([A-Za-z_][A-Za-z0-9_]*)(\+?=)((?:"[^"]*"|'[^']*'|\\.|[^\s;&|)`])*)"""
)
_ZSH_PATH = re.compile(r"(?:^|[\s;&|(])path(\+?=)\(([^)]*)\)")
_SH_SOURCE = re.compile(
    r"""(?:^|[;&|{(]\s*|\bthen\s+|\bdo\s+|\belse\s+)(?:\.|source)\s+("[^"]+"|'[^']+'|[^\s;&|)]+)"""
)
_FISH_SOURCE = re.compile(
    r"""(?:^|;\s*|\band\s+|\bor\s+)(?:source|\.)\s+("[^"]+"|'[^']+'|[^\s;]+)"""
)
_NU_SOURCE = re.compile(r"""^\s*(?:source|source-env)\s+("[^"]+"|'[^']+'|[^\s;()]+)\s*$""")
_OLD_PATH = {"$PATH", "${PATH}", "$path", "${path}", "$path[@]", "${path[@]}", "$fish_user_paths"}


def _unquote(word: str) -> str:
    return word.replace('"', "").replace("'", "")


class _Expand:
    """Expands $HOME, ~ and variables the files set (or the environment holds) in a word."""

    _VAR = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?")

    def __init__(self, sc: Scope) -> None:
        self.home = str(sc.home)
        self.known: dict[str, str] = {k: v for k, v in sc.env.items() if _GO_VAR.match(k)}
        self.known["HOME"] = self.home

    def __call__(self, word: str) -> str:
        word = _unquote(word)
        if word == "~" or word.startswith("~/"):
            word = self.home + word[1:]
        return self._VAR.sub(lambda m: self.known.get(m.group(1), m.group(0)), word)


def _split_path(words: list[str], expand: _Expand) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(before, after) the old PATH among `words`; no old PATH: everything is before."""
    old = next((i for i, w in enumerate(words) if _unquote(w) in _OLD_PATH), None)
    if old is None:
        return tuple(expand(w) for w in words if w), ()
    return (
        tuple(expand(w) for w in words[:old] if w),
        tuple(expand(w) for w in words[old + 1 :] if w),
    )


def _parse_sh(text: str, expand: _Expand) -> list[_Set]:
    stripped = text.strip()
    if not stripped or stripped.startswith("#"):
        return []
    out: list[_Set] = []
    for m in _SH_ASSIGN.finditer(text):
        var, op, value = m.group(1), m.group(2), m.group(3)
        if var == "PATH":
            words = _unquote(value).split(":")
            if op == "+=":
                out.append(_Set("PATH", value, (), tuple(expand(w) for w in words if w)))
            else:
                before, after = _split_path(words, expand)
                out.append(_Set("PATH", value, before, after))
        elif _GO_VAR.match(var) or var == "ZDOTDIR":
            out.append(_Set(var, value))
            if op == "=" and "$(" not in value and "`" not in value:
                expand.known[var] = expand(value)
    for m in _ZSH_PATH.finditer(text):
        words = m.group(2).split()
        if m.group(1) == "+=":
            out.append(_Set("PATH", m.group(2), (), tuple(expand(w) for w in words)))
        else:
            before, after = _split_path(words, expand)
            out.append(_Set("PATH", m.group(2), before, after))
    return out


def _words(text: str) -> list[str]:
    try:
        return shlex.split(text, comments=True, posix=False)
    except ValueError:
        return text.split()


def _parse_fish(text: str, expand: _Expand) -> list[_Set]:
    stripped = text.strip()
    if not stripped or stripped.startswith("#"):
        return []
    out: list[_Set] = []
    for part in re.split(r";\s*", stripped):
        words = _words(re.sub(r"^(?:and|or|not|if|else if|while)\s+", "", part.strip()))
        if len(words) >= 2 and words[0] == "set":
            i = 1
            flags = []
            while i < len(words) and words[i].startswith("-"):
                flags.append(words[i])
                i += 1
            if i >= len(words) or any(f in ("-e", "--erase", "-q", "--query") for f in flags):
                continue
            var, values = words[i], words[i + 1 :]
            value = " ".join(values)
            if var in ("PATH", "fish_user_paths"):
                before, after = _split_path(values, expand)
                out.append(_Set("PATH", value, before, after))
            elif _GO_VAR.match(var):
                out.append(_Set(var, value))
                expand.known[var] = expand(value)
        elif words and words[0] == "fish_add_path":
            flags = [w for w in words[1:] if w.startswith("-")]
            dirs = tuple(expand(w) for w in words[1:] if not w.startswith("-"))
            append = any(f == "--append" or re.fullmatch(r"-[a-zA-Z]*a[a-zA-Z]*", f) for f in flags)
            out.append(
                _Set("PATH", " ".join(words[1:]), () if append else dirs, dirs if append else ())
            )
    return out


_NU_ENV = re.compile(r"""^\s*\$env\.([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.+?)\s*$""")
_NU_PEND = re.compile(r"\|\s*(prepend|append)\s+(.+?)\)?\s*$")


def _parse_nu(text: str, expand: _Expand) -> list[_Set]:
    stripped = text.strip()
    if not stripped or stripped.startswith("#"):
        return []
    m = _NU_ENV.match(stripped)
    if m is None:
        add = re.match(r"^\s*path add\s+(.+?)\s*$", stripped)
        if add is None:
            return []
        words = [w for w in _words(add.group(1)) if not w.startswith("-")]
        dirs = tuple(expand(w) for w in words)
        if "--append" in add.group(1) or " -a" in add.group(1):
            return [_Set("PATH", add.group(1), (), dirs)]
        return [_Set("PATH", add.group(1), dirs, ())]
    var, value = m.group(1), m.group(2)
    if var in ("PATH", "Path"):
        pend = _NU_PEND.search(value)
        if pend is None:
            return [_Set("PATH", value)]
        words = _words(pend.group(2).strip("[]"))
        dirs = tuple(expand(w) for w in words if w not in ("|",))
        if pend.group(1) == "prepend":
            return [_Set("PATH", value, dirs, ())]
        return [_Set("PATH", value, (), dirs)]
    if _GO_VAR.match(var):
        expand.known[var] = expand(value)
        return [_Set(var, value)]
    return []


def _syntax(path: Path) -> str:
    if path.suffix == ".fish":
        return "fish"
    if path.suffix == ".nu":
        return "nu"
    return "sh"


# ---- files ----------------------------------------------------------------------------------


class _Files:
    """Start-up files read once each (bounded, never blocking on a FIFO)."""

    def __init__(self) -> None:
        self.lines: dict[Path, list[str] | None] = {}
        self.truncated: set[Path] = set()

    def get(self, path: Path) -> list[str] | None:
        if path not in self.lines:
            try:
                data = read_limited(path, FILE_CAP + 1)
            except OSError:
                self.lines[path] = None
                return None
            if len(data) > FILE_CAP:
                data = data[:FILE_CAP]
                self.truncated.add(path)
            self.lines[path] = data.decode("utf-8", "surrogateescape").splitlines()
        return self.lines[path]

    def text(self, event: Event) -> str:
        lines = self.get(event[0]) or []
        return lines[event[1] - 1] if 0 < event[1] <= len(lines) else ""

    def blocks(self, path: Path) -> list[tuple[int, int]]:
        """gover's marked blocks in `path`: (first line, last line), markers included."""
        out: list[tuple[int, int]] = []
        begin = None
        for n, line in enumerate(self.get(path) or [], 1):
            s = line.strip()
            if s == SETUP_BLOCK_BEGIN:
                begin = n
            elif s == SETUP_BLOCK_END and begin is not None:
                out.append((begin, n))
                begin = None
        return out


def _isfile(path: Path, cache: dict[Path, bool]) -> bool:
    if path not in cache:
        cache[path] = os.path.isfile(path)
    return cache[path]


# ---- contexts -------------------------------------------------------------------------------


@dataclass
class _Run:
    shell: str
    mode: str
    method: str  # "traced" | "read" | "none"
    events: list[Event] = field(default_factory=list)
    note: str = ""
    ms: float = 0.0

    @property
    def ctx(self) -> str:
        return f"{self.shell} {self.mode}"


def _zdot(sc: Scope) -> Path:
    return shellinfo.zdotdir(sc.home, sc.env)


def _nu_dir(sc: Scope) -> Path:
    return shellinfo.nu_autoload_dir(sc.home, "linux", sc.env).parent


def _fish_dir(sc: Scope) -> Path:
    return shellinfo.config_home(sc.home, sc.env) / "fish"


def user_files(shell: str, sc: Scope) -> list[Path]:
    """The user's own start-up files for `shell`, whether they exist or not."""
    h = sc.home
    if shell == "bash":
        return [h / ".bash_profile", h / ".bash_login", h / ".profile", h / ".bashrc"]
    if shell == "zsh":
        z = _zdot(sc)
        return [z / ".zshenv", z / ".zprofile", z / ".zshrc", z / ".zlogin"]
    if shell == "fish":
        d = _fish_dir(sc)
        return [
            *sorted(Path(p) for p in glob.glob(glob.escape(str(d / "conf.d")) + "/*.fish")),
            d / "config.fish",
        ]
    d = _nu_dir(sc)
    return [
        d / "env.nu",
        d / "config.nu",
        d / "login.nu",
        *sorted(Path(p) for p in glob.glob(glob.escape(str(d / "autoload")) + "/*.nu")),
    ]


def _bash_login_file(sc: Scope) -> Path | None:
    for name in shellinfo.BASH_LOGIN_FILES:
        if (sc.home / name).is_file():
            return sc.home / name
    return None


def _static_files(shell: str, mode: str, sc: Scope) -> list[Path]:
    """The files `shell` reads in `mode`, in order, as its manual says (source chains are
    followed by the reader)."""
    h = sc.home
    if shell == "bash":
        if mode == "login":
            first = _bash_login_file(sc)
            etc = [Path("/etc/profile"), *sorted(Path(p) for p in glob.glob("/etc/profile.d/*.sh"))]
            return etc + ([first] if first else [])
        if mode in ("interactive", "ssh"):
            return [Path("/etc/bash.bashrc"), h / ".bashrc"]
        bash_env = sc.var("BASH_ENV")
        return [Path(bash_env)] if bash_env and os.path.isabs(bash_env) else []
    if shell == "zsh":
        z = _zdot(sc)
        files = [Path("/etc/zsh/zshenv"), z / ".zshenv"]
        if mode == "login":
            files += [Path("/etc/zsh/zprofile"), z / ".zprofile"]
        if mode in ("login", "interactive"):
            files += [Path("/etc/zsh/zshrc"), z / ".zshrc"]
        if mode == "login":
            files += [Path("/etc/zsh/zlogin"), z / ".zlogin"]
        return files
    if shell == "fish":
        d = _fish_dir(sc)
        conf: dict[str, Path] = {}
        for where in ("/usr/share/fish/vendor_conf.d", "/etc/fish/conf.d", str(d / "conf.d")):
            for p in glob.glob(glob.escape(where) + "/*.fish"):
                conf[os.path.basename(p)] = Path(p)  # a user's file hides a same-named one
        return [conf[k] for k in sorted(conf)] + [Path("/etc/fish/config.fish"), d / "config.fish"]
    if mode in ("script", "ssh"):
        return []  # nu -c reads no start-up file
    d = _nu_dir(sc)
    files = [d / "env.nu", d / "config.nu"] + ([d / "login.nu"] if mode == "login" else [])
    for auto in ("/usr/share/nushell/vendor/autoload", "/usr/local/share/nushell/vendor/autoload"):
        files += sorted(Path(p) for p in glob.glob(glob.escape(auto) + "/*.nu"))
    return files + sorted(Path(p) for p in glob.glob(glob.escape(str(d / "autoload")) + "/*.nu"))


def _read_run(run: _Run, sc: Scope, files: _Files, expand: _Expand) -> None:
    """Every line of every file `run` reads, following `source` chains (static)."""
    seen: set[Path] = set()

    def visit(path: Path, depth: int) -> None:
        if depth > MAX_DEPTH or path in seen:
            return
        lines = files.get(path)
        if lines is None:
            return
        seen.add(path)
        syntax = _syntax(path) if run.shell != "fish" else "fish"
        pattern = {"sh": _SH_SOURCE, "fish": _FISH_SOURCE, "nu": _NU_SOURCE}[syntax]
        for n, line in enumerate(lines, 1):
            s = line.strip()
            if not s or s.startswith("#"):
                continue
            run.events.append((path, n))
            m = pattern.search(line)
            if m:
                target = expand(m.group(1))
                if not os.path.isabs(target):
                    target = os.path.join(str(sc.home), target)
                visit(Path(os.path.normpath(target)), depth + 1)

    for f in _static_files(run.shell, run.mode, sc):
        visit(f, 0)


# ---- tracing --------------------------------------------------------------------------------

_UNSHARE_OK: bool | None = None


def _unshare_ok() -> bool:
    """As root bash drops an inherited PS4; in a new user namespace (uid unmapped) it is
    not root, while the kernel still checks files as the real user."""
    global _UNSHARE_OK
    if _UNSHARE_OK is None:
        exe = shutil.which("unshare")
        try:
            _UNSHARE_OK = bool(exe) and (
                subprocess.run(
                    [str(exe), "--user", "true"],
                    stdin=subprocess.DEVNULL,
                    capture_output=True,
                    timeout=2,
                    check=False,
                ).returncode
                == 0
            )
        except (OSError, subprocess.SubprocessError):
            _UNSHARE_OK = False
    return _UNSHARE_OK


_DROP = (
    "SSH_CLIENT", "SSH2_CLIENT", "SSH_CONNECTION", "SSH_TTY", "SHLVL", "PS4", "BASH_XTRACEFD",
    "fish_trace", "PROMPT_COMMAND", "XTRACEFD",
)  # fmt: skip


def _command(shell: str, mode: str, sc: Scope, exe: str) -> tuple[list[str], dict[str, str]]:
    env = {k: v for k, v in sc.env.items() if k not in _DROP}
    env["HOME"] = str(sc.home)
    flags = {"login": ["-l", "-i"], "interactive": ["-i"], "script": [], "ssh": []}[mode]
    if mode == "ssh":
        env["SSH_CLIENT"] = "127.0.0.1 50022 22"
    if shell == "bash":
        env["PS4"] = "+" + _MARK + "${BASH_SOURCE}" + _SEP + "${LINENO}" + _SEP
        argv = [exe, *flags, "-x", "-c", "true"]
        if os.geteuid() == 0:
            argv = [str(shutil.which("unshare")), "--user", *argv]
        return argv, env
    if shell == "zsh":
        env["PS4"] = "+" + _MARK + "%x" + _SEP + "%I" + _SEP
        return [exe, *flags, "-x", "-c", "true"], env
    env["fish_trace"] = "1"
    return [exe, *flags, "-c", "true"], env


def _parse_marked(data: bytes, home: Path, exists: dict[Path, bool]) -> list[Event]:
    events: list[Event] = []
    for m in _TRACE_RE.finditer(data):
        name = os.fsdecode(m.group(1))
        if not name:
            continue
        path = Path(os.path.normpath(os.path.join(str(home), name)))
        ev = (path, int(m.group(2)))
        if (not events or events[-1] != ev) and _isfile(path, exists):
            events.append(ev)
    return events


_FISH_LINE = re.compile(r"^(-*)> (.*)$")
_FISH_SKIP = {"if", "else", "end if", "end", "end for", "end while", "begin", "end begin"}


def _fish_candidates(text: str) -> list[str]:
    """The literal words a traced fish command starts with, if `text` is its line."""
    s = re.sub(r"^(?:(?:if|else if|while|and|or|not|begin;)\s+)+", "", text.strip())
    out = []
    for w in s.split():
        if any(c in w for c in "$\"'(*~{"):
            break
        out.append(w)
    return out


def _parse_fish_trace(
    data: bytes, home: Path, files: _Files, exists: dict[Path, bool]
) -> list[Event]:
    """fish_trace names each sourced file (`> source /path`) and nests what it runs below it;
    each traced command is matched to the next line of that file it can be."""
    events: list[Event] = []
    stack: list[tuple[int, Path]] = []
    cursor: dict[Path, int] = {}
    prefixes: dict[Path, list[list[str]]] = {}
    for raw in data.decode("utf-8", "surrogateescape").splitlines():
        m = _FISH_LINE.match(raw)
        if m is None:
            continue
        depth, cmd = len(m.group(1)), m.group(2)
        while stack and stack[-1][0] >= depth:
            stack.pop()
        words = cmd.split()
        if not words or cmd in _FISH_SKIP or words[0] == "for":
            continue
        if stack:
            path = stack[-1][1]
            if path not in prefixes:
                prefixes[path] = [_fish_candidates(t) for t in files.get(path) or []]
            cands = prefixes[path]
            start = cursor.get(path, 0)
            for i in [*range(start, len(cands)), *range(0, start)]:
                pre = cands[i]
                if pre and words[: len(pre)] == pre:
                    events.append((path, i + 1))
                    cursor[path] = i + 1
                    break
        if words[0] in ("source", ".", "builtin") and len(words) >= 2:
            target = words[-1] if words[0] != "builtin" else (words[2] if len(words) > 2 else "")
            if target and target != "-":
                p = Path(os.path.normpath(os.path.join(str(home), target)))
                if _isfile(p, exists):
                    stack.append((depth, p))
    return events


def _kill_sessions(sids: set[int]) -> None:
    """Every process still in these sessions (interactive shells put background jobs in
    their own process groups, but they stay in the shell's session)."""
    try:
        names = os.listdir("/proc")
    except OSError:
        return
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as fh:
                stat = fh.read(1024)
            sid = int(stat[stat.rindex(b")") + 2 :].split()[3])
        except (OSError, ValueError, IndexError):
            continue
        if sid in sids:
            with contextlib.suppress(OSError):
                os.kill(int(name), signal.SIGKILL)


@dataclass
class _Proc:
    run: _Run
    popen: subprocess.Popen[bytes]
    start: float
    data: bytearray = field(default_factory=bytearray)
    done: bool = False


def _kill(p: _Proc) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(p.popen.pid, signal.SIGKILL)


def _trace(runs: list[_Run], sc: Scope, files: _Files) -> None:
    """Run every traced context at once; each ends at `true`, at TIMEOUT or at TRACE_CAP."""
    procs: list[_Proc] = []
    sel = selectors.DefaultSelector()
    for run in runs:
        exe = shutil.which(run.shell, path=sc.var("PATH")) or shutil.which(run.shell)
        argv, env = _command(run.shell, run.mode, sc, str(exe))
        try:
            popen = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env=env,
                cwd=str(sc.home) if sc.home.is_dir() else "/",
                start_new_session=True,
            )
        except OSError as exc:
            run.method, run.note = "none", f"could not start {run.shell}: {exc.strerror or exc}"
            continue
        assert popen.stderr is not None
        os.set_blocking(popen.stderr.fileno(), False)
        p = _Proc(run, popen, time.monotonic())
        sel.register(popen.stderr, selectors.EVENT_READ, p)
        procs.append(p)
    deadline = time.monotonic() + TIMEOUT
    live = len(procs)
    while live and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=0.005):
            p = key.data
            try:
                chunk = os.read(key.fd, 1 << 16)
            except BlockingIOError:
                continue
            if chunk and len(p.data) < TRACE_CAP:
                p.data += chunk
                if len(p.data) >= TRACE_CAP:
                    p.run.note = f"its trace passed {TRACE_CAP >> 20} MiB and was cut there"
                    _kill(p)
                continue
            if not chunk:
                sel.unregister(key.fileobj)
                p.done = True
                live -= 1
                p.run.ms = (time.monotonic() - p.start) * 1000
        for p in procs:
            if not p.done and p.popen.poll() is not None:
                _kill(p)  # the shell is done: what it started in the background goes too
    for p in procs:
        if not p.done:
            if not p.run.note:
                p.run.note = f"stopped after {TIMEOUT:g} s (a start-up file did not finish)"
            p.run.ms = (time.monotonic() - p.start) * 1000
            sel.unregister(p.popen.stderr)  # type: ignore[arg-type]
        _kill(p)
        p.popen.wait()
        if p.popen.stderr is not None:
            p.popen.stderr.close()
        code = p.popen.returncode
        if code and code > 0 and not p.run.note:
            p.run.note = f"exited with {code}"
    sel.close()
    _kill_sessions({p.popen.pid for p in procs})
    exists: dict[Path, bool] = {}
    for p in procs:
        data = bytes(p.data)
        if p.run.shell == "fish":
            p.run.events = _parse_fish_trace(data, sc.home, files, exists)
        else:
            p.run.events = _parse_marked(data, sc.home, exists)


# ---- the analysis ---------------------------------------------------------------------------


@dataclass
class _Analysis:
    sc: Scope
    files: _Files
    runs: list[_Run]
    assignments: list[Assignment]
    sets: dict[Event, list[_Set]]
    hooks: Path


_CACHE: dict[int, tuple[Scope, _Analysis]] = {}


def _analyse(sc: Scope) -> _Analysis:
    hit = _CACHE.get(id(sc))
    if hit is not None and hit[0] is sc:
        return hit[1]
    an = _build(sc)
    _CACHE[id(sc)] = (sc, an)
    return an


def _shares(shell: str, mode: str) -> str | None:
    """A context that reads exactly what another does (one trace for both)."""
    if shell in ("zsh", "fish") and mode == "ssh":
        return "script"
    return None


def _build(sc: Scope) -> _Analysis:
    files = _Files()
    expand = _Expand(sc)
    runs: list[_Run] = []
    to_trace: list[_Run] = []
    shared: list[tuple[_Run, str]] = []
    for shell in sc.shells:
        for mode in sc.modes:
            run = _Run(shell, mode, "read" if sc.static or shell == "nu" else "traced")
            runs.append(run)
            if shell == "nu" and mode in ("script", "ssh"):
                run.method = "none"  # nu -c (and ssh host cmd) reads no start-up file
                continue
            same = _shares(shell, mode)
            if run.method == "traced" and same is not None and same in sc.modes:
                shared.append((run, same))
                continue
            if run.method == "read":
                continue
            if shutil.which(shell, path=sc.var("PATH")) is None and shutil.which(shell) is None:
                run.method, run.note = "read", f"{shell} is not installed"
            elif shell == "bash" and mode == "script" and not sc.var("BASH_ENV"):
                run.method = "none"  # bash -c reads $BASH_ENV only
            elif shell == "bash" and os.geteuid() == 0 and not _unshare_ok():
                run.method = "read"
                run.note = "bash drops PS4 when run as root and no user namespace is allowed here"
            else:
                to_trace.append(run)
    if to_trace:
        _trace(to_trace, sc, files)
    for run, same in shared:
        twin = next(r for r in runs if r.shell == run.shell and r.mode == same)
        run.events, run.note, run.method = twin.events, twin.note, twin.method
    for run in runs:
        if run.method == "read":
            _read_run(run, sc, files, expand)
    hooks = paths.hooks_dir()
    sets: dict[Event, list[_Set]] = {}
    contexts: dict[tuple[Event, str], list[str]] = {}
    order: list[tuple[Event, _Set]] = []

    def note_line(ev: Event, ctx: str | None, syntax: str) -> None:
        if ev not in sets:
            text = files.text(ev)
            parse = {"sh": _parse_sh, "fish": _parse_fish, "nu": _parse_nu}[syntax]
            sets[ev] = parse(text, expand) if text else []
            order.extend((ev, s) for s in sets[ev])
        if ctx is not None:
            for s in sets[ev]:
                got = contexts.setdefault((ev, s.var), [])
                if ctx not in got:
                    got.append(ctx)

    for run in runs:
        run.events = [e for e in run.events if not e[0].is_relative_to(hooks)]
        for ev in run.events:
            note_line(ev, run.ctx, "fish" if run.shell == "fish" else _syntax(ev[0]))
    # Lines in the user's files that no context ran (they are reported too, with no context).
    for shell in sc.shells:
        for path in user_files(shell, sc):
            for n, _line in enumerate(files.get(path) or [], 1):
                note_line((path, n), None, "fish" if shell == "fish" else _syntax(path))
    assignments = [
        Assignment(
            ev[0],
            ev[1],
            s.var,
            s.value,
            tuple(contexts.get((ev, s.var), ())),
            s.before + s.after,
        )
        for ev, s in order
    ]
    return _Analysis(sc, files, runs, assignments, sets, hooks)


def assignments(sc: Scope) -> list[Assignment]:
    """Every start-up line that sets a Go variable or puts a directory on PATH, with the
    contexts ("bash login", "zsh interactive", ...) in which it runs (none: never read).
    Computed once per Scope."""
    return list(_analyse(sc).assignments)


# ---- findings -------------------------------------------------------------------------------


def _has_go(d: str) -> bool:
    return os.path.isabs(d) and os.access(os.path.join(d, "go"), os.X_OK)


def _go_tree_bin(d: str) -> bool:
    """A Go tree's bin (GOROOT/bin: a go beside ../VERSION or ../src), not /usr/bin with a
    symlink to one."""
    parent = os.path.dirname(os.path.normpath(d))
    return _has_go(d) and (
        os.path.isfile(os.path.join(parent, "VERSION"))
        or os.path.isdir(os.path.join(parent, "src"))
    )


def _is_go_line(a: Assignment) -> bool:
    """A line about Go: a Go variable, or PATH gaining a Go tree's bin or a go-named dir."""
    if a.var != "PATH":
        return a.var != "ZDOTDIR"
    return any(_go_tree_bin(d) for d in a.dirs) or bool(_GO_NAME.search(a.value))


def _users(path: Path, sc: Scope) -> bool:
    """One of the user's own files (system files are not the user's to move)."""
    return any(path.is_relative_to(d) for d in (sc.home, _zdot(sc), _fish_dir(sc), _nu_dir(sc)))


def _go_version(d: str) -> str:
    from gover.toolchain.store import tree_version

    root = Path(d).parent if Path(d).name == "bin" else Path(d)
    try:
        return tree_version(root) or "a go of unknown version"
    except OSError:
        return "a go of unknown version"


def _same_dir(a: str, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.normpath(a) == os.path.normpath(str(b))


@dataclass(frozen=True)
class _Block:
    file: Path
    first: int
    last: int


def _blocks(an: _Analysis, shell: str) -> list[_Block]:
    seen: list[Path] = []
    for path in user_files(shell, an.sc):
        if path not in seen:
            seen.append(path)
    for run in an.runs:
        if run.shell == shell:
            for ev in run.events:
                if ev[0] not in seen:
                    seen.append(ev[0])
    return [_Block(p, a, b) for p in seen for a, b in an.files.blocks(p)]


def _ran(run: _Run, block: _Block) -> list[int]:
    """Indexes of the events of `run` inside `block`."""
    return [
        i for i, (f, n) in enumerate(run.events) if f == block.file and block.first < n < block.last
    ]


_BASHRC_LINE = 'if [ -f "$HOME/.bashrc" ]; then . "$HOME/.bashrc"; fi'
_FIX_INIT = "gover init {shell} --write"


def _not_read(an: _Analysis, run: _Run, blocks: list[_Block]) -> Finding | None:
    sc = an.sc
    h = sc.home
    block = blocks[0]
    where = f"{display(block.file, h)}:{block.first}"
    severity: Severity = "error"
    read = [ev for ev in run.events if ev[0] == block.file]
    if read:
        stop = (
            max(n for f, n in read if n < block.first)
            if any(n < block.first for _f, n in read)
            else read[-1][1]
        )
        return finding(
            NAME,
            "block-not-run",
            severity,
            f"{run.ctx} reads {display(block.file, h)} but stops before gover's block "
            f"(it runs up to line {stop}, e.g. an interactive-only guard): gover's shims are not "
            f"on PATH there, so `go` is whatever else PATH holds",
            where,
            f"move gover's block ({display(block.file, h)}:{block.first}-{block.last}) above "
            f"{display(block.file, h)}:{stop}",
        )
    target, why = shellinfo.startup_file(run.shell, h, "linux", sc.env)
    if run.shell == "bash" and run.mode == "login":
        login = _bash_login_file(sc)
        if block.file == h / ".bashrc":
            lf = login or h / ".profile"
            how = (
                f"they read {display(lf, h)} (the first of ~/.bash_profile, ~/.bash_login, "
                "~/.profile that exists), which does not source ~/.bashrc"
                if login
                else "none of ~/.bash_profile, ~/.bash_login, ~/.profile exists"
            )
            return finding(
                NAME,
                "block-not-read",
                severity,
                f"gover's block is in ~/.bashrc, which bash login shells never read: {how}; "
                f"`gover init bash --write` adds to {display(lf, h)}: {_BASHRC_LINE}",
                where,
                _FIX_INIT.format(shell="bash"),
                fixable=True,
            )
        target = login or h / ".profile"
        why = "bash login shells read only the first of ~/.bash_profile, ~/.bash_login, ~/.profile"
    files_read = []
    for f, _n in run.events:
        if f not in files_read and f.is_relative_to(h):
            files_read.append(f)
    seen = ", ".join(display(f, h) for f in files_read[:6]) or "none of your files"
    return finding(
        NAME,
        "block-not-read",
        severity,
        f"gover's block is in {display(block.file, h)}, which {run.ctx} shells never read "
        f"(they read: {seen}): gover's shims are not on PATH there; "
        f"`gover init {run.shell} --write` puts the block in {display(target, h)} ({why})",
        where,
        _FIX_INIT.format(shell=run.shell),
        fixable=True,
    )


def _shadows(an: _Analysis, run: _Run, blocks: list[_Block]) -> list[tuple[Event, str, str]]:
    """(line, what, fix) for each line that runs after gover's block in `run` and undoes it."""
    h = an.sc.home
    ran = [i for b in blocks for i in _ran(run, b)]
    if not ran:
        return []
    last = max(ran)
    shims = paths.shims_dir()
    inside = {(b.file, n) for b in blocks for n in range(b.first, b.last + 1)}
    block_at = f"{display(blocks[0].file, h)}:{blocks[0].first}"
    out: list[tuple[Event, str, str]] = []
    for ev in dict.fromkeys(run.events[last + 1 :]):
        if ev in inside:
            continue
        for s in an.sets.get(ev, []):
            at = f"{display(ev[0], h)}:{ev[1]}"
            text = an.files.text(ev).strip()
            if s.var == "PATH":
                gos = [d for d in s.before if _has_go(d) and not _same_dir(d, shims)]
                if gos:
                    out.append(
                        (
                            ev,
                            f"{at} puts {gos[0]} ({_go_version(gos[0])}) in front of gover's "
                            f"shims after gover's block ({block_at}) has run: `go` there is "
                            f"that one, not the version gover selects",
                            f"move {at} (`{text}`) above gover's block ({block_at}), or make it "
                            f'append: export PATH="$PATH:{gos[0]}"',
                        )
                    )
            elif s.var == "GOTOOLCHAIN" and re.match(r"[\"']?go\d", s.value):
                out.append(
                    (
                        ev,
                        f"{at} sets GOTOOLCHAIN={_unquote(s.value)} after gover's block "
                        f"({block_at}): every go switches to that toolchain (downloading it), "
                        "whatever gover selects",
                        f"remove {at} (`{text}`); pin the version with `gover local` instead",
                    )
                )
    return out


def _guarded(lines: list[str], n: int) -> bool:
    near = " ".join(lines[max(0, n - 3) : n])
    return bool(re.search(r":\$PATH:|\$\{?path\[\(|\(\(\s*\$\{?path\[|\bcontains\b", near))


def _run(sc: Scope) -> list[Finding]:
    an = _analyse(sc)
    h = sc.home
    out: list[Finding] = []
    by_ctx = {r.ctx: r for r in an.runs}
    shadow: dict[Event, tuple[str, str, list[str]]] = {}
    for shell in sc.shells:
        blocks = _blocks(an, shell)
        if not blocks:
            continue  # no block at all: gover's own check (selfcheck) says so
        for run in an.runs:
            if run.shell != shell or run.method == "none":
                continue
            ran = any(_ran(run, b) for b in blocks)
            # ssh host cmd: told in the notes (Debian's ~/.bashrc returns before the block).
            if not ran and run.mode in ("login", "interactive"):
                f = _not_read(an, run, blocks)
                if f is not None:
                    out.append(f)
            for ev, what, fix in _shadows(an, run, blocks):
                got = shadow.setdefault(ev, (what, fix, []))
                got[2].append(run.ctx)
    for ev, (what, fix, ctxs) in shadow.items():
        out.append(
            finding(
                NAME,
                "shadows-gover",
                "error",
                f"{what} (in {', '.join(ctxs)})",
                f"{display(ev[0], h)}:{ev[1]}",
                fix,
            )
        )
    go_lines = [a for a in an.assignments if _is_go_line(a)]
    inside = {
        (b.file, n)
        for shell in sc.shells
        for b in _blocks(an, shell)
        for n in range(b.first, b.last + 1)
    }
    mine = [a for a in go_lines if (a.file, a.line) not in inside]
    out += _never_read(an, mine, by_ctx)
    out += _zshenv(an, mine)
    out += _login_only(an, mine, by_ctx)
    # One finding per (id, where): a line seen in several contexts is told once.
    unique: dict[tuple[str, str], Finding] = {}
    for f in out:
        unique.setdefault((f.id, f.where), f)
    return list(unique.values())


def _never_read(an: _Analysis, mine: list[Assignment], by_ctx: dict[str, _Run]) -> list[Finding]:
    sc, h = an.sc, an.sc.home
    login = by_ctx.get("bash login")
    first = _bash_login_file(sc)
    if login is None or first is None or login.method == "none":
        return []
    read_by_bash = {ev[0] for r in an.runs if r.shell == "bash" for ev in r.events}
    out = []
    for name in shellinfo.BASH_LOGIN_FILES:
        path = h / name
        if path == first or path in read_by_bash:
            continue
        lines = [a for a in mine if a.file == path]
        if not lines:
            continue
        a = lines[0]
        more = f" (and {len(lines) - 1} more Go line(s) there)" if len(lines) > 1 else ""
        out.append(
            finding(
                NAME,
                "file-never-read",
                "warning",
                f"{a.where(h)} sets {a.var} ({a.value}){more}, but bash never reads "
                f"{display(path, h)}: a login bash reads only the first of ~/.bash_profile, "
                f"~/.bash_login, ~/.profile that exists ({display(first, h)}), and that one "
                f"does not source it",
                a.where(h),
                f"move {a.where(h)} (`{an.files.text((a.file, a.line)).strip()}`) to "
                f"{display(first, h)}",
            )
        )
    return out


def _zshenv(an: _Analysis, mine: list[Assignment]) -> list[Finding]:
    sc, h = an.sc, an.sc.home
    if "zsh" not in sc.shells:
        return []
    zshenv = _zdot(sc) / ".zshenv"
    lines = an.files.get(zshenv) or []
    out = []
    for a in mine:
        if a.file != zshenv:
            continue
        text = lines[a.line - 1].strip() if a.line <= len(lines) else ""
        if a.var in _OVERRIDES:
            out.append(
                finding(
                    NAME,
                    "zshenv-override",
                    "warning",
                    f"{a.where(h)} sets {a.var}={_unquote(a.value)} in .zshenv, which every zsh "
                    f"reads, scripts and `zsh -c` included: it overrides what a version manager "
                    f"chose (gover's hook, a PATH set by the parent shell) in each of them",
                    a.where(h),
                    f"remove {a.where(h)} (`{text}`)",
                )
            )
        elif a.var == "PATH":
            sets = [s for s in an.sets.get((a.file, a.line), []) if s.var == "PATH"]
            before = [d for s in sets for d in s.before]
            if not before or _guarded(lines, a.line):
                continue
            gos = [d for d in before if _has_go(d)]
            bite = (
                f"; {gos[0]} has {_go_version(gos[0])}, which then wins over gover's shims in "
                "every zsh script"
                if gos
                else ""
            )
            out.append(
                finding(
                    NAME,
                    "zshenv-prepend",
                    "warning",
                    f"{a.where(h)} prepends {before[0]} to PATH in .zshenv, which every zsh reads: "
                    f"each nested zsh (a script, `zsh -c`, a subshell) puts it in front again, "
                    f"ahead of what its parent put first{bite}",
                    a.where(h),
                    f'make {a.where(h)} append instead: export PATH="$PATH:{before[0]}"',
                )
            )
    return out


def _login_only(an: _Analysis, mine: list[Assignment], by_ctx: dict[str, _Run]) -> list[Finding]:
    sc, h = an.sc, an.sc.home
    out = []
    for shell in sc.shells:
        login, inter = by_ctx.get(f"{shell} login"), by_ctx.get(f"{shell} interactive")
        if login is None or inter is None or "none" in (login.method, inter.method):
            continue
        target = {
            "bash": h / ".bashrc",
            "zsh": _zdot(sc) / ".zshrc",
            "fish": _fish_dir(sc) / "config.fish",
            "nu": _nu_dir(sc) / "env.nu",
        }[shell]
        for a in mine:
            # ~/.profile is also what a graphical login reads: desktop terminals inherit it.
            if a.file == h / ".profile" or not _users(a.file, sc):
                continue
            if login.ctx in a.contexts and inter.ctx not in a.contexts:
                text = an.files.text((a.file, a.line)).strip()
                where = (
                    f"move {a.where(h)} (`{text}`) out of the `status is-login` block"
                    if shell == "fish" and a.file == target
                    else f"move {a.where(h)} (`{text}`) to {display(target, h)}"
                )
                out.append(
                    finding(
                        NAME,
                        "login-only",
                        "warning",
                        f"{a.where(h)} sets {a.var} ({a.value}) only in {shell} login shells: "
                        f"interactive non-login {shell} (most desktop and IDE terminals, "
                        f"`{shell}` started from a shell) never runs it",
                        a.where(h),
                        where,
                    )
                )
    return out


# ---- notes ----------------------------------------------------------------------------------


def _notes(sc: Scope) -> list[str]:
    an = _analyse(sc)
    out = []
    for shell in sc.shells:
        parts = []
        for run in an.runs:
            if run.shell != shell:
                continue
            if run.method == "traced":
                how = f"traced ({run.ms:.0f} ms)" if run.ms else "traced"
            elif run.method == "read":
                how = "read, not traced"
            else:
                how = "reads no start-up file" + (" ($BASH_ENV unset)" if shell == "bash" else "")
            parts.append(f"{run.mode}: {how}" + (f"; {run.note}" if run.note else ""))
        method = (
            "nu cannot trace its start-up, so its files were read"
            if shell == "nu" and not sc.static
            else "--static: files read, guards and conditions not evaluated"
            if sc.static
            else "login and interactive run as a terminal does (-l -i / -i), ssh as `ssh host "
            "cmd` does"
        )
        out.append(f"start-up files, {shell} ({method}): " + "; ".join(parts))
    for run in an.runs:
        if run.shell == "bash" and run.mode == "ssh" and run.method != "none":
            blocks = _blocks(an, "bash")
            if blocks and not any(_ran(run, b) for b in blocks):
                b = blocks[0]
                out.append(
                    f"start-up files: `ssh host go ...` does not run gover's block "
                    f"({display(b.file, sc.home)}:{b.first}): bash stops reading before it; "
                    "move the block above the interactive-only guard for gover's go over ssh"
                )
    for path in sorted(an.files.truncated):
        out.append(
            f"start-up files: read only the first {FILE_CAP >> 20} MiB of {display(path, sc.home)}"
        )
    go = [a for a in an.assignments if _is_go_line(a)]
    for a in go[:20]:
        ctxs = ", ".join(a.contexts) or "never runs"
        out.append(f"  {a.where(sc.home)}: {a.var} {a.value} ({ctxs})")
    return out


DETECTOR = Detector(NAME, _run, _notes)
