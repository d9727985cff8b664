"""C++ core of omearrow (tensor views of OME-Arrow images)."""

from collections.abc import Callable, Sequence
from typing import Annotated, Any

import numpy
from numpy.typing import NDArray


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

def image_from_array(data: object, origin: str, chunk_policy: str, decoded_chunk_cache_bytes: int | None = None) -> Image:
    """
    Parses row 0 of an Arrow struct array given through __arrow_c_array__; `origin` ('array', 'scalar' or 'dict') tags what the user passed, for mode='arrow' warnings. decoded_chunk_cache_bytes: RecordOptions' cache of decoded byte chunks (None = default; 0 = off).
    """

def image_from_stream(data: object, chunk_policy: str, decoded_chunk_cache_bytes: int | None = None) -> Image:
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
    def canonical_is_contiguous(self) -> bool:
        """
        True when to_array(contiguous=False) is C-contiguous in the layout (no axis permuted, no channel skipped).
        """

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

def make_view(image: Image, t: object, z: object, c: object, roi: object, roi3d: object, roi_nd: object, roi_type: object, tile: object, layout: str | None, dtype: str | None, channel_policy: str) -> View:
    """
    Builds a view with the reference's argument grammar and error messages. Called positionally by TensorView (keyword matching costs more than the rest of the call).
    """

class DLPackObject:
    """
    A single-use DLPack producer (what to_dlpack() returns). Pass it once to numpy.from_dlpack, torch.from_dlpack or jax.numpy.from_dlpack.
    """

    def __dlpack__(self, stream: object | None = None, *, max_version: tuple[int, int] | None = None, dl_device: tuple[int, int] | None = None, copy: bool | None = None) -> object:
        """
        Hands the tensor to a consumer as a PyCapsule: 'dltensor_versioned' when max_version >= (1, 0) is asked for, else a legacy 'dltensor'. Single use: a second call raises RuntimeError. copy=True returns a fresh copy; a dl_device other than the tensor's raises BufferError. CUDA tensors: the consumer's `stream` (None = legacy default stream, 1, 2 or a stream pointer) waits for the host-to-device copy (cudaStreamWaitEvent); -1 skips synchronization.
        """

    def __dlpack_device__(self) -> tuple[int, int]:
        """
        The (device type, device id) of the tensor: (1, 0) for the CPU, (2, id) for CUDA device id.
        """

    @property
    def consumed(self) -> bool:
        """True once __dlpack__ has handed the tensor out."""

    def __repr__(self) -> str:
        """Shape, dtype and device; 'consumed' once handed out."""

def cuda_status() -> str | None:
    """
    None when device='cuda' can be used (CUDA runtime loaded, a device present), else the error message device='cuda' raises. Loads the runtime on first call.
    """

def cuda_memory_stats() -> dict[str, int]:
    """
    Device memory held by live CUDA exports and the pinned staging pool's counters (for leak checks and benchmarks).
    """

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

def python_shuffle_order(n: int, seed: int | None) -> list[int]:
    """The order random.Random(seed).shuffle gives range(n), computed in C++."""

def live_prefetch_workers() -> int:
    """Prefetch worker threads alive in the process (a test hook)."""

class ViewIterator:
    """The core iterator of iter_dlpack / iter_tiles_3d."""

    def next(self, warnings: list) -> DLPackObject | None:
        """
        The next item as a single-use DLPackObject, or None at the end (blocks without the GIL while a prefetched item is not ready). Warnings are appended to `warnings` as (category, message), also when the item fails.
        """

    def close(self) -> None:
        """Stops and joins the prefetch workers."""

    def __len__(self) -> int: ...

def view_iterator(parent: View, *, kind: str, batch_size: int | None, tile_size: object, tiles: object, shuffle: bool, seed: int | None, prefetch: int, device: str, contiguous: bool, mode: str | None, warnings: list) -> ViewIterator:
    """
    iter_dlpack (kind='dlpack') or iter_tiles_3d (kind='tiles_3d') over `parent`, with the reference's validation; prefetch > 0 starts that many items ahead on worker threads. Warnings (the tiles= deprecation) are appended to `warnings`.
    """

class TileStream:
    """2-D tiles of many images for one shard of one epoch."""

    def next(self) -> tuple[DLPackObject, tuple[int, int, int, int, int, int, int]] | None:
        """
        (tile, (image, t, z, x, y, w, h)) or None at the end (blocks without the GIL).
        """

    def close(self) -> None:
        """Stops and joins the prefetch workers."""

    @property
    def tasks(self) -> list[tuple[int, int, int, int, int, int, int]]:
        """This shard's tiles in order, as (image, t, z, x, y, w, h)."""

    def __len__(self) -> int: ...

def tile_stream(views: list[View], *, tile_size: object, shuffle: bool, seed: int, epoch: int, shard_index: int, shard_count: int, prefetch: int, source_label: str, drop_partial: bool = False) -> TileStream:
    """
    The tiles of shard `shard_index` of `shard_count` for `epoch` (order: random.Random(seed + (epoch << 64)).shuffle of all tiles when shuffled); with drop_partial, only tiles of the full tile_size.
    """

def epoch_tile_tasks(extents: list[tuple[list[int], list[int], tuple[int, int, int, int]]], *, tile_size: object, shuffle: bool, seed: int, epoch: int, shard_index: int, shard_count: int, drop_partial: bool = False) -> list[tuple[int, int, int, int, int, int, int]]:
    """
    The tasks tile_stream gives for views with these extents (per image: selected t, selected z, roi (x, y, w, h)), as (image, t, z, x, y, w, h), without any view.
    """

def tile_stream_of_tasks(views: list[View], images: list[int], tasks: list[tuple[int, int, int, int, int, int, int]], *, prefetch: int, source_label: str) -> TileStream:
    """
    The tiles of `tasks` in order (image numbers; views[i] is image images[i]).
    """

class ArrowArray:
    """
    An Arrow array produced by the core, exported to Python through the Arrow PyCapsule interface (pyarrow.array(obj) imports it zero-copy).
    """

    @property
    def length(self) -> int:
        """Number of values."""

    def __arrow_c_array__(self, requested_schema: object | None = None) -> tuple[object, object]:
        """The (schema, array) PyCapsules of the Arrow C data interface."""

def open_file(path: str, column: str | None, row: int, image_id: str | None, column_required: bool = False) -> tuple[Image, str, str, list[tuple[str, str]]]:
    """
    Opens one image of a Parquet file, dataset directory or TIFF reading only metadata (core Open). Returns (image, format, column used ('' unless Parquet), warnings as (category, message)). With column_required, a named column other than 'ome_arrow' must exist (no auto-detection). Releases the GIL.
    """

def clear_row_cache() -> None:
    """
    Drops the process-wide cache of decoded list-encoded Parquet rows (for cold-read benchmarks; images in use keep their rows).
    """

def image_metadata(image: Image) -> dict[str, Any]:
    """
    The image's metadata as plain Python values: type, version, id, name, image_type, pixels_meta (dict, channels as a list of dicts), chunk_grid (dict or None), encoding.
    """

def image_from_dense(array: object, dim_order: str, image_id: str, name: str, image_type: str, channel_names: Sequence[str] | None, physical_size_x: float, physical_size_y: float, physical_size_z: float, physical_size_unit: str) -> Image:
    """
    An image over a NumPy array's memory (no copy; the array is kept alive); axes named by dim_order (core ImageFromDense). Strides must be non-negative.
    """

def encode_record(image: Image, encoding: str, chunk_shape: Sequence[int], chunk_compression: str, compression_level: int | None) -> ArrowArray:
    """
    The image as a one-row record in the canonical schema (core EncodeRecord), as an ArrowArray. Releases the GIL.
    """

def write_parquet(images: Sequence[Image], path: str, column: str, encoding: str, chunk_shape: Sequence[int], chunk_compression: str, compression_level: int | None, parquet_compression: str | None) -> None:
    """
    Writes one image per row to an OME-Arrow Parquet file at a path or URI (core WriteParquetToPathOrUri). Releases the GIL.
    """

def write_dataset(images: Sequence[Image], image_ids: Sequence[str | None], dir: str, chunk_shape: Sequence[int] | None, compression: str | None, chunk_rows_per_row_group: int, overwrite: bool) -> None:
    """
    Writes images as a typed-chunk dataset directory (core WriteDataset). Releases the GIL.
    """

OME_ARROW_TAG_TYPE: str = 'ome.arrow'

OME_ARROW_TAG_VERSION: str = '0.1.0'

def canonical_type(encoding: str) -> object:
    """
    OME_ARROW_STRUCT ('list') or OME_ARROW_BYTE_STRUCT ('bytes') as an 'arrow_schema' PyCapsule (pyarrow.DataType._import_from_c_capsule reads it).
    """

def validate_records(data: object, stream: bool, strict: bool, max_problems: int) -> tuple[int, list[tuple[int, str, str]]]:
    """
    Validates every record of an Arrow struct array (or, with stream=True, a stream of them): (number of records, [(row, field path, message), ...]).
    """

class ArrowTable:
    """
    An Arrow table produced by the core; pyarrow.table(obj) imports it zero-copy through the Arrow PyCapsule stream interface.
    """

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
        """The ArrowArrayStream PyCapsule of the table."""

class Collection:
    """Images of many files (core Collection); see omearrow.open_collection."""

    def __len__(self) -> int: ...

    @property
    def metadata(self) -> ArrowTable:
        """The metadata table (one row per image) as an ArrowTable."""

    @property
    def errors(self) -> list[tuple[str, str]]:
        """Files left out (on_error='skip') as (path, message)."""

    @property
    def open_bytes_read(self) -> int:
        """Bytes read while opening (footers and metadata leaves)."""

    @property
    def row_groups(self) -> int:
        """Row groups of the files opened."""

    @property
    def row_groups_skipped(self) -> int:
        """
        Row groups the open's filter ruled out by their statistics (never read).
        """

    def take(self, indices: Sequence[int]) -> Collection:
        """The images at `indices`, in that order (core Take)."""

    def open_image(self, index: int) -> tuple[Image, list[tuple[str, str]]]:
        """
        Opens image `index` reading only its metadata; returns (image, warnings). Releases the GIL.
        """

    def entry(self, index: int) -> tuple[str, int, str]:
        """(path or URI, row, record column) of image `index`."""

def open_collection(sources: Sequence[str], column: str | None, on_error: str, parallelism: int, filter_text: str | None = None, filter_expression: bytes | None = None, cache: bool = True) -> Collection:
    """
    Opens a collection (core OpenCollection): lists the sources, reads every file's metadata without pixels; a filter (text as ParseFilter, or a serialized Arrow expression) is pushed down to row-group statistics. Releases the GIL.
    """

def open_uri(source: str, column: str | None, row: int, image_id: str | None, column_required: bool = False) -> tuple[Image, str, str, list[tuple[str, str]]]:
    """
    Opens one image of a path or URI (core OpenPathOrUri), reading only metadata. Returns (image, format, column used, warnings). Releases the GIL.
    """

def finalize_object_storage() -> None:
    """
    Finalizes Arrow's S3 library if it was used (safe to call more than once).
    """

def crops(image: Image, centers: Annotated[NDArray[numpy.float64], dict(shape=(None, 2))], height: int, width: int, *, t: object, z: object, c: object, dtype: str | None, boundary: str, fill: float, output: str, out: numpy.ndarray | None, warnings: list) -> object:
    """
    Crops of (height, width) around centers[i] = (y, x) from one (t, z): a C-contiguous (N, C, height, width) array (output='numpy') or a DLPackObject (output='dlpack'). With `out` (a writable C-contiguous array of that shape and dtype) the crops are written there and None is returned. Runs without the GIL, in parallel over crops; warnings are appended to `warnings`.
    """

def preview_png(image: Image, *, t: int, z: int | None, c: Sequence[int] | None, size: int, low: float, high: float) -> bytes:
    """
    PNG bytes of a channel composite of plane (t, z) of `image` (z=None: the middle), channels `c` (None: all), percentile contrast (low, high), long side <= size. Releases the GIL.
    """

def preview_view_png(view: View, *, t: int, z: int | None, c: Sequence[int] | None, size: int, low: float, high: float) -> bytes:
    """
    preview_png over a view's selection: t, z and c index within it; its ROI is shown.
    """

def montage_png(collection: Collection, *, n: int, by: Sequence[str], size: int, columns: int | None, t: int, z: int | None, c: Sequence[int] | None, low: float, high: float, captions: bool, on_error: str, parallelism: int, font_path: str) -> tuple[bytes, list[tuple[int, str]]]:
    """
    PNG bytes of a grid of the first n images' previews with captions (core RenderMontage; images read on `parallelism` threads, 0: all cores) and the images drawn as placeholders (on_error='skip') as (index, message); font_path: the caption font ('': $OMEARROW_FONT or the system's DejaVu Sans). Releases the GIL.
    """
