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
from omearrow._exit import track
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

__all__ = ["OmeImage", "open", "open_images", "from_numpy", "write_parquet", "write_dataset"]

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

    __slots__ = ("_handle", "_path", "_format", "_column", "_row", "_image_id", "_meta",
                 "_meta_dtype",
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
        out._handle = image
        out._path = path
        out._format = format
        out._column = column
        out._row = row
        out._image_id = image_id
        out._meta = _core.image_metadata(image)
        out._meta_dtype = image.meta_dtype
        track(out)
        return out

    def _release_core(self) -> None:
        """Drops the core image (at interpreter exit; see omearrow._exit)."""
        self._handle = None

    @property
    def _image(self) -> _core.Image:
        image = self._handle
        if image is None:
            raise ValueError(f"I/O operation on a closed OmeImage ({self._path})")
        return image

    def close(self) -> None:
        """Releases this image's reader (its open file, decoded caches) once no view
        made from it is left; metadata stays readable, new views raise ValueError.
        Closing twice is fine. Also what ``with omearrow.open(path) as image:`` does
        on leaving the block."""
        self._handle = None

    @property
    def closed(self) -> bool:
        """True after ``close()``."""
        return self._handle is None

    def __enter__(self) -> "OmeImage":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __reduce__(self) -> Any:
        if self._path is None:
            raise TypeError("an OmeImage not opened from a file cannot be pickled")
        return (_reopen, (self._path, self._column, self._row, self._image_id))

    def __repr__(self) -> str:
        where = f"path={self._path!r}, format={self._format!r}"
        if self._column is not None:
            where += f", column={self._column!r}"
        if self._image_id is not None:
            where += f", image_id={self._image_id!r}"
        else:
            where += f", row={self._row}"
        return (
            f"omearrow.OmeImage({where}, id={self.id!r}, shape={self.shape}, "
            f"dtype={self.dtype}, encoding={self.encoding!r}"
            f"{', closed' if self.closed else ''})"
        )

    @property
    def row(self) -> int:
        """The row (record) of the file: Parquet row, dataset image row or TIFF image
        index (0 when a dataset image was chosen by ``image_id``)."""
        return self._row

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
        return np.dtype(self._meta_dtype)

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
        return LazyTensorView(loader=_ImageLoader(self), **view_arguments(locals()))

    def to_dask(
        self,
        *,
        t: IndexLike = None,
        z: IndexLike = None,
        c: IndexLike = None,
        roi: Roi | None = None,
        channel_policy: ChannelPolicy = "error",
        layout: str | None = None,
        dtype: np.dtype | None = None,
        chunks: Any = "storage",
    ) -> Any:
        """A ``dask.array.Array`` of this image's selection (needs ``omearrow[dask]``).

        The array equals ``tensor_view(t=..., z=..., c=..., roi=..., layout=...,
        dtype=...).to_numpy()``. Each block task carries this image's path (or URI),
        column and row and the block's selection, never pixels: a worker (thread or
        process, e.g. ``dask.distributed``) opens the image through omearrow once per
        process and reads only the chunks its blocks touch.

        Args:
            t, z, c, roi, channel_policy, layout, dtype: As for ``tensor_view``.
            chunks: ``"storage"`` (default): blocks follow the storage chunks (the
                record's ``chunk_grid``; whole planes without one); otherwise dask's
                ``chunks`` for the view's axes (in ``layout`` order), e.g.
                ``(1, 256, 256)`` or ``"auto"``.
        """
        from omearrow._dask import image_to_dask

        selection = dict(t=t, z=z, c=c, roi=roi, channel_policy=channel_policy)
        return image_to_dask(self, selection, layout, dtype, chunks)


class _ImageLoader:
    """The loader of ``OmeImage.tensor_view`` plans: returns the image; pickles as it
    (its path, row, column), so plans over files pickle."""

    __slots__ = ("image",)

    def __init__(self, image: OmeImage) -> None:
        self.image = image

    def __call__(self) -> OmeImage:
        return self.image

    def __reduce__(self) -> Any:
        return (_ImageLoader, (self.image,))


def _row_index(row: Any) -> int:
    """`row` as an int (NumPy integers accepted), TypeError naming the argument."""
    if isinstance(row, bool):
        raise TypeError("row must be an int, not bool")
    try:
        return operator.index(row)
    except TypeError:
        raise TypeError(f"row must be an int, not {type(row).__name__}") from None


def _path_text(path: PathLike) -> tuple[str, bool]:
    """The path as text (file:// URIs made local) and whether it is a remote URI;
    FileNotFoundError for a local path that does not exist."""
    text = _fspath(path)
    if text.startswith("file://"):
        text = urllib.parse.unquote(urllib.parse.urlparse(text).path)
    remote = is_uri(text)
    if not remote and not os.path.exists(text):
        raise FileNotFoundError(f"No such file: {text}")
    return text, remote


def _open_core(
    text: str, remote: bool, column: str | None, row: int, image_id: str | None
) -> tuple[_core.Image, str, str, list[tuple[str, str]]]:
    try:
        if remote:
            prepare_object_storage([text])
            return _core.open_uri(text, column, row, image_id, column_required=True)
        return _core.open_file(text, column, row, image_id, column_required=True)
    except OSError as exc:
        if exc.errno is None or exc.filename is not None or len(exc.args) != 1:
            raise
        # The system's errno: the standard OSError(errno, message, filename) (an
        # OSError subclass such as PermissionError where Python has one).
        message = str(exc.args[0])
        if message.startswith(text + ": "):
            message = message[len(text) + 2:]
        raise OSError(exc.errno, message, text) from None


def _open(
    path: PathLike, column: str | None, row: Any, image_id: str | None, stacklevel: int
) -> OmeImage:
    text, remote = _path_text(path)
    if column is not None and not isinstance(column, str):
        raise TypeError(f"column must be a str or None, not {type(column).__name__}")
    if image_id is not None and not isinstance(image_id, str):
        raise TypeError(f"image_id must be a str or None, not {type(image_id).__name__}")
    row = _row_index(row)
    if row < 0:
        # Counted from the end, like t=-1: the file's image count under that column.
        count = len(_image_entries(text, remote, "ome_arrow" if column is None else column))
        if row + count < 0:
            raise IndexError(f"{text}: row {row} is out of range (the file has {count} rows)")
        row += count
    image, fmt, used_column, warnings = _open_core(text, remote, column, row, image_id)
    if column is not None and column != "ome_arrow" and fmt != "parquet":
        raise ValueError(
            f"{text}: column= applies to Parquet files only; this is a {fmt} file"
        )
    if image_id is not None and fmt != "dataset":
        raise ValueError(
            f"{text}: image_id= applies to dataset directories only; this is a {fmt} file"
            " (use row=)"
        )
    emit(warnings, stacklevel + 1)
    return OmeImage._make(
        image,
        path=text,
        format=fmt,
        column=used_column or None,
        row=row,
        image_id=image_id,
    )


def _image_entries(text: str, remote: bool, column: str | None) -> list[tuple[int, str | None]]:
    """(row, column) of every image of a file: each row of each OME-Arrow column of a
    Parquet file (only `column` when given), each image of a dataset, each OME image /
    series of a TIFF. Reads metadata only."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, fmt, used_column, _ = _open_core(text, remote, column, 0, None)
    if fmt == "tiff":
        # TIFFs hold few images: probe them by index (each open reads IFDs only).
        rows = 1
        while True:
            try:
                _open_core(text, remote, None, rows, None)
            except IndexError:
                break
            rows += 1
        return [(row, None) for row in range(rows)]
    from omearrow._collection import open_collection

    # A named column (also "ome_arrow", which may have been auto-detected): the column
    # open() uses; none: every OME-Arrow column of the file.
    selected = used_column if column is not None and used_column else None
    collection = open_collection(text, column=selected)
    entries = []
    for index in range(len(collection)):
        _, row, col = collection._core.entry(index)
        entries.append((row, col or None))
    return entries


def open_images(path: PathLike, *, column: str | None = None) -> list[OmeImage]:
    """Every image of a file, in order, reading only metadata: each row of each
    OME-Arrow column of a Parquet file (only ``column`` when given), each image of a
    dataset directory, each OME image (series) of a TIFF.

    Each ``OmeImage`` says where it is (``row``, ``column``, ``id`` in its repr), so
    this lists a file's rows and OME-Arrow columns; ``omearrow.open(path, row=...,
    column=...)`` opens one of them.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: ``column`` does not exist (the error lists the OME-Arrow columns).
    """
    text, remote = _path_text(path)
    if column is not None and not isinstance(column, str):
        raise TypeError(f"column must be a str or None, not {type(column).__name__}")
    return [_open(text, col, row, None, 2) for row, col in
            _image_entries(text, remote, column)]


def file_images(
    path: PathLike, column: str | None = None, stacklevel: int = 2
) -> list[OmeImage]:
    """Every image of one record column of a file: ``omearrow.open(path, column=...)``
    (with its warnings: the auto-detected column) and each further row of that column,
    dataset image or TIFF image (what ``TileDataset`` takes a path to mean). Warnings are
    raised `stacklevel` frames up, as seen by this function (1: here)."""
    import warnings

    first = _open(path, column, 0, None, stacklevel)
    text, remote = _path_text(path)
    entries = _image_entries(text, remote, first.column or "ome_arrow")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rest = [_open(text, col, row, None, 2) for row, col in entries[1:]]
    return [first] + rest


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
        column: Parquet column holding the records. A named column must exist (else
            ValueError listing the file's OME-Arrow columns). Not given (or the
            reference's default ``"ome_arrow"``): ``"ome_arrow"`` when the file has it,
            else the first struct column with OME-Arrow fields, with the reference's
            UserWarning. Other formats: an error.
        row: Parquet: the row (record); dataset: the row of ``images.parquet``; TIFF:
            the OME ``<Image>`` index, or the series of a file tifffile wrote in several
            calls (shaped series); other TIFFs (ImageJ hyperstacks, plain stacks) hold
            one image. Negative rows count from the end (``row=-1``: the last). A file
            may hold several images: ``omearrow.open_images(path)`` lists them all.
        image_id: Dataset: select the image by id instead of by row (other formats: an
            error).

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


def _as_numpy(array: Any) -> np.ndarray:
    """Any array-like as a NumPy array: NumPy arrays as they are, DLPack producers (torch
    tensors, JAX arrays; zero-copy on the CPU) through ``np.from_dlpack``, else
    ``np.asarray``."""
    if isinstance(array, np.ndarray):
        return array
    if hasattr(array, "__dlpack__"):
        try:
            return np.from_dlpack(array)
        except (BufferError, RuntimeError, TypeError, ValueError):
            pass  # e.g. a tensor that needs grad, or one on a GPU: its __array__ decides
    if hasattr(array, "detach") and hasattr(array, "cpu"):  # torch tensors
        return np.asarray(array.detach().cpu())
    return np.asarray(array)


def _is_array_like(source: Any) -> bool:
    """True for array-likes (``__array__`` / DLPack) that are not Arrow records."""
    if isinstance(source, (pa.Array, pa.ChunkedArray, pa.Scalar, dict)):
        return False
    if hasattr(source, "__arrow_c_array__") or hasattr(source, "__arrow_c_stream__"):
        return False
    return isinstance(source, np.ndarray) or hasattr(source, "__array__") or hasattr(
        source, "__dlpack__"
    )


def _dim_order(dim_order: Any) -> str:
    """`dim_order` with the layouts' H/W aliases as Y/X."""
    if not isinstance(dim_order, str):
        raise TypeError(f"dim_order must be a str (e.g. 'CYX'), not {type(dim_order).__name__}")
    return dim_order.upper().replace("H", "Y").replace("W", "X")


def _dense_array(array: Any) -> np.ndarray:
    """`array` as a NumPy array the core can read in place: native byte order and
    non-negative strides (copied only when needed)."""
    arr = _as_numpy(array)
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
    order = _dim_order(dim_order)
    if channel_names is not None:
        if isinstance(channel_names, str):
            raise TypeError("channel_names must be a sequence of str, not a str")
        names = list(channel_names)
        size_c = arr.shape[order.index("C")] if "C" in order and len(order) == arr.ndim else 1
        if len(order) == arr.ndim and len(names) != size_c:
            raise ValueError(
                f"channel_names has {len(names)} names but the array has {size_c} "
                f"channel{'s' if size_c != 1 else ''} (dim_order {dim_order!r})"
            )
    return _core.image_from_dense(
        arr,
        order,
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
    if isinstance(source, LazyTensorView):
        source = source.collect()
    if isinstance(source, TensorView):
        # The view's selection, all five axes, in the view's dtype.
        pixels = source.with_layout("TCZYX").to_numpy(contiguous=True)
        return _image_from_numpy(pixels, dim_order="TCZYX")
    if _is_array_like(source):  # NumPy arrays, torch tensors, anything with __array__
        return _image_from_numpy(source, dim_order=dim_order)
    return image_from_data(source, "auto")


def _is_array_input(source: Any) -> bool:
    """True for writer inputs made into images from pixels alone (no record id)."""
    return isinstance(source, (TensorView, LazyTensorView)) or _is_array_like(source)


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
            float32 or float64), any strides; read in place. Any array-like: NumPy
            arrays, torch tensors and other DLPack or ``__array__`` producers.
        dim_order: Axis letters of ``array`` (T, C, Z, Y, X, or H/W for Y/X as in
            layouts; Y and X required; missing axes are size 1).
        image_id: Record ``id`` (default ``"unnamed"``).
        name: Record ``name`` (default ``"unknown"``).
        image_type: Record ``image_type``.
        channel_names: Channel names, one per channel (default ``C0..C{n-1}``); another
            count is a ValueError.
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
    if target.lower().endswith((".tif", ".tiff")):
        raise ValueError(
            f"write_parquet writes Parquet, but {target!r} ends in a TIFF suffix; name it "
            "*.ome.parquet (omearrow does not write TIFF)"
        )
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
