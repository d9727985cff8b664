"""omearrow.meta: the meta-definition of the OME-Arrow format, as the reference's
``ome_arrow.meta`` names it, and validation of records.

The struct types come from omearrow's C++ definitions (the schema its writers produce),
handed over through the Arrow C data interface: one source of truth.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from omearrow import _core

__all__ = [
    "OME_ARROW_TAG_TYPE",
    "OME_ARROW_TAG_VERSION",
    "OME_ARROW_STRUCT",
    "OME_ARROW_BYTE_STRUCT",
    "OME_ARROW_KNOWN_STRUCTS",
    "validate",
]

#: The ``type`` of every record and the ``ome.arrow.type`` Parquet schema metadata.
OME_ARROW_TAG_TYPE: str = _core.OME_ARROW_TAG_TYPE
#: The format version omearrow writes (``version``, ``ome.arrow.version``).
OME_ARROW_TAG_VERSION: str = _core.OME_ARROW_TAG_VERSION
#: A record with pixels as ``list<uint16>`` in ``planes`` and list ``chunks``.
OME_ARROW_STRUCT: pa.StructType = pa.DataType._import_from_c_capsule(
    _core.canonical_type("list")
)
#: The same record with chunks holding typed bytes (``dtype``, ``compression``,
#: ``pixel_bytes``).
OME_ARROW_BYTE_STRUCT: pa.StructType = pa.DataType._import_from_c_capsule(
    _core.canonical_type("bytes")
)
#: Both record types, the list struct first.
OME_ARROW_KNOWN_STRUCTS = (OME_ARROW_STRUCT, OME_ARROW_BYTE_STRUCT)


def validate(data: Any, *, strict: bool = False, max_problems: int = 100) -> list[str]:
    """The problems of OME-Arrow records, as ``"field.path: what is wrong"`` strings;
    an empty list when every record is valid.

    Args:
        data: Anything ``TensorView`` accepts (dict, ``pa.StructScalar``,
            ``pa.StructArray`` of any length, ``pa.ChunkedArray`` such as a Parquet
            column, or any Arrow array/stream producer). Every row is checked; with
            more than one row each problem starts with ``[row N]``.
        strict: ``True``: the Arrow type must be exactly ``OME_ARROW_STRUCT`` or
            ``OME_ARROW_BYTE_STRUCT`` and ``type`` must be ``"ome.arrow"``. ``False``
            (default): the reference's loose rules (any numeric widths, any field
            order, optional fields missing).
        max_problems: Problems listed per record at most (then a count of the rest).

    Checks: missing or mistyped fields, sizes that are not positive (or overflow), planes
    and chunks outside the image or listed twice, pixel counts that do not match
    ``size_y × size_x`` or the chunk shape, byte chunks with an unknown dtype or
    compression or a raw payload whose length does not match shape and dtype.
    """
    from omearrow._inputs import _record_from_dict, _scalar_as_array

    if isinstance(data, dict):
        data = _record_from_dict(data)
    elif isinstance(data, pa.StructScalar):
        data = _scalar_as_array(data)
    if isinstance(data, pa.ChunkedArray) or (
        not hasattr(data, "__arrow_c_array__") and hasattr(data, "__arrow_c_stream__")
    ):
        stream = True
    elif hasattr(data, "__arrow_c_array__"):
        stream = False
    else:
        raise TypeError(
            "validate() takes a dict, pyarrow.StructScalar, StructArray, ChunkedArray or "
            f"an Arrow array/stream producer, not {type(data).__name__}"
        )
    total, rows = _core.validate_records(data, stream, bool(strict), int(max_problems))
    several = total > 1
    return [
        (f"[row {row}] " if several else "") + f"{path}: {message}"
        for row, path, message in rows
    ]
