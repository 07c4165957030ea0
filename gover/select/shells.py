"""The shells gover supports: their names, which startup file each reads, and quoting.

One module for what `gover hook`, `gover init`, `gover shell`, `gover env`, the completion
scripts and the shim renderer each need to know about a shell, so that they cannot disagree
(two PowerShell quoters once did, about the typographic quotes). Pure: no I/O except
`bash_login_file`, which looks at which login file exists.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Mapping
from pathlib import Path

# Shells with a hook and a startup-file block (`gover hook`, `gover init`).
SHELLS = ("bash", "zsh", "fish", "nu", "pwsh")
# Shells `gover shell` and `gover env` print for: the hook shells plus plain POSIX sh.
SESSION_SHELLS = ("bash", "zsh", "sh", "fish", "pwsh")
# Other spellings of those shells: a sh that reads POSIX syntax, PowerShell's long name.
ALIASES = {"dash": "sh", "ksh": "sh", "powershell": "pwsh", "nushell": "nu"}

# The line in a startup file that loads the hook.
HOOK_LINES = {
    "bash": 'eval "$(gover hook bash)"',
    "zsh": 'eval "$(gover hook zsh)"',
    "fish": "gover hook fish | source",
    "pwsh": "Invoke-Expression (& gover hook pwsh | Out-String)",
}


# ---- names ---------------------------------------------------------------------------------


def hook_shell(name: str) -> str | None:
    """A shell with a hook from a name, a path or a login name (`-bash`, `/bin/zsh`,
    `pwsh.exe`, `PowerShell`), or None."""
    base = Path(name.strip()).name.lstrip("-").lower().removesuffix(".exe")
    base = ALIASES.get(base, base)
    return base if base in SHELLS else None


def session_shell(name: str) -> str | None:
    """The shell `gover shell`/`gover env` print for, from its exact name (sh for dash and
    ksh, pwsh for powershell), or None."""
    if name not in SESSION_SHELLS and name not in ALIASES:
        return None
    return ALIASES.get(name, name)


# ---- quoting -------------------------------------------------------------------------------


def sh_quote(value: str) -> str:
    """One sh/bash/zsh word, always single-quoted (a rendered shim's text never depends on
    what a value happens to hold)."""
    return "'" + value.replace("'", "'\\''") + "'"


def fish_quote(value: str) -> str:
    """One fish word, single-quoted: fish ends it at ' and takes \\ as an escape there."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def pwsh_quote(value: str) -> str:
    """One PowerShell word, single-quoted. PowerShell also closes a single-quoted string at
    the typographic single quotes (U+2018 to U+201B), so those are doubled too."""
    return "'" + re.sub("(['\u2018\u2019\u201a\u201b])", r"\1\1", value) + "'"


def nu_quote(value: str) -> str:
    """One nushell string, double-quoted: backslash, double quote and every control
    character escaped (nu's single quotes have no escapes at all)."""

    def esc(m: re.Match[str]) -> str:
        c = m.group(0)
        return "\\" + c if c in '\\"' else f"\\u{{{ord(c):x}}}"

    return '"' + re.sub(r'[\\"\x00-\x1f\x7f]', esc, value) + '"'


def quote(shell: str, value: str) -> str:
    """One word of `shell`'s syntax holding `value`, for lines a user evals: sh family as
    shlex quotes it (bare when it is plainly safe), fish and pwsh always quoted."""
    if shell == "fish":
        return fish_quote(value)
    if shell == "pwsh":
        return pwsh_quote(value)
    if shell == "nu":
        return nu_quote(value)
    return shlex.quote(value)


def _under_home(path: Path, home: Path) -> str | None:
    try:
        rel = path.relative_to(home)
    except ValueError:
        return None
    return rel.as_posix() if rel.parts else None


# Inside PowerShell's double quotes: the typographic double quotes close the string too.
_PWSH_DQ_SPECIAL = re.compile('(["`$\u201c\u201d\u201e])')


def home_word(shell: str, path: Path, home: Path) -> str:
    """A word for `path` in a startup file: "$HOME/…" when it is under HOME (dotfiles travel
    between machines), else `path` quoted as `shell` quotes it."""
    rel = _under_home(path, home)
    if shell == "fish":
        if rel is not None:
            return '"$HOME/' + re.sub(r'(["\\$])', r"\\\1", rel) + '"'
        return fish_quote(str(path))
    if shell == "nu":
        # $nu is known when nu parses the file, so this word can name a file to `source`.
        if rel is not None:
            return f"($nu.home-path | path join {nu_quote(rel)})"
        return nu_quote(str(path))
    if shell == "pwsh":
        if rel is not None:
            sep = "\\" if "\\" in str(home) else "/"
            return '"$HOME' + sep + _PWSH_DQ_SPECIAL.sub(r"`\1", rel.replace("/", sep)) + '"'
        return pwsh_quote(str(path))
    if rel is not None:
        return '"$HOME/' + re.sub(r'(["\\$`])', r"\\\1", rel) + '"'
    return sh_quote(str(path))


def display(path: Path, home: Path) -> str:
    """`path` for prose: ~/… under HOME."""
    rel = _under_home(path, home)
    return f"~/{rel}" if rel is not None else str(path)


# ---- startup files -------------------------------------------------------------------------


def config_home(home: Path, env: Mapping[str, str]) -> Path:
    """$XDG_CONFIG_HOME when absolute, else ~/.config (where fish and pwsh look)."""
    xdg = env.get("XDG_CONFIG_HOME", "")
    return Path(xdg) if xdg and os.path.isabs(xdg) else home / ".config"


def zdotdir(home: Path, env: Mapping[str, str]) -> Path:
    """Where zsh reads its dotfiles: $ZDOTDIR when absolute, else HOME."""
    z = env.get("ZDOTDIR", "")
    return Path(z) if z and os.path.isabs(z) else home


def pwsh_profile(home: Path, os_name: str, env: Mapping[str, str]) -> Path:
    """$PROFILE (current user, current host) as pwsh 7 computes it."""
    if os_name == "win32":
        return home / "Documents" / "PowerShell" / "Microsoft.PowerShell_profile.ps1"
    return config_home(home, env) / "powershell" / "Microsoft.PowerShell_profile.ps1"


def fish_config(home: Path, env: Mapping[str, str]) -> Path:
    """fish's own config.fish (gover's block goes to conf.d instead: fish_conf_d)."""
    return config_home(home, env) / "fish" / "config.fish"


def nu_autoload_dir(home: Path, os_name: str, env: Mapping[str, str]) -> Path:
    """The first of nu's $nu.user-autoload-dirs: autoload under nu's config directory
    ($XDG_CONFIG_HOME/nushell when set, else the platform's: ~/.config/nushell on Linux)."""
    xdg = env.get("XDG_CONFIG_HOME", "")
    if not (xdg and os.path.isabs(xdg)) and os_name == "darwin":
        return home / "Library" / "Application Support" / "nushell" / "autoload"
    if not (xdg and os.path.isabs(xdg)) and os_name == "win32":
        return home / "AppData" / "Roaming" / "nushell" / "autoload"
    return config_home(home, env) / "nushell" / "autoload"


BASH_LOGIN_FILES = (".bash_profile", ".bash_login", ".profile")


def bash_login_file(home: Path) -> Path | None:
    """The file a bash login shell reads: the first of these that exists."""
    for name in BASH_LOGIN_FILES:
        if (home / name).is_file():
            return home / name
    return None


def startup_file(shell: str, home: Path, os_name: str, env: Mapping[str, str]) -> tuple[Path, str]:
    """The file an interactive `shell` reads at startup where gover's block belongs, and why
    that one. (bash login shells read another file: bash_login_file.)"""
    if shell == "zsh":
        return (
            zdotdir(home, env) / ".zshrc",
            "every interactive zsh reads it (not ~/.zshenv: scripts read that)",
        )
    if shell == "fish":
        return (
            config_home(home, env) / "fish" / "conf.d" / "gover.fish",
            "fish sources every file in conf.d at startup",
        )
    if shell == "pwsh":
        return pwsh_profile(home, os_name, env), "$PROFILE: PowerShell runs it at startup"
    if shell == "nu":
        return (
            nu_autoload_dir(home, os_name, env) / "gover.nu",
            "nu runs every file in its autoload directory at startup",
        )
    if shell == "bash":
        return home / ".bashrc", "every interactive non-login bash reads it"
    raise ValueError(f"no startup file for {shell!r}")
