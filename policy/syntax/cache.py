"""A cache of parsed rule files, so that a command does not load the parser when the file is unchanged.

Parsing is the costly part of start-up (the grammar's lexers are built on first use); the parsed
module is stored as a pickle named by the SHA-256 of the engine version, the grammar and the rule file
(name and text) and the code that builds the AST, in `$DOKPAMO_CACHE_DIR`, else `$XDG_CACHE_HOME/dokpamo`, else `~/.cache/dokpamo`.
Only dokpamo writes there; a file that does not load is ignored and rewritten. Set
`DOKPAMO_CACHE_DIR=off` to disable the cache.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path

from policy import __version__
from policy.source import Source
from policy.syntax import ast


def cache_dir() -> Path | None:
    configured = os.environ.get("DOKPAMO_CACHE_DIR")
    if configured == "off":
        return None
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "dokpamo"


def _parser_digest() -> str:
    """What a parse depends on besides the rule file: the grammar and the code that builds the AST, so
    that a cached module never outlives a change of either, released or not."""
    import importlib.util

    from policy.syntax.grammar import grammar_text

    digest = hashlib.sha256(grammar_text().encode("utf-8"))
    for name in ("ast", "lower", "scan", "template"):  # found, not imported: lower imports lark
        spec = importlib.util.find_spec(f"policy.syntax.{name}")
        if spec is not None and spec.origin is not None:
            digest.update(Path(spec.origin).read_bytes())
    return digest.hexdigest()


def parse(source: Source) -> ast.Module:
    """`policy.syntax.parser.parse`, served from the cache when the same file was parsed before."""
    folder = cache_dir()
    key = hashlib.sha256("\0".join((__version__, _parser_digest(), source.name, source.text)).encode()).hexdigest()
    path = folder / f"{key}.pickle" if folder is not None else None
    if path is not None and path.is_file():
        try:
            module = pickle.loads(path.read_bytes())  # noqa: S301 - written by dokpamo itself, named by content
        except Exception:  # noqa: BLE001 - a damaged entry is parsed again and rewritten
            module = None
        if isinstance(module, ast.Module):
            return module
    from policy.syntax.parser import parse as parse_text

    module = parse_text(source)
    if path is not None:
        _store(path, pickle.dumps(module, protocol=pickle.HIGHEST_PROTOCOL))
    return module


def _store(path: Path, data: bytes) -> None:
    import tempfile

    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except OSError:
        pass  # a read-only home only costs the next run a parse
