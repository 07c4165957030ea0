"""Commands on the hot path (`current`, `which`, `list`): plain functions with no typer, so
gover.cli.entry can run them without importing the CLI framework (~40 ms saved per call)."""

from __future__ import annotations

from gover import output


def show_list(as_json: bool) -> None:
    from gover.toolchain import store

    items = store.installed()
    if as_json:
        output.emit_json(
            [
                {
                    "version": i.name,
                    "path": str(i.root),
                    "sha256": i.receipt.sha256,
                    "signer": i.receipt.signer,
                    "url": i.receipt.url,
                    "installed_at": i.receipt.installed_at,
                }
                for i in items
            ]
        )
        return
    if not items:
        output.status("no Go versions installed; run: gover install latest")
        return
    output.lines(i.name for i in items)


def show_current(as_json: bool) -> None:
    from gover.select import resolve

    sel = resolve.select()
    if as_json:
        output.emit_json(
            {
                "version": sel.label,
                "requested": sel.pin.token,
                "source": sel.source,
                "origin": str(sel.pin.origin) if sel.pin.origin else None,
                "goroot": str(sel.root) if sel.root else None,
                "go": str(sel.root / "bin" / "go") if sel.root else str(sel.system),
            }
        )
        return
    if sel.root is None:
        output.info(f"system ({sel.system}) ({sel.source})")
    else:
        output.info(f"{sel.name} ({sel.source})")


def show_which(program: str) -> None:
    from gover.select import pins, resolve

    output.info(str(pins.program_path(resolve.select(), program)))


def fast_path(argv: list[str]) -> bool:
    """Run a hot command whose arguments need no parser; False means: use the full CLI."""
    if not argv:
        return False
    cmd, rest = argv[0], argv[1:]
    if cmd in ("current", "list") and rest in ([], ["--json"]):
        (show_current if cmd == "current" else show_list)(bool(rest))
        return True
    if cmd == "which" and len(rest) <= 1 and not any(a.startswith("-") for a in rest):
        show_which(rest[0] if rest else "go")
        return True
    return False
