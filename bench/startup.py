"""Cold start of `dokpamo-check` on one shipped example against Python importing the CLI's dependencies.

    python bench/startup.py [RUNS]

Each run is a fresh process. "warm cache" is the usual case (the rule file was parsed before);
"empty cache" parses the rule file from scratch. The floor: warm-cache start-up at most 2x the import.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "2026-phase1" / "lg-ai-research.yaml"


def timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    check = shutil.which("dokpamo-check") or sys.exit("dokpamo-check is not on PATH")
    cache = tempfile.mkdtemp(prefix="dokpamo-startup-")
    env = {**os.environ, "DOKPAMO_CACHE_DIR": cache}
    imports = [sys.executable, "-c", "import lark, attrs, click, yaml"]
    subprocess.run([check, str(EXAMPLE)], env=env, stdout=subprocess.DEVNULL, check=False)  # fill the cache
    samples: dict[str, list[float]] = {"imports": [], "warm": [], "empty": []}
    for _ in range(runs):  # interleaved, so that load on the machine hits all three alike
        samples["imports"].append(timed(imports, env))
        samples["warm"].append(timed([check, str(EXAMPLE)], env))
        empty = {**env, "DOKPAMO_CACHE_DIR": tempfile.mkdtemp(prefix="dokpamo-empty-")}
        samples["empty"].append(timed([check, str(EXAMPLE)], empty))
    median = {k: statistics.median(v) * 1000 for k, v in samples.items()}
    print(f"python -c 'import lark, attrs, click, yaml'  {median['imports']:7.1f} ms")
    for key, label in (("warm", "warm cache"), ("empty", "empty cache")):
        ratio = median[key] / median["imports"]
        print(f"dokpamo-check, {label:<30}{median[key]:7.1f} ms  ({ratio:.2f}x; floor 2x for a warm cache)")


if __name__ == "__main__":
    main()
