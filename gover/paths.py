"""Every location gover reads or writes. No other module joins store, cache or config paths.

`GOVER_HOME` relocates all of it under one directory (tests rely on that); otherwise the
platform's data, cache and config directories are used (platformdirs).
"""

from __future__ import annotations

import os
from pathlib import Path

from gover.constants import CONFIG_NAME, ENV_HOME, GLOBAL_FILE_NAME, RECEIPT_NAME

APP = "gover"


def _home() -> Path | None:
    value = os.environ.get(ENV_HOME)
    return Path(value).expanduser().absolute() if value else None


def data_dir() -> Path:
    home = _home()
    if home is not None:
        return home
    import platformdirs

    return Path(platformdirs.user_data_dir(APP, appauthor=False))


def cache_dir() -> Path:
    home = _home()
    if home is not None:
        return home / "cache"
    import platformdirs

    return Path(platformdirs.user_cache_dir(APP, appauthor=False))


def config_dir() -> Path:
    home = _home()
    if home is not None:
        return home
    import platformdirs

    return Path(platformdirs.user_config_dir(APP, appauthor=False))


def config_file() -> Path:
    return config_dir() / CONFIG_NAME


def versions_dir() -> Path:
    return data_dir() / "versions"


def version_dir(name: str) -> Path:
    """GOROOT of an installed version; `name` is a canonical version like 1.22.10."""
    return versions_dir() / name


def receipt_file(root: Path) -> Path:
    return root / RECEIPT_NAME


def go_binary(root: Path, program: str = "go") -> Path:
    exe = program + (".exe" if os.name == "nt" else "")
    return root / "bin" / exe


def locks_dir() -> Path:
    return data_dir() / "locks"


def lock_file(name: str) -> Path:
    return locks_dir() / f"{name}.lock"


def shims_dir() -> Path:
    return data_dir() / "shims"


def aliases_dir() -> Path:
    """Alias files (1.22, 1, latest) naming the newest installed match; read by the shims."""
    return data_dir() / "aliases"


def alias_file(alias: str) -> Path:
    return aliases_dir() / alias


def global_version_file() -> Path:
    return data_dir() / GLOBAL_FILE_NAME


def shim_templates_dir() -> Path:
    """The repo's shims/ (a source checkout), else the copy packaged as gover/_shims."""
    here = Path(__file__).resolve().parent
    checkout = here.parent / "shims"
    if (checkout / "resolve.sh").is_file():
        return checkout
    return here / "_shims"


def keyring_dir() -> Path:
    """gover's private GnuPG home; never the user's ~/.gnupg."""
    return data_dir() / "keyring"


def refreshed_key_file() -> Path:
    """The Go release key as last fetched by `gover keys refresh` (overrides the bundled copy)."""
    return data_dir() / "keys" / "go-release-key.asc"


def bundled_key_file() -> Path:
    return Path(__file__).parent / "data" / "go-release-key.asc"


def downloads_dir() -> Path:
    return cache_dir() / "downloads"


def download_file(filename: str) -> Path:
    return downloads_dir() / filename


def probes_dir() -> Path:
    """`gover verify` probes, one per toolchain, and their build cache."""
    return cache_dir() / "probes"


def index_cache_dir() -> Path:
    return cache_dir() / "index"
