"""Issue 8, items 4 and 5, for the user's own files and the terminal: config.toml, pins, shell
startup files and version strings never end in a traceback or a hang, are edited in place with
care (through symlinks, keeping mode, comments and hard links, under a lock), and nothing a
path or a file holds reaches the terminal raw.

Everything runs through the real entry point (`python -m gover`) with real files, symlinks,
FIFOs, hard links and concurrent processes.
"""

from __future__ import annotations

import contextlib
import os
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gover import config, paths
from gover.errors import GoverError
from gover.select import setup as initsetup
from gover.select.hooks import render_hook
from gover.versions import GoVersion, VersionRequest
from tests.support.cli import REPO, run_gover

FIX = "fix or delete the file"
BIG = "1" + "0" * 5000  # int() refuses more than 4,300 digits (ValueError)


def _config_file(text: str | bytes | None = None) -> Path:
    path = paths.config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, str):
        path.write_text(text)
    elif isinstance(text, bytes):
        path.write_bytes(text)
    return path


def _run_bytes(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run(
        [sys.executable, "-m", "gover", *args],
        capture_output=True,
        env=env,
        cwd=cwd,
        timeout=120,
        check=False,
    )


# ---- config.toml: reading --------------------------------------------------------------------


@pytest.mark.timeout(120)
def test_fifo_as_config_is_refused_at_once() -> None:
    cfg = _config_file()
    os.mkfifo(cfg)
    # The old code opened it blocking: the subprocess timeout is the failure mode.
    r = run_gover("config", "get", "gpg", timeout=60)
    assert r.code == 1
    assert r.err == (
        f"gover: error: {cfg}: cannot read config: it is a FIFO, not a regular file; {FIX}\n"
    )


def test_non_utf8_config_is_one_line() -> None:
    cfg = _config_file(b'gpg = "\xff"\n')
    r = run_gover("config", "get", "gpg")
    assert r.code == 1
    assert r.err == (
        f"gover: error: {cfg}: cannot read config: not UTF-8 text (byte 7); "
        "save it as UTF-8 or delete it\n"
    )


def test_oversized_config_is_refused() -> None:
    cfg = _config_file("# " + "x" * (1 << 20) + "\n")
    r = run_gover("config", "get", "gpg")
    assert r.code == 1
    assert r.err == (
        f"gover: error: {cfg}: cannot read config: it is larger than 1048576 bytes; {FIX}\n"
    )


@pytest.mark.parametrize(
    "value",
    [
        "inf",
        "-inf",
        "nan",
        "1e999",
        "-5",
        "true",
        "1.5",
        "315360001",
        "99999999999999999999",
        '"x"',
    ],
)
@pytest.mark.parametrize("key", ["index_ttl", "timeout"])
def test_bad_seconds_in_config_are_one_line(key: str, value: str) -> None:
    cfg = _config_file(f"{key} = {value}\n")
    r = run_gover("config", "get", key)
    assert r.code == 1
    assert r.err == (
        f"gover: error: {cfg}: {key} must be a whole number of seconds from 0 to 315360000\n"
    )


def test_huge_integer_in_config_is_one_line() -> None:
    cfg = _config_file(f"index_ttl = {BIG}\n")
    r = run_gover("config", "get", "index_ttl")
    assert r.code == 1
    assert (
        r.err == f"gover: error: {cfg}: cannot read config: a number has too many digits; {FIX}\n"
    )


def test_deeply_nested_config_is_one_line() -> None:
    cfg = _config_file("x = " + "[" * 100_000 + "\n")
    r = run_gover("config", "get", "gpg")
    assert r.code == 1
    assert r.err == f"gover: error: {cfg}: cannot read config: values nested too deeply; {FIX}\n"


@pytest.mark.parametrize(
    "value", ["inf", BIG, "-1", "1.5", " "], ids=["inf", "5001-digits", "-1", "1.5", "space"]
)
def test_bad_seconds_from_env_or_cli_are_one_line(value: str) -> None:
    r = run_gover("config", "get", "index_ttl", env={"GOVER_INDEX_TTL": value})
    assert r.code == 1
    assert r.err == (
        "gover: error: $GOVER_INDEX_TTL: index_ttl must be a whole number of seconds "
        "from 0 to 315360000\n"
    )
    r = run_gover("config", "set", "timeout", "--", value)
    assert r.code == 1
    assert r.err == (
        "gover: error: value: timeout must be a whole number of seconds from 0 to 315360000\n"
    )
    assert not paths.config_file().exists()


def test_timeout_key_round_trips() -> None:
    assert run_gover("config", "set", "timeout", "90").code == 0
    assert run_gover("config", "get", "timeout").out == "90\n"
    assert config.load().timeout == 90


# ---- config.toml: paths are absolute ----------------------------------------------------------


def test_config_set_stores_paths_absolute(tmp_path: Path) -> None:
    work = tmp_path / "work dir"
    work.mkdir()
    r = run_gover("config", "set", "trusted_keys", "corp.asc", cwd=work)
    assert r.code == 0, r.err
    r = run_gover("config", "set", "ca_bundle", "sub/../rel.pem", cwd=work)
    assert r.code == 0, r.err
    assert r.out == f"ca_bundle = \"{work / 'rel.pem'}\" in {paths.config_file()}\n"
    raw = tomllib.loads(paths.config_file().read_text())
    assert raw["trusted_keys"] == [str(work / "corp.asc")]
    assert raw["ca_bundle"] == str(work / "rel.pem")
    # Read from anywhere, the same files.
    got = run_gover("config", "get", "trusted_keys", cwd=tmp_path).out
    assert got == f'["{work / "corp.asc"}"]\n'  # a TOML array


@pytest.mark.parametrize(
    ("key", "text"),
    [
        ("trusted_keys", 'trusted_keys = ["/abs.asc", "corp.asc"]\n'),
        ("ca_bundle", 'ca_bundle = "rel.pem"\n'),
    ],
)
def test_relative_path_in_config_is_refused(tmp_path: Path, key: str, text: str) -> None:
    """A repository that ships corp.asc must not become trusted by running gover in it."""
    cfg = _config_file(text)
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "corp.asc").write_text("not a key\n")
    (repo / "rel.pem").write_text("not a CA\n")
    rel = "corp.asc" if key == "trusted_keys" else "rel.pem"
    r = run_gover("config", "get", key, cwd=repo)
    assert r.code == 1
    assert r.err == (
        f"gover: error: {cfg}: {key} path {rel!r} is relative (it would depend on the current "
        f"directory); give the full path, e.g. gover config set {key} /path/to/file\n"
    )


@pytest.mark.parametrize(
    ("key", "env"), [("trusted_keys", "GOVER_TRUSTED_KEYS"), ("ca_bundle", "GOVER_CA_BUNDLE")]
)
def test_relative_path_in_env_is_refused(tmp_path: Path, key: str, env: str) -> None:
    (tmp_path / "corp.asc").write_text("x\n")
    r = run_gover("config", "get", key, env={env: "corp.asc"}, cwd=tmp_path)
    assert r.code == 1
    assert r.err == (
        f"gover: error: ${env}: {key} path 'corp.asc' is relative (it would depend on the "
        f"current directory); give the full path, e.g. gover config set {key} /path/to/file\n"
    )


# ---- config.toml: editing ---------------------------------------------------------------------

COMMENTED = """\
# gover settings, kept in my dotfiles
gpg = "auto"      # the default, for now

# refresh the index daily
index_ttl = 86400   # one day
"""


def test_config_set_keeps_comments_and_layout() -> None:
    cfg = _config_file(COMMENTED)
    assert run_gover("config", "set", "gpg", "require").code == 0
    assert run_gover("config", "set", "auto_install", "true").code == 0
    assert cfg.read_text() == COMMENTED.replace('"auto"', '"require"').replace(
        "index_ttl = 86400   # one day\n",
        "index_ttl = 86400   # one day\nschema_version = 1\nauto_install = true\n",
    )
    assert run_gover("config", "unset", "auto_install").code == 0
    assert cfg.read_text() == COMMENTED.replace('"auto"', '"require"').replace(
        "index_ttl = 86400   # one day\n", "index_ttl = 86400   # one day\nschema_version = 1\n"
    )


def test_config_set_writes_through_a_symlink_and_keeps_mode(tmp_path: Path) -> None:
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    real = dotfiles / "gover.toml"
    real.write_text('# mine\ngpg = "off"\n')
    real.chmod(0o600)
    cfg = _config_file()
    cfg.symlink_to(real)
    r = run_gover("config", "set", "gpg", "require")
    assert r.code == 0, r.err
    assert cfg.is_symlink() and os.readlink(cfg) == str(real)
    assert real.read_text() == '# mine\ngpg = "require"\nschema_version = 1\n'
    assert stat.S_IMODE(real.stat().st_mode) == 0o600
    assert run_gover("config", "unset", "gpg").code == 0
    assert cfg.is_symlink()
    assert real.read_text() == "# mine\nschema_version = 1\n"
    assert stat.S_IMODE(real.stat().st_mode) == 0o600


def test_config_lock_is_never_followed(tmp_path: Path) -> None:
    cfg = _config_file()
    victim = tmp_path / "victim"
    lock = cfg.with_name(".config.toml.lock")
    lock.symlink_to(victim)
    r = run_gover("config", "set", "gpg", "require")
    assert r.code == 1
    assert len(r.err_lines) == 1 and str(lock) in r.err, r.err
    assert not victim.exists() and not cfg.exists()


def test_concurrent_config_sets_lose_no_update() -> None:
    """Three `config set` of different keys at once, ten rounds: every key survives every
    round (read-modify-write without a lock lost one about 4 times in 10)."""
    _config_file()
    env = dict(os.environ, PYTHONPATH=str(REPO))
    for round_ in range(10):
        paths.config_file().unlink(missing_ok=True)
        sets = [
            ("index_ttl", str(100 + round_)),
            ("timeout", str(200 + round_)),
            ("key_url", f"https://keys.example/{round_}.asc"),
        ]
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "gover", "config", "set", key, value],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            for key, value in sets
        ]
        for proc in procs:
            _out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err
        raw = tomllib.loads(paths.config_file().read_text())
        assert raw == {
            "index_ttl": 100 + round_,
            "timeout": 200 + round_,
            "key_url": f"https://keys.example/{round_}.asc",
            "schema_version": 1,
        }, (round_, raw)


# ---- hostile inputs never escape as anything but a value or a GoverError ------------------------

_HOSTILE_CHARS = st.sampled_from(
    [*"0123456789.-+ goalphbetrcx\x00\n\t/\\$`'\"[]{}=#e", "\x1b", "\u202e", "9" * 50]
)
_VERSIONISH = st.one_of(
    st.text(max_size=60),
    st.lists(_HOSTILE_CHARS, max_size=40).map("".join),
    st.builds(
        lambda n, k: "1." + "9" * n + k, st.integers(0, 6000), st.sampled_from(["", ".1", "rc1"])
    ),
)


@given(_VERSIONISH)
def test_version_loaders_give_a_value_or_a_gover_error(text: str) -> None:
    for parse in (GoVersion.parse, VersionRequest.parse):
        with contextlib.suppress(GoverError):
            parse(text)


_TOML_SCALAR = st.one_of(
    st.integers(-(10**30), 10**30).map(str),
    st.sampled_from(
        ["inf", "-inf", "nan", "+nan", "1e999", "-0.0", "0x10", "1_000", BIG, "true", "false"]
    ),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=20).map(lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'),
    st.text(max_size=20).map(lambda s: "'" + s + "'"),
    st.sampled_from(
        [
            '["a.asc", "/b.asc"]',
            "[1, 2]",
            "{ x = 1 }",
            "[[[]]]",
            "[" * 300 + "]" * 300,
            "1979-05-27",
        ]
    ),
)
_TOML_DOC = st.lists(
    st.tuples(st.sampled_from([*config.KEYS, "schema_version", "colour", "a.b"]), _TOML_SCALAR),
    max_size=6,
).map(lambda pairs: "".join(f"{k} = {v}\n" for k, v in pairs))


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=300)
@given(st.one_of(_TOML_DOC, st.binary(max_size=200), st.text(max_size=200)))
def test_config_loader_gives_a_value_or_a_gover_error(doc: str | bytes) -> None:
    _config_file(doc)
    try:
        cfg = config.load()
    except GoverError as exc:
        assert "\n" not in str(exc)
    else:
        assert 0 <= cfg.index_ttl <= config.MAX_SECONDS
        assert 0 <= cfg.timeout <= config.MAX_SECONDS
        assert all(os.path.isabs(p) for p in cfg.trusted_keys)
        assert not cfg.ca_bundle or os.path.isabs(cfg.ca_bundle)


# ---- version strings on the command line -------------------------------------------------------


@pytest.mark.parametrize(
    "command", [("install",), ("local",), ("global",), ("uninstall",), ("list-remote",)]
)
def test_five_thousand_digit_version_is_one_short_line(command: tuple[str, ...]) -> None:
    r = run_gover(*command, BIG)
    assert r.code == 2, r.err
    assert len(r.err_lines) == 1, r.err
    assert r.err.startswith(f"gover: error: '{BIG[:40]}'… (5001 characters) is not a Go version; ")
    assert len(r.err) < 300


# ---- pins ------------------------------------------------------------------------------------


def test_symlinked_go_version_is_written_through(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    real = shared / "go-version"
    real.write_text("1.21.0\n")
    real.chmod(0o600)
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / ".go-version").symlink_to("../shared/go-version")
    r = run_gover("local", "--force", "1.22.3", cwd=proj)
    assert r.code == 0, r.err
    assert (proj / ".go-version").is_symlink()
    assert real.read_text() == "1.22.3\n"
    assert stat.S_IMODE(real.stat().st_mode) == 0o600


def test_symlinked_global_version_is_written_through(tmp_path: Path) -> None:
    real = tmp_path / "dotfiles-go-version"
    real.write_text("# my default\n")
    glob = paths.global_version_file()
    glob.parent.mkdir(parents=True, exist_ok=True)
    glob.symlink_to(real)
    assert run_gover("global", "--force", "1.22.3").code == 0
    assert glob.is_symlink() and real.read_text() == "1.22.3\n"


def test_go_version_linked_to_another_file_is_refused(tmp_path: Path, isolated_env: Path) -> None:
    """A cloned repository's `.go-version -> ~/.bashrc` must not make `gover local` clobber it."""
    bashrc = isolated_env / ".bashrc"
    bashrc.write_text("export EDITOR=vi\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    pin = repo / ".go-version"
    pin.symlink_to(bashrc)
    r = run_gover("local", "--force", "1.22.3", cwd=repo)
    assert r.code == 1
    assert r.err == (
        f"gover: error: {pin}: is a symlink to {bashrc}, which is not a version file; refusing "
        "to write through the link; remove the link (gover local --unset), then pin again\n"
    )
    assert bashrc.read_text() == "export EDITOR=vi\n" and pin.is_symlink()


@pytest.mark.timeout(120)
def test_go_version_linked_to_a_fifo_or_nowhere_is_refused(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    pin = repo / ".go-version"
    pin.symlink_to(fifo)
    r = run_gover("local", "--force", "1.22.3", cwd=repo, timeout=60)
    assert r.code == 1
    assert r.err == (
        f"gover: error: {pin}: is a symlink to {fifo}, which is a FIFO, not a regular file; "
        "refusing to write through the link; remove the link (gover local --unset), then pin again\n"
    )
    pin.unlink()
    pin.symlink_to(tmp_path / "missing")
    r = run_gover("local", "--force", "1.22.3", cwd=repo)
    assert r.code == 1
    assert r.err == (
        f"gover: error: {pin}: is a symlink to {tmp_path / 'missing'}, which does not exist; "
        "refusing to write through the link; remove the link (gover local --unset) or create "
        f"{tmp_path / 'missing'}\n"
    )
    assert not (tmp_path / "missing").exists()


# ---- init --write --------------------------------------------------------------------------------


def test_read_only_bashrc_is_refused(isolated_env: Path) -> None:
    rc = isolated_env / ".bashrc"
    rc.write_text("export A=1\n")
    rc.chmod(0o444)
    r = run_gover("init", "bash", "--write")
    assert r.code == 1
    assert r.err == (
        f"gover: error: {rc}: is read-only; gover init leaves it alone; make it writable "
        f"(chmod u+w {rc}) and run gover init --write again, or add the block by hand\n"
    )
    assert rc.read_text() == "export A=1\n"
    assert stat.S_IMODE(rc.stat().st_mode) == 0o444
    assert not (isolated_env / ".bashrc.gover-backup").exists()


def test_read_only_profile_changes_nothing_at_all(isolated_env: Path) -> None:
    """Every file is checked before any is written: the writable .bashrc stays untouched too."""
    (isolated_env / ".bashrc").write_text("export A=1\n")
    profile = isolated_env / ".profile"
    profile.write_text("export B=1\n")
    profile.chmod(0o400)
    r = run_gover("init", "bash", "--write")
    assert r.code == 1 and len(r.err_lines) == 1 and str(profile) in r.err
    assert (isolated_env / ".bashrc").read_text() == "export A=1\n"


def test_hard_linked_bashrc_keeps_its_links(isolated_env: Path) -> None:
    dotfiles = isolated_env / "dotfiles"
    dotfiles.mkdir()
    master = dotfiles / "bashrc"
    master.write_text("export A=1\n")
    rc = isolated_env / ".bashrc"
    os.link(master, rc)
    inode = rc.stat().st_ino
    r = run_gover("init", "bash", "--write")
    assert r.code == 0, r.err
    assert rc.stat().st_ino == inode == master.stat().st_ino
    assert rc.stat().st_nlink == 2
    assert "# >>> gover >>>" in master.read_text()
    assert master.read_text().startswith("export A=1\n")
    assert (isolated_env / ".bashrc.gover-backup").read_text() == "export A=1\n"


@pytest.mark.timeout(120)
@pytest.mark.parametrize("write", [False, True], ids=["plan", "write"])
def test_fifo_bashrc_is_refused_at_once(isolated_env: Path, write: bool) -> None:
    rc = isolated_env / ".bashrc"
    os.mkfifo(rc)
    r = run_gover("init", "bash", *(["--write"] if write else []), timeout=60)
    assert r.code == 1
    assert r.err == (
        f"gover: error: {rc}: is a FIFO, not a regular file; gover init edits only regular "
        "files you can read; add the block by hand\n"
    )
    assert stat.S_ISFIFO(os.lstat(rc).st_mode)


@pytest.mark.parametrize("home", ["", None, "relative/home"], ids=["empty", "unset", "relative"])
def test_missing_home_is_one_clear_error(home: str | None) -> None:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    if home is None:
        del env["HOME"]
    else:
        env["HOME"] = home
    # Without --write: the old code printed a plan for "/.bashrc" (and wrote it with --write).
    proc = subprocess.run(
        [sys.executable, "-m", "gover", "init", "bash"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 1
    if home == "relative/home":
        assert proc.stderr == (
            "gover: error: HOME is a relative path ('relative/home'): cannot tell where your "
            "shell's startup files are; set HOME to the absolute path of your home directory\n"
        )
    else:
        state = "empty" if home == "" else "not set"
        assert proc.stderr == (
            f"gover: error: HOME is {state}: cannot tell where your shell's startup files are; "
            "set HOME to your home directory, e.g. export HOME=/home/you\n"
        )


def test_missing_home_with_write_writes_nothing(tmp_path: Path) -> None:
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    env = dict(os.environ, PYTHONPATH=str(REPO), HOME="")
    proc = subprocess.run(
        [sys.executable, "-m", "gover", "init", "bash", "--write"],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 1 and proc.stderr.startswith("gover: error: HOME is empty:")
    assert list(cwd.iterdir()) == []


TYPOGRAPHIC = "a\u2018b\u2019c\u201ad\u201be\u201cf\u201dg\u201eh"


def test_pwsh_quotes_typographic_quotes(tmp_path: Path, isolated_env: Path) -> None:
    """PowerShell closes a single-quoted string at U+2018..U+201B and a double-quoted one at
    U+201C..U+201E: each must be escaped."""
    outside = tmp_path / f"store {TYPOGRAPHIC}"
    r = run_gover("init", "pwsh", env={"GOVER_HOME": str(outside)})
    assert r.code == 0, r.err
    single = (
        "'"
        + str(outside / "shims")
        .replace("\u2018", "\u2018\u2018")
        .replace("\u2019", "\u2019\u2019")
        .replace("\u201a", "\u201a\u201a")
        .replace("\u201b", "\u201b\u201b")
        + "'"
    )
    assert (
        f"        $Env:PATH = {single} + [IO.Path]::PathSeparator + $Env:PATH" in r.out.splitlines()
    )
    inside = isolated_env / f"g {TYPOGRAPHIC}"
    r = run_gover("init", "pwsh", env={"GOVER_HOME": str(inside)})
    assert r.code == 0, r.err
    double = '"$HOME/g a\u2018b\u2019c\u201ad\u201be`\u201cf`\u201dg`\u201eh/shims"'
    assert (
        f"        $Env:PATH = {double} + [IO.Path]::PathSeparator + $Env:PATH" in r.out.splitlines()
    )
    assert initsetup.shims_path_line("pwsh", inside / "shims", isolated_env) == (
        f"$Env:PATH = {double} + [IO.Path]::PathSeparator + $Env:PATH"
    )


# ---- terminal safety ----------------------------------------------------------------------------

ESCAPES = "\x1b]0;pwned\x07"


@pytest.mark.parametrize(
    "command", [("current",), ("which", "go"), ("--debug", "current"), ("install",)]
)
def test_escape_sequences_in_paths_are_not_printed_raw(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    proj = tmp_path / f"proj{ESCAPES}"
    proj.mkdir()
    (proj / ".go-version").write_text("1.22.99\n")
    proc = _run_bytes(*command, cwd=proj)
    assert proc.returncode == 1
    for stream in (proc.stdout, proc.stderr):
        assert b"\x1b" not in stream and b"\x07" not in stream
    where = f"{tmp_path}/proj\\x1b]0;pwned\\x07/.go-version"
    lines = [line for line in proc.stderr.decode().splitlines() if line.startswith("gover: error:")]
    assert lines == [
        f"gover: error: go 1.22.99 (set by {where}) is not installed; run: gover install 1.22.99"
    ] or (
        command == ("install",)
        and f"installing go 1.22.99 (set by {where})" in proc.stderr.decode()
    ), proc.stderr


def test_c1_controls_cr_and_undecodable_bytes_are_escaped(tmp_path: Path) -> None:
    proj = Path(os.fsdecode(os.fsencode(tmp_path) + b"/p\rq\xc2\x9b31m\xff\x7f"))
    proj.mkdir()
    (proj / ".go-version").write_text("1.22.99\n")
    proc = _run_bytes("current", cwd=proj)
    assert proc.returncode == 1
    assert (
        proc.stderr
        == (
            f"gover: error: go 1.22.99 (set by {tmp_path}/p\\x0dq\\x9b31m\\xff\\x7f/.go-version) "
            "is not installed; run: gover install 1.22.99\n"
        ).encode()
    )


def test_table_cells_are_escaped() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "gover", "config", "list"],
        capture_output=True,
        env=dict(os.environ, PYTHONPATH=str(REPO), GOVER_INDEX_URL="https://x/\x1b[2J\x9b?"),
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert b"\x1b" not in proc.stdout and "\x9b".encode() not in proc.stdout
    row = next(line for line in proc.stdout.splitlines() if line.startswith(b"index_url"))
    # a TOML string (ESC as \u001b), and what TOML leaves raw (C1 \x9b) escaped by the printer
    assert row.split() == [b"index_url", b'"https://x/\\u001b[2J\\x9b?"', b"$GOVER_INDEX_URL"]


def test_shell_code_is_printed_byte_exact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """hook/env output is code for eval, quoted by its producer: never escaped."""
    odd = tmp_path / "g\x1b[1m home"
    monkeypatch.setenv("GOVER_HOME", str(odd))
    proc = _run_bytes("hook", "bash")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == (render_hook("bash") + "\n").encode()
    assert b"\x1b[1m" in proc.stdout
