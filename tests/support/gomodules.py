"""Real Go modules in a file:// GOPROXY tree the tests write, so `go install PATH@VERSION`
works offline against modules made on the spot.

The layout is the one cmd/go reads from a proxy (golang.org/ref/mod#goproxy-protocol):
<escaped path>/@v/list, <escaped v>.info ({"Version", "Time"}), .mod and .zip, where paths and
versions are escaped as golang.org/x/mod/module does (an uppercase letter becomes `!` and the
letter in lowercase) and every zip entry is named `<path>@<version>/<file>`.

Use with GOSUMDB=off (go_env sets it): the modules are not in any checksum database.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path

from tests.support import goarchives

# Resolved at import (before a test's autouse fixture points HOME at a temp dir): one build
# cache for the whole session (and across runs), so each tool is compiled once.
GOCACHE = goarchives.cache_root() / "gocache"

_TIME = "2024-01-02T03:04:05Z"


def escape(s: str) -> str:
    """golang.org/x/mod/module.EscapePath/EscapeVersion: `A` -> `!a`."""
    return "".join("!" + c.lower() if "A" <= c <= "Z" else c for c in s)


def add_module(proxy: Path, path: str, version: str, files: dict[str, str]) -> None:
    """Write module `path` at `version` into the proxy tree rooted at `proxy`.

    `files` maps module-relative names (slash-separated) to their text; a go.mod declaring
    `path` is added when absent. Adding a second version keeps the first (the list grows)."""
    files = dict(files)
    files.setdefault("go.mod", f"module {path}\n\ngo 1.21\n")
    at_v = proxy / escape(path) / "@v"
    at_v.mkdir(parents=True, exist_ok=True)
    ev = escape(version)
    (at_v / f"{ev}.info").write_text(json.dumps({"Version": version, "Time": _TIME}) + "\n")
    (at_v / f"{ev}.mod").write_text(files["go.mod"])
    prefix = f"{path}@{version}/"
    tmp = at_v / f".{ev}.zip.tmp{os.getpid()}"
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(files):
            info = zipfile.ZipInfo(prefix + name, date_time=(2024, 1, 2, 3, 4, 5))
            info.external_attr = 0o644 << 16
            zf.writestr(info, files[name])
    os.replace(tmp, at_v / f"{ev}.zip")
    listing = at_v / "list"
    known = listing.read_text().split() if listing.exists() else []
    if version not in known:
        known.append(version)
    listing.write_text("".join(v + "\n" for v in known))


def tool_source(message: str) -> str:
    """A main package printing `msg` (a package variable, so -ldflags=-X main.msg=... shows)."""
    return (
        "package main\n\n"
        'import "fmt"\n\n'
        f"var msg = {json.dumps(message)}\n\n"
        "func main() { fmt.Println(msg) }\n"
    )


def add_tool(
    proxy: Path, path: str = "example.com/hello", version: str = "v1.0.0", message: str = "hello"
) -> str:
    """A module whose root is a main package printing `message`; returns the package path."""
    add_module(proxy, path, version, {"main.go": tool_source(message)})
    return path


def go_env(proxy: Path, gopath: Path, gobin: Path | None = None) -> dict[str, str]:
    """os.environ with go pointed at the proxy tree, offline, and at a shared build cache."""
    GOCACHE.mkdir(parents=True, exist_ok=True)
    gopath.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    for key in ("GOROOT", "GOBIN", "GOEXPERIMENT", "GOWORK", "GONOSUMDB", "GOPRIVATE"):
        env.pop(key, None)
    env.update(
        {
            "GOPROXY": proxy.resolve().as_uri(),
            "GOSUMDB": "off",
            "GOFLAGS": "-mod=mod",
            "GOTOOLCHAIN": "local",
            "GOPATH": str(gopath),
            "GOMODCACHE": str(gopath / "pkg" / "mod"),
            "GOCACHE": str(GOCACHE),
            "CGO_ENABLED": "0",
        }
    )
    if gobin is not None:
        env["GOBIN"] = str(gobin)
    return env


def go_install(
    goroot: Path,
    env: dict[str, str],
    target: str,
    *flags: str,
    cwd: Path | None = None,
) -> None:
    """`go install FLAGS TARGET` with the toolchain at `goroot` (raises with go's stderr)."""
    full = dict(env, GOROOT=str(goroot))
    proc = subprocess.run(
        [str(goroot / "bin" / "go"), "install", *flags, target],
        env=full,
        cwd=cwd or env.get("GOPATH"),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if proc.returncode != 0:
        raise AssertionError(f"go install {target} failed: {proc.stderr}")


def version_m(goroot: Path, env: dict[str, str], path: Path) -> str:
    """Real `go version -m PATH`: the oracle for what gover reads from build info."""
    proc = subprocess.run(
        [str(goroot / "bin" / "go"), "version", "-m", str(path)],
        env=dict(env, GOROOT=str(goroot)),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return proc.stdout


# ------------------------------------------------------------- programs for `gover tools`

DEBIAN_GO = Path("/usr/lib/go-1.19")  # Debian's golang-go: a Go older than any supported one


@dataclass(frozen=True)
class World:
    """Programs built by real toolchains from a proxy tree, and a store (`real_home`, with
    go 1.21.13 and 1.22.10) to select one from. Templates (see make_world):
    hello121  example.com/hello@v1.0.0 by go1.21.13, -tags=foo,bar -ldflags=-X main.msg=patched
    other122  example.com/other@v1.2.0 by go1.22.10
    multi121  example.com/Multi/cmd/multitool@v0.3.0 by go1.21.13, -trimpath
    hello119  example.com/hello@v1.0.0 by Debian's go1.19
    devel121  a checkout build (devel) of example.com/devtool by go1.21.13"""

    proxy: Path
    built: Path
    store: Path

    def program(self, template: str) -> Path:
        found = sorted((self.built / template).iterdir())
        assert len(found) == 1, found
        return found[0]

    def place(self, gobin: Path, template: str, name: str | None = None) -> Path:
        """Copy a built program into `gobin` (as `name`)."""
        gobin.mkdir(parents=True, exist_ok=True)
        src = self.program(template)
        dst = gobin / (name or src.name)
        shutil.copy2(src, dst)
        return dst

    def env(self, gopath: Path, gobin: Path, **extra: str) -> dict[str, str]:
        """The environment for `gover tools`: the proxy, go 1.22.10 selected, GOBIN set."""
        env = go_env(self.proxy, gopath, gobin)
        env.update(GOVER_HOME=str(self.store), GOVER_VERSION="1.22.10")
        env.update(extra)
        return env


def goroot(version: str) -> Path:
    from tests.support import modproxy

    return modproxy.goroot(version)


def make_world(root: Path, store: Path) -> World:
    proxy = root / "proxy"
    add_tool(proxy, "example.com/hello", "v1.0.0", "hello")
    add_tool(proxy, "example.com/other", "v1.2.0", "other")
    add_module(
        proxy, "example.com/Multi", "v0.3.0", {"cmd/multitool/main.go": tool_source("multi")}
    )
    built = root / "built"
    gopath = root / "gopath"

    def build(template: str, groot: Path, target: str, *flags: str) -> None:
        go_install(groot, go_env(proxy, gopath, built / template), target, *flags)

    go121, go122 = goroot("1.21.13"), goroot("1.22.10")
    build("hello121", go121, "example.com/hello@v1.0.0", "-tags=foo,bar",
          "-ldflags=-X main.msg=patched")  # fmt: skip
    build("other122", go122, "example.com/other@v1.2.0")
    build("multi121", go121, "example.com/Multi/cmd/multitool@v0.3.0", "-trimpath")
    build("hello119", DEBIAN_GO, "example.com/hello@v1.0.0")
    src = root / "checkout"
    src.mkdir()
    (src / "go.mod").write_text("module example.com/devtool\n\ngo 1.21\n")
    (src / "main.go").write_text(tool_source("devel"))
    (built / "devel121").mkdir(parents=True)
    env = go_env(proxy, gopath)
    env.update(GOROOT=str(go121), GOFLAGS="-mod=mod -buildvcs=false")
    proc = subprocess.run(
        [str(go121 / "bin" / "go"), "build", "-o", str(built / "devel121" / "devtool"), "."],
        cwd=src,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return World(proxy, built, store)


def oracle(groot: Path, env: dict[str, str], path: Path) -> dict[str, object]:
    """What real `go version -m` says of `path`, in the fields `gover tools --json` has."""
    lines = version_m(groot, env, path).splitlines()
    out: dict[str, object] = {"go": lines[0].rsplit(": ", 1)[1]}
    settings: dict[str, str] = {}
    for line in lines[1:]:
        parts = line.strip("\t").split("\t")
        if parts[0] == "path":
            out["package"] = parts[1]
        elif parts[0] == "mod":
            out["module"], out["version"] = parts[1], parts[2]
        elif parts[0] == "build":
            key, _, value = parts[1].partition("=")
            settings[key] = json.loads(value) if value.startswith('"') else value
    out["settings"] = settings
    return out
