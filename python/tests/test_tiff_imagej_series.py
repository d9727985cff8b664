"""TIFFs whose writers recorded which axis a page belongs to: ImageJ hyperstacks (what
Fiji and ``tifffile.imwrite(..., imagej=True)`` write) and tifffile's shaped series (a
JSON ``{"shape": [...]}`` description per series). tifffile writes every case and its
reading is the oracle, pixel for pixel; also the open() errors for codecs and predictors
omearrow cannot decode, and OME-TIFF channel entries per C index."""

from __future__ import annotations

import re

import numpy as np
import pytest
import tifffile

import omearrow
from files_support import full_array, sample_pixels


def to_tczyx(arr: np.ndarray, axes: str) -> np.ndarray:
    """`arr` with tifffile axes `axes` as a TCZYX array: samples (S) are channels (the
    fastest part of C when there is a C axis too), a page axis (I/Q, or several in a
    row) is Z, other axes of size 1 are dropped."""
    axes = list(axes)
    for i in reversed(range(len(axes))):
        if axes[i] not in "TCZYXSIQ" and arr.shape[i] == 1:
            arr = arr.squeeze(i)
            del axes[i]
    if "S" in axes:
        if "C" in axes:
            arr = np.moveaxis(arr, axes.index("S"), -1)
            axes.remove("S")
            c = axes.index("C")
            arr = np.moveaxis(arr, -1, c + 1)
            shape = list(arr.shape)
            shape[c : c + 2] = [shape[c] * shape[c + 1]]
            arr = arr.reshape(shape)
        else:
            axes[axes.index("S")] = "C"
    pages = [i for i, a in enumerate(axes) if a in "IQ"]
    if pages:
        assert "Z" not in axes and pages == list(range(pages[0], pages[-1] + 1)), axes
        shape = list(arr.shape)
        shape[pages[0] : pages[-1] + 1] = [int(np.prod(shape[pages[0] : pages[-1] + 1]))]
        arr = arr.reshape(shape)
        axes[pages[0] : pages[-1] + 1] = ["Z"]
    assert set(axes) <= set("TCZYX") and len(set(axes)) == len(axes), axes
    for letter in "TCZYX":
        if letter not in axes:
            arr = arr[np.newaxis]
            axes.insert(0, letter)
    return np.transpose(arr, [axes.index(letter) for letter in "TCZYX"])


def tifffile_series(path, index: int = 0) -> tuple[np.ndarray, str]:
    """Series `index` as tifffile reads it, in TCZYX, and the series kind."""
    with tifffile.TiffFile(path) as tif:
        series = tif.series[index]
        return to_tczyx(series.asarray(), series.axes), series.kind


def assert_matches_tifffile(path, index: int = 0, kind: str | None = None) -> np.ndarray:
    expected, series_kind = tifffile_series(path, index)
    if kind is not None:
        assert series_kind == kind
    image = omearrow.open(path, row=index)
    assert image.shape == expected.shape
    assert image.dtype == expected.dtype
    np.testing.assert_array_equal(full_array(image), expected)
    # One plane, and a crop of two channels, through lazy views read the same pixels.
    t, z = expected.shape[0] - 1, expected.shape[2] // 2
    np.testing.assert_array_equal(
        image.tensor_view(t=t, z=z, layout="CYX").to_numpy(), expected[t, :, z]
    )
    channels = [expected.shape[1] - 1, 0]
    np.testing.assert_array_equal(
        image.tensor_view(t=t, z=z, c=channels, roi=(1, 1, 3, 2), layout="CYX").to_numpy(),
        expected[t, channels, z, 1:3, 1:4],
    )
    return expected


# --- ImageJ hyperstacks -----------------------------------------------------------------

# (axes, shape, dtype): every axes combination ImageJ stores, grayscale and RGB.
IMAGEJ_CASES = [
    ("TZCYX", (2, 3, 2, 5, 7), "uint16"),
    ("TZCYX", (2, 3, 2, 5, 7), "float32"),
    ("TZCYX", (3, 2, 3, 6, 9), "uint8"),
    ("ZCYX", (3, 2, 5, 7), "uint16"),
    ("TCYX", (2, 3, 5, 7), "uint16"),
    ("TZYX", (2, 3, 5, 7), "uint16"),
    ("CYX", (4, 5, 7), "uint16"),
    ("ZYX", (4, 5, 7), "float32"),
    ("TYX", (4, 5, 7), "uint8"),
    ("YX", (5, 7), "uint16"),
    ("TYXS", (4, 5, 7, 3), "uint8"),
    ("ZYXS", (3, 5, 7, 3), "uint8"),
    ("TZYXS", (2, 3, 5, 7, 3), "uint8"),
    ("TCYXS", (2, 3, 5, 7, 3), "uint8"),
    ("CYXS", (2, 5, 7, 3), "uint8"),
    ("YXS", (5, 7, 3), "uint8"),
]

# How the pages are stored (tifffile writer options).
IMAGEJ_LAYOUTS = {
    "plain": {},
    "zlib": {"compression": "zlib"},
    "lzw-tiles": {"compression": "lzw", "tile": (16, 16)},
    "big-endian": {"byteorder": ">"},
}


@pytest.mark.parametrize("layout", sorted(IMAGEJ_LAYOUTS))
@pytest.mark.parametrize("axes,shape,dtype", IMAGEJ_CASES)
def test_imagej_hyperstack(tmp_path, axes, shape, dtype, layout):
    data = sample_pixels(shape, dtype, seed=len(axes) + shape[0])
    path = tmp_path / "hyperstack.tif"
    kwargs = dict(IMAGEJ_LAYOUTS[layout])
    if axes.endswith("S"):
        kwargs["photometric"] = "rgb"
    tifffile.imwrite(path, data, imagej=True, metadata={"axes": axes}, **kwargs)
    expected = assert_matches_tifffile(path, kind="imagej")
    # The sizes the axes name, whatever the page order.
    sizes = dict(zip(axes, shape))
    channels = sizes.get("C", 1) * sizes.get("S", 1)
    assert expected.shape == (sizes.get("T", 1), channels, sizes.get("Z", 1),
                              sizes["Y"], sizes["X"])
    with pytest.raises(IndexError, match="image_index 1 is out of range"):
        omearrow.open(path, row=1)


@pytest.mark.parametrize("order", ["czt", "ctz", "zct", "ztc", "tcz", "tzc", "default"])
def test_imagej_page_order(tmp_path, order):
    # Pages in another ImageJ order (Fiji's "order=" key; tifffile writes only czt).
    frames, slices, channels = 2, 3, 2
    data = sample_pixels((frames * slices * channels, 5, 7), "uint16", seed=7)
    path = tmp_path / "ordered.tif"
    description = (f"ImageJ=1.54f\nimages={data.shape[0]}\nchannels={channels}\n"
                   f"slices={slices}\nframes={frames}\nhyperstack=true\norder={order}\n")
    tifffile.imwrite(path, data, description=description, metadata=None,
                     photometric="minisblack")
    expected = assert_matches_tifffile(path, kind="imagej")
    assert expected.shape == (frames, channels, slices, 5, 7)


def test_imagej_physical_sizes(tmp_path):
    data = sample_pixels((2, 3, 2, 5, 7), "uint16", seed=3)
    path = tmp_path / "calibrated.tif"
    tifffile.imwrite(path, data, imagej=True, resolution=(1 / 0.25, 1 / 0.5),
                     metadata={"axes": "TZCYX", "spacing": 1.5, "unit": "um"})
    image = omearrow.open(path)
    size = image.physical_size
    assert size["x"] == pytest.approx(0.25, rel=1e-6)
    assert size["y"] == pytest.approx(0.5, rel=1e-6)
    assert size["z"] == pytest.approx(1.5)
    assert size["x_unit"] == size["y_unit"] == size["z_unit"] == "µm"


def test_fiji_style_description(tmp_path):
    # What Fiji writes: unit=micron, the µ escaped, display keys tifffile does not write.
    data = sample_pixels((12, 5, 7), "uint16", seed=4)
    path = tmp_path / "fiji.tif"
    description = ("ImageJ=1.54f\nimages=12\nchannels=2\nslices=3\nframes=2\n"
                   "hyperstack=true\nmode=composite\nunit=\\u00B5m\nspacing=0.3\n"
                   "loop=false\nmin=0.0\nmax=65535.0\n")
    tifffile.imwrite(path, data, description=description, metadata=None,
                     photometric="minisblack", resolution=(2.0, 2.0))
    assert_matches_tifffile(path, kind="imagej")
    image = omearrow.open(path)
    assert image.shape == (2, 2, 3, 5, 7)
    assert image.physical_size["z"] == pytest.approx(0.3)
    assert image.physical_size["x"] == pytest.approx(0.5)
    assert image.physical_size["z_unit"] == "µm"


def test_imagej_without_unit_has_no_physical_size(tmp_path):
    path = tmp_path / "uncalibrated.tif"
    tifffile.imwrite(path, sample_pixels((3, 5, 7), "uint8", seed=5), imagej=True,
                     metadata={"axes": "ZYX"})
    size = omearrow.open(path).physical_size
    assert size["x"] is None and size["z"] is None


def test_imagej_virtual_stack_is_an_error(tmp_path):
    # One page where the description says twelve (contiguous data after it): an error,
    # never a one-plane image.
    path = tmp_path / "virtual.tif"
    tifffile.imwrite(path, sample_pixels((5, 7), "uint16", seed=6), metadata=None,
                     description="ImageJ=1.54f\nimages=12\nchannels=2\nslices=6\n"
                                 "hyperstack=true\n")
    with pytest.raises(ValueError, match=r"describes 12 pages but the file stores fewer, "
                                         r"and the rest is not contiguous data after the "
                                         r"first page \(the file ends after"):
        omearrow.open(path)


# --- tifffile shaped series -------------------------------------------------------------


def test_series_written_in_separate_calls(tmp_path):
    path = tmp_path / "series.tif"
    first = sample_pixels((3, 30, 41), "uint16", seed=1)
    second = sample_pixels((2, 30, 41), "uint16", seed=2)
    with tifffile.TiffWriter(path) as tif:
        tif.write(first, photometric="minisblack")
        tif.write(second, photometric="minisblack")
    np.testing.assert_array_equal(full_array(omearrow.open(path))[0, 0], first)
    np.testing.assert_array_equal(full_array(omearrow.open(path, row=1))[0, 0], second)
    assert_matches_tifffile(path, 0, kind="shaped")
    assert_matches_tifffile(path, 1, kind="shaped")
    with pytest.raises(IndexError, match="image_index 2 is out of range: the file has 2"):
        omearrow.open(path, row=2)


# Series of different shapes, dtypes and layouts in one file (tifffile writer options).
MIXED_SERIES = [
    ((3, 30, 41), "uint16", {"photometric": "minisblack"}),
    ((2, 10, 12), "float32", {"photometric": "minisblack", "compression": "zlib"}),
    ((4, 20, 19, 3), "uint8", {"photometric": "rgb", "tile": (16, 16)}),
    ((2, 3, 20, 19), "int16", {"photometric": "rgb", "planarconfig": "separate"}),
    ((25, 33), "float64", {"photometric": "minisblack", "predictor": True,
                           "compression": "lzw"}),
    ((2, 3, 9, 8), "uint32", {"photometric": "minisblack", "metadata": {"axes": "TCYX"}}),
]


@pytest.mark.parametrize("byteorder", ["<", ">"])
@pytest.mark.parametrize("bigtiff", [False, True])
def test_mixed_series(tmp_path, byteorder, bigtiff):
    path = tmp_path / "mixed.tif"
    with tifffile.TiffWriter(path, byteorder=byteorder, bigtiff=bigtiff) as tif:
        for i, (shape, dtype, kwargs) in enumerate(MIXED_SERIES):
            tif.write(sample_pixels(shape, dtype, seed=i), **kwargs)
    for i in range(len(MIXED_SERIES)):
        assert_matches_tifffile(path, i, kind="shaped")
    with pytest.raises(IndexError):
        omearrow.open(path, row=len(MIXED_SERIES))


# (axes, shape): tifffile's axes metadata decides which page axis is T, C or Z.
SHAPED_AXES = [
    ("TCYX", (2, 3, 9, 8)),
    ("CZYX", (3, 2, 9, 8)),
    ("ZCYX", (2, 3, 9, 8)),
    ("TZCYX", (2, 2, 3, 9, 8)),
    ("CTZYX", (2, 3, 2, 9, 8)),
    ("TQYX", (2, 3, 9, 8)),
    ("TCZYX", (1, 3, 1, 9, 8)),
    ("QYX", (4, 9, 8)),
    ("TCYXS", (2, 3, 9, 8, 1)),
]


@pytest.mark.parametrize("axes,shape", SHAPED_AXES)
def test_shaped_axes(tmp_path, axes, shape):
    path = tmp_path / "axes.tif"
    data = sample_pixels(shape, "uint16", seed=len(shape))
    tifffile.imwrite(path, data, photometric="minisblack", metadata={"axes": axes})
    expected = assert_matches_tifffile(path, kind="shaped")
    sizes = dict(zip(axes, shape))
    assert expected.shape[:3] == (sizes.get("T", 1), sizes.get("C", 1),
                                  sizes.get("Z", sizes.get("Q", 1)))


def test_shaped_without_axes_pages_are_z(tmp_path):
    path = tmp_path / "noaxes.tif"
    tifffile.imwrite(path, sample_pixels((2, 3, 9, 8), "uint8", seed=2),
                     photometric="minisblack")
    image = omearrow.open(path)
    assert image.shape == (1, 1, 6, 9, 8)
    assert_matches_tifffile(path, kind="shaped")


# (shape, dtype, writer options) of series written with truncate=True: one page stored,
# the others as contiguous data after it.
TRUNCATED = [
    ((5, 30, 41), "uint16", {"photometric": "minisblack"}),
    ((5, 30, 41), "float32", {"photometric": "minisblack", "byteorder": ">"}),
    ((2, 3, 9, 8), "int16", {"photometric": "minisblack", "metadata": {"axes": "TCYX"}}),
    ((4, 9, 8, 3), "uint8", {"photometric": "rgb"}),
    ((4, 3, 9, 8), "uint16", {"photometric": "rgb", "planarconfig": "separate",
                              "byteorder": ">"}),
    ((3, 9, 8), "float64", {"photometric": "minisblack", "bigtiff": True}),
]


@pytest.mark.parametrize("shape,dtype,kwargs", TRUNCATED)
def test_truncated_series_reads_every_page(tmp_path, shape, dtype, kwargs):
    path = tmp_path / "truncated.tif"
    kwargs = dict(kwargs)
    writer = {key: kwargs.pop(key) for key in ("byteorder", "bigtiff") if key in kwargs}
    data = sample_pixels(shape, dtype, seed=len(shape))
    after = sample_pixels((2, 9, 8), "uint8", seed=9)
    with tifffile.TiffWriter(path, **writer) as tif:
        tif.write(data, truncate=True, **kwargs)
        tif.write(after, photometric="minisblack")
    with tifffile.TiffFile(path) as tif:
        assert len(tif.pages) == 3 and tif.series[0].shape == shape
    assert_matches_tifffile(path, 0, kind="shaped")
    # The series after it starts at the next page. (tifffile drops it when the truncated
    # series claims more pages than the file has after its first one, so the written
    # pixels are the oracle here.)
    np.testing.assert_array_equal(full_array(omearrow.open(path, row=1))[0, 0], after)


def test_imagej_truncated_hyperstack(tmp_path):
    # What ImageJ writes for large stacks: one IFD, the planes contiguous after it.
    path = tmp_path / "virtual.tif"
    data = sample_pixels((2, 3, 2, 9, 8), "uint16", seed=3)
    tifffile.imwrite(path, data, imagej=True, truncate=True, metadata={"axes": "TZCYX"})
    with tifffile.TiffFile(path) as tif:
        assert len(tif.pages) == 1
    expected = assert_matches_tifffile(path, kind="imagej")
    assert expected.shape == (2, 2, 3, 9, 8)


def test_truncated_series_beyond_the_file_is_an_error(tmp_path):
    path = tmp_path / "cut.tif"
    with tifffile.TiffWriter(path) as tif:
        tif.write(sample_pixels((5, 30, 41), "uint16", seed=1), truncate=True,
                  photometric="minisblack")
    size = path.stat().st_size
    with open(path, "r+b") as f:
        f.truncate(size - 100)
    with pytest.raises(ValueError, match=r"describes 5 pages but the file stores fewer, "
                                         r"and the rest is not contiguous data after the "
                                         r"first page \(the file ends after"):
        omearrow.open(path)


def test_no_series_information_keeps_the_leading_run(tmp_path):
    # Pages without descriptions: the leading run of pages like the first are Z.
    path = tmp_path / "plain.tif"
    with tifffile.TiffWriter(path) as tif:
        for shape in [(3, 30, 41), (2, 10, 41)]:
            tif.write(sample_pixels(shape, "uint16", seed=shape[0]), metadata=None,
                      photometric="minisblack")
    image = omearrow.open(path)
    assert image.shape == (1, 1, 3, 30, 41)
    assert_matches_tifffile(path)
    with pytest.raises(IndexError, match="the file has 1 image"):
        omearrow.open(path, row=1)


# --- errors for what omearrow cannot decode ---------------------------------------------


@pytest.mark.parametrize("compression,name", [
    ("jpeg2000", "JPEG 2000 (34712)"),
    ("jpegxl", "JPEG XL (50002)"),
    ("jpegxr", "JPEG XR (34934)"),
    ("png", "PNG (34933)"),
])
def test_unsupported_codec_is_a_value_error_naming_it(tmp_path, compression, name):
    path = tmp_path / f"{compression}.tif"
    tifffile.imwrite(path, sample_pixels((16, 16), "uint8", seed=1), compression=compression)
    with pytest.raises(ValueError, match=rf"IFD 0 uses {re.escape(name)} "
                                         r"compression, which this libtiff cannot decode"):
        omearrow.open(path)


@pytest.mark.parametrize("predictor,name", [(34894, "floating-point X2"),
                                            (34895, "floating-point X4")])
def test_dng_float_predictors_are_refused_at_open(tmp_path, predictor, name):
    path = tmp_path / "dng.tif"
    data = sample_pixels((8, 16), "float32", seed=1)
    tifffile.imwrite(path, data, compression="zlib", predictor=predictor)
    np.testing.assert_array_equal(tifffile.imread(path), data)  # tifffile reads it
    with pytest.raises(ValueError, match=rf"uses Predictor {name} \({predictor}\), which "
                                         r"this libtiff cannot undo"):
        omearrow.open(path)


def test_packbits_with_predictor_is_refused(tmp_path):
    path = tmp_path / "packbits.tif"
    tifffile.imwrite(path, sample_pixels((8, 16), "uint16", seed=1),
                     compression="packbits", predictor=True)
    with pytest.raises(ValueError, match=r"claims Predictor horizontal differencing \(2\) "
                                         r"with PackBits \(32773\) compression"):
        omearrow.open(path)


@pytest.mark.parametrize("kwargs", [{"compression": "packbits"},
                                    {"compression": "lzw", "predictor": True},
                                    {"compression": "zlib", "predictor": True}])
def test_codecs_libtiff_decodes_still_read(tmp_path, kwargs):
    path = tmp_path / "ok.tif"
    tifffile.imwrite(path, sample_pixels((3, 8, 16), "uint16", seed=2),
                     photometric="minisblack", **kwargs)
    assert_matches_tifffile(path)


# --- OME-TIFF channels ------------------------------------------------------------------


def test_ome_rgb_channels_one_entry_per_c_index(tmp_path):
    path = tmp_path / "rgb.ome.tif"
    data = sample_pixels((2, 5, 7, 3), "uint8", seed=1)
    tifffile.imwrite(path, data, ome=True, photometric="rgb", metadata={"axes": "CYXS"})
    image = omearrow.open(path)
    assert image.shape[1] == 6
    assert len(image.channels) == 6
    assert [c["id"] for c in image.channels] == ["Channel:0:0"] * 3 + ["Channel:0:1"] * 3
    np.testing.assert_array_equal(full_array(image)[0, :, 0],
                                  data.transpose(0, 3, 1, 2).reshape(6, 5, 7))
