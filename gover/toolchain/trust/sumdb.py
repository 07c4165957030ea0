"""The checksum database client (golang/mod sumdb/client.go, cmd/go modfetch/sumdb.go).

A lookup proves a module version's go.sum lines three ways before they are believed:
1. the tree head that comes with them is a signed note by the database's key (note.py);
2. the record is included in that tree (an inclusion proof built from the log's tiles, tlog.py);
3. that tree and the last head gover saw of this database are consistent (one is a prefix of
   the other): a log that forked, or a server that went back to an older head it cannot prove
   a prefix of the newer one, is an attack, and the error names both heads.
The newest head seen is kept in paths.sumdb_state_dir()/<name>/latest (as go keeps
$GOPATH/pkg/sumdb/<name>/latest), written atomically and only ever moving forward.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from gover import constants, output, paths
from gover.errors import (
    ConfigError,
    NetworkError,
    NotFoundError,
    VerificationError,
    io_error,
)
from gover.toolchain.trust import dirhash, note, tlog

if TYPE_CHECKING:
    from gover.config import Config

__all__ = [
    "Proof",
    "SumDB",
    "check_tree",
    "lookup",
    "match_prefix_patterns",
    "skipped",
]

MAX_LOOKUP_BYTES = 1 << 20
MAX_NOTE_BYTES = 64 << 10
_H1 = re.compile(r"h1:[A-Za-z0-9+/]{43}=")
_SAFE_PATH = re.compile(r"[A-Za-z0-9._~+/-]+")

# A GOPROXY entry: the URL, and whether any error (`|`) rather than only 404/410 (`,`) moves on.
ProxyEntry = str | tuple[str, bool]


@dataclass(frozen=True)
class SumDB:
    """A checksum database: its name, verifier key text and base URL. `direct` is True when
    GOSUMDB named the URL itself: go then bypasses the proxies, and so does gover."""

    name: str
    key: str
    url: str
    direct: bool = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> SumDB | None:
        """The database GOSUMDB names (cmd/go's rules), None for GOSUMDB=off."""
        value = environ.get("GOSUMDB", "").strip() or constants.DEFAULT_GOSUMDB
        if value == "off":
            return None
        if value in constants.SUMDB_ALIASES:
            real, url = constants.SUMDB_ALIASES[value]
            value = f"{real} {url}"
        fields = value.split()
        if len(fields) > 2:
            raise ConfigError(
                f"GOSUMDB={value!r}: too many fields",
                "use off, a known name, or <name>+<hash>+<key> [URL]",
            )
        key = constants.SUMDB_KEYS.get(fields[0], fields[0])
        try:
            verifier = note.parse_verifier(key)
        except VerificationError as exc:
            raise ConfigError(f"GOSUMDB={value!r}: {exc.message}", exc.hint) from None
        name = verifier.name
        parts = name.split("/")
        if (
            not _SAFE_PATH.fullmatch(name)
            or any(p in ("", ".", "..") for p in parts)
            or not re.fullmatch(r"[A-Za-z0-9.-]+(:[0-9]+)?", parts[0])
        ):
            raise ConfigError(
                f"GOSUMDB={value!r}: the database name {name!r} is not host[/path]",
                "use the name its key was made for",
            )
        if len(fields) == 2:
            from gover.toolchain.download import check_url

            try:
                check_url(fields[1])
            except NetworkError as exc:
                raise ConfigError(f"GOSUMDB={value!r}: {exc.message}", exc.hint) from None
            return cls(name=name, key=verifier.text, url=fields[1].rstrip("/"), direct=True)
        return cls(name=name, key=verifier.text, url=f"https://{name}")


def match_prefix_patterns(globs: str, target: str) -> bool:
    """cmd/go's module.MatchPrefixPatterns: comma-separated globs, each matched against as many
    leading path elements of `target` as it has."""
    for raw in globs.split(","):
        glob = raw.removesuffix("/")
        if not glob:
            continue
        n = glob.count("/")
        elements = target.split("/")
        if len(elements) <= n:
            continue
        prefix = "/".join(elements[: n + 1])
        if _path_match(glob, prefix):
            return True
    return False


def _path_match(glob: str, name: str) -> bool:
    """Go's path.Match: `*` and `?` never cross `/`; `[...]` classes (with `^` negation)."""
    pattern = ""
    i = 0
    while i < len(glob):
        c = glob[i]
        if c == "*":
            pattern += "[^/]*"
        elif c == "?":
            pattern += "[^/]"
        elif c == "\\" and i + 1 < len(glob):
            i += 1
            pattern += re.escape(glob[i])
        elif c == "[":
            end = glob.find("]", i + 2)
            if end < 0:
                return False  # a malformed pattern matches nothing (Go: ErrBadPattern)
            body = glob[i + 1 : end]
            if body.startswith("^"):
                body = "^" + body[1:].replace("\\", "\\\\")
            else:
                body = body.replace("\\", "\\\\").replace("^", "\\^")
            pattern += f"(?!/)[{body}]"
            i = end
        else:
            pattern += re.escape(c)
        i += 1
    return re.fullmatch(pattern, name) is not None


def skipped(module: str, environ: Mapping[str, str]) -> str | None:
    """Why the checksum database is not consulted for `module`: GOSUMDB=off, or a
    GONOSUMDB pattern (GOPRIVATE when GONOSUMDB is unset) that matches it. None: consult it."""
    if environ.get("GOSUMDB", "").strip() == "off":
        return "GOSUMDB=off"
    # cmd/go: GONOSUMDB, or GOPRIVATE when GONOSUMDB is unset or empty.
    var = "GONOSUMDB" if environ.get("GONOSUMDB") else "GOPRIVATE"
    value = environ.get(var, "")
    if value and match_prefix_patterns(value, module):
        return f"{module} matches {var}={value}"
    return None


@dataclass(frozen=True)
class Proof:
    """A module version's go.sum hashes, proven by the checksum database `db`."""

    db: str
    module: str
    version: str
    h1: str
    gomod_h1: str
    tree_size: int
    record_id: int

    @property
    def line(self) -> str:
        return f"sumdb {self.db} {self.h1} (record {self.record_id}, tree {self.tree_size})"


def _escape(value: str, what: str) -> str:
    """cmd/go's module path/version escaping: upper case letters as `!` + lower case."""
    if not _SAFE_PATH.fullmatch(value) or ".." in value.split("/") or value.startswith("/"):
        raise VerificationError(f"{value!r} is not a {what} the checksum database can look up")
    return re.sub(r"[A-Z]", lambda m: "!" + m.group(0).lower(), value)


def _join(base: str, rel: str) -> str:
    return base.rstrip("/") + "/" + rel


def _base_url(cfg: Config, db: SumDB, proxies: Sequence[ProxyEntry]) -> str:
    """Where to ask: the first proxy whose /sumdb/<name>/supported answers 200, going on past
    404/410 (any error after a `|`), stopping at direct/off; else the database itself."""
    from gover.toolchain.download import fetch_bytes

    if db.direct:
        return db.url
    for entry in proxies:
        url, any_error = (entry, False) if isinstance(entry, str) else entry
        if url in ("direct", "off", "noproxy"):
            break
        base = _join(url, f"sumdb/{db.name}")
        try:
            fetch_bytes(_join(base, "supported"), cfg, max_bytes=4096)
        except NotFoundError:
            continue
        except NetworkError:
            if any_error:
                continue
            raise
        return base
    return db.url


def _fetch_tile(cfg: Config, base: str) -> Callable[[tlog.Tile], bytes]:
    from gover.toolchain.download import fetch_bytes

    def fetch(tile: tlog.Tile) -> bytes:
        size = tile.w * tlog.HASH_SIZE
        try:
            return fetch_bytes(_join(base, tile.path), cfg, max_bytes=size).content
        except NotFoundError:
            if tile.w == 1 << tile.h:
                raise
        # A server may have only the full tile by now (golang/mod client.go does the same).
        full = tile.full()
        data = fetch_bytes(_join(base, full.path), cfg, max_bytes=full.w * tlog.HASH_SIZE).content
        return data[:size] if len(data) == full.w * tlog.HASH_SIZE else data

    return fetch


def _state_file(db: SumDB) -> Path:
    return paths.sumdb_state_dir().joinpath(*PurePosixPath(db.name).parts, "latest")


def _read_state(db: SumDB, verifier: note.Verifier) -> tuple[tlog.Tree, bytes] | None:
    from gover.fsutil import read_capped

    path = _state_file(db)
    try:
        data = read_capped(path, MAX_NOTE_BYTES, follow_symlinks=False)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise io_error("read", path, exc, "remove it", kind=VerificationError) from None
    try:
        text = note.open_note(data, verifier, str(path))
        return tlog.parse_tree(text, str(path)), data
    except VerificationError as exc:
        raise VerificationError(
            f"the tree head gover kept for {db.name} does not verify: {exc.message}",
            "remove that file if you changed the database's key on purpose",
        ) from None


def _fork(db: SumDB, old: tlog.Tree, new: tlog.Tree, source: str, why: str) -> VerificationError:
    return VerificationError(
        f"SECURITY ERROR: checksum database {db.name} {why}: {source} serves {new}, "
        f"gover saw {old} before",
        "the database or the path to it misbehaves; do not trust what it serves, and report it",
    )


def _merge_latest(
    cfg: Config,
    db: SumDB,
    verifier: note.Verifier,
    base: str,
    tree: tlog.Tree,
    msg: bytes,
    source: str,
) -> None:
    """Check `tree` against the stored head and store it when it is newer (under a lock)."""
    from gover.fsutil import owned_dir, write_atomic
    from gover.toolchain import store

    with store.lock("sumdb-" + db.name.replace("/", "_")):
        stored = _read_state(db, verifier)
        if stored is not None:
            old = stored[0]
            if old.n == tree.n:
                if old.hash != tree.hash:
                    raise _fork(db, old, tree, source, "forked (two trees of one size)")
                return
            older, newer = (old, tree) if old.n < tree.n else (tree, old)
            reader = tlog.TileHashReader(newer.n, _fetch_tile(cfg, base))
            try:
                proof = tlog.prove_tree(newer.n, older.n, reader)
            except NotFoundError:
                if tree.n < old.n:
                    raise _fork(db, old, tree, source, "went back to an older tree") from None
                raise
            except VerificationError:
                proof = []
            if not tlog.check_tree(proof, newer.n, newer.hash, older.n, older.hash):
                raise _fork(db, old, tree, source, "forked (the trees are not consistent)")
            if tree.n < old.n:
                return  # an older head that is a prefix of the one kept: nothing to store
        path = _state_file(db)
        try:
            owned_dir(path.parent)
            write_atomic(path, msg, 0o644)
        except OSError as exc:
            raise io_error("write", path, exc) from None


def lookup(
    cfg: Config,
    db: SumDB,
    module: str,
    version: str,
    *,
    proxies: Sequence[ProxyEntry] = (),
    environ: Mapping[str, str] | None = None,
) -> Proof:
    """The go.sum hashes of module@version, proven by `db` (see the module docstring).

    `proxies`: GOPROXY entries in order, each a URL (`,`: only 404/410 moves on) or
    (URL, True) (`|`: any error moves on); "direct"/"off" stop the walk, and so does a
    GONOPROXY/GOPRIVATE pattern matching the database's name (`environ`, default os.environ).
    VerificationError on
    any failed proof; NetworkError when the database cannot be reached.
    """
    from gover.toolchain.download import fetch_bytes

    verifier = note.parse_verifier(db.key)
    env = os.environ if environ is None else environ
    # cmd/go: a database whose name GONOPROXY (default GOPRIVATE) matches is asked directly.
    noproxy = env.get("GONOPROXY") or env.get("GOPRIVATE", "")
    if noproxy and match_prefix_patterns(noproxy, db.name):
        proxies = ()
    base = _base_url(cfg, db, proxies)
    url = _join(base, f"lookup/{_escape(module, 'module path')}@{_escape(version, 'version')}")
    try:
        body = fetch_bytes(url, cfg, max_bytes=MAX_LOOKUP_BYTES).content
    except NotFoundError:
        raise VerificationError(
            f"{url}: the checksum database {db.name} has no record of {module}@{version}",
            "it is not an official release, or the database is not the one GOSUMDB names",
        ) from None
    record_id, text, msg = tlog.parse_record(body, url)
    tree = tlog.parse_tree(note.open_note(msg, verifier, url), url)
    if record_id >= tree.n:
        raise VerificationError(f"{url}: record {record_id} is not in the signed {tree}")
    reader = tlog.TileHashReader(tree.n, _fetch_tile(cfg, base))
    try:
        proof = tlog.prove_record(tree.n, record_id, reader)
    except VerificationError:
        proof = []
    if not tlog.check_record(proof, tree.n, tree.hash, record_id, tlog.record_hash(text)):
        raise VerificationError(
            f"SECURITY ERROR: {url}: record {record_id} is not proven in the signed {tree}",
            "the record or the log's tiles were altered; do not trust this database's answer",
        )
    _merge_latest(cfg, db, verifier, base, tree, msg, url)
    h1 = gomod_h1 = ""
    for line in text.decode("utf-8").splitlines():
        fields = line.split(" ")
        if len(fields) == 3 and fields[0] == module and _H1.fullmatch(fields[2]):
            if fields[1] == version:
                h1 = fields[2]
            elif fields[1] == f"{version}/go.mod":
                gomod_h1 = fields[2]
    if not h1:
        raise VerificationError(
            f"{url}: record {record_id} holds no h1 line for {module}@{version}",
            "the database answered for another module",
        )
    return Proof(db.name, module, version, h1, gomod_h1, tree.n, record_id)


def policy_lookup(
    cfg: Config,
    mv: str,
    *,
    proxies: Sequence[ProxyEntry] = (),
    environ: Mapping[str, str] | None = None,
) -> Proof | None:
    """The database's proven record of toolchain module version `mv`, by the policy
    cfg.verify_sumdb: off -> None; auto -> None with a warning when the database is switched
    off, skipped or unreachable; require -> VerificationError then. A proof that fails is a
    VerificationError under either policy."""
    env = os.environ if environ is None else environ
    db = _database(cfg, mv, env)
    if db is None:
        return None
    try:
        return lookup(cfg, db, constants.TOOLCHAIN_MODULE, mv, proxies=proxies, environ=env)
    except NetworkError as exc:
        _missing(cfg.verify_sumdb, mv, str(exc))
        return None


def _database(cfg: Config, mv: str, env: Mapping[str, str]) -> SumDB | None:
    """The database to ask about `mv` by the policy, or None (off; or switched off or
    skipped: a warning under auto, a VerificationError under require)."""
    if cfg.verify_sumdb == "off":
        return None
    why = skipped(constants.TOOLCHAIN_MODULE, env)
    db = None if why else SumDB.from_env(env)
    if db is None:
        _missing(cfg.verify_sumdb, mv, why or "GOSUMDB=off")
    return db


def compare(where: str, h1: str, proof: Proof) -> None:
    """A tree (or zip) whose h1 is not the database's record: a VerificationError."""
    if h1 != proof.h1:
        raise VerificationError(
            f"{where}: the tree hashes to {h1} but the checksum database {proof.db} records "
            f"{proof.h1} for {proof.module}@{proof.version}",
            "its files differ from the official release: reinstall it",
        )


def check_tree(
    cfg: Config,
    root: Path,
    mv: str,
    *,
    proxies: Sequence[ProxyEntry] = (),
    environ: Mapping[str, str] | None = None,
) -> Proof | None:
    """The checksum database's proof of Go tree `root` as toolchain module version `mv`, by
    the policy cfg.verify_sumdb (see policy_lookup); the tree is hashed while the record is
    looked up."""
    env = os.environ if environ is None else environ
    if _database(cfg, mv, env) is None:  # nothing to ask: the tree is not read at all
        return None
    with ThreadPoolExecutor(max_workers=1) as pool:
        looking = pool.submit(policy_lookup, cfg, mv, proxies=proxies, environ=env)
        h1 = dirhash.tree_hash(root, mv)
        proof = looking.result()
    if proof is not None:
        compare(str(root), h1, proof)
    return proof


def _missing(policy: str, mv: str, why: str) -> None:
    message = f"{mv}: not checked against the checksum database ({why})"
    if policy == "require":
        raise VerificationError(
            message, f"allow it with {constants.ENV_VERIFY_SUMDB}=auto, or undo what skipped it"
        )
    output.warn(message)
