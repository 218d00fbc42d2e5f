"""Safetensors checkpoints read memory-mapped: one file, or a folder of shards with its index.

The header is parsed here (8-byte length, JSON table, data offsets) so that every tensor is a numpy
view into the mapped file, bf16 included, which the `safetensors` numpy loader cannot give. Nothing
is read until a view is touched, so a model of any size costs address space, not memory.
"""

from __future__ import annotations

import json
import math
import mmap
from pathlib import Path
from typing import Any

import attrs
import numpy as np

from policy.evidence.errors import fail

MAX_HEADER = 100 * 1024 * 1024
"""The `safetensors` library refuses larger headers too."""

FLOAT_DTYPES = {"F32": np.dtype("<f4"), "F16": np.dtype("<f2"), "BF16": np.dtype("<u2"), "F64": np.dtype("<f8")}
"""Dtypes compared, with the numpy type of their raw view (bf16 is read as its bit pattern)."""

BUFFER_DTYPES = {"BOOL": 1, "U8": 1, "I8": 1, "I16": 2, "U16": 2, "I32": 4, "U32": 4, "I64": 8, "U64": 8}
"""Integer tensors are buffers (position ids, masks), not weights: listed and skipped."""

UNSUPPORTED_DTYPES = {"F8_E5M2": 1, "F8_E4M3": 1, "F8_E8M0": 1, "F6_E2M3": 1, "F6_E3M2": 1, "F4": 1, "C64": 8}

INDEX_SUFFIX = ".safetensors.index.json"


@attrs.frozen
class TensorInfo:
    """One tensor of a checkpoint: where its bytes lie in which file."""

    name: str
    dtype: str
    shape: tuple[int, ...]
    file: str
    start: int
    """Absolute byte offset in `file`."""
    end: int

    @property
    def numel(self) -> int:
        return math.prod(self.shape)

    @property
    def nbytes(self) -> int:
        return self.end - self.start

    @property
    def is_float(self) -> bool:
        return self.dtype in FLOAT_DTYPES


def read_header(path: Path) -> tuple[dict[str, TensorInfo], dict[str, str]]:
    """Parse and validate a safetensors header: the tensor table and the `__metadata__` strings."""
    shown = str(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(8)
            if len(head) < 8:
                raise fail("evidence.not-safetensors", f"`{shown}` is too short to be a safetensors file",
                           file=shown)
            length = int.from_bytes(head, "little")
            if length < 2 or length > MAX_HEADER or 8 + length > size:
                raise fail("evidence.not-safetensors",
                           f"`{shown}` is not a safetensors file: its header length {length} does not fit",
                           file=shown)
            raw = handle.read(length)
    except OSError as exc:
        raise fail("evidence.read-error", f"cannot read `{shown}`: {exc.strerror or exc}", file=shown) from None
    try:
        table = json.loads(raw.decode("utf-8").rstrip(" "))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise fail("evidence.not-safetensors", f"`{shown}` is not a safetensors file: its header is not JSON",
                   file=shown) from None
    if not isinstance(table, dict):
        raise fail("evidence.not-safetensors", f"`{shown}` is not a safetensors file: its header is not a table",
                   file=shown)
    metadata = table.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise fail("evidence.not-safetensors", f"`{shown}` has a `__metadata__` that is not a map of strings",
                   file=shown)
    data_start = 8 + length
    data_size = size - data_start
    tensors: dict[str, TensorInfo] = {}
    spans: list[tuple[int, int]] = []
    for name, entry in table.items():
        tensors[name] = _entry(shown, name, entry, data_start, data_size)
        spans.append((entry["data_offsets"][0], entry["data_offsets"][1]))
    spans.sort()
    position = 0
    for begin, end in spans:
        if begin != position:
            raise fail("evidence.not-safetensors",
                       f"`{shown}` is not a valid safetensors file: tensor data overlaps or leaves a gap at byte "
                       f"{position}", file=shown)
        position = end
    if position != data_size:
        raise fail("evidence.not-safetensors",
                   f"`{shown}` is not a valid safetensors file: {data_size - position} bytes follow the last tensor",
                   file=shown)
    return tensors, {str(k): str(v) for k, v in metadata.items()}


def _entry(shown: str, name: str, entry: Any, data_start: int, data_size: int) -> TensorInfo:
    def bad(what: str) -> Exception:
        return fail("evidence.not-safetensors", f"`{shown}`: tensor `{name}` has {what}", file=shown)

    if not isinstance(entry, dict):
        raise bad("no entry table")
    dtype, shape, offsets = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
    if not isinstance(dtype, str):
        raise bad("no dtype")
    if not isinstance(shape, list) or not all(isinstance(d, int) and d >= 0 for d in shape):
        raise bad("a malformed shape")
    if (not isinstance(offsets, list) or len(offsets) != 2 or not all(isinstance(o, int) for o in offsets)
            or not 0 <= offsets[0] <= offsets[1] <= data_size):
        raise bad("data offsets outside the file")
    itemsize = FLOAT_DTYPES[dtype].itemsize if dtype in FLOAT_DTYPES else BUFFER_DTYPES.get(dtype)
    if itemsize is None and dtype in UNSUPPORTED_DTYPES:
        raise fail("evidence.unsupported-dtype",
                   f"`{shown}`: tensor `{name}` has dtype `{dtype}`, which evidence cannot compare",
                   file=shown, help="convert the checkpoint to bf16, fp16 or fp32 first")
    if itemsize is None:
        raise fail("evidence.unsupported-dtype", f"`{shown}`: tensor `{name}` has unknown dtype `{dtype}`",
                   file=shown, help="supported dtypes are BF16, F16, F32 and F64")
    if offsets[1] - offsets[0] != math.prod(shape) * itemsize:
        raise bad(f"{offsets[1] - offsets[0]} bytes for shape {shape} of {dtype}")
    return TensorInfo(name, dtype, tuple(shape), shown, data_start + offsets[0], data_start + offsets[1])


def shard_files(path: Path) -> tuple[list[Path], Path | None]:
    """The safetensors files of a model given as a file, an index or a folder, and its folder's index."""
    shown = str(path)
    if not path.exists():
        raise fail("evidence.missing-file", f"`{shown}` does not exist", file=shown)
    if path.is_dir():
        indexes = sorted(path.glob("*" + INDEX_SUFFIX))
        if len(indexes) > 1:
            raise fail("evidence.bad-index", f"`{shown}` holds {len(indexes)} index files", file=shown,
                       help="give the index file itself")
        if indexes:
            return _index_shards(indexes[0]), indexes[0]
        files = sorted(path.glob("*.safetensors"))
        if not files:
            raise fail("evidence.missing-file", f"`{shown}` holds no `.safetensors` file", file=shown)
        if len(files) > 1:
            raise fail("evidence.bad-index", f"`{shown}` holds {len(files)} `.safetensors` files but no index",
                       file=shown, help=f"shards need their `model{INDEX_SUFFIX}`")
        return files, None
    if path.name.endswith(".json"):
        return _index_shards(path), path
    return [path], None


def _index_shards(index: Path) -> list[Path]:
    shown = str(index)
    try:
        data = json.loads(index.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise fail("evidence.bad-index", f"`{shown}` is not a readable JSON index: {exc}", file=shown) from None
    weight_map = data.get("weight_map") if isinstance(data, dict) else None
    if not isinstance(weight_map, dict) or not weight_map or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in weight_map.items()):
        raise fail("evidence.bad-index", f"`{shown}` has no `weight_map` of tensor names to shard files",
                   file=shown)
    files = []
    for shard in sorted(set(weight_map.values())):
        target = index.parent / shard
        if Path(shard).name != shard or not target.is_file():
            raise fail("evidence.bad-index", f"`{shown}` names shard `{shard}`, which is not in its folder",
                       file=shown)
        files.append(target)
    return files


@attrs.define
class Checkpoint:
    """A model's tensors, memory-mapped, with its `config.json` and vocabulary when they lie beside it."""

    path: str
    tensors: dict[str, TensorInfo]
    metadata: dict[str, str]
    config: dict[str, Any]
    vocab: dict[str, int] | None
    skipped: list[str]
    """Integer buffers, not compared."""
    _maps: dict[str, mmap.mmap] = attrs.field(factory=dict, repr=False)

    @classmethod
    def open(cls, path: str) -> Checkpoint:
        """Open a `.safetensors` file, an index, or a folder with one file or with shards and their index."""
        root = Path(path)
        files, index = shard_files(root)
        tensors: dict[str, TensorInfo] = {}
        metadata: dict[str, str] = {}
        for file in files:
            table, meta = read_header(file)
            for name, info in table.items():
                if name in tensors:
                    raise fail("evidence.bad-index", f"tensor `{name}` is in two shards of `{path}`", file=path)
                tensors[name] = info
            metadata = metadata or meta
        if index is not None:
            _check_index(index, tensors)
        folder = root if root.is_dir() else root.parent
        skipped = sorted(n for n, t in tensors.items() if not t.is_float)
        weights = {n: t for n, t in tensors.items() if t.is_float}
        if not weights:
            raise fail("evidence.no-weights", f"`{path}` holds no floating-point tensor", file=path)
        return cls(path, weights, metadata, _read_config(folder), read_vocab(folder), skipped)

    def raw(self, name: str) -> np.ndarray:
        """The tensor as a read-only 1-D view of its raw numpy type (bf16 as `uint16` bit patterns)."""
        info = self.tensors[name]
        mapped = self._maps.get(info.file)
        if mapped is None:
            with open(info.file, "rb") as handle:
                mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
            self._maps[info.file] = mapped
        return np.frombuffer(mapped, FLOAT_DTYPES[info.dtype], info.numel, info.start)

    @property
    def parameters(self) -> int:
        return sum(t.numel for t in self.tensors.values())

    def close(self) -> None:
        """Unmap the files; views taken before must not be used after."""
        for mapped in self._maps.values():
            try:
                mapped.close()
            except BufferError:  # a numpy view still exports it; the map goes with the last view
                pass
        self._maps.clear()


def _check_index(index: Path, tensors: dict[str, TensorInfo]) -> None:
    weight_map = json.loads(index.read_text(encoding="utf-8"))["weight_map"]
    for name, shard in sorted(weight_map.items()):
        info = tensors.get(name)
        if info is None or Path(info.file).name != shard:
            raise fail("evidence.bad-index", f"`{index}` puts tensor `{name}` in `{shard}`, which does not hold it",
                       file=str(index))
    extra = sorted(set(tensors) - set(weight_map))
    if extra:
        raise fail("evidence.bad-index", f"`{index}` does not list tensor `{extra[0]}` of its shards",
                   file=str(index))


def _read_config(folder: Path) -> dict[str, Any]:
    # A missing or broken config only costs the head counts needed for grouped attention; not an error.
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return {}
    return config if isinstance(config, dict) else {}


def read_vocab(folder: Path) -> dict[str, int] | None:
    """Token string to id from `tokenizer.json` (BPE, WordPiece, Unigram) or `vocab.txt`; None if absent."""
    try:
        data = json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))
        vocab = data["model"]["vocab"]
        if isinstance(vocab, dict):
            return {str(k): int(v) for k, v in vocab.items()}
        if isinstance(vocab, list):  # Unigram: [token, score] in id order
            return {str(entry[0]): i for i, entry in enumerate(vocab)}
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError, IndexError):
        pass
    try:
        lines = (folder / "vocab.txt").read_text(encoding="utf-8").split("\n")
    except (OSError, UnicodeDecodeError):
        return None
    if lines and lines[-1] == "":
        lines.pop()
    return {token: i for i, token in reversed(list(enumerate(lines)))}
