"""Turning the records TensorView accepts into core images.

Arrow inputs cross into C++ through the Arrow PyCapsule interface (zero-copy); a dict is
converted to Arrow first with the reference's declared types (the canonical struct of its
encoding), as the reference reads dicts.
"""

from __future__ import annotations

import atexit
import weakref
from typing import Any, Callable

import numpy as np
import pyarrow as pa

from omearrow import _core

__all__ = ["image_from_data", "image_from_dict", "dtype_name"]


def _scalar_as_array(scalar: pa.StructScalar) -> pa.StructArray:
    """A 1-row StructArray holding `scalar`, sharing its list values (pixels) zero-copy.

    pyarrow has no public way back from a scalar to its array; list children
    (planes, chunks) are rebuilt around the scalar's value slices, other children are
    repeated once by pyarrow in C++. No field goes through Python objects.
    """
    arrays = []
    for index, field in enumerate(scalar.type):
        child = scalar[index]
        if child.is_valid and pa.types.is_list(field.type):
            values = child.values
            offsets = pa.array([0, len(values)], pa.int32())
            arrays.append(pa.ListArray.from_arrays(offsets, values, type=field.type))
        elif child.is_valid and pa.types.is_large_list(field.type):
            values = child.values
            offsets = pa.array([0, len(values)], pa.int64())
            arrays.append(pa.LargeListArray.from_arrays(offsets, values, type=field.type))
        else:
            arrays.append(pa.repeat(child, 1))
    return pa.StructArray.from_arrays(arrays, fields=list(scalar.type))


def _canonical_type(encoding: str) -> pa.StructType:
    """The reference's OME_ARROW_STRUCT ("list") or OME_ARROW_BYTE_STRUCT ("bytes")."""
    from omearrow import meta  # imported late: meta imports this module's helpers

    return meta.OME_ARROW_BYTE_STRUCT if encoding == "bytes" else meta.OME_ARROW_STRUCT


_CONVERSION_ERRORS = (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError)


def _typed_array(value: Any, declared: pa.DataType) -> pa.Array:
    """A 1-element array of `value` with the `declared` type where it fits: struct fields
    one by one (undeclared keys kept with inferred types), empty or None lists as empty
    lists of the declared type. A value the declared type cannot hold (a loosely typed
    record: float sizes, other widths) keeps its inferred type; the core reads loose
    records."""
    if pa.types.is_struct(declared) and isinstance(value, dict):
        names = [declared.field(i).name for i in range(declared.num_fields)]
        children = [_typed_array(value.get(name), declared.field(name).type) for name in names]
        for key, item in value.items():
            if key not in names:
                children.append(pa.array([item]))
                names.append(key)
        fields = [pa.field(name, child.type) for name, child in zip(names, children)]
        return pa.StructArray.from_arrays(children, fields=fields)
    try:
        return pa.array([value], type=declared)
    except _CONVERSION_ERRORS:
        return pa.array([value])


def _record_from_dict(data: dict[str, Any]) -> pa.StructArray:
    """A dict record as a 1-row StructArray typed by the canonical struct of its encoding:
    the byte-chunk struct when its chunks carry ``pixel_bytes``, else the list struct."""
    chunks = data.get("chunks") or []
    byte_chunks = any(isinstance(chunk, dict) and "pixel_bytes" in chunk for chunk in chunks)
    return _typed_array(data, _canonical_type("bytes" if byte_chunks else "list"))


# Parsed images of recently used pyarrow arrays, keyed by object identity. pyarrow
# arrays are immutable, so a view of the same array object can reuse its parsed image
# (saving the C-data export/import and the record parse, ~50 µs). Entries hold only a
# weak reference to the array and go away with it; at most _CACHE_SIZE are kept.
_CACHE_SIZE = 64
_cache: dict[tuple[int, str], tuple[weakref.ref, _core.Image]] = {}


def _clear_cache() -> None:
    # At exit, before modules are torn down: cached images would otherwise outlive the
    # extension's type table (nanobind then reports them as "leaked" instances).
    _cache.clear()


atexit.register(_clear_cache)


def _cached(data: Any, policy: str, parse: Callable[[], _core.Image]) -> _core.Image:
    key = (id(data), policy)
    entry = _cache.get(key)
    if entry is not None and entry[0]() is data:
        return entry[1]
    image = parse()
    try:
        ref = weakref.ref(data, lambda _, key=key: _cache.pop(key, None))
    except TypeError:
        return image
    if len(_cache) >= _CACHE_SIZE:
        _cache.pop(next(iter(_cache)), None)
    _cache[key] = (ref, image)
    return image


def image_from_data(data: Any, chunk_policy: Any) -> _core.Image:
    """Parses `data` (dict, StructScalar, StructArray, ChunkedArray, or any object with
    ``__arrow_c_array__`` / ``__arrow_c_stream__``) into a core image; an
    ``omearrow.OmeImage`` (or a core image) is used as it is."""
    policy = str(chunk_policy)
    # The cached Arrow inputs first: the common case of many small views of one record.
    entry = _cache.get((id(data), policy))
    if entry is not None and entry[0]() is data:
        return entry[1]
    if isinstance(data, _core.Image):
        return data
    core_image = getattr(data, "_image", None)
    if isinstance(core_image, _core.Image):  # omearrow.OmeImage (a file, opened lazily)
        return core_image
    if isinstance(data, pa.ChunkedArray):
        return _cached(data, policy, lambda: _core.image_from_stream(data, policy))
    if isinstance(data, pa.Array):
        return _cached(data, policy, lambda: _core.image_from_array(data, "array", policy))
    if isinstance(data, pa.StructScalar):
        return _core.image_from_array(_scalar_as_array(data), "scalar", policy)
    if isinstance(data, dict):
        return image_from_dict(data, policy)[0]
    if hasattr(data, "__arrow_c_array__"):
        return _core.image_from_array(data, "array", policy)
    if hasattr(data, "__arrow_c_stream__"):
        return _core.image_from_stream(data, policy)
    raise TypeError(
        "TensorView data must be a dict, pyarrow.StructScalar, pyarrow.StructArray, "
        f"pyarrow.ChunkedArray or omearrow.OmeImage, not {type(data).__name__}"
    )


def image_from_dict(data: dict[str, Any], policy: str) -> tuple[_core.Image, pa.StructArray]:
    """A dict record's core image and the Arrow record it was converted to."""
    record = _record_from_dict(data)
    return _core.image_from_array(record, "dict", policy), record


def dtype_name(dtype: Any) -> str:
    """The NumPy name of an output dtype (anything numpy.dtype() accepts); the core
    rejects names it does not support with TypeError."""
    dt = np.dtype(dtype)
    if not dt.isnative:
        raise TypeError(f"omearrow only produces native byte order, not dtype {dt.str!r}")
    return dt.name
