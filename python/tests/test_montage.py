"""Montages and collection reprs: PNGs decoded with Pillow; tiles found by their known
tints (grid order, sizes, placement), captions as ink below the tiles, metadata captions,
errors, and the real samples (the JUMP crops, the OME-TIFF samples as a collection)."""

from __future__ import annotations

import base64
import io
import re

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from PIL import Image

import omearrow
from files_support import JUMP, JUMP_COLUMN, SHARED_DATA, TESTDATA, TESTDATA_TIFFS

BACKGROUND = (40, 40, 40)  # collection/montage.h kMontageBackground
FAILED = (90, 28, 28)  # kMontageFailed
# Image i lights these channels (palette: 0 red, 1 green, 2 blue): a unique tint per tile.
LIT = [(0,), (1,), (2,), (0, 1), (0, 2)]
TINTS = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0), (255, 0, 255)]


def decode(png: bytes) -> np.ndarray:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    picture = Image.open(io.BytesIO(png))
    assert picture.mode == "RGB"
    return np.asarray(picture)


def write_plate(path, shape=(48, 48), lit=LIT, names=True):
    records = []
    for i, channels in enumerate(lit):
        pixels = np.zeros((3, *shape), np.uint16)
        for c in channels:
            pixels[c] = 1000
        records.append(
            omearrow.from_numpy(pixels, dim_order="CYX", image_id=f"img-{i}",
                                name=f"image {i}" if names else None)
        )
    table = pa.table({
        "Metadata_Well": pa.array([f"B{i + 1:02d}" for i in range(len(lit))]),
        "ome_arrow": pa.concat_arrays(records),
        "Metadata_Site": pa.array(list(range(len(lit))), pa.int32()),
    })
    pq.write_table(table, path, row_group_size=1)
    return path


@pytest.fixture
def plate(tmp_path):
    return omearrow.open_collection(write_plate(tmp_path / "plate.parquet"))


def box(rgb: np.ndarray, tint) -> tuple[int, int, int, int] | None:
    """(top, left, bottom, right) inclusive of the pixels of exactly `tint`."""
    ys, xs = np.nonzero((rgb == np.array(tint, np.uint8)).all(axis=-1))
    if ys.size == 0:
        return None
    return int(ys.min()), int(xs.min()), int(ys.max()), int(xs.max())


def ink(region: np.ndarray) -> int:
    """Pixels that differ clearly from the background."""
    return int((np.abs(region.astype(int) - np.array(BACKGROUND)).sum(axis=-1) > 100).sum())


def test_grid_order_sizes_tints_and_captions(plate):
    rgb = decode(plate.montage(size=64))
    boxes = [box(rgb, tint) for tint in TINTS]
    assert all(b is not None for b in boxes), boxes
    for top, left, bottom, right in boxes:
        # Each 48×48 image is enlarged to fill its 64×64 tile, as one solid block.
        assert (bottom - top + 1, right - left + 1) == (64, 64)
    # 5 images → 3 columns × 2 rows, in collection order.
    tops = [b[0] for b in boxes]
    lefts = [b[1] for b in boxes]
    assert tops[0] == tops[1] == tops[2] < tops[3] == tops[4]
    assert lefts[0] < lefts[1] < lefts[2]
    assert (lefts[3], lefts[4]) == (lefts[0], lefts[1])
    assert tuple(rgb[0, 0]) == BACKGROUND
    assert rgb.shape[1] < 3 * 64 + 40  # three tiles and small gaps
    # A caption band under every tile holds ink; the band under the empty sixth cell and
    # the empty cell itself hold none.
    band = tops[3] - (tops[0] + 64)
    assert band > 10
    for top, left, bottom, right in boxes:
        assert ink(rgb[bottom + 1: bottom + band, left: right + 1]) > 20
    empty = rgb[tops[3]: tops[3] + 64 + band - 4, lefts[2]: lefts[2] + 64]
    assert ink(empty) == 0
    # Without captions the rows come closer and no text is drawn.
    bare = decode(plate.montage(size=64, captions=False))
    bare_boxes = [box(bare, tint) for tint in TINTS]
    assert bare_boxes[3][0] - bare_boxes[0][0] < tops[3] - tops[0]
    assert bare.shape[1] == rgb.shape[1]
    b = bare_boxes[0]
    assert ink(bare[b[2] + 1: bare_boxes[3][0] - 1, b[1]: b[3] + 1]) == 0


def test_n_columns_and_channels(plate):
    two = decode(plate.montage(n=2, size=32, captions=False))
    assert box(two, TINTS[0]) is not None and box(two, TINTS[1]) is not None
    assert box(two, TINTS[2]) is None
    top0, left0, _, _ = box(two, TINTS[0])
    top1, left1, _, _ = box(two, TINTS[1])
    assert top0 == top1 and left0 < left1  # a 2×1 grid
    column = decode(plate.montage(n=3, size=32, columns=1, captions=False))
    boxes = [box(column, tint) for tint in TINTS[:3]]
    assert boxes[0][1] == boxes[1][1] == boxes[2][1]
    assert boxes[0][0] < boxes[1][0] < boxes[2][0]
    # c=0: only the red channel; the yellow image (0, 1) shows red alone (gray: one
    # channel is white).
    red = decode(plate.montage(size=32, c=0, captions=False))
    assert box(red, (255, 255, 0)) is None
    assert box(red, (255, 255, 255)) is not None


def test_captions_by_metadata_columns(plate, tmp_path):
    named = decode(plate.montage(n=1, size=64))
    by_well = decode(plate.montage(n=1, size=64, by=["Metadata_Well", "Metadata_Site"]))
    by_one = decode(plate.montage(n=1, size=64, by="Metadata_Well"))
    assert named.shape == by_well.shape == by_one.shape
    assert not np.array_equal(named, by_well)
    assert not np.array_equal(by_one, by_well)  # "B01 · 0" is wider than "B01"
    band = slice(64 + 4, named.shape[0])
    assert ink(by_well[band]) > ink(by_one[band])
    # Images without names are captioned by their file name (the same for every row).
    unnamed = omearrow.open_collection(
        write_plate(tmp_path / "unnamed.parquet", lit=LIT[:2], names=False))
    a = decode(unnamed.montage(n=1, size=64))
    assert ink(a[band]) > 20 and not np.array_equal(a, named)


def test_errors_name_the_argument(plate):
    with pytest.raises(ValueError, match="montage: n must be at least 1, got 0"):
        plate.montage(n=0)
    with pytest.raises(ValueError, match=r"montage: size must be in 16\.\.4096, got 8"):
        plate.montage(size=8)
    with pytest.raises(KeyError, match="no metadata column 'Metadata_Plate'.*Metadata_Well"):
        plate.montage(by=["Metadata_Plate"])
    with pytest.raises(TypeError, match="by must"):
        plate.montage(by=3)
    with pytest.raises(TypeError, match="n must be an int"):
        plate.montage(n=2.0)
    with pytest.raises(IndexError, match="montage: image 0 .*t=1 out of range"):
        plate.montage(t=1)
    with pytest.raises(ValueError, match="'raise' or 'skip'"):
        plate.montage(on_error="ignore")
    with pytest.raises(ValueError, match="montage: the collection has no images"):
        plate.take([]).montage()


def test_unreadable_images_raise_or_become_crossed_tiles(tmp_path):
    write_plate(tmp_path / "a.parquet", lit=LIT[:1])
    write_plate(tmp_path / "b.parquet", lit=LIT[1:2])
    collection = omearrow.open_collection(tmp_path)
    with open(tmp_path / "b.parquet", "r+b") as f:
        f.truncate(100)
    with pytest.raises(OSError, match=r"montage: image 1 \(.*b\.parquet row 0\)"):
        collection.montage()
    with pytest.warns(RuntimeWarning, match=r"1 image\(s\) could not be shown.*b\.parquet"):
        png = collection.montage(size=64, on_error="skip", captions=False)
    rgb = decode(png)
    assert box(rgb, TINTS[0]) is not None
    failed = box(rgb, FAILED)
    assert failed is not None and failed[1] > box(rgb, TINTS[0])[3]


def test_captions_need_a_font_and_no_captions_need_none(plate, monkeypatch):
    monkeypatch.setenv("OMEARROW_FONT", "/nonexistent/caption-font.ttf")
    with pytest.raises(OSError, match="OMEARROW_FONT=/nonexistent/caption-font.ttf"):
        plate.montage()
    rgb = decode(plate.montage(captions=False, size=32))
    assert all(box(rgb, tint) is not None for tint in TINTS)
    # The HTML repr still shows the table and says why there is no montage.
    page = plate._repr_html_()
    assert "montage failed" in page and "OMEARROW_FONT" in page and "<td>B01</td>" in page


def test_the_package_carries_its_caption_font(plate, monkeypatch):
    from omearrow import _cli, _core, _montage

    # Built on a machine with fonts-dejavu-core (scripts/bootstrap.sh), the package
    # carries DejaVu Sans and its license, and uses it unless OMEARROW_FONT is set.
    assert _montage.PACKAGED_FONT.is_file()
    assert (_montage.PACKAGED_FONT.parent / "DejaVuSans-LICENSE.txt").is_file()
    monkeypatch.delenv("OMEARROW_FONT", raising=False)
    assert _montage.caption_font() == str(_montage.PACKAGED_FONT)
    assert _cli._environment()["OMEARROW_FONT"] == str(_montage.PACKAGED_FONT)
    monkeypatch.setenv("OMEARROW_FONT", "/elsewhere/font.ttf")
    assert _montage.caption_font() == ""
    assert _cli._environment()["OMEARROW_FONT"] == "/elsewhere/font.ttf"
    # The core takes the path it is given, naming it when it is not a font.
    with pytest.raises(OSError, match="cannot load the font /nonexistent/x.ttf"):
        _core.montage_png(plate._core, n=1, by=[], size=32, columns=None, t=0, z=None,
                          c=None, low=0.5, high=99.5, captions=True, on_error="raise",
                          parallelism=0, font_path="/nonexistent/x.ttf")


def test_parallel_equals_serial(plate):
    assert plate.montage(size=48, parallelism=1) == plate.montage(size=48, parallelism=4)


def test_text_and_html_repr(plate):
    text = repr(plate)
    assert text.startswith("omearrow.Collection(5 images in 1 file")
    assert "Metadata_Well" in text and "Metadata_Site" in text and "\n" not in text
    page = plate._repr_html_()
    assert "5 images in 1 file" in page
    for name in ("Metadata_Well", "Metadata_Site", "size_x", "dtype"):
        assert name in page
    # The first five rows of the metadata table.
    for well in ("B01", "B02", "B05"):
        assert f"<td>{well}</td>" in page
    # An inline montage of the images, tinted as the images are.
    encoded = re.search(r'src="data:image/png;base64,([^"]+)"', page).group(1)
    rgb = decode(base64.b64decode(encoded))
    for tint in TINTS:
        assert box(rgb, tint) is not None, tint


def test_html_repr_of_many_images_shows_the_first_rows(tmp_path):
    many = omearrow.open_collection(
        write_plate(tmp_path / "many.parquet", lit=[(i % 3,) for i in range(12)]))
    page = many._repr_html_()
    assert "<td>B05</td>" in page and "<td>B06</td>" not in page
    assert "7 more rows" in page
    # Long cells keep both ends (the file name of a long path).
    path = str(tmp_path / "many.parquet")
    assert len(path) > 40
    assert f"<td>{path[:14]}…{path[-25:]}</td>" in page


def cells(rgb: np.ndarray, count: int, size: int, columns: int) -> list[np.ndarray]:
    """The size×size cells of a montage, by its documented layout: cells
    max(2, size // 32) pixels apart and from the edges, a caption band below each."""
    gap = max(2, size // 32)
    rows = -(-count // columns)
    assert rgb.shape[1] == columns * (size + gap) + gap
    pitch = (rgb.shape[0] - gap) // rows
    assert pitch * rows + gap == rgb.shape[0]
    return [
        rgb[gap + (i // columns) * pitch:][:size, gap + (i % columns) * (size + gap):][:, :size]
        for i in range(count)
    ]


def enlarged(picture: np.ndarray, size: int) -> np.ndarray:
    """Nearest-neighbour enlargement to a long side of `size` (the montage's rule)."""
    h, w = picture.shape[:2]
    long_side = max(h, w)
    out_h = max(1, (h * size + long_side // 2) // long_side)
    out_w = max(1, (w * size + long_side // 2) // long_side)
    ys = np.minimum(h - 1, np.arange(out_h) * h // out_h)
    xs = np.minimum(w - 1, np.arange(out_w) * w // out_w)
    return picture[ys][:, xs]


def test_jump_crops_montage_shows_each_crop_as_its_preview():
    collection = omearrow.open_collection(JUMP).filter(
        pa.compute.field("column").isin([JUMP_COLUMN, "Image_FileName_OrigRNA_OMEArrow_ORIG"])
    )
    assert len(collection) == 6
    size = 96
    rgb = decode(collection.montage(size=size, by=["column", "row"]))
    for i, cell in enumerate(cells(rgb, 6, size, 3)):
        # The tile is the image's own preview, enlarged to fill the cell and centred.
        tile = enlarged(decode(collection[i].preview(size=size)), size)
        h, w = tile.shape[:2]
        top, left = (size - h) // 2, (size - w) // 2
        np.testing.assert_array_equal(cell[top: top + h, left: left + w], tile)
        # A real picture of cells: neither black nor white nor flat.
        gray = tile.mean(axis=-1)
        assert gray.std() > 20, i
        assert 10 < gray.mean() < 245, i


def test_tiff_samples_as_a_collection_montage(tmp_path):
    paths = [TESTDATA / name for name in TESTDATA_TIFFS]
    for path in paths:
        omearrow.write_parquet(omearrow.open(path), tmp_path / (path.name.split(".")[0] + ".parquet"))
    collection = omearrow.open_collection(tmp_path)
    assert len(collection) == len(paths)
    size = 96
    rgb = decode(collection.montage(size=size))
    for i, cell in enumerate(cells(rgb, len(paths), size, 3)):
        shown = cell[(np.abs(cell.astype(int) - np.array(BACKGROUND)).sum(axis=-1) > 0)]
        assert shown.shape[0] > size * size // 4, i  # the image fills much of its cell
        assert shown.std() > 15, i  # with contrast: not flat black or white
