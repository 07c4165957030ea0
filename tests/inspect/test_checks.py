"""`gover verify`: binaries built by the real toolchains, the environment cross-check (a stale
GOROOT and a foreign go on PATH, for real) and go.mod against the selected Go."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.support.cli import go_run, run_gover

HELLO = 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hi") }\n'


@pytest.fixture(scope="module")
def bins(real_home: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """app-1.21.13 and app-1.22.10: the same program built by each real toolchain."""
    out = tmp_path_factory.mktemp("bins")
    src = out / "src"
    src.mkdir()
    (src / "go.mod").write_text("module example.com/app\n\ngo 1.21\n")
    (src / "main.go").write_text(HELLO)
    built = {}
    for v in ("1.21.13", "1.22.10"):
        target = out / f"app-{v}"
        r = go_run(
            real_home / "versions" / v,
            "build",
            "-o",
            str(target),
            ".",
            cwd=src,
            env={"HOME": str(out)},
        )
        assert r.returncode == 0, r.stderr
        built[v] = target
    return built




def test_binary_built_with_another_go(store: Path, proj: Path, bins: dict[str, Path]) -> None:
    old = bins["1.21.13"]
    r = run_gover("verify", str(old), cwd=proj)
    assert r.code == 4
    assert r.out == (
        f"{old}: built with go1.21.13, expected go1.22.10 (set by {proj / '.go-version'})\n"
    )
    ok = run_gover("verify", str(bins["1.22.10"]), cwd=proj)
    assert (ok.code, ok.out) == (0, f"{bins['1.22.10']}: built with go1.22.10, as expected\n")
    assert run_gover("verify", "--expect", "1.21.13", str(old), cwd=proj).code == 0
    assert run_gover("verify", "--expect", "go1.21", str(old), cwd=proj).code == 0
    assert run_gover("verify", "--expect", "1.22", str(old), cwd=proj).code == 4


def test_recursive_scan_skips_non_go_files(
    store: Path, proj: Path, bins: dict[str, Path], tmp_path: Path
) -> None:
    tree = tmp_path / "dist"
    (tree / "linux").mkdir(parents=True)
    shutil.copy2(bins["1.22.10"], tree / "linux" / "good")
    shutil.copy2(bins["1.21.13"], tree / "old")
    shutil.copy2("/bin/true", tree / "not-go")
    (tree / "README").write_text("text\n")
    r = run_gover("verify", "--recursive", "--json", str(tree), cwd=proj)
    assert r.code == 4
    data = json.loads(r.out)
    assert data["expected"] == "go1.22.10"
    assert [(Path(b["path"]).name, b["built_with"], b["ok"]) for b in data["binaries"]] == [
        ("old", "go1.21.13", False),
        ("good", "go1.22.10", True),
    ]
    no_flag = run_gover("verify", str(tree), cwd=proj)
    assert no_flag.code == 1 and "is a directory (use --recursive)" in no_flag.out


def test_non_go_file_is_a_clear_error(store: Path, proj: Path, tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello\n")
    r = run_gover("verify", str(text), "/bin/true", cwd=proj)
    assert r.code == 1
    lines = r.out.splitlines()
    assert lines[0].startswith(f"{text}: not an executable")
    assert lines[1] == "/bin/true: not a Go binary (no build info)"
    assert "Traceback" not in r.err


def test_environment_clean_then_stale_goroot(store: Path, proj: Path) -> None:
    r = run_gover("verify", cwd=proj)
    assert r.code == 0, r.out + r.err
    assert "ok  toolchain: " in r.out and "builds go1.22.10" in r.out
    assert f"ok  PATH: go on PATH is gover's shim {store / 'shims' / 'go'}" in r.out
    probes = list((store / "probes").glob("1.22.10-*/probe"))
    assert len(probes) == 1
    stamp = probes[0].stat().st_mtime_ns

    other = store / "versions" / "1.21.13"
    bad = run_gover("verify", cwd=proj, env={"GOROOT": str(other)})
    assert bad.code == 4
    assert (
        f"BAD GOROOT variable: GOROOT={other} (from the environment) holds go1.21.13 but go is "
        'go1.22.10: every compile will fail with "version does not match"'
    ) in bad.out
    assert probes[0].stat().st_mtime_ns == stamp  # the probe was reused, not rebuilt


def test_environment_foreign_go_first_on_path(store: Path, proj: Path) -> None:
    path = f"/usr/lib/go-1.19/bin:{store / 'shims'}:/usr/bin:/bin"
    r = run_gover("verify", cwd=proj, env={"PATH": path})
    assert r.code == 4
    assert (
        "BAD PATH: go on PATH is /usr/lib/go-1.19/bin/go (go1.19.8), not the selected go1.22.10"
    ) in r.out
    assert f"put {store / 'shims'} before /usr/lib/go-1.19/bin in PATH" in r.out
    data = json.loads(run_gover("verify", "--json", cwd=proj, env={"PATH": path}).out)
    assert {c["check"]: c["ok"] for c in data["checks"]}["PATH"] is False


@pytest.mark.parametrize(
    ("pin", "gomod", "code", "needle"),
    [
        ("1.22.10", "go 1.22.3\n", 0, "go1.22.10 (set by"),
        ("1.21.13", "go 1.22.3\n", 4, "requires go >= 1.22.3 but the selected Go is go1.21.13"),
        ("1.22.10", "go 1.21\n\ntoolchain go1.21.13\n", 4, "toolchain go1.21.13 but the selected"),
        (None, "go 1.21\n\ntoolchain go1.21.13\n", 0, "can build it"),
        (None, "go 1.25.0\n", 4, "go 1.25.0 or newer (from the go line in"),
    ],
)
def test_gomod(
    store: Path, tmp_path: Path, pin: str | None, gomod: str, code: int, needle: str
) -> None:
    mod = tmp_path / "mod"
    (mod / "pkg").mkdir(parents=True)
    (mod / "go.mod").write_text("module example.com/m\n\n" + gomod)
    if pin:
        (mod / ".go-version").write_text(pin + "\n")
    r = run_gover("verify", "--gomod", cwd=mod / "pkg")
    assert r.code == code, r.out + r.err
    assert needle in r.out
    assert str(mod / "go.mod") in r.out


def test_gomod_outside_a_module(store: Path, tmp_path: Path) -> None:
    r = run_gover("verify", "--gomod", cwd=tmp_path)
    assert r.code == 2
    assert (
        r.err
        == f"gover: error: no go.mod or go.work in {tmp_path} or above; run it inside a module\n"
    )


def test_precommit_hook_declared() -> None:
    from tests.support.cli import REPO

    text = (REPO / ".pre-commit-hooks.yaml").read_text()
    assert "- id: gover-verify-gomod\n" in text
    assert "entry: gover verify --gomod\n" in text
