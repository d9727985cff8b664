"""omearrow.LazyTensorView: a deferred TensorView plan with Polars-style collect()."""

from __future__ import annotations

from typing import Any, Callable, Iterator

import numpy as np
import pyarrow as pa

from omearrow import _core
from omearrow._exit import track
from omearrow._tensor import TensorView
from omearrow._viewargs import (
    UNSET,
    ChannelPolicy,
    ChunkPolicy,
    IndexLike,
    Roi,
    Roi3d,
    RoiNd,
    RoiType,
    Tile,
    Unset,
    given_selection,
    view_arguments,
)

__all__ = ["LazyTensorView"]


def _unpickle_lazy(
    loader: Any, resolver: Any, kwargs: dict[str, Any]
) -> "LazyTensorView":
    return LazyTensorView(loader=loader, resolver=resolver, **kwargs)


def _resolve_function(
    loader: Callable[[], Any],
    resolver: Callable[[dict[str, Any]], TensorView] | None,
    kwargs: dict[str, Any],
    resolved: list[TensorView],
) -> Callable[[], _core.View]:
    """What the core plan calls (once) to collect; keeps the TensorView in `resolved`."""

    def resolve() -> _core.View:
        if resolver is not None:
            view = resolver(dict(kwargs))
        else:
            view = TensorView(loader(), **kwargs)
        if not isinstance(view, TensorView):
            raise TypeError(
                f"resolver must return an omearrow.TensorView, not {type(view).__name__}"
            )
        resolved.append(view)
        return view._view

    return resolve


class LazyTensorView:
    """Deferred TensorView plan with Polars-style collect semantics.

    Holds a loader (or resolver) and TensorView arguments; ``collect()`` builds the
    view on first use (thread-safe, memoized). ``device`` and an explicitly requested
    ``layout`` answer without collecting; everything else collects.

    Args:
        loader: Callable returning OME-Arrow data (dict, StructScalar, StructArray,
            ChunkedArray) for ``TensorView(loader(), **kwargs)``.
        resolver: Optional callable receiving the plan's keyword arguments as a dict and
            returning an ``omearrow.TensorView`` (used instead of ``loader``).
        t, z, c, roi, roi3d, roi_nd, roi_type, tile, layout, dtype, chunk_policy,
        channel_policy: As for ``TensorView``.
    """

    def __init__(
        self,
        *,
        loader: Callable[
            [], dict[str, Any] | pa.StructScalar | pa.StructArray | pa.ChunkedArray
        ],
        resolver: Callable[[dict[str, Any]], TensorView] | None = None,
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
        self._loader = loader
        self._resolver = resolver
        self._kwargs: dict[str, Any] = view_arguments(locals())
        self._resolved: list[TensorView] = []
        self._plan = _core.LazyPlan(
            _resolve_function(loader, resolver, self._kwargs, self._resolved)
        )
        track(self)

    def _release_core(self) -> None:
        """Drops the plan and its view (at interpreter exit; see omearrow._exit)."""
        self._plan = None
        self._resolved.clear()
        self._loader = None
        self._resolver = None

    def __reduce__(self) -> Any:
        """Pickles as its loader (or resolver) and arguments; those must pickle (an
        ``OmeImage.tensor_view`` plan pickles as the image's path and selection)."""
        return (_unpickle_lazy, (self._loader, self._resolver, self._kwargs))

    def __repr__(self) -> str:
        given = ", ".join(
            f"{name}={value!r}" for name, value in self._kwargs.items()
            if value is not None and name not in ("chunk_policy", "channel_policy")
        )
        state = "collected" if self._resolved else "not collected"
        return f"omearrow.LazyTensorView({given}{', ' if given else ''}{state})"

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        """``np.asarray(plan)``: collects, then as ``TensorView.__array__``."""
        return self.collect().__array__(dtype=dtype, copy=copy)

    def __dlpack__(self, stream: Any = None, **kwargs: Any) -> Any:
        """Collects, then as ``TensorView.__dlpack__``."""
        return self.collect().__dlpack__(stream, **kwargs)

    def __dlpack_device__(self) -> tuple[int, int]:
        """``(1, 0)``: views are on the CPU."""
        return (1, 0)

    @property
    def ndim(self) -> int:
        """Return the number of dimensions (collects)."""
        return self.collect().ndim

    def _spawn(self, **updates: Any) -> "LazyTensorView":
        kwargs = dict(self._kwargs)
        kwargs.update(updates)
        return LazyTensorView(loader=self._loader, resolver=self._resolver, **kwargs)

    def collect(self) -> TensorView:
        """Materialize this lazy plan into a concrete TensorView (thread-safe; the
        same object on every call once it succeeded)."""
        if not self._resolved:
            self._plan.collect()
        return self._resolved[0]

    def with_layout(self, layout: str) -> "LazyTensorView":
        """Return a new lazy view with an updated layout."""
        return self._spawn(layout=layout)

    def select(
        self,
        *,
        t: IndexLike | Unset = UNSET,
        z: IndexLike | Unset = UNSET,
        c: IndexLike | Unset = UNSET,
        roi: Roi | None | Unset = UNSET,
        roi3d: Roi3d | None | Unset = UNSET,
        roi_nd: RoiNd | None | Unset = UNSET,
        roi_type: RoiType | None | Unset = UNSET,
        tile: Tile | None | Unset = UNSET,
    ) -> "LazyTensorView":
        """Return a new lazy plan with updated index/ROI selections: arguments not
        given keep their value, an explicit ``None`` resets one."""
        return self._spawn(**given_selection(locals()))

    @property
    def dtype(self) -> np.dtype:
        """Return the tensor dtype (collects)."""
        return self.collect().dtype

    @property
    def device(self) -> str:
        """Return the tensor storage device: ``"cpu"`` without collecting."""
        return self._plan.device

    @property
    def layout(self) -> str:
        """Return the layout: the requested one exactly as given, without collecting;
        else the collected view's effective layout."""
        layout = self._kwargs.get("layout")
        if layout is not None:
            return layout
        return self.collect().layout

    @property
    def shape(self) -> tuple[int, ...]:
        """Return the tensor shape (collects)."""
        return self.collect().shape

    @property
    def strides(self) -> tuple[int, ...]:
        """Return tensor strides in bytes (collects)."""
        return self.collect().strides

    def to_numpy(self, *, contiguous: bool = False) -> np.ndarray:
        """Materialize as a NumPy array (see TensorView.to_numpy)."""
        return self.collect().to_numpy(contiguous=contiguous)

    def to_dlpack(
        self, *, device: str = "cpu", contiguous: bool = True, mode: str = "arrow"
    ) -> Any:
        """Export the planned view as a DLPack object (see TensorView.to_dlpack)."""
        return self.collect().to_dlpack(device=device, contiguous=contiguous, mode=mode)

    def to_torch(
        self, *, device: str = "cpu", contiguous: bool = True, mode: str = "arrow"
    ) -> Any:
        """Convert the planned view to a torch tensor (see TensorView.to_torch)."""
        return self.collect().to_torch(device=device, contiguous=contiguous, mode=mode)

    def to_jax(
        self, *, device: str = "cpu", contiguous: bool = True, mode: str = "arrow"
    ) -> Any:
        """Convert the planned view to a JAX array (see TensorView.to_jax)."""
        return self.collect().to_jax(device=device, contiguous=contiguous, mode=mode)

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
    ) -> Iterator[Any]:
        """Iterate DLPack outputs in batches or 2-D tiles (see TensorView.iter_dlpack)."""
        return self.collect().iter_dlpack(
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
    ) -> Iterator[Any]:
        """Iterate DLPack outputs in 3-D tiles (see TensorView.iter_tiles_3d)."""
        return self.collect().iter_tiles_3d(
            tile_size=tile_size,
            shuffle=shuffle,
            seed=seed,
            prefetch=prefetch,
            device=device,
            contiguous=contiguous,
            mode=mode,
        )
