"""Results of the settings commands (gover/cli/settings.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gover.results.base import Result


def _shown(value: Any) -> str:
    """A setting's value as TOML writes it (`true`, `"text"`, `["a", "b"]`, `3`): what
    config.toml would hold, so it can be pasted there."""
    import tomli_w

    if isinstance(value, list | tuple):
        return "[" + ", ".join(_shown(v) for v in value) + "]"
    return tomli_w.dumps({"v": value}).removeprefix("v = ").rstrip("\n")


@dataclass(frozen=True)
class Setting:
    key: str
    value: Any  # str, int, bool or list[str], as config.toml holds it
    origin: str  # "default", the config file, "$GOVER_…"


@dataclass(frozen=True)
class ConfigList(Result):
    """`gover config list`: every setting, its value and where it came from."""

    settings: tuple[Setting, ...]

    def data(self) -> dict[str, Any]:
        return {
            "settings": {s.key: s.value for s in self.settings},
            "origins": {s.key: s.origin for s in self.settings},
        }

    def lines(self) -> list[str]:
        rows = [("key", "value", "from")] + [
            (s.key, _shown(s.value), s.origin) for s in self.settings
        ]
        from gover.output import safe

        cells = [[safe(c) for c in row] for row in rows]
        widths = [max(len(r[i]) for r in cells) for i in range(3)]
        return ["  ".join(c.ljust(widths[i]) for i, c in enumerate(r)).rstrip() for r in cells]


@dataclass(frozen=True)
class Subkey:
    fingerprint: str
    capabilities: str
    created: str | None  # ISO date
    expires: str | None


@dataclass(frozen=True)
class TrustedKey:
    fingerprint: str
    uids: tuple[str, ...]
    source: str
    expires: str | None
    subkeys: tuple[Subkey, ...]


@dataclass(frozen=True)
class KeyList(Result):
    """`gover keys list`: the keys whose signatures gover accepts."""

    keys: tuple[TrustedKey, ...]

    def data(self) -> dict[str, Any]:
        return {
            "keys": [
                {
                    "fingerprint": k.fingerprint,
                    "uids": list(k.uids),
                    "source": k.source,
                    "expires": k.expires,
                    "subkeys": [vars(s) for s in k.subkeys],
                }
                for k in self.keys
            ]
        }

    def lines(self) -> list[str]:
        out = []
        for k in self.keys:
            out.append(f"{k.fingerprint}  {', '.join(k.uids)}")
            out.append(f"    from {k.source}")
            for s in k.subkeys:
                out.append(
                    f"    sub {s.fingerprint} [{s.capabilities}] "
                    f"created {s.created} expires {s.expires or 'never'}"
                )
        return out


@dataclass(frozen=True)
class ConfigValue(Result):
    """`gover config get KEY`: one setting, after environment overrides."""

    key: str
    value: Any
    origin: str  # "default", the config file, "$GOVER_…"

    def data(self) -> dict[str, Any]:
        return vars(self).copy()

    def lines(self) -> list[str]:
        return [_shown(self.value)]


@dataclass(frozen=True)
class ConfigChanged(Result):
    """`gover config set KEY VALUE`: the value as stored (file paths made absolute)."""

    key: str
    value: Any
    file: str

    def data(self) -> dict[str, Any]:
        return vars(self).copy()

    def lines(self) -> list[str]:
        return [f"{self.key} = {_shown(self.value)} in {self.file}"]


@dataclass(frozen=True)
class ConfigUnset(Result):
    """`gover config unset KEY`: the key is gone from config.toml (text: silent)."""

    key: str
    file: str

    def data(self) -> dict[str, Any]:
        return vars(self).copy()

    def lines(self) -> list[str]:
        return []


@dataclass(frozen=True)
class KeyRefreshed(Result):
    """`gover keys refresh`: the Go release key fetched again and saved."""

    fingerprint: str
    url: str
    expires: str | None  # ISO date, None when it never expires

    def data(self) -> dict[str, Any]:
        return vars(self).copy()

    def lines(self) -> list[str]:
        return [f"refreshed {self.fingerprint} from {self.url}"]
