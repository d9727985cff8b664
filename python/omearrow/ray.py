"""omearrow.ray: OME-Arrow collections as Ray Data datasets (needs ``omearrow[ray]``).

``read_ome_arrow(source_or_collection, ...)`` builds a ``ray.data.Dataset`` on
``OmeArrowDatasource``: one read task per group of consecutive images (so a file's row
groups stay in one task), as many groups as the requested parallelism allows. A task
carries its images' sources (path or URI, column, row), their plans and metadata rows,
never pixels; it opens each image through omearrow (once per worker process) and reads
only the selected chunks. ``import omearrow`` does not import this module or ray.
"""

from __future__ import annotations

import functools
import math
from typing import Any, Iterator

import numpy as np
import pyarrow as pa

from omearrow._collection import Collection, open_collection
from omearrow._plan import (
    Plan,
    Source,
    check_selection,
    plan_for,
    plan_from_shape,
    read_source,
)

from ray.data import Dataset, read_datasource
from ray.data.block import BlockMetadata
from ray.data.datasource import Datasource, ReadTask
from ray.data.extensions import ArrowTensorArray, ArrowVariableShapedTensorArray

__all__ = ["OmeArrowDatasource", "read_ome_arrow"]

_SIZE_COLUMNS = ("size_t", "size_c", "size_z", "size_y", "size_x")
_TILE_COLUMNS = ("tile_t", "tile_z", "tile_y", "tile_x")


def _tile_layout(layout: str | None) -> str:
    """The tile layout: letters of C, Y/H, X/W (default ``"CHW"``)."""
    layout = "CHW" if layout is None else str(layout).upper()
    axes = layout.replace("H", "Y").replace("W", "X")
    if sorted(axes) not in (sorted("CYX"), sorted("YX")):
        raise ValueError(
            f"with tile_size, layout must order C, H and W (or H and W alone), not {layout!r}"
        )
    return axes


def _tensor_column(arrays: list[np.ndarray]) -> pa.ExtensionArray:
    """Ray's tensor column of `arrays`: fixed-shape when all shapes agree, else
    variable-shaped (edge tiles, images of different sizes)."""
    if all(a.shape == arrays[0].shape for a in arrays):
        return ArrowTensorArray.from_numpy(np.stack(arrays))
    column = np.empty(len(arrays), dtype=object)
    for i, a in enumerate(arrays):
        column[i] = a
    return ArrowVariableShapedTensorArray.from_numpy(column)


def _block(metadata: pa.Table, take: Any, extra: dict[str, Any],
           tensor: pa.ExtensionArray) -> pa.Table:
    """The rows `take` of `metadata` (None: all) with `extra` columns and ``tensor``
    (also when no metadata column is kept)."""
    columns = {}
    for name in metadata.column_names:
        column = metadata.column(name)
        columns[name] = column if take is None else column.take(take)
    columns.update(extra)
    columns["tensor"] = tensor
    return pa.table(columns)


def _tiles_of(plan: Plan, tile: tuple[int, int]) -> int:
    th, tw = tile
    rows = math.ceil((plan.y[1] - plan.y[0]) / th)
    cols = math.ceil((plan.x[1] - plan.x[0]) / tw)
    return len(plan.t) * len(plan.z) * rows * cols


def _read_whole(sources: list[Source], plans: list[Plan],
                metadata: pa.Table) -> Iterator[pa.Table]:
    # One block per image: the tensor column wraps the decoded array (no stacking copy).
    for i, (source, plan) in enumerate(zip(sources, plans)):
        pixels = np.ascontiguousarray(read_source(source, plan))
        yield _block(metadata, pa.array([i], pa.int64()), {},
                     ArrowTensorArray.from_numpy(pixels[np.newaxis]))


def _read_tiles(sources: list[Source], plans: list[Plan], metadata: pa.Table,
                tile: tuple[int, int], axes: str) -> Iterator[pa.Table]:
    th, tw = tile
    order = ["CYX".index(a) for a in axes] if len(axes) == 3 else None
    for i, (source, plan) in enumerate(zip(sources, plans)):
        tiles, origins = [], []
        y0, y1 = plan.y
        x0, x1 = plan.x
        for t in plan.t:
            for z in plan.z:
                plane = read_source(source, plan, t=[t], z=[z], layout="CYX")
                if order is None:
                    if plan.channel_policy == "first":
                        plane = plane[:1]
                    if plane.shape[0] != 1:
                        raise ValueError(
                            f"{source.path} (row {source.row}): a tile layout without C "
                            f"needs one channel, {plane.shape[0]} are selected (c=)"
                        )
                for y in range(y0, y1, th):
                    for x in range(x0, x1, tw):
                        part = plane[:, y - y0:min(y1, y + th) - y0,
                                     x - x0:min(x1, x + tw) - x0]
                        part = part[0] if order is None else part.transpose(order)
                        tiles.append(np.ascontiguousarray(part))
                        origins.append((t, z, y, x))
        if not tiles:
            continue
        take = pa.array(np.full(len(tiles), i, dtype=np.int64))
        extra = {name: pa.array(values, pa.int64())
                 for name, values in zip(_TILE_COLUMNS, zip(*origins))}
        yield _block(metadata, take, extra, _tensor_column(tiles))


class OmeArrowDatasource(Datasource):
    """A ``ray.data.Datasource`` over the images of an ``omearrow.Collection``.

    Rows: the image's metadata row (``collection.metadata``: ``path``, ``row``, ...,
    ``Metadata_*``) and ``tensor`` (the selection in ``layout``), or, with
    ``tile_size``, one row per tile with ``tile_t``, ``tile_z``, ``tile_y``,
    ``tile_x`` (the tile's plane and pixel origin) and the tile in ``tensor``.
    """

    def __init__(self, collection: Collection, *, tile_size: Any = None,
                 layout: str | None = None, dtype: Any = None,
                 columns: list[str] | None = None,
                 selection: dict[str, Any] | None = None) -> None:
        selection = dict(selection or {})
        check_selection(selection, "read_ome_arrow")
        n = len(collection)
        metadata = collection.metadata
        self._metadata = metadata
        if columns is not None:
            if isinstance(columns, str):
                raise TypeError("columns must be a list of column names, not a str")
            missing = [c for c in columns if c not in metadata.column_names]
            if missing:
                raise ValueError(
                    f"columns {missing} are not metadata columns of the collection "
                    f"(those are {metadata.column_names})"
                )
        names = metadata.column_names if columns is None else list(columns)
        clash = sorted(set(names) & ({"tensor"} | (set() if tile_size is None
                                                    else set(_TILE_COLUMNS))))
        if clash:
            raise ValueError(f"metadata columns {clash} clash with read_ome_arrow's; "
                             "leave them out with columns=")
        self._columns = names
        self._sources = []
        for i in range(n):
            path, row, column = collection._core.entry(i)
            self._sources.append(Source(path, column or None, int(row), None))
        if tile_size is None:
            self._tile = None
            self._axes = None
            view_layout = layout
        else:
            th, tw = (int(v) for v in tile_size)
            if th < 1 or tw < 1:
                raise ValueError(f"tile_size must be positive, not {tuple(tile_size)}")
            self._tile = (th, tw)
            self._axes = _tile_layout(layout)
            view_layout = "TCZYX"
        self._plans: list[Plan] = []
        if n:
            # Image 0 validates the selection through TensorView and fixes the layout
            # every image is read in (the default depends on how many t and z there are).
            first = plan_for(collection[0], selection, view_layout, dtype, "read_ome_arrow")
            sizes = zip(*(self._metadata.column(c).to_pylist() for c in _SIZE_COLUMNS))
            stored = self._metadata.column("dtype").to_pylist()
            for i, shape in enumerate(sizes):
                try:
                    plan = plan_from_shape(shape, selection, first.layout,
                                           first.dtype if dtype is not None else stored[i])
                except (ValueError, TypeError) as exc:
                    raise type(exc)(f"image {i} ({self._sources[i].path}): {exc}") from None
                self._plans.append(plan)

    def get_name(self) -> str:
        return "OmeArrow"

    def _rows(self, i: int) -> int:
        return 1 if self._tile is None else _tiles_of(self._plans[i], self._tile)

    def estimate_inmemory_data_size(self) -> int:
        """Bytes of all selected pixels (from the metadata sizes; nothing is read)."""
        return int(sum(plan.nbytes for plan in self._plans))

    def get_read_tasks(self, parallelism: int, per_task_row_limit: int | None = None,
                       data_context: Any = None) -> list[ReadTask]:
        n = len(self._plans)
        if n == 0:
            return []
        groups = max(1, min(int(parallelism), n))
        bounds = [round(k * n / groups) for k in range(groups + 1)]
        tasks = []
        for lo, hi in zip(bounds, bounds[1:]):
            if lo == hi:
                continue
            sources = self._sources[lo:hi]
            plans = self._plans[lo:hi]
            metadata = self._metadata.select(self._columns).slice(lo, hi - lo)
            if self._tile is None:
                read = functools.partial(_read_whole, sources, plans, metadata)
            else:
                read = functools.partial(_read_tiles, sources, plans, metadata,
                                         self._tile, self._axes)
            block = BlockMetadata(
                num_rows=sum(self._rows(i) for i in range(lo, hi)),
                size_bytes=int(sum(p.nbytes for p in plans)),
                input_files=tuple(dict.fromkeys(s.path for s in sources)),
                exec_stats=None,
            )
            tasks.append(ReadTask(read, block, per_task_row_limit=per_task_row_limit))
        return tasks


def read_ome_arrow(
    source_or_collection: Any,
    *,
    filter: Any = None,  # noqa: A002 (the collections' name for a metadata predicate)
    tile_size: tuple[int, int] | None = None,
    layout: str | None = None,
    dtype: Any = None,
    columns: list[str] | None = None,
    parallelism: int | None = None,
    concurrency: int | None = None,
    **selection: Any,
) -> Dataset:
    """A ``ray.data.Dataset`` of OME-Arrow images (``ds.iter_torch_batches()`` works).

    Args:
        source_or_collection: An ``omearrow.Collection``, or what
            ``omearrow.open_collection`` takes (directory, glob, file, ``s3://`` URI,
            list of these).
        filter: A metadata predicate as ``Collection.filter`` takes (a
            ``pyarrow.compute.Expression`` over the metadata columns, or a boolean
            mask), applied on the driver before any read task runs.
        tile_size: ``(tile_h, tile_w)``: one row per tile (row by row, edge tiles
            clipped) of each selected (t, z), with ``tile_t``, ``tile_z``,
            ``tile_y``, ``tile_x``; tile layout letters of C, H, W (default
            ``"CHW"``). None: one row per image with the whole selection.
        layout, dtype: As for ``OmeImage.tensor_view`` (without tiles, image 0's
            resolved layout is used for every image).
        columns: The metadata columns each row carries (None: all of
            ``collection.metadata``). ``iter_torch_batches`` converts every column to
            a tensor, so give numeric ones only there (e.g. ``["row"]``; ``[]`` for
            the pixels alone).
        parallelism: Read tasks wanted (None: Ray's choice); each covers a group of
            consecutive images (Ray's ``override_num_blocks``).
        concurrency: Read tasks running at once at most (None: as many as Ray has
            CPUs for).
        **selection: ``t``, ``z``, ``c``, ``roi``, ``channel_policy``.
    """
    if isinstance(source_or_collection, Collection):
        collection = source_or_collection
    else:
        collection = open_collection(source_or_collection)
    if filter is not None:
        collection = collection.filter(filter)
    datasource = OmeArrowDatasource(collection, tile_size=tile_size, layout=layout,
                                    dtype=dtype, columns=columns, selection=selection)
    return read_datasource(datasource, override_num_blocks=parallelism,
                           concurrency=concurrency)
