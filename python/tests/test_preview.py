"""Previews: PNG pictures decoded with Pillow and compared with NumPy doing the same
contrast stretch, on synthetic images with known values and on the real samples."""

from __future__ import annotations

import io

import numpy as np
import pyarrow as pa
import pytest
from PIL import Image

import omearrow
from files_support import JUMP, JUMP_COLUMN, SHARED_DATA, TESTDATA


def decode(png: bytes) -> np.ndarray:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    picture = Image.open(io.BytesIO(png))
    assert picture.mode == "RGB"
    return np.asarray(picture)


def stretch(values: np.ndarray, low: float = 0.5, high: float = 99.5) -> np.ndarray:
    """What one channel should look like: NumPy's percentiles (NaN ignored), clipped."""
    lo, hi = np.nanpercentile(values.astype(np.float64), [low, high])
    out = np.clip((values.astype(np.float64) - lo) / (hi - lo), 0, 1)
    return np.nan_to_num(out, nan=0.0)


def ramp(shape=(40, 60), scale=1.0) -> np.ndarray:
    y, x = np.mgrid[: shape[0], : shape[1]]
    return ((x * 7 + y * 3) * scale).astype(np.float64)


def test_single_channel_is_gray_and_stretched_like_numpy():
    values = ramp().astype(np.uint16) + 1000
    values[0, 0] = 60000  # an outlier above the 99.5th percentile
    rgb = decode(omearrow.preview(values))
    assert rgb.shape == (40, 60, 3)
    assert (rgb[..., 0] == rgb[..., 1]).all() and (rgb[..., 1] == rgb[..., 2]).all()
    expected = np.round(stretch(values) * 255)
    assert np.abs(rgb[..., 0].astype(int) - expected).max() <= 1
    # The outlier does not squash the range: the picture spans dark to bright.
    assert rgb.min() == 0 and rgb.max() == 255
    assert 60 < rgb.mean() < 200


@pytest.mark.parametrize("dtype", ["uint8", "int16", "uint16", "int32", "float32", "float64"])
def test_dtypes_scale_to_eight_bits(dtype):
    values = ramp(scale=3.0 if dtype != "uint8" else 0.4).astype(dtype)
    rgb = decode(omearrow.preview(values, contrast=(0, 100)))
    expected = np.round(stretch(values, 0, 100) * 255)
    assert np.abs(rgb[..., 1].astype(int) - expected).max() <= 1


def test_nan_is_ignored_by_the_percentiles_and_shown_black():
    values = ramp().astype(np.float32)
    values[5:10, :] = np.nan
    rgb = decode(omearrow.preview(values))
    expected = np.round(stretch(values) * 255)
    assert np.abs(rgb[..., 0].astype(int) - expected).max() <= 1
    assert (rgb[5:10] == 0).all()
    assert rgb.max() == 255


def test_channels_take_the_default_palette_and_their_own_contrast():
    # Channel 0 bright on the left, channel 1 bright on the right, on different scales.
    left = np.zeros((30, 40)); left[:, :10] = 50
    right = np.zeros((30, 40)); right[:, 30:] = 40000
    values = np.stack([left, right]).astype(np.uint16)  # CYX
    rgb = decode(omearrow.preview(values))
    assert tuple(rgb[15, 5]) == (255, 0, 0)  # red: channel 0
    assert tuple(rgb[15, 35]) == (0, 255, 0)  # green: channel 1
    assert tuple(rgb[15, 20]) == (0, 0, 0)
    only = decode(omearrow.preview(values, c=1))  # one channel alone is gray
    assert tuple(only[15, 35]) == (255, 255, 255)
    assert tuple(only[15, 5]) == (0, 0, 0)


def with_colors(record: pa.StructArray, colors: list[int]) -> pa.StructArray:
    row = record.to_pylist()[0]
    for channel, color in zip(row["pixels_meta"]["channels"], colors):
        channel["color_rgba"] = color
    return pa.array([row], type=record.type)


def test_metadata_colors_tint_the_channels():
    a = np.zeros((20, 20), np.uint16); a[:, :5] = 100
    b = np.zeros((20, 20), np.uint16); b[:, 15:] = 100
    c = np.zeros((20, 20), np.uint16); c[:5, :] = 100
    record = omearrow.from_numpy(np.stack([a, b, c]), dim_order="CYX")
    colored = with_colors(record, [0xFF00FFFF, 0x00FFFFFF, 0xFFFF00FF])  # magenta, cyan, yellow
    rgb = decode(omearrow.preview(colored))
    assert tuple(rgb[10, 2]) == (255, 0, 255)
    assert tuple(rgb[10, 17]) == (0, 255, 255)
    assert tuple(rgb[2, 10]) == (255, 255, 0)
    assert tuple(rgb[2, 2]) == (255, 255, 255)  # magenta + yellow, clamped
    assert tuple(rgb[10, 10]) == (0, 0, 0)


def test_size_bounds_the_long_side_by_box_averaging():
    values = np.zeros((200, 300), np.uint8)
    values[:, ::2] = 255  # one-pixel stripes average to mid gray
    rgb = decode(omearrow.preview(values, size=100, contrast=(0, 100)))
    assert rgb.shape == (67, 100, 3)
    assert abs(int(rgb.mean()) - 128) <= 1
    small = decode(omearrow.preview(values[:10, :12], size=512))  # never enlarged
    assert small.shape == (10, 12, 3)


def test_middle_z_t_and_views():
    pixels = np.zeros((2, 1, 5, 8, 8), np.uint16)  # TCZYX
    for t in range(2):
        for z in range(5):
            pixels[t, 0, z, :, : 1 + z + t] = 100  # a bar whose width tells (t, z)

    def bar(png):
        return int((decode(png)[4, :, 0] > 128).sum())

    record = omearrow.from_numpy(pixels, dim_order="TCZYX")
    assert bar(omearrow.preview(record)) == 1 + 2  # t=0, middle z=2
    assert bar(omearrow.preview(record, t=1, z=4)) == 1 + 4 + 1
    view = omearrow.TensorView(record, t=1, z=slice(0, 2), roi=(0, 0, 8, 6))
    rgb = decode(omearrow.preview(view))  # t, z index within the view: z = [0, 1][1]
    assert rgb.shape == (6, 8, 3)
    assert int((rgb[4, :, 0] > 128).sum()) == 1 + 1 + 1
    lazy = omearrow.LazyTensorView(loader=lambda: record, t=0, z=4)
    assert bar(omearrow.preview(lazy)) == 1 + 4


def test_argument_errors():
    values = np.zeros((4, 4), np.uint8)
    with pytest.raises(IndexError, match="preview: t=1 out of range for 1 time points"):
        omearrow.preview(values, t=1)
    with pytest.raises(IndexError, match="preview: c=2 out of range for 1 channels"):
        omearrow.preview(values, c=[2])
    with pytest.raises(ValueError, match="0 <= low < high <= 100"):
        omearrow.preview(values, contrast=(50, 5))
    with pytest.raises(TypeError, match="contrast must be two percentiles"):
        omearrow.preview(values, contrast=5)
    with pytest.raises(TypeError, match="c must be None, an int or a sequence of ints"):
        omearrow.preview(values, c="0")
    with pytest.raises(TypeError, match="size must be an int"):
        omearrow.preview(values, size=1.5)
    with pytest.raises(ValueError, match="size must be at least 1"):
        omearrow.preview(values, size=0)
    with pytest.raises(ValueError, match="needs dims="):
        omearrow.preview(np.zeros((1, 1, 4, 4)))


def assert_informative(rgb: np.ndarray, what: str) -> None:
    """Not black, not white, not flat: the contrast stretch kept structure."""
    assert rgb.max() > 200, f"{what}: too dark (max {rgb.max()})"
    assert rgb.min() < 50, f"{what}: too bright (min {rgb.min()})"
    assert rgb.std() > 10, f"{what}: flat (std {rgb.std():.1f})"


@pytest.mark.parametrize(
    "name", ["single-channel.ome.tiff", "multi-channel.ome.tiff", "z-series.ome.tiff",
             "time-series.ome.tif", "AS_09125_050116030001_D03f00d0.tif"])
def test_real_samples_look_like_pictures(name):
    image = omearrow.open(TESTDATA / name)
    rgb = decode(image.preview(size=256))
    _, _, _, size_y, size_x = image.shape
    scale = min(1.0, 256 / max(size_y, size_x))
    assert rgb.shape == (round(size_y * scale), round(size_x * scale), 3)
    assert_informative(rgb, name)
    if image.shape[1] > 1:  # several channels: several hues
        assert len({tuple(int(v > 64) for v in px) for px in rgb.reshape(-1, 3)}) > 2


@pytest.mark.parametrize("row", [0, 1, 2])
def test_jump_crops_look_like_pictures(row):
    image = omearrow.open(JUMP, column=JUMP_COLUMN, row=row)
    rgb = decode(image.preview())
    assert rgb.shape[:2] == image.shape[3:]
    assert_informative(rgb, f"JUMP row {row}")


def test_notebook_representations():
    image = omearrow.open(TESTDATA / "multi-channel.ome.tiff")
    assert decode(image._repr_png_()).shape == (round(167 * 256 / 439), 256, 3)
    page = image._repr_html_()
    assert page.count('<img src="data:image/png;base64,') == 1
    assert 'width="256"' in page
    assert "(1, 3, 1, 167, 439)" in page and str(image.dtype) in page
    for channel in image.channels:
        if channel.get("name"):
            assert channel["name"] in page


@pytest.mark.skipif(not (SHARED_DATA / "multi-channel-z-series.ome.tiff").exists(),
                    reason="../shared/data is not beside this checkout")
@pytest.mark.parametrize("name", ["multi-channel-z-series.ome.tiff",
                                  "multi-channel-time-series.ome.tiff", "4D-series.ome.tiff"])
def test_shared_samples_look_like_pictures(name):
    image = omearrow.open(SHARED_DATA / name)
    assert_informative(decode(image.preview()), name)


def test_small_images_are_enlarged_in_html():
    image = omearrow.open(JUMP, column=JUMP_COLUMN, row=2)  # a 97x73 crop
    page = image._repr_html_()
    assert 'width="192"' in page and "image-rendering:pixelated" in page
    assert "(1, 1, 1, 73, 97)" in page and "uint16" in page


def test_html_shows_the_error_when_pixels_cannot_be_read():
    # The JUMP file's _COMP columns store 3 values per pixel in planes declared as one
    # channel: their metadata opens, their pixels are refused.
    import pyarrow.parquet as pq

    names = pq.read_schema(JUMP).names
    broken = None
    for name in names:
        if name.endswith("_COMP"):
            broken = name
            break
    image = omearrow.open(JUMP, column=broken, row=0)
    with pytest.raises(ValueError):
        image.preview()
    assert image._repr_png_() is None  # the HTML carries the error
    page = image._repr_html_()
    assert "preview failed: ValueError" in page
    assert "planes[0].pixels length" in page
    assert str(image.shape) in page


def test_only_the_shown_planes_are_read():
    pixels = np.zeros((2, 3, 5, 6, 7), np.uint16)
    record = omearrow.from_numpy(pixels, dim_order="TCZYX")
    calls = []

    def loader(t, z, c):
        calls.append((t, z, c))
        plane = np.zeros((6, 7), np.uint16)
        plane[:, : 1 + c] = 100
        return plane

    view = omearrow.TensorView(record, plane_loader=loader)
    rgb = decode(omearrow.preview(view, t=1, c=[0, 2]))
    assert sorted(calls) == [(1, 2, 0), (1, 2, 2)]  # middle z, channels 0 and 2 only
    assert tuple(rgb[3, 0]) == (255, 0, 255)  # red (channel 0) + blue (channel 2)
    assert tuple(rgb[3, 2]) == (0, 0, 255)
    assert tuple(rgb[3, 5]) == (0, 0, 0)
