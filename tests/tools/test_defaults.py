"""The default-packages file: `gover install` (the signed test mirror, a real Go) then
`go install`s each line with the new toolchain from a real file:// GOPROXY; a package that
fails is one warning and the install still succeeds; lines that are not package paths are
refused, naming file:line, without running go."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from gover import config
from gover.tools import defaults
from tests.support import gomodules
from tests.support.cli import run_gover
from tests.support.mirror import Mirror

TOOL = "example.com/hello"


@pytest.fixture
def go_setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """go pointed at a file:// proxy holding example.com/hello (GOPATH under tmp_path)."""
    proxy = tmp_path / "proxy"
    gomodules.add_tool(proxy, TOOL, "v1.0.0", "hello from v1")
    for key, value in gomodules.go_env(proxy, tmp_path / "gopath").items():
        if key.startswith("GO") or key == "CGO_ENABLED":
            monkeypatch.setenv(key, value)
    monkeypatch.delenv("GOTOOLCHAIN")  # after_install sets it itself
    return tmp_path / "gopath"


def version_m(binary: Path) -> str:
    out = subprocess.run(
        ["/usr/lib/go-1.19/bin/go", "version", "-m", binary],
        capture_output=True,
        text=True,
        check=True,
        env=dict(os.environ, GOTOOLCHAIN="local"),
    )
    return out.stdout


def write_packages(text: str) -> Path:
    path = defaults.default_packages_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_install_runs_the_default_packages(
    mirror: Mirror, go_setup: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOVER_GOBIN", "per-version")
    write_packages(f"# tools for every Go\n\n{TOOL}@v1.0.0\nexample.com/missing  # not there\n")
    r = run_gover("install", "1.22.10")
    assert r.code == 0, r.err
    home = Path(os.environ["GOVER_HOME"])
    built = home / "gobin" / "1.22.10" / "hello"
    info = version_m(built)
    assert info.startswith(f"{built}: go1.22.10\n"), info
    assert f"\tmod\t{TOOL}\tv1.0.0\t" in info
    warnings = [line for line in r.err.splitlines() if "warning" in line]
    assert len(warnings) == 1, r.err
    assert warnings[0].startswith(
        "gover: warning: default package example.com/missing@latest not installed: "
    )
    assert "example.com/missing" in warnings[0].split("not installed: ", 1)[1]
    assert not (go_setup / "bin").exists()  # per-version: never the shared GOPATH/bin


def test_shared_mode_installs_into_gopath_bin(mirror: Mirror, go_setup: Path) -> None:
    write_packages(f"{TOOL}\n")  # no version: @latest
    r = run_gover("install", "1.21.13")
    assert r.code == 0, r.err
    info = version_m(go_setup / "bin" / "hello")
    assert ": go1.21.13\n" in info and f"\tmod\t{TOOL}\tv1.0.0\t" in info
    assert "warning" not in r.err
    # Installed already: the file is not run again.
    (go_setup / "bin" / "hello").unlink()
    assert run_gover("install", "1.21.13").code == 0
    assert not (go_setup / "bin" / "hello").exists()


@pytest.mark.parametrize(
    "line",
    ["a b", "x; rm -rf ~", "$(touch pwned)", "`id`", "-toolexec=/bin/sh", "pkg@v1 more", "a|b"],
)
def test_a_line_that_is_not_a_package_is_refused(tmp_path: Path, line: str) -> None:
    path = write_packages(f"# comment\n{line}\n")
    root = tmp_path / "no-go-here"  # go is never run for a refused line
    got = defaults.after_install(root, "1.22.10", config.Config(), progress=False)
    assert got == (
        defaults.DefaultPackage(
            line,
            False,
            f"{path}:2: {line!r} is not a package path "
            "(one package[@version] per line, no spaces or shell characters)",
        ),
    )
    assert not (tmp_path / "pwned").exists()


def test_no_file_nothing_to_do(tmp_path: Path) -> None:
    assert not defaults.default_packages_file().exists()
    assert defaults.after_install(tmp_path, "1.22.10", config.Config()) == ()
    write_packages("# only comments\n\n   \n")
    assert defaults.after_install(tmp_path, "1.22.10", config.Config()) == ()


def test_an_unreadable_file_is_one_failed_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "packages"
    os.mkfifo(fifo)
    monkeypatch.setenv("GOVER_DEFAULT_PACKAGES", str(fifo))
    got = defaults.after_install(tmp_path, "1.22.10", config.Config())
    assert len(got) == 1 and not got[0].ok
    assert got[0].message.startswith(f"{fifo}: cannot read the default packages: ")
    assert capsys.readouterr().err == f"gover: warning: {got[0].message}\n"
