"""omearrow.TensorView: the reference's TensorView API over the C++ core."""

from __future__ import annotations

from typing import Any, Callable, Iterator, Sequence

import numpy as np
import pyarrow as pa

from omearrow import _core
from omearrow._inputs import dtype_name, image_from_data, image_from_dict
from omearrow._seed import seed_int
from omearrow._viewargs import (
    ChannelPolicy,
    ChunkPolicy,
    IndexLike,
    Roi,
    Roi3d,
    RoiNd,
    RoiType,
    Tile,
)
from omearrow._exit import track
from omearrow._warn import emit

__all__ = ["TensorView"]

# What a view is made of, for pickling: (data, t, z, c, roi, roi3d, roi_nd, roi_type,
# tile, layout, dtype, chunk_policy, channel_policy).
_ORIGIN_ARGUMENTS = ("t", "z", "c", "roi", "roi3d", "roi_nd", "roi_type", "tile", "layout",
                     "dtype", "chunk_policy", "channel_policy")


def _plain_index(value: Any) -> Any:
    """NumPy (and other ``__index__``) integers and integer arrays as plain ints and
    lists, so ``t=np.int64(2)`` or ``c=np.array([0, 1])`` select like ints and lists;
    everything else unchanged (the core raises the reference's errors for it)."""
    kind = type(value)
    if value is None or kind is int or kind is slice:
        return value
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "iu" and value.ndim <= 1:
            return value.tolist()
        return value
    if isinstance(value, (list, tuple)):
        if any(isinstance(v, np.integer) for v in value):
            return [int(v) if isinstance(v, np.integer) else v for v in value]
        return value
    if hasattr(kind, "__index__") and not isinstance(value, bool):
        try:
            return int(value.__index__())
        except TypeError:
            return value
    return value


def _pickled_data(data: Any) -> Any:
    """A view's data as something that pickles: an ``OmeImage`` (its path, row, column),
    a dict as it is, Arrow records as Arrow IPC bytes of just their rows."""
    if isinstance(data, (pa.Array, pa.ChunkedArray, pa.StructScalar)):
        from omearrow._inputs import _scalar_as_array

        if isinstance(data, pa.StructScalar):
            data = _scalar_as_array(data)
        chunked = isinstance(data, pa.ChunkedArray)
        table = pa.table({"records": data})
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        return _ArrowRecords(sink.getvalue().to_pybytes(), chunked)
    from omearrow._files import OmeImage

    if isinstance(data, (dict, OmeImage)):
        return data  # an OmeImage pickles as its path, row, column and image id
    raise TypeError(
        f"a TensorView over {type(data).__name__} data cannot be pickled (views over files, "
        "Arrow records and dicts can)"
    )


class _ArrowRecords:
    """Arrow IPC bytes of a view's records (pickled views over in-memory data)."""

    __slots__ = ("ipc", "chunked")

    def __init__(self, ipc: bytes, chunked: bool) -> None:
        self.ipc = ipc
        self.chunked = chunked

    def __reduce__(self) -> Any:
        return (_ArrowRecords, (self.ipc, self.chunked))

    def records(self) -> Any:
        column = pa.ipc.open_stream(self.ipc).read_all().column("records")
        if self.chunked:
            return column
        return column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)


def _unpickle_view(data: Any, arguments: tuple[Any, ...]) -> "TensorView":
    if isinstance(data, _ArrowRecords):
        data = data.records()
    import warnings

    with warnings.catch_warnings():  # raised when the view was first made
        warnings.simplefilter("ignore")
        return TensorView(data, **dict(zip(_ORIGIN_ARGUMENTS, arguments)))

def _drain(iterator: _core.ViewIterator, stacklevel: int) -> Iterator[_core.DLPackObject]:
    """Yields the core iterator's items, raising their warnings (`stacklevel` as seen by
    the generator calling this); closing the generator stops and joins the workers."""
    try:
        while True:
            raised: list[tuple[str, str]] = []
            try:
                item = iterator.next(raised)
            finally:
                emit(raised, stacklevel + 1)
            if item is None:
                return
            yield item
    finally:
        iterator.close()


def _view_iterator(
    view: _core.View,
    *,
    kind: str,
    batch_size: int | None,
    tile_size: Sequence[int] | None,
    tiles: Sequence[int] | None,
    shuffle: bool,
    seed: Any,
    prefetch: int,
    device: str,
    contiguous: bool,
    mode: str,
) -> _core.ViewIterator:
    """Builds the core iterator for iter_dlpack / iter_tiles_3d and raises its warnings
    (e.g. the ``tiles=`` deprecation) at the caller's caller, even when building fails."""
    raised: list[tuple[str, str]] = []
    try:
        return _core.view_iterator(
            view,
            kind=kind,
            batch_size=batch_size,
            tile_size=tile_size,
            tiles=tiles,
            shuffle=bool(shuffle),
            seed=seed_int(seed) if shuffle else None,
            prefetch=prefetch,
            device=str(device),
            contiguous=bool(contiguous),
            mode=str(mode),
            warnings=raised,
        )
    finally:
        emit(raised, 3)


def _require_torch() -> Any:
    try:
        import torch
    except ImportError as exc:
        raise RuntimeError("Torch is not installed.") from exc
    return torch


def _export(
    view: _core.View, device: str, contiguous: bool, mode: str, stacklevel: int
) -> _core.DLPackObject:
    raised: list[tuple[str, str]] = []
    try:
        return view.export(str(device), bool(contiguous), str(mode), raised)
    finally:
        emit(raised, stacklevel + 1)


class TensorView:
    """View OME-Arrow pixel data as a tensor-like object.

    A drop-in replacement for ``ome_arrow.tensor.TensorView``: same arguments, defaults,
    layouts, errors and warnings; selection, layout, casting and copies run in C++.

    Args:
        data: OME-Arrow record as dict, ``pa.StructScalar``, 1-row ``pa.StructArray``
            or ``pa.ChunkedArray`` (Arrow inputs are read zero-copy), or an image file
            opened by ``omearrow.open`` (only the pixels the view touches are read).
        plane_loader: Optional callback ``plane_loader(t, z, c)`` returning one YX
            plane; when given, pixels come from it instead of ``data`` (converted as
            ``np.asarray(plane, dtype=self.dtype)``).
        t: Time index selection (int, slice, or sequence). Default: all.
        z: Z index selection (int, slice, or sequence). Default: all.
        c: Channel index selection (int, slice, or sequence). Default: all.
        roi: Spatial crop ``(x, y, w, h)`` in pixels. Default: full frame.
        roi3d: Spatial + depth crop ``(x, y, z, w, h, d)`` (``roi`` plus
            ``z=slice(z, z + d)``).
        roi_nd: General ROI with min/max bounds (max exclusive), read by ``roi_type``:
            ``"2d"`` = ``(ymin, xmin, ymax, xmax)``; ``"2d_timelapse"`` =
            ``(tmin, ymin, xmin, tmax, ymax, xmax)``; ``"3d"`` =
            ``(zmin, ymin, xmin, zmax, ymax, xmax)``; ``"4d"`` =
            ``(tmin, zmin, ymin, xmin, tmax, zmax, ymax, xmax)``. Length 4 implies
            ``"2d"``, 8 implies ``"4d"``, 6 must name its type.
        roi_type: ROI interpretation mode for ``roi_nd``.
        tile: Tile index ``(tile_y, tile_x)`` of the record's ``chunk_grid``.
        layout: Layout string of the letters T, Z, C, Y, X (H/W accepted for Y/X).
            Default: ``"CHW"`` for one t and one z, else ``"TZCHW"``.
        dtype: Output dtype override. Default: ``pixels_meta.type`` (uint16 with a
            RuntimeWarning when unknown).
        chunk_policy: Handling of ``pa.ChunkedArray`` inputs: ``"auto"``,
            ``"combine"`` or ``"keep"``.
        channel_policy: When the layout leaves out C while several channels are
            selected: ``"error"`` (default) raises, ``"first"`` keeps the first.
    """

    __slots__ = ("_view", "_array", "_origin", "__weakref__")

    def __init__(
        self,
        data: dict[str, Any] | pa.StructScalar | pa.StructArray | pa.ChunkedArray,
        *,
        plane_loader: Callable[[int, int, int], np.ndarray] | None = None,
        t: IndexLike = None,
        z: IndexLike = None,
        c: IndexLike = None,
        roi: Roi | None = None,
        roi3d: Roi3d | None = None,
        roi_nd: RoiNd | None = None,
        roi_type: RoiType | None = None,
        tile: Tile | None = None,
        layout: str | None = None,
        dtype: np.dtype | None = None,
        chunk_policy: ChunkPolicy = "auto",
        channel_policy: ChannelPolicy = "error",
    ) -> None:
        if type(data) is dict:
            # Kept as its Arrow record (for pickling), not as the dict of Python lists.
            image, data = image_from_dict(data, str(chunk_policy))
        else:
            image = image_from_data(data, chunk_policy)
        out_dtype = None if dtype is None else dtype_name(dtype)
        if plane_loader is not None:
            image = _core.image_with_plane_loader(image, plane_loader, out_dtype)
        if layout is not None and not isinstance(layout, str):
            raise TypeError(
                f"layout must be a str (e.g. 'CHW') or None, not {type(layout).__name__}"
            )
        t, z, c = _plain_index(t), _plain_index(z), _plain_index(c)
        # Positional: the per-call cost of a small view is dominated by such details.
        view = _core.make_view(
            image, t, z, c, roi, roi3d, roi_nd, roi_type, tile,
            layout if layout else None, out_dtype, str(channel_policy),
        )
        self._view = view
        self._array: np.ndarray | None = None
        self._origin: tuple[Any, tuple[Any, ...]] | None = (
            None if plane_loader is not None else
            (data, (t, z, c, roi, roi3d, roi_nd, roi_type, tile, layout, dtype,
                    chunk_policy, channel_policy))
        )
        track(self)
        raised = view.warnings
        if raised:
            emit(raised, 2)

    @classmethod
    def _wrap(
        cls, view: _core.View, origin: tuple[Any, tuple[Any, ...]] | None = None
    ) -> "TensorView":
        out = cls.__new__(cls)
        out._view = view
        out._array = None
        out._origin = origin
        track(out)
        return out

    def _release_core(self) -> None:
        """Drops the core view (at interpreter exit; see omearrow._exit)."""
        self._view = None
        self._array = None
        self._origin = None

    def __reduce__(self) -> Any:
        """Views pickle as what they were made of: a view over a file as its path, row,
        column and selection; a view over in-memory records as their Arrow IPC bytes and
        the selection (so DataLoader workers started with "spawn" can use them)."""
        if self._origin is None:
            raise TypeError(
                "this TensorView cannot be pickled: it reads pixels through a "
                "plane_loader or was not made by TensorView(...)"
            )
        data, arguments = self._origin
        return (_unpickle_view, (_pickled_data(data), arguments))

    def __repr__(self) -> str:
        try:
            shape: Any = self.shape
        except ValueError as exc:
            shape = f"<{exc}>"
        return (
            f"omearrow.TensorView(shape={shape}, dtype={self._view.dtype}, "
            f"layout={self.layout!r})"
        )

    @property
    def ndim(self) -> int:
        """Return the number of dimensions (``len(self.shape)``)."""
        return len(self._view.shape)

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        """``np.asarray(view)``: the view's pixels (``to_numpy()``, in the layout).

        ``dtype`` casts; ``copy=True`` always returns a new array, ``copy=False``
        raises ValueError when a cast would need a copy (NumPy 2 semantics)."""
        arr = self.to_numpy()
        if dtype is not None and np.dtype(dtype) != arr.dtype:
            if copy is False:
                raise ValueError(
                    f"cannot convert the view's {arr.dtype} pixels to {np.dtype(dtype)} "
                    "without a copy (copy=False)"
                )
            return arr.astype(dtype)
        return arr.copy() if copy else arr

    def __dlpack__(
        self,
        stream: Any = None,
        *,
        max_version: tuple[int, int] | None = None,
        dl_device: tuple[int, int] | None = None,
        copy: bool | None = None,
    ) -> Any:
        """DLPack export of the view's pixels in its layout (``mode="numpy"``), so
        ``np.from_dlpack(view)`` and ``torch.from_dlpack(view)`` work directly. Each call
        exports afresh (unlike the single-use objects of ``to_dlpack``)."""
        exported = self._view.export("cpu", False, "numpy", [])
        return exported.__dlpack__(
            stream, max_version=max_version, dl_device=dl_device, copy=copy
        )

    def __dlpack_device__(self) -> tuple[int, int]:
        """``(1, 0)``: views are on the CPU."""
        return (1, 0)

    @property
    def dtype(self) -> np.dtype:
        """Return the tensor dtype."""
        return np.dtype(self._view.dtype)

    @property
    def device(self) -> str:
        """Return the storage device for the view (currently always "cpu")."""
        return self._view.device

    @property
    def layout(self) -> str:
        """Return the effective layout for this view (H/W letters, e.g. ``"CHW"``)."""
        return self._view.layout

    @property
    def shape(self) -> tuple[int, ...]:
        """Return the tensor shape for the current layout (no pixels are read)."""
        return self._view.shape

    @property
    def strides(self) -> tuple[int, ...]:
        """Return the tensor strides in bytes for the current layout: those of
        ``to_numpy()`` (C-contiguous T, Z, C, Y, X, then permuted)."""
        return self._view.strides

    def with_layout(self, layout: str) -> "TensorView":
        """Return a new TensorView with a layout override.

        Args:
            layout: Layout string using ``TZCYX`` letters (``TZCHW`` aliases accepted).

        Returns:
            TensorView: New view with the requested layout.
        """
        if layout is not None and not isinstance(layout, str):
            raise TypeError(
                f"layout must be a str (e.g. 'CHW') or None, not {type(layout).__name__}"
            )
        origin = None
        if self._origin is not None:
            data, arguments = self._origin
            arguments = arguments[:8] + (layout if layout else None,) + arguments[9:]
            origin = (data, arguments)
        return TensorView._wrap(self._view.with_layout(layout if layout else ""), origin)

    def to_numpy(self, *, contiguous: bool = False) -> np.ndarray:
        """Materialize the view as a NumPy array.

        The array is cached per view. Without ``contiguous`` it has the strides of
        ``self.strides`` (a permuted view when the layout reorders axes), as in the
        reference.

        Args:
            contiguous: When True, return a C-contiguous array (a copy if needed).

        Returns:
            np.ndarray: Array in the requested layout.
        """
        arr = self._array
        if arr is None and contiguous and not self._view.canonical_is_contiguous:
            # One pass straight into the layout's C order: the canonical array would only
            # be copied again (the reference caches it; nothing observable depends on it).
            return self._view.to_array(True)
        if arr is None:
            arr = self._array = self._view.to_array(False)
        if contiguous and not arr.flags.c_contiguous:
            return self._view.to_array(True)
        return arr

    def to_dlpack(
        self,
        *,
        device: str = "cpu",
        contiguous: bool = True,
        mode: str = "arrow",
    ) -> _core.DLPackObject:
        """Export the view as a single-use DLPack object.

        Args:
            device: Target device. ``"cuda"``: materialized into pooled pinned host
                memory and copied asynchronously to new memory on the current CUDA device
                (no PyTorch needed); the consumer's stream waits for the copy
                (``__dlpack__(stream=...)``). Without a CUDA runtime or device it raises
                RuntimeError ("CUDA was requested but no CUDA runtime or device is
                available (reason)"); with ``mode="arrow"`` ValueError
                ("mode='arrow' does not support device='cuda'.").
            contiguous: With ``mode="numpy"``, materialize C-contiguous in the layout
                (else in the reference's to_numpy() strides).
            mode: ``"arrow"``: a zero-copy, read-only 1-D view of the one stored plane
                or chunk the selection names (full-frame plane, or ROI equal to a
                chunk). ``"numpy"``: the selection materialized in the layout.

        Returns:
            An object with ``__dlpack__`` / ``__dlpack_device__`` for
            ``np.from_dlpack``, ``torch.from_dlpack`` or ``jax.numpy.from_dlpack``.
            It can be consumed once; reuse raises RuntimeError.
        """
        return _export(self._view, device, contiguous, mode, 2)

    def to_torch(
        self,
        *,
        device: str = "cpu",
        contiguous: bool = True,
        mode: str = "arrow",
    ) -> Any:
        """Convert the view into a ``torch.Tensor`` through DLPack (see to_dlpack).

        Raises:
            RuntimeError: ``"Torch is not installed."`` without torch.
        """
        torch = _require_torch()
        return torch.utils.dlpack.from_dlpack(
            _export(self._view, device, contiguous, mode, 2)
        )

    def to_jax(
        self,
        *,
        device: str = "cpu",
        contiguous: bool = True,
        mode: str = "arrow",
    ) -> Any:
        """Convert the view into a JAX array through DLPack (see to_dlpack).

        Raises:
            RuntimeError: ``"JAX is not installed."`` without JAX.
        """
        try:
            import jax.numpy as jnp
        except ImportError as exc:
            raise RuntimeError("JAX is not installed.") from exc
        return jnp.from_dlpack(_export(self._view, device, contiguous, mode, 2))

    def iter_dlpack(
        self,
        *,
        batch_size: int | None = None,
        tile_size: tuple[int, int] | None = None,
        tiles: tuple[int, int] | None = None,
        shuffle: bool = False,
        seed: int | None = None,
        prefetch: int = 0,
        device: str = "cpu",
        contiguous: bool = True,
        mode: str = "arrow",
    ) -> Iterator[_core.DLPackObject]:
        """Iterate over DLPack objects in batches over T or in 2-D tiles.

        A generator, as in the reference: arguments are checked on the first ``next()``.

        Args:
            batch_size: Number of T indices per batch. Defaults to all of them.
            tile_size: Tile size ``(tile_h, tile_w)`` in pixels: tiles of the ROI,
                row by row, edge tiles clipped.
            tiles: Deprecated alias for ``tile_size`` (DeprecationWarning).
            shuffle: Whether to shuffle the order: the order
                ``random.Random(seed).shuffle`` gives (computed in C++), the
                reference's order for the same seed.
            seed: Seed for deterministic shuffling (None: a new order each time).
            prefetch: Items materialized ahead on worker threads while the caller
                works (at most this many; 0 = synchronous). Items come in the same
                order with the same values; an error in a worker is raised at the
                ``next()`` that reaches its item. Closing the generator (or leaving
                the loop and dropping it) stops and joins the workers.
            device: Target device, as in to_dlpack: ``"cuda"`` items are in device
                memory; with prefetch, materialization, the host-to-device copy and the
                caller's work overlap (at most ``prefetch`` items held ahead).
            contiguous: As in to_dlpack.
            mode: Export mode, as in to_dlpack.

        Yields:
            A single-use DLPack object per batch or tile.
        """
        iterator = _view_iterator(
            self._view,
            kind="dlpack",
            batch_size=batch_size,
            tile_size=tile_size,
            tiles=tiles,
            shuffle=shuffle,
            seed=seed,
            prefetch=prefetch,
            device=device,
            contiguous=contiguous,
            mode=mode,
        )
        yield from _drain(iterator, 2)

    def iter_tiles_3d(
        self,
        *,
        tile_size: tuple[int, int, int],
        shuffle: bool = False,
        seed: int | None = None,
        prefetch: int = 0,
        device: str = "cpu",
        contiguous: bool = True,
        mode: str = "numpy",
    ) -> Iterator[_core.DLPackObject]:
        """Iterate over 3-D tiles (z, y, x) as DLPack objects.

        Order: for each selected t, each block of ``tile_z`` selected z indices, then
        tiles row by row (edge tiles clipped). A generator, as in the reference.

        Args:
            tile_size: Tile size ``(tile_z, tile_h, tile_w)``.
            shuffle: Whether to shuffle the tile order (as the reference).
            seed: Seed for deterministic shuffling (None: a new order each time).
            prefetch: Tiles materialized ahead on worker threads (see iter_dlpack).
            device: Target device (``"cpu"`` or ``"cuda"``, see iter_dlpack).
            contiguous: As in to_dlpack.
            mode: Must be ``"numpy"``.

        Yields:
            A single-use DLPack object per 3-D tile.
        """
        iterator = _view_iterator(
            self._view,
            kind="tiles_3d",
            batch_size=None,
            tile_size=tile_size,
            tiles=None,
            shuffle=shuffle,
            seed=seed,
            prefetch=prefetch,
            device=device,
            contiguous=contiguous,
            mode=mode,
        )
        yield from _drain(iterator, 2)
