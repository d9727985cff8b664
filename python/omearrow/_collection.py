"""Collections: many OME-Arrow images across files and object storage, selected by their
metadata (``omearrow.open_collection``).

Opening lists the files and reads each file's footer and metadata leaves (no pixels) in
C++ on several threads; ``metadata`` is a ``pyarrow.Table`` with one row per image, so
selections can use pyarrow compute expressions, Polars or DuckDB. Images open lazily
(``collection[i]`` is an ``OmeImage``) and views read only the pixels they touch.
"""

from __future__ import annotations

import operator
import os
from typing import Any, Iterator, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from omearrow import _core
from omearrow._files import OmeImage, _fspath
from omearrow._uri import prepare_object_storage
from omearrow._warn import emit

__all__ = ["Collection", "open_collection"]

_INDEX = "__omearrow_index__"


def _sources(source: Any) -> list[str]:
    if isinstance(source, (str, bytes, os.PathLike)):
        return [_fspath(source, "source")]
    if isinstance(source, (list, tuple)):
        if not source:
            raise ValueError("open_collection needs at least one source")
        return [_fspath(s, "source") for s in source]
    raise TypeError(
        "source must be a path, a glob, a URI or a list of them, not "
        f"{type(source).__name__}"
    )


class Collection:
    """Images of many files, opened by ``omearrow.open_collection`` (metadata only).

    ``len(collection)`` images; ``collection[i]`` is the lazy ``OmeImage`` of image i
    (row i of ``metadata``); iterating yields them in order. ``filter`` / ``take`` give
    sub-collections; their images' pixels are the only ones ever read.
    """

    __slots__ = ("_core", "_metadata")

    def __init__(self) -> None:
        raise TypeError("Collection objects are made by omearrow.open_collection(source)")

    @classmethod
    def _make(cls, core: _core.Collection) -> "Collection":
        out = cls.__new__(cls)
        out._core = core
        out._metadata = None
        return out

    def __len__(self) -> int:
        return len(self._core)

    def __repr__(self) -> str:
        from omearrow._montage import collection_repr

        return collection_repr(self)

    def _repr_html_(self) -> str:
        from omearrow._montage import collection_html

        return collection_html(self)

    def montage(
        self,
        *,
        n: int = 16,
        by: str | Sequence[str] | None = None,
        size: int = 128,
        columns: int | None = None,
        t: int = 0,
        z: int | None = None,
        c: int | Sequence[int] | None = None,
        contrast: tuple[float, float] = (0.5, 99.5),
        captions: bool = True,
        on_error: str = "raise",
        parallelism: int = 0,
    ) -> bytes:
        """A PNG grid of thumbnails of the first ``n`` images, each captioned.

        Each tile is ``omearrow.preview`` of one image (plane ``t``/``z``, channels
        ``c``, per-channel ``contrast`` percentiles, channel colors), shrunk or enlarged
        to fit ``size``×``size`` pixels. Captions are the image names, or with ``by``
        the values of those metadata columns (``by=["Metadata_Well",
        "Metadata_Site"]`` → "B02 · 3"), drawn with FreeType (DejaVu Sans; another font
        through the ``OMEARROW_FONT`` environment variable). Images are read in C++ on
        ``parallelism`` threads (0: all cores) without the GIL; only the shown plane of
        each is read.

        Args:
            n: most images shown (the first n, in collection order; use ``filter`` or
                ``take`` to choose). by: caption column(s). size: tile side in pixels.
            columns: tiles per row (default: a square grid). captions: False draws no
                caption band (and needs no font).
            on_error: ``"raise"`` (an unreadable image raises, naming it) or ``"skip"``
                (it is drawn as a crossed tile and a RuntimeWarning names it).

        Returns:
            bytes: an 8-bit RGB PNG file.
        """
        from omearrow._montage import montage

        return montage(
            self, n=n, by=by, size=size, columns=columns, t=t, z=z, c=c,
            contrast=contrast, captions=captions, on_error=on_error,
            parallelism=parallelism,
        )

    @property
    def metadata(self) -> pa.Table:
        """One row per image: ``path``, ``row``, ``column``, ``id``, ``name``,
        ``size_t/c/z/y/x``, ``dtype``, ``encoding``, ``chunk_t..chunk_x``,
        ``physical_size_x/y/z`` (+ ``_unit``), ``channel_names``, then every non-pixel
        top-level column of the files (e.g. ``Metadata_Plate``) as stored."""
        if self._metadata is None:
            self._metadata = pa.table(self._core.metadata)
        return self._metadata

    @property
    def errors(self) -> list[tuple[str, str]]:
        """Files left out with ``on_error="skip"``: ``(path, message)`` pairs."""
        return self._core.errors

    @property
    def open_bytes_read(self) -> int:
        """Bytes read from the files while opening (footers and metadata leaves; what the
        process-wide metadata cache held is not read again and not counted)."""
        return self._core.open_bytes_read

    @property
    def row_groups(self) -> int:
        """Parquet row groups of the files opened."""
        return self._core.row_groups

    @property
    def row_groups_skipped(self) -> int:
        """Row groups that ``open_collection(..., filter=...)`` ruled out by their
        statistics and never read."""
        return self._core.row_groups_skipped

    def _index(self, i: Any) -> int:
        if isinstance(i, bool):
            raise TypeError("collection indices must be integers, not bool")
        try:
            i = operator.index(i)
        except TypeError:
            raise TypeError(
                f"collection indices must be integers, not {type(i).__name__}"
            ) from None
        n = len(self)
        if i < -n or i >= n:
            raise IndexError(f"collection index {i} is out of range for {n} images")
        return i + n if i < 0 else i

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return self.take(range(*i.indices(len(self))))
        index = self._index(i)
        image, warnings = self._core.open_image(index)
        emit(warnings, 2)
        path, row, column = self._core.entry(index)
        return OmeImage._make(
            image,
            path=path,
            format="dataset" if column == "" else "parquet",
            column=column or None,
            row=row,
            image_id=None,
        )

    def __iter__(self) -> Iterator[OmeImage]:
        for i in range(len(self)):
            yield self[i]

    def take(self, indices: Any) -> "Collection":
        """The images at ``indices`` (ints, negative from the end; a NumPy/pyarrow integer
        array works), in that order."""
        if isinstance(indices, (pa.Array, pa.ChunkedArray)):
            indices = indices.to_numpy(zero_copy_only=False)
        values = np.asarray(indices)
        if values.size == 0:
            values = values.astype(np.int64)
        if values.dtype == bool:
            raise TypeError("take() needs integer indices; use filter() for a boolean mask")
        if not np.issubdtype(values.dtype, np.integer):
            raise TypeError(f"take() needs integer indices, not {values.dtype}")
        n = len(self)
        values = values.astype(np.int64).ravel()
        values = np.where(values < 0, values + n, values)
        return Collection._make(self._core.take(values.tolist()))

    def filter(self, predicate: Any) -> "Collection":
        """The images whose metadata rows match ``predicate``: a
        ``pyarrow.compute.Expression`` over the metadata columns (e.g.
        ``pc.field("Metadata_Well") == "B02"``), or a boolean mask with one value per
        image (list, NumPy array, pyarrow array: e.g. from Polars or DuckDB). Null mask
        values and expression results count as False. Only the metadata table is
        evaluated; no pixels are read."""
        n = len(self)
        if isinstance(predicate, pc.Expression):
            table = self.metadata.append_column(_INDEX, pa.array(np.arange(n, dtype=np.int64)))
            kept = table.filter(predicate).column(_INDEX)
            return self.take(kept)
        if isinstance(predicate, (pa.Array, pa.ChunkedArray)):
            if not pa.types.is_boolean(predicate.type):
                raise TypeError(f"a filter mask must be boolean, not {predicate.type}")
            mask = predicate.fill_null(False).to_numpy(zero_copy_only=False)
        else:
            mask = np.asarray(predicate)
            if mask.dtype != bool:
                raise TypeError(
                    "filter() takes a pyarrow.compute.Expression or a boolean mask, not "
                    f"{type(predicate).__name__} of {mask.dtype}"
                )
        if mask.shape != (n,):
            raise ValueError(f"a filter mask needs {n} values (one per image), got {mask.shape}")
        return self.take(np.flatnonzero(mask))

    def tensor_views(self, **selection: Any) -> list[Any]:
        """A ``LazyTensorView`` of each image with the same selection (``t``, ``z``,
        ``c``, ``roi``, ``layout``, ``dtype``, ... as ``OmeImage.tensor_view``)."""
        return [image.tensor_view(**selection) for image in self]

    def to_dask(
        self,
        *,
        t: Any = None,
        z: Any = None,
        c: Any = None,
        roi: tuple[int, int, int, int] | None = None,
        channel_policy: str = "error",
        layout: str | None = None,
        dtype: Any = None,
        chunks: Any = "storage",
    ) -> Any:
        """The images stacked on a new leading axis as one ``dask.array.Array`` (needs
        ``omearrow[dask]``): ``array[i]`` is ``self[i].to_dask(...)`` (see
        ``OmeImage.to_dask``; ``chunks`` names the image axes, the leading axis has one
        image per block). Every image must have image 0's sizes and (unless ``dtype``
        is given) pixel type, checked on the metadata table: otherwise ``ValueError``
        naming the first that differs (filter the collection first). Only image 0 is
        opened here; block tasks carry each image's path, column and row."""
        from omearrow._dask import collection_to_dask

        selection = dict(t=t, z=z, c=c, roi=roi, channel_policy=channel_policy)
        return collection_to_dask(self, selection, layout, dtype, chunks)

    def _tile_items(
        self,
        tile_size: tuple[int, int],
        layout: str | None,
        dtype: Any,
        t: Any,
        z: Any,
        c: Any,
        roi: tuple[int, int, int, int] | None,
        channel_policy: str,
        shuffle: bool,
        seed: int,
        prefetch: int,
    ) -> Iterator[Any]:
        views = []
        for index, image in enumerate(self):
            try:
                views.append(
                    image.tensor_view(
                        t=t, z=z, c=c, roi=roi, layout=layout, dtype=dtype,
                        channel_policy=channel_policy,
                    ).collect()
                )
            except Exception as exc:
                raise type(exc)(f"collection image {index}: {exc}") from exc
        stream = _core.tile_stream(
            [view._view for view in views],
            tile_size=tuple(tile_size),
            shuffle=bool(shuffle),
            seed=int(seed) & ((1 << 64) - 1),
            epoch=0,
            shard_index=0,
            shard_count=1,
            prefetch=prefetch,
            source_label="collection image",
        )
        try:
            while True:
                item = stream.next()
                if item is None:
                    return
                yield item
        finally:
            stream.close()

    def iter_dlpack(
        self,
        tile_size: tuple[int, int],
        *,
        layout: str | None = None,
        dtype: Any = None,
        t: Any = None,
        z: Any = None,
        c: Any = None,
        roi: tuple[int, int, int, int] | None = None,
        channel_policy: str = "error",
        shuffle: bool = False,
        seed: int = 0,
        prefetch: int = 0,
        with_index: bool = False,
    ) -> Iterator[Any]:
        """2-D tiles of every image as DLPack producers (``torch.from_dlpack``,
        ``np.from_dlpack``, ``jax.dlpack.from_dlpack``; each consumed once).

        The C++ ``TileStream`` of ``omearrow.data.TileDataset``: one task list over all
        images (for each image, each selected (t, z), tiles row by row, edge tiles
        clipped), shuffled together with ``shuffle`` (``random.Random(seed)``), and
        prefetched ``prefetch`` tiles ahead on C++ threads across image boundaries.
        With ``with_index`` yields ``(tile, (image, t, z, x, y, w, h))``. Selection
        arguments as ``OmeImage.tensor_view``; default tile layout ``"CHW"``."""
        for tile, task in self._tile_items(tile_size, layout, dtype, t, z, c, roi,
                                           channel_policy, shuffle, seed, prefetch):
            yield (tile, task) if with_index else tile

    def iter_tiles(
        self,
        tile_size: tuple[int, int],
        *,
        layout: str | None = None,
        dtype: Any = None,
        t: Any = None,
        z: Any = None,
        c: Any = None,
        roi: tuple[int, int, int, int] | None = None,
        channel_policy: str = "error",
        shuffle: bool = False,
        seed: int = 0,
        prefetch: int = 0,
        with_index: bool = False,
    ) -> Iterator[Any]:
        """``iter_dlpack`` as NumPy arrays."""
        for tile, task in self._tile_items(tile_size, layout, dtype, t, z, c, roi,
                                           channel_policy, shuffle, seed, prefetch):
            array = np.from_dlpack(tile)
            yield (array, task) if with_index else array


def open_collection(
    source: Any,
    *,
    column: str | None = None,
    on_error: str = "raise",
    parallelism: int = 8,
    filter: Any = None,
    cache: bool = True,
) -> Collection:
    """Open many OME-Arrow images by their metadata, reading no pixels.

    Args:
        source: A directory (searched recursively for ``*.parquet``/``*.pq`` files and
            typed-chunk dataset directories), a glob (``"plates/*.parquet"``), a
            Parquet file, a URI (``s3://bucket/prefix/``, ``s3://bucket/a.parquet``,
            ``file:///...``; S3 options in the query: ``endpoint_override``,
            ``scheme``, ``region``, ``anonymous``; credentials from the AWS environment
            variables and profiles), or a list of these.
        column: The record column of every file; None takes every OME-Arrow struct
            column of each file (one image per row and column).
        on_error: ``"raise"`` (default: the first unreadable, non-OME or mismatching
            file raises, naming it) or ``"skip"`` (such files are left out and listed
            in ``collection.errors``).
        parallelism: Files read at once.
        filter: Only the images whose metadata rows match: a
            ``pyarrow.compute.Expression`` over the metadata columns (as
            ``Collection.filter``) or a string in the ``omearrow ls --filter`` syntax
            (``"Metadata_Well == 'B02' and size_z > 1"``). Pushed down: the footers'
            row-group statistics (min/max/null counts of integer, boolean, date and string
            columns; rows; path) are checked first and row groups they rule out are never
            read, nor are their records checked. A filter naming an unknown column raises
            even with ``on_error="skip"``.
        cache: Reuse the process-wide metadata cache (footers and row-group metadata,
            keyed by file identity: path, inode, size and times locally; URI, size and
            modification time from the listing remotely), so reopening unchanged files
            reads none of them again. False reads every file.

    Returns:
        Collection: ``len`` images, ``metadata`` table, ``filter``/``take``, lazy images.
    """
    sources = _sources(source)
    if column is not None and not isinstance(column, str):
        raise TypeError(f"column must be a str or None, not {type(column).__name__}")
    if not isinstance(on_error, str):
        raise TypeError(f"on_error must be 'raise' or 'skip', not {on_error!r}")
    if isinstance(parallelism, bool) or not isinstance(parallelism, int) or parallelism < 1:
        raise ValueError(f"parallelism must be a positive integer, not {parallelism!r}")
    filter_text, filter_expression = None, None
    if isinstance(filter, str):
        filter_text = filter
    elif isinstance(filter, pc.Expression):
        # The expression's serialized form (what pickling it stores).
        filter_expression = filter.__reduce__()[1][0].to_pybytes()
    elif filter is not None:
        raise TypeError(
            "filter must be a pyarrow.compute.Expression, a string or None, not "
            f"{type(filter).__name__}"
        )
    if not isinstance(cache, bool):
        raise TypeError(f"cache must be a bool, not {type(cache).__name__}")
    prepare_object_storage(sources)
    return Collection._make(
        _core.open_collection(sources, column, on_error, parallelism, filter_text,
                              filter_expression, cache)
    )
