"""omearrow.data: a PyTorch dataset of 2-D training tiles over many OME-Arrow images.

The task list, the per-epoch shuffle, the sharding and the prefetching run in C++
(``omearrow::TileStream``); this module turns sources into views and DataLoader/
distributed context into a shard.
"""

from __future__ import annotations

import os
from typing import Any, Iterator, Sequence

import torch
from torch.utils.data import IterableDataset, get_worker_info

from omearrow import _core
from omearrow._lazy import LazyTensorView
from omearrow._tensor import TensorView

__all__ = ["TileDataset"]

_U64 = (1 << 64) - 1


def _open_path(path: str | os.PathLike[str]) -> Any:
    """Opens an image file through ``omearrow.open`` (the hook for path sources)."""
    import omearrow

    opener = getattr(omearrow, "open", None)
    if opener is None:
        raise TypeError(
            f"cannot open {os.fspath(path)!r}: this omearrow build has no omearrow.open(); "
            "pass records or views"
        )
    return opener(path)


def _source_view(source: Any, selection: dict[str, Any]) -> TensorView:
    """The TensorView of one source: views are used as they are (their own selection,
    layout and dtype); other objects get the dataset's selection."""
    if isinstance(source, (str, os.PathLike)):
        source = _open_path(source)
    if isinstance(source, LazyTensorView):
        return source.collect()
    if isinstance(source, TensorView):
        return source
    if hasattr(source, "tensor_view"):
        view = source.tensor_view(**selection)
        return view.collect() if isinstance(view, LazyTensorView) else view
    return TensorView(source, **selection)


def _labeled(exc: BaseException, index: int) -> BaseException:
    message = f"TileDataset source {index}: {exc}"
    try:
        return type(exc)(message)
    except Exception:
        return RuntimeError(message)


def _distributed() -> tuple[int, int]:
    dist = torch.distributed
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


class TileDataset(IterableDataset):
    """2-D tiles of many images for training, each selected tile once per epoch.

    Every source yields, for each selected (t, z), the tiles of its ROI (row by row, edge
    tiles clipped) as ``torch.Tensor`` in the tile layout (default ``"CHW"``). With
    ``shuffle``, the tiles of all images are shuffled together; the order depends only
    on ``(seed, epoch)`` (``random.Random(seed + (epoch << 64)).shuffle``), so
    ``set_epoch(n)`` reshuffles reproducibly. Work is split across DataLoader workers
    and distributed ranks: worker ``w`` of rank ``r`` takes tiles
    ``w * world_size + r`` modulo ``num_workers * world_size`` of the epoch's order, so
    every tile is produced exactly once per epoch over all of them (and each rank's
    share does not depend on the number of workers).

    Args:
        sources: Images: records (``pa.StructArray``, ``pa.StructScalar``,
            ``pa.ChunkedArray``, dict), ``TensorView`` / ``LazyTensorView`` objects
            (used with their own selection, layout and dtype), objects with a
            ``tensor_view(**selection)`` method, or paths (str / os.PathLike of
            Parquet files, dataset directories, OME-TIFF/TIFF; opened lazily with
            ``omearrow.open``).
        tile_size: ``(tile_h, tile_w)``.
        layout: Tile layout (letters C, Y, X / H, W; T and Z are single). Default CHW.
        dtype: Output dtype. Default: each image's ``pixels_meta.type``.
        t, z, c, roi, channel_policy: Selection applied to each record source, as in
            ``TensorView``.
        shuffle: Shuffle all tiles each epoch.
        seed: Shuffle seed (an int, taken modulo 2**64).
        prefetch: Tiles materialized ahead on C++ worker threads in each DataLoader
            worker (0 = synchronous).
        rank, world_size: Distributed shard; default: ``torch.distributed`` when it is
            initialised, else 0 and 1.
        with_index: Yield ``(tile, (image, t, z, x, y, w, h))`` instead of tiles.

    Errors about one source name it: ``"TileDataset source 3: <message>"``.
    """

    def __init__(
        self,
        sources: Sequence[Any],
        *,
        tile_size: tuple[int, int],
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
        self._sources = list(sources)
        self._selection = dict(
            t=t, z=z, c=c, roi=roi, layout=layout, dtype=dtype, channel_policy=channel_policy
        )
        self._tile_size = tuple(tile_size)
        self._shuffle = bool(shuffle)
        self._seed = int(seed) & _U64
        self._prefetch = prefetch
        self._rank = rank
        self._world_size = world_size
        self._with_index = bool(with_index)
        self._epoch = 0
        self._views = self._make_views()
        self._num_tiles = len(self._stream(0, 1))  # validates tile_size, prefetch, layouts

    def _make_views(self) -> list[TensorView]:
        views = []
        for index, source in enumerate(self._sources):
            try:
                views.append(_source_view(source, self._selection))
            except Exception as exc:
                raise _labeled(exc, index) from exc
        return views

    def _stream(self, shard_index: int, shard_count: int) -> _core.TileStream:
        return _core.tile_stream(
            [view._view for view in self._views],
            tile_size=self._tile_size,
            shuffle=self._shuffle,
            seed=self._seed,
            epoch=self._epoch,
            shard_index=shard_index,
            shard_count=shard_count,
            prefetch=self._prefetch,
            source_label="TileDataset source",
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
                yield (tensor, task) if self._with_index else tensor
        finally:
            stream.close()

    def __getstate__(self) -> dict[str, Any]:
        # Views hold C++ objects; rebuild them from the sources after unpickling
        # (DataLoader workers started with "spawn"/"forkserver").
        state = dict(self.__dict__)
        state["_views"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._views = self._make_views()
