"""Helpers for the file tests: sample pixels, sample paths, tifffile as TCZYX, views
compared with NumPy slicing, and "this file was not modified" checks."""

from __future__ import annotations

import contextlib
import hashlib
import os
import pathlib
from typing import Iterator

import numpy as np
import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
TESTDATA = REPO / "testdata"
SHARED_DATA = REPO.parent / "shared" / "data"
JUMP = TESTDATA / "BR00117006.ome.parquet"
JUMP_COLUMN = "Image_FileName_OrigDNA_OMEArrow_ORIG"

# The small real TIFFs always present in testdata/, and the larger ones of the shared set.
TESTDATA_TIFFS = (
    "single-channel.ome.tiff",
    "multi-channel.ome.tiff",
    "z-series.ome.tiff",
    "time-series.ome.tif",
    "AS_09125_050116030001_D03f00d0.tif",
)
SHARED_TIFFS = (
    "4D-series.ome.tiff",
    "multi-channel-z-series.ome.tiff",
    "multi-channel-time-series.ome.tiff",
    "AS_09125_050116030001_D03f00d1.tif",
    "AS_09125_050116030001_D03f00d2.tif",
)

DTYPES = ("uint8", "int8", "uint16", "int16", "uint32", "int32", "uint64", "int64",
          "float32", "float64")


def shared_file(name: str) -> pathlib.Path:
    """A file of the shared sample set, or pytest.skip when the set is not present."""
    path = SHARED_DATA / name
    if not path.exists():
        pytest.skip(f"shared sample data not present ({SHARED_DATA} has no {name})")
    return path


def sample_pixels(shape: tuple[int, ...], dtype: str, seed: int = 0) -> np.ndarray:
    """Deterministic pixels covering the dtype's range (negatives for signed types,
    fractions for floats), distinct enough that any misplaced value shows."""
    rng = np.random.default_rng(seed)
    dt = np.dtype(dtype)
    if dt.kind == "f":
        return (rng.standard_normal(shape) * 1000).astype(dt)
    info = np.iinfo(dt)
    lo = max(int(info.min), -(1 << 40))
    hi = min(int(info.max), 1 << 40)
    return rng.integers(lo, hi, size=shape, endpoint=True, dtype=np.int64).astype(dt)


def tifffile_tczyx(path: os.PathLike[str] | str) -> np.ndarray:
    """What tifffile reads from `path` (first series), with its axes mapped to TCZYX:
    samples (S) are channels, a page axis (I/Q) of a plain TIFF is Z."""
    import tifffile

    with tifffile.TiffFile(path) as tif:
        series = tif.series[0]
        arr = series.asarray()
        axes = series.axes
    if "S" in axes and "C" not in axes:
        axes = axes.replace("S", "C")
    for page_axis in "IQ":
        if page_axis in axes and "Z" not in axes:
            axes = axes.replace(page_axis, "Z")
    assert set(axes) <= set("TCZYX"), f"unexpected tifffile axes {series.axes!r}"
    for letter in "TCZYX":
        if letter not in axes:
            arr = arr[np.newaxis]
            axes = letter + axes
    return np.transpose(arr, [axes.index(letter) for letter in "TCZYX"])


def full_array(image) -> np.ndarray:
    """All pixels of an OmeImage as a (T, C, Z, Y, X) array, through a lazy view."""
    return image.tensor_view(layout="TCZYX").to_numpy()


def assert_views_match(image, expected: np.ndarray, *, tiles: bool = False) -> None:
    """Views of `image` (an OmeImage) equal NumPy slicing of `expected` (TCZYX)."""
    st, sc, sz, sy, sx = expected.shape
    assert image.shape == expected.shape
    assert image.dtype == expected.dtype

    # Everything, in the reference's default layout (CHW for one t and one z, else
    # TZCHW) and in TCZYX.
    default = expected[0, :, 0] if st == 1 and sz == 1 else expected.transpose(0, 2, 1, 3, 4)
    np.testing.assert_array_equal(image.tensor_view().to_numpy(), default)
    np.testing.assert_array_equal(full_array(image), expected)

    # One plane (default CHW layout).
    t, z = st - 1, sz // 2
    view = image.tensor_view(t=t, z=z)
    assert view.shape == (sc, sy, sx)
    np.testing.assert_array_equal(view.to_numpy(), expected[t, :, z])

    # A crop with channel lists, Z slices and a channels-last layout.
    x, y, w, h = sx // 4, sy // 3, max(1, sx // 2), max(1, sy // 2)
    cs = [sc - 1, 0] if sc > 1 else [0]
    view = image.tensor_view(c=cs, z=slice(0, sz, 2), roi=(x, y, w, h), layout="TZYXC")
    np.testing.assert_array_equal(
        view.to_numpy(),
        expected[:, cs][:, :, 0:sz:2, y:y + h, x:x + w].transpose(0, 2, 3, 4, 1))

    # roi3d and a cast.
    d = max(1, sz - 1)
    view = image.tensor_view(t=0, roi3d=(1, 1, sz - d, sx - 1, sy - 1, d), layout="CZYX",
                             dtype=np.float64)
    np.testing.assert_array_equal(
        view.to_numpy(),
        expected[0, :, sz - d:, 1:, 1:].astype(np.float64))

    if tiles and image.chunk_grid is not None:
        grid = image.chunk_grid
        cy, cx = grid["chunk_y"], grid["chunk_x"]
        ty, tx = (sy - 1) // cy, (sx - 1) // cx  # the last (edge-clipped) tile
        view = image.tensor_view(t=0, z=0, tile=(ty, tx))
        np.testing.assert_array_equal(
            view.to_numpy(), expected[0, :, 0, ty * cy:(ty + 1) * cy, tx * cx:(tx + 1) * cx])


def _fingerprint(path: pathlib.Path) -> dict[str, tuple[str, int]]:
    paths = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    out = {}
    for p in paths:
        stat = p.stat()
        out[str(p)] = (hashlib.sha256(p.read_bytes()).hexdigest(), stat.st_mtime_ns)
    return out


@contextlib.contextmanager
def unmodified(*paths: os.PathLike[str] | str) -> Iterator[None]:
    """Asserts that the files (or directory trees) keep their bytes and mtimes."""
    roots = [pathlib.Path(p) for p in paths]
    before = [_fingerprint(root) for root in roots]
    yield
    after = [_fingerprint(root) for root in roots]
    assert after == before, "an input file was modified"
