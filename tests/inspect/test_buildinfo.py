"""gover.inspect.buildinfo checked against the truth: real binaries from every toolchain here,
cross-compiled for ELF/Mach-O/PE, 32/64-bit, both byte orders, compared field by field
with Go's own debug/buildinfo and byte for byte with `go version -m`.

Go >= 1.18 only writes the inline format and no older toolchain is available, so the
pre-1.18 pointer format is exercised with hand-built ELF, Mach-O and PE files, which the
real `go version -m` (still able to read that format) checks the same way.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import struct
import subprocess
import tarfile
import tempfile
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gover.errors import (
    BuildInfoError,
    NotExecutableError,
    NotGoBinaryError,
    TruncatedBinaryError,
)
from gover.inspect import buildinfo
from gover.inspect.buildinfo import BuildInfo, Module
from tests.support import goarchives
from tests.support.binaries import (
    CRAFTED_HEAD,
    CRAFTED_SHAPES,
    _wrap,
    crafted_modinfo,
    synth_elf,
    synth_macho,
    synth_pe,
)

# Resolved at import, before the autouse fixture points HOME at a temp dir.
CACHE = goarchives.cache_root()
GOROOTS = CACHE / "goroots"
GOCACHE = CACHE / "gocache"
VERSIONS = goarchives.GO_VERSIONS

TARGETS = (
    ("linux", "amd64"),
    ("linux", "386"),
    ("linux", "arm64"),
    ("linux", "s390x"),  # 64-bit big endian
    ("linux", "mips"),  # 32-bit big endian
    ("windows", "amd64"),  # PE32+
    ("windows", "386"),  # PE32
    ("darwin", "arm64"),
    ("darwin", "amd64"),
)
# A quoted setting with a quote, a tab and non-ASCII in it: strconv.Quote must match.
LDFLAGS = "-s -w -X 'main.note=it\"s a\ttab, é'"
# Go records -ldflags only without -trimpath (it may hold paths), so two variants.
VARIANTS: dict[str, list[str]] = {
    "ldflags": [f"-ldflags={LDFLAGS}", "-tags=netgo,osusergo"],
    "trimpath": ["-trimpath"],
}
GIT_DATE = "2024-01-02T03:04:05Z"


def _b(s: str) -> bytes:
    return s.encode("utf-8", "surrogateescape")


# ------------------------------------------------------------------------ real toolchains


def _extract_goroot(version: str) -> Path:
    """GOROOT of a real toolchain, extracted once into the test cache (temp dir + rename)."""
    dest = GOROOTS / version
    goroot = dest / "go"
    if (goroot / "bin" / "go").exists():
        return goroot
    GOROOTS.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{version}-", dir=GOROOTS))
    try:
        with tarfile.open(goarchives.archive_path(version)) as tf:
            tf.extractall(tmp, filter="tar")
        try:
            tmp.rename(dest)
        except OSError:  # another run won the race
            if not (goroot / "bin" / "go").exists():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return goroot


@dataclass(frozen=True)
class Go:
    version: str
    goroot: Path
    env: dict[str, str]

    @property
    def exe(self) -> str:
        return str(self.goroot / "bin" / "go")

    def run(self, *args: str, cwd: Path | None = None, timeout: float = 300, **env: str) -> bytes:
        proc = subprocess.run(
            [self.exe, *args],
            cwd=cwd,
            env={**self.env, **env},
            capture_output=True,
            timeout=timeout,
            check=False,
        )
        if proc.returncode != 0:
            pytest.fail(f"go {' '.join(args)} failed:\n{proc.stderr.decode(errors='replace')}")
        return proc.stdout

    def version_m(self, path: Path) -> bytes:
        return self.run("version", "-m", str(path))


@pytest.fixture(scope="session")
def gos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Go]:
    home = tmp_path_factory.mktemp("gohome")
    base = {k: v for k, v in os.environ.items() if not k.startswith(("GO", "CGO", "GIT_"))}
    out = {}
    for version in VERSIONS:
        goroot = _extract_goroot(version)
        env = {
            **base,
            "HOME": str(home),
            "GOROOT": str(goroot),
            "GOTOOLCHAIN": "local",
            "GOPROXY": "off",
            "GOFLAGS": "-mod=mod",
            "GOWORK": "off",
            "GOENV": "off",
            "CGO_ENABLED": "0",
            "GOCACHE": str(GOCACHE),
            "GOPATH": str(home / "gopath"),
        }
        out[version] = Go(version, goroot, env)
    return out


@pytest.fixture(scope="session")
def go(gos: dict[str, Go]) -> Go:
    """The newest toolchain, the judge for hand-built files."""
    return gos[VERSIONS[0]]


def _write_modules(root: Path) -> str:
    """A main module using a second local module through `replace`, committed to git."""
    (root / "greet").mkdir()
    (root / "greet" / "go.mod").write_text("module example.com/greet\n\ngo 1.21\n")
    (root / "greet" / "greet.go").write_text(
        'package greet\n\nfunc Hello() string { return "hello" }\n'
    )
    hello = root / "hello"
    hello.mkdir()
    (hello / "go.mod").write_text(
        "module example.com/hello\n\ngo 1.21\n\n"
        "require example.com/greet v0.0.0\n\n"
        "replace example.com/greet => ../greet\n"
    )
    (hello / "main.go").write_text(
        'package main\n\nimport "example.com/greet"\n\nvar note = "none"\n\n'
        "func main() { println(greet.Hello(), note) }\n"
    )
    git_env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "GO"))} | {
        "HOME": str(root),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Gover Test",
        "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "Gover Test",
        "GIT_COMMITTER_EMAIL": "test@example.com",
        "GIT_AUTHOR_DATE": GIT_DATE,
        "GIT_COMMITTER_DATE": GIT_DATE,
    }
    for cmd in (["init", "-q"], ["add", "-A"], ["commit", "-q", "--no-gpg-sign", "-m", "init"]):
        subprocess.run(["git", *cmd], cwd=hello, env=git_env, check=True, capture_output=True)
    rev = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=hello, env=git_env, check=True, capture_output=True
    )
    return rev.stdout.decode().strip()


REPORTER = """package main

import (
	"debug/buildinfo"
	"encoding/json"
	"os"
)

func main() {
	enc := json.NewEncoder(os.Stdout)
	for _, p := range os.Args[1:] {
		bi, err := buildinfo.ReadFile(p)
		if err != nil {
			enc.Encode(map[string]any{"file": p, "error": err.Error()})
			continue
		}
		enc.Encode(map[string]any{"file": p, "info": bi})
	}
}
"""


@dataclass(frozen=True)
class Built:
    go: Go
    goos: str
    goarch: str
    variant: str
    path: Path
    version_m: bytes  # what `go version -m` printed
    truth: dict[str, Any]  # Go's debug/buildinfo.ReadFile, as JSON


@dataclass(frozen=True)
class Builds:
    binaries: dict[tuple[str, str, str, str], Built]
    revision: str
    root: Path

    def get(self, version: str, goos: str, goarch: str, variant: str = "ldflags") -> Built:
        return self.binaries[(version, goos, goarch, variant)]


# The session's builds (38 `go build`s, several minutes on a cold, loaded 2-core machine) are
# cached like the archives: ~/.cache/gover-tests/buildinfo-bins/<key>/, the key hashing the
# sources, flags and targets; each binary is keyed by its Go version, target and variant in
# its name. A warm run builds nothing; the oracles (`go version -m`, debug/buildinfo) still
# run on every binary each session. The fixture has its own budget (BUILD_BUDGET), and the
# tests here time only their own body (`func_only`), not this fixture's setup.
BIN_CACHE = CACHE / "buildinfo-bins"
BUILD_BUDGET = 1800.0
pytestmark = pytest.mark.timeout(300, func_only=True)


def _source_key(root: Path) -> str:
    h = hashlib.sha256()
    for f in sorted(root.rglob("*")):
        if f.is_file() and ".git" not in f.relative_to(root).parts:
            h.update(f"{f.relative_to(root)}\0".encode() + f.read_bytes() + b"\0")
    h.update(repr((TARGETS, VARIANTS, GIT_DATE)).encode())
    return h.hexdigest()[:16]


@pytest.fixture(scope="session")
def builds(gos: dict[str, Go], tmp_path_factory: pytest.TempPathFactory) -> Builds:
    root = tmp_path_factory.mktemp("buildinfo")
    revision = _write_modules(root)
    (root / "reporter").mkdir()
    (root / "reporter" / "go.mod").write_text("module example.com/reporter\n\ngo 1.21\n")
    (root / "reporter" / "main.go").write_text(REPORTER)
    out = BIN_CACHE / _source_key(root)
    out.mkdir(parents=True, exist_ok=True)
    stamp = out / "revision"
    if stamp.exists() and stamp.read_text() != revision:  # another git hashes differently
        shutil.rmtree(out)
        out.mkdir()
    stamp.write_text(revision)
    deadline = time.monotonic() + BUILD_BUDGET

    def go_build(go: Go, dest: Path, *args: str, cwd: Path, **env: str) -> None:
        """Build into the cache unless there already (a temp name, then rename: atomic)."""
        if dest.exists():
            return
        left = deadline - time.monotonic()
        if left <= 0:
            pytest.fail(f"building the test binaries exceeded {BUILD_BUDGET:.0f} s")
        tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
        go.run("build", *args, "-o", str(tmp), ".", cwd=cwd, timeout=min(300, left), **env)
        os.replace(tmp, dest)

    jobs: list[tuple[Go, str, str, str, Path]] = []
    for go in gos.values():
        for goos, goarch in TARGETS:
            for variant in VARIANTS:
                name = f"hello-{go.version}-{goos}-{goarch}-{variant}"
                jobs.append((go, goos, goarch, variant, out / name))

    def build(job: tuple[Go, str, str, str, Path]) -> bytes:
        go, goos, goarch, variant, path = job
        go_build(
            go, path, "-buildvcs=true", *VARIANTS[variant],
            cwd=root / "hello", GOOS=goos, GOARCH=goarch,
        )  # fmt: skip
        return go.version_m(path)

    def reporter(go: Go) -> Path:
        exe = out / f"reporter-{go.version}"
        go_build(go, exe, cwd=root / "reporter")
        return exe

    # Bounded: two builds at a time (each `go build` already uses every core).
    with ThreadPoolExecutor(max_workers=2) as pool:
        reporters = dict(zip(gos, pool.map(reporter, gos.values()), strict=True))
        outputs = list(pool.map(build, jobs))

    truths: dict[str, dict[str, Any]] = {}
    for version, exe in reporters.items():
        paths = [str(j[4]) for j in jobs if j[0].version == version]
        proc = subprocess.run([exe, *paths], capture_output=True, check=True, timeout=60)
        for line in proc.stdout.splitlines():
            record = json.loads(line)
            truths[record["file"]] = record
    binaries = {
        (go.version, goos, goarch, variant): Built(
            go, goos, goarch, variant, path, output, truths[str(path)]
        )
        for (go, goos, goarch, variant, path), output in zip(jobs, outputs, strict=True)
    }
    return Builds(binaries, revision, root)


def _truth_module(m: dict[str, Any] | None) -> Module | None:
    if m is None:
        return None
    return Module(m["Path"], m["Version"], m["Sum"], _truth_module(m.get("Replace")))


def _assert_matches_go(bi: BuildInfo, truth: dict[str, Any]) -> None:
    """Field by field against Go's debug/buildinfo (JSON of its BuildInfo)."""
    info = truth["info"]
    assert bi.go_version == info["GoVersion"]
    assert bi.path == info["Path"]
    main = _truth_module(info["Main"])
    assert bi.main == (None if main == Module("", "", "") else main)
    assert list(bi.deps) == [_truth_module(d) for d in info["Deps"] or []]
    assert list(bi.settings) == [(s["Key"], s["Value"]) for s in info["Settings"] or []]


ALL = [
    pytest.param(v, goos, goarch, variant, id=f"{v}-{goos}-{goarch}-{variant}")
    for v in VERSIONS
    for goos, goarch in TARGETS
    for variant in VARIANTS
]


@pytest.mark.parametrize(("version", "goos", "goarch", "variant"), ALL)
def test_real_binary_matches_go(
    builds: Builds, version: str, goos: str, goarch: str, variant: str
) -> None:
    b = builds.get(version, goos, goarch, variant)
    bi = buildinfo.read(b.path)

    assert "error" not in b.truth, b.truth
    _assert_matches_go(bi, b.truth)
    assert _b(bi.format_like_go_version_m(str(b.path))) == b.version_m
    assert buildinfo.is_go_binary(b.path)

    # ...and against what the build is known to contain.
    assert bi.go_version == f"go{version}"
    assert bi.path == "example.com/hello"
    assert bi.main == Module("example.com/hello", "(devel)", "")
    assert bi.deps == (
        Module("example.com/greet", "v0.0.0", "", Module("../greet", "(devel)", "")),
    )
    assert bi.setting("GOOS") == goos
    assert bi.setting("GOARCH") == goarch
    assert bi.setting("CGO_ENABLED") == "0"
    assert bi.setting("vcs") == "git"
    assert bi.setting("vcs.revision") == builds.revision
    assert bi.setting("vcs.time") == GIT_DATE
    assert bi.setting("vcs.modified") == "false"
    assert bi.setting("no-such-key") is None
    if variant == "ldflags":
        assert bi.setting("-trimpath") is None
        assert bi.setting("-ldflags") == LDFLAGS
        assert bi.setting("-tags") == "netgo,osusergo"
        assert b'\tbuild\t-ldflags="-s -w -X \'main.note=it\\"s a\\ttab, \xc3\xa9\'"\n' in (
            b.version_m
        )
    else:
        assert bi.setting("-trimpath") == "true"
        assert bi.setting("-ldflags") is None
    assert bi.raw_modinfo.startswith("path\texample.com/hello\nmod\t")


def _patched(src: Path, dst: Path, patches: list[tuple[int, bytes]]) -> Path:
    data = bytearray(src.read_bytes())
    for offset, value in patches:
        data[offset : offset + len(value)] = value
    dst.write_bytes(bytes(data))
    dst.chmod(0o755)
    return dst


@pytest.mark.parametrize("goarch", ["amd64", "386", "s390x", "mips"])
def test_elf_without_section_headers_uses_first_writable_segment(
    builds: Builds, go: Go, tmp_path: Path, goarch: str
) -> None:
    """Stripped section headers: found through the first RW PT_LOAD, as Go does."""
    src = builds.get(go.version, "linux", goarch).path
    data = src.read_bytes()
    bo = ">" if data[5] == 2 else "<"
    if data[4] == 2:
        patches = [(0x28, struct.pack(bo + "Q", 0)), (0x3C, struct.pack(bo + "HH", 0, 0))]
    else:
        patches = [(0x20, struct.pack(bo + "I", 0)), (0x30, struct.pack(bo + "HH", 0, 0))]
    path = _patched(src, tmp_path / "nosections", patches)
    bi = buildinfo.read(path)
    assert bi == buildinfo.read(src)
    assert _b(bi.format_like_go_version_m(str(path))) == go.version_m(path)


def _fat(thin: list[Path], dst: Path, fat64: bool = False) -> Path:
    """A universal binary like lipo writes, slices 16 KiB aligned."""
    arch_size = 32 if fat64 else 20
    header = bytearray(struct.pack(">II", 0xCAFEBABF if fat64 else 0xCAFEBABE, len(thin)))
    body = bytearray()
    offset = 1 << 14
    for path in thin:
        data = path.read_bytes()
        cputype, cpusubtype = struct.unpack_from("<ii", data, 4)
        if fat64:
            header += struct.pack(">iiQQII", cputype, cpusubtype, offset, len(data), 14, 0)
        else:
            header += struct.pack(">iiIII", cputype, cpusubtype, offset, len(data), 14)
        body += bytes(offset - (1 << 14) - len(body)) + data
        offset = (offset + len(data) + (1 << 14) - 1) & ~((1 << 14) - 1)
    assert len(header) == 8 + arch_size * len(thin)
    dst.write_bytes(bytes(header) + bytes((1 << 14) - len(header)) + bytes(body))
    dst.chmod(0o755)
    return dst


def test_fat_macho_reads_first_architecture(builds: Builds, go: Go, tmp_path: Path) -> None:
    arm64 = builds.get(go.version, "darwin", "arm64").path
    amd64 = builds.get(go.version, "darwin", "amd64", "trimpath").path
    fat = _fat([arm64, amd64], tmp_path / "universal")
    bi = buildinfo.read(fat)
    assert bi == buildinfo.read(arm64)
    assert _b(bi.format_like_go_version_m(str(fat))) == go.version_m(fat)

    # 64-bit fat header (Go's debug/macho does not read it; lipo -fat64 writes it).
    fat64 = _fat([amd64, arm64], tmp_path / "universal64", fat64=True)
    assert buildinfo.read(fat64) == buildinfo.read(amd64)


def test_macho_without_buildinfo_section_agrees_with_go(
    builds: Builds, go: Go, tmp_path: Path
) -> None:
    """Without __go_buildinfo, Go looks in the first RW segment (__DATA_CONST): not there."""
    src = builds.get(go.version, "darwin", "arm64").path
    data = src.read_bytes()
    at = data.find(b"__go_buildinfo\0\0__DATA")
    assert at > 0
    path = _patched(src, tmp_path / "renamed", [(at, b"__go_buildinfX")])
    with pytest.raises(NotGoBinaryError):
        buildinfo.read(path)
    proc = subprocess.run([go.exe, "version", "-m", str(path)], env=go.env, capture_output=True)
    assert b"not a Go executable" in proc.stderr


# ------------------------------------------------------------------- not Go, broken, huge


def _one_line_error(path: Path, cls: type[BuildInfoError], start: str) -> BuildInfoError:
    with pytest.raises(cls) as info:
        buildinfo.read(path)
    msg = str(info.value)
    assert msg.startswith(f"{path}: {start}"), msg
    assert "\n" not in msg
    assert not buildinfo.is_go_binary(path)
    return info.value


def test_non_go_elf() -> None:
    ls = Path("/bin/ls")
    _one_line_error(ls, NotGoBinaryError, "not a Go binary (no build info)")


@pytest.mark.parametrize(
    "content",
    [b"", b"hello world\n" * 10, b"\x7fEL", b"MZ" + bytes(30), b"\xca\xfe\xba\xbe" + bytes(60)],
    ids=["empty", "text", "short-elf-magic", "dos-stub", "java-class-like"],
)
def test_not_an_executable(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "file"
    path.write_bytes(content)
    _one_line_error(path, NotExecutableError, "not an executable (ELF, Mach-O or PE)")


def test_unreadable_paths(tmp_path: Path) -> None:
    _one_line_error(tmp_path / "missing", BuildInfoError, "cannot read (")
    _one_line_error(tmp_path, BuildInfoError, "")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    _one_line_error(fifo, NotExecutableError, "not an executable")


@pytest.mark.parametrize(("goos", "goarch"), [("linux", "amd64"), ("linux", "mips"),
                                              ("windows", "amd64"), ("darwin", "arm64")])  # fmt: skip
def test_truncated_binaries(builds: Builds, go: Go, tmp_path: Path, goos: str, goarch: str) -> None:
    src = builds.get(go.version, goos, goarch).path
    data = src.read_bytes()
    header = data.find(buildinfo.MAGIC)
    first_kib = tmp_path / "first-kib"
    first_kib.write_bytes(data[:1024])
    _one_line_error(first_kib, TruncatedBinaryError, "truncated (")
    # Cut inside the data segment, just after the build info header.
    mid = tmp_path / "mid-data"
    mid.write_bytes(data[: header + 40])
    _one_line_error(mid, TruncatedBinaryError, "truncated (")


@pytest.mark.parametrize(
    ("goos", "goarch"),
    [("linux", "386"), ("linux", "s390x"), ("windows", "amd64"), ("darwin", "arm64")],
)
def test_corrupted_headers_never_escape_as_tracebacks(
    builds: Builds, go: Go, tmp_path: Path, goos: str, goarch: str
) -> None:
    """Random bytes in the headers and the build info: a BuildInfoError or a result."""
    src = builds.get(go.version, goos, goarch).path
    data = src.read_bytes()
    header = data.find(buildinfo.MAGIC)
    path = tmp_path / "fuzzed"
    path.write_bytes(data)
    rng = random.Random(f"{goos}/{goarch}")
    with path.open("r+b") as fh:
        for _ in range(400):
            spots = [rng.randrange(0, 1024) for _ in range(rng.randint(1, 3))]
            spots.append(header + rng.randrange(0, 64))
            saved = [(at, data[at : at + 8]) for at in spots]
            for at in spots:
                fh.seek(at)
                fh.write(rng.randbytes(rng.choice((1, 2, 4, 8))))
            fh.flush()
            try:
                buildinfo.read(path)
            except BuildInfoError as e:
                assert "\n" not in str(e)
            for at, old in saved:
                fh.seek(at)
                fh.write(old)
    for size in sorted(rng.sample(range(len(data)), 20)):
        path.write_bytes(data[:size])
        with pytest.raises(BuildInfoError):
            buildinfo.read(path)


@pytest.mark.parametrize("keep", ["whole", "64k"])
def test_sparse_2gb_file_is_read_in_small_ranges(
    builds: Builds, go: Go, tmp_path: Path, keep: str
) -> None:
    src = builds.get(go.version, "linux", "amd64").path
    path = tmp_path / "huge"
    data = src.read_bytes()
    path.write_bytes(data if keep == "whole" else data[: 64 * 1024])
    os.truncate(path, 2 << 30)  # a hole: 2 GiB long, a megabyte on disk
    tracemalloc.start()
    try:
        if keep == "whole":
            assert buildinfo.read(path) == buildinfo.read(src)
        else:
            with pytest.raises(NotGoBinaryError):  # headers fine, data segment all zeros
                buildinfo.read(path)
        assert buildinfo.is_go_binary(path) == (keep == "whole")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Memory, not time (timing is benchmarks/bench_buildinfo.py's): a few small ranges read.
    assert peak < 1 << 20


# ----------------------------------------------------------------- hand-built executables


















MODINFO = (
    "path\texample.com/old\n"
    "mod\texample.com/old\tv1.2.3\th1:abcdefghijklmnopqrstuvwxyz0123456789ABCDEF=\n"
    "dep\tgolang.org/x/text\tv0.3.7\th1:olpwvP2KacW1ZWvsR7uQhoyTYvKAupfQrRGBFM352Gk=\n"
    "dep\texample.com/replaced\tv1.0.0\n"
    "=>\texample.com/fork\tv1.0.1\th1:fork=\n"
    "build\t-compiler=gc\n"
    'build\t-ldflags="-s -w"\n'
    "build\tGOOS=linux\n"
)

FORMATS = [
    pytest.param(
        kind,
        bits,
        big,
        inline,
        id=f"{kind}{bits}-{'be' if big else 'le'}-{'inline' if inline else 'pointer'}",
    )
    for kind in ("elf", "macho")
    for bits in (32, 64)
    for big in (False, True)
    for inline in (False, True)
] + [
    pytest.param("pe", bits, False, inline, id=f"pe{bits}-le-{'inline' if inline else 'pointer'}")
    for bits in (32, 64)
    for inline in (False, True)
]


def _synth(kind: str, bits: int, big: bool, inline: bool, version: bytes, mod: bytes) -> bytes:
    if kind == "elf":
        return synth_elf(bits, big, inline, version, mod)
    if kind == "macho":
        return synth_macho(bits, big, inline, version, mod)
    return synth_pe(bits, big, inline, version, mod)


def _write_exe(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    path.chmod(0o755)
    return path


@pytest.mark.parametrize(("kind", "bits", "big", "inline"), FORMATS)
def test_hand_built_formats_match_go(
    go: Go, tmp_path: Path, kind: str, bits: int, big: bool, inline: bool
) -> None:
    """The pointer format (no real pre-1.18 binary here) and 32-bit Mach-O, judged by Go."""
    path = _write_exe(
        tmp_path / f"{kind}.bin",
        _synth(kind, bits, big, inline, b"go1.16.15", _wrap(MODINFO.encode())),
    )
    bi = buildinfo.read(path)
    assert bi.go_version == "go1.16.15"
    assert bi.raw_modinfo == MODINFO
    assert bi.main == Module(
        "example.com/old", "v1.2.3", "h1:abcdefghijklmnopqrstuvwxyz0123456789ABCDEF="
    )
    assert bi.deps[1] == Module(
        "example.com/replaced", "v1.0.0", "", Module("example.com/fork", "v1.0.1", "h1:fork=")
    )
    assert bi.setting("-ldflags") == "-s -w"
    assert _b(bi.format_like_go_version_m(str(path))) == go.version_m(path)


@pytest.mark.parametrize("kind", ["elf", "macho"])
@pytest.mark.parametrize("bits", [32, 64])
@pytest.mark.parametrize("big", [False, True])
def test_hand_built_without_sections_use_first_writable_segment(
    go: Go, tmp_path: Path, kind: str, bits: int, big: bool
) -> None:
    synth = synth_elf if kind == "elf" else synth_macho
    data = synth(bits, big, False, b"go1.13", _wrap(MODINFO.encode()), sections=False)
    path = _write_exe(tmp_path / "nosect", data)
    bi = buildinfo.read(path)
    assert bi.path == "example.com/old"
    assert _b(bi.format_like_go_version_m(str(path))) == go.version_m(path)


def test_not_module_mode_and_unframed_modinfo(go: Go, tmp_path: Path) -> None:
    """GOPATH-mode binaries have a version but no module info: only the first line prints."""
    for name, mod in [("empty", b""), ("unframed", b"path\tx\n" * 4)]:
        path = _write_exe(tmp_path / name, synth_elf(64, False, True, b"go1.22.10", mod))
        bi = buildinfo.read(path)
        assert (bi.path, bi.main, bi.deps, bi.settings, bi.raw_modinfo) == ("", None, (), (), "")
        assert bi.format_like_go_version_m(str(path)) == f"{path}: go1.22.10\n"
        assert _b(bi.format_like_go_version_m(str(path))) == go.version_m(path)


def test_empty_version_is_not_go(tmp_path: Path) -> None:
    path = _write_exe(tmp_path / "nover", synth_elf(64, False, True, b"", _wrap(b"path\tx\n")))
    _one_line_error(path, NotGoBinaryError, "not a Go binary")


# Build lines written the way Go writes them and in every other form Go accepts: quoted
# keys, backquoted values (raw bytes: invalid UTF-8, controls, CR), every escape, runes
# Go prints as-is or escapes (NBSP, soft hyphen, U+2028, BOM, private use, non-BMP).
TRICKY_SETTINGS = [
    b"build\tplain=value",
    b"build\tempty=",
    b'build\t"quoted key"=1',
    b'build\t"k=\\x3d\\u00e9"=2',
    b"build\t`raw key`=3",
    b'build\tesc="a\\a\\b\\f\\n\\r\\t\\v\\\\\\"x"',
    b'build\toctal="\\101\\377\\000"',
    b'build\thex="\\x00\\x7f\\x80\\xff"',
    b'build\tuni="\\u00a0\\u00ad\\u2028\\ufeff\\ue000\\U0001F600\\u0301\\u4e16"',
    b'build\tuni-spaced="\\u00a0 \\u00ad\\u2028\\ufeff\\ue000 \\U0001F600\\u0301\\U000e0001\\u0085\\x7f"',
    b"build\trawbytes=`\x01\x7f\x80\xfe\xff \xc3\xa9 \xed\xa0\x80 \xf0\x9f\x98`",
    b"build\tcr=`a\rb`",
    b'build\tbackquoted=`has "quotes" and\ttab`',
    b'build\tdq-invalid="\xff\xfe"',
    b"build\tutf8=\xc3\xa9\xe4\xb8\x96\xf0\x9f\x98\x80",
    b"build\tnbsp=a\xc2\xa0b",
    b'build\t"key with\'single"=`x`',
]


def test_tricky_settings_round_trip_like_go(go: Go, tmp_path: Path) -> None:
    mod = (
        b"path\texample.com/t\n"
        + b"\n".join(TRICKY_SETTINGS)
        + b"\nunknown\tline\n"
        + b"build\tlast=1"
    )
    path = _write_exe(
        tmp_path / "tricky", synth_elf(64, False, True, b"go1.22.10", _wrap(mod + b"\n"))
    )
    bi = buildinfo.read(path)
    want = go.version_m(path)
    assert _b(bi.format_like_go_version_m(str(path))) == want
    got = dict(bi.settings)
    assert got["cr"] == "ab"
    assert got["quoted key"] == "1"
    assert got["k==é"] == "2"
    assert got["esc"] == 'a\a\b\f\n\r\t\v\\"x'
    assert got["key with'single"] == "x"
    assert got["raw key"] == "3"
    assert got["octal"] == "A\udcff\x00"
    assert got["dq-invalid"] == "\ufffd\ufffd"  # Go's UnquoteChar decodes bad bytes as U+FFFD
    assert got["uni"] == "\u00a0\u00ad\u2028\ufeff\ue000\U0001f600\u0301\u4e16"


@pytest.mark.parametrize(
    ("line", "error"),
    [
        (b"build\tnoequals", "line 2: build line missing '=' after key"),
        (b"build\t", "line 2: build line missing '='"),
        (b"build\t=v", "line 2: build line with missing key"),
        (b'build\t"unterminated=v', "line 2: invalid quoted key in build line"),
        (b'build\t"k"', "line 2: build line missing '=' after quoted key"),
        (b'build\t"k"x=v', "line 2: unexpected character after quoted key: 'x'"),
        (b'build\tk="bad\\q"', "line 2: invalid quoted value in build line"),
        (b"build\tk=a b", 'line 2: unquoted value "a b" must be quoted'),
        (b'build\tk"ey=v', 'line 2: unquoted key "k\\"ey" must be quoted'),
        (b"dep\ta\tb\tc\td", "line 2: expected 2 or 3 columns; got 4"),
        (b"=>\ta\tb", "line 2: expected 3 columns for replacement; got 2"),
        (b"=>\ta\tb\tc", "line 2: replacement with no module on previous line"),
    ],
)
def test_malformed_modinfo_fails_like_go(go: Go, tmp_path: Path, line: bytes, error: str) -> None:
    mod = _wrap(b"path\tp\n" + line + b"\n")
    path = _write_exe(tmp_path / "bad", synth_elf(64, False, True, b"go1.22.10", mod))
    with pytest.raises(BuildInfoError) as info:
        buildinfo.read(path)
    assert str(info.value) == f"{path}: could not parse Go build info: {error}"
    proc = subprocess.run([go.exe, "version", "-m", str(path)], env=go.env, capture_output=True)
    assert proc.stderr.decode().rstrip("\n").endswith(f"could not parse Go build info: {error}")


def test_replaced_main_and_unreplaced_deps_format() -> None:
    bi = buildinfo.parse_modinfo(
        "go1.22.10",
        "path\tp\nmod\tp\t(devel)\t\n=>\t../p\t\t\ndep\td\tv1\th1:x\nbuild\tk=\n",
    )
    assert bi.main == Module("p", "(devel)", "", Module("../p", "", ""))
    assert bi.format_like_go_version_m("f") == (
        "f: go1.22.10\n\tpath\tp\n\tmod\tp\t(devel)\n\t=>\t../p\t\t\n\t\n"
        "\tdep\td\tv1\th1:x\n\tbuild\tk=\n"
    )


_keys = st.text(st.characters(codec="utf-8"), min_size=1, max_size=12)
_values = st.text(st.characters(codec="utf-8"), max_size=20)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_keys, _values), max_size=6))
def test_settings_survive_format_then_parse(pairs: list[tuple[str, str]]) -> None:
    bi = BuildInfo("go1.22.10", "p", None, (), tuple(pairs), "")
    text = bi.modinfo_string()
    assert buildinfo.parse_modinfo("go1.22.10", text).settings == tuple(pairs)


# ------------------------------------------------------- hostile inputs: size, bytes, grammar

# A crafted module info at the reader's cap: Go's `go version -m` is the judge. The old
# parser copied the rest of the string for every line (quadratic: hours at this size); the
# failure mode here is the timeout, the time itself is benchmarks/bench_buildinfo.py's.






@pytest.mark.timeout(600, func_only=True)
@pytest.mark.parametrize("shape", sorted(CRAFTED_SHAPES))
def test_crafted_16mib_module_info_parses_like_go(go: Go, tmp_path: Path, shape: str) -> None:
    mod = crafted_modinfo(shape)
    assert buildinfo.MAX_STRING - 64 - 64 <= len(mod) <= buildinfo.MAX_STRING
    path = _write_exe(tmp_path / shape, synth_elf(64, False, True, b"go1.22.10", mod))
    bi = buildinfo.read(path)
    assert buildinfo.read_go_version(path) == "go1.22.10"
    count = (len(mod) - 32 - len(CRAFTED_HEAD)) // len(CRAFTED_SHAPES[shape])
    if shape == "deps":
        assert len(bi.deps) == count
        assert bi.deps[-1] == Module("m", "v1", "", Module("r", "v2", "h1:x="))
    elif shape == "settings":
        assert len(bi.settings) == 3 * count
        assert bi.settings[:3] == (("k", "v"), ("q k", "r v"), ("e", "éAA"))
    else:
        assert (bi.deps, bi.settings) == ((), ())
    assert _b(bi.format_like_go_version_m(str(path))) == go.version_m(path)


def test_crafted_error_after_16mib_is_found_with_its_line_number(go: Go, tmp_path: Path) -> None:
    """The validator's error path (a bad line after 16 MiB of good ones): Go's message."""
    body = crafted_modinfo("deps")[16:-16] + b"=>\ta\tb\tc\n"
    lines = body.count(b"\n")
    path = _write_exe(tmp_path / "bad", synth_elf(64, False, True, b"go1.22.10", _wrap(body)))
    want = f"{path}: could not parse Go build info: line {lines}: replacement with no module"
    for reader in (buildinfo.read, buildinfo.read_go_version):
        with pytest.raises(buildinfo.ModinfoError) as info:
            reader(path)
        assert str(info.value) == want + " on previous line"
    proc = subprocess.run([go.exe, "version", "-m", str(path)], env=go.env, capture_output=True)
    assert f"line {lines}: replacement with no module on previous line" in proc.stderr.decode()


# Fragments that make every line kind, valid and not: prefixes, columns, quotes, escapes
# (valid, surrogate, out of range, octal > 255), CR, spaces, non-ASCII and undecodable bytes.
_FRAGMENTS = [
    "path\t", "mod\t", "dep\t", "=>\t", "build\t", "\t", "\t", "=", '"', "`", "\\", "\\u",
    "d800", "00e9", "\\U", "0010ffff", "00110000", "\\x", "4f", "\\3", "77", "\\4", "00",
    "a", "k", " ", "\r", "\n", "\n", "\n", "é", "\udcff", "\\'", '\\"', "\\n", "b", "md",
]  # fmt: skip


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(_FRAGMENTS), max_size=40).map("".join))
def test_validator_agrees_with_parser(text: str) -> None:
    """check_modinfo (one regex, for verify) raises exactly what parse_modinfo raises."""

    def outcome(fn: Any) -> str | None:
        try:
            fn(text)
        except ValueError as e:
            return str(e)
        return None

    assert outcome(buildinfo.check_modinfo) == outcome(
        lambda s: buildinfo.parse_modinfo("go1.22.10", s)
    )


def _seeds() -> list[bytes]:
    mod = _wrap(MODINFO.encode())
    out = [synth_pe(b, False, i, b"go1.16.15", mod) for b in (32, 64) for i in (False, True)]
    for synth in (synth_elf, synth_macho):
        out += [synth(b, big, i, b"go1.22.10", mod) for b in (32, 64) for big in (False, True)
                for i in (False, True)]  # fmt: skip
    return out


SEEDS = _seeds()
_mutation = st.tuples(st.integers(0, 1 << 16), st.binary(min_size=1, max_size=10))


def _read_hostile(data: bytes) -> None:
    """read() and read_go_version() of `data`: a result or a one-line BuildInfoError."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "hostile"
        path.write_bytes(data)
        for reader in (buildinfo.read, buildinfo.read_go_version, buildinfo.is_go_binary):
            try:
                reader(path)
            except BuildInfoError as e:
                assert "\n" not in str(e) and str(e).startswith(f"{path}: ")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=4096))
def test_random_bytes_never_escape_as_anything_but_buildinfo_errors(data: bytes) -> None:
    _read_hostile(data)


@settings(max_examples=1000, deadline=None)
@given(
    st.sampled_from(range(len(SEEDS))),
    st.lists(_mutation, max_size=6),
    st.one_of(st.none(), st.integers(0, 1 << 16)),
)
def test_mutated_executables_never_escape_as_anything_but_buildinfo_errors(
    seed: int, mutations: list[tuple[int, bytes]], cut: int | None
) -> None:
    """Real-shaped ELF/Mach-O/PE files with overwritten bytes (headers, counts, varints, the
    strings) and truncations."""
    data = bytearray(SEEDS[seed])
    header = data.find(buildinfo.MAGIC)
    for offset, value in mutations:
        # Half the hits go to the build info header and the varints after it.
        at = offset % len(data) if offset % 2 else header + offset % 64
        data[at : at + len(value)] = value
    _read_hostile(bytes(data[:cut] if cut is not None else data))
