"""Selections resolved against an image's sizes, for the scale-out engines (Dask, Ray).

A ``Plan`` names, per axis, what a view's selection takes: index lists for T, C and Z,
pixel ranges for Y and X, in the view's layout. Engines split a plan into blocks (each
block is itself a selection, read by ``OmeImage.tensor_view``) and estimate sizes from
it without reading pixels. ``Source`` names an image by where it lives, so a block task
carries a few strings and integers, never pixels.
"""

from __future__ import annotations

import atexit
import operator
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

__all__ = ["Plan", "Source", "open_source", "plan_for", "opened_count", "read_source", "source_of"]

_ENGINE_ARGUMENTS = ("t", "z", "c", "roi", "channel_policy")
_AXIS = {"T": "T", "C": "C", "Z": "Z", "Y": "Y", "X": "X", "H": "Y", "W": "X"}


@dataclass(frozen=True)
class Source:
    """Where an image lives: ``omearrow.open(path, column=column, row=row,
    image_id=image_id)`` opens it again in any process."""

    path: str
    column: str | None
    row: int
    image_id: str | None = None


def source_of(image: Any) -> Source:
    """The Source of an ``OmeImage`` opened from a file or URI (TypeError otherwise)."""
    if image.path is None:
        raise TypeError("only images opened from a file or URI can be read by workers")
    return Source(image.path, image.column, int(image._row), image._image_id)


_CACHE_SIZE = 256
_cache: "OrderedDict[Source, Any]" = OrderedDict()
_cache_lock = threading.Lock()
_opens = 0


def open_source(source: Source) -> Any:
    """The ``OmeImage`` of `source`, opened once per process (an LRU of the last 256
    opened images keeps their parsed footers and metadata for later blocks)."""
    global _opens
    with _cache_lock:
        image = _cache.get(source)
        if image is not None:
            _cache.move_to_end(source)
            return image
    from omearrow._files import _reopen

    image = _reopen(source.path, source.column, source.row, source.image_id)
    with _cache_lock:
        _opens += 1
        _cache[source] = image
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return image


@atexit.register
def _clear_cache() -> None:
    """Drops the cached images before the interpreter tears the extension down."""
    with _cache_lock:
        _cache.clear()


def read_source(source: Source, plan: "Plan", **view: Any) -> np.ndarray:
    """The pixels of `plan` (with `view` overriding tensor_view arguments) from the
    image at `source`, opened through ``open_source``; errors name the file."""
    try:
        arguments = plan.arguments()
        arguments.update(view)
        return open_source(source).tensor_view(**arguments).collect().to_numpy()
    except Exception as exc:
        where = f"omearrow: reading {source.path} (row {source.row}"
        where += f", column {source.column!r})" if source.column else ")"
        message = f"{where}: {exc}"
        try:
            error = type(exc)(message)
        except Exception:
            error = RuntimeError(message)
        raise error from None


def opened_count() -> int:
    """How many times this process opened an image for engine blocks (cache misses)."""
    return _opens


def _indices(value: Any, size: int, name: str) -> list[int]:
    """The indices a t/z/c selection takes of an axis of `size` (TensorView's rules:
    int, slice, sequence of ints, None = all; negative indices count from the end)."""
    if value is None:
        return list(range(size))
    if isinstance(value, slice):
        return list(range(*value.indices(size)))
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be an int, slice or sequence of ints, not bool")
    try:
        items = [operator.index(value)]
    except TypeError:
        try:
            items = [operator.index(v) for v in value]
        except TypeError:
            raise TypeError(
                f"{name} must be an int, slice or sequence of ints, not {value!r}"
            ) from None
    out = []
    for i in items:
        j = i + size if i < 0 else i
        if not 0 <= j < size:
            raise ValueError(f"{name} index {i} out of range")
        out.append(j)
    return out


@dataclass(frozen=True)
class Plan:
    """A selection resolved against one image's sizes.

    ``layout`` is the view's resolved layout (letters of T, C, Z, H/Y, W/X); ``axes``
    the same as T/C/Z/Y/X. ``t``, ``c``, ``z`` are the selected indices (for an axis the
    layout leaves out: the one index read); ``y``/``x`` the pixel range ``(start,
    stop)``. ``shape`` is the view's shape, ``dtype`` its dtype."""

    layout: str
    t: tuple[int, ...]
    c: tuple[int, ...]
    z: tuple[int, ...]
    y: tuple[int, int]
    x: tuple[int, int]
    dtype: str
    channel_policy: str

    @property
    def axes(self) -> str:
        return "".join(_AXIS[a] for a in self.layout)

    def extent(self, axis: str) -> int:
        if axis in "TCZ":
            return len(getattr(self, axis.lower()))
        lo, hi = getattr(self, axis.lower())
        return hi - lo

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.extent(a) for a in self.axes)

    @property
    def nbytes(self) -> int:
        n = np.dtype(self.dtype).itemsize
        for a in "TCZYX":
            n *= self.extent(a)
        return n

    def arguments(self) -> dict[str, Any]:
        """``tensor_view`` keyword arguments reading this plan."""
        y0, y1 = self.y
        x0, x1 = self.x
        return dict(
            t=list(self.t), z=list(self.z), c=list(self.c),
            roi=(x0, y0, x1 - x0, y1 - y0), layout=self.layout, dtype=self.dtype,
            channel_policy=self.channel_policy,
        )

    def part(self, pieces: dict[str, Any]) -> "Plan":
        """This plan with some axes narrowed (T/C/Z: index tuples; Y/X: ranges)."""
        fields = {k: getattr(self, k) for k in ("t", "c", "z", "y", "x")}
        fields.update(pieces)
        return Plan(self.layout, dtype=self.dtype, channel_policy=self.channel_policy,
                    **fields)


def check_selection(selection: dict[str, Any], engine: str) -> None:
    unknown = sorted(set(selection) - set(_ENGINE_ARGUMENTS))
    if unknown:
        raise TypeError(
            f"{engine} takes the selection arguments {', '.join(_ENGINE_ARGUMENTS)} "
            f"(and layout, dtype); not {', '.join(unknown)}"
        )


def plan_for(image: Any, selection: dict[str, Any], layout: str | None, dtype: Any,
             engine: str) -> Plan:
    """The plan of `selection` (t, z, c, roi, channel_policy) on `image` (an
    ``OmeImage``), validated by building its TensorView (reads no pixels)."""
    check_selection(selection, engine)
    view = image.tensor_view(layout=layout, dtype=dtype, **selection).collect()
    plan = plan_from_shape(image.shape, selection, view.layout, str(view.dtype))
    if plan.shape != tuple(view.shape):  # a rule here disagrees with TensorView's
        raise RuntimeError(
            f"{engine}: internal error: planned shape {plan.shape} but the view has "
            f"{tuple(view.shape)} (selection {selection}, layout {view.layout})"
        )
    return plan


def plan_from_shape(shape: Sequence[int], selection: dict[str, Any], layout: str,
                    dtype: str) -> Plan:
    """The plan of `selection` on an image of sizes `shape` (T, C, Z, Y, X) read in the
    resolved `layout` (no file access; the caller validated the selection once)."""
    size_t, size_c, size_z, size_y, size_x = (int(s) for s in shape)
    policy = selection.get("channel_policy", "error") or "error"
    t = _indices(selection.get("t"), size_t, "t")
    c = _indices(selection.get("c"), size_c, "c")
    z = _indices(selection.get("z"), size_z, "z")
    roi = selection.get("roi")
    if roi is None:
        x0, y0, w, h = 0, 0, size_x, size_y
    else:
        x0, y0, w, h = (operator.index(v) for v in roi)
        if w <= 0 or h <= 0 or x0 < 0 or y0 < 0 or x0 + w > size_x or y0 + h > size_y:
            raise ValueError(
                f"roi {tuple(roi)} (x, y, w, h) is outside the image's {size_x}x{size_y} "
                "pixels (X x Y)"
            )
    axes = {_AXIS[a] for a in layout}
    if "C" not in axes:
        c = c[:1]
    return Plan(layout, tuple(t), tuple(c), tuple(z), (y0, y0 + h), (x0, x0 + w),
                dtype, policy)


def storage_chunks(image: Any) -> dict[str, int]:
    """The image's storage chunk per axis (T, C, Z, Y, X): its ``chunk_grid``, or whole
    planes when it has none."""
    grid = image.chunk_grid
    size_y, size_x = image.shape[3], image.shape[4]
    if grid is None:
        return {"T": 1, "C": 1, "Z": 1, "Y": size_y, "X": size_x}
    return {a: max(1, int(grid[f"chunk_{a.lower()}"] or 1)) for a in "TCZYX"}


def split_aligned(plan: Plan, axis: str, chunk: int) -> list[Any]:
    """The pieces of `plan` along `axis` whose boundaries are storage chunk boundaries
    (T/C/Z: runs of selected indices in one chunk; Y/X: ranges cut at multiples)."""
    if axis in "TCZ":
        indices = getattr(plan, axis.lower())
        pieces: list[tuple[int, ...]] = []
        for i in indices:
            if pieces and pieces[-1][-1] + 1 == i and pieces[-1][-1] // chunk == i // chunk:
                pieces[-1] = pieces[-1] + (i,)
            else:
                pieces.append((i,))
        return pieces
    lo, hi = getattr(plan, axis.lower())
    out = []
    start = lo
    while start < hi:
        stop = min(hi, (start // chunk + 1) * chunk)
        out.append((start, stop))
        start = stop
    return out


def split_sizes(plan: Plan, axis: str, sizes: Sequence[int]) -> list[Any]:
    """The pieces of `plan` along `axis` of the given consecutive sizes."""
    out = []
    pos = 0
    if axis in "TCZ":
        indices = getattr(plan, axis.lower())
        for n in sizes:
            out.append(tuple(indices[pos:pos + n]))
            pos += n
        return out
    lo, _ = getattr(plan, axis.lower())
    for n in sizes:
        out.append((lo + pos, lo + pos + n))
        pos += n
    return out


def piece_size(axis: str, piece: Any) -> int:
    return len(piece) if axis in "TCZ" else piece[1] - piece[0]
