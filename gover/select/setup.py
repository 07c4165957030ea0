"""`gover init`: which startup file each shell reads, the block gover needs there, and an
idempotent editor for it.

Planning reads files but never writes; `apply` writes. The block sits between two marker lines
and is replaced in place on the next run, so running `--write` twice changes nothing and an
old block is updated rather than duplicated. A file is backed up before gover changes it.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from gover import output, paths
from gover.constants import ENV_HOME, SETUP_BACKUP_SUFFIX, SETUP_BLOCK_BEGIN, SETUP_BLOCK_END
from gover.errors import SetupError, UsageError
from gover.fsutil import UnsafePathError, open_regular, read_capped, write_atomic
from gover.select import shells
from gover.select.shells import bash_login_file

_MANAGED = "# Managed by `gover init --write`, which rewrites this block in place."
_HOOK_RE = re.compile(r"\bgover\s+hook\b")

State = Literal["missing", "outdated", "current"]


@dataclass(frozen=True)
class Edit:
    """One marked block in one file, and why that file."""

    path: Path
    block: str  # the lines between the markers, each ending in "\n"
    reason: str

    @property
    def text(self) -> str:
        return f"{SETUP_BLOCK_BEGIN}\n{self.block}{SETUP_BLOCK_END}\n"


@dataclass(frozen=True)
class Report:
    shell: str
    os_name: str
    home: Path
    shims: Path
    edits: list[Edit]
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    completion: Completion | None = None


# ---- detection ------------------------------------------------------------------------------


def normalize_shell(name: str) -> str | None:
    return shells.hook_shell(name)


def parent_process_name() -> str | None:
    """The shell that started gover, where that costs one read (Linux /proc); else None."""
    try:
        return Path(f"/proc/{os.getppid()}/comm").read_text("utf-8").strip() or None
    except OSError:
        return None


def detect_shell(env: Mapping[str, str], parent: str | None) -> str | None:
    """The running shell (parent process) first, then the login shell ($SHELL)."""
    for candidate in (parent, env.get("SHELL")):
        if candidate and (name := normalize_shell(candidate)) is not None:
            return name
    return None


# ---- quoting (gover/select/shells.py) ----------------------------------------------------


def _sh_word(path: Path, home: Path) -> str:
    return shells.home_word("sh", path, home)


def _fish_word(path: Path, home: Path) -> str:
    return shells.home_word("fish", path, home)


def _pwsh_word(path: Path, home: Path) -> str:
    return shells.home_word("pwsh", path, home)


def _nu_word(path: Path, home: Path) -> str:
    return shells.home_word("nu", path, home)


def _display(path: Path, home: Path) -> str:
    return shells.display(path, home)


# ---- the blocks -----------------------------------------------------------------------------


def shims_path_line(shell: str, shims: Path, home: Path) -> str:
    """The one line that puts the shims first on PATH (all a prompt-less context needs)."""
    if shell == "fish":
        return f"set -gx PATH {_fish_word(shims, home)} $PATH"
    if shell == "pwsh":
        return f"$Env:PATH = {_pwsh_word(shims, home)} + [IO.Path]::PathSeparator + $Env:PATH"
    if shell == "nu":
        return f"$env.PATH = ($env.PATH | prepend {_nu_word(shims, home)})"
    word = _sh_word(shims, home)
    return f'export PATH={word}:"$PATH"'


def gover_home_line(shell: str, gover_home: Path, home: Path) -> str:
    """The line that keeps the user's GOVER_HOME: without it a new shell's `gover` (the hook,
    `gover list`) looks in the default store and finds nothing installed."""
    if shell == "fish":
        return f"set -gx {ENV_HOME} {_fish_word(gover_home, home)}"
    if shell == "pwsh":
        return f"$Env:{ENV_HOME} = {_pwsh_word(gover_home, home)}"
    if shell == "nu":
        return f"$env.{ENV_HOME} = {_nu_word(gover_home, home)}"
    return f"export {ENV_HOME}={_sh_word(gover_home, home)}"


def hook_source_line(shell: str, hook: Path, home: Path) -> str:
    """The line that loads the hook file `gover rehash` rendered: reading a file starts no
    process (`eval "$(gover hook bash)"` started Python in every new shell). Guarded, so that
    without the file (gover uninstalled, nothing rendered yet) it does nothing and says
    nothing."""
    if shell == "fish":
        w = _fish_word(hook, home)
        return f"test -r {w}; and source {w}"
    if shell == "pwsh":
        w = _pwsh_word(hook, home)
        return f"if (Test-Path -LiteralPath {w} -PathType Leaf) {{ . {w} }}"
    if shell == "nu":
        # nu sources only what it can name when it parses the file (a const); `source null`
        # is nu's documented no-op.
        w = _nu_word(hook, home)
        return (
            f"const __gover_hook_file = {w}\n"
            "source (if ($__gover_hook_file | path exists) { $__gover_hook_file } else { null })"
        )
    w = _sh_word(hook, home)
    return f"if [ -r {w} ]; then . {w}; fi"


def completion_file(shell: str, home: Path, os_name: str, env: Mapping[str, str]) -> Path:
    """Where `shell` looks for gover's completions: bash-completion's per-user directory,
    ~/.zfunc (put on $fpath by gover's block), fish's completions directory, nu's autoload
    directory (beside the block), and beside the PowerShell profile (dot-sourced by the block)."""
    from gover.cli.completions import FILES, OWN_FILES, PROG

    if shell == "bash":
        xdg = env.get("XDG_DATA_HOME", "")
        data = Path(xdg) if xdg and os.path.isabs(xdg) else home / ".local" / "share"
        return data / "bash-completion" / "completions" / PROG
    if shell == "zsh":
        return home / ".zfunc" / FILES["zsh"]
    if shell == "fish":
        return shells.config_home(home, env) / "fish" / "completions" / FILES["fish"]
    if shell == "nu":
        return shells.nu_autoload_dir(home, os_name, env) / OWN_FILES["nu"]
    return shells.pwsh_profile(home, os_name, env).with_name(OWN_FILES["pwsh"])



def completion_line(shell: str, home: Path, env: Mapping[str, str] | None = None) -> str:
    """The block's lines that load the completions file (zsh, pwsh; the other shells find it
    by its place). zsh: on $fpath for a compinit that runs later, and registered now when
    compinit already ran."""
    env = {} if env is None else env
    path = completion_file(shell, home, sys.platform, env)
    if shell == "zsh":
        d = _sh_word(path.parent, home)
        return (
            f"fpath=({d} $fpath)\n"
            "if (( $+functions[compdef] )); then autoload -Uz _gover && compdef _gover gover; fi\n"
        )
    if shell == "pwsh":
        w = _pwsh_word(path, home)
        return f"if (Test-Path -LiteralPath {w} -PathType Leaf) {{ . {w} }}\n"
    return ""


def rc_block(
    shell: str,
    shims: Path,
    home: Path,
    gover_home: Path | None = None,
    hook_file: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> str:
    """GOVER_HOME when the user set one, shims first on PATH (they choose the Go of every go
    call, with or without a prompt), then the hook file (GOROOT for tools that read it, the
    not-installed warning once per directory)."""
    hook_file = paths.hook_file(shell) if hook_file is None else hook_file
    hook = hook_source_line(shell, hook_file, home)
    head = f"{_MANAGED}\n"
    if gover_home is not None:
        head += gover_home_line(shell, gover_home, home) + "\n"
    if shell == "fish":
        w = _fish_word(shims, home)
        return head + (
            f"if not contains -- {w} $PATH\n"
            f"    set -gx PATH {w} $PATH\n"
            "end\n"
            "if status is-interactive\n"
            f"    {hook}\n"
            "end\n"
        )
    if shell == "pwsh":
        w = _pwsh_word(shims, home)
        return head + (
            f"if (-not (($Env:PATH -split [IO.Path]::PathSeparator) -contains {w})) {{\n"
            f"    $Env:PATH = {w} + [IO.Path]::PathSeparator + $Env:PATH\n"
            "}\n"
            f"{hook}\n"
        ) + completion_line(shell, home, env)
    if shell == "nu":
        w = _nu_word(shims, home)
        return head + (
            f"if not ({w} in $env.PATH) {{\n"
            f"    $env.PATH = ($env.PATH | prepend {w})\n"
            "}\n"
            f"{hook}\n"
        )
    w = _sh_word(shims, home)
    return head + (
        'case ":$PATH:" in\n'
        f"  *:{w}:*) ;;\n"
        f'  *) export PATH={w}:"$PATH" ;;\n'
        "esac\n"
        f"{hook}\n"
    ) + (completion_line(shell, home, env) if shell == "zsh" else "")


PROFILE_BLOCK = (
    f"{_MANAGED}\n"
    "# Login shells (macOS terminals, ssh, the console) read this file, not ~/.bashrc.\n"
    'if [ -n "${BASH_VERSION-}" ] && [ -f "$HOME/.bashrc" ]; then\n'
    '  . "$HOME/.bashrc"\n'
    "fi\n"
)


# ---- reading startup files ------------------------------------------------------------------


RC_MAX_BYTES = 16 << 20  # a startup file larger than this is not one gover edits


def _read(path: Path) -> str | None:
    """A startup file's text, None when it does not exist. Opened without blocking and refused
    (one line naming it) unless a regular file: a FIFO as ~/.bashrc never hangs gover."""
    try:
        data = read_capped(path, RC_MAX_BYTES)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise SetupError(
            f"{path}: {reason if isinstance(exc, UnsafePathError) else 'cannot read it: ' + reason}",
            "gover init edits only regular files you can read; add the block by hand",
        ) from None
    return data.decode("utf-8", "surrogateescape")


def _read_quietly(path: Path) -> str | None:
    """Like _read, for files gover only looks at (for warnings): unreadable means nothing."""
    try:
        return _read(path)
    except SetupError:
        return None


def _outside_block(text: str) -> list[tuple[int, str]]:
    """(line number, line) of every non-comment line outside gover's block."""
    out: list[tuple[int, str]] = []
    inside = False
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped == SETUP_BLOCK_BEGIN:
            inside = True
        elif stripped == SETUP_BLOCK_END:
            inside = False
        elif not inside and stripped and not stripped.startswith("#"):
            out.append((number, line))
    return out


def _sources_bashrc(text: str, home: Path) -> bool:
    homes = ["~", r"\$HOME", r"\$\{HOME\}", re.escape(str(home))]
    pattern = re.compile(
        r"(?:^|[\s;&|({])(?:\.|source)\s+[\"']?(?:" + "|".join(homes) + r")[\"']?/\.bashrc\b"
    )
    return any(pattern.search(line) for _n, line in _outside_block(text))


def _hook_lines(path: Path) -> list[int]:
    text = _read_quietly(path)
    if text is None:
        return []
    return [n for n, line in _outside_block(text) if _HOOK_RE.search(line)]


# ---- planning -------------------------------------------------------------------------------


def plan(
    shell: str,
    home: Path,
    os_name: str,
    *,
    env: Mapping[str, str] | None = None,
    shims: Path | None = None,
    gover_home: Path | None = None,
) -> list[Edit]:
    """The blocks `shell` needs on this OS and the files they go in (`gover_home`: the
    GOVER_HOME to keep, None when the user set none)."""
    env = {} if env is None else env
    shims = paths.shims_dir() if shims is None else shims
    block = rc_block(shell, shims, home, gover_home, env=env)
    rc, reason = shells.startup_file(shell, home, os_name, env)
    edits = [Edit(rc, block, reason)]
    if shell != "bash":
        return edits
    login = bash_login_file(home)
    if login is None:
        # No login file yet: login shells (ssh, the console, macOS terminals) would read none
        # of the user's files. macOS: ~/.bash_profile; elsewhere ~/.profile, as Debian's skel
        # has it (sh reads it too: the block sources ~/.bashrc only under bash).
        login = home / (".bash_profile" if os_name == "darwin" else ".profile")
    if login is not None:
        text = _read_quietly(login) or ""
        if not _sources_bashrc(text, home):
            edits.append(
                Edit(
                    login,
                    PROFILE_BLOCK,
                    "login shells read it instead of ~/.bashrc; it must source ~/.bashrc",
                )
            )
    return edits


def check(
    shell: str, home: Path, os_name: str, env: Mapping[str, str], edits: list[Edit]
) -> tuple[list[str], list[str]]:
    """(warnings, notes): hook lines where they do not work or would run twice, and gaps."""
    warnings: list[str] = []
    notes: list[str] = []
    zdot = shells.zdotdir(home, env)
    if shell == "bash":
        for name in shells.BASH_LOGIN_FILES:
            for n in _hook_lines(home / name):
                warnings.append(
                    f"{_display(home / name, home)}:{n} runs `gover hook`, but only login shells "
                    "read that file; interactive non-login shells (most terminal windows on Linux, "
                    "`bash` started from a shell) never do. Move it to ~/.bashrc (what --write does)"
                )
    if shell == "zsh":
        for name, why in (
            (
                ".zshenv",
                "every zsh reads it, scripts included, and on macOS it runs before "
                "/etc/zprofile's path_helper reorders PATH",
            ),
            (".zprofile", "only login shells read it"),
            (".zlogin", "only login shells read it"),
        ):
            for n in _hook_lines(zdot / name):
                warnings.append(
                    f"{_display(zdot / name, home)}:{n} runs `gover hook`, but {why}. "
                    "Move it to .zshrc (what --write does)"
                )
    if shell == "fish":
        config = shells.fish_config(home, env)
        for n in _hook_lines(config):
            warnings.append(
                f"{_display(config, home)}:{n} runs `gover hook` too; remove it there, "
                "conf.d/gover.fish runs it (twice is once too many)"
            )
    for edit in edits[:1]:
        for n in _hook_lines(edit.path):
            warnings.append(
                f"{_display(edit.path, home)}:{n} runs `gover hook` outside gover's block; "
                "remove that line (it would run twice)"
            )
    if shutil.which("gover", path=env.get("PATH")) is None:
        notes.append(
            "`gover` is not on PATH here: the shims and the hook work without it, but to run "
            "gover commands put its directory on PATH earlier in that file"
        )
    return warnings, notes


# ---- editing --------------------------------------------------------------------------------


def splice(text: str, edit: Edit, where: Path) -> str:
    """`text` with gover's block replaced in place (extra copies removed) or appended."""
    newline = "\r\n" if "\r\n" in text else "\n"
    block = edit.text.replace("\n", newline)
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    placed = False
    i = 0
    while i < len(lines):
        if lines[i].strip() != SETUP_BLOCK_BEGIN:
            out.append(lines[i])
            i += 1
            continue
        end = next(
            (j for j in range(i + 1, len(lines)) if lines[j].strip() == SETUP_BLOCK_END), None
        )
        if end is None:
            raise SetupError(
                f"{where}:{i + 1}: '{SETUP_BLOCK_BEGIN}' has no '{SETUP_BLOCK_END}' after it",
                "fix the file by hand, then run gover init --write again",
            )
        if not placed:
            out.append(block)
            placed = True
        i = end + 1
    if placed:
        return "".join(out)
    if text and not text.endswith("\n"):
        text += newline
    if text.strip():
        text += newline
    return text + block


def state(edit: Edit) -> State:
    text = _read(edit.path)
    if text is None or SETUP_BLOCK_BEGIN not in text:
        return "missing"
    try:
        return "current" if splice(text, edit, edit.path) == text else "outdated"
    except SetupError:
        return "outdated"


def backup_path(path: Path) -> Path:
    return path.with_name(path.name + SETUP_BACKUP_SUFFIX)


def _check_writable(path: Path, target: Path) -> None:
    """Refuse a file its owner made read-only (no write bit at all), or that we cannot write:
    that is a choice, and gover does not chmod around it (root would pass os.access)."""
    st = os.stat(target)
    if not st.st_mode & 0o222 or not os.access(target, os.W_OK):
        raise SetupError(
            f"{path}: is read-only; gover init leaves it alone",
            f"make it writable (chmod u+w {target}) and run gover init --write again, "
            "or add the block by hand",
        )


def _write_in_place(target: Path, data: bytes) -> None:
    """Rewrite an existing file through its own inode: hard links, owner, ACLs and mode stay
    (a rename over it would split its hard links). The caller has saved a backup first."""
    fd = open_regular(target, os.O_WRONLY)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.ftruncate(fd, len(data))
        os.fsync(fd)
    finally:
        os.close(fd)


def apply(edits: list[Edit]) -> list[Path]:
    """Write each block; return the files that changed. Every file is checked before any is
    written (a read-only or non-regular file stops the run with nothing changed). An existing
    file is backed up (FILE.gover-backup, its content just before this change), then edited
    in place; a symlinked file (dotfile managers) is edited where it points, so the link
    survives; a new file is written atomically."""
    planned: list[tuple[Edit, Path, str | None, str]] = []
    for edit in edits:
        target = Path(os.path.realpath(edit.path)) if edit.path.is_symlink() else edit.path
        old = _read(target)
        new = splice(old or "", edit, edit.path)
        if old is not None and new == old:
            continue
        if old is not None:
            _check_writable(edit.path, target)
        planned.append((edit, target, old, new))
    changed: list[Path] = []
    for edit, target, old, new in planned:
        data = new.encode("utf-8", "surrogateescape")
        if old is None:
            write_atomic(target, data, mode=0o644)
        else:
            mode = stat.S_IMODE(os.stat(target).st_mode)
            backup = old.encode("utf-8", "surrogateescape")
            write_atomic(backup_path(edit.path), backup, mode=mode)
            _write_in_place(target, data)
        changed.append(edit.path)
    return changed


# ---- completions ----------------------------------------------------------------------------

CompletionState = Literal["missing", "outdated", "current", "foreign"]


@dataclass(frozen=True)
class Completion:
    """gover's completion script for one shell and the file it goes in."""

    path: Path
    text: str
    state: CompletionState  # before this run; "foreign": a file gover did not write
    written: bool = False


_COMPLETION_MARK = "completion for gover."


def _ours(text: str) -> bool:
    """A completion file gover wrote: its header names it in the first two lines."""
    return any(_COMPLETION_MARK in line for line in text.splitlines()[:2])


def plan_completion(shell: str, home: Path, os_name: str, env: Mapping[str, str]) -> Completion:
    from gover.cli import completions

    path = completion_file(shell, home, os_name, env)
    text = completions.render(shell)
    try:
        old = read_capped(path, RC_MAX_BYTES).decode("utf-8", "surrogateescape")
    except (FileNotFoundError, NotADirectoryError):
        return Completion(path, text, "missing")
    except OSError:
        return Completion(path, text, "foreign")
    if not _ours(old):
        return Completion(path, text, "foreign")
    return Completion(path, text, "current" if old == text else "outdated")


def install_completion(c: Completion) -> Completion:
    """Write the script unless it is current or the file there is not gover's (never
    overwritten: the report names it)."""
    if c.state in ("current", "foreign"):
        return c
    c.path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(c.path, c.text.encode("utf-8"), mode=0o644)
    return Completion(c.path, c.text, c.state, True)


def completion_lines(report: Report) -> list[str]:
    c = report.completion
    if c is None:
        return []
    where = output.safe(_display(c.path, report.home))
    if c.written:
        return [f"completions: wrote {where}"]
    if c.state == "current":
        return [f"completions: {where} is current"]
    if c.state == "foreign":
        return [f"completions: {where} was not written by gover; left alone (gover completions {report.shell} prints the script)"]
    return [f"completions: --write installs them as {where}"]


# ---- the command ----------------------------------------------------------------------------


def home_dir(env: Mapping[str, str]) -> Path:
    """$HOME, which every startup file hangs off: refused when unset, empty or relative
    (with HOME="" a naive join wrote /.bashrc)."""
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        return Path.home()
    home = env.get("HOME")
    if not home:
        raise SetupError(
            f"HOME is {'empty' if home == '' else 'not set'}: cannot tell where your shell's "
            "startup files are",
            "set HOME to your home directory, e.g. export HOME=/home/you",
        )
    if not os.path.isabs(home):
        raise SetupError(
            f"HOME is a relative path ({home!r}): cannot tell where your shell's startup files are",
            "set HOME to the absolute path of your home directory",
        )
    return Path(home)


def run(shell: str | None, *, write: bool) -> Report:
    """`gover init [SHELL] [--write]` for this user and OS."""
    env = dict(os.environ)
    home = home_dir(env)
    if shell is None:
        name = detect_shell(env, parent_process_name())
        if name is None:
            raise UsageError(
                "cannot tell which shell this is", "name it: gover init bash|zsh|fish|nu|pwsh"
            )
    else:
        found = normalize_shell(shell)
        if found is None:
            raise UsageError(
                f"gover init supports bash, zsh, fish, nu and pwsh, not {shell!r}",
                f"for sh, add to ~/.profile: {shims_path_line('sh', paths.shims_dir(), home)}",
            )
        name = found
    # GOVER_HOME as gover reads it (absolute, ~ expanded); None when unset or empty.
    gover_home = paths.data_dir() if env.get(ENV_HOME) else None
    edits = plan(name, home, sys.platform, env=env, gover_home=gover_home)
    warnings, notes = check(name, home, sys.platform, env, edits)
    written: list[Path] = []
    completion = plan_completion(name, home, sys.platform, env)
    if write:
        # The block sources the hook file: render it now, not at the first install.
        from gover.select import shims

        shims.render_hooks()
        written = apply(edits)
        completion = install_completion(completion)
    return Report(
        name, sys.platform, home, paths.shims_dir(), edits, warnings, notes, written, completion
    )


# ---- rendering (text only; gover.output prints it) ------------------------------------------

_OS_NAMES = {"darwin": "macOS", "win32": "Windows"}


def shims_only(report: Report) -> list[str]:
    """Where the one PATH line goes when there is no prompt, so no rc file and no hook."""
    shims, home = report.shims, report.home
    if report.os_name == "win32":
        return [
            "  Windows (IDEs, Task Scheduler, services running as you) read the user PATH:",
            "    [Environment]::SetEnvironmentVariable('Path', "
            + _pwsh_word(shims, home)
            + " + ';' + [Environment]::GetEnvironmentVariable('Path', 'User'), 'User')",
            "  GitHub Actions: " + _pwsh_word(shims, home) + " >> $env:GITHUB_PATH",
        ]
    line = shims_path_line("sh", shims, home)
    fixed = str(shims)
    lines = [f"  {line}", ""]
    if report.os_name == "darwin":
        lines.append(
            "  IDEs: VS Code and GoLand load your login shell's environment, so the setup above "
            f"covers them; otherwise set the IDE's go to {fixed}/go"
        )
        lines.append(
            "  launchd agents: add PATH (starting with the shims dir) to EnvironmentVariables "
            "in the agent's plist"
        )
    else:
        lines.append(
            "  IDEs and desktop apps: put the line in ~/.profile (read at graphical login; log "
            f"out and in), or set the IDE's go to {fixed}/go"
        )
        lines.append(
            "  systemd user services: ~/.config/environment.d/gover.conf with "
            f"PATH={fixed}:${{PATH}} (next login), or Environment=PATH=... in the unit"
        )
    lines += [
        "  cron: at the top of `crontab -e` (cron reads no shell file and does not expand "
        f"$PATH): PATH={fixed}:/usr/local/bin:/usr/bin:/bin",
        "  Docker: each RUN is a fresh `sh -c` that reads no rc file; in the Dockerfile:",
        "    ENV GOVER_HOME=/opt/gover",
        '    ENV PATH="/opt/gover/shims:$PATH"',
        f'  CI: GitHub Actions: echo "{fixed}" >> "$GITHUB_PATH"; elsewhere the line above '
        "in the job's script",
    ]
    return lines


def render(report: Report) -> list[str]:
    home = report.home
    osname = _OS_NAMES.get(
        report.os_name, "Linux" if report.os_name.startswith("linux") else report.os_name
    )
    out = [f"gover init {report.shell} ({osname})", ""]
    for edit in report.edits:
        # File names are prose (escaped for the terminal); the blocks are code (exact).
        where = output.safe(_display(edit.path, home))
        if edit.path in report.written:
            backup = backup_path(edit.path)
            saved = f" (backup: {output.safe(_display(backup, home))})" if backup.exists() else ""
            out.append(f"updated {where}{saved}: {edit.reason}")
            continue
        now = state(edit)
        if now == "current":
            out.append(f"{where}: set up ({edit.reason})")
            continue
        verb = "replace gover's block in" if now == "outdated" else "add to"
        out.append(f"{verb} {where} ({edit.reason}):")
        out.append("")
        out.extend("    " + line for line in edit.text.splitlines())
        out.append("")
    pending = [e for e in report.edits if e.path not in report.written and state(e) != "current"]
    out.extend(completion_lines(report))
    if pending:
        out.append(f"or let gover do it: gover init {report.shell} --write")
    elif report.written:
        out.append("open a new shell to use it")
    for note in report.notes:
        out.append("")
        out.append(f"note: {note}")
    out.append("")
    out.append(
        "Without a prompt (IDEs, cron, systemd user services, Docker RUN, CI) no rc file is "
        "read and no hook runs. The shims alone are enough there: `go` still follows "
        ".go-version and go.mod. Put them first on PATH:"
    )
    out.extend(shims_only(report))
    return out
