"""Where `go install` puts programs, as go decides it, and gover's per-version GOBIN.

go's rule (cmd/go): $GOBIN if set, else the first GOPATH entry's bin/, where GOPATH is read
as every go variable is (a non-empty environment value, else the `go env -w` file, else go's
default, $HOME/go). gover adds one choice: with config `gobin = "per-version"` and no GOBIN of
the user's, every go run through gover (the shims, `gover exec`, `gover env`) gets
GOBIN=<data dir>/gobin/<version>, so programs built by one Go never shadow another's; the
shims dir then holds a shim per program found there (select/shims.py).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from gover import paths
from gover.constants import ENV_GOBIN, GOBIN_PER_VERSION

if TYPE_CHECKING:
    from gover.config import Config

def go_setting(name: str, environ: Mapping[str, str] | None = None) -> str:
    """go's value of GOBIN or GOPATH: the environment, else the `go env -w` file, else ""
    (proxy.go_env, the one reader of go's settings)."""
    from gover.toolchain import proxy

    return proxy.go_env(environ).get(name)


def user_gobin(environ: Mapping[str, str] | None = None) -> Path | None:
    """The user's own GOBIN (environment or `go env -w`), or None."""
    value = go_setting("GOBIN", environ)
    return Path(value) if value else None


def gopath_bin(environ: Mapping[str, str] | None = None) -> Path:
    """The first GOPATH entry's bin/ (GOPATH as go defaults it: $HOME/go)."""
    env = os.environ if environ is None else environ
    gopath = go_setting("GOPATH", env).split(os.pathsep)[0]
    if not gopath:
        home = env.get("USERPROFILE" if os.name == "nt" else "HOME") or str(Path.home())
        gopath = os.path.join(home, "go")
    return Path(gopath) / "bin"


def per_version(cfg: Config, environ: Mapping[str, str] | None = None) -> bool:
    """Whether gover gives go a per-version GOBIN: configured, and no GOBIN of the user's."""
    return cfg.gobin == GOBIN_PER_VERSION and user_gobin(environ) is None


def configured(environ: Mapping[str, str] | None = None) -> Config | None:
    """The config when something may set `gobin` ($GOVER_GOBIN or a config file), else None
    (the default, shared): `gover exec` then reads no TOML on its hot path."""
    env = os.environ if environ is None else environ
    if not env.get(ENV_GOBIN) and not paths.config_file().exists():
        return None
    from gover import config

    return config.load()


def bin_dir(version: str | None, cfg: Config, environ: Mapping[str, str] | None = None) -> Path:
    """Where `go install` puts programs for gover `version` (None: the system go)."""
    gobin = user_gobin(environ)
    if gobin is not None:
        return gobin
    if cfg.gobin == GOBIN_PER_VERSION and version is not None:
        return paths.gobin_dir(version)
    return gopath_bin(environ)
