"""C++ core of omearrow (tensor views of OME-Arrow images)."""

from collections.abc import Callable


class Image:
    """
    A parsed OME-Arrow record: metadata plus a source of its pixels (no pixels are copied).
    """

    @property
    def meta_dtype(self) -> str:
        """The dtype named by pixels_meta.type (uint16 when missing or unknown)."""

    @property
    def encoding(self) -> str:
        """How the record stores its pixels."""

    @property
    def shape(self) -> tuple:
        """(size_t, size_z, size_c, size_y, size_x)."""

def image_from_array(data: object, origin: str, chunk_policy: str) -> Image:
    """
    Parses row 0 of an Arrow struct array given through __arrow_c_array__; `origin` ('array', 'scalar' or 'dict') tags what the user passed, for mode='arrow' warnings.
    """

def image_from_stream(data: object, chunk_policy: str) -> Image:
    """
    Parses the first record of a chunked struct column given through __arrow_c_stream__, following chunk_policy.
    """

def image_with_plane_loader(base: Image, plane_loader: object, dtype: str | None) -> Image:
    """
    The image `base` with pixels from plane_loader(t, z, c), each result converted as numpy.asarray(result, dtype=dtype) (dtype None = the record's dtype).
    """

class View:
    """
    The core tensor view: an image, a normalized selection, a layout and an output dtype. Immutable; shape and strides never touch pixels.
    """

    @property
    def dtype(self) -> str:
        """Output dtype name, e.g. 'uint16'."""

    @property
    def device(self) -> str:
        """Storage device ('cpu')."""

    @property
    def layout(self) -> str:
        """Effective layout with H/W letters, e.g. 'CHW'."""

    @property
    def shape(self) -> tuple:
        """Shape in layout order."""

    @property
    def strides(self) -> tuple:
        """Byte strides in layout order (those of to_array(contiguous=False))."""

    @property
    def warnings(self) -> list:
        """(category, message) pairs raised while building the view."""

    @property
    def selection(self) -> tuple:
        """The normalized selection: (t, z, c, (x, y, w, h))."""

    def with_layout(self, layout: str) -> View:
        """The same selection in another layout ('' = default)."""

    def to_array(self, contiguous: bool = False) -> object:
        """
        The materialized pixels as a NumPy array (cached per view; with contiguous, a C-contiguous copy when the layout permutes axes). Releases the GIL.
        """

    def export(self, device: str, contiguous: bool, mode: str, warnings: list) -> object:
        """
        to_dlpack(): the exported tensor as a single-use DLPackObject; warnings are appended to `warnings` as (category, message) even when the export fails.
        """

    def batch_views(self, batch_size: int | None, shuffle: object | None) -> list[View]:
        """
        Child views of iter_dlpack(batch_size=...); `shuffle(n)` returns the visiting order of the n selected T indices.
        """

    def tile_views(self, tile_size: object, shuffle: object | None) -> list[View]:
        """
        Child views of iter_dlpack(tile_size=(h, w)); `shuffle(n)` returns the visiting order of the n tiles.
        """

    def tile_views_3d(self, tile_size: object, shuffle: object | None) -> list[View]:
        """Child views of iter_tiles_3d(tile_size=(tz, h, w))."""

def make_view(image: Image, *, t: object, z: object, c: object, roi: object, roi3d: object, roi_nd: object, roi_type: object, tile: object, layout: str | None, dtype: str | None, channel_policy: str) -> View:
    """
    Builds a view with the reference's argument grammar and error messages.
    """

class DLPackObject:
    """
    A single-use DLPack producer (what to_dlpack() returns). Pass it once to numpy.from_dlpack, torch.from_dlpack or jax.numpy.from_dlpack.
    """

    def __dlpack__(self, stream: object | None = None, *, max_version: tuple[int, int] | None = None, dl_device: tuple[int, int] | None = None, copy: bool | None = None) -> object:
        """
        Hands the tensor to a consumer as a PyCapsule: 'dltensor_versioned' when max_version >= (1, 0) is asked for, else a legacy 'dltensor'. Single use: a second call raises RuntimeError. copy=True returns a fresh copy; a dl_device other than CPU raises BufferError.
        """

    def __dlpack_device__(self) -> tuple[int, int]:
        """The (device type, device id) of the tensor: (1, 0), the CPU."""

    @property
    def consumed(self) -> bool:
        """True once __dlpack__ has handed the tensor out."""

class LazyPlan:
    """
    The memo of a deferred view: collect() calls `resolve()` once (thread-safe; failures are not memoized) and then returns the same View.
    """

    def __init__(self, resolve: Callable[[], View]) -> None: ...

    def collect(self) -> View:
        """The concrete View, resolving it on first use."""

    @property
    def is_collected(self) -> bool:
        """True once collect() has succeeded."""

    @property
    def device(self) -> str:
        """'cpu' before collecting, else the view's device."""
