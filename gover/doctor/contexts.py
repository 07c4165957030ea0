"""Detector 4: the contexts that never read the user's shell start-up files.

- systemd: what the user manager's environment becomes (the REAL environment.d generator is
  run on the user's files, or `systemctl --user show-environment` is asked when a user
  manager answers); units that run go without HOME (go: `build cache is required, but could
  not be located`) or by bare name (systemd looks it up in a fixed search path, not PATH).
- sudo: `secure_path` (Debian's default) makes `sudo go` run the distro go; `env_reset` drops
  GOPROXY, GOFLAGS... unless `env_keep` keeps them. /etc/sudoers is readable by root only:
  without root the notes say so and nothing is guessed.
- Dockerfiles/Containerfiles in the project directory: `RUN export` (each RUN is a new
  shell), an untagged or `:latest` `FROM golang`, ENV PATH undone by a login shell.
- CI files that pin another Go than the repository (setup-go's go-version/go-version-file,
  GitLab's `image: golang:X`).

Every finding names file:line. Files are read bounded (fsutil.read_limited), subprocesses
(the generator, systemctl) have timeouts, and nothing here runs a go.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from gover import fsutil
from gover.doctor.model import Detector, Finding, Scope, display, finding
from gover.errors import GoverError
from gover.versions import GoVersion, PinToken

NAME = "contexts"
_LIMIT = 256 << 10  # bytes read from any one file (a Dockerfile, a unit, a workflow)
_MAX_FILES = 64  # files looked at per directory
_MAX_DEPTH = 8  # sudoers include depth (sudo's own limit is 128; 8 is plenty)
_TIMEOUT = 2.0  # seconds for the generator or systemctl

GENERATOR = Path("/usr/lib/systemd/user-environment-generators/30-systemd-environment-d-generator")
SUDOERS = Path("/etc/sudoers")
# systemd's compiled-in search path for a bare ExecStart= name (systemd.service(5)) and the
# user manager's default PATH on a merged-/usr Debian (`systemd-path search-binaries-default`).
SYSTEMD_SEARCH = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")
# Go variables a user may need under sudo (env_reset drops them unless env_keep keeps them).
_GO_ENV = (
    "GOPROXY",
    "GOFLAGS",
    "GOPRIVATE",
    "GONOPROXY",
    "GONOSUMDB",
    "GONOSUMCHECK",
    "GOSUMDB",
    "GOTOOLCHAIN",
    "GOPATH",
    "GOMODCACHE",
    "GOCACHE",
    "GOBIN",
    "GOROOT",
    "GO111MODULE",
    "GOINSECURE",
    "GOVCS",
    "GOENV",
)
# go subcommands that need the build cache (and so HOME or GOCACHE).
_CACHE_CMDS = frozenset({"build", "run", "test", "install", "vet", "generate", "list", "get"})
_GO_VAR = re.compile(r"(?:GO[A-Z0-9_]*|PATH)")


# ---- small readers ------------------------------------------------------------------------


def _text(path: Path) -> str | None:
    """A file's first _LIMIT bytes as text (None: not a readable regular file)."""
    try:
        data = fsutil.read_limited(path, _LIMIT)
    except (OSError, ValueError):
        return None
    return data.replace(b"\0", b"").decode("utf-8", "replace")


def _listdir(path: Path) -> list[str]:
    try:
        names = os.listdir(path)
    except (OSError, ValueError):
        return []
    return sorted(names)[:_MAX_FILES]


def _is_dir(path: Path | str) -> bool:
    try:
        return os.path.isdir(path)
    except (OSError, ValueError):
        return False


@dataclass
class _Acc:
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, case: str, severity: str, what: str, where: str, fix: str) -> None:
        self.findings.append(finding(NAME, case, severity, what, where, fix))  # type: ignore[arg-type]


# ---- which go runs, and its version (never by running it) ----------------------------------


def _go_in(dirs: list[str]) -> Path | None:
    for d in dirs:
        if not d or not os.path.isabs(d):
            continue
        candidate = Path(d) / "go"
        try:
            if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
                return candidate
        except (OSError, ValueError):
            continue
    return None


def _version_of(go: Path, sc: Scope) -> str | None:
    """A go binary's version from its tree (VERSION) or its build info; a gover shim's from
    the toolchain it selects in the project directory."""
    from gover.select import resolve
    from gover.toolchain.store import tree_version

    try:
        if resolve.is_gover_shim(go):
            sel = resolve.select(sc.cwd)
            if sel.root is not None:
                return tree_version(sel.root)
            go = sel.system if sel.system is not None else go
        real = Path(os.path.realpath(go))
        if real.parent.name == "bin":
            found = tree_version(real.parent.parent)
            if found:
                return found
        from gover.inspect.buildinfo import read_go_version, toolchain_of

        return toolchain_of(read_go_version(real)) or None
    except (OSError, ValueError, GoverError):
        return None


def _same_go(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b) or os.path.realpath(a) == os.path.realpath(b)
    except (OSError, ValueError):
        return False


def _user_go(sc: Scope) -> Path | None:
    return _go_in((sc.var("PATH") or "").split(":"))


def _shown_go(go: Path | None, version: str | None, sc: Scope) -> str:
    if go is None:
        return "no go"
    return f"{display(go, sc.home)} ({version or 'version unknown'})"


# ---- the repository's pin, and version specs in CI files ------------------------------------


def _repo_pin(sc: Scope) -> tuple[PinToken, Path] | None:
    """The pin the project directory asks for (a version file, go.work or go.mod), not the
    user's global default."""
    from gover.select import resolve

    try:
        pin = resolve.find_pin(sc.cwd)
    except (OSError, GoverError):
        return None
    if (
        pin.kind in ("file", "toolchain", "go-line")
        and pin.origin is not None
        and pin.want.version is not None
    ):
        return pin.want, pin.origin
    return None


def _spec(text: str) -> tuple[str, GoVersion] | None:
    """A CI version spec: ("exact", 1.22.10) or ("series", 1.22); None when it cannot be
    judged here (stable, oldstable, ranges, ${{ expressions }})."""
    text = text.strip().strip("'\"").strip()
    m = re.fullmatch(r"v?(\d+)\.(\d+)(?:\.(\d+|x|\*))?", text)
    if m is None:
        return None
    major, minor, patch = int(m[1]), int(m[2]), m[3]
    if patch is None or patch in ("x", "*"):
        return "series", GoVersion(major, minor, text=f"{major}.{minor}")
    version = GoVersion.try_parse(f"{major}.{minor}.{patch}")
    return ("exact", version) if version is not None else None


def _series(v: GoVersion) -> tuple[int, int]:
    return v.major, v.minor or 0


def _mismatch(kind: str, ci: GoVersion, pin: PinToken) -> bool:
    want = pin.version
    assert want is not None
    if pin.kind == "minimum":  # go.mod `go X`: CI must be able to run X or newer
        if kind == "exact":
            return ci < want
        return _series(ci) < _series(want)
    if pin.kind == "exact":
        return ci != want if kind == "exact" else _series(ci) != _series(want)
    # prefix (a version file saying 1.22): the series must agree
    return _series(ci) != _series(want)


def _pin_words(pin: PinToken, origin: Path, root: Path) -> str:
    rel = os.path.relpath(origin, root) if origin.is_absolute() else str(origin)
    what = {"minimum": f"go >= {pin.text}", "exact": f"go {pin.text}"}.get(
        pin.kind, f"go {pin.text}.x"
    )
    return f"{what} ({rel})"


# ---- sudo ---------------------------------------------------------------------------------


@dataclass
class _Sudo:
    env_reset: bool = True  # sudo's default
    env_reset_where: str = ""
    secure_path: str | None = None
    secure_path_where: str = ""
    env_keep: set[str] = field(default_factory=set)
    files: list[str] = field(default_factory=list)


def _logical_lines(text: str) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    buf, start = "", 0
    for number, line in enumerate(text.splitlines(), 1):
        if not buf:
            start = number
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        out.append((start, buf + line))
        buf = ""
    if buf:
        out.append((start, buf))
    return out


def _sudo_params(text: str) -> list[str]:
    """`a, b="x, y", c += "z"` -> ["a", 'b="x, y"', 'c += "z"'] (commas outside quotes)."""
    params, cur, quoted = [], "", False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if ch == "," and not quoted:
            params.append(cur.strip())
            cur = ""
            continue
        cur += ch
    if cur.strip():
        params.append(cur.strip())
    return params


def _read_sudoers(path: Path, st: _Sudo, user: str, sc: Scope, depth: int = 0) -> None:
    if depth > _MAX_DEPTH:
        return
    text = _text(path)
    if text is None:
        if depth == 0:
            raise PermissionError(path)
        return
    st.files.append(str(path))
    for number, line in _logical_lines(text):
        s = line.strip()
        m = re.match(r"[@#](include|includedir)\s+(\S+)", s)
        if m:
            target = Path(m[2].replace("%h", "").strip('"'))
            if not target.is_absolute():
                target = path.parent / target
            if m[1] == "include":
                _read_sudoers(target, st, user, sc, depth + 1)
            else:
                for name in _listdir(target):
                    if name.endswith("~") or "." in name:
                        continue  # sudo skips these in an includedir
                    _read_sudoers(target / name, st, user, sc, depth + 1)
            continue
        if not s or s.startswith("#"):
            continue
        m = re.match(r"Defaults(?:(:)(\S+))?\s+(.*)", s)
        if m is None:
            continue
        if m[1] and user not in [u.strip() for u in m[2].split(",")]:
            continue  # Defaults:other-user
        where = f"{display(path, sc.home)}:{number}"
        for param in _sudo_params(m[3]):
            p = re.match(r"(!*)\s*(\w+)\s*(\+=|-=|=)?\s*(.*)", param)
            if p is None:
                continue
            neg, key, op, value = p[1], p[2], p[3], p[4].strip().strip('"')
            if key == "env_reset":
                st.env_reset, st.env_reset_where = not neg, where
            elif key == "secure_path":
                st.secure_path = None if neg else value
                st.secure_path_where = where
            elif key == "env_keep":
                names = set(value.split())
                if neg:
                    st.env_keep.clear()
                elif op == "+=":
                    st.env_keep |= names
                elif op == "-=":
                    st.env_keep -= names
                else:
                    st.env_keep = names


def _sudo(sc: Scope, acc: _Acc) -> None:
    sudo = _go_in_named("sudo", [*(sc.var("PATH") or "").split(":"), "/usr/bin", "/bin"])
    if sudo is None:
        acc.notes.append("contexts: sudo is not installed")
        return
    user = sc.var("USER") or sc.var("LOGNAME") or ""
    st = _Sudo()
    try:
        _read_sudoers(SUDOERS, st, user, sc)
    except PermissionError:
        acc.notes.append(
            "contexts: sudo: needs root to read /etc/sudoers (secure_path, env_reset); "
            "run: sudo gover doctor, or: sudo -l"
        )
        return
    acc.notes.append(f"contexts: sudo: read {', '.join(st.files)}")
    mine = _user_go(sc)
    if mine is None:
        return
    my_version = _version_of(mine, sc)
    if st.secure_path is not None:
        theirs = _go_in(st.secure_path.split(":"))
        if theirs is None or not _same_go(theirs, mine):
            their_version = _version_of(theirs, sc) if theirs else None
            runs = (
                "`sudo go` finds no go at all (sudo: go: command not found)"
                if theirs is None
                else f"`sudo go` runs {_shown_go(theirs, their_version, sc)}"
            )
            mine_home = str(mine).startswith(str(sc.home) + "/")
            fix = (
                "build as yourself and run only the result as root: "
                "go build -o ./app . && sudo ./app"
                if mine_home
                else f"run visudo and change line {st.secure_path_where.rpartition(':')[2]} to: "
                f'Defaults secure_path="{mine.parent}:{st.secure_path}"'
            )
            acc.add(
                "sudo-secure-path",
                "warning",
                f"sudo replaces PATH with its secure_path ({st.secure_path}): {runs}, "
                f"not {_shown_go(mine, my_version, sc)}",
                st.secure_path_where,
                fix,
            )
    if st.env_reset:
        dropped = [n for n in _GO_ENV if sc.var(n) and n not in st.env_keep]
        if dropped:
            acc.add(
                "sudo-env-reset",
                "warning",
                f"sudo's env_reset drops {', '.join(dropped)} from the environment: "
                "`sudo go` runs with go's defaults (e.g. GOPROXY=https://proxy.golang.org)",
                st.env_reset_where or f"{SUDOERS} (env_reset is sudo's default)",
                f'run visudo -f /etc/sudoers.d/go and add: Defaults env_keep += "{" ".join(dropped)}"',
            )


def _go_in_named(name: str, dirs: list[str]) -> Path | None:
    for d in dirs:
        if d and os.path.isabs(d):
            candidate = Path(d) / name
            if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
                return candidate
    return None


# ---- systemd --------------------------------------------------------------------------------


def _env_d_dirs(sc: Scope) -> list[Path]:
    config = sc.var("XDG_CONFIG_HOME") or str(sc.home / ".config")
    return [
        Path(config) / "environment.d",
        Path("/etc/environment.d"),
        Path("/run/environment.d"),
        Path("/usr/local/lib/environment.d"),
        Path("/usr/lib/environment.d"),
    ]


def _env_d_lines(sc: Scope) -> dict[str, tuple[Path, int, str]]:
    """The last line setting each Go variable or PATH in the .conf files, as the generator
    orders them (by file name across the directories, the first directory winning a name)."""
    files: dict[str, Path] = {}
    for d in _env_d_dirs(sc):
        for name in _listdir(d):
            if name.endswith(".conf") and name not in files:
                files[name] = d / name
    found: dict[str, tuple[Path, int, str]] = {}
    for name in sorted(files):
        text = _text(files[name])
        if text is None:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            m = re.match(r"\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)", line)
            if m and _GO_VAR.fullmatch(m[1]):
                found[m[1]] = (files[name], number, line.strip())
    return found


def _manager_env(sc: Scope, acc: _Acc) -> dict[str, str] | None:
    """The live user manager's environment, when one answers."""
    runtime = sc.var("XDG_RUNTIME_DIR") or f"/run/user/{os.getuid()}"
    if not os.path.exists(os.path.join(runtime, "systemd", "private")):
        acc.notes.append("contexts: systemd: no user manager answers (environment.d read only)")
        return None
    try:
        proc = subprocess.run(
            ["systemctl", "--user", "show-environment"],
            env={**sc.env, "XDG_RUNTIME_DIR": runtime},
            capture_output=True,
            timeout=_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    env = {}
    for line in proc.stdout.decode("utf-8", "replace").splitlines():
        key, sep, value = line.partition("=")
        if sep:
            env[key] = value
    acc.notes.append(
        "contexts: systemd: asked the user manager (systemctl --user show-environment)"
    )
    return env


def _generated_env(sc: Scope, acc: _Acc) -> tuple[dict[str, str], str]:
    """What the real environment.d generator makes of the .conf files, given the user
    manager's own start environment; and its complaints (stderr)."""
    base = {
        "HOME": str(sc.home),
        "PATH": ":".join(SYSTEMD_SEARCH),
        "USER": sc.var("USER") or "",
        "LOGNAME": sc.var("LOGNAME") or sc.var("USER") or "",
        "SHELL": sc.var("SHELL") or "/bin/sh",
    }
    if sc.var("XDG_CONFIG_HOME"):
        base["XDG_CONFIG_HOME"] = sc.var("XDG_CONFIG_HOME") or ""
    try:
        proc = subprocess.run(
            [str(GENERATOR)], env=base, capture_output=True, timeout=_TIMEOUT, check=False
        )
    except (OSError, subprocess.SubprocessError) as exc:
        acc.notes.append(f"contexts: systemd: could not run {GENERATOR}: {exc}")
        return base, ""
    out = dict(base)
    for line in proc.stdout.decode("utf-8", "replace").splitlines():
        key, sep, value = line.partition("=")
        if sep:
            out[key] = _unquote(value)
    acc.notes.append(f"contexts: systemd: ran {GENERATOR} on environment.d")
    return out, proc.stderr.decode("utf-8", "replace")


def _unquote(value: str) -> str:
    """The generator prints a value with spaces or specials quoted, as systemd's env files
    are (systemd reads it back unquoted)."""
    if value[:1] in ("'", '"'):
        try:
            words = shlex.split(value)
        except ValueError:
            return value
        return words[0] if len(words) == 1 else value
    return value


def _systemd(sc: Scope, acc: _Acc) -> None:
    lines = _env_d_lines(sc)
    manager: dict[str, str] | None = None
    if lines and os.access(GENERATOR, os.X_OK):
        env, complaints = _generated_env(sc, acc)
        for var, (file, number, text) in lines.items():
            where = f"{display(file, sc.home)}:{number}"
            if f'"{var}"' in complaints or re.search(rf"\bexport\s+{var}\b", complaints):
                acc.add(
                    "environment-d-ignored",
                    "warning",
                    f"the environment.d generator ignores `{text}` (environment.d files are "
                    "KEY=VALUE lines, not shell): user services never get it",
                    where,
                    f"change line {number} of {display(file, sc.home)} to: "
                    + re.sub(r"^\s*export\s+", "", text),
                )
                continue
            value = env.get(var)
            if value is None:
                continue
            parts = value.split(":") if var in ("PATH", "GOPATH") else [value]
            if any(p.startswith("~") for p in parts):
                acc.add(
                    "environment-d-tilde",
                    "warning",
                    f"environment.d does not expand ~: user services get {var}={value}",
                    where,
                    f"change line {number} of {display(file, sc.home)} to: "
                    + text.replace("~/", "${HOME}/").replace("=~", "=${HOME}"),
                )
            elif var == "GOROOT" and not _is_dir(value):
                acc.add(
                    "environment-d-goroot",
                    "warning",
                    f"user services get GOROOT={value}, which does not exist: every go they run "
                    f"fails with `go: cannot find GOROOT directory: {value}`",
                    where,
                    f"delete line {number} of {display(file, sc.home)}",
                )
        manager = env
    live = _manager_env(sc, acc)
    if live is not None:
        manager = live
    _units(sc, acc, manager)


def _unit_settings(text: str) -> list[tuple[int, str, str]]:
    out = []
    for number, line in _logical_lines(text):
        s = line.strip()
        if not s or s[0] in "#;[":
            continue
        key, sep, value = s.partition("=")
        if sep:
            out.append((number, key.strip(), value.strip()))
    return out


def _unit_go(value: str) -> tuple[str, list[str]] | None:
    """The go an ExecStart= runs: (go path or name, its arguments), directly or through
    `sh -c '...go ...'`."""
    value = value.lstrip("@-:+!")
    try:
        argv = shlex.split(value)
    except ValueError:
        return None
    if not argv:
        return None
    if Path(argv[0]).name == "go":
        return argv[0], argv[1:]
    if Path(argv[0]).name in ("sh", "bash", "dash", "zsh") and "-c" in argv:
        script = argv[argv.index("-c") + 1] if argv.index("-c") + 1 < len(argv) else ""
        for part in re.split(r"&&|\|\||;|\n", script):
            try:
                words = shlex.split(part)
            except ValueError:
                continue
            if words and Path(words[0]).name == "go":
                return "$PATH:" + words[0], words[1:]
    return None


def _unit_quote(path: Path) -> str:
    text = str(path)
    return f'"{text}"' if re.search(r"[\s\"'\\]", text) else text


def _units(sc: Scope, acc: _Acc, manager: dict[str, str] | None) -> None:
    config = sc.var("XDG_CONFIG_HOME") or str(sc.home / ".config")
    dirs = [(Path(config) / "systemd" / "user", True), (Path("/etc/systemd/system"), False)]
    mine = _user_go(sc)
    for d, user_unit in dirs:
        for name in _listdir(d):
            if not name.endswith(".service"):
                continue
            text = _text(d / name)
            if text is None:
                continue
            settings = _unit_settings(text)
            env_text = " ".join(v for _, k, v in settings if k == "Environment")
            has_user = any(k == "User" and v for _, k, v in settings)
            unset = " ".join(v for _, k, v in settings if k == "UnsetEnvironment").split()
            for number, key, value in settings:
                if key not in ("ExecStart", "ExecStartPre", "ExecStartPost"):
                    continue
                run = _unit_go(value)
                if run is None:
                    continue
                go, args = run
                where = f"{display(d / name, sc.home)}:{number}"
                home = (user_unit or has_user) and "HOME" not in unset
                home = home and not re.search(r"(?:^|\s|\")HOME=(?:\s|\"|$)", env_text)
                cache = re.search(r"(?:^|\s|\")(?:GOCACHE|HOME)=\S", env_text) is not None
                if not home and not cache and args and args[0] in _CACHE_CMDS:
                    acc.add(
                        "unit-no-home",
                        "error",
                        f"{name} runs `go {args[0]}` without HOME ("
                        + (
                            "UnsetEnvironment=HOME or an empty Environment=HOME="
                            if user_unit or has_user
                            else "a system unit without User= gets none"
                        )
                        + "): go fails with `build cache is required, but could not be "
                        "located: GOCACHE is not defined and neither $XDG_CACHE_HOME nor $HOME "
                        "are defined`",
                        where,
                        f"add to the [Service] section of {display(d / name, sc.home)}: "
                        "Environment=HOME=%h",
                    )
                if go == "go" or go.startswith("$PATH:"):
                    if go == "go":
                        theirs = _go_in(list(SYSTEMD_SEARCH))
                        how = "by bare name: systemd looks it up in its fixed search path, not PATH"
                    else:
                        path = (manager or {}).get("PATH") or ":".join(SYSTEMD_SEARCH)
                        m = re.search(r"(?:^|\s|\")PATH=([^\s\"]+)", env_text)
                        path = m[1] if m else path
                        theirs = _go_in(path.split(":"))
                        how = f"through a shell with the manager's PATH={path}"
                    if mine is not None and (theirs is None or not _same_go(theirs, mine)):
                        their_v = _version_of(theirs, sc) if theirs else None
                        acc.add(
                            "unit-other-go",
                            "error" if theirs is None else "warning",
                            f"{name} runs go {how}: that is {_shown_go(theirs, their_v, sc)}, "
                            f"not your shell's {_shown_go(mine, _version_of(mine, sc), sc)}",
                            where,
                            f"write the full path in line {number}: "
                            f"{key}={value.replace(go.removeprefix('$PATH:'), _unit_quote(mine), 1)}",
                        )


# ---- Dockerfiles ----------------------------------------------------------------------------

_DOCKER_NAMES = re.compile(
    r"(?:Dockerfile|Containerfile)(?:\..+)?|.+\.(?:Dockerfile|Containerfile|dockerfile)"
)


def _docker_lines(text: str) -> list[tuple[int, str, str]]:
    """(first line number, INSTRUCTION, arguments) with continuations joined, comments and
    heredoc bodies dropped."""
    escape = "\\"
    m = re.match(r"#\s*escape\s*=\s*(\S)", text)
    if m:
        escape = m[1]
    out: list[tuple[int, str, str]] = []
    buf, start, heredoc = "", 0, None
    for number, raw in enumerate(text.splitlines(), 1):
        if heredoc is not None:
            if raw.strip() == heredoc:
                heredoc = None
            continue
        if not buf and (not raw.strip() or raw.lstrip().startswith("#")):
            continue
        if buf and raw.lstrip().startswith("#"):
            continue
        if not buf:
            start = number
        if raw.rstrip().endswith(escape):
            buf += raw.rstrip()[:-1] + " "
            continue
        line = buf + raw
        buf = ""
        hd = re.search(r"<<-?\s*[\"']?(\w+)[\"']?", line)
        if hd and line.split(None, 1)[0].upper() == "RUN":
            heredoc = hd[1]
        word, _, rest = line.strip().partition(" ")
        out.append((start, word.upper(), rest.strip()))
    if buf:
        word, _, rest = buf.strip().partition(" ")
        out.append((start, word.upper(), rest.strip()))
    return out


def _golang_image(ref: str) -> tuple[str | None, bool] | None:
    """For a golang image reference: (tag or None, has a digest); None for other images."""
    image, _, digest = ref.partition("@")
    tag = None
    last = image.rsplit("/", 1)[-1]
    if ":" in last:
        last, tag = last.split(":", 1)
        image = image[: -(len(tag) + 1)]
    path = image.split("/")
    if path[0] in ("docker.io", "index.docker.io", "registry-1.docker.io"):
        path = path[1:]
    if path and path[0] == "library":
        path = path[1:]
    if path != ["golang"]:
        return None
    return tag, bool(digest)


def _tag_spec(tag: str) -> tuple[str, GoVersion] | None:
    return _spec(tag.split("-", 1)[0])


def _dockerfile(path: Path, sc: Scope, acc: _Acc, pin: tuple[PinToken, Path] | None) -> None:
    text = _text(path)
    if text is None:
        return
    shown = display(path, sc.home)
    lines = _docker_lines(text)
    golang_base = False
    env_path: int | None = None
    login_shell = False
    stages: set[str] = set()
    for index, (number, instr, args) in enumerate(lines):
        where = f"{shown}:{number}"
        if instr == "FROM":
            words = [w for w in args.split() if not w.startswith("--")]
            if not words:
                continue
            if len(words) >= 3 and words[1].lower() == "as":
                stages.add(words[2])
            if words[0] in stages or "$" in words[0]:
                continue
            image = _golang_image(words[0])
            golang_base = image is not None
            env_path, login_shell = None, False
            if image is None:
                continue
            tag, digest = image
            if not digest and tag in (None, "latest"):
                want = f"golang:{pin[0].text}" if pin else "golang:1.22.10"
                acc.add(
                    "docker-golang-untagged",
                    "warning",
                    f"`FROM {words[0]}` takes whatever Go is newest when the image is built: "
                    "builds change Go version without a change to the file",
                    where,
                    f"pin the tag on line {number}: FROM {want}"
                    + (f" AS {words[2]}" if len(words) >= 3 else ""),
                )
            elif tag and pin is not None and "$" not in tag:
                spec = _tag_spec(tag)
                if spec is not None and _mismatch(spec[0], spec[1], pin[0]):
                    acc.add(
                        "docker-go-mismatch",
                        "warning",
                        f"`FROM {words[0]}` builds with go {spec[1].name}, but the repository "
                        f"asks for {_pin_words(pin[0], pin[1], sc.cwd)}",
                        where,
                        f"change line {number} to: FROM golang:{pin[0].text}"
                        + tag[len(tag.split("-", 1)[0]) :],
                    )
        elif instr == "ENV" and re.match(r"PATH[= ]", args):
            env_path = number
        elif instr == "SHELL" and re.search(r'"(?:-l|--login|-lc)"', args):
            login_shell = True
        elif instr in ("RUN", "CMD", "ENTRYPOINT"):
            later_go = any(
                i in ("RUN", "CMD", "ENTRYPOINT") and re.search(r"(?:^|[\s\"'/;&|])go\s", a)
                for _, i, a in lines[index + 1 :]
            )
            if instr == "RUN" and not args.startswith("["):
                parts = [p.strip() for p in re.split(r"&&|\|\||;|\n", args) if p.strip()]
                if parts and all(re.match(r"export\s", p) for p in parts):
                    assigns = (
                        [w for p in parts for w in shlex.split(p[len("export") :], posix=True)]
                        if _splits(parts)
                        else []
                    )
                    names = [a.partition("=")[0] for a in assigns if "=" in a]
                    if names:
                        go_vars = any(_GO_VAR.fullmatch(n) for n in names)
                        acc.add(
                            "docker-run-export",
                            "error" if go_vars and later_go else "warning",
                            f"`RUN {args}` sets {', '.join(names)} only for that RUN: each RUN is "
                            "a new shell, so later lines never see it"
                            + (" (go: not found / the wrong go)" if go_vars and later_go else ""),
                            where,
                            f"replace line {number} with: ENV {' '.join(assigns)}",
                        )
            uses_login = login_shell or re.search(
                r"(?:\b(?:bash|sh|zsh|ash)\b[^&;|]*\s(?:-l\w*|--login)\b)|\bsu\s+(?:-|-l|--login)(?:\s|$|\")",
                args,
            )
            if uses_login and (env_path is not None or golang_base):
                runs_go = re.search(r"(?:^|[\s\"'/;&|])go\s", args) is not None
                source = (
                    f"ENV PATH on line {env_path}"
                    if env_path is not None
                    else "the golang image's ENV PATH"
                )
                acc.add(
                    "docker-login-path",
                    "error" if runs_go or (login_shell and later_go) else "warning",
                    f"line {number} starts a login shell, which reads /etc/profile and sets PATH "
                    f"again: {source} (with /usr/local/go/bin) is lost and `go` is not found",
                    where,
                    f"drop the login option on line {number} (bash -c instead of bash -l -c; "
                    "su USER -c instead of su - USER -c)",
                )
                env_path, golang_base = None, False  # one finding per stage


def _splits(parts: list[str]) -> bool:
    try:
        for p in parts:
            shlex.split(p)
    except ValueError:
        return False
    return True


def _dockerfiles(sc: Scope, acc: _Acc, pin: tuple[PinToken, Path] | None) -> None:
    for name in _listdir(sc.cwd):
        if _DOCKER_NAMES.fullmatch(name):
            _dockerfile(sc.cwd / name, sc, acc, pin)


# ---- CI files --------------------------------------------------------------------------------


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _yaml_value(text: str) -> str:
    text = re.sub(r"\s+#.*$", "", text).strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1]
    return text.strip()


def _setup_go_steps(text: str) -> list[tuple[str, int, str]]:
    """(key, line number, value) of each go-version / go-version-file given to
    actions/setup-go, found by indentation (each `- ` list item is a step)."""
    lines = text.splitlines()[:20000]
    out = []
    for i, line in enumerate(lines):
        m = re.match(r"(\s*)-\s", line)
        if m is None:
            continue
        dash = len(m[1])
        item = [(i, line)]
        for j in range(i + 1, len(lines)):
            s = lines[j].strip()
            if s and not s.startswith("#") and _indent(lines[j]) <= dash:
                break
            item.append((j, lines[j]))
        if not any(re.match(r"\s*(?:-\s+)?uses:\s*['\"]?actions/setup-go@", t) for _, t in item):
            continue
        for j, t in item:
            k = re.match(r"\s*(go-version|go-version-file):\s*(.*)$", t)
            if k:
                out.append((k[1], j + 1, _yaml_value(k[2])))
    return out


def _repo_root(sc: Scope) -> Path:
    for d in [sc.cwd, *sc.cwd.parents][:40]:
        if os.path.exists(d / ".git") or os.path.exists(d / ".github"):
            return d
    return sc.cwd


def _file_pin(path: Path) -> PinToken | None:
    from gover.select import resolve

    name = path.name
    reader = (
        resolve.read_gomod
        if name in ("go.mod", "go.work")
        else resolve.read_tool_versions
        if name == ".tool-versions"
        else resolve.read_version_file
    )
    try:
        found = reader(path)
    except (OSError, GoverError):
        return None
    return found.want if found is not None else None


def _ci(sc: Scope, acc: _Acc, pin: tuple[PinToken, Path] | None) -> None:
    root = _repo_root(sc)
    workflows = root / ".github" / "workflows"
    for name in _listdir(workflows):
        if not name.endswith((".yml", ".yaml")):
            continue
        text = _text(workflows / name)
        if text is None:
            continue
        shown = display(workflows / name, sc.home)
        for key, number, value in _setup_go_steps(text):
            where = f"{shown}:{number}"
            if "${{" in value or not value or value in ("|", ">"):
                continue
            if key == "go-version-file":
                target = root / value
                if not os.path.isfile(target):
                    acc.add(
                        "ci-go-version-file",
                        "warning",
                        f"setup-go reads go-version-file {value}, which is not in the "
                        "repository: the job fails before it builds",
                        where,
                        f"change line {number} to: go-version-file: "
                        + (os.path.relpath(pin[1], root) if pin else "go.mod"),
                    )
                    continue
                if pin is None or os.path.realpath(target) == os.path.realpath(pin[1]):
                    continue
                theirs = _file_pin(target)
                if theirs is None or theirs.version is None:
                    continue
                kind = "exact" if theirs.kind == "exact" else "series"
                if _mismatch(kind, theirs.version, pin[0]):
                    acc.add(
                        "ci-go-mismatch",
                        "warning",
                        f"CI takes go {theirs.text} from {value}, but the repository asks for "
                        f"{_pin_words(pin[0], pin[1], root)}",
                        where,
                        f"change line {number} to: go-version-file: {os.path.relpath(pin[1], root)}",
                    )
                continue
            spec = _spec(value)
            if spec is None or pin is None:
                continue
            if _mismatch(spec[0], spec[1], pin[0]):
                acc.add(
                    "ci-go-mismatch",
                    "warning",
                    f"CI runs go {value} (actions/setup-go), but the repository asks for "
                    f"{_pin_words(pin[0], pin[1], root)}",
                    where,
                    f"change line {number} to: go-version-file: {os.path.relpath(pin[1], root)}",
                )
    gitlab = root / ".gitlab-ci.yml"
    text = _text(gitlab) if pin is not None and os.path.isfile(gitlab) else None
    if text is None or pin is None:
        return
    for number, line in enumerate(text.splitlines()[:20000], 1):
        m = re.match(r"\s*(?:-\s+)?(?:image|name):\s*(.*)$", line)
        if m is None:
            continue
        ref = _yaml_value(m[1])
        image = _golang_image(ref) if ref and "$" not in ref else None
        if image is None or image[0] is None:
            continue
        tag = image[0]
        spec = _tag_spec(tag)
        if spec is not None and _mismatch(spec[0], spec[1], pin[0]):
            acc.add(
                "ci-go-mismatch",
                "warning",
                f"GitLab CI runs image {ref} (go {spec[1].name}), but the repository asks for "
                f"{_pin_words(pin[0], pin[1], root)}",
                f"{display(gitlab, sc.home)}:{number}",
                f"change line {number} to: {line[: m.start(1)].strip()} golang:{pin[0].text}"
                + tag[len(tag.split("-", 1)[0]) :],
            )


# ---- the detector ----------------------------------------------------------------------------

_last: tuple[Scope, list[str]] | None = None


def _run(sc: Scope) -> list[Finding]:
    global _last
    acc = _Acc()
    pin = _repo_pin(sc)
    for part in (_systemd, _sudo):
        part(sc, acc)
    _dockerfiles(sc, acc, pin)
    _ci(sc, acc, pin)
    _last = (sc, acc.notes)
    return acc.findings


def _notes(sc: Scope) -> list[str]:
    if _last is not None and _last[0] is sc:
        return list(_last[1])
    return []


DETECTOR = Detector(NAME, _run, _notes)
