"""What gover's configuration may say (issue 9): config.toml's keys and schema_version, and
pyproject's runtime dependencies, which must be exactly what the runtime imports."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path

import pytest

from gover import paths
from tests.support.cli import REPO, run_gover

KNOWN = (
    "known keys: auto_install, ca_bundle, download_base, gobin, gpg, index_ttl, index_url, key_url, "
    "mirror, shims, source, timeout, trusted_keys, verify_sumdb"
)


def _config(text: str) -> Path:
    path = paths.config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# ---- unknown keys --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('gpg_policy = "require"\n', "'gpg_policy'"),  # a typo must not leave the default on
        ('gpg = "require"\n[notes]\nx = 1\n', "'notes'"),
        ('"we\\u001bird" = 1\n', "'we\\x1bird'"),  # escaped: still one printable line
    ],
)
@pytest.mark.parametrize(
    "command", [("config", "get", "gpg"), ("list-remote",), ("config", "list")]
)
def test_unknown_key_is_an_error_naming_key_and_file(
    text: str, key: str, command: tuple[str, ...]
) -> None:
    cfg = _config(text)
    r = run_gover(*command)
    assert r.code == 1
    assert r.err == (
        f"gover: error: {cfg}: unknown config key {key}; remove it from the file; {KNOWN}\n"
    )
    assert r.out == ""


def test_known_keys_and_schema_version_load() -> None:
    _config('schema_version = 1\ngpg = "off"\nindex_ttl = 60\n')
    r = run_gover("config", "get", "gpg")
    assert (r.code, r.out, r.err) == (0, '"off"\n', "")


# ---- schema_version ---------------------------------------------------------------------------


def test_newer_schema_says_to_upgrade_gover() -> None:
    cfg = _config('schema_version = 2\ngpg = "off"\n')
    r = run_gover("config", "get", "gpg")
    assert r.code == 1
    assert r.err == (
        f"gover: error: {cfg}: schema_version 2 is newer than this gover understands (1); "
        "upgrade gover\n"
    )


def test_newer_schema_is_never_rewritten_by_config_set() -> None:
    """Old code rewrote schema_version = 2 to 1 on `config set`, claiming to understand it."""
    text = 'schema_version = 2\ngpg = "off"\nfuture_key = "x"\n'
    cfg = _config(text)
    r = run_gover("config", "set", "gpg", "require")
    assert r.code == 1
    assert "schema_version 2 is newer than this gover understands" in r.err
    assert len(r.err.splitlines()) == 1
    assert cfg.read_text() == text


def test_missing_schema_version_means_1() -> None:
    _config('gpg = "off"\n')
    assert run_gover("config", "get", "gpg").out == '"off"\n'
    assert run_gover("config", "set", "index_ttl", "60").code == 0
    assert tomllib.loads(paths.config_file().read_text()) == {
        "gpg": "off",
        "index_ttl": 60,
        "schema_version": 1,
    }


@pytest.mark.parametrize(
    ("value", "shown"),
    [("0", "0"), ("-3", "-3"), ('"1"', "'1'"), ("true", "bool"), ("1.0", "float"), ("[1]", "list")],
)
def test_bad_schema_version_is_one_line(value: str, shown: str) -> None:
    cfg = _config(f"schema_version = {value}\n")
    r = run_gover("config", "get", "gpg")
    assert r.code == 1
    assert r.err == (
        f"gover: error: {cfg}: schema_version must be a whole number from 1 (found {shown}); "
        "set it to 1 or delete the line\n"
    )


# ---- pyproject: runtime dependencies are what the runtime imports ----------------------------

# distribution name -> the module it provides, where the two differ
_PROVIDES = {"python-gnupg": "gnupg", "tomli-w": "tomli_w"}


def _runtime_dependencies() -> set[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    names = {
        re.split(r"[<>=!~;\[ ]", spec, maxsplit=1)[0].lower() for spec in project["dependencies"]
    }
    return {_PROVIDES.get(n, n) for n in names}


def _third_party_imports() -> set[str]:
    found: set[str] = set()
    for path in (REPO / "gover").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return {m for m in found if m not in sys.stdlib_module_names and m != "gover"}


def test_runtime_dependencies_are_what_gover_imports() -> None:
    assert _runtime_dependencies() == _third_party_imports()


def test_test_only_packages_are_not_runtime_dependencies() -> None:
    runtime = _runtime_dependencies()
    assert "packaging" not in runtime  # never imported
    # cryptography verifies the checksum database's Ed25519 notes (trust/note.py) and makes
    # the tests' throw-away TLS certificates: a runtime dependency, not only a test one.
    assert "cryptography" in runtime
    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert "pytest>=8" in extras["optional-dependencies"]["test"]


# ---- I/O errors say what gover was doing, and where ------------------------------------------


def test_config_set_names_the_directory_it_cannot_create() -> None:
    """Old code let the OSError through: "<dir>: File exists", without the operation."""
    where = paths.config_file().parent
    where.parent.mkdir(parents=True, exist_ok=True)
    where.write_text("a file where the config directory belongs\n")
    r = run_gover("config", "set", "gpg", "off")
    assert r.code == 1
    assert r.err == f"gover: error: cannot create config directory {where}: File exists\n"


def test_every_package_is_shipped() -> None:
    """A package missing from [tool.setuptools] packages works in the editable checkout and
    breaks `pip install .` (gover.doctor and gover.mirror once were)."""
    listed = set(
        tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(init.parent.relative_to(REPO).parts)
        for init in (REPO / "gover").rglob("__init__.py")
    }
    assert found <= listed, sorted(found - listed)
