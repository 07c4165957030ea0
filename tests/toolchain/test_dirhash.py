"""dirhash: the checksum database's h1 of a Go tree, as the module zip cmd/distpack makes.

The zip side is checked by real go in test_go_oracle.py (it accepts the zip whose h1 the test
database records, and its module cache's .ziphash equals tree_hash of the same release)."""

from __future__ import annotations

import base64
import hashlib
import os
import zipfile
from pathlib import Path

import pytest

from gover.errors import VerificationError
from gover.toolchain.trust import dirhash
from gover.versions import GoVersion
from tests.support import modproxy

MV = "v0.0.1-go1.22.10.linux-amd64"
PREFIX = f"golang.org/toolchain@{MV}/"
GOMOD_H1 = "h1:8wlg68NqwW7eMnI1aABk/C2pDYXj8mrMY4TyRfiLeS0="  # published for every toolchain


def test_go_mod_alone_gives_the_published_h1() -> None:
    data = b"module golang.org/toolchain\n"
    assert dirhash.hash1([("go.mod", hashlib.sha256(data).hexdigest())]) == GOMOD_H1
    assert dirhash.gomod_hash(data) == GOMOD_H1
    assert dirhash.gomod_hash(data + b"\n") != GOMOD_H1


def test_module_version_and_prefix() -> None:
    mv = dirhash.module_version(GoVersion.parse("go1.22.10"), "linux", "amd64")
    assert mv == MV
    assert dirhash.module_prefix(mv) == PREFIX
    assert dirhash.module_version(GoVersion.parse("1.23rc1"), "windows", "arm64") == (
        "v0.0.1-go1.23rc1.windows-arm64"
    )


@pytest.mark.parametrize(
    ("rel", "want"),
    [
        ("src/go.mod", "src/_go.mod"),
        ("src/cmd/go.mod", "src/cmd/_go.mod"),
        ("go.mod", "_go.mod"),
        ("src/my_go.mod", "src/my_go.mod"),
        ("src/go.modx", "src/go.modx"),
        ("src/go.sum", "src/go.sum"),
        ("VERSION", "VERSION"),
        ("go.env", "go.env"),
        ("LICENSE", "LICENSE"),
        ("bin/go", "bin/go"),
        ("bin/gofmt", "bin/gofmt"),
        ("pkg/include/textflag.h", "pkg/include/textflag.h"),
        ("pkg/tool/linux_amd64/compile", "pkg/tool/linux_amd64/compile"),
        ("pkg/tool/linux_amd64/vet", "pkg/tool/linux_amd64/vet"),
        ("src/api/x.go", "src/api/x.go"),  # only the top-level api/ is left out
        ("src/cmd/api/main.go", "src/cmd/api/main.go"),
        ("lib/time/zoneinfo.zip", "lib/time/zoneinfo.zip"),
        ("api/go1.txt", None),
        ("doc/go_spec.html", None),
        ("misc/wasm/wasm_exec.js", None),
        ("test/fixedbugs/issue1.go", None),
        ("bin/evil", None),
        ("bin/linux_arm64/go", None),
        ("pkg/tool/linux_amd64/pprof", None),  # built on demand, not packed
        ("pkg/tool/darwin_arm64/compile", None),
        ("pkg/tool/linux_amd64/sub/compile", None),
        ("pkg/linux_amd64/runtime.a", None),
        ("pkg/obj/go-build/x", None),
        (".git/HEAD", None),
        (".gitignore", None),
        ("VERSION.cache", None),
        ("src/cmd/dist/dist", None),
        ("src/.DS_Store", None),
        ("src/cmd/x.exe~", None),
    ],
)
def test_zip_name(rel: str, want: str | None) -> None:
    assert dirhash.zip_name(rel, MV) == (None if want is None else PREFIX + want)


def test_zip_name_windows_tools_have_exe() -> None:
    mv = "v0.0.1-go1.22.10.windows-amd64"
    prefix = dirhash.module_prefix(mv)
    assert dirhash.zip_name("bin/go.exe", mv) == prefix + "bin/go.exe"
    assert dirhash.zip_name("pkg/tool/windows_amd64/link.exe", mv) == (
        prefix + "pkg/tool/windows_amd64/link.exe"
    )
    assert dirhash.zip_name("bin/go", mv) is None


def test_hash1_sorts_by_name_and_refuses_newlines() -> None:
    a = ("a", "0" * 64)
    b = ("b", "1" * 64)
    assert dirhash.hash1([a, b]) == dirhash.hash1([b, a])
    lines = f"{'0' * 64}  a\n{'1' * 64}  b\n".encode()
    assert (
        dirhash.hash1([b, a]) == "h1:" + base64.b64encode(hashlib.sha256(lines).digest()).decode()
    )
    with pytest.raises(VerificationError, match="newline"):
        dirhash.hash1([("a\nb", "0" * 64)])


@pytest.fixture(scope="module")
def release() -> tuple[Path, modproxy.ModuleZip]:
    return modproxy.goroot("1.22.10"), modproxy.build_zip("1.22.10")


def test_tree_hash_of_a_release_equals_hash1_of_its_module_zip(
    release: tuple[Path, modproxy.ModuleZip],
) -> None:
    root, z = release
    with zipfile.ZipFile(z.path) as zf:
        entries = [(i.filename, hashlib.sha256(zf.read(i)).hexdigest()) for i in zf.infolist()]
    assert sorted(dirhash.tree_files(root, z.mv)) == sorted(entries)
    assert dirhash.tree_hash(root, z.mv) == dirhash.hash1(entries) == z.h1
    assert any(name.endswith("/src/_go.mod") for name, _ in entries)
    dropped = tuple(PREFIX + top for top in ("api/", "doc/", "test/", "misc/"))
    assert not any(name.startswith(dropped) for name, _ in entries)


def _small_tree(root: Path) -> Path:
    (root / "src" / "pkg").mkdir(parents=True)
    (root / "src" / "go.mod").write_text("module std\n")
    (root / "src" / "pkg" / "a.go").write_text("package pkg\n")
    (root / "bin").mkdir()
    (root / "bin" / "go").write_bytes(b"\x7fELF")
    (root / "test").mkdir()
    (root / "test" / "t.go").write_text("package main\n")
    return root


def test_tree_files_of_a_small_tree(tmp_path: Path) -> None:
    root = _small_tree(tmp_path / "go")
    got = dict(dirhash.tree_files(root, MV))
    assert got == {
        PREFIX + "src/_go.mod": hashlib.sha256(b"module std\n").hexdigest(),
        PREFIX + "src/pkg/a.go": hashlib.sha256(b"package pkg\n").hexdigest(),
        PREFIX + "bin/go": hashlib.sha256(b"\x7fELF").hexdigest(),
    }
    before = dirhash.tree_hash(root, MV)
    (root / "test" / "t.go").write_text("changed\n")  # not in the zip
    assert dirhash.tree_hash(root, MV) == before
    (root / "src" / "pkg" / "a.go").write_text("package evil\n")
    assert dirhash.tree_hash(root, MV) != before


def test_symlink_inside_the_tree_is_followed(tmp_path: Path) -> None:
    root = _small_tree(tmp_path / "go")
    plain = dirhash.tree_hash(root, MV)
    (root / "src" / "pkg" / "a.go").rename(root / "real.go")
    os.symlink("../../real.go", root / "src" / "pkg" / "a.go")
    files = dict(dirhash.tree_files(root, MV))
    assert files[PREFIX + "src/pkg/a.go"] == hashlib.sha256(b"package pkg\n").hexdigest()
    assert dirhash.tree_hash(root, MV) != plain  # real.go is a file of the tree too
    os.symlink(".", root / "src" / "loop")  # a cycle ends, it does not hang
    dirhash.tree_files(root, MV)


@pytest.mark.parametrize("target", ["file", "dir"])
def test_symlink_out_of_the_tree_is_refused(tmp_path: Path, target: str) -> None:
    root = _small_tree(tmp_path / "go")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_text("x")
    link = root / "src" / "pkg" / "b.go"
    os.symlink(outside / "secret" if target == "file" else outside, link)
    with pytest.raises(VerificationError, match=r"b\.go: a symlink out of the Go tree"):
        dirhash.tree_files(root, MV)


def test_fifo_in_the_tree_is_refused_without_blocking(tmp_path: Path) -> None:
    root = _small_tree(tmp_path / "go")
    os.mkfifo(root / "src" / "pkg" / "fifo.go")
    with pytest.raises(VerificationError, match=r"fifo\.go.*FIFO"):
        dirhash.tree_files(root, MV)


def test_missing_root_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(VerificationError, match="cannot read directory"):
        dirhash.tree_files(tmp_path / "nope", MV)
