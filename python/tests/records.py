"""OME-Arrow records built with pyarrow for the tests and benchmarks.

`make_record(pixels, encoding=...)` returns a 1-row ``pa.StructArray`` holding the
(T, C, Z, Y, X) array `pixels` in one of the encodings OME-Arrow uses.
"""

from __future__ import annotations

import datetime as _dt
from typing import Sequence

import numpy as np
import pyarrow as pa

ENCODINGS = ("planes", "chunks", "bytes", "bytes_zstd", "bytes_lz4")


def _list_of(values: pa.Array, lengths: Sequence[int]) -> pa.ListArray:
    offsets = np.zeros(len(lengths) + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), values)


def _struct(columns: dict[str, pa.Array], order: Sequence[str] | None = None) -> pa.StructArray:
    names = list(order) if order is not None else list(columns)
    return pa.StructArray.from_arrays([columns[n] for n in names], names=names)


def _pixels_type(dtype: np.dtype) -> pa.DataType:
    return pa.from_numpy_dtype(np.dtype(dtype))


def make_record(
    pixels: np.ndarray,
    *,
    encoding: str = "planes",
    chunk_shape: tuple[int, int, int] = (1, 4, 4),
    meta_type: str | None = None,
    loose: bool = False,
    chunk_grid: bool | None = None,
    planes_order: str = "tcz",
) -> pa.StructArray:
    """A 1-row OME-Arrow StructArray for `pixels` (T, C, Z, Y, X).

    encoding: "planes" (planes: list<struct<z,t,c,pixels>>), "chunks" (list chunks),
      "bytes" / "bytes_zstd" / "bytes_lz4" (byte chunks, optionally compressed).
    loose: int64/double metadata and alphabetical field order (as other tools write).
    meta_type: pixels_meta.type (default: the array's dtype name).
    """
    pixels = np.ascontiguousarray(pixels)
    size_t, size_c, size_z, size_y, size_x = pixels.shape
    int32 = pa.int64() if loose else pa.int32()
    int16 = pa.int64() if loose else pa.int16()
    f32 = pa.float64() if loose else pa.float32()
    order = sorted if loose else (lambda names: list(names))
    ptype = _pixels_type(pixels.dtype)

    channels = _struct(
        {
            "id": pa.array([f"ch-{i}" for i in range(size_c)]),
            "name": pa.array([f"C{i}" for i in range(size_c)]),
            "emission_um": pa.array([0.0] * size_c, f32),
            "excitation_um": pa.array([0.0] * size_c, f32),
            "illumination": pa.array(["Unknown"] * size_c),
            "color_rgba": pa.array([0xFFFFFFFF] * size_c, pa.int64() if loose else pa.uint32()),
        }
    )
    pm_cols = {
        "dimension_order": pa.array(["XYZCT"]),
        "type": pa.array([meta_type if meta_type is not None else pixels.dtype.name]),
        "size_x": pa.array([size_x], int32),
        "size_y": pa.array([size_y], int32),
        "size_z": pa.array([size_z], int32),
        "size_c": pa.array([size_c], int16),
        "size_t": pa.array([size_t], int32),
        "physical_size_x": pa.array([1.0], f32),
        "physical_size_y": pa.array([1.0], f32),
        "physical_size_z": pa.array([1.0], f32),
        "physical_size_x_unit": pa.array(["µm"]),
        "physical_size_y_unit": pa.array(["µm"]),
        "physical_size_z_unit": pa.array(["µm"]),
        "channels": _list_of(channels, [size_c]),
    }
    pixels_meta = _struct(pm_cols, order(pm_cols))

    cz, cy, cx = chunk_shape
    grid_cols = {
        "order": pa.array(["TCZYX"]),
        "chunk_t": pa.array([1], int32),
        "chunk_c": pa.array([1], int16),
        "chunk_z": pa.array([cz], int32),
        "chunk_y": pa.array([cy], int32),
        "chunk_x": pa.array([cx], int32),
        "chunk_order": pa.array(["ZYX"]),
    }
    with_grid = chunk_grid if chunk_grid is not None else encoding != "planes"
    grid = _struct(grid_cols, order(grid_cols))
    if not with_grid:
        grid = pa.array([None], grid.type)

    # planes
    plane_rows = []
    for t in range(size_t):
        for c in range(size_c):
            for z in range(size_z):
                plane_rows.append((t, c, z))
    if planes_order == "zct":
        plane_rows.sort(key=lambda r: (r[2], r[1], r[0]))
    plane_values = [pixels[t, c, z].ravel() for t, c, z in plane_rows]
    plane_cols = {
        "z": pa.array([r[2] for r in plane_rows], int32),
        "t": pa.array([r[0] for r in plane_rows], int32),
        "c": pa.array([r[1] for r in plane_rows], int16),
        "pixels": _list_of(
            pa.array(np.concatenate(plane_values) if plane_values else [], ptype),
            [v.size for v in plane_values],
        ),
    }

    # chunks
    chunk_rows = []
    chunk_payloads = []
    if encoding != "planes":
        for t in range(size_t):
            for c in range(size_c):
                for z0 in range(0, size_z, cz):
                    for y0 in range(0, size_y, cy):
                        for x0 in range(0, size_x, cx):
                            block = pixels[t, c, z0 : z0 + cz, y0 : y0 + cy, x0 : x0 + cx]
                            chunk_rows.append((t, c, z0, y0, x0) + block.shape)
                            chunk_payloads.append(np.ascontiguousarray(block).ravel())
    chunk_cols = {
        "t": pa.array([r[0] for r in chunk_rows], int32),
        "c": pa.array([r[1] for r in chunk_rows], int16),
        "z": pa.array([r[2] for r in chunk_rows], int32),
        "y": pa.array([r[3] for r in chunk_rows], int32),
        "x": pa.array([r[4] for r in chunk_rows], int32),
        "shape_z": pa.array([r[5] for r in chunk_rows], int32),
        "shape_y": pa.array([r[6] for r in chunk_rows], int32),
        "shape_x": pa.array([r[7] for r in chunk_rows], int32),
    }
    if encoding.startswith("bytes"):
        codec = {"bytes": None, "bytes_zstd": "zstd", "bytes_lz4": "lz4"}[encoding]
        blobs = []
        for payload in chunk_payloads:
            raw = payload.tobytes()
            blobs.append(raw if codec is None else pa.Codec(codec).compress(raw, asbytes=True))
        chunk_cols["dtype"] = pa.array([pixels.dtype.name] * len(chunk_rows))
        chunk_cols["compression"] = pa.array([codec] * len(chunk_rows), pa.string())
        chunk_cols["pixel_bytes"] = pa.array(blobs, pa.large_binary())
    else:
        chunk_cols["pixels"] = _list_of(
            pa.array(np.concatenate(chunk_payloads) if chunk_payloads else [], ptype),
            [p.size for p in chunk_payloads],
        )
    chunks_struct = _struct(chunk_cols, order(chunk_cols))
    if encoding.startswith("bytes"):
        # Byte-chunk records keep planes empty, as the reference writes them.
        plane_cols = {k: v[:0] for k, v in plane_cols.items()}
        plane_values = []
    planes_struct = _struct(plane_cols, order(plane_cols))

    top = {
        "type": pa.array(["ome.arrow"]),
        "version": pa.array(["0.1.0"]),
        "id": pa.array(["img"]),
        "name": pa.array(["test image"]),
        "image_type": pa.array(["image"]),
        "acquisition_datetime": pa.array([_dt.datetime(2025, 1, 1)], pa.timestamp("us")),
        "pixels_meta": pixels_meta,
        "chunk_grid": grid,
        "chunks": _list_of(chunks_struct, [len(chunk_rows)]),
        "planes": _list_of(planes_struct, [len(plane_values)]),
        "masks": pa.array([None], pa.null()),
    }
    return _struct(top, order(top))


def sample_pixels(shape: tuple[int, int, int, int, int], dtype=np.uint16, seed: int = 0) -> np.ndarray:
    """Deterministic (T, C, Z, Y, X) test pixels that differ everywhere."""
    rng = np.random.default_rng(seed)
    dt = np.dtype(dtype)
    if dt.kind == "f":
        return rng.standard_normal(shape).astype(dt) * 100
    info = np.iinfo(dt)
    high = min(int(info.max), 60000)
    low = max(int(info.min), -1000)
    return rng.integers(low, high, size=shape, endpoint=True).astype(dt)


def expected(pixels: np.ndarray, t, z, c, roi=None) -> np.ndarray:
    """The (T, Z, C, Y, X) selection of `pixels` (T, C, Z, Y, X) as NumPy indexes it."""
    size_t, size_c, size_z, size_y, size_x = pixels.shape
    tt = _indices(t, size_t)
    zz = _indices(z, size_z)
    cc = _indices(c, size_c)
    x, y, w, h = roi if roi is not None else (0, 0, size_x, size_y)
    tzc = pixels.transpose(0, 2, 1, 3, 4)  # T, Z, C, Y, X
    return tzc[np.ix_(tt, zz, cc)][..., y : y + h, x : x + w]


def _indices(sel, size):
    if sel is None:
        return list(range(size))
    if isinstance(sel, int):
        return [sel % size]
    if isinstance(sel, slice):
        return list(range(*sel.indices(size)))
    return [i % size for i in sel]
