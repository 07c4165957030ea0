"""GoVersion ordering follows cmd/go (src/internal/gover/gover_test.go) exactly."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gover.errors import VersionError
from gover.versions import GoVersion, PinToken, VersionRequest

# (x, y, sign of Compare(x, y)) from cmd/go's own table.
CMD_GO_CASES = [
    ("1", "1.1", -1),
    ("1.5", "1.6", -1),
    ("1.5", "1.10", -1),
    ("1.6", "1.6.1", -1),
    ("1.19", "1.19.0", 0),
    ("1.19rc1", "1.19", -1),
    ("1.20", "1.20.0", 0),
    ("1.20rc1", "1.20", -1),
    ("1.21", "1.21.0", -1),
    ("1.21", "1.21rc1", -1),
    ("1.21rc1", "1.21.0", -1),
    ("1.6", "1.19", -1),
    ("1.19", "1.19.1", -1),
    ("1.19rc1", "1.19.1", -1),
    ("1.19rc1", "1.19rc2", -1),
    ("1.19.0", "1.19.1", -1),
    ("1.19rc1", "1.19.0", -1),
    ("1.19alpha3", "1.19beta2", -1),
    ("1.19beta2", "1.19rc1", -1),
    # cmd/go's table has 17-digit numbers here; gover caps a number at 9 digits (as the
    # version-file grammar does), so the same comparison at the cap:
    ("1.1", "1.999999998", -1),
    ("1.999999998", "1.999999999", -1),
    ("1.20rc3", "1.20", -1),
    ("1.20", "1.20.1", -1),
    ("1.22.9", "1.22.10", -1),
    ("1", "1.0.0", 0),
]


def _cmp(x: GoVersion, y: GoVersion) -> int:
    return (x > y) - (x < y)


@pytest.mark.parametrize(("x", "y", "want"), CMD_GO_CASES)
def test_compare_matches_cmd_go(x: str, y: str, want: int) -> None:
    vx, vy = GoVersion.parse(x), GoVersion.parse(y)
    assert _cmp(vx, vy) == want
    assert _cmp(vy, vx) == -want
    assert (vx == vy) == (want == 0)
    if want == 0:
        assert hash(vx) == hash(vy)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "x",
        "1.",
        "1.22.",
        "01.2",
        "1.02",
        "1.22.010",
        "1.22.1rc1",
        "1.22;rm -rf ~",
        "../../etc",
        "1.22 1.21",
        "$(id)",
        "go",
        "1.2a.3",
        "v1.22",
        "1.22/..",
        "1.22\\x",
        "1.22\x00",
        "1.99999999999999998",  # more than 9 digits in a number
        "1234567890",
        "1.22.1234567890",
        "1.22rc1234567890",
        "1" + "0" * 5000,  # int() refuses >4,300 digits: must be a VersionError, not ValueError
        "1." + "1" * 5000,
    ],
)
def test_malformed_versions_are_refused_with_accepted_forms(bad: str) -> None:
    with pytest.raises(VersionError) as exc:
        GoVersion.parse(bad)
    assert "1.22.10, go1.22.10" in str(exc.value)


def test_prefix_go_and_suffix() -> None:
    assert GoVersion.parse("go1.22.10") == GoVersion.parse("1.22.10")
    assert GoVersion.parse("go1.22.10-custom").name == "1.22.10"
    assert GoVersion.parse("go1.23rc1").tag == "go1.23rc1"
    assert GoVersion.parse("1.20").is_release
    assert not GoVersion.parse("1.21").is_release
    assert GoVersion.parse("1.21.0").is_release
    assert GoVersion.parse("1.23rc1").is_prerelease


VERSIONS = [
    GoVersion.parse(v)
    for v in [
        "1.20",
        "1.20.14",
        "1.21rc2",
        "1.21.0",
        "1.21.13",
        "1.22.9",
        "1.22.10",
        "1.23rc1",
        "1.23.0",
        "1.23.4",
    ]
]


@pytest.mark.parametrize(
    ("request_text", "unstable", "want"),
    [
        ("1.22", False, "1.22.10"),
        ("go1.22", False, "1.22.10"),
        ("1.22.9", False, "1.22.9"),
        ("1.23", False, "1.23.4"),
        ("1.21", False, "1.21.13"),
        ("1.20", False, "1.20.14"),
        ("1", False, "1.23.4"),
        ("latest", False, "1.23.4"),
        ("1.23rc1", False, "1.23rc1"),
        ("1.24", True, None),
        ("1.22.11", False, None),
        ("2", False, None),
    ],
)
def test_request_pick(request_text: str, unstable: bool, want: str | None) -> None:
    got = VersionRequest.parse(request_text).pick(VERSIONS, unstable=unstable)
    assert (got.name if got else None) == want


def test_prerelease_only_with_unstable_or_exact() -> None:
    only_rc = [GoVersion.parse("1.24rc1"), GoVersion.parse("1.23.4")]
    assert VersionRequest.parse("1.24").pick(only_rc) is None
    picked = VersionRequest.parse("1.24").pick(only_rc, unstable=True)
    assert picked is not None and picked.name == "1.24rc1"
    latest = VersionRequest.parse("latest").pick(only_rc, unstable=True)
    assert latest is not None and latest.name == "1.24rc1"
    assert VersionRequest.parse("latest").pick(only_rc) == GoVersion.parse("1.23.4")


_num = st.integers(min_value=0, max_value=40)
_version_text = st.one_of(
    st.builds(lambda a, b, c: f"{a}.{b}.{c}", st.just(1), _num, _num),
    st.builds(lambda a, b: f"{a}.{b}", st.just(1), _num),
    st.builds(
        lambda b, k, p: f"1.{b}{k}{p}",
        _num,
        st.sampled_from(["alpha", "beta", "rc"]),
        st.integers(min_value=1, max_value=9),
    ),
)


@given(st.lists(_version_text, min_size=2, max_size=8))
def test_order_is_total_and_consistent(texts: list[str]) -> None:
    vs = [GoVersion.parse(t) for t in texts]
    ordered = sorted(vs)
    for a, b in itertools.pairwise(ordered):
        assert a <= b
        assert not b < a
    assert [v.name for v in vs] == texts  # names round-trip


# ---- PinToken: a pin parsed once, at the boundary ---------------------------------------------


@pytest.mark.parametrize(
    ("word", "kind", "text"),
    [
        ("1.22.10", "exact", "1.22.10"),
        ("go1.22.10", "exact", "1.22.10"),
        ("1.23rc1", "exact", "1.23rc1"),
        ("1.22", "prefix", "1.22"),
        ("1", "prefix", "1"),
        ("latest", "latest", "latest"),
        ("system", "system", "system"),
    ],
)
def test_pin_token_parse(word: str, kind: str, text: str) -> None:
    token = PinToken.parse(word)
    assert token is not None
    assert (token.kind, token.text, str(token)) == (kind, text, text)
    if kind in ("latest", "system"):
        assert token.version is None
    else:
        assert token.version == GoVersion.parse(text)


@pytest.mark.parametrize(
    "word",
    ["", "go", "golatest", "gosystem", "1.22\n", "01.22", "1.22.1.1", "1.22RC1", "1.22-1", "v1",
     "1.2222222222", "1.22pre1", "stable", "../../etc"],
)  # fmt: skip
def test_pin_token_rejects(word: str) -> None:
    """The file grammar: narrower than GoVersion.parse (alpha/beta/rc only, 9 digits)."""
    assert PinToken.parse(word) is None


def test_pin_token_from_gomod_lines() -> None:
    go = PinToken.go_line("1.22.3")
    assert go is not None and go.kind == "minimum" and go.is_minimum
    assert go.version == GoVersion.parse("1.22.3") and go.series == "1.22"
    assert PinToken.go_line("go1.22") is None  # no prefix on a go line
    assert PinToken.go_line("latest") is None
    one = PinToken.go_line("1")
    assert one is not None and one.series == "1.0"
    tc = PinToken.toolchain_line("go1.22.10")
    assert tc is not None and (tc.kind, tc.text) == ("exact", "1.22.10")
    for bad in ("1.22.10", "go", "go1.22.9-custom", "default", "local"):
        assert PinToken.toolchain_line(bad) is None, bad


def test_pin_tokens_compare_as_versions() -> None:
    """Past the boundary, pins compare by GoVersion: 1.20 pinned equals a 1.20.0 install."""
    a, b = PinToken.parse("1.20"), PinToken.parse("1.20.0")
    assert a is not None and b is not None and a.version == b.version
    low, high = PinToken.go_line("1.22.9"), PinToken.parse("1.22.10")
    assert low is not None and high is not None
    assert low.version is not None and high.version is not None and low.version < high.version
