"""Pictures of images: ``omearrow.preview`` and the notebook representations of
``OmeImage``. Compositing, contrast and PNG encoding run in the C++ core
(``preview.h``); this module only picks the core object and checks argument types.
"""

from __future__ import annotations

import base64
import html
import numbers
from typing import Any, Sequence

import numpy as np

from omearrow import _core

__all__ = ["preview"]

# Array dims assumed when ``dims`` is not given, by number of dimensions.
_DEFAULT_DIMS = {2: "YX", 3: "CYX"}


def _int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    return int(value)


def _options(t: Any, z: Any, c: Any, size: Any, contrast: Any) -> dict[str, Any]:
    """The core's keyword arguments, with Python type errors naming the argument."""
    channels: list[int] | None
    if c is None:
        channels = None
    elif isinstance(c, numbers.Integral) and not isinstance(c, bool):
        channels = [int(c)]
    elif isinstance(c, (str, bytes)) or not isinstance(c, Sequence):
        raise TypeError(f"c must be None, an int or a sequence of ints, not {type(c).__name__}")
    else:
        channels = [_int(item, "c items") for item in c]
    try:
        low, high = contrast
        low, high = float(low), float(high)
    except (TypeError, ValueError):
        raise TypeError(
            "contrast must be two percentiles (low, high), e.g. (0.5, 99.5)"
        ) from None
    return {
        "t": _int(t, "t"),
        "z": None if z is None else _int(z, "z"),
        "c": channels,
        "size": _int(size, "size"),
        "low": low,
        "high": high,
    }


def image_preview(image: _core.Image, **kwargs: Any) -> bytes:
    """PNG bytes of a core image (used by ``OmeImage.preview``)."""
    return _core.preview_png(image, **_options(**kwargs))


def preview(
    data: Any,
    *,
    t: int = 0,
    z: int | None = None,
    c: int | Sequence[int] | None = None,
    size: int = 512,
    contrast: tuple[float, float] = (0.5, 99.5),
    dims: str | None = None,
) -> bytes:
    """A PNG picture of one plane of an image, a view or an array.

    The channels of plane (t, z) are contrast-stretched each between its ``contrast``
    percentiles (NaN ignored), tinted with the channel colors of the metadata
    (``color_rgba``; otherwise one channel is gray and several take red, green, blue,
    white, cyan, magenta, yellow), added, and shrunk to at most ``size`` pixels on the
    long side. Only the shown planes are read.

    Args:
        data: an ``OmeImage``, a ``TensorView``/``LazyTensorView`` (t, z and c then
            count within its selection, and its ROI is shown), a NumPy array (axes
            named by ``dims``), or anything ``TensorView`` accepts (records).
        t: time index. z: z index (None: the middle one). c: a channel index or a list
            of them (None: all). size: most pixels on the long side.
        contrast: (low, high) percentiles per channel.
        dims: axis letters of an array input (T, C, Z, Y, X); default "YX" for 2-D and
            "CYX" for 3-D arrays.

    Returns:
        bytes: an 8-bit RGB PNG file.
    """
    from omearrow._files import OmeImage, _image_from_numpy
    from omearrow._lazy import LazyTensorView
    from omearrow._tensor import TensorView

    options = _options(t, z, c, size, contrast)
    if isinstance(data, OmeImage):
        return _core.preview_png(data._image, **options)
    if isinstance(data, LazyTensorView):
        data = data.collect()
    if isinstance(data, TensorView):
        return _core.preview_view_png(data._view, **options)
    if isinstance(data, np.ndarray) or dims is not None:
        array = np.asarray(data)
        if dims is None:
            if array.ndim not in _DEFAULT_DIMS:
                raise ValueError(
                    f"preview of a {array.ndim}-D array needs dims= naming its axes "
                    "(letters of T, C, Z, Y, X)"
                )
            dims = _DEFAULT_DIMS[array.ndim]
        return _core.preview_png(_image_from_numpy(array, dim_order=dims), **options)
    return _core.preview_view_png(TensorView(data)._view, **options)


# Thumbnails narrower than this are shown enlarged (pixelated), so small crops are visible.
_MIN_DISPLAY_WIDTH = 192


def _thumbnail_html(png: bytes) -> str:
    encoded = base64.b64encode(png).decode("ascii")
    width = int.from_bytes(png[16:20], "big")  # IHDR width
    display = max(width, _MIN_DISPLAY_WIDTH)
    return (
        f'<img src="data:image/png;base64,{encoded}" width="{display}" '
        'style="image-rendering:pixelated"/>'
    )


def _size_text(image: Any) -> str:
    physical = image.physical_size
    parts = []
    for axis in "xyz":
        value = physical[axis]
        if value is not None:
            unit = physical[f"{axis}_unit"] or ""
            parts.append(f"{axis}={value:g}{unit}")
    return ", ".join(parts) or "—"


def image_html(image: Any, size: int = 256) -> str:
    """The notebook HTML of an ``OmeImage``: its preview beside a metadata table.

    A preview that cannot be made (unreadable pixels) shows the error instead, so the
    metadata still displays.
    """
    try:
        picture = _thumbnail_html(image.preview(size=size))
    except Exception as error:  # noqa: BLE001  (shown to the user, not swallowed)
        picture = f"<pre>preview failed: {html.escape(f'{type(error).__name__}: {error}')}</pre>"
    grid = image.chunk_grid
    chunking = "—"
    if grid is not None:
        chunking = "×".join(
            str(grid[key]) for key in ("chunk_z", "chunk_y", "chunk_x") if grid.get(key)
        ) or "—"
    names = [ch.get("name") or ch.get("id") or f"C{i}" for i, ch in enumerate(image.channels)]
    rows = [
        ("shape (T, C, Z, Y, X)", str(image.shape)),
        ("dtype", str(image.dtype)),
        ("encoding", image.encoding),
        ("chunking (Z×Y×X)", chunking),
        ("physical size", _size_text(image)),
        ("channels", ", ".join(names) or "—"),
    ]
    if image.name:
        rows.insert(0, ("name", image.name))
    if image.path:
        rows.insert(0, ("path", image.path))
    table = "".join(
        f"<tr><th style='text-align:left'>{html.escape(key)}</th>"
        f"<td style='text-align:left'>{html.escape(str(value))}</td></tr>"
        for key, value in rows
    )
    return (
        "<div style='display:flex;gap:1em;align-items:flex-start'>"
        f"<div>{picture}</div><table>{table}</table></div>"
    )
