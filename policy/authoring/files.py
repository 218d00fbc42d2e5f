"""Finding rule files and writing them safely, for `fmt`, `lint` and `test`."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from policy.diagnostics import Diagnostics

RULE_SUFFIX = ".dkp"
TEST_SUFFIX = "_test.yaml"


def rule_files(arguments: Iterable[str], diagnostics: Diagnostics) -> list[Path]:
    """Files as given; folders expanded to the rule files in them (recursively, sorted).

    A missing path or a folder without rule files adds a `policy.unreadable` error."""
    found: list[Path] = []
    for argument in arguments:
        path = Path(argument)
        if path.is_dir():
            inside = sorted(p for p in path.rglob(f"*{RULE_SUFFIX}") if p.is_file())
            if not inside:
                diagnostics.error("policy.unreadable", f"folder holds no rule file (*{RULE_SUFFIX})",
                                  file=argument)
            found.extend(inside)
        elif path.exists():
            found.append(path)
        else:
            diagnostics.error("policy.unreadable", "rule file not found", file=argument)
    return list(dict.fromkeys(found))


def write_atomic(path: Path, text: str) -> None:
    """Replace a file's content all at once: a temporary file in the same folder, renamed over it, so
    that an interrupted run never leaves a truncated file. The file keeps its permissions."""
    mode = path.stat().st_mode & 0o7777 if path.exists() else None
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
