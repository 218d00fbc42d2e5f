"""Throughput of `dokpamo evidence` on bf16 weights, in GB/s of candidate weights, against this machine's ceiling.

Writes a bf16 reference and two candidates (a byte copy, which the exact tier confirms entry by entry,
and a noisy derivative, which the Pearson tier reads in full) to a temporary folder, warms the page
cache, and times each tier end to end through `policy.evidence.examine` (opening, sampling, content
matching and the full pass). The ceiling is measured the same way: both files read once with numpy
(a sum over every 8 bytes, two threads), counted in candidate bytes. The floor is 1.5 GB/s.

    python bench/evidence_throughput.py [--gb 1.0] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as `dokpamo evidence` runs

import numpy as np

from policy.evidence import examine, numeric

FLOOR = 1.5
SIDE = 4096
"""Tensors are SIDE x SIDE bf16: 32 MB each."""


def _bf16(values: np.ndarray) -> np.ndarray:
    bits = values.view(np.uint32)
    return ((bits + np.uint32(0x7FFF) + ((bits >> 16) & 1)) >> 16).astype(np.uint16)


def _write(path: Path, tensors: dict[str, np.ndarray]) -> None:
    header, offset = {}, 0
    for name, array in tensors.items():
        header[name] = {"dtype": "BF16", "shape": list(array.shape), "data_offsets": [offset, offset + array.nbytes]}
        offset += array.nbytes
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with path.open("wb") as handle:
        handle.write(len(text).to_bytes(8, "little") + text)
        for array in tensors.values():
            handle.write(array.tobytes())


def make_models(folder: Path, gigabytes: float) -> tuple[Path, Path, Path]:
    """A reference, its byte copy and a noisy derivative, each about `gigabytes` GB of bf16."""
    rng = np.random.default_rng(0)
    count = max(1, round(gigabytes * 1e9 / (SIDE * SIDE * 2)))
    base = rng.standard_normal(SIDE * SIDE, dtype=np.float32)
    noise = rng.standard_normal(SIDE * SIDE, dtype=np.float32)
    reference, derived = {}, {}
    for index in range(count):
        values = np.roll(base, index * 7919) * np.float32(0.02 * (1 + index / count))
        name = f"model.layers.{index // 4}.mlp.{('up_proj', 'gate_proj', 'down_proj', 'o_proj')[index % 4]}.weight"
        reference[name] = _bf16(values).reshape(SIDE, SIDE)
        derived[name] = _bf16(values + np.float32(0.004) * np.roll(noise, index * 104729)).reshape(SIDE, SIDE)
    paths = folder / "reference.safetensors", folder / "copy.safetensors", folder / "derived.safetensors"
    _write(paths[0], reference)
    shutil.copyfile(paths[0], paths[1])
    _write(paths[2], derived)
    return paths


def ceiling(a: Path, b: Path, threads: int) -> float:
    """Seconds to read both files once with numpy (a sum over every 8 bytes), memory-mapped."""
    arrays = [np.memmap(p, np.uint64, "r", 0, (p.stat().st_size // 8,)) for p in (a, b)]
    step = 1 << 20
    tasks = [(x, i) for x in arrays for i in range(0, x.size, step)]

    def read(task: tuple[np.ndarray, int]) -> int:
        return int(task[0][task[1]:task[1] + step].sum(dtype=np.uint64) & np.uint64(1))

    start = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        sum(pool.map(read, tasks))
    return time.perf_counter() - start


def timed(candidate: Path, reference: Path, tier: str, threads: int | None = None) -> float:
    """Seconds for one end-to-end run of a tier, optionally with another number of threads."""
    default = numeric.THREADS
    numeric.THREADS = threads or default
    try:
        start = time.perf_counter()
        examine(str(candidate), [("ref", str(reference))], tiers=[tier])
        return time.perf_counter() - start
    finally:
        numeric.THREADS = default


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gb", type=float, default=1.0, help="size of each model in GB (default 1.0)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement, the best is kept")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="dokpamo-bench-"))
    try:
        reference, copy, derived = make_models(folder, args.gb)
        size = copy.stat().st_size
        rows = []
        threads = min(2, os.cpu_count() or 1)
        for label, run in ((f"ceiling (numpy sum, both files, {threads} threads)",
                            lambda: ceiling(copy, reference, threads)),
                           ("exact tier (byte copy, every entry)", lambda: timed(copy, reference, "exact")),
                           ("pearson tier (derived, every entry)", lambda: timed(derived, reference, "pearson")),
                           ("pearson tier with one thread (no floor)",
                            lambda: timed(derived, reference, "pearson", 1))):
            run()  # warm the page cache and the code
            best = min(run() for _ in range(args.repeat))
            rows.append((label, size / best / 1e9))
        top = rows[0][1]
        print(f"candidate: {size / 1e9:.2f} GB bf16, reference the same; {os.cpu_count()} cores")
        print(f"{'measurement':40s} {'GB/s':>6s} {'of ceiling':>10s} {'floor':>6s}")
        failed = False
        for label, rate in rows:
            verdict = "" if label.startswith("ceiling") or "no floor" in label else ("ok" if rate >= FLOOR else "BELOW")
            failed |= verdict == "BELOW"
            print(f"{label:40s} {rate:6.2f} {rate / top:10.0%} {verdict:>6s}")
        return 1 if failed else 0
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
