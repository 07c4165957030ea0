"""The native shim (shims/native/shim.go, built by gover/select/native.py): what is particular
to it. Its choices are held to resolve.py and the sh shim by test_shim_parity.py,
test_resolve_literal.py, test_versionfile_bounds.py and test_gotoolchain_auto.py, which run
it beside the sh shim; here: bounded reads, no process but the shim and go, the settings it
carries, the build cache, the `shims` setting, the depth guard, auto-install and a real build."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gover.errors import InstallError
from gover.select import native, shims
from tests.support.cli import REPO, run_gover
from tests.support.fakego import (
    default_path,
    fake_install,
    gover_home,
    install_fake,
    rehash,
    run_shim,
    write,
)

ELF = b"\x7fELF"
DEBIAN_GO = Path("/usr/lib/go-1.19/bin/go")
HELLO = 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hi") }\n'


def shim_go() -> Path:
    return gover_home() / "shims" / "go"


@pytest.fixture
def proj(tmp_path: Path) -> Path:
    install_fake("1.21.13", "1.22.10")
    assert shims.rehash(auto_install=False).kind == "native"
    assert shim_go().read_bytes()[:4] == ELF
    p = tmp_path / "proj"
    write(p / ".go-version", "1.21.13\n")
    return p


def root(name: str) -> str:
    return str(gover_home() / "versions" / name)


# ---- bounded reads ----------------------------------------------------------------------------


@pytest.mark.timeout(120)
@pytest.mark.parametrize("kind", ["10 MB line", "devzero", "fifo", "fifo global"])
def test_hostile_version_files_return_at_once(proj: Path, kind: str) -> None:
    """A 10 MB one-line .go-version, /dev/zero behind a symlink, a FIFO (in a project or as
    the global file): the shim answers (a subprocess timeout is the failure mode)."""
    evil = proj / "evil"
    evil.mkdir()
    vfile = evil / ".go-version"
    warn = ""
    if kind == "10 MB line":
        vfile.write_bytes(b"1" * (10 << 20))  # a line cut by the limit is not seen
    elif kind == "devzero":
        vfile.symlink_to("/dev/zero")
        warn = f"gover: warning: ignoring {vfile}: not a regular file\n"
    elif kind == "fifo":
        os.mkfifo(vfile)
        warn = f"gover: warning: ignoring {vfile}: not a regular file\n"
    else:
        (proj / ".go-version").unlink()
        os.mkfifo(gover_home() / "global")
        warn = f"gover: warning: ignoring {gover_home() / 'global'}: not a regular file\n"
    want = "no-system-go" if kind == "fifo global" else root("1.21.13")
    r = run_shim(evil, timeout=30)
    assert (r.returncode, r.stdout, r.stderr) == (0, want + "\n", warn)


# ---- no process but the shim and go -----------------------------------------------------------


def test_a_go_call_starts_only_the_shim_and_go(proj: Path, tmp_path: Path) -> None:
    """strace: a real (not dry-run) go call through the native shim execs the shim, then the
    toolchain's go, and nothing else: no python, no sh."""
    strace = shutil.which("strace")
    assert strace is not None, "strace is needed (apt-get install strace)"
    gobin = Path(root("1.21.13")) / "bin" / "go"
    gobin.unlink()
    gobin.symlink_to("/bin/true")  # a binary, so the go call itself starts no shell either
    deep = proj / "a" / "b" / "c"
    deep.mkdir(parents=True)
    write(proj / "go.mod", "module m\n\ngo 1.21\n")
    log = tmp_path / "strace.log"
    r = run_shim(
        deep,
        dryrun=False,
        prefix=[strace, "-f", "-qq", "-e", "trace=execve", "-o", str(log)],
    )
    assert (r.returncode, r.stderr) == (0, "")
    calls = [line.split('"')[1] for line in log.read_text().splitlines() if "execve(" in line]
    assert calls == [str(shim_go()), str(gobin)]


# ---- the settings each shim carries -------------------------------------------------------------


def test_a_shim_without_its_settings_says_so_in_one_line(proj: Path) -> None:
    """The bare cached binary (no store settings appended): one line naming it, exit 127."""
    bare = native.ensure().binary
    shim_go().write_bytes(bare.read_bytes())
    for dryrun in (True, False):
        r = run_shim(proj, dryrun=dryrun)
        assert (r.returncode, r.stdout) == (127, "")
        assert r.stderr == f"gover: {shim_go()}: no gover shim settings in it; run: gover rehash\n"
    # Garbled: the trailer names more bytes than the file holds.
    data = bytearray(native.with_settings(bare.read_bytes(), False, ["gover"]))
    data[-8:] = (len(data) * 2).to_bytes(8, "big")
    shim_go().write_bytes(bytes(data))
    r = run_shim(proj)
    assert (r.returncode, r.stderr.count("\n")) == (127, 1), r.stderr
    assert rehash() and run_shim(proj).stdout == root("1.21.13") + "\n"


def test_a_hard_link_and_a_copy_elsewhere_know_their_store(proj: Path, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere"
    other.mkdir()
    os.link(shim_go(), other / "go")
    shutil.copy2(shim_go(), other / "gofmt")
    for shim in (other / "go", other / "gofmt"):
        r = run_shim(proj, shim=shim)
        assert (r.returncode, r.stdout, r.stderr) == (0, root("1.21.13") + "\n", "")


def test_a_foreign_binary_in_shims_is_not_replaced(proj: Path) -> None:
    shim_go().unlink()
    shutil.copy2("/bin/true", shim_go())
    before = shim_go().read_bytes()
    with pytest.raises(InstallError, match="not written by gover; refusing to replace it"):
        shims.rehash(auto_install=False)
    assert shim_go().read_bytes() == before
    assert not shims.is_shim_file(shim_go())


def test_rehash_rewrites_only_what_changed(proj: Path) -> None:
    before = os.stat(shim_go()).st_ino
    rehash()
    assert os.stat(shim_go()).st_ino == before  # the same bytes: left as they are
    shims.rehash(auto_install=True)  # the settings differ: written again
    assert os.stat(shim_go()).st_ino != before


def test_switching_kinds_replaces_the_shims(proj: Path) -> None:
    assert shims.rehash(auto_install=False, kind="sh").kind == "sh"
    assert shim_go().read_bytes().startswith(b"#!/bin/sh\n")
    assert shims.rehash(auto_install=False, kind="native").kind == "native"
    assert shim_go().read_bytes()[:4] == ELF


# ---- the build cache and the `shims` setting ----------------------------------------------------


@pytest.fixture
def empty_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "shim cache"
    monkeypatch.setenv("GOVER_SHIM_CACHE", str(cache))
    monkeypatch.setenv("PATH", "/nonexistent")  # no go on PATH
    return cache


@pytest.mark.timeout(400)
def test_a_cold_build_then_a_hit_that_needs_no_go(empty_cache: Path) -> None:
    """Built with a real Go (Debian's 1.19, the oldest supported) into the cache; then found
    there with no Go at all."""
    assert DEBIAN_GO.is_file(), "apt-get install golang-go (done by .ci/run)"
    built = native.ensure([DEBIAN_GO])
    assert built.built and built.binary.parent.parent == empty_cache
    assert built.go is not None and built.go.startswith("go1.19")
    hit = native.ensure([])
    assert (hit.binary, hit.built, hit.go) == (built.binary, False, built.go)
    install_fake("1.22.10")
    result = shims.rehash(auto_install=False, kind="native")
    assert (result.kind, result.go) == ("native", built.go)


def test_a_cache_entry_that_is_a_link_or_not_yours_is_not_used(empty_cache: Path) -> None:
    key = native.source_key()
    entry = empty_cache / key
    entry.mkdir(parents=True)
    good = native.cached
    target = entry / native.BINARY_NAME
    target.symlink_to(sys.executable)
    assert good(key) is None
    with pytest.raises(native.BuildError):
        native.ensure([])  # not used, and no Go to build another
    target.unlink()
    shutil.copy2(sys.executable, target)
    assert good(key) == target
    os.chown(target, 65534, 65534)  # nobody's
    assert good(key) is None


def test_shims_native_without_a_go_fails_in_one_line_and_writes_nothing(empty_cache: Path) -> None:
    install_fake("1.22.10")  # a fake go: runs, but is no Go that can build
    r = run_gover("rehash", env={"GOVER_SHIMS": "native", "PATH": "/nonexistent"})
    go = gover_home() / "versions" / "1.22.10" / "bin" / "go"
    assert (r.code, r.out) == (1, "")
    assert r.err == (
        "gover: error: cannot build the native shim: no Go 1.19 or newer runs here to build "
        f'it (tried {go}); install a Go toolchain (gover install latest), or set shims = "sh"\n'
    )
    assert not (gover_home() / "shims").exists()
    assert not empty_cache.exists() or not any(empty_cache.rglob("gover-shim"))


def test_shims_auto_without_a_go_writes_sh_shims(empty_cache: Path) -> None:
    install_fake("1.22.10")
    result = shims.rehash(auto_install=False, kind="auto")
    assert (result.kind, result.go) == ("sh", None)
    assert result.why is not None and "no Go 1.19 or newer" in result.why
    assert shim_go().read_bytes().startswith(b"#!/bin/sh\n")
    r = run_gover("rehash", "--json", env={"PATH": "/nonexistent"})
    assert '"kind": "sh"' in r.out


def test_a_bad_shims_setting_is_refused(tmp_path: Path) -> None:
    r = run_gover("rehash", env={"GOVER_SHIMS": "fast"})
    assert r.code != 0
    assert r.err.startswith("gover: error: $GOVER_SHIMS: shims = 'fast' is not a kind of shims")


# ---- running ------------------------------------------------------------------------------------


def test_the_depth_guard(proj: Path) -> None:
    r = run_shim(proj, env={"GOVER_SHIM_DEPTH": "8"}, dryrun=False)
    assert (r.returncode, r.stdout) == (126, "")
    assert r.stderr == (
        "gover: go shim called itself 8 times; a wrapper on PATH calls it again; "
        "remove it or put the shims dir first\n"
    )
    fake_install("1.21.13", script='#!/bin/sh\necho "depth=$GOVER_SHIM_DEPTH"\n')
    for given, seen in (("3", "4"), ("x", "1"), ("123", "1"), ("", "1")):
        r = run_shim(proj, env={"GOVER_SHIM_DEPTH": given}, dryrun=False)
        assert (r.returncode, r.stdout) == (0, f"depth={seen}\n"), given


def test_exec_environment(proj: Path) -> None:
    fake_install(
        "1.21.13", ("go", "gofmt"), '#!/bin/sh\necho "{prog}|$GOROOT|${PATH%%:*}|$GOTOOLCHAIN|$0"\n'
    )
    rehash()
    bindir = root("1.21.13") + "/bin"
    for prog in ("go", "gofmt"):
        r = run_shim(proj, dryrun=False, shim=gover_home() / "shims" / prog)
        assert r.stdout == f"{prog}|{root('1.21.13')}|{bindir}|local|{bindir}/{prog}\n"
    r = run_shim(proj, dryrun=False, env={"GOTOOLCHAIN": "go1.21.13"}, path=f"{bindir}:/bin")
    assert r.stdout == f"go|{root('1.21.13')}|{bindir}|go1.21.13|{bindir}/go\n"
    assert default_path()


def test_auto_install_through_the_native_shim(mirror: object, tmp_path: Path) -> None:
    home = gover_home()
    assert run_gover("config", "set", "auto_install", "true").code == 0
    assert (home / "shims" / "go").read_bytes()[:4] == ELF
    proj = tmp_path / "p"
    write(proj / ".go-version", "1.21.13\n")
    env = dict(os.environ, PATH=f"{home / 'shims'}:/usr/bin:/bin", PWD=str(proj))
    env["PYTHONPATH"] = str(REPO)
    r = subprocess.run(
        [str(home / "shims" / "go"), "version"],
        cwd=proj,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("go version go1.21.13 linux/amd64")
    assert run_gover("list").out == "1.21.13\n"


def test_a_real_go_build_through_the_native_shim(real_home: Path, tmp_path: Path) -> None:
    assert (real_home / "shims" / "go").read_bytes()[:4] == ELF
    proj = tmp_path / "hello"
    write(proj / "go.mod", "module hello\n\ngo 1.21\n")
    write(proj / "main.go", HELLO)
    write(proj / ".go-version", "1.22.10\n")
    env = dict(
        os.environ,
        PATH=f"{real_home / 'shims'}:/usr/bin:/bin",
        PWD=str(proj),
        GOCACHE=str(tmp_path / "gocache"),
        GOPATH=str(tmp_path / "gopath"),
        GOPROXY="off",
        CGO_ENABLED="0",
    )
    r = subprocess.run(
        ["go", "build", "-o", "hello", "."],
        cwd=proj,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    out = subprocess.run([str(proj / "hello")], capture_output=True, text=True, check=True)
    assert out.stdout == "hi\n"
    v = subprocess.run(
        ["go", "version", str(proj / "hello")], cwd=proj, env=env, capture_output=True, text=True
    )
    assert v.stdout.endswith(": go1.22.10\n"), v.stdout
