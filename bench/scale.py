"""One `dokpamo-check` (and `dokpamo rank`) run over 1k, 10k and 100k manifests: time per manifest and
peak memory, which must stay flat for `check` (verdicts are written one by one).

    python bench/scale.py [SIZES...]      # default: 1000 10000 100000

The manifests are the five phase-1 examples, each copied with a new team id, in a temporary folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples" / "2026-phase1").glob("*.yaml"))


def corpus(size: int) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=f"dokpamo-scale-{size}-"))
    texts = [(p.stem, p.read_text(encoding="utf-8")) for p in EXAMPLES]
    for i in range(size):
        team, text = texts[i % len(texts)]
        (folder / f"{i:06d}.yaml").write_text(text.replace(f"id: {team}", f"id: {team}-{i}", 1), encoding="utf-8")
    return folder


def measure(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MiB) of one child process."""
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(child.pid, 0)
    return time.perf_counter() - start, usage.ru_maxrss / 1024


def main() -> None:
    sizes = [int(s) for s in sys.argv[1:]] or [1000, 10000, 100000]
    check = shutil.which("dokpamo-check") or sys.exit("dokpamo-check is not on PATH")
    dokpamo = shutil.which("dokpamo") or sys.exit("dokpamo is not on PATH")
    print(f"{'manifests':>10} {'command':<8} {'seconds':>9} {'ms/manifest':>12} {'peak MiB':>9}")
    for size in sizes:
        folder = corpus(size)
        try:
            for name, command in (("check", [check, str(folder), "--format", "json"]),
                                  ("rank", [dokpamo, "rank", str(folder), "--format", "json"])):
                seconds, peak = measure(command)
                print(f"{size:>10,} {name:<8} {seconds:>9.1f} {seconds / size * 1000:>12.3f} {peak:>9.0f}")
        finally:
            shutil.rmtree(folder)


if __name__ == "__main__":
    main()
