"""omearrow.crops: pixel-exact against NumPy slicing with padding, every boundary mode,
encoding and dtype, border cases, empty centers and bad input."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import omearrow
from records import ENCODINGS, make_record, sample_pixels

DTYPES = ("uint8", "int8", "uint16", "int16", "uint32", "int32", "uint64", "int64",
          "float32", "float64")


def reference_crops(pixels, centers, size, *, t=0, z=0, c=None, boundary="pad", fill=0,
                    dtype=None):
    """What crops() must return, by NumPy slicing of a padded (T, C, Z, Y, X) array."""
    h, w = size
    size_y, size_x = pixels.shape[3:]
    channels = list(range(pixels.shape[1])) if c is None else (
        [c] if isinstance(c, int) else list(c))
    out_dtype = np.dtype(dtype) if dtype is not None else pixels.dtype
    plane = pixels[t][:, z][channels].astype(out_dtype)  # (C, Y, X)
    pad_y, pad_x = h + 2, w + 2
    padded = np.full((len(channels), size_y + 2 * pad_y, size_x + 2 * pad_x), fill,
                     dtype=out_dtype)
    padded[:, pad_y:pad_y + size_y, pad_x:pad_x + size_x] = plane
    out = np.empty((len(centers), len(channels), h, w), dtype=out_dtype)
    for i, (cy, cx) in enumerate(centers):
        y0 = math.floor(cy) - h // 2
        x0 = math.floor(cx) - w // 2
        if boundary == "shift":
            y0 = min(max(y0, 0), size_y - h)
            x0 = min(max(x0, 0), size_x - w)
        if y0 + h <= -pad_y or y0 >= size_y + pad_y or x0 + w <= -pad_x or x0 >= size_x + pad_x:
            out[i] = fill  # far outside: every pixel is padding
            continue
        ys = np.clip(np.arange(y0, y0 + h) + pad_y, 0, padded.shape[1] - 1)
        xs = np.clip(np.arange(x0, x0 + w) + pad_x, 0, padded.shape[2] - 1)
        out[i] = padded[:, ys][:, :, xs]
    return out


def border_centers(size_y, size_x, h, w, seed=0, n_random=60):
    """Every border case (corners, edges, just inside/outside, fractions, far away) plus
    random centers around and beyond the image."""
    ys = [0, 0.5, h // 2, h // 2 - 1, size_y / 2, size_y - 1, size_y - 0.25,
          size_y - (h + 1) // 2, size_y, -1, -0.5, size_y + 100, -300]
    xs = [0, w // 2, size_x - 1, size_x - (w + 1) // 2, -0.75, size_x + 0.5, size_x / 3]
    centers = [(y, x) for y in ys for x in xs]
    rng = np.random.default_rng(seed)
    for _ in range(n_random):
        centers.append((rng.uniform(-h, size_y + h), rng.uniform(-w, size_x + w)))
    return np.array(centers, dtype=np.float64)


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("boundary", ["pad", "shift"])
def test_crops_match_numpy_slicing(encoding, boundary):
    pixels = sample_pixels((2, 3, 2, 37, 45), np.uint16, seed=4)
    record = make_record(pixels, encoding=encoding, chunk_shape=(1, 16, 12))
    centers = border_centers(37, 45, 9, 12)
    got = omearrow.crops(record, centers, (9, 12), t=1, z=-1, c=[2, 0],
                         boundary=boundary, fill=7)
    want = reference_crops(pixels, centers, (9, 12), t=1, z=1, c=[2, 0],
                           boundary=boundary, fill=7)
    assert got.flags.c_contiguous and got.dtype == np.uint16
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("dtype", DTYPES)
def test_crops_every_dtype(dtype):
    pixels = sample_pixels((1, 2, 1, 30, 20), dtype, seed=1)
    record = make_record(pixels, encoding="bytes_zstd", chunk_shape=(1, 8, 8))
    centers = border_centers(30, 20, 7, 6, n_random=20)
    fill = 3 if np.dtype(dtype).kind != "f" else -1.5
    got = omearrow.crops(record, centers, (7, 6), fill=fill)
    np.testing.assert_array_equal(got, reference_crops(pixels, centers, (7, 6), fill=fill))
    assert got.dtype == np.dtype(dtype)


def test_crops_cast_to_dtype_as_astype():
    pixels = sample_pixels((1, 1, 1, 16, 16), np.uint16, seed=2)
    record = make_record(pixels)
    centers = [(0, 0), (8, 8), (15.5, 3.2)]
    got = omearrow.crops(record, centers, (5, 5), dtype=np.float32, fill=-0.25)
    np.testing.assert_array_equal(
        got, reference_crops(pixels, centers, (5, 5), dtype=np.float32, fill=-0.25))


def test_crops_error_boundary_names_the_crop():
    pixels = sample_pixels((1, 1, 1, 40, 30), np.uint16)
    record = make_record(pixels)
    inside = [(5, 5), (35.9, 25.2)]
    np.testing.assert_array_equal(
        omearrow.crops(record, inside, (10, 10), boundary="error"),
        reference_crops(pixels, inside, (10, 10)))
    with pytest.raises(ValueError, match=r"crop 1 \(center y=36, x=5\) covers rows \[31, 41\)"):
        omearrow.crops(record, [(5, 5), (36, 5)], (10, 10), boundary="error")


def test_crops_shift_needs_the_crop_to_fit():
    record = make_record(sample_pixels((1, 1, 1, 40, 30), np.uint16))
    with pytest.raises(ValueError, match=r"larger than the image \(40, 30\)"):
        omearrow.crops(record, [(1, 1)], (20, 31), boundary="shift")


def test_crops_empty_centers():
    record = make_record(sample_pixels((1, 3, 1, 20, 20), np.uint16))
    for empty in ([], np.zeros((0, 2)), np.zeros((0,))):
        out = omearrow.crops(record, empty, (4, 5))
        assert out.shape == (0, 3, 4, 5) and out.dtype == np.uint16


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_crops_non_finite_centers_are_errors(bad):
    record = make_record(sample_pixels((1, 1, 1, 20, 20), np.uint16))
    with pytest.raises(ValueError, match=r"centers\[1\] = .* is not finite"):
        omearrow.crops(record, [(1, 1), (2, bad)], (4, 4))


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(centers=[(1, 2, 3)]), ValueError, r"shape \(N, 2\)"),
        (dict(centers=[[1, 2], [3]]), TypeError, "centers must be numbers"),
        (dict(centers=[("a", "b")]), TypeError, "centers must be numbers"),
        (dict(size=(0, 4)), ValueError, r"size must be \(h, w\)"),
        (dict(size=(4, 4, 4)), TypeError, "size must be an int or"),
        (dict(size=(4.0, 4)), TypeError, "size must be integers"),
        (dict(t=1), ValueError, "t index 1 out of range"),
        (dict(t=[0, 0]), ValueError, "t must select one time point, got 2"),
        (dict(z=slice(0, 0)), ValueError, "z must select one z slice, got 0"),
        (dict(c=[0, 5]), ValueError, "c index 5 out of range"),
        (dict(fill=-1), ValueError, "fill -1 is not representable in uint16"),
        (dict(fill=0.5), ValueError, "not representable"),
        (dict(boundary="wrap"), ValueError, "boundary must be 'pad', 'shift' or 'error'"),
        (dict(output="list"), ValueError, "output must be one of"),
        (dict(dtype="complex64"), TypeError, "does not support dtype"),
    ],
)
def test_crops_bad_arguments(kwargs, error, match):
    record = make_record(sample_pixels((1, 2, 1, 20, 20), np.uint16))
    args = dict(centers=[(1, 1)], size=(4, 4))
    args.update(kwargs)
    with pytest.raises(error, match=match):
        omearrow.crops(record, args.pop("centers"), args.pop("size"), **args)


def test_crops_bad_source():
    with pytest.raises(TypeError, match="must be a dict"):
        omearrow.crops(42, [(1, 1)], 4)


def test_crops_int_size_and_integer_centers():
    pixels = sample_pixels((1, 1, 1, 20, 24), np.uint16)
    record = make_record(pixels)
    centers = np.array([[3, 4], [19, 23]], dtype=np.int64)
    np.testing.assert_array_equal(omearrow.crops(record, centers, 6),
                                  reference_crops(pixels, centers, (6, 6)))


def test_crops_from_files(tmp_path):
    pixels = sample_pixels((1, 2, 3, 70, 90), np.uint16, seed=3)
    path = tmp_path / "cells.ome.parquet"
    omearrow.write_parquet(omearrow.from_numpy(pixels, dim_order="TCZYX"), path)
    centers = border_centers(70, 90, 16, 16, n_random=100)
    got = omearrow.crops(str(path), centers, (16, 16), z=2, fill=1)
    np.testing.assert_array_equal(got, reference_crops(pixels, centers, (16, 16), z=2, fill=1))
    image = omearrow.open(path)
    np.testing.assert_array_equal(omearrow.crops(image, centers, (16, 16), z=2, fill=1), got)


def test_crops_equal_tensor_view_inside_the_image():
    pixels = sample_pixels((1, 3, 1, 50, 60), np.uint16, seed=5)
    record = make_record(pixels, encoding="chunks", chunk_shape=(1, 16, 16))
    centers = [(10, 10), (25.5, 30.9), (40, 50)]
    got = omearrow.crops(record, centers, (8, 10))
    for i, (cy, cx) in enumerate(centers):
        y0, x0 = math.floor(cy) - 4, math.floor(cx) - 5
        view = omearrow.TensorView(record, t=0, z=0, roi=(x0, y0, 10, 8))
        np.testing.assert_array_equal(got[i], view.to_numpy())


def test_crops_outputs_torch_and_dlpack():
    torch = pytest.importorskip("torch")
    pixels = sample_pixels((1, 2, 1, 20, 20), np.uint16)
    record = make_record(pixels)
    centers = [(1, 1), (10, 10)]
    want = reference_crops(pixels, centers, (4, 4))
    tensor = omearrow.crops(record, centers, (4, 4), output="torch")
    assert isinstance(tensor, torch.Tensor) and tuple(tensor.shape) == (2, 2, 4, 4)
    np.testing.assert_array_equal(tensor.numpy(), want)
    capsule = omearrow.crops(record, centers, (4, 4), output="dlpack")
    np.testing.assert_array_equal(np.from_dlpack(capsule), want)


def test_crops_unknown_meta_type_warns_like_tensor_view():
    pixels = sample_pixels((1, 1, 1, 8, 8), np.uint16)
    record = make_record(pixels, meta_type="not-a-dtype")
    with pytest.warns(RuntimeWarning, match="falling back to uint16"):
        out = omearrow.crops(record, [(4, 4)], 2)
    assert out.dtype == np.uint16


def test_crops_release_the_gil_and_run_concurrently():
    import threading

    pixels = sample_pixels((1, 1, 1, 256, 256), np.uint16, seed=8)
    record = make_record(pixels)
    rng = np.random.default_rng(0)
    centers = rng.uniform(-10, 266, size=(2000, 2))
    want = reference_crops(pixels, centers, (32, 32))
    results = [None] * 4

    def work(k):
        results[k] = omearrow.crops(record, centers, (32, 32))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for result in results:
        np.testing.assert_array_equal(result, want)


def test_crops_into_out_buffer_reused():
    pixels = sample_pixels((1, 2, 1, 40, 40), np.uint16, seed=9)
    record = make_record(pixels, encoding="bytes_zstd", chunk_shape=(1, 16, 16))
    out = np.full((5, 2, 6, 7), 12345, dtype=np.uint16)
    rng = np.random.default_rng(3)
    for _ in range(3):
        centers = rng.uniform(-5, 45, size=(5, 2))
        result = omearrow.crops(record, centers, (6, 7), fill=1, out=out)
        assert result is out
        np.testing.assert_array_equal(out, reference_crops(pixels, centers, (6, 7), fill=1))
    as_float = np.zeros((5, 2, 6, 7), dtype=np.float32)
    omearrow.crops(record, centers, (6, 7), dtype="float32", out=as_float)
    np.testing.assert_array_equal(as_float, reference_crops(pixels, centers, (6, 7),
                                                            dtype=np.float32))


@pytest.mark.parametrize(
    "out, error, match",
    [
        (np.zeros((2, 2, 6, 7), np.uint16), ValueError, r"shape \(5, 2, 6, 7\) and dtype uint16, got shape \(2, 2, 6, 7\)"),
        (np.zeros((5, 2, 6, 7), np.int16), ValueError, "got shape .* and dtype int16"),
        (np.zeros((5, 2, 7, 6), np.uint16).transpose(0, 1, 3, 2), ValueError, "C-contiguous"),
        (np.zeros((5, 2, 6, 7), ">u2"), ValueError, "native byte order"),
        ([0] * 5, TypeError, "out must be a numpy.ndarray"),
    ],
)
def test_crops_bad_out(out, error, match):
    record = make_record(sample_pixels((1, 2, 1, 20, 20), np.uint16))
    with pytest.raises(error, match=match):
        omearrow.crops(record, np.ones((5, 2)), (6, 7), out=out)


def test_crops_read_only_out_is_rejected():
    record = make_record(sample_pixels((1, 1, 1, 20, 20), np.uint16))
    out = np.zeros((1, 1, 2, 2), np.uint16)
    out.flags.writeable = False
    with pytest.raises(ValueError, match="writable"):
        omearrow.crops(record, [(1, 1)], 2, out=out)


@pytest.mark.parametrize("encoding", ["list", "bytes"])
def test_crops_from_list_and_byte_files(tmp_path, encoding):
    pixels = sample_pixels((1, 2, 2, 50, 60), np.uint16, seed=12)
    path = tmp_path / f"{encoding}.ome.parquet"
    omearrow.write_parquet(omearrow.from_numpy(pixels, dim_order="TCZYX"), path,
                           encoding=encoding, chunk_shape=(1, 16, 16))
    centers = border_centers(50, 60, 9, 9, n_random=50)
    for boundary in ("pad", "shift"):
        got = omearrow.crops(path, centers, 9, z=1, c=[1, 0], boundary=boundary, fill=3)
        np.testing.assert_array_equal(
            got, reference_crops(pixels, centers, (9, 9), z=1, c=[1, 0], boundary=boundary,
                                 fill=3))


@pytest.mark.parametrize("which", ["jump", "tiff"])
def test_crops_of_real_files_equal_slicing_their_full_view(which):
    from files_support import JUMP, JUMP_COLUMN, TESTDATA

    if which == "jump":  # the JUMP / CytoDataFrame file: 72x84 single-cell crops
        image = omearrow.open(JUMP, column=JUMP_COLUMN)
    else:
        image = omearrow.open(TESTDATA / "multi-channel.ome.tiff")
    _, size_c, _, size_y, size_x = image.shape
    full = image.tensor_view(t=0, z=0, layout="CYX").to_numpy()
    pixels = full[None, :, None]  # (T, C, Z, Y, X)
    centers = border_centers(size_y, size_x, 16, 20, n_random=30)
    got = omearrow.crops(image, centers, (16, 20), fill=0)
    assert got.shape == (len(centers), size_c, 16, 20)
    np.testing.assert_array_equal(got, reference_crops(pixels, centers, (16, 20)))
