"""gover doctor's other-contexts detector (gover/doctor/contexts.py), each state built for real.

- systemd: the REAL environment.d generator runs on real ~/.config/environment.d/*.conf files
  (what user services get is read from its output, and go is run in that environment);
  units under ~/.config/systemd/user, and /etc/systemd/system in a private mount namespace;
- sudo: the machine's real /etc/sudoers (Debian's: secure_path, env_reset) and the real sudo;
  the fixes are shown to work with a sudoers.d drop-in bind-mounted over /etc/sudoers.d in a
  private mount namespace (`unshare --mount`), so the machine's sudo is never changed; as
  uid 65534 the notes say root is needed;
- Dockerfiles and CI files in a project directory; each RUN of a Dockerfile is a new
  `sh -c`, so that is how the failure is shown.
Real go shows each state's failure: go1.19.8 (Debian) where go1.22.10 was meant,
`build cache is required`, `cannot find GOROOT directory`, `go.mod requires go >= ...`.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from gover.doctor.contexts import GENERATOR, SUDOERS, SYSTEMD_SEARCH
from tests.doctor.conftest import DEBIAN_GOROOT, NOBODY, Doctor, base_env, go, run_doctor

GO_MOD = "module m\n\ngo 1.22.0\n"
MAIN = "package main\n\nfunc main() {}\n"


def mine(d: Doctor) -> list[dict[str, str]]:
    return [f for f in d.data["findings"] if f["id"].startswith("contexts.")]


def one(d: Doctor, fid: str) -> dict[str, str]:
    found = [f for f in mine(d) if f["id"] == fid]
    assert len(found) == 1, mine(d)
    return found[0]


def run(
    cmd: list[str], env: dict[str, str], cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture(scope="module")
def go122(real_home: Path) -> Path:
    return real_home / "versions" / "1.22.10"


@pytest.fixture(scope="module")
def go121(real_home: Path) -> Path:
    return real_home / "versions" / "1.21.13"


def project(d: Path) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    (d / "go.mod").write_text(GO_MOD)
    (d / "main.go").write_text(MAIN)
    return d


def offline(env: dict[str, str], tmp: Path) -> dict[str, str]:
    return {
        **env,
        "GOCACHE": str(tmp / "gocache"),
        "GOPROXY": "off",
        "GOFLAGS": "-mod=mod",
        "GOTOOLCHAIN": "local",
    }


def private_mount(source: Path, target: str) -> tuple[str, ...]:
    """A command prefix: run in a private mount namespace with `source` bound over `target`
    (the machine's own file stays untouched)."""
    return (
        "unshare",
        "--mount",
        "--propagation",
        "private",
        "sh",
        "-c",
        f'mount --bind "$0" {target} && exec "$@"',
        str(source),
    )


def line_of(path: Path, pattern: str) -> int:
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if re.match(pattern, line):
            return number
    raise AssertionError(f"{pattern} not in {path}")


# ---- a clean environment -------------------------------------------------------------------


def test_clean_environment_has_no_contexts_findings(home: Path) -> None:
    proj = project(home / "proj")
    (proj / "Dockerfile").write_text(
        "FROM golang:1.22.10 AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\n"
        'FROM debian:12\nCOPY --from=build /app /app\nCMD ["/app"]\n'
    )
    (proj / ".github" / "workflows").mkdir(parents=True)
    (proj / ".github" / "workflows" / "ci.yml").write_text(
        "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/checkout@v4\n      - uses: actions/setup-go@v5\n"
        "        with:\n          go-version-file: go.mod\n      - run: go test ./...\n"
    )
    (proj / ".gitlab-ci.yml").write_text("image: golang:1.22\ntest:\n  script: go test ./...\n")
    conf = home / ".config" / "environment.d"
    conf.mkdir(parents=True)
    (conf / "go.conf").write_text("GOPATH=${HOME}/go\n")
    d = run_doctor(env=base_env(home), cwd=proj)
    assert mine(d) == []
    assert any(n.startswith("contexts: sudo: read /etc/sudoers") for n in d.data["notes"])


# ---- sudo --------------------------------------------------------------------------------------


def sudo_env(home: Path, go122: Path) -> dict[str, str]:
    env = base_env(home, (go122 / "bin", "/usr/bin", "/bin"))
    env["GOPROXY"] = "https://goproxy.corp.example"
    env["GOFLAGS"] = "-trimpath"
    return env


def test_sudo_secure_path_and_env_reset(home: Path, go122: Path) -> None:
    env = sudo_env(home, go122)
    assert run([str(go122 / "bin" / "go"), "version"], env).stdout.split()[2] == "go1.22.10"
    # The real sudo with the machine's real /etc/sudoers (Debian's default).
    r = run(["sudo", "go", "version"], env)
    assert r.stdout.split()[2] == "go1.19.8", r
    r = run(["sudo", "go", "env", "GOPROXY", "GOFLAGS"], env)
    assert r.stdout.split() == ["https://proxy.golang.org,direct"], r

    d = run_doctor(env=env, cwd=home)
    secure = one(d, "contexts.sudo-secure-path")
    n = line_of(SUDOERS, r"Defaults\s+secure_path=")
    assert secure["where"] == f"/etc/sudoers:{n}"
    assert secure["severity"] == "warning"
    assert "/usr/bin/go (go1.19.8)" in secure["what"] and "go1.22.10" in secure["what"]
    assert secure["fix"].startswith(
        f'run visudo and change line {n} to: Defaults secure_path="{go122 / "bin"}:'
    )
    reset = one(d, "contexts.sudo-env-reset")
    reset_line = line_of(SUDOERS, r"Defaults\s+env_reset")
    assert reset["where"] == f"/etc/sudoers:{reset_line}"
    assert "GOPROXY, GOFLAGS" in reset["what"]
    assert reset["fix"] == (
        'run visudo -f /etc/sudoers.d/go and add: Defaults env_keep += "GOPROXY GOFLAGS"'
    )


def test_sudo_fixes_work_in_a_private_sudoers_d(home: Path, go122: Path, tmp_path: Path) -> None:
    """The two fixes, as a drop-in bound over /etc/sudoers.d in a private mount namespace:
    `sudo go` then runs go1.22.10 with the user's GOPROXY, and the findings are gone."""
    env = sudo_env(home, go122)
    dropin = tmp_path / "sudoers.d"
    dropin.mkdir()
    rule = dropin / "go"
    rule.write_text(
        f'Defaults secure_path="{go122 / "bin"}:/usr/local/sbin:/usr/local/bin:/usr/sbin:'
        '/usr/bin:/sbin:/bin"\nDefaults env_keep += "GOPROXY GOFLAGS"\n'
    )
    rule.chmod(0o440)
    ns = private_mount(dropin, "/etc/sudoers.d")
    r = run([*ns, "sudo", "go", "env", "GOVERSION", "GOPROXY"], env)
    assert r.stdout.split() == ["go1.22.10", "https://goproxy.corp.example"], r
    d = run_doctor(env=env, cwd=home, user=ns)
    assert mine(d) == []
    assert any("/etc/sudoers.d/go" in n for n in d.data["notes"])


def test_sudo_without_root_says_so(go122: Path) -> None:
    top = Path(tempfile.mkdtemp(prefix="gover doctor "))
    try:
        top.chmod(0o755)
        home = top / "home"
        home.mkdir()
        os.chown(home, 65534, 65534)
        env = sudo_env(home, go122)
        r = run([*NOBODY, "cat", str(SUDOERS)], env)
        assert r.returncode != 0 and "Permission denied" in r.stderr
        d = run_doctor(env=env, cwd=home, user=NOBODY)
        assert not [f for f in mine(d) if f["id"].startswith("contexts.sudo")]
        assert any("needs root to read /etc/sudoers" in n for n in d.data["notes"])
    finally:
        shutil.rmtree(top)


# ---- systemd: environment.d through the real generator -----------------------------------------


def generated(home: Path) -> tuple[dict[str, str], str]:
    """What the real generator gives a user manager that starts with systemd's PATH."""
    base = {"HOME": str(home), "PATH": ":".join(SYSTEMD_SEARCH)}
    r = run([str(GENERATOR)], base)
    env = dict(base)
    for line in r.stdout.splitlines():
        key, _, value = line.partition("=")
        env[key] = shlex.split(value)[0] if value.startswith('"') else value
    return env, r.stderr


def test_environment_d_tilde_is_not_expanded(home: Path, go122: Path, tmp_path: Path) -> None:
    gobin = home / "go" / "bin"
    gobin.mkdir(parents=True)
    (gobin / "go").symlink_to(go122 / "bin" / "go")
    conf = home / ".config" / "environment.d"
    conf.mkdir(parents=True)
    (conf / "50-go.conf").write_text("PATH=~/go/bin:$PATH\n")
    env, _ = generated(home)
    assert env["PATH"].startswith("~/go/bin:")
    r = run(["/bin/sh", "-c", "go version"], env, cwd=tmp_path)  # what a user service runs
    assert "go1.19.8" in r.stdout, r  # not the go1.22.10 in ~/go/bin

    d = run_doctor(env=base_env(home, (gobin, "/usr/bin", "/bin")), cwd=home)
    f = one(d, "contexts.environment-d-tilde")
    assert f["where"] == "~/.config/environment.d/50-go.conf:1"
    assert f["fix"] == (
        "change line 1 of ~/.config/environment.d/50-go.conf to: PATH=${HOME}/go/bin:$PATH"
    )
    (conf / "50-go.conf").write_text("PATH=${HOME}/go/bin:$PATH\n")  # the fix
    env, _ = generated(home)
    assert "go1.22.10" in run(["/bin/sh", "-c", "go version"], env, cwd=tmp_path).stdout
    d = run_doctor(env=base_env(home, (gobin, "/usr/bin", "/bin")), cwd=home)
    assert [f for f in mine(d) if f["id"].startswith("contexts.environment-d")] == []


def test_environment_d_export_and_missing_goroot(home: Path, tmp_path: Path) -> None:
    conf = home / ".config" / "environment.d"
    conf.mkdir(parents=True)
    (conf / "60-go.conf").write_text(
        "# Go for user services\nexport GOPATH=$HOME/gopath\nGOROOT=/opt/go-removed\n"
    )
    env, complaints = generated(home)
    assert "GOPATH" not in env and 'invalid variable name "export GOPATH"' in complaints
    r = go(DEBIAN_GOROOT, "env", "GOPATH", env=env)
    assert "cannot find GOROOT directory: /opt/go-removed" in r.stderr, r
    del env["GOROOT"]
    assert go(DEBIAN_GOROOT, "env", "GOPATH", env=env).stdout.strip() == f"{home}/go"

    d = run_doctor(env=base_env(home), cwd=home)
    ignored = one(d, "contexts.environment-d-ignored")
    assert ignored["where"] == "~/.config/environment.d/60-go.conf:2"
    assert ignored["fix"] == (
        "change line 2 of ~/.config/environment.d/60-go.conf to: GOPATH=$HOME/gopath"
    )
    goroot = one(d, "contexts.environment-d-goroot")
    assert goroot["where"] == "~/.config/environment.d/60-go.conf:3"
    assert goroot["fix"] == "delete line 3 of ~/.config/environment.d/60-go.conf"
    assert any("ran " + str(GENERATOR) in n for n in d.data["notes"])


# ---- systemd units ----------------------------------------------------------------------------


def test_user_unit_without_home_and_bare_go(home: Path, go122: Path, tmp_path: Path) -> None:
    proj = project(home / "proj")
    units = home / ".config" / "systemd" / "user"
    units.mkdir(parents=True)
    unit = units / "build.service"
    unit.write_text(
        f"[Unit]\nDescription=build\n\n[Service]\nWorkingDirectory={proj}\n"
        "UnsetEnvironment=HOME\nExecStart=go build ./...\n"
    )
    # Without HOME (and no GOCACHE), go cannot build.
    bare = {"PATH": ":".join(SYSTEMD_SEARCH), "GOPROXY": "off", "GOFLAGS": "-mod=mod"}
    r = run([str(go122 / "bin" / "go"), "build", "./..."], bare, cwd=proj)
    assert "build cache is required, but could not be located" in r.stderr, r
    # A bare `go` is looked up in systemd's fixed search path: Debian's go1.19.8.
    r = run(["/bin/sh", "-c", "go version"], bare)
    assert "go1.19.8" in r.stdout

    d = run_doctor(env=base_env(home, (go122 / "bin", "/usr/bin", "/bin")), cwd=home)
    f = one(d, "contexts.unit-no-home")
    assert f["severity"] == "error"
    assert f["where"] == "~/.config/systemd/user/build.service:7"
    assert f["fix"] == (
        "add to the [Service] section of ~/.config/systemd/user/build.service: Environment=HOME=%h"
    )
    other = one(d, "contexts.unit-other-go")
    assert other["where"] == "~/.config/systemd/user/build.service:7"
    assert "/usr/bin/go (go1.19.8)" in other["what"] and "go1.22.10" in other["what"]
    assert other["fix"] == (
        f'write the full path in line 7: ExecStart="{go122 / "bin" / "go"}" build ./...'
    )


def test_system_unit_without_user_gets_no_home(home: Path, go122: Path, tmp_path: Path) -> None:
    system = tmp_path / "system"
    system.mkdir()
    (system / "gobuild.service").write_text(
        f'[Service]\nExecStart="{go122 / "bin" / "go"}" build -o /usr/local/bin/app ./cmd/app\n'
    )
    d = run_doctor(env=base_env(home), cwd=home, user=private_mount(system, "/etc/systemd/system"))
    f = one(d, "contexts.unit-no-home")
    assert f["where"] == "/etc/systemd/system/gobuild.service:2"
    assert "a system unit without User= gets none" in f["what"]
    (system / "gobuild.service").write_text(
        f'[Service]\nUser=builder\nExecStart="{go122 / "bin" / "go"}" build ./cmd/app\n'
    )
    d = run_doctor(env=base_env(home), cwd=home, user=private_mount(system, "/etc/systemd/system"))
    assert mine(d) == []


# ---- Dockerfiles ------------------------------------------------------------------------------


def test_dockerfile_run_export(home: Path, go122: Path, tmp_path: Path) -> None:
    gobin = tmp_path / "go" / "bin"
    gobin.mkdir(parents=True)
    (gobin / "go").symlink_to(go122 / "bin" / "go")
    proj = project(home / "proj")
    (proj / "Dockerfile").write_text(
        "FROM debian:12\n# the toolchain\n"
        f"RUN export PATH=$PATH:{gobin} \\\n    GOFLAGS=-mod=mod\n"
        "RUN go build -o /app .\n"
    )
    # Each RUN is its own `sh -c`: the export is gone by the next one.
    env = {"PATH": "/usr/sbin:/sbin", "HOME": str(home)}
    assert run(["/bin/sh", "-c", f"export PATH=$PATH:{gobin}; go version"], env).returncode == 0
    r = run(["/bin/sh", "-c", "go build -o /dev/null ."], env, cwd=proj)
    assert r.returncode == 127 and "go: not found" in r.stderr

    d = run_doctor(env=base_env(home), cwd=proj)
    f = one(d, "contexts.docker-run-export")
    assert f["severity"] == "error"
    assert f["where"] == "~/proj/Dockerfile:3"
    assert f["fix"] == f"replace line 3 with: ENV PATH=$PATH:{gobin} GOFLAGS=-mod=mod"


def test_dockerfile_untagged_and_old_golang(home: Path, go121: Path, tmp_path: Path) -> None:
    proj = project(home / "proj")
    (proj / "Dockerfile").write_text(
        "FROM golang AS build\nRUN go build -o /app .\n"
        "FROM docker.io/library/golang:latest\n"
        "FROM golang:1.21-alpine AS old\nRUN go build .\n"
        "FROM golang@sha256:" + "0" * 64 + "\n"
    )
    # golang:1.21 builds this module with go1.21: it refuses go.mod's go 1.22.0.
    r = go(go121, "build", "-o", "/dev/null", ".", env=offline(base_env(home), tmp_path), cwd=proj)
    assert "go.mod requires go >= 1.22.0 (running go 1.21.13; GOTOOLCHAIN=local)" in r.stderr

    d = run_doctor(env=base_env(home), cwd=proj)
    untagged = [f for f in mine(d) if f["id"] == "contexts.docker-golang-untagged"]
    assert [f["where"] for f in untagged] == ["~/proj/Dockerfile:1", "~/proj/Dockerfile:3"]
    assert untagged[0]["fix"] == "pin the tag on line 1: FROM golang:1.22.0 AS build"
    old = one(d, "contexts.docker-go-mismatch")
    assert old["where"] == "~/proj/Dockerfile:4"
    assert old["fix"] == "change line 4 to: FROM golang:1.22.0-alpine"


def test_dockerfile_login_shell_loses_env_path(home: Path, go122: Path, tmp_path: Path) -> None:
    proj = project(home / "proj")
    (proj / "Dockerfile").write_text(
        "FROM debian:12\n"
        f"ENV PATH={go122 / 'bin'}:$PATH\n"
        'RUN bash -l -c "go build -o /app ."\n'
        'CMD ["su", "-", "root", "-c", "go version"]\n'
    )
    # A login shell re-reads /etc/profile, which sets PATH again (Debian's, as in the image).
    env = {"PATH": f"{go122 / 'bin'}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
    env["HOME"] = str(tmp_path)
    assert "go1.22.10" in run(["bash", "-c", "go version"], env).stdout
    assert "go1.19.8" in run(["bash", "-l", "-c", "go version"], env).stdout

    d = run_doctor(env=base_env(home), cwd=proj)
    f = one(d, "contexts.docker-login-path")
    assert f["severity"] == "error"
    assert f["where"] == "~/proj/Dockerfile:3"
    assert "ENV PATH on line 2" in f["what"]
    assert f["fix"].startswith("drop the login option on line 3")


# ---- CI files ---------------------------------------------------------------------------------

WORKFLOW = """\
name: ci
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        go: ['1.22', '1.23']
    steps:
      - uses: actions/checkout@v4
      - name: Set up Go
        uses: actions/setup-go@v5
        with:
          go-version: '1.21'   # older than go.mod
          cache: true
      - uses: actions/setup-go@v5
        with:
          go-version: ${{ matrix.go }}
      - uses: "actions/setup-go@v5"
        with:
          go-version-file: "tools/go.mod"
      - run: go test ./...
"""


def test_ci_files_pin_another_go(home: Path, go121: Path, tmp_path: Path) -> None:
    proj = project(home / "proj")
    (proj / ".github" / "workflows").mkdir(parents=True)
    (proj / ".github" / "workflows" / "ci.yml").write_text(WORKFLOW)
    (proj / ".gitlab-ci.yml").write_text(
        "stages: [test]\ntest:\n  image:\n    name: golang:1.19-bookworm\n  script: go test\n"
    )
    # What those Go versions do with this go.mod (go 1.22.0):
    env = offline(base_env(home), tmp_path)
    r = go(go121, "build", "-o", "/dev/null", ".", env=env, cwd=proj)
    assert "go.mod requires go >= 1.22.0" in r.stderr, r
    r = go(DEBIAN_GOROOT, "build", "-o", "/dev/null", ".", env=env, cwd=proj)
    assert "invalid go version '1.22.0': must match format 1.23" in r.stderr, r

    d = run_doctor(env=base_env(home), cwd=proj)
    found = {f["where"]: f for f in mine(d)}
    assert set(found) == {
        "~/proj/.github/workflows/ci.yml:14",
        "~/proj/.github/workflows/ci.yml:21",
        "~/proj/.gitlab-ci.yml:4",
    }, found
    setup = found["~/proj/.github/workflows/ci.yml:14"]
    assert setup["id"] == "contexts.ci-go-mismatch"
    assert "go >= 1.22.0 (go.mod)" in setup["what"]
    assert setup["fix"] == "change line 14 to: go-version-file: go.mod"
    missing = found["~/proj/.github/workflows/ci.yml:21"]
    assert missing["id"] == "contexts.ci-go-version-file"
    gitlab = found["~/proj/.gitlab-ci.yml:4"]
    assert gitlab["id"] == "contexts.ci-go-mismatch"
    assert gitlab["fix"] == "change line 4 to: name: golang:1.22.0-bookworm"

    (proj / "tools").mkdir()  # go-version-file now exists but asks for an older Go
    (proj / "tools" / "go.mod").write_text("module tools\n\ngo 1.20\n")
    d = run_doctor(env=base_env(home), cwd=proj)
    f = {x["where"]: x for x in mine(d)}["~/proj/.github/workflows/ci.yml:21"]
    assert f["id"] == "contexts.ci-go-mismatch"
    assert f["fix"] == "change line 21 to: go-version-file: go.mod"


# ---- hostile inputs ---------------------------------------------------------------------------


@pytest.mark.timeout(120)
def test_hostile_files_never_crash_or_hang(home: Path) -> None:
    proj = project(home / "proj")
    os.mkfifo(proj / "Dockerfile")
    (proj / "Containerfile").symlink_to("Containerfile")  # a loop
    (proj / "build.Dockerfile").write_bytes(b"\xff\xfe" + os.urandom(4096) + b"\nFROM golang\n")
    (proj / "Dockerfile.huge").write_bytes(b"RUN true \\\n" * 500_000)
    wf = proj / ".github" / "workflows"
    wf.mkdir(parents=True)
    (wf / "junk.yml").write_bytes(b"- uses: actions/setup-go@v5\n" + b"\x00\x1b[31m" * 10000)
    (wf / "dir.yml").mkdir()
    conf = home / ".config" / "environment.d"
    conf.mkdir(parents=True)
    os.mkfifo(conf / "fifo.conf")
    (conf / "bin.conf").write_bytes(b"GOPATH=\xff\xfe\n")
    units = home / ".config" / "systemd" / "user"
    units.mkdir(parents=True)
    (units / "q.service").write_text("[Service]\nExecStart=sh -c \"go build 'unbalanced\n")
    d = run_doctor(env=base_env(home), cwd=proj)
    assert "doctor.detector-failed" not in d.ids(), d.data["findings"]
