"""The view arguments: one home for the keyword arguments that TensorView,
LazyTensorView and OmeImage.tensor_view share.

The public signatures stay spelled out (the reference's contract, and what help() and
IDEs show); this module holds their types, their names and the rule for collecting them,
so a new argument is added here once and in each signature.
"""

from __future__ import annotations

from typing import Any, Literal, Mapping, Sequence

__all__ = [
    "IndexLike",
    "Roi",
    "Roi3d",
    "RoiNd",
    "RoiType",
    "Tile",
    "ChunkPolicy",
    "ChannelPolicy",
    "SELECTION_ARGUMENTS",
    "VIEW_ARGUMENTS",
    "UNSET",
    "Unset",
    "view_arguments",
    "given_selection",
]

IndexLike = int | slice | Sequence[int] | None
Roi = tuple[int, int, int, int]
Roi3d = tuple[int, int, int, int, int, int]
RoiNd = tuple[int, ...]
RoiType = Literal["2d", "2d_timelapse", "3d", "4d"]
Tile = tuple[int, int]
ChunkPolicy = Literal["auto", "combine", "keep"]
ChannelPolicy = Literal["error", "first"]

# What a view selects (LazyTensorView.select may change these) ...
SELECTION_ARGUMENTS: tuple[str, ...] = (
    "t", "z", "c", "roi", "roi3d", "roi_nd", "roi_type", "tile",
)
# ... and every keyword argument of TensorView after ``plane_loader``, in its order.
VIEW_ARGUMENTS: tuple[str, ...] = SELECTION_ARGUMENTS + (
    "layout", "dtype", "chunk_policy", "channel_policy",
)


class Unset:
    """Typed sentinel for arguments that were not given (``select``)."""

    def __repr__(self) -> str:
        return "<unset>"


UNSET: Any = Unset()


def view_arguments(values: Mapping[str, Any]) -> dict[str, Any]:
    """The view arguments out of `values` (a caller's ``locals()``), in TensorView's
    order: what a deferred plan stores and later passes to ``TensorView(data, **...)``."""
    return {name: values[name] for name in VIEW_ARGUMENTS}


def given_selection(values: Mapping[str, Any]) -> dict[str, Any]:
    """The selection arguments in `values` that were given (not ``UNSET``): an explicit
    ``None`` is kept, so it resets that selection."""
    return {
        name: values[name] for name in SELECTION_ARGUMENTS if values[name] is not UNSET
    }
