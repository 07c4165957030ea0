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
import zipfile
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
