"""Detector 3 (shell start-up files): each case is built for real in a HOME (and ZDOTDIR) that
uid 65534 can read, traced by `gover doctor` running as that user with real bash, zsh, fish
and nu, and then shown with the real shell in that mode: the go that really runs there.

gover's block comes from `gover init SHELL --write` against a store with real go1.22.10 (the
project pins it in .go-version); Debian's go1.19.8 (/usr/lib/go-1.19) is the other go.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from gover.doctor.model import Scope
from tests.doctor.conftest import DEBIAN_GOROOT, NOBODY, Doctor, base_env, run_doctor
from tests.support.shells import native_nu

OLD = str(DEBIAN_GOROOT / "bin")
NU = native_nu() or "nu"
EXE = {s: shutil.which(s) or s for s in ("bash", "zsh", "fish")} | {"nu": NU}


@pytest.fixture
def world(real_home: Path) -> Iterator[dict[str, Path]]:
    """A HOME, a ZDOTDIR and a project (pinning 1.22.10) under a directory uid 65534 can read
    (pytest's own tmp dir is 0700 root)."""
    top = Path(tempfile.mkdtemp(prefix="gover-doctor-startup-", dir="/tmp"))
    top.chmod(0o755)
    home = top / "home"
    zdot = top / "zdot"
    proj = home / "proj"
    proj.mkdir(parents=True)
    zdot.mkdir()
    (proj / ".go-version").write_text("1.22.10\n")
    (proj / "go.mod").write_text("module example.com/p\n\ngo 1.19\n")
    (proj / "main.go").write_text('package main\n\nfunc main() { println("hi") }\n')
    yield {"top": top, "home": home, "zdot": zdot, "proj": proj, "store": real_home}
    shutil.rmtree(top, ignore_errors=True)


def env_of(w: dict[str, Path], path: tuple[str, ...] = ("/usr/bin", "/bin")) -> dict[str, str]:
    env = base_env(w["home"], path)
    env["GOVER_HOME"] = str(w["store"])
    env["ZDOTDIR"] = str(w["zdot"])
    env["GOPROXY"] = "off"
    env["GOFLAGS"] = "-mod=mod"
    env["GOCACHE"] = str(w["top"] / "gocache")
    return env


def init(w: dict[str, Path], shell: str) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "gover", "init", shell, "--write"],
        env=env_of(w),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert r.returncode == 0, r.stderr


def readable(w: dict[str, Path]) -> None:
    for root, dirs, files in os.walk(w["top"]):
        for name in dirs + files:
            p = os.path.join(root, name)
            if not os.path.islink(p):
                os.chmod(p, 0o755 if os.path.isdir(p) else 0o644)


def doctor(w: dict[str, Path], *args: str, env: dict[str, str] | None = None) -> Doctor:
    readable(w)
    return run_doctor(*args, env=env or env_of(w), cwd=w["home"], user=NOBODY)


def in_shell(
    w: dict[str, Path], shell: str, flags: list[str], cmd: str, env: dict[str, str] | None = None
) -> str:
    """`cmd` in the real shell started in that mode (as a terminal would: stdin /dev/null)."""
    r = subprocess.run(
        [EXE[shell], *flags, "-c", cmd],
        env=env or env_of(w),
        cwd=w["proj"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return r.stdout + r.stderr


def startup_ids(d: Doctor) -> list[str]:
    return [i for i in d.ids() if i.startswith("startup.")]


def broke(d: Doctor) -> list[dict[str, str]]:
    """This detector's failures (other detectors' are theirs)."""
    return [f for f in d.data["findings"] if f["where"] == "gover.doctor.startup"]


def append(path: Path, text: str) -> int:
    """Append `text` (one line); return its line number."""
    old = path.read_text() if path.exists() else ""
    if old and not old.endswith("\n"):
        old += "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(old + text + "\n")
    return len((old + text).splitlines())


def block_line(path: Path) -> int:
    return path.read_text().splitlines().index("# >>> gover >>>") + 1


# ---- gover's block in a file this context never reads ---------------------------------------


def test_bash_login_never_reads_bashrc_block(world: dict[str, Path]) -> None:
    w = world
    init(w, "bash")
    # The user's own ~/.bash_profile, which does not source ~/.bashrc (and, bash reading only
    # the first login file, hides the ~/.profile that `gover init` made where none existed).
    (w["home"] / ".profile").unlink(missing_ok=True)
    bp = w["home"] / ".bash_profile"
    bp.write_text("export EDITOR=vi\n")
    d = doctor(w, "--shell", "bash", "--as", "login")
    f = d.get("startup.block-not-read")
    assert f["severity"] == "error" and d.code == 1
    assert f["where"] == f"~/.bashrc:{block_line(w['home'] / '.bashrc')}"
    assert f["fix"] == "gover init bash --write" and f["fixable"]
    assert "~/.bash_profile" in f["what"]
    # The real login bash runs Debian's go; a non-login one gover's choice.
    assert "go1.19.8" in in_shell(w, "bash", ["-l", "-i"], "go version")
    assert "go1.22.10" in in_shell(w, "bash", ["-i"], "go version")
    # The fix, applied, leaves nothing to say.
    init(w, "bash")
    assert "go1.22.10" in in_shell(w, "bash", ["-l", "-i"], "go version")
    assert startup_ids(doctor(w, "--shell", "bash")) == []


def test_zsh_interactive_skips_zprofile_block(world: dict[str, Path]) -> None:
    w = world
    init(w, "zsh")
    (w["zdot"] / ".zshrc").rename(w["zdot"] / ".zprofile")
    d = doctor(w, "--shell", "zsh", "--as", "interactive")
    f = d.get("startup.block-not-read")
    assert f["severity"] == "error"
    assert f["where"] == f"{w['zdot']}/.zprofile:{block_line(w['zdot'] / '.zprofile')}"
    assert f["fix"] == "gover init zsh --write" and f["fixable"]
    assert "go1.19.8" in in_shell(w, "zsh", ["-i"], "go version")
    assert "go1.22.10" in in_shell(w, "zsh", ["-l", "-i"], "go version")


def test_fish_block_inside_is_login(world: dict[str, Path]) -> None:
    """The block only under `if status is-login`: tracing sees interactive fish skip it."""
    w = world
    init(w, "fish")
    conf = w["home"] / ".config" / "fish"
    block = (conf / "conf.d" / "gover.fish").read_text()
    (conf / "conf.d" / "gover.fish").unlink()
    (conf / "config.fish").write_text("if status is-login\n" + block + "end\n")
    d = doctor(w, "--shell", "fish", "--as", "interactive")
    f = d.get("startup.block-not-run")
    assert f["where"] == "~/.config/fish/config.fish:2" and f["severity"] == "error"
    assert "go1.19.8" in in_shell(w, "fish", ["-i"], "go version")
    assert "go1.22.10" in in_shell(w, "fish", ["-l", "-i"], "go version")


# ---- a line after the block shadows gover ---------------------------------------------------

SHADOW = {
    "bash": (".bashrc", f'export PATH="{OLD}:$PATH"', ["-i"]),
    "zsh": (".zshrc", f"path=({OLD} $path)", ["-i"]),
    "fish": (".config/fish/config.fish", f"set -gx PATH {OLD} $PATH", ["-i"]),
    "nu": (".config/nushell/config.nu", f'$env.PATH = ($env.PATH | prepend "{OLD}")', ["-l"]),
}


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish", "nu"])
def test_line_after_block_shadows_gover(world: dict[str, Path], shell: str) -> None:
    w = world
    init(w, shell)
    name, line, flags = SHADOW[shell]
    base = w["zdot"] if shell == "zsh" else w["home"]
    rc = base / name
    if shell == "nu":  # the block where `nu -l -c` reads it too, the shadowing line after
        auto = w["home"] / ".config/nushell/autoload/gover.nu"
        rc.write_text(auto.read_text())
        auto.unlink()
    n = append(rc, line)
    d = doctor(w, "--shell", shell, "--as", "interactive")
    f = d.get("startup.shadows-gover")
    where = f"{w['zdot']}/{name}:{n}" if shell == "zsh" else f"~/{name}:{n}"
    assert f["severity"] == "error" and f["where"] == where
    assert f["fix"].startswith(f"move {where} ") and "above gover's block" in f["fix"]
    assert "go1.19.8" in f["what"]
    assert "go1.19.8" in in_shell(w, shell, flags, "go version")
    # Without that line gover's choice runs, and doctor has nothing to say.
    rc.write_text("\n".join(rc.read_text().splitlines()[: n - 1]) + "\n")
    assert "go1.22.10" in in_shell(w, shell, flags, "go version")
    assert startup_ids(doctor(w, "--shell", shell, "--as", "interactive")) == []


def test_gotoolchain_after_block(world: dict[str, Path]) -> None:
    w = world
    init(w, "bash")
    n = append(w["home"] / ".bashrc", "export GOTOOLCHAIN=go1.21.13")
    d = doctor(w, "--shell", "bash", "--as", "interactive")
    f = d.get("startup.shadows-gover")
    assert f["where"] == f"~/.bashrc:{n}" and f["fix"].startswith(f"remove ~/.bashrc:{n}")
    out = in_shell(w, "bash", ["-i"], "go version")
    assert "go1.21.13" in out and "go1.22.10" not in out  # go switched away (or failed to)


# ---- files never read, .zshenv, login-only ---------------------------------------------------


def test_profile_never_read_when_bash_profile_exists(world: dict[str, Path]) -> None:
    w = world
    (w["home"] / ".profile").write_text(f'export PATH="$PATH:{OLD}"\n')
    (w["home"] / ".bash_profile").write_text("export EDITOR=vi\n")
    env = env_of(w, ("/bin",))
    d = doctor(w, "--shell", "bash", "--as", "login", env=env)
    f = d.get("startup.file-never-read")
    assert f["severity"] == "warning" and f["where"] == "~/.profile:1"
    assert f["fix"] == f'move ~/.profile:1 (`export PATH="$PATH:{OLD}"`) to ~/.bash_profile'
    # /etc/profile's PATH has /usr/bin/go; the go the user put on PATH never gets there.
    out = in_shell(w, "bash", ["-l", "-i"], 'type -P go; echo "PATH=$PATH"', env=env)
    assert out.startswith("/usr/bin/go\n") and OLD not in out
    # --static reads the files instead, says so, and finds the same.
    s = doctor(w, "--shell", "bash", "--as", "login", "--static", env=env)
    assert s.get("startup.file-never-read")["where"] == "~/.profile:1"
    assert any("read, not traced" in n for n in s.data["notes"])
    assert any("traced (" in n for n in d.data["notes"])


def test_zshenv_goroot_overrides_version_manager(world: dict[str, Path]) -> None:
    w = world
    (w["zdot"] / ".zshenv").write_text(f"export GOROOT={DEBIAN_GOROOT}\n")
    d = doctor(w, "--shell", "zsh", "--as", "script")
    f = d.get("startup.zshenv-override")
    assert f["where"] == f"{w['zdot']}/.zshenv:1"
    assert f["fix"] == f"remove {w['zdot']}/.zshenv:1 (`export GOROOT={DEBIAN_GOROOT}`)"
    # A version manager put go1.22.10 first; every zsh script still gets Debian's GOROOT.
    env = env_of(w, (str(w["store"] / "versions" / "1.22.10" / "bin"), "/usr/bin", "/bin"))
    out = in_shell(w, "zsh", [], "go build -o /dev/null .", env=env)
    assert "does not match go tool version" in out


def test_zshenv_prepend_repeats_in_nested_zsh(world: dict[str, Path]) -> None:
    w = world
    init(w, "zsh")
    (w["zdot"] / ".zshenv").write_text(f"export PATH={OLD}:$PATH\n")
    d = doctor(w, "--shell", "zsh", "--as", "script")
    f = d.get("startup.zshenv-prepend")
    assert f["where"] == f"{w['zdot']}/.zshenv:1"
    assert f["fix"] == f'make {w["zdot"]}/.zshenv:1 append instead: export PATH="$PATH:{OLD}"'
    assert "go1.22.10" in in_shell(w, "zsh", ["-i"], "go version")
    assert "go1.19.8" in in_shell(w, "zsh", ["-i"], "zsh -c 'go version'")


@pytest.mark.parametrize("shell", ["bash", "fish"])
def test_go_line_only_in_login_shells(world: dict[str, Path], shell: str) -> None:
    w = world
    if shell == "bash":
        (w["home"] / ".bash_profile").write_text(f'. ~/.bashrc\nexport PATH="{OLD}:$PATH"\n')
        (w["home"] / ".bashrc").write_text("alias ll='ls -l'\n")
        where, fix = "~/.bash_profile:2", "to ~/.bashrc"
    else:
        rc = w["home"] / ".config/fish/config.fish"
        rc.parent.mkdir(parents=True)
        rc.write_text(f"if status is-login\n    set -gx PATH {OLD} $PATH\nend\n")
        where, fix = "~/.config/fish/config.fish:2", "out of the `status is-login` block"
    empty = w["top"] / "empty"
    empty.mkdir()
    env = env_of(w, (str(empty),))  # no go at all (/bin is /usr/bin on Debian)
    d = doctor(w, "--shell", shell)
    f = d.get("startup.login-only")
    assert f["severity"] == "warning" and f["where"] == where and f["fix"].endswith(fix)
    assert f"{OLD}/go" in in_shell(w, shell, ["-l", "-i"], "command -v go", env=env)
    assert OLD not in in_shell(w, shell, ["-i"], "command -v go; echo $PATH", env=env)


# ---- clean, hostile, the API ----------------------------------------------------------------


def test_clean_setup_has_no_startup_findings(world: dict[str, Path]) -> None:
    w = world
    for name in (".bashrc", ".profile", ".bash_logout"):  # Debian's new-user files
        shutil.copy(Path("/etc/skel") / name, w["home"] / name)
    for shell in ("bash", "zsh", "fish", "nu"):
        init(w, shell)
    d = doctor(w, "--shell", "all")
    assert startup_ids(d) == [], json.dumps(
        [f for f in d.data["findings"] if not f["id"].startswith("govars")], indent=1
    )
    notes = "\n".join(d.data["notes"])
    for shell in ("bash", "zsh", "fish"):
        assert f"start-up files, {shell} (" in notes and "traced (" in notes
    assert "nu cannot trace" in notes
    # Debian's ~/.bashrc returns early when not interactive: `ssh host go` misses the block.
    assert "`ssh host go ...` does not run gover's block (~/.bashrc:" in notes


HOSTILE = {
    "loop": ("while true; do :; done", "while true; end"),
    "exec": ("exec zsh", "exec bash"),
    "stdin": ("read -r x; cat", "read x; cat"),
    "exit": ("exit 1", "exit 1"),
    "junk": (
        r"printf '\x1eGOVT\x1f/etc/passwd\x1f1\x1f\n\377\376 junk\n' >&2; head -c 3000 /dev/urandom",
        r"printf '> source /etc/passwd\n--> junk\n' >&2; head -c 3000 /dev/urandom",
    ),
    "background": ("sleep 299.5 &", "sleep 299.5 &"),
}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_startup_files_never_hang(world: dict[str, Path], case: str) -> None:
    w = world
    sh_line, fish_line = HOSTILE[case]
    append(w["home"] / ".bashrc", sh_line)
    append(w["zdot"] / ".zshrc", sh_line)
    append(w["home"] / ".config/fish/config.fish", fish_line)
    append(w["home"] / ".config/nushell/config.nu", "loop { }")
    d = doctor(w, "--shell", "all")
    assert not broke(d), d.data["findings"]
    assert any(n.startswith("start-up files, bash") for n in d.data["notes"])
    left = subprocess.run(["pgrep", "-f", "sleep 299.5"], capture_output=True, check=False)
    assert left.stdout == b"", "a traced shell's background job outlived doctor"


def test_huge_and_fifo_startup_files(world: dict[str, Path]) -> None:
    w = world
    big = w["home"] / ".bashrc"
    big.write_text(f"export GOPATH=$HOME/gp\n{'# ' + 'x' * 98}\n" * 1 + ("#" * 99 + "\n") * 100_000)
    os.mkfifo(w["zdot"] / ".zshrc")
    d = doctor(w, "--shell", "all", "--static")
    assert not broke(d), d.data["findings"]
    assert any("read only the first 1 MiB of ~/.bashrc" in n for n in d.data["notes"])
    d = doctor(w, "--shell", "all")
    assert not broke(d), d.data["findings"]


def test_assignments_api_in_process(world: dict[str, Path]) -> None:
    """Runs as root: bash's trace goes through a user namespace (bash drops PS4 as root)."""
    from gover.doctor import startup

    w = world
    (w["home"] / ".bash_profile").write_text(". ~/.bashrc\nexport GOPATH=$HOME/gp\n")
    (w["home"] / ".bashrc").write_text(f"case $- in *i*) ;; *) return;; esac\nPATH={OLD}:$PATH\n")
    (w["home"] / ".profile").write_text("export GOBIN=$HOME/bin\n")
    env = env_of(w)
    sc = Scope(shells=("bash",), env=env, cwd=w["proj"], home=w["home"])
    got = {(a.where(w["home"]), a.var): a for a in startup.assignments(sc)}
    assert startup.assignments(sc) == list(got.values())  # computed once per Scope
    assert got[("~/.bash_profile:2", "GOPATH")].contexts == ("bash login",)
    path = got[("~/.bashrc:2", "PATH")]
    assert path.contexts == ("bash login", "bash interactive") and path.dirs == (OLD,)
    assert got[("~/.profile:1", "GOBIN")].contexts == ()
    notes = startup.DETECTOR.notes(sc) if startup.DETECTOR.notes else []
    assert any("ssh: traced" in n for n in notes), notes
