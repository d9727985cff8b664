"""omearrow.data: PyTorch datasets over OME-Arrow images: 2-D training tiles
(``TileDataset``) and single-cell crops around a table of centers (``CropDataset``).

For tiles, the task list, the per-epoch shuffle, the sharding and the prefetching run in
C++ (``omearrow::TileStream``); crops are cut by ``omearrow.crops`` (C++, many per call).
This module turns sources into views and DataLoader/distributed context into a shard.
"""

from __future__ import annotations

import os
from typing import Any, Iterator, Sequence

import torch
from torch.utils.data import IterableDataset, get_worker_info

import numpy as np

from omearrow import _core
from omearrow._crops import crop_centers, crop_image, crop_size, crops
from omearrow._lazy import LazyTensorView
from omearrow._tensor import TensorView

__all__ = ["CropDataset", "TileDataset"]

_U64 = (1 << 64) - 1


def _open_path(path: str | os.PathLike[str], column: str | None = None) -> list[Any]:
    """Every image of a file (each row of the record column ``omearrow.open`` picks, or
    of `column`; each dataset image; each TIFF image), opened lazily."""
    from omearrow._files import file_images

    # Warnings (column auto-detection) at the caller of TileDataset(...); as seen by
    # file_images: itself, this function, _expand_source, _make_views, __init__, caller.
    return file_images(path, column, 6)


def _torch_or_numpy_dtype(dtype: Any) -> Any:
    """`dtype` as something numpy.dtype() takes: torch dtypes map to their NumPy dtype."""
    if isinstance(dtype, torch.dtype):
        try:
            return torch.empty(0, dtype=dtype).numpy().dtype
        except TypeError:
            raise TypeError(f"dtype {dtype} has no NumPy equivalent") from None
    return dtype


def _single_source(sources: Any) -> bool:
    """True when `sources` is one source rather than a sequence of them."""
    import pyarrow as pa

    from omearrow._files import OmeImage

    return isinstance(
        sources,
        (str, bytes, os.PathLike, pa.Array, pa.ChunkedArray, pa.StructScalar, dict,
         TensorView, LazyTensorView, OmeImage),
    )


def _expand_source(source: Any, column: str | None) -> list[Any]:
    """The images of one source: a path or a multi-row Arrow array stands for all its
    images (rows); everything else for one image."""
    import pyarrow as pa

    if isinstance(source, (str, bytes, os.PathLike)):
        return _open_path(source, column)
    if isinstance(source, (pa.Array, pa.ChunkedArray)) and len(source) > 1:
        return [source.slice(i, 1) for i in range(len(source))]
    return [source]


def _source_view(source: Any, selection: dict[str, Any]) -> TensorView:
    """The TensorView of one source: views are used as they are (their own selection,
    layout and dtype); other objects get the dataset's selection."""
    if isinstance(source, LazyTensorView):
        return source.collect()
    if isinstance(source, TensorView):
        return source
    if hasattr(source, "tensor_view"):
        view = source.tensor_view(**selection)
        return view.collect() if isinstance(view, LazyTensorView) else view
    return TensorView(source, **selection)


def _labeled(exc: BaseException, index: int, row: int | None = None) -> BaseException:
    where = f"TileDataset source {index}" + ("" if row is None else f" (image {row})")
    message = f"{where}: {exc}"
    try:
        return type(exc)(message)
    except Exception:
        return RuntimeError(message)


def _collection_sources(collection: Any) -> list[Any]:
    """Where each image of `collection` lives (path or URI, column, row): what a process
    needs to open it again."""
    from omearrow._plan import Source

    sources = []
    for i in range(len(collection)):
        path, row, column = collection._core.entry(i)
        sources.append(Source(path, column or None, int(row), None))
    return sources


_SIZE_COLUMNS = ("size_t", "size_c", "size_z", "size_y", "size_x")


def _collection_extents(collection: Any, selection: dict[str, Any]
                        ) -> tuple[list[tuple[list[int], list[int], tuple[int, ...]]], list[Any]]:
    """Per image of `collection`, from its metadata table alone: the tile extent (the
    selected t, the selected z, the ROI (x, y, w, h)) and the dtype tiles have."""
    from omearrow._plan import plan_from_shape

    metadata = collection.metadata
    sizes = zip(*(metadata.column(c).to_pylist() for c in _SIZE_COLUMNS))
    stored = metadata.column("dtype").to_pylist()
    chosen = selection.get("dtype")
    picked = {k: selection.get(k) for k in ("t", "z", "c", "roi", "channel_policy")}
    extents, dtypes = [], []
    for i, shape in enumerate(sizes):
        try:
            plan = plan_from_shape(shape, picked, "TCZYX", stored[i])
        except Exception as exc:
            raise _relabeled(exc, f"TileDataset image {i}") from exc
        (y0, y1), (x0, x1) = plan.y, plan.x
        extents.append((list(plan.t), list(plan.z), (x0, y0, x1 - x0, y1 - y0)))
        dtypes.append(stored[i] if chosen is None else chosen)
    return extents, dtypes


def _keep_rank_and_world(dataset: Any, state: dict[str, Any]) -> None:
    """A DataLoader worker started with "spawn"/"forkserver" has no process group: the
    pickled state keeps the rank and world size of the process that pickles it, when
    that process has an initialised torch.distributed group."""
    dist = torch.distributed
    if dist.is_available() and dist.is_initialized():
        state["_rank"], state["_world_size"] = dataset._rank_and_world()


def _distributed() -> tuple[int, int]:
    dist = torch.distributed
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


class TileDataset(IterableDataset):
    """2-D tiles of many images for training, each selected tile once per epoch.

    Every image yields, for each selected (t, z), the tiles of its ROI (row by row) as
    ``torch.Tensor`` in the tile layout (default ``"CHW"``); ``edge`` says what happens
    at the right and bottom edges where the ROI is not a multiple of the tile size. A
    path or a multi-row Arrow array is every image (row) it holds. With
    ``shuffle``, the tiles of all images are shuffled together; the order depends only
    on ``(seed, epoch)`` (``random.Random(seed + (epoch << 64)).shuffle``), so
    ``set_epoch(n)`` reshuffles reproducibly. Work is split across DataLoader workers
    and distributed ranks: worker ``w`` of rank ``r`` takes tiles
    ``w * world_size + r`` modulo ``num_workers * world_size`` of the epoch's order, so
    every tile is produced exactly once per epoch over all of them (and each rank's
    share does not depend on the number of workers).

    Given an ``omearrow.Collection`` (``open_collection``), the dataset opens no image
    when it is made: the tiles are enumerated from the collection's metadata table (its
    sizes), identically on every rank, and each process (rank or DataLoader worker)
    opens, when it iterates, only the images its shard's tiles of that epoch are in
    (once per process; ``opened_images`` lists them). A layout or dtype that does not
    fit an image is then reported when a shard first reads it.

    Args:
        sources: One source or a list of them: records (``pa.StructArray``,
            ``pa.StructScalar``, ``pa.ChunkedArray``, dict; an array of several rows is
            all its rows), ``TensorView`` / ``LazyTensorView`` objects (used with their
            own selection, layout and dtype), objects with a
            ``tensor_view(**selection)`` method (an ``OmeImage``: that one image), or
            paths (str / os.PathLike of Parquet files, dataset directories,
            OME-TIFF/TIFF; every image of the file: each row of its record column,
            opened lazily like ``omearrow.open_images``). Or an ``omearrow.Collection``
            (each of its images, opened only by the shards that read it).
        tile_size: ``(tile_h, tile_w)``.
        edge: Partial tiles at the right and bottom edges: ``"clip"`` (default: yielded
            smaller; fine with ``batch_size=None``, but the DataLoader's default
            collation cannot stack tiles of different sizes), ``"pad"`` (padded to the
            full tile size with ``fill``; ``with_index`` still gives the real w and h)
            or ``"drop"`` (left out). Use ``"pad"`` or ``"drop"`` with ``batch_size``.
        fill: The padding value of ``edge="pad"``.
        column: The Parquet record column of path sources (default: as
            ``omearrow.open``).
        layout: Tile layout (letters C, Y, X / H, W; T and Z are single). Default CHW.
        dtype: Output dtype, a NumPy or torch dtype (``torch.float32``). Default: each
            image's ``pixels_meta.type``.
        t, z, c, roi, channel_policy: Selection applied to each record source, as in
            ``TensorView``.
        shuffle: Shuffle all tiles each epoch.
        seed: Shuffle seed (an int, taken modulo 2**64).
        prefetch: Tiles materialized ahead on C++ worker threads in each DataLoader
            worker (0 = synchronous).
        rank, world_size: Distributed shard; default: ``torch.distributed`` when it is
            initialised, else 0 and 1.
        with_index: Yield ``(tile, (image, t, z, x, y, w, h))`` instead of tiles;
            ``image`` indexes ``images`` (the sources with files and arrays expanded).

    Errors about one source name it: ``"TileDataset source 3: <message>"`` (``"source 3
    (image 2)"`` for the third image of a file or array).
    """

    def __init__(
        self,
        sources: Sequence[Any] | Any,
        *,
        tile_size: tuple[int, int],
        edge: str = "clip",
        fill: float = 0,
        column: str | None = None,
        layout: str | None = None,
        dtype: Any = None,
        t: Any = None,
        z: Any = None,
        c: Any = None,
        roi: tuple[int, int, int, int] | None = None,
        channel_policy: str = "error",
        shuffle: bool = False,
        seed: int = 0,
        prefetch: int = 0,
        rank: int | None = None,
        world_size: int | None = None,
        with_index: bool = False,
    ) -> None:
        super().__init__()
        if edge not in ("clip", "pad", "drop"):
            raise ValueError(f"edge must be 'clip', 'pad' or 'drop', not {edge!r}")
        if isinstance(fill, bool) or not isinstance(fill, (int, float, np.number)):
            raise TypeError(f"fill must be a number, not {type(fill).__name__}")
        from omearrow._collection import Collection

        self._lazy = isinstance(sources, Collection)
        if self._lazy:
            self._sources = _collection_sources(sources)
        else:
            self._sources = [sources] if _single_source(sources) else list(sources)
        self._column = column
        self._edge = edge
        self._fill = fill
        self._selection = dict(
            t=t, z=z, c=c, roi=roi, layout=layout, dtype=_torch_or_numpy_dtype(dtype),
            channel_policy=channel_policy,
        )
        self._tile_size = tuple(tile_size)
        self._shuffle = bool(shuffle)
        self._seed = int(seed) & _U64
        self._prefetch = prefetch
        self._rank = rank
        self._world_size = world_size
        self._with_index = bool(with_index)
        self._epoch = 0
        self._opened: dict[int, TensorView] = {}
        if self._lazy:
            self._views = None
            self._images = [(i, None) for i in range(len(self._sources))]
            self._extents, dtypes = _collection_extents(sources, self._selection)
        else:
            self._views = self._make_views()
            dtypes = [view.dtype for view in self._views]
        if edge == "pad" and not float(fill).is_integer():
            for index, dtype in enumerate(dtypes):
                if np.dtype(dtype).kind in "iu":
                    raise ValueError(
                        f"fill={fill!r} is not an integer but image {index} yields "
                        f"{np.dtype(dtype)} tiles"
                    )
        if self._lazy:
            if int(prefetch) < 0:
                raise ValueError("prefetch must be >= 0")
            self._num_tiles = len(self._tasks(0, 1))  # validates tile_size
        else:
            self._num_tiles = len(self._stream(0, 1))  # validates tile_size, prefetch, layouts

    def _make_views(self) -> list[TensorView]:
        views = []
        self._images: list[tuple[int, int | None]] = []
        for index, source in enumerate(self._sources):
            try:
                images = _expand_source(source, self._column)
            except Exception as exc:
                raise _labeled(exc, index) from exc
            several = len(images) > 1
            for row, image in enumerate(images):
                try:
                    views.append(_source_view(image, self._selection))
                except Exception as exc:
                    raise _labeled(exc, index, row if several else None) from exc
                self._images.append((index, row if several else None))
        return views

    @property
    def images(self) -> list[tuple[int, int | None]]:
        """Per image (the ``image`` of ``with_index``): ``(source index, image of that
        source)``, the latter None for a source that is one image."""
        return list(self._images)

    @property
    def opened_images(self) -> list[int]:
        """The images (``images`` indices) this process's copy of a dataset made from a
        collection has opened, sorted (other datasets open every image when made)."""
        return sorted(self._opened)

    def _view(self, image: int) -> TensorView:
        """The view of image `image` of a collection dataset, opened once per process."""
        view = self._opened.get(image)
        if view is None:
            from omearrow._plan import open_source

            try:
                view = _source_view(open_source(self._sources[image]), self._selection)
            except Exception as exc:
                raise _relabeled(exc, f"TileDataset image {image}") from exc
            self._opened[image] = view
        return view

    def _tasks(self, shard_index: int, shard_count: int) -> list[tuple[int, ...]]:
        """A collection dataset's tasks of one shard for the current epoch (from the
        metadata's sizes; nothing is opened)."""
        return _core.epoch_tile_tasks(
            self._extents, tile_size=self._tile_size, shuffle=self._shuffle,
            seed=self._seed, epoch=self._epoch, shard_index=shard_index,
            shard_count=shard_count, drop_partial=self._edge == "drop",
        )

    def __repr__(self) -> str:
        return (
            f"omearrow.data.TileDataset({len(self._sources)} sources, "
            f"{len(self._images)} images, tile_size={self._tile_size}, edge={self._edge!r}, "
            f"{self._num_tiles} tiles per epoch, shuffle={self._shuffle})"
        )

    def _label(self) -> str:
        # C++ names images by their position; that is the source's when none expanded.
        if self._lazy:
            return "TileDataset image"
        expanded = len(self._images) != len(self._sources)
        return "TileDataset image" if expanded else "TileDataset source"

    def _pad(self, tensor: torch.Tensor, image: int) -> torch.Tensor:
        """`tensor` padded with `fill` to the full tile size (H, W of the view's layout)."""
        layout = (self._view(image) if self._lazy else self._views[image]).layout
        if len(layout) != tensor.dim():
            # No explicit layout: the view's default (e.g. TCZHW for several t or z)
            # is not the tile's, which is CHW.
            layout = "CHW"
        tile_h, tile_w = self._tile_size
        shape = list(tensor.shape)
        where = []
        for axis, letter in enumerate(layout):
            if letter == "H":
                shape[axis] = tile_h
            elif letter == "W":
                shape[axis] = tile_w
            where.append(slice(0, tensor.shape[axis]))
        if list(tensor.shape) == shape:
            return tensor
        out = torch.full(shape, self._fill, dtype=tensor.dtype)
        out[tuple(where)] = tensor
        return out

    def _stream(self, shard_index: int, shard_count: int) -> _core.TileStream:
        if self._lazy:
            tasks = self._tasks(shard_index, shard_count)
            images = sorted({task[0] for task in tasks})
            views = [self._view(i) for i in images]
            return _core.tile_stream_of_tasks(
                [view._view for view in views], images, tasks, prefetch=self._prefetch,
                source_label=self._label(),
            )
        return _core.tile_stream(
            [view._view for view in self._views],
            tile_size=self._tile_size,
            shuffle=self._shuffle,
            seed=self._seed,
            epoch=self._epoch,
            shard_index=shard_index,
            shard_count=shard_count,
            prefetch=self._prefetch,
            source_label=self._label(),
            drop_partial=self._edge == "drop",
        )

    def _rank_and_world(self) -> tuple[int, int]:
        rank, world = _distributed()
        if self._world_size is not None:
            world = int(self._world_size)
        if self._rank is not None:
            rank = int(self._rank)
        if world <= 0 or not 0 <= rank < world:
            raise ValueError(f"rank must be in [0, world_size), got rank={rank}, "
                             f"world_size={world}")
        return rank, world

    @property
    def epoch(self) -> int:
        """The epoch whose order __iter__ yields."""
        return self._epoch

    @property
    def num_tiles(self) -> int:
        """Tiles per epoch over all ranks and workers."""
        return self._num_tiles

    def set_epoch(self, epoch: int) -> None:
        """Selects the epoch (the shuffle order is a function of seed and epoch)."""
        self._epoch = int(epoch) & _U64

    def __len__(self) -> int:
        """Tiles this rank yields per epoch (over all its DataLoader workers)."""
        rank, world = self._rank_and_world()
        return max(0, (self._num_tiles - rank + world - 1) // world)

    def __iter__(self) -> Iterator[Any]:
        rank, world = self._rank_and_world()
        info = get_worker_info()
        worker, workers = (info.id, info.num_workers) if info is not None else (0, 1)
        stream = self._stream(worker * world + rank, workers * world)
        try:
            while True:
                item = stream.next()
                if item is None:
                    return
                tile, task = item
                tensor = torch.from_dlpack(tile)
                if self._edge == "pad":
                    tensor = self._pad(tensor, task[0])
                yield (tensor, task) if self._with_index else tensor
        finally:
            stream.close()

    def __getstate__(self) -> dict[str, Any]:
        # Views hold C++ objects; rebuild them from the sources after unpickling
        # (DataLoader workers started with "spawn"/"forkserver").
        state = dict(self.__dict__)
        state["_views"] = None
        state["_opened"] = {}
        _keep_rank_and_world(self, state)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        import warnings

        self.__dict__.update(state)
        if self._lazy:  # opened when iterated
            return
        with warnings.catch_warnings():  # raised when the dataset was made
            warnings.simplefilter("ignore")
            self._views = self._make_views()


def _relabeled(exc: BaseException, prefix: str) -> BaseException:
    """`exc` with its message prefixed (same type where it takes one message)."""
    try:
        return type(exc)(f"{prefix}: {exc}")
    except Exception:
        return RuntimeError(f"{prefix}: {exc}")


def _shard_and_epoch_order(n: int, shuffle: bool, seed: int, epoch: int, shard: int,
                           shards: int) -> np.ndarray:
    """Positions of shard `shard` of `shards` in the epoch's order of range(n): the
    order ``random.Random(seed + (epoch << 64)).shuffle`` gives (as TileDataset), or
    canonical order, then every `shards`-th item starting at `shard`."""
    if shuffle:
        order = np.asarray(_core.python_shuffle_order(n, seed + (epoch << 64)), dtype=np.int64)
    else:
        order = np.arange(n, dtype=np.int64)
    return order[shard::shards]


def _column(table: Any, name: str) -> np.ndarray:
    """Column `name` of a pandas DataFrame, pyarrow Table/RecordBatch or mapping."""
    try:
        column = table[name]
    except (KeyError, IndexError, TypeError):
        raise KeyError(f"CropDataset: the table has no column {name!r}") from None
    if hasattr(column, "to_numpy"):
        try:
            return np.asarray(column.to_numpy(zero_copy_only=False))
        except TypeError:
            return np.asarray(column.to_numpy())
    return np.asarray(column)


class CropDataset(IterableDataset):
    """Single-cell crops for training: one item per cell, cut around its center.

    Two ways to name the cells:

    * ``CropDataset(source, centers, size=...)``: one image (a path, ``OmeImage`` or a
      record) and an (N, 2) array-like of (y, x) centers;
    * ``CropDataset(table, size=..., y=..., x=..., image=..., images=...)``: a table of
      cells (pandas DataFrame, ``pyarrow.Table`` or a mapping of columns), e.g.
      CellProfiler's ``Nuclei_Location_Center_Y``/``_X``. Column ``image`` says which
      image each cell is in: a path (opened lazily with ``omearrow.open``), or a key of
      ``images`` (a list or dict of sources). Without an ``image`` column and with one
      source in ``images``, every cell is in that image.

    Items are ``torch.Tensor`` crops of shape (C, h, w) — or, with ``batch_size``,
    batches (B, C, h, w) cut in one ``omearrow.crops`` call per image in the batch (the
    last batch may be smaller unless ``drop_last``). Crop windows, ``boundary`` and
    ``fill`` follow ``omearrow.crops``. With ``shuffle`` the order is
    ``random.Random(seed + (epoch << 64)).shuffle`` of the table's rows (``set_epoch``
    reshuffles reproducibly); worker ``w`` of rank ``r`` takes rows
    ``w * world_size + r`` modulo ``num_workers * world_size`` of that order, as
    ``TileDataset``, so each cell is produced once per epoch over all of them.

    Args:
        source_or_table: The image, or the table of cells.
        centers: (N, 2) (y, x) centers when the first argument is an image.
        size: Crop size ``(h, w)`` or one int.
        y, x, image: Column names of the table (defaults ``"y"``, ``"x"``, ``"image"``).
        images: Sources the ``image`` column refers to (list: integer keys; dict: any).
        t, z, c, dtype, boundary, fill: As in ``omearrow.crops``.
        batch_size: Cells per item (None: one cell per item).
        drop_last: Drop a last batch smaller than ``batch_size``.
        shuffle, seed: Per-epoch shuffle of the cells.
        rank, world_size: Distributed shard (default: ``torch.distributed`` when
            initialised, else 0 and 1).
        with_index: Yield ``(crop, row)`` (or ``(batch, rows)``, rows a LongTensor)
            with the cells' row numbers in the table.
    """

    def __init__(
        self,
        source_or_table: Any,
        centers: Any = None,
        *,
        size: int | tuple[int, int],
        y: str = "y",
        x: str = "x",
        image: str = "image",
        images: Sequence[Any] | dict[Any, Any] | None = None,
        t: int = 0,
        z: int = 0,
        c: Any = None,
        dtype: Any = None,
        boundary: str = "pad",
        fill: float = 0,
        batch_size: int | None = None,
        drop_last: bool = False,
        shuffle: bool = False,
        seed: int = 0,
        rank: int | None = None,
        world_size: int | None = None,
        with_index: bool = False,
    ) -> None:
        super().__init__()
        self._size = crop_size(size)
        if centers is not None:
            self._centers = crop_centers(centers)
            self._sources: dict[Any, Any] = {0: source_or_table}
            self._keys = np.zeros(len(self._centers), dtype=np.int64)
            self._key_list: list[Any] = [0]
        else:
            table = source_or_table
            self._centers = crop_centers(np.column_stack([_column(table, y), _column(table, x)]))
            try:
                keys = _column(table, image)
            except KeyError:
                if images is None or len(images) != 1:
                    raise KeyError(
                        f"CropDataset: the table has no column {image!r}; name the image "
                        "column, or pass one source in images="
                    ) from None
                keys = np.zeros(len(self._centers), dtype=np.int64)
                images = list(images.values()) if isinstance(images, dict) else list(images)
            if images is None:
                sources = {key: key for key in dict.fromkeys(keys.tolist())}
                for key in sources:
                    if not isinstance(key, (str, os.PathLike)):
                        raise TypeError(
                            f"CropDataset: image column {image!r} holds {key!r}; without "
                            "images= it must hold paths"
                        )
            else:
                mapping = images if isinstance(images, dict) else dict(enumerate(images))
                sources = {}
                for key in dict.fromkeys(keys.tolist()):
                    if key not in mapping:
                        raise KeyError(f"CropDataset: image {key!r} is not in images=")
                    sources[key] = mapping[key]
            self._sources = sources
            self._key_list = list(sources)
            index = {key: i for i, key in enumerate(self._key_list)}
            self._keys = np.fromiter((index[key] for key in keys.tolist()), dtype=np.int64,
                                     count=len(keys))
        if batch_size is not None and (isinstance(batch_size, bool) or int(batch_size) < 1):
            raise ValueError(f"batch_size must be a positive integer or None, got {batch_size!r}")
        self._options = dict(t=t, z=z, c=c, dtype=dtype, boundary=boundary, fill=fill)
        self._batch_size = None if batch_size is None else int(batch_size)
        self._drop_last = bool(drop_last)
        self._shuffle = bool(shuffle)
        self._seed = int(seed) & _U64
        self._rank = rank
        self._world_size = world_size
        self._with_index = bool(with_index)
        self._epoch = 0
        self._images: dict[int, _core.Image] = {}
        # Check every image and option once, up front (errors name the image).
        for i in range(len(self._key_list)):
            self._crop(i, np.zeros((0, 2)))

    _rank_and_world = TileDataset._rank_and_world
    epoch = TileDataset.epoch
    set_epoch = TileDataset.set_epoch

    @property
    def num_cells(self) -> int:
        """Cells per epoch over all ranks and workers."""
        return len(self._centers)

    def _image(self, i: int) -> _core.Image:
        core = self._images.get(i)
        if core is None:
            key = self._key_list[i]
            try:
                core = crop_image(self._sources[key])
            except Exception as exc:
                raise _relabeled(exc, f"CropDataset image {key!r}") from exc
            self._images[i] = core
        return core

    def _crop(self, i: int, centers: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        try:
            return crops(self._image(i), centers, self._size, out=out, **self._options)
        except (ValueError, TypeError) as exc:
            raise _relabeled(exc, f"CropDataset image {self._key_list[i]!r}") from exc

    def _cells(self, rows: np.ndarray) -> np.ndarray:
        """The crops of table rows `rows`, in that order: one crops() call per image."""
        keys = self._keys[rows]
        first = int(keys[0])
        if (keys == first).all():
            return self._crop(first, self._centers[rows])
        out = None
        for key in np.unique(keys):
            where = np.nonzero(keys == key)[0]
            part = self._crop(int(key), self._centers[rows[where]])
            if out is None:
                out = np.empty((len(rows),) + part.shape[1:], dtype=part.dtype)
            elif part.shape[1:] != out.shape[1:] or part.dtype != out.dtype:
                raise ValueError(
                    "CropDataset: images in one batch give crops of different channels or "
                    f"dtypes ({out.shape[1:]} {out.dtype} and {part.shape[1:]} {part.dtype}); "
                    "select the same channels (c=) and dtype"
                )
            out[where] = part
        return out

    def __len__(self) -> int:
        """Items this rank yields per epoch (cells, or batches with batch_size)."""
        rank, world = self._rank_and_world()
        cells = max(0, (len(self._centers) - rank + world - 1) // world)
        if self._batch_size is None:
            return cells
        if self._drop_last:
            return cells // self._batch_size
        return (cells + self._batch_size - 1) // self._batch_size

    def __iter__(self) -> Iterator[Any]:
        rank, world = self._rank_and_world()
        info = get_worker_info()
        worker, workers = (info.id, info.num_workers) if info is not None else (0, 1)
        rows = _shard_and_epoch_order(len(self._centers), self._shuffle, self._seed,
                                      self._epoch, worker * world + rank, workers * world)
        step = self._batch_size if self._batch_size is not None else 256
        for start in range(0, len(rows), step):
            block = rows[start:start + step]
            if self._batch_size is not None and self._drop_last and len(block) < step:
                return
            batch = torch.from_numpy(self._cells(block))
            if self._batch_size is not None:
                yield (batch, torch.from_numpy(block)) if self._with_index else batch
                continue
            for j in range(len(block)):
                yield (batch[j], int(block[j])) if self._with_index else batch[j]

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_images"] = {}  # reopened in the worker
        _keep_rank_and_world(self, state)
        return state
