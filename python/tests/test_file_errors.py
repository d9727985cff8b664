"""Bad files and bad arguments: the right exception, a message naming the file, no crash,
and input files never modified."""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import omearrow
from files_support import JUMP, JUMP_COLUMN, TESTDATA, full_array, sample_pixels, unmodified

FILE_ERRORS = (OSError, ValueError, RuntimeError)


@pytest.fixture()
def written(tmp_path) -> pathlib.Path:
    path = tmp_path / "good.ome.parquet"
    omearrow.write_parquet(sample_pixels((1, 2, 3, 40, 40), "uint16"), path,
                           chunk_shape=(1, 16, 16))
    return path


def _copy(src: pathlib.Path, dst: pathlib.Path) -> pathlib.Path:
    shutil.copyfile(src, dst)
    return dst


def test_missing_path(tmp_path):
    missing = tmp_path / "nope.ome.parquet"
    with pytest.raises(FileNotFoundError, match="nope.ome.parquet"):
        omearrow.open(missing)


def test_row_out_of_range(written):
    with unmodified(written):
        with pytest.raises(IndexError, match="good.ome.parquet"):
            omearrow.open(written, row=1)
        # Negative rows count from the end (issue 22): -1 is the last row.
        assert omearrow.open(written, row=-1).row == 0
        with pytest.raises(IndexError, match=r"good.ome.parquet: row -2 is out of range"):
            omearrow.open(written, row=-2)


def test_jump_row_out_of_range():
    with unmodified(JUMP):
        with pytest.raises(IndexError, match="BR00117006"):
            omearrow.open(JUMP, column=JUMP_COLUMN, row=3)


def test_missing_named_column_is_an_error(written):
    # A column the user names must exist (issue 22); the error lists the OME columns.
    with pytest.raises(ValueError, match=r"good.ome.parquet: no column 'other'; its "
                                         r"OME-Arrow columns: 'ome_arrow'$"):
        omearrow.open(written, column="other")


def test_non_ome_columns(tmp_path):
    path = tmp_path / "plain.parquet"
    pq.write_table(pa.table({"a": [1, 2], "s": pa.array([{"x": 1}, {"x": 2}])}), path)
    with unmodified(path):
        with pytest.raises(ValueError, match="plain.parquet"):
            omearrow.open(path)
        with pytest.raises(ValueError, match="plain.parquet"):
            omearrow.open(path, column="a")


def test_jump_non_struct_column_is_refused():
    # The reference raises "Column '...' is not a Struct" for a non-struct column.
    with unmodified(JUMP):
        with pytest.raises(ValueError, match="Image_FileName_OrigDNA"):
            omearrow.open(JUMP, column="Image_FileName_OrigDNA")


def test_directory_without_manifest(tmp_path):
    (tmp_path / "images.parquet").write_bytes(b"")
    with pytest.raises(ValueError, match="_ome_arrow_dataset.json"):
        omearrow.open(tmp_path)


def test_unknown_format(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    with unmodified(path):
        with pytest.raises(ValueError, match="notes.txt"):
            omearrow.open(path)


def test_dataset_unknown_image_id_and_row():
    path = TESTDATA / "reference-dataset"
    with unmodified(path):
        with pytest.raises((KeyError, ValueError, IndexError), match="missing-id"):
            omearrow.open(path, image_id="missing-id")
        with pytest.raises(IndexError):
            omearrow.open(path, row=5)


def test_damaged_dataset_errors_name_the_files(tmp_path):
    """A stale index.parquet and a missing chunk raise ValueError naming the files, not
    another chunk's pixels or zeros (the Python side of dataset_test's damage matrix)."""
    pixels = sample_pixels((1, 1, 1, 16, 24), "uint16", seed=7)
    path = tmp_path / "ds"
    omearrow.write_dataset(pixels, path, chunk_shape=(1, 1, 1, 8, 8))
    chunks = pq.read_table(path / "chunks.parquet")
    # Row 1 gone and the last row repeated: the counts agree, the index points one row
    # too far for every chunk after row 1 (the reference raises "Chunk not found").
    rows = [0, *range(2, chunks.num_rows), chunks.num_rows - 1]
    pq.write_table(chunks.take(rows), path / "chunks.parquet", row_group_size=1)
    image = omearrow.open(path)
    with pytest.raises(ValueError, match="Chunk not found") as info:
        full_array(image)
    assert "index.parquet" in str(info.value) and "chunks.parquet" in str(info.value)
    # Without the index the duplicate covers its own cell, chunk 1's cell is missing.
    (path / "index.parquet").unlink()
    with pytest.raises(ValueError, match="images.parquet.*has no chunk at .*x=8"):
        omearrow.open(path)


def test_bad_argument_types(written):
    with pytest.raises(TypeError):
        omearrow.open(written, row="0")
    with pytest.raises(TypeError):
        omearrow.open(written, column=3)


@pytest.mark.parametrize("keep", [0.0, 0.1, 0.5, 0.9, 0.999])
def test_truncated_parquet(tmp_path, written, keep):
    data = written.read_bytes()
    path = tmp_path / f"cut{keep}.ome.parquet"
    path.write_bytes(data[: int(len(data) * keep)])
    with unmodified(path):
        with pytest.raises(FILE_ERRORS, match=path.name):
            full_array(omearrow.open(path))


def test_truncated_jump_file(tmp_path):
    data = JUMP.read_bytes()
    path = tmp_path / "jump_cut.ome.parquet"
    path.write_bytes(data[: len(data) - 100])
    with pytest.raises(FILE_ERRORS, match="jump_cut"):
        omearrow.open(path, column=JUMP_COLUMN)


def test_corrupt_parquet_footer(tmp_path, written):
    data = bytearray(written.read_bytes())
    footer_length = int.from_bytes(data[-8:-4], "little")
    start = len(data) - 8 - footer_length
    for i in range(start + 10, len(data) - 8, 7):
        data[i] ^= 0x5A
    path = tmp_path / "bad_footer.ome.parquet"
    path.write_bytes(bytes(data))
    with pytest.raises(FILE_ERRORS, match="bad_footer"):
        full_array(omearrow.open(path))


@pytest.mark.parametrize("name", ["single-channel.ome.tiff", "AS_09125_050116030001_D03f00d0.tif"])
@pytest.mark.parametrize("keep", [0.0, 0.05, 0.5, 0.95])
def test_truncated_tiff(tmp_path, name, keep):
    data = (TESTDATA / name).read_bytes()
    path = tmp_path / f"cut_{keep}_{name}"
    path.write_bytes(data[: int(len(data) * keep)])
    with unmodified(path):
        with pytest.raises(FILE_ERRORS, match="cut_"):
            full_array(omearrow.open(path))


# Random corruption of real files, run in a child process so that a crash shows as a
# failed test instead of taking pytest down. Every case must either read or raise one of
# the file errors naming the file.
_CORRUPTION_SCRIPT = textwrap.dedent(
    """
    import random, sys, warnings
    import numpy as np
    import omearrow

    src, dst, column, seeds = sys.argv[1], sys.argv[2], sys.argv[3] or None, int(sys.argv[4])
    data = open(src, "rb").read()
    outcomes = {"read": 0, "error": 0}
    for seed in range(seeds):
        rng = random.Random(seed)
        buf = bytearray(data)
        for _ in range(rng.randint(1, 16)):
            i = rng.randrange(len(buf))
            buf[i] = rng.randrange(256)
        if rng.random() < 0.3:
            del buf[rng.randrange(len(buf)):]
        with open(dst, "wb") as f:
            f.write(bytes(buf))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                image = omearrow.open(dst, column=column)
                image.tensor_view(layout="TCZYX").to_numpy()
                image.tensor_view(t=0, z=0, c=0, roi=(0, 0, 3, 3)).to_numpy()
            outcomes["read"] += 1
        except (OSError, ValueError, RuntimeError, TypeError, KeyError, IndexError) as exc:
            if dst not in str(exc) and type(exc) is not TypeError:
                print("MESSAGE WITHOUT PATH:", type(exc).__name__, exc)
                sys.exit(3)
            outcomes["error"] += 1
    print(outcomes)
    """
)


@pytest.mark.parametrize("source,column", [
    ("written", ""),
    ("jump", JUMP_COLUMN),
    ("single-channel.ome.tiff", ""),
    ("AS_09125_050116030001_D03f00d0.tif", ""),
])
def test_random_corruption_never_crashes(tmp_path, written, source, column):
    if source == "written":
        src = written
    elif source == "jump":
        src = JUMP
    else:
        src = TESTDATA / source
    dst = tmp_path / ("corrupt" + "".join(src.suffixes[-1:]))
    script = tmp_path / "corrupt.py"
    script.write_text(_CORRUPTION_SCRIPT)
    with unmodified(src):
        result = subprocess.run(
            [sys.executable, str(script), str(src), str(dst), column, "100"],
            capture_output=True, text=True, timeout=300,
            env={**os.environ, "PYTHONFAULTHANDLER": "1"})
    assert result.returncode == 0, (result.stdout[-2000:], result.stderr[-4000:])


def test_real_inputs_are_never_modified():
    """Opening and reading every sample leaves its bytes and mtime alone."""
    paths = [JUMP, TESTDATA / "reference-dataset", TESTDATA / "z-series.ome.tiff",
             TESTDATA / "AS_09125_050116030001_D03f00d0.tif"]
    with unmodified(*paths):
        full_array(omearrow.open(JUMP, column=JUMP_COLUMN, row=2))
        full_array(omearrow.open(TESTDATA / "reference-dataset"))
        full_array(omearrow.open(TESTDATA / "z-series.ome.tiff"))
        full_array(omearrow.open(TESTDATA / "AS_09125_050116030001_D03f00d0.tif"))


def test_writers_refuse_bad_arguments(tmp_path):
    pixels = np.zeros((1, 1, 1, 8, 8), np.uint16)
    with pytest.raises(ValueError):
        omearrow.write_parquet(pixels, tmp_path / "x.parquet", encoding="planes")
    with pytest.raises(ValueError):
        omearrow.write_parquet(pixels, tmp_path / "x.parquet", chunk_shape=(1, 8))
    with pytest.raises((ValueError, TypeError)):
        omearrow.write_parquet(pixels, tmp_path / "x.parquet", chunk_compression="nope")
    with pytest.raises(ValueError):
        omearrow.write_dataset(pixels, tmp_path / "d", chunk_shape=(1, 1, 8, 8))
    with pytest.raises(ValueError):
        omearrow.write_parquet([], tmp_path / "x.parquet")
    with pytest.raises(TypeError):
        omearrow.write_parquet(object(), tmp_path / "x.parquet")
    blocker = tmp_path / "a_file"
    blocker.write_text("not a directory")
    with pytest.raises(FILE_ERRORS, match="a_file"):
        omearrow.write_parquet(pixels, blocker / "x.parquet")
    assert not (tmp_path / "x.parquet").exists()
    # Missing parent directories are created.
    omearrow.write_parquet(pixels, tmp_path / "new" / "dir" / "x.parquet")
    np.testing.assert_array_equal(full_array(omearrow.open(tmp_path / "new" / "dir" / "x.parquet")),
                                  pixels)


def test_non_utf8_metadata_text(tmp_path):
    """OME-XML text that is not UTF-8 (a corrupt byte in the image name) reads, with the
    bad byte replaced, instead of failing in the metadata conversion."""
    data = bytearray((TESTDATA / "single-channel.ome.tiff").read_bytes())
    at = data.find(b'Name="single-channel.ome.tiff"') + len(b'Name="single')
    data[at] = 0x91  # a lone continuation byte: invalid UTF-8
    path = tmp_path / "latin.ome.tiff"
    path.write_bytes(bytes(data))
    image = omearrow.open(path)
    assert image.name == "single\ufffdchannel.ome.tiff"
    assert full_array(image).shape == (1, 1, 1, 167, 439)


def test_non_utf8_text_in_error_messages(tmp_path):
    """An error quoting bytes of a corrupt file that are not UTF-8 is still the right
    exception (not a UnicodeDecodeError), naming the file."""
    data = bytearray((TESTDATA / "single-channel.ome.tiff").read_bytes())
    at = data.find(b'Type="int8"') + len(b'Type="')
    data[at] = 0x91
    path = tmp_path / "badtype.ome.tiff"
    path.write_bytes(bytes(data))
    with pytest.raises(FILE_ERRORS, match="badtype.ome.tiff") as info:
        omearrow.open(path)
    assert not isinstance(info.value, UnicodeError)
    assert "\ufffd" in str(info.value)
