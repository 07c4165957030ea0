"""`gover install` end to end: real Go archives from a real local server, signed by a test key,
installed into an isolated GOVER_HOME, and then really run (`go version`, `go build`)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gover.results.toolchains import grouped
from tests.support.cli import (
    REPO,
    assert_one_line_error,
    go_run,
    run_gover,
    store_root,
    visible_versions,
)
from tests.support.gpgkey import TestKey
from tests.support.httpserver import Fault
from tests.support.mirror import Mirror

HELLO = 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hello from gover") }\n'






def archive_gets(m: Mirror, filename: str) -> int:
    return sum(
        1 for method, path, _h in m.server.requests if method == "GET" and path == "/" + filename
    )




def test_install_prefix_runs_and_builds(
    mirror: Mirror, signing_key: TestKey, tmp_path: Path
) -> None:
    r = run_gover("install", "1.22")
    assert r.code == 0, r.err
    assert "installed go 1.22.10" in r.out
    who = "gover test release key <govertestreleasekey@example.invalid>"
    assert f"signature by {who} ({grouped(signing_key.fingerprint)})" in r.out
    root = store_root() / "1.22.10"

    v = go_run(root, "version")
    assert v.returncode == 0, v.stderr
    assert v.stdout.startswith("go version go1.22.10 linux/amd64")

    proj = tmp_path / "hello"
    proj.mkdir()
    (proj / "go.mod").write_text("module example.com/hello\n\ngo 1.22\n")
    (proj / "main.go").write_text(HELLO)
    b = go_run(root, "build", "-o", "hello", ".", cwd=proj)
    assert b.returncode == 0, b.stderr
    assert (
        subprocess.run([str(proj / "hello")], capture_output=True, text=True).stdout
        == "hello from gover\n"
    )
    m = go_run(root, "version", "-m", "hello", cwd=proj)
    assert m.stdout.startswith("hello: go1.22.10\n"), m.stdout
    assert "\tpath\texample.com/hello\n" in m.stdout

    listing = run_gover("list", "--json")
    assert listing.code == 0
    doc = json.loads(listing.out)
    assert doc["schema"] == 1
    data = doc["versions"]
    assert [d["version"] for d in data] == ["1.22.10"]
    assert data[0]["signer"] == signing_key.fingerprint
    assert data[0]["sha256"] == _index_sha(mirror, "1.22.10")
    assert run_gover("list").out == "1.22.10\n"

    # Installed already: a message, exit 0, and no second download.
    before = archive_gets(mirror, mirror.filename("1.22.10"))
    again = run_gover("install", "1.22.10")
    assert again.code == 0
    assert "already installed" in again.out
    assert archive_gets(mirror, mirror.filename("1.22.10")) == before


def _index_sha(m: Mirror, version: str) -> str:
    for entry in m.index:
        for f in entry["files"]:  # type: ignore[attr-defined]
            if f["filename"] == m.filename(version):
                return str(f["sha256"])
    raise AssertionError(version)


def test_install_two_versions_and_uninstall(mirror: Mirror) -> None:
    r = run_gover("install", "go1.21.13", "1.22.10")
    assert r.code == 0, r.err
    assert run_gover("list").out == "1.22.10\n1.21.13\n"
    assert go_run(store_root() / "1.21.13", "version").stdout.startswith("go version go1.21.13 ")
    u = run_gover("uninstall", "1.21.13")
    assert u.code == 0, u.err
    assert run_gover("list").out == "1.22.10\n"
    assert visible_versions() == ["1.22.10"]
    missing = run_gover("uninstall", "1.21.13")
    assert missing.code == 1
    assert_one_line_error(missing.err, "1.21.13 is not installed", "gover list")


@pytest.mark.parametrize("bad", ["1.22;rm -rf ~", "../../etc", "$(id)", "1.22.x"])
def test_bad_version_is_a_usage_error(mirror: Mirror, bad: str) -> None:
    r = run_gover("install", bad)
    assert r.code == 2
    assert_one_line_error(r.err, repr(bad), "1.22.10, go1.22.10")
    assert visible_versions() == []


def test_no_matching_release(mirror: Mirror) -> None:
    r = run_gover("install", "1.30")
    assert r.code == 2
    assert_one_line_error(r.err, "'1.30'", "gover list-remote")


def test_tampered_archive_is_refused(mirror: Mirror) -> None:
    name = mirror.filename("1.22.10")
    good = (mirror.root / name).read_bytes()
    tampered = bytearray(good)
    tampered[len(tampered) // 2] ^= 0xFF
    mirror.server.add_fault("/" + name, Fault(body=bytes(tampered)))
    r = run_gover("install", "1.22.10")
    assert r.code == 3
    assert_one_line_error(r.err, mirror.url + name, "SHA-256 mismatch")
    assert visible_versions() == []
    downloads = Path(os.environ["GOVER_HOME"]) / "cache" / "downloads"
    assert downloads.is_dir()  # the download happened there...
    assert list(downloads.iterdir()) == []  # ...and neither the file nor a .partial is left


def test_html_page_served_as_archive(mirror: Mirror) -> None:
    name = mirror.filename("1.21.13")
    html = b"<!doctype html><html><body>Sign in to continue</body></html>"
    mirror.server.add_fault("/" + name, Fault(body=html, content_type="text/html"))
    r = run_gover("install", "1.21.13")
    assert r.code == 3
    assert_one_line_error(r.err, name)
    assert visible_versions() == []


def test_signature_by_untrusted_key(
    mirror: Mirror, other_key: TestKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOVER_TRUSTED_KEYS", str(other_key.public_key_path))
    r = run_gover("install", "1.22.10")
    assert r.code == 3
    assert_one_line_error(r.err, mirror.filename("1.22.10") + ".asc")
    assert visible_versions() == []


def test_signature_of_another_file(mirror: Mirror, signing_key: TestKey) -> None:
    other_sig = (mirror.root / (mirror.filename("1.21.13") + ".asc")).read_bytes()
    mirror.server.add_fault("/" + mirror.filename("1.22.10") + ".asc", Fault(body=other_sig))
    r = run_gover("install", "1.22.10")
    assert r.code == 3
    assert_one_line_error(r.err, mirror.filename("1.22.10") + ".asc")
    assert visible_versions() == []


def test_missing_signature_require_vs_auto(mirror: Mirror, monkeypatch: pytest.MonkeyPatch) -> None:
    mirror.server.add_fault("/" + mirror.filename("1.21.13") + ".asc", Fault(status=404))
    r = run_gover("install", "1.21.13")
    assert r.code == 3
    assert_one_line_error(r.err, mirror.filename("1.21.13") + ".asc", "gpg = require")
    assert visible_versions() == []

    monkeypatch.setenv("GOVER_GPG", "auto")
    r = run_gover("install", "1.21.13")
    assert r.code == 0, r.err
    assert "no signature published" in r.err
    receipt = json.loads((store_root() / "1.21.13" / ".gover-receipt.json").read_text())
    assert receipt["signer"] == "unsigned"


def test_sidecar_disagreeing_with_index(mirror: Mirror) -> None:
    mirror.server.add_fault("/" + mirror.filename("1.21.13") + ".sha256", Fault(body=b"ab" * 32))
    r = run_gover("install", "1.21.13")
    assert r.code == 3
    assert_one_line_error(r.err, ".sha256", "disagrees with the release index")
    assert visible_versions() == []


def test_concurrent_installs_download_once(mirror: Mirror) -> None:
    name = mirror.filename("1.21.13")
    before = archive_gets(mirror, name)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "gover", "install", "1.21.13"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=240) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert archive_gets(mirror, name) - before == 1
    assert sum("already installed" in o for o, _e in outs) == 1
    assert visible_versions() == ["1.21.13"]
    assert go_run(store_root() / "1.21.13", "version").returncode == 0


def test_sigkill_mid_extract_then_retry(mirror: Mirror) -> None:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen(
        [sys.executable, "-m", "gover", "install", "1.22.10"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    staging: list[Path] = []
    while time.monotonic() < deadline:
        staging = list(store_root().glob(".staging-1.22.10+*")) if store_root().exists() else []
        if staging and any((staging[0] / "src").glob("*")):
            break
        time.sleep(0.02)
    assert staging, "extraction never started"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert visible_versions() == []
    assert run_gover("list").out == ""

    r = run_gover("install", "1.22.10")
    assert r.code == 0, r.err
    assert visible_versions() == ["1.22.10"]
    assert not list(store_root().glob(".staging-*"))
    assert go_run(store_root() / "1.22.10", "version").stdout.startswith("go version go1.22.10")


def test_failed_force_reinstall_keeps_old_toolchain(mirror: Mirror) -> None:
    assert run_gover("install", "1.21.13").code == 0
    receipt = (store_root() / "1.21.13" / ".gover-receipt.json").read_text()
    run_gover("cache", "clean")
    name = mirror.filename("1.21.13")
    mirror.server.add_fault("/" + name, Fault(body=b"\x1f\x8b" + b"garbage" * 100))
    r = run_gover("install", "--force", "1.21.13")
    assert r.code == 3
    assert_one_line_error(r.err, name)
    assert (store_root() / "1.21.13" / ".gover-receipt.json").read_text() == receipt
    assert go_run(store_root() / "1.21.13", "version").stdout.startswith("go version go1.21.13")
    assert visible_versions() == ["1.21.13"]
    assert not list(store_root().glob(".staging-*")) and not list(store_root().glob(".old-*"))

    mirror.server.clear_faults()
    ok = run_gover("install", "--force", "1.21.13")
    assert ok.code == 0, ok.err
    assert "reinstalled go 1.21.13" in ok.out
    assert go_run(store_root() / "1.21.13", "version").stdout.startswith("go version go1.21.13")


def test_install_file_air_gapped(
    mirror: Mirror, go_archives: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = go_archives["1.21.13"]
    local = tmp_path / "usb stick $x" / src.name
    local.parent.mkdir()
    local.write_bytes(src.read_bytes())
    # No index reachable, no .asc beside the file: --sha256 plus gpg=auto is enough.
    monkeypatch.setenv("GOVER_INDEX_URL", (tmp_path / "no-index.json").as_uri())
    monkeypatch.setenv("GOVER_GPG", "auto")
    wrong = run_gover("install", "--file", str(local), "--sha256", "ab" * 32)
    assert wrong.code == 3
    assert_one_line_error(wrong.err, str(local), "SHA-256 mismatch")
    assert visible_versions() == []
    assert local.exists()  # the user's file is never deleted

    no_hash = run_gover("install", "--file", str(local))
    assert no_hash.code == 3
    assert_one_line_error(no_hash.err, str(local), "--sha256")

    sha = _index_sha(mirror, "1.21.13")
    ok = run_gover("install", "--file", str(local), "--sha256", sha.upper())
    assert ok.code == 0, ok.err
    assert go_run(store_root() / "1.21.13", "version").stdout.startswith("go version go1.21.13")


def test_install_file_uses_index_hash_and_local_signature(
    mirror: Mirror, go_archives: dict[str, Path], tmp_path: Path
) -> None:
    src = mirror.root / mirror.filename("1.22.10")
    local = tmp_path / src.name
    os.link(src, local)
    (tmp_path / (src.name + ".asc")).write_bytes((mirror.root / (src.name + ".asc")).read_bytes())
    ok = run_gover("install", "--file", str(local))
    assert ok.code == 0, ok.err
    assert "signature by" in ok.out
    bad_name = tmp_path / "go.tar.gz"
    bad_name.write_bytes(b"x")
    r = run_gover("install", "--file", str(bad_name))
    assert r.code == 2
    assert_one_line_error(r.err, str(bad_name), "go1.22.10.linux-amd64.tar.gz")


def test_list_remote(mirror: Mirror) -> None:
    r = run_gover("list-remote")
    assert r.code == 0, r.err
    assert r.out.splitlines() == ["1.22.10", "1.22.9", "1.21.13"]
    assert run_gover("list-remote", "1.22").out.splitlines() == ["1.22.10", "1.22.9"]
    assert run_gover("list-remote", "--all").out.splitlines()[0] == "1.23rc1"
    data = json.loads(run_gover("list-remote", "1.21", "--json").out)["releases"]
    assert data[0]["version"] == "1.21.13" and data[0]["filename"] == "go1.21.13.linux-amd64.tar.gz"


def test_index_is_cached_and_revalidated(mirror: Mirror, monkeypatch: pytest.MonkeyPatch) -> None:
    def index_gets() -> list[dict[str, str]]:
        return [
            h
            for method, path, h in mirror.server.requests
            if method == "GET" and path.startswith("/index.json")
        ]

    n0 = len(index_gets())
    assert run_gover("list-remote").code == 0
    assert run_gover("list-remote").code == 0  # fresh within the TTL: no request
    assert len(index_gets()) == n0 + 1
    r = run_gover("list-remote", "--refresh")  # revalidates with the validators it saved
    assert r.code == 0
    last = index_gets()[-1]
    assert any(k.lower() in ("if-none-match", "if-modified-since") for k in last)
    # Offline: the server fails, gover warns and uses its cache.
    mirror.server.add_fault("/index.json", Fault(status=404))
    off = run_gover("list-remote", "--refresh")
    assert off.code == 0
    assert "1.22.10" in off.out
    assert "using the copy cached" in off.err


def test_broken_index_names_url(mirror: Mirror) -> None:
    mirror.server.add_fault("/index.json", Fault(body=b"<html>not json</html>"))
    r = run_gover("install", "1.22")
    assert r.code == 1
    assert_one_line_error(r.err, mirror.index_url, "not JSON")


def test_cache_clean(mirror: Mirror) -> None:
    assert run_gover("install", "1.21.13").code == 0
    r = run_gover("cache", "clean")
    assert r.code == 0
    assert "removed" in r.out and "MB" in r.out
    assert not (Path(os.environ["GOVER_HOME"]) / "cache" / "downloads").exists()
    assert run_gover("list").out == "1.21.13\n"


def test_keys_list_shows_pinned_go_key(mirror: Mirror, signing_key: TestKey) -> None:
    r = run_gover("keys", "list", "--json")
    assert r.code == 0, r.err
    fps = [k["fingerprint"] for k in json.loads(r.out)["keys"]]
    assert "EB4C1BFD4F042F6DDDCCEC917721F63BD38B4796" in fps
    assert signing_key.fingerprint in fps
    assert not (Path(os.environ["HOME"]) / ".gnupg").exists()


def test_progress_bar_on_a_terminal_only(mirror: Mirror) -> None:
    import pexpect

    env = dict(os.environ, PYTHONPATH=str(REPO), COLUMNS="100", TERM="xterm")
    child = pexpect.spawn(
        sys.executable,
        ["-m", "gover", "install", "1.21.13"],
        env=env,
        timeout=120,
        encoding="utf-8",
        dimensions=(24, 100),
    )
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    screen = child.before or ""
    assert "go1.21.13.linux-amd64.tar.gz" in screen
    assert "MB" in screen  # rich's DownloadColumn
    assert "installed go 1.21.13" in screen


def test_keys_refresh_accepts_only_the_pinned_key(
    mirror: Mirror, other_key: TestKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = REPO / "gover" / "data" / "go-release-key.asc"
    (mirror.root / "linux_signing_key.pub").write_bytes(real.read_bytes())
    (mirror.root / "impostor.pub").write_bytes(other_key.public_key_path.read_bytes())
    refreshed = Path(os.environ["GOVER_HOME"]) / "keys" / "go-release-key.asc"

    monkeypatch.setenv("GOVER_KEY_URL", mirror.url + "impostor.pub")
    bad = run_gover("keys", "refresh")
    assert bad.code == 3
    assert_one_line_error(
        bad.err, mirror.url + "impostor.pub", "EB4C1BFD4F042F6DDDCCEC917721F63BD38B4796"
    )
    assert not refreshed.exists()

    monkeypatch.setenv("GOVER_KEY_URL", mirror.url + "linux_signing_key.pub")
    ok = run_gover("keys", "refresh")
    assert ok.code == 0, ok.err
    assert ok.out.startswith("refreshed EB4C1BFD4F042F6DDDCCEC917721F63BD38B4796 from ")
    assert refreshed.is_file()


def test_mislabelled_archive_is_refused(
    mirror: Mirror, go_archives: dict[str, Path], tmp_path: Path
) -> None:
    """A go1.21.13 tree under a go1.22.10 name: the hash matches what the user gave, the
    VERSION file inside does not."""
    fake = tmp_path / "go1.22.10.linux-amd64.tar.gz"
    os.link(go_archives["1.21.13"], fake)
    sha = _index_sha(mirror, "1.21.13")
    r = run_gover("install", "--file", str(fake), "--sha256", sha, env={"GOVER_GPG": "off"})
    assert r.code == 3
    assert_one_line_error(r.err, "archive holds go1.21.13, not go1.22.10")
    assert visible_versions() == []
    assert not list(store_root().glob(".staging-*"))
