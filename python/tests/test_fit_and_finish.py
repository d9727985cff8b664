"""What a demanding first hour of use hit (issue 22): multi-image files in TileDataset,
explicit columns, edge tiles, NumPy/DLPack protocols, pickling, exit messages, writers,
argument types and ``from omearrow import *``."""

from __future__ import annotations

import errno
import os
import pickle
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pyarrow as pa
import pytest

torch = pytest.importorskip("torch")

import omearrow  # noqa: E402
from omearrow.data import TileDataset  # noqa: E402
from records import make_record, sample_pixels  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TESTDATA = os.path.join(ROOT, "testdata")
PARQUET = os.path.join(TESTDATA, "BR00117006.ome.parquet")
TIFF = os.path.join(TESTDATA, "multi-channel.ome.tiff")
FIRST_COLUMN = "Image_FileName_OrigAGP_OMEArrow_ORIG"


def _quiet_open(path, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return omearrow.open(path, **kwargs)


def _tile_count(shape_yx, tile):
    return -(-shape_yx[0] // tile[0]) * -(-shape_yx[1] // tile[1])


@pytest.fixture(scope="module")
def three_rows():
    """A 3-row StructArray of different images (same encoding) and their pixels."""
    pixels = [sample_pixels((1, 2, 1, 9 + i, 11 - i), np.uint16, seed=i) for i in range(3)]
    records = [make_record(p, encoding="planes") for p in pixels]
    return pa.concat_arrays(records), pixels


# --- 1: closing images -----------------------------------------------------------------


def test_close_and_context_manager():
    with omearrow.open(TIFF) as image:
        view = image.tensor_view(c=0).collect()
        assert not image.closed
    assert image.closed and "closed" in repr(image)
    assert image.shape[1] == 3  # metadata stays
    np.testing.assert_array_equal(view.to_numpy(), omearrow.open(TIFF).tensor_view(c=0).to_numpy())
    with pytest.raises(ValueError, match="I/O operation on a closed OmeImage"):
        image.tensor_view(c=0).collect()
    with pytest.raises(ValueError, match="I/O operation on a closed OmeImage"):
        omearrow.TensorView(image)
    image.close()


def test_closed_images_release_their_files(tmp_path):
    # Many more opens than descriptors: each closed image gives its file back.
    script = tmp_path / "many.py"
    script.write_text(textwrap.dedent(f"""
        import resource
        import omearrow
        resource.setrlimit(resource.RLIMIT_NOFILE, (128, 128))
        kept = []
        for path in [{TIFF!r}, {PARQUET!r}, {os.path.join(TESTDATA, "reference-dataset")!r}]:
            for i in range(300):
                with omearrow.open(path, column=None) as image:
                    kept.append((image, float(image.tensor_view(t=0, z=0).to_numpy().sum())))
        assert len({{round(v) for _, v in kept[:300]}}) == 1
        print("ok", len(kept))
    """))
    done = subprocess.run([sys.executable, "-W", "ignore", str(script)], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok 900"


def test_running_out_of_descriptors_says_so(tmp_path):
    script = tmp_path / "exhaust.py"
    script.write_text(textwrap.dedent(f"""
        import errno, resource
        import omearrow
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
        kept = []
        try:
            for i in range(100):
                kept.append(omearrow.open({TIFF!r}))
        except OSError as exc:
            assert exc.errno == errno.EMFILE, exc.errno
            assert exc.filename == {TIFF!r}, exc.filename
            print(str(exc))
    """))
    done = subprocess.run([sys.executable, "-W", "ignore", str(script)], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        f"[Errno {errno.EMFILE}] cannot open: too many open files in this process "
        "(Too many open files); "
        "close images that are no longer needed (OmeImage.close()) or raise the descriptor "
        f"limit: {TIFF!r}")


# --- 2: a file or multi-row array means all its images ----------------------------------


def test_tile_dataset_over_a_path_reads_every_row():
    with pytest.warns(UserWarning, match="Auto-detected OME-Arrow column") as raised:
        ds = TileDataset(PARQUET, tile_size=(32, 32), with_index=True)
    assert [w.filename for w in raised] == [__file__]  # raised at the caller, once
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # unpickling (spawn workers) does not warn again
        assert pickle.loads(pickle.dumps(ds)).images == ds.images
    assert ds.images == [(0, 0), (0, 1), (0, 2)]
    rows = [_quiet_open(PARQUET, row=r) for r in range(3)]
    expected = sum(_tile_count(img.shape[3:], (32, 32)) for img in rows)
    items = list(ds)
    assert len(items) == ds.num_tiles == expected
    assert {int(task[0]) for _, task in items} == {0, 1, 2}
    for tensor, task in items:
        image, t, z, x, y, w, h = (int(v) for v in task)
        plane = rows[image].tensor_view(t=t, z=z).to_numpy()
        np.testing.assert_array_equal(tensor.numpy(), plane[:, y:y + h, x:x + w])


def test_tile_dataset_column_and_one_picked_image():
    ds = TileDataset([PARQUET], tile_size=(32, 32), column="Image_FileName_OrigDNA_OMEArrow_LABL")
    assert len(ds.images) == 3
    one = TileDataset([_quiet_open(PARQUET, row=1)], tile_size=(32, 32))
    assert one.images == [(0, None)]


@pytest.mark.parametrize("chunked", [False, True])
def test_tile_dataset_over_a_multi_row_array(three_rows, chunked):
    array, pixels = three_rows
    source = pa.chunked_array([array.slice(0, 2), array.slice(2, 1)]) if chunked else array
    ds = TileDataset(source, tile_size=(4, 4), with_index=True)
    assert ds.images == [(0, 0), (0, 1), (0, 2)]
    items = list(ds)
    assert len(items) == sum(_tile_count(p.shape[3:], (4, 4)) for p in pixels)
    for tensor, task in items:
        image, t, z, x, y, w, h = (int(v) for v in task)
        np.testing.assert_array_equal(tensor.numpy(), pixels[image][t, :, z, y:y + h, x:x + w])


def test_errors_name_the_source_and_its_image(three_rows):
    array, _ = three_rows
    with pytest.raises(ValueError, match=r"^TileDataset source 1 \(image 2\): roi is out of bounds"):
        TileDataset([array.slice(0, 1), array], tile_size=(4, 4), roi=(0, 0, 10, 9))


def test_ome_image_repr_and_listing_without_pyarrow():
    image = _quiet_open(PARQUET, row=2)
    text = repr(image)
    assert f"column='{FIRST_COLUMN}'" in text and "row=2" in text
    assert f"id={image.id!r}" in text and image.row == 2
    images = omearrow.open_images(PARQUET)
    assert len(images) == 24  # 3 rows × 8 OME-Arrow columns
    assert len({(img.row, img.column) for img in images}) == 24
    assert {img.column for img in images if img.row == 0} == {
        f"Image_FileName_Orig{s}_OMEArrow_{k}"
        for s in ("AGP", "DNA", "RNA") for k in ("ORIG", "LABL", "COMP")
    } - {"Image_FileName_OrigAGP_OMEArrow_LABL"}  # a null column, not OME-Arrow
    by_column = omearrow.open_images(PARQUET, column=FIRST_COLUMN)
    assert [img.row for img in by_column] == [0, 1, 2]
    assert [img.id for img in by_column] == [_quiet_open(PARQUET, row=r).id for r in range(3)]
    tiff = omearrow.open_images(TIFF)
    assert [img.row for img in tiff] == [0] and tiff[0].format == "tiff"


def test_negative_and_numpy_rows():
    last = _quiet_open(PARQUET, row=-1)
    assert last.row == 2 and last.id == _quiet_open(PARQUET, row=2).id
    assert _quiet_open(PARQUET, row=np.int64(1)).row == 1
    with pytest.raises(IndexError, match=r"row -4 is out of range \(the file has 3 rows\)"):
        _quiet_open(PARQUET, row=-4)
    with pytest.raises(TypeError, match="^row must be an int, not str"):
        omearrow.open(PARQUET, row="1")


# --- 3: explicit columns must exist; arguments must apply ------------------------------


def test_a_named_column_must_exist():
    with pytest.raises(ValueError) as info:
        omearrow.open(PARQUET, column="Image_FileName_OrigAGP_OMEArrow_ORIg")
    message = str(info.value)
    assert "no column 'Image_FileName_OrigAGP_OMEArrow_ORIg'" in message
    assert f"'{FIRST_COLUMN}'" in message and "'Image_FileName_OrigRNA_OMEArrow_COMP'" in message
    # Not given, or the reference's default name: auto-detection with its warning.
    for kwargs in ({}, {"column": "ome_arrow"}):
        with pytest.warns(UserWarning, match="Requested column 'ome_arrow' was not usable"):
            assert omearrow.open(PARQUET, **kwargs).column == FIRST_COLUMN
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert omearrow.open(PARQUET, column=FIRST_COLUMN).column == FIRST_COLUMN


def test_arguments_that_do_not_apply_are_errors():
    with pytest.raises(ValueError, match="column= applies to Parquet files only; this is a tiff"):
        omearrow.open(TIFF, column="pixels")
    with pytest.raises(ValueError, match="image_id= applies to dataset directories only"):
        omearrow.open(TIFF, image_id="x")
    with pytest.raises(ValueError, match="image_id= applies to dataset directories only"):
        _quiet_open(PARQUET, image_id="x")


# --- 4: edge tiles, single paths, torch dtypes ------------------------------------------


def test_edge_pad_and_drop(three_rows):
    array, pixels = three_rows
    clipped = list(TileDataset(array, tile_size=(4, 4), with_index=True))
    padded = list(TileDataset(array, tile_size=(4, 4), edge="pad", fill=7, with_index=True))
    dropped = list(TileDataset(array, tile_size=(4, 4), edge="drop", with_index=True))
    assert len(padded) == len(clipped)
    assert any(tuple(t.shape) != (2, 4, 4) for t, _ in clipped)
    for (clip, task), (pad, pad_task) in zip(clipped, padded):
        assert tuple(pad.shape) == (2, 4, 4) and tuple(task) == tuple(pad_task)
        h, w = clip.shape[1:]
        np.testing.assert_array_equal(pad[:, :h, :w].numpy(), clip.numpy())
        assert (pad[:, h:, :] == 7).all() and (pad[:, :, w:] == 7).all()
    full = [(t, task) for t, task in clipped if tuple(t.shape) == (2, 4, 4)]
    assert [tuple(task) for _, task in dropped] == [tuple(task) for _, task in full]
    ds = TileDataset(array, tile_size=(4, 4), edge="drop")
    assert ds.num_tiles == len(ds) == len(full)


def test_edge_pad_in_other_layouts(three_rows):
    array, pixels = three_rows
    tiles = list(TileDataset(array.slice(0, 1), tile_size=(4, 4), layout="HWC", edge="pad"))
    assert {tuple(t.shape) for t in tiles} == {(4, 4, 2)}
    np.testing.assert_array_equal(tiles[-1][:1, :3].numpy(),
                                  pixels[0][0, :, 0, 8:9, 8:11].transpose(1, 2, 0))


def test_edge_arguments(three_rows):
    array, _ = three_rows
    with pytest.raises(ValueError, match="edge must be 'clip', 'pad' or 'drop', not 'crop'"):
        TileDataset(array, tile_size=(4, 4), edge="crop")
    with pytest.raises(ValueError, match=r"fill=0\.5 is not an integer but image 0 yields uint16"):
        TileDataset(array, tile_size=(4, 4), edge="pad", fill=0.5)
    tiles = list(TileDataset(array, tile_size=(4, 4), edge="pad", fill=0.5, dtype=torch.float32))
    assert tiles[0].dtype == torch.float32 and (tiles[2][:, :, 3:] == 0.5).all()


def test_batches_with_workers(three_rows):
    array, _ = three_rows
    ds = TileDataset(array, tile_size=(4, 4), edge="pad", dtype=torch.float32)
    loader = torch.utils.data.DataLoader(ds, batch_size=8, num_workers=2,
                                         multiprocessing_context="spawn")
    batches = list(loader)
    assert sum(len(b) for b in batches) == ds.num_tiles
    assert {tuple(b.shape[1:]) for b in batches} == {(2, 4, 4)}
    assert all(b.dtype == torch.float32 for b in batches)


def test_single_path_string_and_pathlike():
    import pathlib

    for source in (TIFF, pathlib.Path(TIFF)):
        ds = TileDataset(source, tile_size=(64, 64))
        assert ds.images == [(0, None)]
        image = omearrow.open(TIFF)
        assert ds.num_tiles == _tile_count(image.shape[3:], (64, 64))


# --- 5: NumPy and DLPack protocols ------------------------------------------------------


def test_array_protocol(planes_record, pixels):
    view = omearrow.TensorView(planes_record, t=0, z=1)
    expected = pixels[0, :, 1]
    np.testing.assert_array_equal(np.asarray(view), expected)
    assert np.asarray(view).shape == view.shape and view.ndim == 3
    as_float = np.asarray(view, dtype=np.float32)
    assert as_float.dtype == np.float32
    np.testing.assert_array_equal(as_float, expected.astype(np.float32))
    copied = np.array(view, copy=True)
    assert not np.shares_memory(copied, view.to_numpy())
    assert np.shares_memory(np.asarray(view), view.to_numpy())
    with pytest.raises(ValueError, match="without a copy"):
        view.__array__(dtype=np.float32, copy=False)
    lazy = omearrow.LazyTensorView(loader=lambda: planes_record, t=0, z=1)
    np.testing.assert_array_equal(np.asarray(lazy), expected)
    assert lazy.ndim == 3


def test_dlpack_protocol(planes_record, pixels):
    view = omearrow.TensorView(planes_record, t=0, z=1, layout="HWC")
    expected = pixels[0, :, 1].transpose(1, 2, 0)
    assert view.__dlpack_device__() == (1, 0)
    np.testing.assert_array_equal(np.from_dlpack(view), expected)
    np.testing.assert_array_equal(torch.from_dlpack(view).numpy(), expected)
    np.testing.assert_array_equal(torch.from_dlpack(view).numpy(), expected)  # again


def test_reprs(planes_record):
    lazy = _quiet_open(TIFF).tensor_view(c=0)
    assert repr(lazy) == "omearrow.LazyTensorView(c=0, not collected)"
    lazy.collect()
    assert repr(lazy) == "omearrow.LazyTensorView(c=0, collected)"
    exported = omearrow.TensorView(planes_record, t=0, z=0).to_dlpack(mode="numpy")
    assert repr(exported) == "omearrow.DLPackObject(shape=(2, 10, 13), dtype=uint16, device='cpu')"
    np.from_dlpack(exported)
    assert repr(exported) == "omearrow.DLPackObject(device='cpu', consumed)"
    ds = TileDataset([planes_record], tile_size=(8, 8))
    assert repr(ds) == ("omearrow.data.TileDataset(1 sources, 1 images, tile_size=(8, 8), "
                        f"edge='clip', {ds.num_tiles} tiles per epoch, shuffle=False)")


# --- 6: pickling ------------------------------------------------------------------------


def test_views_over_records_pickle(three_rows):
    array, pixels = three_rows
    view = omearrow.TensorView(array.slice(1, 1), c=1, roi=(1, 2, 5, 4)).with_layout("HWC")
    data = pickle.dumps(view)
    back = pickle.loads(data)
    assert back.shape == view.shape and back.layout == "HWC"
    np.testing.assert_array_equal(back.to_numpy(), view.to_numpy())
    # Only the sliced row travels, not the whole array.
    big = pa.concat_arrays([make_record(sample_pixels((1, 1, 1, 128, 128), np.uint16, seed=i))
                            for i in range(3)])
    row_bytes = 128 * 128 * 2
    assert big.nbytes > 3 * row_bytes
    assert row_bytes < len(pickle.dumps(omearrow.TensorView(big.slice(1, 1)))) < 2 * row_bytes
    for source in (array[2], pa.chunked_array([array.slice(0, 1)]), array.slice(0, 1).to_pylist()[0]):
        view = omearrow.TensorView(source, t=0)
        np.testing.assert_array_equal(pickle.loads(pickle.dumps(view)).to_numpy(), view.to_numpy())


def test_views_over_files_pickle_as_path_and_selection():
    image = _quiet_open(PARQUET, row=2)
    view = omearrow.TensorView(image, c=0, roi=(3, 4, 20, 10))
    data = pickle.dumps(view)
    assert len(data) < 2000 and PARQUET.encode() in data  # the path, not the pixels
    np.testing.assert_array_equal(pickle.loads(data).to_numpy(), view.to_numpy())
    lazy = image.tensor_view(c=0, layout="YX")
    back = pickle.loads(pickle.dumps(lazy))
    assert back.layout == "YX"
    np.testing.assert_array_equal(back.to_numpy(), lazy.to_numpy())


def test_views_that_cannot_pickle_say_so(planes_record):
    view = omearrow.TensorView(planes_record, t=0, z=0,
                               plane_loader=lambda t, z, c: np.zeros((10, 13), np.uint16))
    with pytest.raises(TypeError, match="cannot be pickled: it reads pixels through a plane_loader"):
        pickle.dumps(view)


def test_spawn_workers_over_views(three_rows):
    array, pixels = three_rows
    views = [omearrow.TensorView(array.slice(i, 1), t=0, z=0) for i in range(3)]
    views.append(_quiet_open(TIFF).tensor_view(c=[0, 1], dtype=np.uint16))
    ds = TileDataset(views, tile_size=(4, 4), edge="drop")
    loader = torch.utils.data.DataLoader(ds, batch_size=4, num_workers=2,
                                         multiprocessing_context="spawn")
    got = torch.cat(list(loader))
    assert len(got) == ds.num_tiles
    expected = torch.cat([t.unsqueeze(0) for t in ds])
    # Workers interleave; compare as sorted sets of tiles.
    assert sorted(map(lambda t: t.sum().item(), got)) == sorted(
        map(lambda t: t.sum().item(), expected))


# --- 7: no "leaked instances" at exit ---------------------------------------------------


def test_no_leak_messages_at_exit(tmp_path):
    script = tmp_path / "globals.py"
    script.write_text(textwrap.dedent(f"""
        import warnings
        import numpy as np
        import torch
        import omearrow
        from omearrow.data import TileDataset
        warnings.simplefilter("ignore")
        RECORD = omearrow.from_numpy(np.arange(2 * 20 * 24, dtype=np.uint16).reshape(2, 20, 24),
                                     dim_order="CYX")
        VIEW = omearrow.TensorView(RECORD, c=0)
        LAZY = omearrow.open({TIFF!r}).tensor_view(c=0)
        LAZY.collect()
        IMAGE = omearrow.open({PARQUET!r}, row=1)

        if __name__ == "__main__":
            DS = TileDataset([VIEW, RECORD, {PARQUET!r}], tile_size=(16, 16), edge="pad", c=0)
            loader = torch.utils.data.DataLoader(DS, batch_size=4, num_workers=2,
                                                 multiprocessing_context="spawn")
            for epoch in range(2):
                DS.set_epoch(epoch)
                assert sum(len(b) for b in loader) == DS.num_tiles
            print("ok")
    """))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=300, cwd=str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
    assert "leaked" not in done.stderr, done.stderr


# --- 8: writers -------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["bytes", "list"])
def test_writers_keep_absent_metadata_absent(tmp_path, encoding):
    source = omearrow.open(os.path.join(TESTDATA, "AS_09125_050116030001_D03f00d0.tif"))
    assert source.physical_size["x"] is None and source.channels == []
    out = tmp_path / "converted.ome.parquet"
    omearrow.write_parquet(source, out, encoding=encoding)
    back = omearrow.open(out)
    assert back.physical_size == {"x": None, "y": None, "z": None,
                                  "x_unit": None, "y_unit": None, "z_unit": None}
    assert [{k: v for k, v in c.items() if k != "id"} for c in back.channels] == [
        {"name": None, "emission_um": None, "excitation_um": None, "illumination": None,
         "color_rgba": None}] * source.shape[1]
    # The reference reads such records (nulls where the source had nothing).
    ome_arrow = pytest.importorskip("ome_arrow")
    np.testing.assert_array_equal(ome_arrow.OMEArrow(str(out)).export(how="numpy"),
                                  source.tensor_view(layout="TCZYX").to_numpy())
    # What the file has is kept: an OME-TIFF's channel ids, from_numpy's explicit values.
    ome = omearrow.open(os.path.join(TESTDATA, "single-channel.ome.tiff"))
    omearrow.write_parquet(ome, tmp_path / "ome.ome.parquet")  # int8: byte chunks
    assert omearrow.open(tmp_path / "ome.ome.parquet").channels == ome.channels
    record = omearrow.from_numpy(np.zeros((1, 4, 4), np.uint16), dim_order="CYX",
                                 physical_size_x=0.5)
    meta = record[0]["pixels_meta"].as_py()
    assert meta["physical_size_x"] == 0.5 and meta["physical_size_x_unit"] == "µm"
    assert meta["channels"][0]["name"] == "C0"


def test_writer_argument_errors(tmp_path):
    array = np.zeros((2, 8, 8), np.uint16)
    with pytest.raises(ValueError, match=r"channel_names has 1 names but the array has 2 channels"):
        omearrow.from_numpy(array, dim_order="CYX", channel_names=["a"])
    with pytest.raises(ValueError, match=r"channel_names has 2 names but the array has 1 channel "):
        omearrow.from_numpy(array[0], dim_order="YX", channel_names=["a", "b"])
    for name in ("out.ome.tiff", "out.TIF"):
        with pytest.raises(ValueError, match="write_parquet writes Parquet"):
            omearrow.write_parquet(array, tmp_path / name, dim_order="CYX")
        assert not (tmp_path / name).exists()


def test_writers_take_any_array_like(tmp_path):
    pixels = sample_pixels((1, 2, 1, 6, 7), np.uint16)[0, :, 0]
    tensor = torch.from_numpy(pixels.astype(np.float32)).requires_grad_(True)
    record = omearrow.from_numpy(tensor, dim_order="CHW", channel_names=["a", "b"])
    view = omearrow.TensorView(record)
    np.testing.assert_array_equal(view.to_numpy(), pixels.astype(np.float32))
    assert [c["name"] for c in record[0]["pixels_meta"]["channels"].as_py()] == ["a", "b"]
    omearrow.write_parquet(torch.from_numpy(pixels), tmp_path / "t.ome.parquet", dim_order="CYX")
    back = omearrow.open(tmp_path / "t.ome.parquet")
    np.testing.assert_array_equal(back.tensor_view().to_numpy(), pixels)


# --- 9: argument types ------------------------------------------------------------------


def test_numpy_integers_select_like_ints(planes_record, pixels):
    plain = omearrow.TensorView(planes_record, t=1, z=[2, 0], c=[1, 0]).to_numpy()
    for t, z, c in [(np.int64(1), [np.int32(2), 0], np.array([1, 0])),
                    (np.array(1), np.array([2, 0], np.uint8), [np.int16(1), np.int64(0)])]:
        view = omearrow.TensorView(planes_record, t=t, z=z, c=c)
        np.testing.assert_array_equal(view.to_numpy(), plain)
    lazy = omearrow.LazyTensorView(loader=lambda: planes_record, t=np.int64(1), z=[2, 0],
                                   c=np.array([1, 0]))
    np.testing.assert_array_equal(lazy.to_numpy(), plain)


def test_wrong_types_name_the_argument(planes_record):
    with pytest.raises(TypeError, match=r"^layout must be a str \(e\.g\. 'CHW'\) or None, not list$"):
        omearrow.TensorView(planes_record, layout=["C", "H", "W"])
    view = omearrow.TensorView(planes_record, t=0, z=0)
    with pytest.raises(TypeError, match=r"^layout must be a str"):
        view.with_layout(("H", "W", "C"))
    # The reference's messages for values it rejects stay.
    with pytest.raises(ValueError, match="^Unsupported t index type$"):
        omearrow.TensorView(planes_record, t=1.5)


# --- 10: star import --------------------------------------------------------------------


def test_star_import_keeps_the_builtin_open():
    assert "open" not in omearrow.__all__ and "open_images" in omearrow.__all__
    namespace: dict = {}
    exec("from omearrow import *", namespace)
    assert "open" not in namespace and namespace["TensorView"] is omearrow.TensorView
    assert callable(omearrow.open)
