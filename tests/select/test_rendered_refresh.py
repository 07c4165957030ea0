"""What `gover rehash` renders is rendered again after gover changes (an upgrade), and zsh loads
its hook compiled.

- rehash records a fingerprint of what it rendered from; the first gover command that finds
  another one renders the hooks and shims again (quietly when stderr is not a terminal), a
  failure is one warning and the command still runs, and a store where nothing was rendered
  is left alone.
- zsh: hook.zsh loads hook-body.zsh under sh emulation; rehash compiles the body with real zsh
  (hook-body.zsh.zwc), and a missing or stale compiled file never changes what runs.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from gover import paths
from gover.select import hooks, refresh
from gover.select.shells import sh_quote
from tests.support.cli import run_gover
from tests.support.fakego import gover_home, install_fake


def _store() -> None:
    install_fake("1.21.13", "1.22.10")
    r = run_gover("rehash")
    assert r.code == 0, r.err


def test_rehash_records_what_it_rendered_from() -> None:
    _store()
    stamp = refresh.stamp_file()
    assert stamp.read_text().strip() == refresh.fingerprint()
    assert not refresh.needed()


def test_the_first_command_after_an_upgrade_renders_again() -> None:
    _store()
    hook = paths.hook_file("bash")
    # What an older gover left: its own hook file (same header, older code) and fingerprint.
    hook.write_text(hooks.file_header("bash") + "# an older gover's hook\n")
    refresh.stamp_file().write_text("0" * 32 + "\n")
    r = run_gover("list")
    assert (r.code, r.err) == (0, "")
    assert "1.22.10" in r.out
    assert hook.read_bytes() == hooks.render_hook_file("bash").encode()
    assert refresh.stamp_file().read_text().strip() == refresh.fingerprint()


def test_a_store_with_nothing_rendered_is_left_alone() -> None:
    r = run_gover("list")
    assert r.code == 0, r.err
    assert not paths.shims_dir().exists()
    assert not paths.hooks_dir().exists()
    assert not refresh.stamp_file().exists()


def test_a_failed_refresh_is_one_warning_and_the_command_runs() -> None:
    _store()
    refresh.stamp_file().write_text("0" * 32 + "\n")
    foreign = paths.hook_file("bash")
    foreign.write_text("# my own file, not gover's\n")
    r = run_gover("list")
    assert r.code == 0
    assert "1.22.10" in r.out
    lines = r.err.splitlines()
    assert len(lines) == 1, r.err
    assert lines[0].startswith("gover: warning: could not render the shims and hooks again: ")
    assert str(foreign) in lines[0] and lines[0].endswith("run: gover rehash")
    assert foreign.read_text() == "# my own file, not gover's\n"  # never replaced


def _zsh_goroot(cwd: Path) -> str:
    """A zsh with hostile options that sources hook.zsh as the init block does, runs a prompt
    in `cwd` and prints GOROOT."""
    hook = sh_quote(str(paths.hook_file("zsh")))
    script = (
        "setopt ksh_arrays sh_word_split no_interactive_comments; alias cd=false; "
        f"if [ -r {hook} ]; then . {hook}; fi; "
        'for f in "${precmd_functions[@]}"; do "$f"; done; print -r -- "${GOROOT-unset}"'
    )
    proc = subprocess.run(
        ["zsh", "-f", "-c", script],
        cwd=cwd,
        env={**os.environ, "PWD": str(cwd)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (proc.returncode, proc.stderr) == (0, ""), proc.stderr
    return proc.stdout.strip()


def test_zsh_loads_its_hook_compiled_and_never_a_stale_compiled_one(tmp_path: Path) -> None:
    _store()
    body = hooks.zsh_body_file()
    compiled = body.with_name(body.name + ".zwc")
    assert compiled.is_file() and compiled.read_bytes()[:4] != b"# go"  # zsh's wordcode
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / ".go-version").write_text("1.21.13\n")
    root = str(gover_home() / "versions" / "1.21.13")
    assert _zsh_goroot(proj) == root
    # A body newer than its compiled form: zsh reads the body (here: a hook that pins
    # nothing), never the stale wordcode.
    body.write_text(hooks.file_header("zsh") + "precmd_functions=()\n")
    hour_ago = time.time() - 3600
    os.utime(compiled, (hour_ago, hour_ago))
    assert _zsh_goroot(proj) == "unset"
    # No compiled form at all (rehash ran where zsh was missing): parsed, same result.
    compiled.unlink()
    r = run_gover("rehash")
    assert r.code == 0, r.err
    compiled.unlink()
    assert _zsh_goroot(proj) == root
