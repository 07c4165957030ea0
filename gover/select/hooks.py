"""`gover hook SHELL`: code for a shell's rc file that re-selects Go before every prompt.

The hook resolves inside the shell, starting no process, by the rules of resolve.py: bash
and zsh run shims/resolve.sh itself (the code the shims run); fish and PowerShell cannot, so
shims/hook.fish and shims/hook.ps1 carry ports of it that the parity tests hold to it.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

from gover import constants, paths, versions
from gover.errors import UsageError
from gover.select import gomod, resolve
from gover.select.shells import SHELLS, fish_quote, nu_quote, pwsh_quote, sh_quote
from gover.select.shims import fill, resolver_source, template
from gover.toolchain import store

_POSIX = re.compile(r"^# >>> posix.*?^# <<< posix\n", re.M | re.S)


# The names the walk up from $PWD looks for in each directory (resolve.py's order).
_PIN_NAMES = (resolve.VERSION_FILE, resolve.TOOL_VERSIONS, gomod.GO_WORK, gomod.GO_MOD)


def _pin_probe(double_brackets: bool) -> str:
    """resolve.sh's test "does $_gv_f hold any of the four", in sh or as bash/zsh's [[ ]]."""
    if double_brackets:
        return "[[ " + " || ".join(f"-e $_gv_f/{n}" for n in _PIN_NAMES) + " ]]"
    return " || ".join(f'[ -e "$_gv_f/{n}" ]' for n in _PIN_NAMES)


def _hook_resolver() -> str:
    """shims/resolve.sh for the bash and zsh hooks: the walk's per-directory test as one
    [[ ]] (a keyword, not four commands: 40 levels below a pin cost bash 0.73 ms instead of
    1.05, zsh about half). The shims keep the sh form, which dash needs."""
    text = resolver_source()
    probe = _pin_probe(False)
    if text.count(probe) != 1:
        raise RuntimeError("shims/resolve.sh lost the walk's per-directory test")
    return text.replace(probe, _pin_probe(True))


def _sh_values() -> dict[str, str]:
    return {
        "@BOM@": "\ufeff",
        "@CR@": "\r",
        "@RESOLVE@": _hook_resolver().rstrip("\n"),
        "@ENV_VERSION@": _env_name(),
    }


def _env_name() -> str:
    """constants.ENV_VERSION, checked plain: the gover function matches it in patterns."""
    if re.fullmatch(r"[A-Z_][A-Z0-9_]*", constants.ENV_VERSION) is None:
        raise RuntimeError(f"{constants.ENV_VERSION!r} is not a plain variable name")
    return constants.ENV_VERSION


_FUNCTION = re.compile(r"^# >>> function.*?^# <<< function\n", re.M | re.S)


def _function(shell: str) -> str:
    """hook.bash's gover command for bash or zsh (zsh: under its own options, `emulate -L
    zsh`, since the function runs with the user's)."""
    found = _FUNCTION.search(template("hook.bash"))
    if found is None:
        raise RuntimeError("shims/hook.bash lost its '# >>> function' section")
    setup = "\n  emulate -L zsh" if shell == "zsh" else ""
    return fill(found.group(0), {"@FN_SHELL@": shell, "@FN_SETUP@": setup}).rstrip("\n")


def _bash() -> str:
    text = template("hook.bash")
    found = _FUNCTION.search(text)
    assert found is not None  # (_function says so otherwise)
    text = text[: found.start()] + _function("bash") + "\n" + text[found.end() :]
    return fill(text, _sh_values())


def _posix_part() -> str:
    """The shell-neutral half of hook.bash (undo, choose, apply, warn once), shared with zsh."""
    found = _POSIX.search(template("hook.bash"))
    if found is None:
        raise RuntimeError("shims/hook.bash lost its '# >>> posix' section")
    return found.group(0).rstrip("\n")


def _zsh_body() -> str:
    values = _sh_values()
    values["@POSIX@"] = fill(_posix_part(), values)
    values["@FUNCTION@"] = _function("zsh")
    return fill(template("hook.zsh"), values)


# Parsed under sh emulation: comments count even when interactive_comments is off, and
# neither the user's aliases nor options such as ksh_arrays change what it means.
# no_posix_strings: so that $'\0' in it is a NUL, not the end of the string.
_ZSH_OPTIONS = "setopt no_aliases no_posix_strings"


def _zsh() -> str:
    """What `gover hook zsh` prints for eval: the hook, parsed under sh emulation."""
    wrapper = f'() {{ emulate -L sh; {_ZSH_OPTIONS}; eval "$1"; }}'
    return f"{wrapper} {sh_quote(_zsh_body())}\n"


def zsh_body_file() -> Path:
    """The zsh hook itself, beside the hook file (which loads it): rehash has zsh compile it
    to wordcode (FILE.zwc, which zsh's `source` prefers while it is newer than FILE), so a
    new zsh does not parse 20 KB of sh at every start (+1.9 ms to +0.1 ms)."""
    return paths.hook_file("zsh").with_name("hook-body.zsh")


def render_zsh_loader() -> str:
    """paths.hook_file("zsh"): loads the body (compiled or not) under sh emulation."""
    body = sh_quote(str(zsh_body_file()))
    return (
        file_header("zsh")
        + "# The hook is hook-body.zsh beside this file (gover hook zsh prints the same code).\n"
        + f"if [ -r {body} ]; then emulate sh -c {sh_quote(f'{_ZSH_OPTIONS}; source {body}')}; fi\n"
    )


def render_zsh_body_file() -> str:
    return file_header("zsh") + _zsh_body()


def compile_zsh_body() -> bool:
    """Have zsh compile the body file to wordcode under the options it is loaded with.
    False (nothing written) when zsh is not installed or fails: the body is then parsed."""
    import subprocess

    zsh = shutil.which("zsh")
    if zsh is None:
        return False
    body = zsh_body_file()
    script = f"emulate sh -c {sh_quote(f'{_ZSH_OPTIONS}; zcompile -U -- {sh_quote(str(body))}')}"
    try:
        proc = subprocess.run(
            [zsh, "-f", "-c", script],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return proc.returncode == 0


def _grammar(start: str) -> str:
    """versions.PIN_GRAMMAR as one anchored regex (fish: PCRE2, pwsh: .NET; both end at \\z,
    which unlike $ never matches before a final newline)."""
    return f"{start}(?:{versions.PIN_GRAMMAR})\\z"


def _switch_re(start: str) -> str:
    """The GOTOOLCHAIN values that let go switch itself (auto, path, NAME+auto, NAME+path)
    as one anchored regex; resolve.sh has them as case patterns (shims.resolver_values)."""
    modes = "|".join(re.escape(m) for m in constants.GOTOOLCHAIN_SWITCH_MODES)
    return f"(?s){start}(?:.*\\+)?(?:{modes})\\z"


def _store_values(quote: Callable[[str], str]) -> dict[str, str]:
    """What the fish and PowerShell ports need from paths.py, constants.py, versions.py and
    store.installed_rule(), read at render time."""
    rule = store.installed_rule()
    kinds = constants.VERSION_KINDS
    return {
        "@DATA@": quote(str(paths.data_dir())),
        "@VERSIONS@": quote(str(paths.versions_dir())),
        "@ALIASES@": quote(str(paths.aliases_dir())),
        "@GLOBAL@": quote(str(paths.global_version_file())),
        "@SHIMGO@": quote(str(paths.shims_dir() / "go")),
        "@RECEIPT@": quote(rule.receipt),
        "@GOEXES@": " ".join(quote(exe) for exe in rule.executables),
        "@MARKER@": quote(constants.SHIMS_MARKER),
        "@LIMIT@": str(int(constants.VERSION_FILE_LIMIT)),
        "@KINDS@": " ".join(quote(k) for k in kinds),
        "@ENV_VERSION@": quote(constants.ENV_VERSION),
    }


def _od() -> str:
    """od(1) for the fish hook (its bounded reader of version files), by absolute path."""
    for directory in ("/usr/bin", "/bin"):
        candidate = os.path.join(directory, "od")
        if os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("od") or "od"


def _fish() -> str:
    values = _store_values(fish_quote)
    values["@OD@"] = fish_quote(_od())
    values["@GRAMMAR@"] = fish_quote(_grammar("^"))
    values["@SWITCH_RE@"] = fish_quote(_switch_re("^"))
    return fill(template("hook.fish"), values)


def _pwsh() -> str:
    values = _store_values(pwsh_quote)
    values["@GRAMMAR@"] = pwsh_quote(_grammar("\\A"))
    values["@SWITCH_RE@"] = pwsh_quote(_switch_re("\\A"))
    values["@KINDS@"] = "@(" + ", ".join(pwsh_quote(k) for k in constants.VERSION_KINDS) + ")"
    exes = store.installed_rule().executables
    values["@GOEXES@"] = "@(" + ", ".join(pwsh_quote(exe) for exe in exes) + ")"
    return fill(template("hook.ps1"), values)


def _nu() -> str:
    values = _store_values(nu_quote)
    values["@GRAMMAR@"] = nu_quote(_grammar("^"))
    values["@SWITCH_RE@"] = nu_quote(_switch_re("^"))
    return fill(template("hook.nu"), values)


_RENDER: dict[str, Callable[[], str]] = {
    "bash": _bash,
    "zsh": _zsh,
    "fish": _fish,
    "nu": _nu,
    "pwsh": _pwsh,
}


def hook_shells() -> tuple[str, ...]:
    """The shells with a hook, whose files `gover rehash` renders."""
    return tuple(_RENDER)


def file_header(shell: str) -> str:
    """The first line of a rendered hook file: how rehash knows the file is its own."""
    return f"# gover hook for {shell}: rendered by `gover rehash`; the block `gover init` wrote sources it.\n"


def render_hook_file(shell: str) -> str:
    """paths.hook_file(shell)'s text: the header, then what `gover hook SHELL` prints (zsh:
    a loader of zsh_body_file, which rehash writes and compiles beside it)."""
    if shell == "zsh":
        return render_zsh_loader()
    return file_header(shell) + render_hook(shell) + "\n"


def hook_files() -> dict[Path, str]:
    """Every file rehash writes into hooks/, with its text."""
    files = {paths.hook_file(s): render_hook_file(s) for s in hook_shells()}
    files[zsh_body_file()] = render_zsh_body_file()
    return files


def render_hook(shell: str) -> str:
    """The hook for `shell`, to be eval'ed (bash, zsh), sourced (fish) or dot-sourced (pwsh)."""
    render = _RENDER.get(shell)
    if render is None:
        raise UsageError(f"unknown shell {shell!r}", f"use: gover hook {'|'.join(SHELLS)}")
    return render().rstrip("\n")
