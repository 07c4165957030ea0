"""The Go variables detector (gover/doctor/govars.py), each case built for real: the real
`gover doctor --json` names it (id, where, fix), and a real go fails (or misbehaves) in the
same state, so no finding is a myth. Unprivileged cases run as uid 65534 (NOBODY) with
Debian's go1.19; the noexec case mounts a real tmpfs (tests run as root)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from gover.doctor import govars
from gover.doctor.model import Assignment, Scope
from tests.doctor.conftest import DEBIAN_GOROOT, NOBODY, base_env, go, run_doctor

DEBIAN_BIN = DEBIAN_GOROOT / "bin"
MAIN = 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hi") }\n'


def mine(ids: list[str]) -> list[str]:
    return [i for i in ids if i.startswith(("govars.", "project."))]


def module(d: Path, name: str = "m", go_line: str = "1.19", body: str = MAIN) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    (d / "go.mod").write_text(f"module {name}\n\ngo {go_line}\n")
    (d / "main.go").write_text(body)
    return d


def offline(env: dict[str, str], home: Path) -> dict[str, str]:
    """What a go build needs without the network, on top of the state under test."""
    return {"GOFLAGS": "-mod=mod", "GOPROXY": "off", **env}


@pytest.fixture
def shared() -> Iterator[Path]:
    """A directory uid 65534 can reach (pytest's tmp_path is root's, 0700), with a HOME and
    a project in it owned by that user."""
    top = Path(tempfile.mkdtemp(prefix="gover doctor "))
    top.chmod(0o755)
    home = top / "home"
    module(home / "proj")
    for dirpath, dirnames, filenames in os.walk(top):
        for n in [*dirnames, *filenames]:
            os.chown(os.path.join(dirpath, n), 65534, 65534)
    os.chown(top, 65534, 65534)
    yield top
    shutil.rmtree(top)


def test_clean_environment_has_no_findings(home: Path) -> None:
    proj = module(home / "proj")
    env = base_env(home, (DEBIAN_BIN, "/usr/bin", "/bin"))
    doc = run_doctor(env=env, cwd=proj)
    assert mine(doc.ids()) == [], doc.data["findings"]
    assert any(n.startswith("Go variables: go on PATH") for n in doc.data["notes"])
    assert (
        go(
            DEBIAN_GOROOT, "build", "-o", os.devnull, ".", env=offline(env, home), cwd=proj
        ).returncode
        == 0
    )


def test_goroot_missing_in_environment(home: Path) -> None:
    env = base_env(home, (DEBIAN_BIN, "/usr/bin", "/bin"))
    env["GOROOT"] = str(home / "go-gone")
    doc = run_doctor(env=env)
    f = doc.get("govars.goroot-missing")
    assert f["severity"] == "error" and doc.code == 1
    assert f["where"] == "environment: GOROOT"
    assert f["fix"].startswith("unset GOROOT")
    r = go(DEBIAN_GOROOT, "version", env=env)
    assert r.returncode != 0 and "cannot find GOROOT directory" in r.stderr


def test_goroot_missing_in_goenv_file_and_the_fix_recovers(home: Path) -> None:
    env = base_env(home, (DEBIAN_BIN, "/usr/bin", "/bin"))
    gone = home / "go-gone"
    r = go(DEBIAN_GOROOT, "env", "-w", f"GOROOT={gone}", env=env)
    assert r.returncode == 0, r.stderr
    assert (home / ".config" / "go" / "env").read_text().startswith("GOROOT=")
    doc = run_doctor(env=env)
    f = doc.get("govars.goroot-missing")
    assert f["where"] == "~/.config/go/env:1"
    assert f["fix"] == f"GOROOT={DEBIAN_GOROOT} go env -u GOROOT"
    # go fails, even to undo it; the fix as given recovers.
    r = go(DEBIAN_GOROOT, "env", "-u", "GOROOT", env=env)
    assert r.returncode != 0 and "cannot find GOROOT directory" in r.stderr
    r = subprocess.run(["sh", "-c", f["fix"]], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "govars.goroot-missing" not in run_doctor(env=env).ids()
    assert go(DEBIAN_GOROOT, "version", env=env).returncode == 0


def test_goroot_of_another_version(home: Path, real_home: Path) -> None:
    other = real_home / "versions" / "1.22.10"
    proj = module(home / "proj")
    env = base_env(home, (DEBIAN_BIN, "/usr/bin", "/bin"))
    env["GOROOT"] = str(other)
    doc = run_doctor(env=env, cwd=proj)
    f = doc.get("govars.goroot-mismatch")
    assert "go1.22.10" in f["what"] and "go1.19.8" in f["what"]
    assert f["where"] == "environment: GOROOT"
    r = go(DEBIAN_GOROOT, "build", "-o", os.devnull, ".", env=offline(env, home), cwd=proj)
    assert r.returncode != 0
    assert 'compile: version "go1.22.10" does not match go tool version "go1.19.8"' in r.stderr


def test_goroot_not_a_go_tree(home: Path) -> None:
    proj = module(home / "proj")
    env = base_env(home, (DEBIAN_BIN, "/usr/bin", "/bin"))
    env["GOROOT"] = str(home)
    doc = run_doctor(env=env, cwd=proj)
    assert doc.get("govars.goroot-not-go")["where"] == "environment: GOROOT"
    r = go(DEBIAN_GOROOT, "build", "-o", os.devnull, ".", env=offline(env, home), cwd=proj)
    assert r.returncode != 0 and "cannot find package" in r.stderr


@pytest.mark.parametrize(
    ("var", "value", "args", "symptom"),
    [
        ("GOCACHE", "cache", ("build", "-o", os.devnull, "."), "GOCACHE is not an absolute path"),
        (
            "GOCACHE",
            "off",
            ("build", "-o", os.devnull, "."),
            "build cache is disabled by GOCACHE=off",
        ),
        ("GOPATH", "gopath", ("build", "-o", os.devnull, "."), "GOPATH entry is relative"),
        ("GOBIN", "bin", ("install", "."), "GOBIN must be an absolute path"),
        ("GOTMPDIR", "/nonexistent-gotmp", ("build", "-o", os.devnull, "."), "creating work dir"),
    ],
)
def test_bad_directory_variables(
    home: Path, var: str, value: str, args: tuple[str, ...], symptom: str
) -> None:
    proj = module(home / "proj")
    env = base_env(home, (DEBIAN_BIN, "/usr/bin", "/bin"))
    env[var] = value
    doc = run_doctor(env=env, cwd=proj)
    case = "off" if value == "off" else ("missing" if value.startswith("/") else "relative")
    f = doc.get(f"govars.{var.lower()}-{case}")
    assert f["severity"] == "error" and doc.code == 1
    assert f["where"] == f"environment: {var}"
    assert f["fix"]
    r = go(DEBIAN_GOROOT, *args, env=offline(env, home), cwd=proj)
    assert r.returncode != 0 and symptom in r.stderr, r.stderr


def file_proxy(top: Path) -> str:
    """A GOPROXY=file:// tree serving example.com/dep v1.0.0 (no network)."""
    import zipfile

    at = top / "example.com" / "dep" / "@v"
    at.mkdir(parents=True)
    (at / "list").write_text("v1.0.0\n")
    (at / "v1.0.0.info").write_text('{"Version":"v1.0.0"}')
    (at / "v1.0.0.mod").write_text("module example.com/dep\n")
    with zipfile.ZipFile(at / "v1.0.0.zip", "w") as z:
        z.writestr("example.com/dep@v1.0.0/go.mod", "module example.com/dep\n")
    return f"file://{top}"


def test_relative_gomodcache(home: Path) -> None:
    proj = module(home / "proj")
    with (proj / "go.mod").open("a") as f:
        f.write("\nrequire example.com/dep v1.0.0\n")
    env = base_env(home, (DEBIAN_BIN, "/usr/bin", "/bin"))
    env.update(GOPROXY=file_proxy(home / "proxy"), GOSUMDB="off", GOFLAGS="-mod=mod")
    assert go(DEBIAN_GOROOT, "mod", "download", env=env, cwd=proj).returncode == 0
    env["GOMODCACHE"] = "modcache"
    doc = run_doctor(env=env, cwd=proj)
    assert doc.get("govars.gomodcache-relative")["where"] == "environment: GOMODCACHE"
    r = go(DEBIAN_GOROOT, "mod", "download", env=env, cwd=proj)
    assert r.returncode != 0 and "GOMODCACHE entry is relative" in r.stderr, r.stderr


def test_value_in_goenv_file_is_named_by_line(home: Path) -> None:
    env = base_env(home, (DEBIAN_BIN, "/usr/bin", "/bin"))
    for kv in ("GOPRIVATE=example.com/x", "GOCACHE=off"):
        assert go(DEBIAN_GOROOT, "env", "-w", kv, env=env).returncode == 0
    doc = run_doctor(env=env)
    f = doc.get("govars.gocache-off")
    lines = (home / ".config" / "go" / "env").read_text().splitlines()
    assert f["where"] == f"~/.config/go/env:{lines.index('GOCACHE=off') + 1}"
    assert f["fix"] == "go env -u GOCACHE"


def test_unwritable_gocache_as_user(shared: Path) -> None:
    home = shared / "home"
    cache = shared / "root cache"
    cache.mkdir()  # root's, 0755
    env = base_env(home, (DEBIAN_BIN, "/usr/bin", "/bin"))
    env["GOCACHE"] = str(cache)
    doc = run_doctor(env=env, cwd=home / "proj", user=NOBODY)
    f = doc.get("govars.gocache-unwritable")
    assert f["where"] == "environment: GOCACHE" and f["severity"] == "error"
    assert f["fix"] == f"sudo chown -R nobody {cache}"
    r = subprocess.run(
        [*NOBODY, str(DEBIAN_BIN / "go"), "build", "-o", "/dev/null", "."],
        env=offline(env, home),
        cwd=home / "proj",
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode != 0 and "permission denied" in r.stderr, r.stderr


def test_root_owned_files_in_gocache_as_user(shared: Path) -> None:
    home = shared / "home"
    proj = home / "proj"
    cache = home / ".cache" / "go-build"  # go's default, not named by any variable
    env = base_env(home, (DEBIAN_BIN, "/usr/bin", "/bin"))
    # `sudo go build` first: the cache's subdirectories are root's.
    assert (
        go(
            DEBIAN_GOROOT, "build", "-o", os.devnull, ".", env=offline(env, home), cwd=proj
        ).returncode
        == 0
    )
    os.chown(home / ".cache", 65534, 65534)
    os.chown(cache, 65534, 65534)
    doc = run_doctor(env=env, cwd=proj, user=NOBODY)
    f = doc.get("govars.gocache-foreign-files")
    assert f["where"] == "~/.cache/go-build" and "owned by root" in f["what"]
    assert f["fix"] == f"sudo chown -R nobody {cache}"
    (proj / "main.go").write_text(MAIN + "\n// changed\n")
    vet = [*NOBODY, str(DEBIAN_BIN / "go"), "vet", "."]
    r = subprocess.run(
        vet, env=offline(env, home), cwd=proj, capture_output=True, text=True, timeout=300
    )
    assert r.returncode != 0, r.stderr  # go1.19: "cannot find package" (it cannot write there)
    # The fix, done: the same command works.
    subprocess.run(["chown", "-R", "nobody", str(cache)], check=True)
    assert "govars.gocache-foreign-files" not in run_doctor(env=env, cwd=proj, user=NOBODY).ids()
    r = subprocess.run(
        vet, env=offline(env, home), cwd=proj, capture_output=True, text=True, timeout=300
    )
    assert r.returncode == 0, r.stderr


def test_read_only_module_directories_are_not_a_finding(shared: Path) -> None:
    home = shared / "home"
    mod = home / "go" / "pkg" / "mod" / "example.com" / "m@v1.0.0"
    mod.mkdir(parents=True)
    (mod / "go.mod").write_text("module example.com/m\n")
    for p in [mod, *mod.parents]:
        if p == home:
            break
        os.chown(p, 65534, 65534)
    os.chown(mod / "go.mod", 65534, 65534)
    (mod / "go.mod").chmod(0o444)
    mod.chmod(0o555)  # as go leaves a module directory
    env = base_env(home, (DEBIAN_BIN, "/usr/bin", "/bin"))
    doc = run_doctor(env=env, cwd=home / "proj", user=NOBODY)
    assert mine(doc.ids()) == [], doc.data["findings"]


def test_scan_is_bounded(tmp_path: Path) -> None:
    big = tmp_path / "cache"
    for i in range(100):
        d = big / f"{i:02x}"
        d.mkdir(parents=True)
        for j in range(100):
            (d / str(j)).touch()
    bad, _owner, seen = govars.scan_foreign(str(big), os.geteuid() + 1, budget=10.0)
    assert bad == str(big)  # the top itself is another's
    bad, _owner, seen = govars.scan_foreign(str(big), os.geteuid(), budget=10.0)
    assert bad is None and seen <= govars.SCAN_ENTRIES


def test_noexec_tmpdir(home: Path) -> None:
    tmp = home / "noexec tmp"
    tmp.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "noexec,size=64m", "tmpfs", str(tmp)], check=True)
    try:
        proj = module(home / "proj")
        env = base_env(home, (DEBIAN_BIN, "/usr/bin", "/bin"))
        env["TMPDIR"] = str(tmp)
        doc = run_doctor(env=env, cwd=proj)
        f = doc.get("govars.tmpdir-noexec")
        assert f["where"] == "environment: TMPDIR" and f["severity"] == "error"
        assert "GOTMPDIR=" in f["fix"]
        r = go(DEBIAN_GOROOT, "run", ".", env=offline(env, home), cwd=proj)
        assert r.returncode != 0 and "permission denied" in r.stderr, r.stderr
        # GOTMPDIR on an exec mount, as the fix says: go run works, the finding is gone.
        gotmp = home / ".cache" / "go-tmp"
        gotmp.mkdir(parents=True)
        env["GOTMPDIR"] = str(gotmp)
        assert "govars.tmpdir-noexec" not in run_doctor(env=env, cwd=proj).ids()
        assert go(DEBIAN_GOROOT, "run", ".", env=offline(env, home), cwd=proj).returncode == 0
    finally:
        subprocess.run(["umount", str(tmp)], check=True)


def test_gobin_not_on_path(home: Path) -> None:
    proj = module(home / "proj", name="mytool")
    gobin = home / "tools"
    env = base_env(home, (DEBIAN_BIN, "/usr/bin", "/bin"))
    env["GOBIN"] = str(gobin)
    doc = run_doctor(env=env, cwd=proj)
    f = doc.get("govars.gobin-off-path")
    assert f["where"] == "environment: GOBIN"
    assert f["fix"] == f'export PATH="{gobin}:$PATH" in your shell start-up file'
    assert go(DEBIAN_GOROOT, "install", ".", env=offline(env, home), cwd=proj).returncode == 0
    r = subprocess.run(["sh", "-c", "mytool"], env=env, capture_output=True, text=True, timeout=30)
    assert r.returncode == 127 and "not found" in r.stderr
    env["PATH"] = f"{gobin}:{env['PATH']}"
    assert "govars.gobin-off-path" not in run_doctor(env=env, cwd=proj).ids()


def test_go111module(home: Path) -> None:
    proj = module(home / "proj", body='package main\n\nimport "m/sub"\n\nfunc main() { sub.F() }\n')
    (proj / "sub").mkdir()
    (proj / "sub" / "sub.go").write_text("package sub\n\nfunc F() {}\n")
    env = base_env(home, (DEBIAN_BIN, "/usr/bin", "/bin"))
    env["GO111MODULE"] = "off"
    doc = run_doctor(env=env, cwd=proj)
    assert doc.get("govars.go111module-off")["where"] == "environment: GO111MODULE"
    r = go(DEBIAN_GOROOT, "build", "-o", os.devnull, ".", env={**env, "GOPROXY": "off"}, cwd=proj)
    assert r.returncode != 0 and "cannot find package" in r.stderr, r.stderr
    env["GO111MODULE"] = "yes"
    doc = run_doctor(env=env, cwd=proj)
    assert doc.get("govars.go111module-invalid")["severity"] == "error"
    r = go(DEBIAN_GOROOT, "build", "-o", os.devnull, ".", env=offline(env, home), cwd=proj)
    assert "unknown environment setting GO111MODULE=yes" in r.stderr


@pytest.mark.parametrize(
    ("value", "symptom"),
    [
        ("-mod=mod trimpath", 'non-flag "trimpath"'),
        ("-mod=bogus", "-mod=bogus not supported"),
        ('-ldflags="-s -w"', "$GOFLAGS"),  # go1.19: unknown flag -w"; go1.22: invalid value
    ],
)
def test_goflags_syntax(home: Path, value: str, symptom: str) -> None:
    proj = module(home / "proj")
    env = base_env(home, (DEBIAN_BIN, "/usr/bin", "/bin"))
    env["GOFLAGS"] = value
    doc = run_doctor(env=env, cwd=proj)
    f = doc.get("govars.goflags-syntax")
    assert f["where"] == "environment: GOFLAGS" and f["severity"] == "error"
    r = go(DEBIAN_GOROOT, "build", "-o", os.devnull, ".", env={**env, "GOPROXY": "off"}, cwd=proj)
    assert r.returncode != 0 and symptom in r.stderr, r.stderr


def test_goflags_quoted_value_is_fine(home: Path) -> None:
    env = base_env(home, (DEBIAN_BIN, "/usr/bin", "/bin"))
    env["GOFLAGS"] = "-mod=mod -trimpath"
    assert mine(run_doctor(env=env).ids()) == []


@pytest.mark.parametrize(
    ("value", "symptom"),
    [
        ("goproxy", "invalid proxy URL missing scheme: goproxy"),
        ("ftp://proxy.example", "invalid proxy URL scheme"),
        (",", "contains no entries"),
    ],
)
def test_goproxy_syntax(home: Path, value: str, symptom: str) -> None:
    proj = module(home / "proj")
    env = base_env(home, (DEBIAN_BIN, "/usr/bin", "/bin"))
    env["GOPROXY"] = value
    doc = run_doctor(env=env, cwd=proj)
    f = doc.get("govars.goproxy-syntax")
    assert f["where"] == "environment: GOPROXY" and symptom in f["what"]
    r = go(DEBIAN_GOROOT, "get", "example.com/x", env=env, cwd=proj)
    assert r.returncode != 0 and symptom in r.stderr, r.stderr


def test_goproxy_implicit_https_and_unused_entries(home: Path) -> None:
    env = base_env(home, (DEBIAN_BIN, "/usr/bin", "/bin"))
    env["GOPROXY"] = "proxy.example.com,direct"  # go adds https:// itself
    assert mine(run_doctor(env=env).ids()) == []
    env["GOPROXY"] = "direct,https://proxy.example.com"
    assert run_doctor(env=env).get("govars.goproxy-unused")["severity"] == "warning"


def test_goprivate_url_never_matches(home: Path) -> None:
    proj = module(home / "proj")
    env = base_env(home, (DEBIAN_BIN, "/usr/bin", "/bin"))
    env.update(GOPROXY="off", GOPRIVATE="https://example.invalid/org")
    doc = run_doctor(env=env, cwd=proj)
    f = doc.get("govars.goprivate-syntax")
    assert f["where"] == "environment: GOPRIVATE"
    assert f["fix"].endswith("GOPRIVATE=example.invalid/org")
    # go treats the module as public (the proxy, here off, is asked) ...
    r = go(DEBIAN_GOROOT, "get", "example.invalid/org/m", env=env, cwd=proj)
    assert "module lookup disabled by GOPROXY=off" in r.stderr, r.stderr
    # ... and goes direct once the pattern is a module path.
    env["GOPRIVATE"] = "example.invalid/org"
    assert mine(run_doctor(env=env, cwd=proj).ids()) == []
    r = go(DEBIAN_GOROOT, "get", "example.invalid/org/m", env=env, cwd=proj)
    assert "module lookup disabled" not in r.stderr and "example.invalid" in r.stderr


def test_bad_glob_is_reported() -> None:
    for bad in ("[", "a[", "x\\", "[]", "[z-a]"):
        assert govars.bad_glob(bad), bad
    for good in ("example.com/*", "*.corp", "[a-z]x", "a\\*", "[^x]y"):
        assert not govars.bad_glob(good), good


def test_gotoolchain_invalid_and_forced(home: Path, real_home: Path) -> None:
    goroot = real_home / "versions" / "1.22.10"
    env = base_env(home, (goroot / "bin", "/usr/bin", "/bin"))
    env["GOTOOLCHAIN"] = "1.22.10"  # no go prefix
    doc = run_doctor(env=env)
    f = doc.get("govars.gotoolchain-invalid")
    assert f["severity"] == "error" and f["where"] == "environment: GOTOOLCHAIN"
    r = go(goroot, "version", env=env)
    assert r.returncode != 0 and 'invalid GOTOOLCHAIN "1.22.10"' in r.stderr
    env.update(GOTOOLCHAIN="go1.99.0", GOPROXY="off")
    f = run_doctor(env=env).get("govars.gotoolchain-forced")
    assert "go1.99.0" in f["what"] and f["where"] == "environment: GOTOOLCHAIN"
    r = go(goroot, "version", env=env)
    assert r.returncode != 0 and "go1.99.0" in r.stderr and "toolchain not available" in r.stderr
    # Debian's go1.19 ignores GOTOOLCHAIN: a warning, not an error.
    env.update(PATH=f"{DEBIAN_BIN}:/usr/bin:/bin", GOTOOLCHAIN="1.22.10")
    assert run_doctor(env=env).get("govars.gotoolchain-invalid")["severity"] == "warning"
    assert go(DEBIAN_GOROOT, "version", env=env).returncode == 0


def test_goenv_value_hidden_by_environment(home: Path) -> None:
    env = base_env(home, (DEBIAN_BIN, "/usr/bin", "/bin"))
    assert (
        go(DEBIAN_GOROOT, "env", "-w", "GOPROXY=https://corp.example/proxy", env=env).returncode
        == 0
    )
    env["GOPROXY"] = "https://proxy.golang.org,direct"
    doc = run_doctor(env=env)
    f = doc.get("govars.goenv-hidden")
    assert f["where"] == "environment: GOPROXY" and "~/.config/go/env:1" in f["what"]
    assert f["fix"].startswith("go env -u GOPROXY")
    r = go(DEBIAN_GOROOT, "env", "GOPROXY", env=env)
    assert r.stdout.strip() == "https://proxy.golang.org,direct"  # the file's value ignored
    # GOENV=off: go reads no file, so nothing is hidden (the variables still count).
    env["GOENV"] = "off"
    assert "govars.goenv-hidden" not in run_doctor(env=env).ids()


def test_goenv_file_location(home: Path, tmp_path: Path) -> None:
    assert govars.goenv_file({"HOME": "/h"}) == Path("/h/.config/go/env")
    assert govars.goenv_file({"HOME": "/h", "XDG_CONFIG_HOME": "/x"}) == Path("/x/go/env")
    assert govars.goenv_file({"HOME": "/h", "XDG_CONFIG_HOME": "rel"}) is None
    assert govars.goenv_file({"HOME": "/h", "GOENV": "/e"}) == Path("/e")
    assert govars.goenv_file({"HOME": "/h", "GOENV": "off"}) is None
    env = base_env(home, (DEBIAN_BIN,))
    env["XDG_CONFIG_HOME"] = str(tmp_path / "xdg")
    assert go(DEBIAN_GOROOT, "env", "-w", "GOCACHE=off", env=env).returncode == 0
    assert (tmp_path / "xdg" / "go" / "env").is_file()


def test_hostile_goenv_file(home: Path) -> None:
    env = base_env(home, (DEBIAN_BIN, "/usr/bin", "/bin"))
    cfg = home / ".config" / "go"
    cfg.mkdir(parents=True)
    os.mkfifo(cfg / "env")  # a FIFO never blocks the detector
    assert mine(run_doctor(env=env).ids()) == []
    (cfg / "env").unlink()
    (cfg / "env").write_bytes(b"\xff\xfe\x00junk\nGOFLAGS=bad\x1b[2J\n" + b"x" * (1 << 20))
    f = run_doctor(env=env).get("govars.goflags-syntax")
    assert f["where"] == "~/.config/go/env:2"


def test_where_names_the_start_up_line(home: Path) -> None:
    """With the start-up detector's assignments, `where` is the file:line that exported the
    variable (the last one that ran); the fix says to delete that line."""
    sc = Scope(
        shells=("bash",), env={"HOME": str(home), "PATH": "/bin", "GOROOT": "/gone"}, home=home
    )
    lay = govars.layers(sc)
    lay._asked = True
    lay._assignments = [
        Assignment(home / ".profile", 3, "GOROOT", "/old", ("bash login",)),
        Assignment(home / ".bashrc", 12, "GOROOT", "/gone", ("bash interactive",)),
        Assignment(home / ".bashrc", 13, "GOPATH", "/x", ("bash interactive",)),
    ]
    s = lay.get("GOROOT")
    assert s is not None and lay.where(s) == "~/.bashrc:12"
    assert "~/.bashrc:12" in lay.drop(s)


def test_detectors_run_in_process(home: Path) -> None:
    from gover.doctor import run

    sc = Scope(
        shells=("bash",), env=base_env(home, (DEBIAN_BIN, "/usr/bin", "/bin")), cwd=home, home=home
    )
    report = run.diagnose(sc, names=("govars", "project"))
    assert not [f for f in report.findings if f.id == "doctor.detector-failed"]
