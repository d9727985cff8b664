"""Dask arrays of OME-Arrow images: ``OmeImage.to_dask`` and ``Collection.to_dask``.

Each block task carries the image's source (path or URI, column, row) and the block's
selection: a few strings and integers, never pixels. A worker opens the image through
omearrow (once per process: ``_plan.open_source`` keeps the parsed metadata) and reads
only the chunks the block touches. Blocks follow the storage chunks by default.
Importing this module imports dask; ``import omearrow`` does not.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from omearrow._plan import (
    Plan,
    Source,
    piece_size,
    plan_for,
    read_source,
    source_of,
    split_aligned,
    split_sizes,
    storage_chunks,
)

__all__ = ["image_to_dask", "collection_to_dask"]


def _dask_array() -> Any:
    try:
        import dask.array as da
    except ImportError as exc:  # pragma: no cover - exercised without the extra
        raise ImportError(
            "to_dask needs dask: pip install 'omearrow[dask]'"
        ) from exc
    return da


def read_block(source: Source, plan: Plan, stacked: bool = False) -> np.ndarray:
    """One block (the task function): the pixels of `plan` from the image at `source`,
    errors naming the file; with `stacked`, with a leading axis of 1."""
    pixels = read_source(source, plan)
    return pixels[np.newaxis] if stacked else pixels


def _pieces(plan: Plan, image: Any, chunks: Any) -> list[list[Any]]:
    """Per output axis of `plan`, the pieces its blocks take."""
    axes = plan.axes
    if isinstance(chunks, str) and chunks == "storage":
        storage = storage_chunks(image)
        return [split_aligned(plan, a, storage[a]) for a in axes]
    from dask.array.core import normalize_chunks

    try:
        sizes = normalize_chunks(chunks, plan.shape, dtype=np.dtype(plan.dtype))
    except (ValueError, TypeError) as exc:
        raise ValueError(
            f"chunks {chunks!r} do not fit the view's shape {plan.shape} "
            f"(layout {plan.layout}): {exc}"
        ) from None
    return [split_sizes(plan, a, s) for a, s in zip(axes, sizes)]


def _blocks(plan: Plan, pieces: list[list[Any]]) -> list[tuple[tuple[int, ...], Plan]]:
    axes = plan.axes
    out = []
    for index in itertools.product(*(range(len(p)) for p in pieces)):
        narrowed = {a.lower(): pieces[k][i] for k, (a, i) in enumerate(zip(axes, index))}
        out.append((index, plan.part(narrowed)))
    return out


def _array(name: str, graph: dict, chunks: tuple, dtype: str) -> Any:
    da = _dask_array()
    from dask.highlevelgraph import HighLevelGraph

    hlg = HighLevelGraph.from_collections(name, graph, dependencies=())
    meta = np.empty((0,) * len(chunks), dtype=dtype)
    return da.Array(hlg, name, chunks, dtype=dtype, meta=meta)


def _chunks_of(plan: Plan, pieces: list[list[Any]]) -> tuple[tuple[int, ...], ...]:
    return tuple(tuple(piece_size(a, p) for p in ps) for a, ps in zip(plan.axes, pieces))


def image_to_dask(image: Any, selection: dict[str, Any], layout: str | None, dtype: Any,
                  chunks: Any) -> Any:
    _dask_array()  # a clear ImportError without the extra
    from dask.base import tokenize

    source = source_of(image)
    plan = plan_for(image, selection, layout, dtype, "to_dask")
    pieces = _pieces(plan, image, chunks)
    name = "omearrow-" + tokenize(source, plan, pieces)
    graph = {(name,) + index: (read_block, source, block)
             for index, block in _blocks(plan, pieces)}
    return _array(name, graph, _chunks_of(plan, pieces), plan.dtype)


_SIZE_COLUMNS = ("size_t", "size_c", "size_z", "size_y", "size_x")


def collection_to_dask(collection: Any, selection: dict[str, Any], layout: str | None,
                       dtype: Any, chunks: Any) -> Any:
    _dask_array()
    from dask.base import tokenize

    n = len(collection)
    if n == 0:
        raise ValueError("to_dask needs at least one image; the collection is empty")
    first = collection[0]
    plan = plan_for(first, selection, layout, dtype, "to_dask")
    pieces = _pieces(plan, first, chunks)
    blocks = _blocks(plan, pieces)
    meta = collection.metadata
    sizes = list(zip(*(meta.column(c).to_pylist() for c in _SIZE_COLUMNS)))
    stored = meta.column("dtype").to_pylist()
    for i in range(1, n):
        if sizes[i] != sizes[0] or (dtype is None and stored[i] != stored[0]):
            path, row, _ = collection._core.entry(i)
            raise ValueError(
                f"to_dask stacks images of one shape and dtype: image {i} ({path}, row "
                f"{row}) has (T, C, Z, Y, X) {tuple(sizes[i])} {stored[i]} but image 0 "
                f"has {tuple(sizes[0])} {stored[0]}; filter the collection first"
            )
    sources = []
    for i in range(n):
        path, row, column = collection._core.entry(i)
        sources.append(Source(path, column or None, int(row), None))
    name = "omearrow-stack-" + tokenize(sources, plan, pieces)
    graph = {}
    for i, source in enumerate(sources):
        for index, block in blocks:
            graph[(name, i) + index] = (read_block, source, block, True)
    chunks_out = ((1,) * n,) + _chunks_of(plan, pieces)
    return _array(name, graph, chunks_out, plan.dtype)
