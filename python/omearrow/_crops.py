"""omearrow.crops: many single-cell crops around a table of centers in one call."""

from __future__ import annotations

import os
from typing import Any, Sequence

import numpy as np

from omearrow import _core
from omearrow._inputs import dtype_name, image_from_data
from omearrow._warn import emit

__all__ = ["crops", "crop_image", "crop_centers", "crop_size"]

_OUTPUTS = ("numpy", "torch", "dlpack")


def crop_image(source: Any) -> _core.Image:
    """The core image of a crops source: a path (str / os.PathLike, opened lazily with
    ``omearrow.open``), an ``OmeImage``, or a record ``TensorView`` accepts."""
    if isinstance(source, (str, os.PathLike)):
        from omearrow._files import open as open_file

        source = open_file(source)
    return image_from_data(source, "auto")


def crop_centers(centers: Any) -> np.ndarray:
    """`centers` as a C-contiguous float64 (N, 2) array of (y, x); TypeError/ValueError
    naming the argument otherwise (an empty sequence is N = 0)."""
    try:
        array = np.asarray(centers, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"crops: centers must be numbers, an (N, 2) array of (y, x): {exc}") from None
    if array.size == 0 and array.ndim <= 2 and (array.ndim < 2 or array.shape[1] in (0, 2)):
        array = array.reshape(0, 2)
    if array.ndim != 2 or array.shape[1] != 2:
        raise ValueError(
            f"crops: centers must have shape (N, 2) of (y, x), got shape {array.shape}"
        )
    return np.ascontiguousarray(array)


def crop_size(size: Any) -> tuple[int, int]:
    """`size` as (h, w): an int is a square; TypeError unless integers."""
    if isinstance(size, (int, np.integer)) and not isinstance(size, bool):
        return int(size), int(size)
    try:
        h, w = size
    except (TypeError, ValueError):
        raise TypeError(f"crops: size must be an int or (h, w), got {size!r}") from None
    for value in (h, w):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"crops: size must be integers (h, w), got {size!r}")
    return int(h), int(w)


def crops(
    source: Any,
    centers: Any,
    size: int | Sequence[int],
    *,
    t: int = 0,
    z: int = 0,
    c: int | slice | Sequence[int] | None = None,
    dtype: Any = None,
    boundary: str = "pad",
    fill: float = 0,
    output: str = "numpy",
    out: np.ndarray | None = None,
) -> Any:
    """Cut many fixed-size 2-D crops (e.g. one per segmented cell) in one call.

    Crop ``i`` covers rows ``floor(cy) - h // 2`` to ``floor(cy) - h // 2 + h``
    (exclusive) and columns likewise, for ``centers[i] = (cy, cx)`` (CellProfiler's
    ``Location_Center_Y``/``_X``; fractional values allowed). All crops are filled by the
    C++ kernel without the GIL, in parallel over crops, reading each stored plane or
    chunk they touch once (per crop only for records whose chunks may overlap, where
    the later chunk wins as in views).

    Args:
        source: A path (Parquet, dataset directory, OME-TIFF/TIFF; opened lazily with
            ``omearrow.open``), an ``OmeImage``, or a record as ``TensorView`` accepts.
        centers: (N, 2) array-like of (y, x) pixel coordinates; must be finite
            (ValueError naming the first bad row). N = 0 gives an empty result.
        size: ``(h, w)``, or one int for squares.
        t, z: The time point and z slice (int; negative wraps).
        c: Channels as in ``TensorView`` (None = all, int, slice, sequence).
        dtype: Output dtype (default: the image's ``pixels_meta.type``).
        boundary: For crops reaching outside the image: ``"pad"`` fills those pixels
            with ``fill``; ``"shift"`` moves the window (per axis, least distance) to lie
            inside the image (ValueError when ``size`` exceeds the image); ``"error"``
            raises ValueError naming the first such crop.
        fill: Value of padded pixels; must be representable in an integer dtype.
        output: ``"numpy"`` (default), ``"torch"`` (a ``torch.Tensor`` sharing the
            memory) or ``"dlpack"`` (a single-use DLPack object).
        out: A writable C-contiguous NumPy array of shape ``(N, C, h, w)`` and the
            output dtype to fill instead of allocating (reusing one buffer across
            training steps saves faulting in fresh memory on every call); it is
            returned (as a ``torch.Tensor`` sharing it with ``output="torch"``; as
            itself, a DLPack producer, with ``output="dlpack"``).

    Returns:
        A C-contiguous array of shape ``(N, C, h, w)`` (C = selected channels).
    """
    image = crop_image(source)
    h, w = crop_size(size)
    array = crop_centers(centers)
    kind = str(output)
    if kind not in _OUTPUTS:
        raise ValueError(f"crops: output must be one of {_OUTPUTS}, got {output!r}")
    if out is not None:
        if not isinstance(out, np.ndarray):
            raise TypeError(f"crops: out must be a numpy.ndarray, not {type(out).__name__}")
        if not (out.flags.c_contiguous and out.flags.writeable):
            raise ValueError("crops: out must be a writable C-contiguous array")
        if out.dtype.byteorder not in ("=", "|"):
            raise ValueError(f"crops: out must have native byte order, not {out.dtype.str!r}")
    raised: list[tuple[str, str]] = []
    try:
        result = _core.crops(
            image,
            array,
            h,
            w,
            t=t,
            z=z,
            c=c,
            dtype=None if dtype is None else dtype_name(dtype),
            boundary=str(boundary),
            fill=float(fill),
            output="numpy" if kind == "numpy" else "dlpack",
            out=out,
            warnings=raised,
        )
    finally:
        emit(raised, 2)
    if out is not None:
        result = out  # a NumPy array is itself a DLPack producer
    if kind == "torch":
        try:
            import torch
        except ImportError as exc:
            raise RuntimeError("Torch is not installed.") from exc
        return torch.from_dlpack(result)
    return result
