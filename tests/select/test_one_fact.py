"""One definition per fact (issue 9): "installed" is store.is_installed for every reader (the
store, `gover list`/`current`/`which`, cleanup, the shim under dash, the bash/zsh/fish hooks);
resolve.sh, the shim and the fish/pwsh hooks get their constants and the version grammar
rendered in from constants.py, paths.py and versions.py; one module quotes for each shell."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from gover import constants, paths, versions
from gover.select import hooks, shells, shims
from gover.toolchain import store
from gover.versions import GoVersion
from tests.support import fakego
from tests.support.cli import run_gover
from tests.support.fakego import default_path, gover_home, rehash, run_shim, sh_shims
from tests.support.shells import run_script, write_hook

NAME = "1.22.10"
DASH = shutil.which("dash") or "/bin/dash"
GO_SCRIPT = '#!/bin/sh\necho "go {name} $GOROOT"\n'


def _receipt_text() -> str:
    return store.Receipt(NAME, "u", "f", "0" * 64, "unsigned", "t").to_json()


def windows_tree() -> Path:
    """What a Windows archive unpacks to: bin/go.exe (and gofmt.exe), no bin/go."""
    root = paths.version_dir(NAME)
    (root / "bin").mkdir(parents=True)
    for prog in ("go", "gofmt"):
        exe = root / "bin" / f"{prog}.exe"
        exe.write_text(GO_SCRIPT.replace("{name}", NAME))
        exe.chmod(0o755)
    paths.receipt_file(root).write_text(_receipt_text())
    paths.store_marker(root).write_text("made by gover\n")
    return root


def _unix_tree(receipt: str | None) -> Path:
    root = fakego.fake_install(NAME, script=GO_SCRIPT)
    paths.store_marker(root).write_text("made by gover\n")
    if receipt is not None:
        paths.receipt_file(root).write_text(receipt)
    return root


def corrupt_receipt() -> Path:
    return _unix_tree("{not json")


def empty_receipt() -> Path:
    return _unix_tree("")


def symlinked_receipt() -> Path:
    root = _unix_tree(None)
    real = root.parent.parent / "receipt-elsewhere.json"
    real.write_text(_receipt_text())
    paths.receipt_file(root).unlink()
    paths.receipt_file(root).symlink_to(real)
    return root


def symlinked_root() -> Path:
    real = gover_home() / "elsewhere" / NAME
    real.mkdir(parents=True)
    (real / "bin").mkdir()
    (real / "bin" / "go").write_text(GO_SCRIPT.replace("{name}", NAME))
    (real / "bin" / "go").chmod(0o755)
    paths.receipt_file(real).write_text(_receipt_text())
    paths.versions_dir().mkdir(parents=True, exist_ok=True)
    paths.version_dir(NAME).symlink_to(real)
    return paths.version_dir(NAME)


# Tree shape -> (how to make it, whether it is an install). Each must get the same answer from
# every reader; before issue 9 each of these got two answers from them.
SHAPES: dict[str, tuple[Callable[[], Path], bool]] = {
    "windows-go.exe": (windows_tree, True),
    "corrupt-receipt": (corrupt_receipt, True),
    "empty-receipt": (empty_receipt, False),
    "symlinked-receipt": (symlinked_receipt, False),
    "symlinked-root": (symlinked_root, False),
}


def _pinned_project(tmp_path: Path) -> Path:
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / ".go-version").write_text(NAME + "\n")
    return proj


def _hook_choice(shell: str, proj: Path, tmp_path: Path) -> str:
    where = tmp_path / f"hook-{shell}"
    where.mkdir()
    hook = write_hook(shell, where)
    env = dict(os.environ, PATH=default_path())
    env.pop("GOVER_VERSION", None)
    out, _err = run_script(shell, hook, [str(proj)], env)
    return out[-1].split("|", 1)[0]


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_every_reader_agrees_on_installed(
    shape: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make, expected = SHAPES[shape]
    root = make()
    proj = _pinned_project(tmp_path)
    rehash()
    env = {"PWD": str(proj), "PATH": default_path()}
    answers: dict[str, bool] = {}

    answers["store.is_installed"] = store.is_installed(root)
    answers["store.installed"] = [i.name for i in store.installed()] == [NAME]
    answers["store.get"] = store.get(GoVersion.parse(NAME)) is not None
    listed = run_gover("list", env=env, cwd=proj)
    # each row: "* 1.22.10 (set by …)" for the active one, "  1.22.10" for the others
    answers["gover list"] = [row[2:].split()[0] for row in listed.out.splitlines()] == [NAME]
    current = run_gover("current", env=env, cwd=proj)
    answers["gover current"] = (current.code, current.out) == (
        0,
        f"{NAME} (set by {proj}/.go-version)\n",
    )
    native = run_shim(proj)
    answers["native shim"] = (native.returncode, native.stdout) == (0, f"{root}\n")
    shim = run_shim(proj, prefix=sh_shims(DASH, monkeypatch))
    answers["shim under dash"] = (shim.returncode, shim.stdout) == (0, f"{root}\n")
    for shell in ("bash", "zsh", "fish"):
        answers[f"{shell} hook"] = _hook_choice(shell, proj, tmp_path) == str(root)
    assert answers == dict.fromkeys(answers, expected)
    if not expected:
        assert shim.stdout == native.stdout == f"not-installed:{NAME}\n"
        return
    # An install is never cleaned up, whatever its receipt holds.
    result = store.cleanup()
    assert (result.done, result.kept) == ((), ())
    assert store.is_installed(root)


@pytest.mark.parametrize("sh", ["native", DASH])
def test_windows_tree_runs_through_the_shim(
    tmp_path: Path, sh: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The shim (native, or sh under dash) runs bin/go.exe of a Windows tree (as WSL can),
    with GOROOT and PATH set."""
    root = windows_tree()
    proj = _pinned_project(tmp_path)
    rehash()
    prefix = sh_shims(sh, monkeypatch)
    assert sorted(p.name for p in paths.shims_dir().iterdir()) == [".gover-shims", "go", "gofmt"]
    for prog in ("go", "gofmt"):
        proc = run_shim(proj, dryrun=False, shim=paths.shims_dir() / prog, prefix=prefix)
        assert (proc.returncode, proc.stdout, proc.stderr) == (0, f"go {NAME} {root}\n", "")
    tc = paths.toolchain(root)
    assert (tc.go, tc.bin, tc.receipt) == (
        root / "bin" / "go.exe",
        root / "bin",
        paths.receipt_file(root),
    )
    assert tc.executable("gofmt") == root / "bin" / "gofmt.exe"
    for prog in ("go", "gofmt"):  # gover which: the same executable the shim runs
        r = run_gover("which", prog, cwd=proj)
        assert (r.code, r.out, r.err) == (0, f"{root / 'bin' / (prog + '.exe')}\n", "")
    assert store.get(GoVersion.parse(NAME)) == store.Installed(
        GoVersion.parse(NAME),
        tc,
        store.Receipt.load(tc.receipt),  # type: ignore[arg-type]
    )


def test_corrupt_receipt_is_listed_with_unknown_provenance() -> None:
    corrupt_receipt()
    (item,) = store.installed()
    assert item.receipt == store.Receipt.unknown(NAME)
    assert not item.receipt.known
    r = run_gover("list", "--json")
    assert r.code == 0, r.err
    (entry,) = json.loads(r.out)["versions"]
    assert entry == {
        "version": NAME,
        "path": str(paths.version_dir(NAME)),
        "sha256": None,
        "signer": None,
        "url": None,
        "installed_at": None,
        "active": False,
    }


# ---- facts rendered, not retyped -------------------------------------------------------------


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"@[A-Z_]+@", text))


def test_rendered_scripts_have_no_placeholders_left() -> None:
    assert _placeholders(shims.render_shim("go", auto_install=True)) == set()
    for shell in shells.SHELLS:
        assert _placeholders(hooks.render_hook(shell)) == set(), shell


@pytest.mark.parametrize(
    ("constant", "value", "expected"),
    [
        ("VERSION_FILE_LIMIT", 2048, "_gv_max=2048\n"),
        ("RECEIPT_NAME", ".receipt-x.json", "/'.receipt-x.json' ]"),
        ("SHIMS_MARKER", ".shims-x", "\"$_gv_d/\"'.shims-x' ]"),
        ("ENV_VERSION", "GOVER_PIN_X", '"${GOVER_PIN_X:-}"'),
        ("VERSION_MAX_DIGITS", 3, "| 0?* | ????*) return 1"),
        (
            "VERSION_KINDS",
            ("alpha", "beta", "rc", "zz"),
            "rc | rc[0-9]*) _gk4=3 ;; zz | zz[0-9]*) _gk4=4",
        ),
    ],
)
def test_resolve_sh_takes_its_constants_at_render_time(
    monkeypatch: pytest.MonkeyPatch, constant: str, value: object, expected: str
) -> None:
    before = shims.render_shim("go", auto_install=False)
    assert expected not in before
    monkeypatch.setattr(constants, constant, value)
    after = shims.render_shim("go", auto_install=False)
    assert expected in after
    assert shims.resolver_source() in after


@pytest.mark.parametrize(
    ("constant", "value", "expected"),
    [
        ("ENV_SHIM_DRYRUN", "GOVER_DRY_X", '"${GOVER_DRY_X:-}"'),
        ("ENV_SHIM_DEPTH", "GOVER_DEPTH_X", "GOVER_DEPTH_X=$((GOVER_DEPTH_X + 1))"),
        ("ENV_AUTO_INSTALL", "GOVER_AUTO_X", "case ${GOVER_AUTO_X:-} in"),
        ("MAX_SHIM_DEPTH", 5, "-ge 5 ]"),
    ],
)
def test_shim_takes_its_env_names_at_render_time(
    monkeypatch: pytest.MonkeyPatch, constant: str, value: object, expected: str
) -> None:
    assert expected not in shims.render_shim("go", auto_install=False)
    monkeypatch.setattr(constants, constant, value)
    assert expected in shims.render_shim("go", auto_install=False)


def test_fish_and_pwsh_hooks_take_the_facts_at_render_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(constants, "RECEIPT_NAME", ".receipt-x.json")
    monkeypatch.setattr(constants, "VERSION_FILE_LIMIT", 4096)
    monkeypatch.setattr(paths, "GO_EXECUTABLES", ("go", "go.exe", "go.x"))
    fish = hooks.render_hook("fish")
    pwsh = hooks.render_hook("pwsh")
    assert "set -g __gv_receipt '.receipt-x.json'\n" in fish
    assert "set -g __gv_limit 4096\n" in fish
    assert "set -g __gv_goexes 'bin/go' 'bin/go.exe' 'bin/go.x'\n" in fish
    assert "$global:__gv_receipt = '.receipt-x.json'\n" in pwsh
    assert "$global:__gv_goexes = [string[]]@('bin/go', 'bin/go.exe', 'bin/go.x')\n" in pwsh
    grammar = f"(?:{versions.PIN_GRAMMAR})\\z"
    assert f"set -g __gv_grammar {shells.fish_quote('^' + grammar)}\n" in fish
    assert f"$global:__gv_grammar = {shells.pwsh_quote(chr(92) + 'A' + grammar)}\n" in pwsh


def _sh_valid(tokens: list[str]) -> list[bool]:
    script = shims.resolver_source() + (
        '\nfor t in "$@"; do if _gv_valid "$t"; then echo 1; else echo 0; fi; done\n'
    )
    out = subprocess.run(
        [DASH, "-c", script, "sh", *tokens], capture_output=True, text=True, check=True
    ).stdout
    return [line == "1" for line in out.splitlines()]


def test_sh_grammar_is_the_pin_grammar() -> None:
    tokens = [
        "1", "0", "01", "1.22", "1.22.10", "1.22.010", "1.23rc1", "1.23rc", "1.23rc0",
        "1.23rc01", "1.23beta2", "1.23alpha1", "1.23gamma1", "1.23RC1", "1.2.3.4", "1..2",
        ".1", "1.", "999999999", "1000000000", "1.999999999.999999999", "1.1234567890",
        "1.22rc1.2", "a", "", "1.22-x", "1.22 ", "go1.22",
    ]  # fmt: skip
    assert _sh_valid(tokens) == [versions.pin_grammar_ok(t) for t in tokens]


# ---- one module for shells -----------------------------------------------------------------


def test_pwsh_session_line_quotes_typographic_quotes() -> None:
    """`gover shell --shell pwsh` once wrapped the value in '...' unescaped; one quoter now."""
    value = "a'b\u2019c"
    assert shims.shell_command(value, "pwsh") == "$Env:GOVER_VERSION = 'a''b\u2019\u2019c'"
    assert shells.quote("pwsh", value) == shells.pwsh_quote(value)


def test_every_pwsh_word_round_trips_through_one_quoter(tmp_path: Path) -> None:
    home = tmp_path / "home"
    outside = Path("/opt/it\u2018s \u201cx\u201d $y")
    assert shells.home_word("pwsh", outside, home) == shells.pwsh_quote(str(outside))
    assert shells.home_word("fish", outside, home) == shells.fish_quote(str(outside))
    assert shells.home_word("sh", outside, home) == shells.sh_quote(str(outside))


@pytest.mark.parametrize(
    ("name", "hook", "session"),
    [
        ("bash", "bash", "bash"),
        ("-zsh", "zsh", None),
        ("/usr/bin/fish", "fish", None),
        ("PowerShell", "pwsh", None),
        ("powershell", "pwsh", "pwsh"),
        ("pwsh.exe", "pwsh", None),
        ("dash", None, "sh"),
        ("ksh", None, "sh"),
        ("sh", None, "sh"),
        ("tcsh", None, None),
    ],
)
def test_shell_names(name: str, hook: str | None, session: str | None) -> None:
    assert shells.hook_shell(name) == hook
    assert shells.session_shell(name) == session


def test_receipt_file_is_json_gover_wrote() -> None:
    """Control: the receipts these tests write are the real shape (so "corrupt" means corrupt)."""
    root = _unix_tree(None)
    assert json.loads(paths.receipt_file(root).read_text())["version"] == NAME
    assert store.Receipt.load(paths.receipt_file(root)) is not None
