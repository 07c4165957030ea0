"""The recipes' shell steps run for real against the local signed mirror (no internet): the
GitHub Action's script (action.yml), the README's GitLab CI job, the Dockerfile's build script,
and the air-gapped walkthrough (pack, carry, unpack, serve with nginx or mount, install)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml

from tests.support import nginx
from tests.support.cli import REPO, Result, go_run
from tests.support.mirror import Mirror

RECIPES = REPO / "recipes"
ARCHIVE = "go1.22.10.linux-amd64.tar.gz"
HELLO = 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hello from a recipe") }\n'


@pytest.fixture
def gover_bin(tmp_path: Path) -> Path:
    """A directory holding `gover` (this checkout's, run by this Python), as pip would put it
    on PATH."""
    bindir = tmp_path / "gover-bin"
    bindir.mkdir()
    exe = bindir / "gover"
    exe.write_text(f'#!/bin/sh\nPYTHONPATH="{REPO}" exec "{sys.executable}" -m gover "$@"\n')
    exe.chmod(0o755)
    return bindir


@pytest.fixture
def upstream(mirror: Mirror, monkeypatch: pytest.MonkeyPatch) -> str:
    """gover pointed at the test mirror the way a user would: GOVER_MIRROR=URL."""
    monkeypatch.delenv("GOVER_INDEX_URL")
    monkeypatch.delenv("GOVER_DOWNLOAD_BASE")
    monkeypatch.setenv("GOVER_MIRROR", mirror.url)
    return mirror.url


def run(argv: list[str], *, cwd: Path, env: dict[str, str], path: list[Path]) -> Result:
    """Run a recipe step with `path` first on PATH, then the system's (Debian's go 1.19 is
    in /usr/bin: a step that misses the shims finds the wrong go)."""
    full = dict(os.environ, **env)
    full["PATH"] = os.pathsep.join([*map(str, path), "/usr/local/bin", "/usr/bin", "/bin"])
    proc = subprocess.run(
        argv, cwd=cwd, env=full, capture_output=True, text=True, timeout=300, check=False
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def hello_module(where: Path, go_line: str = "go 1.21") -> Path:
    where.mkdir(parents=True, exist_ok=True)
    (where / "go.mod").write_text(f"module example.com/hello\n\n{go_line}\n")
    (where / "main.go").write_text(HELLO)
    return where


# -- GitHub Actions ----------------------------------------------------------------------------


def test_action_yml_steps_call_the_script_with_the_inputs() -> None:
    action = yaml.safe_load((REPO / "action.yml").read_text())
    assert set(action["inputs"]) == {"go-version", "go-version-file", "cache"}
    assert action["inputs"]["cache"]["default"] == "true"
    assert action["outputs"]["go-version"]["value"] == "${{ steps.install.outputs.go-version }}"
    runs = action["runs"]
    assert runs["using"] == "composite"
    steps = runs["steps"]
    ids = {s.get("id") for s in steps}
    script = '"$GITHUB_ACTION_PATH/recipes/github-action.sh"'
    run_steps = [s for s in steps if "run" in s]
    assert [s["run"] for s in run_steps] == [
        f'{script} install-gover "$GITHUB_ACTION_PATH"',
        f"{script} home",
        f"{script} install",
    ]
    assert all(s["shell"] == "bash" for s in run_steps)
    install = next(s for s in steps if s.get("id") == "install")
    assert install["env"] == {
        "INPUT_GO_VERSION": "${{ inputs.go-version }}",
        "INPUT_GO_VERSION_FILE": "${{ inputs.go-version-file }}",
    }
    cache = next(s for s in steps if str(s.get("uses", "")).startswith("actions/cache@"))
    assert steps.index(cache) < steps.index(install)  # restored before the install looks
    assert cache["if"] == "inputs.cache == 'true'"
    assert cache["with"]["path"] == "${{ steps.home.outputs.gover-home }}/versions"
    key = cache["with"]["key"]
    for part in ("runner.os", "runner.arch", "inputs.go-version", "hashFiles(", "go.mod"):
        assert part in key, (part, key)
    assert key.count("inputs.go-version-file != ''") == 4
    for ref in re.findall(r"steps\.([\w-]+)\.outputs", json.dumps(action)):
        assert ref in ids, ref
    assert os.access(RECIPES / "github-action.sh", os.X_OK)


def read_env_file(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines())


CASES = {
    # name: (files in the workspace, go-version, go-version-file, the Go expected)
    "toolchain line beats go line (and the .go-version beside it)": (
        {"go.mod": "module m\n\ngo 1.21.13\n\ntoolchain go1.22.10\n", ".go-version": "1.21.13\n"},
        "",
        "go.mod",
        "1.22.10",
    ),
    "go-version beats go-version-file": (
        {"go.mod": "module m\n\ngo 1.21.13\n\ntoolchain go1.22.10\n"},
        "1.21",
        "go.mod",
        "1.21.13",
    ),
    ".tool-versions in a subdirectory": (
        {"tools/.tool-versions": "nodejs 20.1.0\ngolang 1.21.13\n", ".go-version": "1.22.10\n"},
        "",
        "tools/.tool-versions",
        "1.21.13",
    ),
    "no input: what the repository asks for": (
        {".go-version": "1.22.10\n", "go.mod": "module m\n\ngo 1.21.13\n"},
        "",
        "",
        "1.22.10",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_github_action_script_installs_the_pin_and_sets_path_env_output(
    case: str, upstream: str, gover_bin: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files, go_version, version_file, expected = CASES[case]
    ws = tmp_path / "workspace"
    for name, text in files.items():
        (ws / name).parent.mkdir(parents=True, exist_ok=True)
        (ws / name).write_text(text)
    hello_module(ws / "cmd", "go 1.21")
    gh = {n: tmp_path / "github" / n for n in ("GITHUB_PATH", "GITHUB_ENV", "GITHUB_OUTPUT")}
    gh["GITHUB_PATH"].parent.mkdir()
    for f in gh.values():
        f.write_text("")
    monkeypatch.delenv("GOVER_HOME")  # the action chooses the store: the runner's tool cache
    env = {
        **{k: str(v) for k, v in gh.items()},
        "GITHUB_WORKSPACE": str(ws),
        "RUNNER_TOOL_CACHE": str(tmp_path / "toolcache"),
        "RUNNER_TEMP": str(tmp_path),
        "INPUT_GO_VERSION": go_version,
        "INPUT_GO_VERSION_FILE": version_file,
    }
    script = str(RECIPES / "github-action.sh")
    r = run([script, "home"], cwd=ws, env=env, path=[gover_bin])
    assert r.code == 0, r.err
    store = tmp_path / "toolcache" / "gover"
    assert gh["GITHUB_OUTPUT"].read_text() == f"gover-home={store}\n"
    env.update(read_env_file(gh["GITHUB_ENV"]))  # as the runner does between steps
    r = run([script, "install"], cwd=ws, env=env, path=[gover_bin])
    assert r.code == 0, r.err

    assert gh["GITHUB_PATH"].read_text() == f"{store / 'shims'}\n"
    assert read_env_file(gh["GITHUB_ENV"]) == {
        "GOVER_HOME": str(store),
        "GOTOOLCHAIN": "local",
        "GOVER_VERSION": expected,
    }
    assert gh["GITHUB_OUTPUT"].read_text().splitlines()[-1] == f"go-version={expected}"
    assert (store / "versions" / expected / "bin" / "go").is_file()

    # A later step: the runner prepends GITHUB_PATH and exports GITHUB_ENV.
    later = dict(env, **read_env_file(gh["GITHUB_ENV"]), GOCACHE=str(tmp_path / "gocache"))
    path = [Path(p) for p in gh["GITHUB_PATH"].read_text().splitlines()] + [gover_bin]
    for cwd in (ws, ws / "cmd"):  # any directory of the checkout: the pinned Go
        r = run(["go", "version"], cwd=cwd, env=later, path=path)
        assert r.out.startswith(f"go version go{expected} "), (r.out, r.err)
    r = run(["go", "run", "."], cwd=ws / "cmd", env=dict(later, GOFLAGS="-mod=mod"), path=path)
    assert r.out == "hello from a recipe\n", r.err


def test_github_action_script_missing_pin_file(
    upstream: str, gover_bin: Path, tmp_path: Path
) -> None:
    gh = {n: tmp_path / n for n in ("GITHUB_PATH", "GITHUB_ENV", "GITHUB_OUTPUT")}
    for f in gh.values():
        f.write_text("")
    ws = tmp_path / "ws"
    ws.mkdir()
    env = {**{k: str(v) for k, v in gh.items()}, "GITHUB_WORKSPACE": str(ws)}
    env["INPUT_GO_VERSION_FILE"] = "sub/go.mod"
    r = run([str(RECIPES / "github-action.sh"), "install"], cwd=ws, env=env, path=[gover_bin])
    assert r.code == 1
    assert r.err_lines == [f"github-action.sh: go-version-file sub/go.mod: no such file in {ws}"], (
        r.err
    )
    assert all(f.read_text() == "" for f in gh.values())


def test_github_action_install_gover_step_gives_a_working_gover(tmp_path: Path) -> None:
    """The action's first step for real: pip-installs this checkout into a venv (from PyPI's
    dependencies, as on a runner) and puts the venv's bin on GITHUB_PATH."""
    gh_path = tmp_path / "GITHUB_PATH"
    gh_path.write_text("")
    env = {"GITHUB_PATH": str(gh_path), "RUNNER_TEMP": str(tmp_path)}
    script = str(RECIPES / "github-action.sh")
    python = Path(sys.executable).parent  # the python3 this suite runs under (>= 3.11.4)
    r = run([script, "install-gover", str(REPO)], cwd=tmp_path, env=env, path=[python])
    assert r.code == 0, r.err[-3000:]
    venv_bin = tmp_path / "gover-venv" / "bin"
    assert gh_path.read_text() == f"{venv_bin}\n"
    version = subprocess.run(
        [str(venv_bin / "gover"), "--version"], capture_output=True, text=True, check=False
    )
    assert version.returncode == 0 and version.stdout.startswith("gover "), version.stderr
    # Every command family imports and the shims and hooks render from the package's data.
    home = tmp_path / "home"
    rehash = subprocess.run(
        [str(venv_bin / "gover"), "rehash", "--json"],
        capture_output=True,
        text=True,
        check=False,
        env=dict(os.environ, GOVER_HOME=str(home), GOVER_SHIMS="sh"),
    )
    assert rehash.returncode == 0, rehash.stderr
    assert json.loads(rehash.stdout)["shims_dir"] == str(home / "shims")
    assert (home / "shims" / "go").is_file() and (home / "hooks" / "hook.bash").is_file()


# -- GitLab CI (the README's job) --------------------------------------------------------------


def readme_block(heading: str, lang: str) -> str:
    text = (REPO / "README.md").read_text()
    section = text[text.index(heading) :]
    m = re.search(rf"```{lang}\n(.*?)```", section, re.S)
    assert m, f"no ```{lang} block after {heading}"
    return m.group(1)


def test_gitlab_ci_job_from_readme(upstream: str, gover_bin: Path, tmp_path: Path) -> None:
    ci = yaml.safe_load(readme_block("### GitLab CI", "yaml"))
    variables = ci["variables"]
    assert variables["GOVER_HOME"] == "$CI_PROJECT_DIR/.gover"  # GitLab caches project paths only
    cache = ci["default"]["cache"]
    assert cache["paths"] == [".gover/versions/"]
    assert cache["key"]["files"] == [".go-version"]
    project = hello_module(tmp_path / "project")
    (project / ".go-version").write_text("1.21.13\n")
    env = {"CI_PROJECT_DIR": str(project)}
    for k, v in variables.items():
        env[k] = v.replace("$CI_PROJECT_DIR", str(project))
    # before_script and script run in one shell, as the runner does; pip is already done here.
    lines = [
        line
        for line in ci["default"]["before_script"] + ci["test"]["script"]
        if "pip install" not in line
    ]
    r = run(
        ["bash", "-euo", "pipefail", "-c", "\n".join(lines)],
        cwd=project,
        env=dict(env, GOFLAGS="-mod=mod", GOCACHE=str(tmp_path / "gocache")),
        path=[gover_bin],
    )
    assert r.code == 0, r.err
    assert "go version go1.21.13 linux/amd64" in r.out, r.out
    assert (project / ".gover" / "versions" / "1.21.13" / "bin" / "go").is_file()


# -- the Dockerfile ----------------------------------------------------------------------------


def dockerfile_env() -> dict[str, str]:
    """The builder stage's ENV block, as Docker would set it."""
    text = (RECIPES / "Dockerfile").read_text().replace("\\\n", " ")
    env: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("ENV "):
            for pair in line[4:].split():
                k, _, v = pair.partition("=")
                env[k] = v
    return env


def test_dockerfile_shape() -> None:
    lines = (RECIPES / "Dockerfile").read_text().splitlines()
    froms = [line.split()[1] for line in lines if line.startswith("FROM ")]
    assert len(froms) == 2  # a builder, then only the binary
    assert not any(f.startswith("golang") for f in froms)
    assert all(":" in f for f in froms)  # no floating untagged image
    runs = [line for line in lines if line.startswith("RUN ")]
    assert not any("export " in r for r in runs)
    assert 'RUN docker-build.sh install-gover "$GOVER_SRC"' in runs
    assert "RUN docker-build.sh build /out/app ." in runs
    assert "COPY --from=build /out/app /app" in lines
    env = dockerfile_env()
    assert env["PATH"].startswith(env["GOVER_HOME"] + "/shims:")
    assert env["GOTOOLCHAIN"] == "local"


def test_docker_build_script_builds_with_the_pinned_go(
    upstream: str, gover_bin: Path, tmp_path: Path
) -> None:
    src = hello_module(tmp_path / "src")
    (src / ".go-version").write_text("1.22.10\n")
    image_root = tmp_path / "opt-gover"
    env = {k: v for k, v in dockerfile_env().items() if k not in ("PATH", "GOVER_MIRROR")}
    env["GOVER_HOME"] = str(image_root)
    env["GOCACHE"] = str(tmp_path / "gocache")
    path = [image_root / "shims", gover_bin]  # ENV PATH=$GOVER_HOME/shims:$PATH
    out = tmp_path / "out" / "app"
    r = run([str(RECIPES / "docker-build.sh"), "build", str(out), "."], cwd=src, env=env, path=path)
    assert r.code == 0, r.err
    assert "go version go1.22.10 linux/amd64" in r.out
    ran = subprocess.run([str(out)], capture_output=True, text=True, check=True)
    assert ran.stdout == "hello from a recipe\n"
    built = go_run(image_root / "versions" / "1.22.10", "version", str(out))
    assert built.stdout.strip() == f"{out}: go1.22.10", built


def test_docker_build_script_refuses_a_path_without_the_shims(
    upstream: str, gover_bin: Path, tmp_path: Path
) -> None:
    """The `RUN export PATH=...` trap: the next RUN has no shims on PATH and finds Debian's
    go 1.19 in /usr/bin; the script stops with one line saying to use ENV."""
    src = hello_module(tmp_path / "src")
    (src / ".go-version").write_text("1.21.13\n")
    env = {"GOVER_HOME": str(tmp_path / "opt-gover"), "GOTOOLCHAIN": "local"}
    out = tmp_path / "app"
    r = run(
        [str(RECIPES / "docker-build.sh"), "build", str(out)], cwd=src, env=env, path=[gover_bin]
    )
    assert r.code == 1
    last = r.err_lines[-1]
    assert last.startswith("docker-build.sh: go on PATH (/usr/bin/go) runs /usr/lib/go-1.19"), r.err
    assert "ENV" in last
    assert not out.exists()


# -- air-gapped --------------------------------------------------------------------------------


def test_airgap_walkthrough_pack_unpack_serve_mount_install(
    upstream: str, gover_bin: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = str(RECIPES / "airgap.sh")
    tarball = tmp_path / "carry" / "go-mirror.tar"
    tarball.parent.mkdir()
    r = run(
        [script, "pack", str(tarball), "--version", "1.22.10", "--platform", "linux/amd64"],
        cwd=tmp_path,
        env={},
        path=[gover_bin],
    )
    assert r.code == 0, r.err
    with tarfile.open(tarball) as tf:
        assert sorted(tf.getnames()) == sorted(
            ["go-mirror", "go-mirror/index.json"]
            + [f"go-mirror/{ARCHIVE}{s}" for s in ("", ".sha256", ".asc")]
        )

    # Inside: nothing points at the upstream any more.
    monkeypatch.delenv("GOVER_MIRROR")
    srv_dir = tmp_path / "srv" / "go-mirror"
    r = run([script, "unpack", str(tarball), str(srv_dir)], cwd=tmp_path, env={}, path=[gover_bin])
    assert r.code == 0, r.err
    assert (srv_dir / "index.json").is_file()

    # Mounted (a share, a USB stick): file://
    home_a = tmp_path / "host-a"
    r = run(
        [script, "install", srv_dir.as_uri() + "/", "1.22"],
        cwd=tmp_path,
        env={"GOVER_HOME": str(home_a)},
        path=[gover_bin],
    )
    assert r.code == 0, r.err
    assert go_run(home_a / "versions" / "1.22.10", "version").stdout.startswith(
        "go version go1.22.10"
    )

    # Served by nginx over HTTPS (the intranet's CA in ca_bundle).
    with nginx.serve(srv_dir, tmp_path / "nginx") as srv:
        home_b = tmp_path / "host-b"
        r = run(
            [script, "install", srv.url, "1.22.10"],
            cwd=tmp_path,
            env={"GOVER_HOME": str(home_b), "GOVER_CA_BUNDLE": str(srv.ca_path)},
            path=[gover_bin],
        )
        assert r.code == 0, r.err
        assert ("GET", "/" + ARCHIVE, 200) in srv.requests()
    assert (home_b / "versions" / "1.22.10" / "bin" / "go").is_file()


def test_airgap_unpack_refuses_a_tarball_altered_in_transit(
    upstream: str, gover_bin: Path, tmp_path: Path
) -> None:
    script = str(RECIPES / "airgap.sh")
    tarball = tmp_path / "go-mirror.tar"
    r = run(
        [script, "pack", str(tarball), "--version", "1.22.10", "--platform", "linux/amd64"],
        cwd=tmp_path,
        env={},
        path=[gover_bin],
    )
    assert r.code == 0, r.err
    # Flip bytes inside the archive member (the tar itself stays well-formed).
    with tarfile.open(tarball) as tf:
        offset = tf.getmember(f"go-mirror/{ARCHIVE}").offset_data
    with tarball.open("r+b") as fh:
        fh.seek(offset + 4096)
        fh.write(b"\0" * 64)
    dest = tmp_path / "srv" / "go-mirror"
    r = run([script, "unpack", str(tarball), str(dest)], cwd=tmp_path, env={}, path=[gover_bin])
    assert r.code == 3, (r.code, r.err)
    assert ARCHIVE in r.err
    assert not dest.exists()
    assert list((tmp_path / "srv").iterdir()) == []  # the staging directory is gone too
    shutil.rmtree(tmp_path / "srv")
