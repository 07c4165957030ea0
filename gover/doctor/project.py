"""Detector 5: the project in the working directory. The nearest go.work or go.mod (by
gover's resolution rules, honouring GOWORK) against the go that runs there (the first go on
PATH; through gover's shims, the toolchain gover selects) and against gover's own selection:
a go line newer than the go that runs (go1.19 rejects `go 1.21.0`; go ≥1.21 with
GOTOOLCHAIN=local refuses it), toolchain and go lines that GOTOOLCHAIN makes go switch for
(auto downloads), and a pinned version that is not installed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from gover.doctor import govars
from gover.doctor.model import Detector, Finding, Scope, display, finding
from gover.select import gomod
from gover.versions import GoVersion

D = "project"
_LANG_OLD = GoVersion.parse("1.21")  # the first go that accepts 1.N.P go lines and toolchain


def governing(sc: Scope) -> Path | None:
    """The go.work or go.mod that governs sc.cwd, as go finds it: GOWORK naming a file
    (go uses it), else gomod.find's walk (GOWORK=off: only go.mod)."""
    gowork = sc.var("GOWORK") or ""
    if gowork not in ("", "off") and os.path.isabs(gowork):
        return Path(gowork) if os.path.isfile(gowork) else None
    use_work = gowork != "off"
    for d in (sc.cwd, *sc.cwd.parents):
        if use_work and os.path.isfile(d / gomod.GO_WORK):
            return d / gomod.GO_WORK
        if os.path.isfile(d / gomod.GO_MOD):
            if use_work:
                for up in d.parents:
                    if os.path.isfile(up / gomod.GO_WORK):
                        return up / gomod.GO_WORK
            return d / gomod.GO_MOD
    return None


@dataclass(frozen=True)
class Mod:
    path: Path
    go: str | None
    go_line: int
    toolchain: str | None
    toolchain_line: int

    @property
    def need(self) -> GoVersion | None:
        return GoVersion.try_parse(self.go) if self.go else None


def read_mod(path: Path) -> Mod | None:
    try:
        lines, _ = gomod.read_head(path)
    except OSError:
        return None
    go, tc = gomod.directives(lines)
    go_line = tc_line = 0
    for n, line in enumerate(lines, 1):
        ws = gomod.words(line)
        if ws and ws[0] == "go" and not go_line and len(ws) > 1:
            go_line = n
        if ws and ws[0] == "toolchain":
            tc_line = n
            break
    return Mod(path, go, go_line, tc, tc_line)


def _at(mod: Mod, line: int, sc: Scope) -> str:
    where = display(mod.path, sc.home)
    return f"{where}:{line}" if line else where


def _hint(v: GoVersion) -> str:
    """What to install for a go line: its minor series (gover install 1.23 takes the newest
    1.23.x, which satisfies 1.23.0)."""
    return v.name if v.is_prerelease else f"{v.major}.{v.minor if v.minor is not None else 0}"


def _too_old(mod: Mod, have: GoVersion, mode: str, who: str, sc: Scope, fix: str) -> Finding | None:
    """The go line against a go that runs without switching."""
    need = mod.need
    assert mod.go is not None
    name = mod.path.name
    if have < _LANG_OLD:
        lang = GoVersion.try_parse(mod.go)
        if mod.toolchain is not None:
            return finding(
                D,
                "go-too-old",
                "error",
                f"{who} is go{have.name}, which cannot read {name}'s toolchain line: it fails "
                f"with `{name}:{mod.toolchain_line}: unknown directive: toolchain`",
                _at(mod, mod.toolchain_line, sc),
                fix,
            )
        if lang is not None and (lang.patch is not None or lang.kind):
            return finding(
                D,
                "go-too-old",
                "error",
                f"{who} is go{have.name}, which cannot read `go {mod.go}` in {name}: it fails "
                f"with `invalid go version '{mod.go}': must match format 1.23`",
                _at(mod, mod.go_line, sc),
                fix,
            )
        if need is not None and need > have:
            return finding(
                D,
                "go-too-old",
                "warning",
                f"{name} asks for go {mod.go}, but {who} is go{have.name}: it builds, and fails "
                f"at the first newer language feature (`note: module requires Go {mod.go}`)",
                _at(mod, mod.go_line, sc),
                fix,
            )
        return None
    if need is not None and need > have and mode not in govars.TOOLCHAIN_MODES:
        return finding(
            D,
            "go-too-old",
            "error",
            f"{name} asks for go {mod.go}, but {who} is go{have.name} and GOTOOLCHAIN={mode} "
            f"does not let it switch: go fails with `{name} requires go >= {mod.go} (running "
            f"go {have.name}; GOTOOLCHAIN={mode})`",
            _at(mod, mod.go_line, sc),
            fix,
        )
    return None


def _mode(value: str) -> str:
    """local, auto or path: what a GOTOOLCHAIN value makes go do about go.mod."""
    _, plus, suffix = value.partition("+")
    if value in govars.TOOLCHAIN_MODES:
        return value
    return suffix if plus else "local"


def _switch(
    mod: Mod, have: GoVersion, value: str, where_tc: str, sc: Scope, lay: govars.Layers, fix: str
) -> Finding | None:
    """go ≥1.21 with auto/path: which toolchain go switches to here (toolchain/select.go)."""
    target: GoVersion | None = None
    line = 0
    why = ""
    tc = GoVersion.try_parse(mod.toolchain) if mod.toolchain else None
    if tc is not None and tc > have:
        target, line, why = tc, mod.toolchain_line, f"toolchain {mod.toolchain}"
    need = mod.need
    if need is not None and need > (target or have):
        name = need.name + (
            ".0" if need.patch is None and not need.kind and need >= _LANG_OLD else ""
        )
        target, line, why = GoVersion.parse(name), mod.go_line, f"go {mod.go}"
    if target is None:
        return None
    mode = _mode(value)
    name = mod.path.name
    if mode == "path":
        found = any(
            os.path.isfile(os.path.join(e or ".", target.tag)) for e in govars.path_entries(sc)
        )
        if found:
            return None
        return finding(
            D,
            "go-switches",
            "error",
            f"{name}'s `{why}` makes go{have.name} look for {target.tag} on PATH "
            f"(GOTOOLCHAIN={value}, {where_tc}), and there is none: go fails with "
            f'`go: cannot find "{target.tag}" in PATH`',
            _at(mod, line, sc),
            fix.format(target=target.name),
        )
    proxy = lay.get("GOPROXY")
    off = proxy is not None and proxy.value.strip() == "off"
    return finding(
        D,
        "go-switches",
        "error" if off else "warning",
        f"{name}'s `{why}` makes go{have.name} download and run {target.tag} here "
        f"(GOTOOLCHAIN={value}, {where_tc}), not the go on PATH"
        + (
            f"; with GOPROXY=off it fails with `go: download {target.tag} for …: toolchain not available`"
            if off
            else ""
        ),
        _at(mod, line, sc),
        fix.format(target=target.name),
    )


def _selected_where(pin: object, sc: Scope) -> str:
    origin = getattr(pin, "origin", None)
    kind = getattr(pin, "kind", "")
    if origin is None:
        return "environment: GOVER_VERSION" if kind == "env" else "gover"
    if kind in ("toolchain", "go-line"):
        mod = read_mod(origin)
        if mod is not None:
            return _at(mod, mod.toolchain_line if kind == "toolchain" else mod.go_line, sc)
    return display(origin, sc.home)


def _not_installed(sc: Scope, run: govars.RunningGo) -> Iterator[Finding]:
    """A pin gover cannot satisfy (resolve.select refused): the shims exit 127 here."""
    from gover.errors import GoverError
    from gover.select import resolve

    if run.shim and run.select_error is None:
        return
    if not run.shim and not govars.shims_on_path(sc):
        return
    try:
        pin = resolve.find_pin(sc.cwd)
        if pin.want.is_system:
            return
        resolve.select(sc.cwd)
        return
    except GoverError:
        pass
    except Exception:
        return
    first = run.shim
    yield finding(
        D,
        "pin-not-installed",
        "error" if first else "warning",
        f"go {pin.token}{' or newer' if pin.minimum else ''} ({pin.source}) is not installed: "
        + (
            "gover's shims exit 127 here"
            if first
            else "gover's shims, behind another go on PATH, would exit 127 here"
        ),
        _selected_where(pin, sc),
        f"gover install {resolve.install_hint(pin)}",
    )


def run(sc: Scope) -> list[Finding]:
    out: list[Finding] = []
    rg = govars.running_go(sc)
    out += _not_installed(sc, rg)
    path = governing(sc)
    if path is None:
        return out
    mod = read_mod(path)
    if mod is None or mod.go is None:
        return out
    lay = govars.layers(sc, rg)
    have = GoVersion.try_parse(rg.version or "")
    if rg.path is not None and have is not None:
        s = govars.toolchain_setting(lay)
        value = s.value if s is not None else "local"
        where_tc = {
            None: "unset",
            "environment": "from the environment",
            "shim": "set by gover's shims",
            "goenv": "from the go env -w file",
            "go.env": f"from {display(lay.goroot_env or '', sc.home)}",
        }[s.layer if s is not None else None]
        who = "the go gover selects here" if rg.shim else f"the go on PATH ({rg.path})"
        need = mod.need
        hint = _hint(need) if need is not None else "latest"
        then = "" if rg.shim else ", then run go through gover's shims (see gover init)"
        fix = f"gover install {hint}{then}"
        if rg.shim and rg.selection is not None:
            pin = getattr(rg.selection, "pin", None)
            if getattr(pin, "kind", "") in ("file", "global", "env"):
                fix = f"gover install {hint} && gover local {hint}"
        if have >= _LANG_OLD and _mode(value) in govars.TOOLCHAIN_MODES:
            f = _switch(mod, have, value, where_tc, sc, lay, "gover install {target}" + then)
        else:
            f = _too_old(mod, have, _mode(value) if have >= _LANG_OLD else "local", who, sc, fix)
        if f is not None:
            out.append(f)
    out += _selected_too_old(sc, rg, mod)
    return out


def _selected_too_old(sc: Scope, rg: govars.RunningGo, mod: Mod) -> Iterator[Finding]:
    """gover's shims are on PATH but another go wins: would gover's own choice fail here?
    (A .go-version nearer than go.mod can pin an older go; the shims run go with
    GOTOOLCHAIN=local unless the user set it.)"""
    from gover.errors import GoverError
    from gover.select import resolve

    need = mod.need
    if rg.shim or need is None or not govars.shims_on_path(sc):
        return
    try:
        sel = resolve.select(sc.cwd)
    except GoverError:
        return  # pin-not-installed says so
    if sel.name is None:
        return
    have = GoVersion.try_parse(sel.name)
    user = sc.var("GOTOOLCHAIN") or ""
    if have is None or need <= have or _mode(user or "local") in govars.TOOLCHAIN_MODES:
        return
    yield finding(
        D,
        "selected-too-old",
        "warning",
        f"{mod.path.name} asks for go {mod.go}, but gover selects go{have.name} here "
        f"({sel.source}): through gover's shims go fails with `{mod.path.name} requires go >= "
        f"{mod.go} (running go {have.name}; GOTOOLCHAIN=local)`",
        _selected_where(sel.pin, sc),
        f"gover install {_hint(need)} && gover local {_hint(need)}",
    )


def notes(sc: Scope) -> list[str]:
    path = governing(sc)
    if path is None:
        return []
    mod = read_mod(path)
    if mod is None:
        return [f"project: {display(path, sc.home)} (unreadable)"]
    rg = govars.running_go(sc)
    parts = [f"project: {display(path, sc.home)}"]
    if mod.go:
        parts.append(f"go {mod.go}")
    if mod.toolchain:
        parts.append(f"toolchain {mod.toolchain}")
    if rg.version:
        parts.append(f"{rg.version} runs here" + (" (gover's selection)" if rg.shim else ""))
    return ["; ".join(parts)]


DETECTOR = Detector(D, run, notes)
