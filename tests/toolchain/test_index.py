"""Index parsing and artifact selection (pure) against go.dev-shaped data."""

from __future__ import annotations

import json

import pytest

from gover.errors import IndexError_, VersionError
from gover.platform import Platform
from gover.toolchain.index import Release, find_release, parse_index, select_archive
from gover.versions import VersionRequest

SHA = "a" * 64
DATA = [
    {
        "version": "go1.23rc1",
        "stable": False,
        "files": [
            {
                "filename": "go1.23rc1.linux-amd64.tar.gz",
                "os": "linux",
                "arch": "amd64",
                "version": "go1.23rc1",
                "sha256": SHA,
                "size": 10,
                "kind": "archive",
            }
        ],
    },
    {
        "version": "go1.22.10",
        "stable": True,
        "files": [
            {
                "filename": "go1.22.10.src.tar.gz",
                "os": "",
                "arch": "",
                "version": "go1.22.10",
                "sha256": SHA,
                "size": 10,
                "kind": "source",
            },
            {
                "filename": "go1.22.10.linux-amd64.tar.gz",
                "os": "linux",
                "arch": "amd64",
                "version": "go1.22.10",
                "sha256": SHA,
                "size": 10,
                "kind": "archive",
            },
            {
                "filename": "go1.22.10.linux-armv6l.tar.gz",
                "os": "linux",
                "arch": "armv6l",
                "version": "go1.22.10",
                "sha256": SHA,
                "size": 10,
                "kind": "archive",
            },
            {
                "filename": "go1.22.10.windows-amd64.msi",
                "os": "windows",
                "arch": "amd64",
                "version": "go1.22.10",
                "sha256": SHA,
                "size": 10,
                "kind": "installer",
            },
            {
                "filename": "go1.22.10.windows-amd64.zip",
                "os": "windows",
                "arch": "amd64",
                "version": "go1.22.10",
                "sha256": SHA,
                "size": 10,
                "kind": "archive",
            },
            {
                "filename": "../evil.tar.gz",
                "os": "linux",
                "arch": "arm64",
                "version": "go1.22.10",
                "sha256": SHA,
                "size": 10,
                "kind": "archive",
            },
            {
                "filename": "go1.22.10.linux-386.tar.gz",
                "os": "linux",
                "arch": "386",
                "version": "go1.22.10",
                "sha256": "nothex",
                "size": 10,
                "kind": "archive",
            },
        ],
    },
    {"version": "go1.20", "stable": True, "files": []},
    {"version": "weekly.2011-01-01", "stable": False, "files": []},
]


def releases() -> list[Release]:
    return parse_index(json.dumps(DATA).encode(), "test")


def test_parse_and_select() -> None:
    rs = releases()
    assert [r.version.name for r in rs] == ["1.23rc1", "1.22.10", "1.20"]
    rel = find_release(rs, VersionRequest.parse("1.22"))
    assert (
        select_archive(rel, Platform("linux", "amd64")).filename == "go1.22.10.linux-amd64.tar.gz"
    )
    assert select_archive(rel, Platform("linux", "armv6l")).filename.endswith("armv6l.tar.gz")
    assert select_archive(rel, Platform("windows", "amd64")).filename.endswith(".zip")
    with pytest.raises(IndexError_, match=r"no archive for linux/arm64; available: linux/amd64"):
        select_archive(rel, Platform("linux", "arm64"))  # the ../ entry was dropped
    with pytest.raises(IndexError_, match="no archive for linux/386"):
        select_archive(rel, Platform("linux", "386"))  # its sha256 was not hex: dropped


def test_unstable_and_exact_prerelease() -> None:
    rs = releases()
    assert find_release(rs, VersionRequest.parse("latest")).version.name == "1.22.10"
    assert find_release(rs, VersionRequest.parse("latest"), unstable=True).version.name == "1.23rc1"
    assert find_release(rs, VersionRequest.parse("1.23rc1")).version.name == "1.23rc1"
    with pytest.raises(VersionError, match="pre-releases need --unstable"):
        find_release(rs, VersionRequest.parse("1.23"))
    assert find_release(rs, VersionRequest.parse("1.20.0")).version.name == "1.20"


@pytest.mark.parametrize("body", [b"", b"<html>", b"{}", b"[1, 2"])
def test_bad_index(body: bytes) -> None:
    with pytest.raises(IndexError_, match="https://idx"):
        parse_index(body, "https://idx")
