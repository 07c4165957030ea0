"""The shims (the native one, shims/native/shim.go, and the sh one, shims/resolve.sh) and
gover/select/resolve.py must choose the same Go everywhere (house style point 10). Every test
here runs for both kinds of shim. Hypothesis builds random trees of version files, go.mod and
go.work files, installed sets, global files, GOVER_VERSION, GOWORK and PATH layouts; in every
directory of a tree the shim's GOVER_SHIM_DRYRUN answer and its warnings must equal resolve.py's,
and where nothing is installed, its error line too."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from tests.support.fakego import environ
from tests.support.parity import (
    FIXED,
    SENTINEL,
    Scenario,
    _python,
    _spell,
    built,
    scenarios,
)


def _run(shim: Path, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(shim)],
        cwd=cwd,
        env=env,
        capture_output=True,
        encoding="utf-8",
        errors="backslashreplace",
        timeout=20,
        check=False,
    )


KINDS = ("native", "sh")


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Which shims rehash writes for this test (config key `shims`, env GOVER_SHIMS)."""
    monkeypatch.setenv("GOVER_SHIMS", request.param)
    return str(request.param)


def _assert_kind(shim: Path, kind: str) -> None:
    head = shim.read_bytes()[:4]
    assert (head == b"\x7fELF") == (kind == "native"), (kind, head)


def check(s: Scenario, kind: str) -> int:
    """Every directory of the scenario: shim == resolve.py. Returns how many were compared."""
    with built(s) as (tree, env):
        shim = Path(env["GOVER_HOME"]) / "shims" / "go"
        _assert_kind(shim, kind)
        compared = 0
        for rel in s.dirs:
            d = tree.joinpath(*rel)
            pwd = _spell(d, s.pwd_style)
            sh_env = {**env, "PWD": pwd, "HOME": os.environ["HOME"], "GOVER_SHIM_DRYRUN": "1"}
            sh = _run(shim, d, sh_env)
            assert sh.returncode == 0, sh.stderr
            err = io.StringIO()
            with environ(env), contextlib.redirect_stderr(err):
                py_out, py_message = _python(Path(pwd))
            where = f"in {pwd!r}"
            assert sh.stdout.strip() == py_out, where
            assert sh.stderr.splitlines() == err.getvalue().splitlines(), where
            if py_message is not None:
                del sh_env["GOVER_SHIM_DRYRUN"]
                proc = _run(shim, d, sh_env)
                assert proc.returncode == 127, where
                assert proc.stderr.splitlines()[-1] == f"gover: {py_message}", where
            compared += 1
        assert not os.path.exists(SENTINEL)
        return compared


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(scenario=scenarios())
def test_shim_and_python_agree_everywhere(kind: str, scenario: Scenario) -> None:
    check(scenario, kind)


# ---- fixed scenarios: the cases the random ones must never miss ------------------------------

@pytest.mark.parametrize("scenario", FIXED)
def test_fixed_scenarios(kind: str, scenario: Scenario) -> None:
    assert check(scenario, kind) == len(scenario.dirs)


def test_system_go_runs_through_every_shim_spelling(kind: str) -> None:
    """Not DRYRUN: the shim execs the system go, whichever spelling of the shims dir came
    first on PATH, and never itself (no recursion, no depth error)."""
    s = FIXED[0].values[0]
    assert isinstance(s, Scenario)
    with built(s) as (tree, env):
        home = Path(env["GOVER_HOME"])
        _assert_kind(home / "shims" / "go", kind)
        base = home.parent
        for shim in (home / "shims" / "go", base / "shims-link" / "go", base / "lone" / "go"):
            proc = subprocess.run(
                [str(shim), "version"],
                cwd=tree,
                env={**env, "PWD": str(tree), "HOME": os.environ["HOME"]},
                capture_output=True,
                text=True,
                timeout=20,
                check=False,
            )
            assert (proc.returncode, proc.stdout, proc.stderr) == (0, "system go\n", "")
