"""Where the index and the archives come from (issue 12 items 2-3): `mirror` presets and
URLs, fallback lists, file:// trees, the precedence of index_url/download_base over mirror,
and offline errors that name the URL and the setting that chose it."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from gover import config, paths
from gover.constants import DEFAULT_INDEX_URL
from gover.errors import ConfigError
from gover.toolchain import sources
from tests.support.cli import go_run, run_gover
from tests.support.httpserver import TestServer
from tests.support.mirror import Mirror

GOOD = "1.22.10"


def _cfg(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], toml: str = "") -> config.Config:
    for key in ("GOVER_INDEX_URL", "GOVER_DOWNLOAD_BASE", "GOVER_MIRROR"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    if toml:
        paths.config_file().parent.mkdir(parents=True, exist_ok=True)
        paths.config_file().write_text(toml)
    return config.load()


def _urls(found: list[sources.Source]) -> list[tuple[str | None, str]]:
    return [(s.index_url, s.download_base) for s in found]


# -- choosing sources -------------------------------------------------------------------


def test_presets_index_from_the_first_that_has_one(monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = _cfg(monkeypatch, {"GOVER_MIRROR": "ustc,golang.google.cn"})
    assert _urls(sources.index_sources(cfg)) == [
        ("https://golang.google.cn/dl/?mode=json&include=all", "https://golang.google.cn/dl/")
    ]
    assert [s.download_base for s in sources.download_sources(cfg)] == [
        "https://mirrors.ustc.edu.cn/golang/",
        "https://golang.google.cn/dl/",
    ]
    assert sources.download_sources(cfg)[0].setting == "mirror ustc, set by $GOVER_MIRROR"


def test_an_index_less_mirror_takes_its_hashes_from_go_dev(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cfg = _cfg(monkeypatch, {"GOVER_MIRROR": "aliyun"})
    (only,) = sources.index_sources(cfg)
    assert only.index_url == DEFAULT_INDEX_URL
    assert "no mirror in the list serves one" in only.setting
    assert _urls(sources.download_sources(cfg)) == [(None, "https://mirrors.aliyun.com/golang/")]


def test_a_url_mirror_is_a_go_dev_shaped_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = _cfg(monkeypatch, {"GOVER_MIRROR": "https://go.corp.example/dl"})
    expected = [("https://go.corp.example/dl/index.json", "https://go.corp.example/dl/")]
    assert _urls(sources.index_sources(cfg)) == expected
    assert _urls(sources.download_sources(cfg)) == expected


def test_an_absolute_path_is_a_file_tree(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    tree = tmp_path / "usb stick"
    cfg = _cfg(monkeypatch, {"GOVER_MIRROR": str(tree)})
    assert cfg.mirror == (tree.as_uri() + "/",)
    assert sources.index_sources(cfg)[0].index_url == tree.as_uri() + "/index.json"


@pytest.mark.parametrize(
    ("env", "toml", "index", "base"),
    [
        # The environment beats the file, whichever key it sets.
        (
            {"GOVER_MIRROR": "https://m.example/"},
            'index_url = "https://i.example/x.json"\n',
            "https://m.example/index.json",
            "https://m.example/",
        ),
        (
            {"GOVER_INDEX_URL": "https://i.example/x.json"},
            'mirror = "https://m.example/"\n',
            "https://i.example/x.json",
            "https://m.example/",
        ),
        # At the same layer the specific key wins over mirror.
        (
            {},
            'mirror = "https://m.example/"\nindex_url = "https://go.dev/dl/?mode=json&include=all"\n',
            "https://go.dev/dl/?mode=json&include=all",
            "https://m.example/",
        ),
        (
            {},
            'mirror = ["https://m.example/"]\ndownload_base = "https://d.example/go/"\n',
            "https://m.example/index.json",
            "https://d.example/go/",
        ),
    ],
)
def test_index_url_and_download_base_against_mirror(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], toml: str, index: str, base: str
) -> None:
    cfg = _cfg(monkeypatch, env, toml)
    assert [s.index_url for s in sources.index_sources(cfg)] == [index]
    assert [s.download_base for s in sources.download_sources(cfg)] == [base]


def test_bad_mirror_entries_are_refused_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError) as info:
        _cfg(monkeypatch, {"GOVER_MIRROR": "go.dev,tsinghua"})
    assert str(info.value) == (
        "$GOVER_MIRROR: mirror entry 'tsinghua' is neither a preset nor a URL; use a URL "
        "(https://..., file:///path) or one of go.dev, golang.google.cn, ustc, aliyun"
    )
    with pytest.raises(ConfigError, match="neither a preset nor a URL"):
        _cfg(monkeypatch, {"GOVER_MIRROR": "relative/tree"})


def test_config_set_mirror_stores_presets_urls_and_absolute_trees(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    r = run_gover("config", "set", "mirror", "golang.google.cn, ./tree", cwd=tmp_path)
    assert r.code == 0, r.err
    assert config.load().mirror == ("golang.google.cn", tree.as_uri() + "/")
    assert 'mirror = ["golang.google.cn", "' + tree.as_uri() + '/"]' in (
        paths.config_file().read_text()
    )
    r = run_gover("config", "set", "mirror", "nope")
    assert r.code == 1 and "neither a preset nor a URL" in r.err
    assert config.load().mirror == ("golang.google.cn", tree.as_uri() + "/")  # unchanged


# -- installing through sources ---------------------------------------------------------


@pytest.fixture
def via_mirror(mirror: Mirror, monkeypatch: pytest.MonkeyPatch) -> Iterator[Mirror]:
    """The signed test mirror, reached only through GOVER_MIRROR."""
    monkeypatch.delenv("GOVER_INDEX_URL")
    monkeypatch.delenv("GOVER_DOWNLOAD_BASE")
    yield mirror


def _closed_port_url() -> str:
    with TestServer(Path("/nonexistent")) as server:
        url = server.url
    return url  # stopped: nothing listens there now


def test_install_from_a_file_tree(via_mirror: Mirror, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVER_MIRROR", via_mirror.root.as_uri())
    before = len(via_mirror.server.requests)
    r = run_gover("install", GOOD)
    assert r.code == 0, r.err
    archive = via_mirror.root.as_uri() + "/" + via_mirror.filename(GOOD)
    assert r.err == (
        f"go {GOOD}: archive from {archive} (mirror, set by $GOVER_MIRROR); "
        f"SHA-256 from {via_mirror.root.as_uri()}/index.json\n"
    )
    assert via_mirror.server.requests[before:] == []  # nothing over HTTP
    root = paths.version_dir(GOOD)
    assert go_run(root, "version").stdout.startswith(f"go version go{GOOD} ")


def test_a_fallback_list_whose_first_entry_is_down(
    via_mirror: Mirror, monkeypatch: pytest.MonkeyPatch
) -> None:
    down = _closed_port_url()
    monkeypatch.setenv("GOVER_MIRROR", f"{down}, {via_mirror.url}")
    r = run_gover("install", GOOD)
    assert r.code == 0, r.err
    assert r.err_lines == [
        f"gover: warning: release index from {via_mirror.url}index.json (mirror entry 2, set by $GOVER_MIRROR); "
        f"{down}index.json failed: cannot reach 127.0.0.1: connection refused",
        f"gover: warning: {via_mirror.filename(GOOD)} from "
        f"{via_mirror.url}{via_mirror.filename(GOOD)} (mirror entry 2, set by $GOVER_MIRROR); {down}{via_mirror.filename(GOOD)} failed: "
        "cannot reach 127.0.0.1: connection refused",
        f"go {GOOD}: archive from {via_mirror.url}{via_mirror.filename(GOOD)} "
        f"(mirror entry 2, set by $GOVER_MIRROR); SHA-256 from {via_mirror.url}index.json",
    ]
    assert go_run(paths.version_dir(GOOD), "version").returncode == 0


def test_a_bad_archive_from_the_first_mirror_stops_at_once(
    via_mirror: Mirror, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A verification failure is not a network error: the second mirror is not asked."""
    evil = tmp_path / "evil"
    evil.mkdir()
    shutil.copy(via_mirror.root / "index.json", evil / "index.json")
    size = (via_mirror.root / via_mirror.filename(GOOD)).stat().st_size
    (evil / via_mirror.filename(GOOD)).write_bytes(b"\x1f\x8b" + b"\0" * (size - 2))
    before = len(via_mirror.server.requests)
    with TestServer(evil) as hostile:
        monkeypatch.setenv("GOVER_MIRROR", f"{hostile.url},{via_mirror.url}")
        r = run_gover("install", GOOD)
        assert r.code == 3, r.err
        assert r.err_lines[-1].startswith(
            f"gover: error: {hostile.url}{via_mirror.filename(GOOD)}: SHA-256 mismatch"
        )
    assert via_mirror.server.requests[before:] == []
    assert not paths.version_dir(GOOD).exists()


def test_offline_install_fails_at_once_naming_url_setting_and_fix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GOVER_INDEX_URL", "https://gover-test.invalid/dl/?mode=json")
    r = run_gover("install", "latest")
    assert r.code == 1
    assert r.err == (
        "gover: error: cannot fetch the release index: https://gover-test.invalid/dl/?mode=json "
        "(index_url, set by $GOVER_INDEX_URL): cannot reach gover-test.invalid: the name does "
        f"not resolve (DNS); {sources.OFFLINE_HINT}\n"
    )
    assert not paths.versions_dir().exists() or list(paths.versions_dir().iterdir()) == []


def test_offline_with_a_cached_index_lists_from_the_cache(
    via_mirror: Mirror, monkeypatch: pytest.MonkeyPatch
) -> None:
    down = _closed_port_url()
    with TestServer(via_mirror.root) as own:
        monkeypatch.setenv("GOVER_MIRROR", f"{down},{own.url}")
        assert run_gover("list-remote").code == 0
    r = run_gover("list-remote", "--refresh")  # both down now
    assert r.code == 0, r.err
    assert GOOD in r.out.split()
    assert r.err_lines[0] == (
        f"gover: warning: cannot refresh the release index ({own.url}index.json: cannot reach "
        "127.0.0.1: connection refused); using the copy cached 0 min ago"
    )


def test_list_remote_names_the_index_it_read(
    via_mirror: Mirror, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOVER_MIRROR", via_mirror.url)
    r = run_gover("list-remote")
    assert r.code == 0
    assert r.err == f"release index: {via_mirror.url}index.json (mirror, set by $GOVER_MIRROR)\n"
    r = run_gover("list-remote", "--json")
    assert json.loads(r.out)["index"] == {
        "url": f"{via_mirror.url}index.json",
        "source": "mirror, set by $GOVER_MIRROR",
    }
