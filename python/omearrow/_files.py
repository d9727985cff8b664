"""Image files: ``omearrow.open`` (Parquet, dataset directories, OME-TIFF/TIFF) and the
writers ``write_parquet``, ``write_dataset`` and ``from_numpy``.

Opening reads only metadata (the C++ core's ``Open``); views read only the pixels they
touch. Writers run in C++ with the GIL released; NumPy arrays are read in place.
"""

from __future__ import annotations

import operator
import os
import urllib.parse
from typing import Any, Literal, Sequence

import numpy as np
import pyarrow as pa

from omearrow import _core
from omearrow._lazy import LazyTensorView
from omearrow._tensor import TensorView
from omearrow._viewargs import (
    ChannelPolicy,
    ChunkPolicy,
    IndexLike,
    Roi,
    Roi3d,
    RoiNd,
    RoiType,
    Tile,
    view_arguments,
)
from omearrow._uri import is_uri, prepare_object_storage
from omearrow._warn import emit

__all__ = ["OmeImage", "open", "from_numpy", "write_parquet", "write_dataset"]

PathLike = str | os.PathLike[str]


def _fspath(path: Any, what: str = "path") -> str:
    """``os.fspath(path)`` as str (bytes paths decoded), TypeError for other objects."""
    try:
        value = os.fspath(path)
    except TypeError:
        raise TypeError(
            f"{what} must be str or os.PathLike, not {type(path).__name__}"
        ) from None
    return os.fsdecode(value)


class OmeImage:
    """One image of a file, opened by ``omearrow.open`` (metadata only).

    Pixels are read when a view needs them: ``tensor_view(...)`` returns a
    ``LazyTensorView`` whose ``collect()`` builds a ``TensorView`` over this image and
    reads only the planes or chunks its selection touches. An ``OmeImage`` is also
    accepted wherever ``TensorView`` takes data (``TensorView(image, t=0)``) and by the
    writers. Immutable and thread-safe; pickles as its path and selection arguments.
    """

    __slots__ = ("_image", "_path", "_format", "_column", "_row", "_image_id", "_meta",
                 "__weakref__")

    def __init__(self) -> None:
        raise TypeError("OmeImage objects are made by omearrow.open(path)")

    @classmethod
    def _make(
        cls,
        image: _core.Image,
        *,
        path: str | None,
        format: str | None,
        column: str | None,
        row: int,
        image_id: str | None,
    ) -> "OmeImage":
        out = cls.__new__(cls)
        out._image = image
        out._path = path
        out._format = format
        out._column = column
        out._row = row
        out._image_id = image_id
        out._meta = _core.image_metadata(image)
        return out

    def __reduce__(self) -> Any:
        if self._path is None:
            raise TypeError("an OmeImage not opened from a file cannot be pickled")
        return (_reopen, (self._path, self._column, self._row, self._image_id))

    def __repr__(self) -> str:
        return (
            f"omearrow.OmeImage(path={self._path!r}, format={self._format!r}, "
            f"shape={self.shape}, dtype={self.dtype}, encoding={self.encoding!r})"
        )

    @property
    def path(self) -> str | None:
        """The file or directory the image was opened from."""
        return self._path

    @property
    def format(self) -> str | None:
        """``"parquet"``, ``"dataset"`` or ``"tiff"``."""
        return self._format

    @property
    def column(self) -> str | None:
        """The Parquet column the record was read from (None for other formats)."""
        return self._column

    @property
    def shape(self) -> tuple[int, int, int, int, int]:
        """``(T, C, Z, Y, X)`` sizes from pixels_meta."""
        pm = self._meta["pixels_meta"]
        return (pm["size_t"], pm["size_c"], pm["size_z"], pm["size_y"], pm["size_x"])

    @property
    def dtype(self) -> np.dtype:
        """The pixel dtype named by ``pixels_meta.type`` (uint16 when missing or
        unknown, as TensorView)."""
        return np.dtype(self._image.meta_dtype)

    @property
    def dimension_order(self) -> str | None:
        """``pixels_meta.dimension_order`` as stored (e.g. ``"XYZCT"``)."""
        return self._meta["pixels_meta"]["dimension_order"]

    @property
    def encoding(self) -> str:
        """How the pixels are stored: planes, list chunks, byte chunks, TIFF, ..."""
        return self._meta["encoding"]

    @property
    def chunk_grid(self) -> dict[str, Any] | None:
        """The record's ``chunk_grid`` (order, chunk_t/c/z/y/x, chunk_order) or None."""
        grid = self._meta["chunk_grid"]
        return None if grid is None else dict(grid)

    @property
    def physical_size(self) -> dict[str, Any]:
        """Physical pixel sizes and units: keys ``x``, ``y``, ``z``, ``x_unit``,
        ``y_unit``, ``z_unit`` (None when the file does not say)."""
        pm = self._meta["pixels_meta"]
        out: dict[str, Any] = {}
        for axis in "xyz":
            out[axis] = pm[f"physical_size_{axis}"]
        for axis in "xyz":
            out[f"{axis}_unit"] = pm[f"physical_size_{axis}_unit"]
        return out

    @property
    def channels(self) -> list[dict[str, Any]]:
        """``pixels_meta.channels`` as dicts (id, name, emission_um, excitation_um,
        illumination, color_rgba)."""
        return [dict(channel) for channel in self._meta["pixels_meta"]["channels"]]

    @property
    def id(self) -> str | None:
        """The record's ``id``."""
        return self._meta["id"]

    @property
    def name(self) -> str | None:
        """The record's ``name``."""
        return self._meta["name"]

    @property
    def image_type(self) -> str | None:
        """The record's ``image_type``."""
        return self._meta["image_type"]

    @property
    def metadata(self) -> dict[str, Any]:
        """All parsed metadata: type, version, id, name, image_type, pixels_meta,
        chunk_grid, encoding (a copy)."""
        meta = dict(self._meta)
        pm = dict(meta["pixels_meta"])
        pm["channels"] = [dict(c) for c in pm["channels"]]
        meta["pixels_meta"] = pm
        if meta["chunk_grid"] is not None:
            meta["chunk_grid"] = dict(meta["chunk_grid"])
        return meta

    def preview(
        self,
        *,
        t: int = 0,
        z: int | None = None,
        c: int | Sequence[int] | None = None,
        size: int = 512,
        contrast: tuple[float, float] = (0.5, 99.5),
    ) -> bytes:
        """A PNG picture of plane (t, z) (z=None: the middle z): the channels ``c``
        (None: all) contrast-stretched each between its ``contrast`` percentiles, tinted
        with their ``color_rgba`` (else a default palette), added and shrunk to at most
        ``size`` pixels on the long side. Reads only those planes. See
        ``omearrow.preview``.
        """
        from omearrow._preview import image_preview

        return image_preview(self._image, t=t, z=z, c=c, size=size, contrast=contrast)

    def _repr_png_(self) -> bytes | None:
        # None (no PNG) when the pixels cannot be read: _repr_html_ shows the error.
        try:
            return self.preview(size=256)
        except (ValueError, OSError, IndexError, RuntimeError, MemoryError):
            return None

    def _repr_html_(self) -> str:
        from omearrow._preview import image_html

        return image_html(self)

    def tensor_view(
        self,
        *,
        scene: int | None = None,
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
    ) -> LazyTensorView:
        """A deferred tensor view of this image (the reference's
        ``OMEArrow.scan(path).tensor_view(...)``).

        Nothing is read until the plan collects (``to_numpy()``, ``shape``, ...); then
        only the planes or chunks the selection touches are read.

        Args:
            scene: Only ``None`` or 0 (one image per OmeImage).
            t, z, c, roi, roi3d, roi_nd, roi_type, tile, layout, dtype, chunk_policy,
            channel_policy: As for ``TensorView``.

        Returns:
            LazyTensorView: The plan; ``collect()`` gives the ``TensorView``.
        """
        if scene not in (None, 0):
            raise ValueError("Only scene=0 is supported for single-image records.")
        return LazyTensorView(loader=lambda: self, **view_arguments(locals()))


def _open(
    path: PathLike, column: str | None, row: int, image_id: str | None, stacklevel: int
) -> OmeImage:
    text = _fspath(path)
    if text.startswith("file://"):
        text = urllib.parse.unquote(urllib.parse.urlparse(text).path)
    remote = is_uri(text)
    if not remote and not os.path.exists(text):
        raise FileNotFoundError(f"No such file: {text}")
    if column is not None and not isinstance(column, str):
        raise TypeError(f"column must be a str or None, not {type(column).__name__}")
    if image_id is not None and not isinstance(image_id, str):
        raise TypeError(f"image_id must be a str or None, not {type(image_id).__name__}")
    row = operator.index(row)
    if remote:
        prepare_object_storage([text])
        image, fmt, used_column, warnings = _core.open_uri(text, column, row, image_id)
    else:
        image, fmt, used_column, warnings = _core.open_file(text, column, row, image_id)
    emit(warnings, stacklevel + 1)
    return OmeImage._make(
        image,
        path=text,
        format=fmt,
        column=used_column or None,
        row=row,
        image_id=image_id,
    )


def _reopen(path: str, column: str | None, row: int, image_id: str | None) -> OmeImage:
    """Unpickling helper: opens the image again (warnings were raised at first open)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _open(path, column, row, image_id, 2)


def open(  # noqa: A001  (the module-level name is the API)
    path: PathLike,
    *,
    column: str | None = None,
    row: int = 0,
    image_id: str | None = None,
) -> OmeImage:
    """Open one image of an OME-Arrow Parquet file, a typed-chunk dataset directory, or
    an OME-TIFF / TIFF file, reading only its metadata.

    The format is detected from the path: a directory holding
    ``_ome_arrow_dataset.json`` is a dataset; ``.parquet``/``.pq`` are Parquet and
    ``.tif``/``.tiff`` TIFF; otherwise the file's first bytes decide.

    Args:
        path: File or directory (str or os.PathLike).
        column: Parquet column holding the records. Default ``"ome_arrow"``; when that
            column is missing or not an OME-Arrow struct, the first struct column with
            OME-Arrow fields is used with the reference's UserWarning.
        row: Parquet: the row (record); dataset: the row of ``images.parquet``; TIFF:
            the OME ``<Image>`` index, or the series of a file tifffile wrote in several
            calls (shaped series); other TIFFs (ImageJ hyperstacks, plain stacks) hold
            one image.
        image_id: Dataset: select the image by id instead of by row.

    Returns:
        OmeImage: The image handle; ``tensor_view(...)`` reads pixels lazily.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: Not an OME-Arrow file, no usable column, malformed metadata; a
            TIFF whose samples, compression (named, e.g. "JPEG 2000 (34712)") or
            predictor omearrow cannot decode.
        IndexError: ``row`` out of range.
        OSError: Unreadable, truncated or corrupt file.
    """
    return _open(path, column, row, image_id, 2)


# --- writers -------------------------------------------------------------------------


def _dense_array(array: Any) -> np.ndarray:
    """`array` as a NumPy array the core can read in place: native byte order and
    non-negative strides (copied only when needed)."""
    arr = np.asarray(array)
    if not arr.dtype.isnative:
        arr = arr.astype(arr.dtype.newbyteorder("="))
    if any(stride < 0 or stride % arr.itemsize for stride in arr.strides):
        arr = np.ascontiguousarray(arr)
    return arr


def _image_from_numpy(
    array: Any,
    *,
    dim_order: str,
    image_id: str | None = None,
    name: str | None = None,
    image_type: str = "image",
    channel_names: Sequence[str] | None = None,
    physical_size_x: float = 1.0,
    physical_size_y: float = 1.0,
    physical_size_z: float = 1.0,
    physical_size_unit: str = "µm",
) -> _core.Image:
    arr = _dense_array(array)
    return _core.image_from_dense(
        arr,
        str(dim_order),
        "unnamed" if image_id is None else str(image_id),
        "unknown" if name is None else str(name),
        str(image_type),
        None if channel_names is None else [str(n) for n in channel_names],
        float(physical_size_x),
        float(physical_size_y),
        float(physical_size_z),
        str(physical_size_unit),
    )


def _core_image(source: Any, dim_order: str) -> _core.Image:
    """The core image of one writer input."""
    from omearrow._inputs import image_from_data

    if isinstance(source, OmeImage):
        return source._image
    if isinstance(source, _core.Image):
        return source
    if isinstance(source, np.ndarray):
        return _image_from_numpy(source, dim_order=dim_order)
    if isinstance(source, LazyTensorView):
        source = source.collect()
    if isinstance(source, TensorView):
        # The view's selection, all five axes, in the view's dtype.
        pixels = source.with_layout("TCZYX").to_numpy(contiguous=True)
        return _image_from_numpy(pixels, dim_order="TCZYX")
    return image_from_data(source, "auto")


def _is_array_input(source: Any) -> bool:
    """True for writer inputs made into images from pixels alone (no record id)."""
    return isinstance(source, (np.ndarray, TensorView, LazyTensorView))


def _core_images(sources: Any, dim_order: str) -> list[_core.Image]:
    if isinstance(sources, (list, tuple)):
        if not sources:
            raise ValueError("no images to write")
        return [_core_image(source, dim_order) for source in sources]
    return [_core_image(sources, dim_order)]


def _chunk_compression(value: str | None) -> str:
    return "none" if value is None else str(value)


def _chunk_shape3(chunk_shape: Sequence[int]) -> list[int]:
    return [operator.index(v) for v in chunk_shape]


def from_numpy(
    array: np.ndarray,
    *,
    dim_order: str = "TCZYX",
    image_id: str | None = None,
    name: str | None = None,
    image_type: str = "image",
    channel_names: Sequence[str] | None = None,
    chunk_shape: tuple[int, int, int] = (1, 512, 512),
    chunk_encoding: Literal["bytes", "list"] = "bytes",
    chunk_compression: str | None = "zstd",
    compression_level: int | None = None,
    physical_size_x: float = 1.0,
    physical_size_y: float = 1.0,
    physical_size_z: float = 1.0,
    physical_size_unit: str = "µm",
) -> pa.StructArray:
    """Build a one-row OME-Arrow record (``pa.StructArray``, canonical schema) from a
    NumPy array, in C++ (no per-pixel Python objects).

    Args:
        array: Pixels (uint8, int8, uint16, int16, uint32, int32, uint64, int64,
            float32 or float64), any strides; read in place.
        dim_order: Axis letters of ``array`` (T, C, Z, Y, X; Y and X required; missing
            axes are size 1).
        image_id: Record ``id`` (default ``"unnamed"``).
        name: Record ``name`` (default ``"unknown"``).
        image_type: Record ``image_type``.
        channel_names: Channel names (default ``C0..C{n-1}``).
        chunk_shape: Chunk shape ``(Z, Y, X)``, clipped to the image.
        chunk_encoding: ``"bytes"`` (typed byte chunks, source dtype;
            ``OME_ARROW_BYTE_STRUCT``) or ``"list"`` (planes + list<uint16> chunks;
            ``OME_ARROW_STRUCT``; uint8/uint16 pixels only).
        chunk_compression: Per-chunk codec of byte chunks: ``"zstd"``, ``"lz4"``,
            ``"none"``/None, or the reference's ``"auto"``, ``"balanced"``,
            ``"small"``, ``"fast"``.
        compression_level: Codec level (default: the codec's; zstd 1).
        physical_size_x, physical_size_y, physical_size_z, physical_size_unit:
            Calibration stored in ``pixels_meta``.

    Returns:
        pa.StructArray: One record, readable by ``omearrow.TensorView`` and by
        ``ome_arrow``.
    """
    image = _image_from_numpy(
        array,
        dim_order=dim_order,
        image_id=image_id,
        name=name,
        image_type=image_type,
        channel_names=channel_names,
        physical_size_x=physical_size_x,
        physical_size_y=physical_size_y,
        physical_size_z=physical_size_z,
        physical_size_unit=physical_size_unit,
    )
    exported = _core.encode_record(
        image,
        str(chunk_encoding),
        _chunk_shape3(chunk_shape),
        _chunk_compression(chunk_compression),
        None if compression_level is None else operator.index(compression_level),
    )
    return pa.array(exported)


def write_parquet(
    image_or_array: Any,
    path: PathLike,
    *,
    column: str = "ome_arrow",
    encoding: Literal["bytes", "list"] = "bytes",
    chunk_shape: tuple[int, int, int] = (1, 512, 512),
    chunk_compression: str | None = "zstd",
    compression_level: int | None = None,
    parquet_compression: str | None = None,
    dim_order: str = "TCZYX",
) -> None:
    """Write an image as an OME-Arrow Parquet file (canonical schema, one row).

    Args:
        image_or_array: An ``OmeImage`` (from ``omearrow.open``; converts any supported
            file), a NumPy array (axes named by ``dim_order``), a ``TensorView`` /
            ``LazyTensorView`` (its selection is written), or a record ``TensorView``
            accepts. A list or tuple of them writes one row per image.
        path: Output file (written to a temporary name, then renamed into place), or a
            URI (``s3://bucket/key.parquet?endpoint_override=...``, options and
            credentials as ``open_collection``): written to a local temporary file, then
            uploaded in one piece (S3: a multipart upload, visible once complete).
        column: Name of the record column.
        encoding: ``"bytes"`` (typed byte chunks, per-chunk compression) or ``"list"``
            (planes + list chunks as uint16, the reference's default; uint8/uint16
            only).
        chunk_shape: Chunk shape ``(Z, Y, X)``, clipped to the image.
        chunk_compression: Per-chunk codec for byte chunks (``"zstd"``, ``"lz4"``,
            ``"none"``/None, ...).
        compression_level: Codec level (default: zstd 1).
        parquet_compression: Parquet codec of the file; None = none for byte chunks,
            zstd for list encoding.
        dim_order: Axis letters of a NumPy input.
    """
    target = _fspath(path)
    images = _core_images(image_or_array, dim_order)
    prepare_object_storage([target])
    _core.write_parquet(
        images,
        target,
        str(column),
        str(encoding),
        _chunk_shape3(chunk_shape),
        _chunk_compression(chunk_compression),
        None if compression_level is None else operator.index(compression_level),
        None if parquet_compression is None else str(parquet_compression),
    )


def write_dataset(
    image_or_array: Any,
    path: PathLike,
    *,
    chunk_shape: tuple[int, int, int, int, int] | None = None,
    compression: str | None = "zstd",
    chunk_rows_per_row_group: int = 1,
    overwrite: bool = False,
    dim_order: str = "TCZYX",
    image_id: str | Sequence[str | None] | None = None,
) -> None:
    """Write an image as an ome-arrow typed-chunk dataset directory (the format of
    ``ome_arrow.write_ome_arrow_dataset``).

    Args:
        image_or_array: As for ``write_parquet`` (a list or tuple writes several
            images into one dataset).
        path: Output directory (created when missing).
        chunk_shape: ``(T, C, Z, Y, X)`` chunk shape, clipped to the image; None = the
            reference's balanced block choice.
        compression: Parquet codec of the dataset tables (None = uncompressed).
        chunk_rows_per_row_group: Chunk rows per row group of ``chunks.parquet``.
        overwrite: Replace the dataset files of an existing non-empty directory.
        dim_order: Axis letters of a NumPy input.
        image_id: Image id(s) (default: the record id; arrays, and records without an
            id, get ``image-NNNNN`` by their position, as the reference).
    """
    target = _fspath(path)
    images = _core_images(image_or_array, dim_order)
    ids: list[str | None]
    if image_id is None:
        ids = [None] * len(images)
    elif isinstance(image_id, str):
        ids = [image_id]
    else:
        ids = [None if i is None else str(i) for i in image_id]
    if len(ids) != len(images):
        raise ValueError(
            f"image_id must name each of the {len(images)} images, got {len(ids)} ids"
        )
    # Arrays carry no id: they get the reference's image-NNNNN (by position), as records
    # without an id do in the core writer.
    sources = (
        image_or_array if isinstance(image_or_array, (list, tuple)) else [image_or_array]
    )
    ids = [
        f"image-{i:05d}" if given is None and _is_array_input(source) else given
        for i, (source, given) in enumerate(zip(sources, ids))
    ]
    _core.write_dataset(
        images,
        ids,
        target,
        None if chunk_shape is None else [operator.index(v) for v in chunk_shape],
        None if compression is None else str(compression),
        operator.index(chunk_rows_per_row_group),
        bool(overwrite),
    )
