"""Install feedback: on a terminal (a real pty) the stages download → verify → extract →
commit, a bar for the extraction, each version's line as soon as it is in; off a terminal
only the result lines; JSON never mixed with any of it. Plus archive.extract's progress hook
on a real Go archive and a zip."""

from __future__ import annotations

import fcntl
import io
import json
import os
import pty
import re
import struct
import subprocess
import sys
import termios
import threading
import zipfile
from pathlib import Path

from gover.toolchain.archive import extract as archive
from tests.support.cli import REPO, run_gover
from tests.support.mirror import Mirror

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r")


def run_on_pty(*args: str, stdout_pipe: bool = False) -> tuple[int, str, str]:
    """The real entry point with stderr (and stdin, and stdout unless `stdout_pipe`) on a
    pty: (exit code, what the terminal showed without escape sequences, stdout if piped)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
    env = dict(os.environ, PYTHONPATH=str(REPO), TERM="xterm-256color", COLUMNS="200")
    proc = subprocess.Popen(
        [sys.executable, "-m", "gover", *args],
        stdin=slave,
        stdout=subprocess.PIPE if stdout_pipe else slave,
        stderr=slave,
        env=env,
        close_fds=True,
    )
    os.close(slave)
    shown = bytearray()

    def drain() -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: every writer closed the pty
                return
            if not data:
                return
            shown.extend(data)

    reader = threading.Thread(target=drain)
    reader.start()
    out = proc.stdout.read() if proc.stdout is not None else b""
    code = proc.wait(timeout=600)
    reader.join(timeout=60)
    os.close(master)
    return code, _ANSI.sub("", shown.decode("utf-8", "replace")), out.decode()


def _in_order(text: str, needles: list[str]) -> None:
    at = -1
    for n in needles:
        found = text.find(n, at + 1)
        assert found > at, (n, text)
        at = found


def test_stages_and_lines_in_order_on_a_terminal(mirror: Mirror) -> None:
    code, shown, _ = run_on_pty("install", "1.21.13", "1.22.10")
    assert code == 0, shown
    steps = []
    for v in ("1.21.13", "1.22.10"):
        steps += [
            f"gover: go {v} [1/4] download go{v}.linux-amd64.tar.gz",
            f"gover: go {v} [2/4] verify",
            f"gover: go {v} [3/4] extract",
            f"extract go{v}.linux-amd64.tar.gz",  # the bar's label
            f"gover: go {v} [4/4] commit",
            f"installed go {v} in ",  # before the next version starts
        ]
    _in_order(shown, steps)
    assert "signature by gover test release key <govertestreleasekey@example.invalid> (" in shown


def test_nothing_but_the_lines_off_a_terminal(mirror: Mirror) -> None:
    r = run_gover("install", "1.21.13")
    assert r.code == 0, r.err
    assert r.out.startswith("installed go 1.21.13 in ")
    assert r.err_lines == [
        f"go 1.21.13: archive from {mirror.url}{mirror.filename('1.21.13')} "
        f"(download_base, set by $GOVER_DOWNLOAD_BASE); SHA-256 from {mirror.index_url}"
    ]


def test_json_is_one_clean_document_while_the_terminal_shows_stages(mirror: Mirror) -> None:
    code, shown, out = run_on_pty("install", "1.21.13", "--json", stdout_pipe=True)
    assert code == 0, shown
    doc = json.loads(out)
    assert [i["version"] for i in doc["installs"]] == ["1.21.13"]
    assert doc["installs"][0]["signer_name"].startswith("gover test release key")
    assert doc["installs"][0]["default_packages"] == []
    _in_order(shown, ["[1/4] download", "[2/4] verify", "[3/4] extract", "[4/4] commit"])
    assert "{" not in shown


def test_extract_progress_hook_tar(tmp_path: Path, go_archives: dict[str, Path]) -> None:
    src = go_archives["1.21.13"]
    size = src.stat().st_size
    calls: list[tuple[int, int]] = []
    (tmp_path / "t").mkdir()
    with src.open("rb") as fh:
        stats = archive.extract(fh, tmp_path / "t", progress=lambda d, t: calls.append((d, t)))
    assert stats.files > 1000
    assert calls[-1] == (size, size)
    done = [d for d, _t in calls]
    assert done == sorted(done) and all(t == size for _d, t in calls)
    assert len(calls) <= size // (64 << 10) + 1  # at most every 64 KiB


def test_extract_progress_hook_zip(tmp_path: Path) -> None:
    buf = io.BytesIO()
    blob = os.urandom(300_000)
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("go/VERSION", "go1.21.13\n")
        for i in range(12):
            zf.writestr(f"go/src/f{i}.bin", blob)
    path = tmp_path / "go1.21.13.windows-amd64.zip"
    path.write_bytes(buf.getvalue())
    calls: list[tuple[int, int]] = []
    (tmp_path / "t").mkdir()
    archive.extract(path, tmp_path / "t", progress=lambda d, t: calls.append((d, t)))
    total = 12 * 300_000 + len("go1.21.13\n")
    assert calls[-1] == (total, total)
    assert 1 < len(calls) <= total // (64 << 10) + 1
