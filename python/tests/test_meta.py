"""omearrow.meta: the reference's format definitions (equal to the installed
ome_arrow.meta) and record validation."""

from __future__ import annotations

import copy
import pathlib

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import ome_arrow.meta as reference
import omearrow
from omearrow import meta
from records import make_record, sample_pixels

TESTDATA = pathlib.Path(__file__).resolve().parents[2] / "testdata"
SHARED = pathlib.Path(__file__).resolve().parents[3] / "shared" / "data"


def test_definitions_equal_the_reference():
    assert meta.OME_ARROW_TAG_TYPE == reference.OME_ARROW_TAG_TYPE == "ome.arrow"
    assert meta.OME_ARROW_TAG_VERSION == reference.OME_ARROW_TAG_VERSION
    for ours, ref in [(meta.OME_ARROW_STRUCT, reference.OME_ARROW_STRUCT),
                      (meta.OME_ARROW_BYTE_STRUCT, reference.OME_ARROW_BYTE_STRUCT)]:
        assert isinstance(ours, pa.StructType)
        assert ours == ref
        assert ours.equals(ref, check_metadata=True)
        assert [f.name for f in ours] == [f.name for f in ref]
        assert [f.nullable for f in ours] == [f.nullable for f in ref]
    assert meta.OME_ARROW_KNOWN_STRUCTS == reference.OME_ARROW_KNOWN_STRUCTS
    assert omearrow.meta is meta


def test_writers_produce_the_definitions():
    pixels = np.zeros((1, 1, 1, 4, 4), np.uint16)
    assert omearrow.from_numpy(pixels, chunk_encoding="list").type == meta.OME_ARROW_STRUCT
    assert omearrow.from_numpy(pixels, chunk_encoding="bytes").type == meta.OME_ARROW_BYTE_STRUCT


@pytest.mark.parametrize("encoding", ["planes", "chunks", "bytes", "bytes_zstd", "bytes_lz4"])
@pytest.mark.parametrize("loose", [False, True])
def test_valid_records_have_no_problems(encoding, loose):
    record = make_record(sample_pixels((2, 3, 2, 6, 7), np.uint16), encoding=encoding,
                         chunk_shape=(1, 3, 4), loose=loose)
    for form in (record, record[0], pa.chunked_array([record, record]), record[0].as_py()):
        assert meta.validate(form) == []


def test_strict_requires_canonical_types():
    canonical = omearrow.from_numpy(np.zeros((1, 2, 1, 3, 3), np.uint16), chunk_encoding="list")
    assert meta.validate(canonical, strict=True) == []
    loose = make_record(sample_pixels((1, 2, 1, 3, 3), np.uint16), loose=True)
    problems = meta.validate(loose, strict=True)
    assert "pixels_meta.size_x: is int64, expected int32" in problems
    assert meta.validate(loose) == []


def _good():
    return make_record(sample_pixels((2, 2, 2, 3, 4), np.uint16), encoding="planes")[0].as_py()


def _good_chunks(encoding="chunks"):
    return make_record(sample_pixels((1, 1, 2, 4, 4), np.uint16), encoding=encoding,
                       chunk_shape=(1, 2, 2))[0].as_py()


def _broken(base, edit):
    record = copy.deepcopy(base)
    edit(record)
    return record


BROKEN = [
    ("no pixels_meta", lambda: _broken(_good(), lambda r: r.pop("pixels_meta")),
     "pixels_meta: missing"),
    ("no size_x", lambda: _broken(_good(), lambda r: r["pixels_meta"].pop("size_x")),
     "pixels_meta.size_x: missing"),
    ("zero size", lambda: _broken(_good(), lambda r: r["pixels_meta"].update(size_y=0)),
     "pixels_meta.size_y: must be positive, got 0"),
    ("text size", lambda: _broken(_good(), lambda r: r["pixels_meta"].update(size_z="two")),
     "pixels_meta.size_z"),
    ("unknown type", lambda: _broken(_good(), lambda r: r["pixels_meta"].update(type="uint12")),
     "pixels_meta.type: unknown pixel type 'uint12' (read as uint16)"),
    ("wrong tag", lambda: _broken(_good(), lambda r: r.update(type="ome.tiff")),
     "type: is 'ome.tiff', expected 'ome.arrow'"),
    ("short plane", lambda: _broken(_good(), lambda r: r["planes"][1].update(pixels=[1, 2, 3])),
     "planes[1].pixels: has 3 values, expected size_y * size_x = 12"),
    ("plane outside", lambda: _broken(_good(), lambda r: r["planes"][0].update(z=5)),
     "planes[0].z: 5 is outside [0, 2)"),
    ("plane twice", lambda: _broken(_good(), lambda r: r["planes"].append(r["planes"][0])),
     "planes[8]: (t, z, c) = (0, 0, 0) is also planes[0]"),
    ("chunk outside", lambda: _broken(_good_chunks(), lambda r: r["chunks"][0].update(x=3)),
     "chunks[0]: (t=0, c=0, z=0+1, y=0+2, x=3+2) lies outside the image"),
    ("chunk pixels", lambda: _broken(_good_chunks(), lambda r: r["chunks"][2].update(pixels=[0])),
     "chunks[2].pixels: has 1 values, expected shape_z * shape_y * shape_x = 4"),
    ("chunk shape", lambda: _broken(_good_chunks(), lambda r: r["chunks"][1].update(shape_y=0)),
     "chunks[1]: shape (1, 0, 2) must be positive"),
    ("payload length", lambda: _broken(_good_chunks("bytes"),
                                       lambda r: r["chunks"][0].update(pixel_bytes=b"\0" * 5)),
     "chunks[0].pixel_bytes: holds 5 bytes, expected 8 (1x2x2 uint16)"),
    ("unknown codec", lambda: _broken(_good_chunks("bytes"),
                                      lambda r: r["chunks"][0].update(compression="jpeg2000")),
     "chunks[0].compression"),
    ("unknown chunk dtype", lambda: _broken(_good_chunks("bytes"),
                                            lambda r: r["chunks"][3].update(dtype="complex64")),
     "chunks[3].dtype: unknown dtype 'complex64'"),
    ("channels count", lambda: _broken(_good(), lambda r: r["pixels_meta"]["channels"].pop()),
     "pixels_meta.channels: has 1 entries for size_c=2"),
]


@pytest.mark.parametrize("name,make,expected", BROKEN, ids=[b[0] for b in BROKEN])
def test_each_problem_is_named(name, make, expected):
    problems = meta.validate(make())
    assert any(p.startswith(expected) for p in problems), problems


def test_several_rows_are_labelled_and_problems_capped():
    bad = _broken(_good(), lambda r: [p.update(pixels=[0]) for p in r["planes"]])
    column = pa.chunked_array([pa.array([_good()]), pa.array([bad], type=pa.array([_good()]).type)])
    problems = meta.validate(column, max_problems=3)
    assert all(p.startswith("[row 1] ") for p in problems)
    assert problems[-1] == "[row 1] (record): 5 more problems not listed"


def test_real_files_validate():
    """Every OME column of the real files is valid, except the JUMP file's *_COMP
    columns: their single plane holds 3 × size_y × size_x values (an RGB composite
    declared as one channel), which omearrow and the reference both fail to read."""
    checked = 0
    for path in sorted(TESTDATA.glob("*.parquet")) + sorted(SHARED.glob("*.parquet")):
        table = pq.read_table(path)
        for name in table.column_names:
            column = table[name]
            if not (pa.types.is_struct(column.type) and "pixels_meta" in [f.name for f in column.type]):
                continue
            checked += 1
            problems = meta.validate(column)
            if name.endswith("_COMP"):
                assert len(problems) == len(column), (path, name, problems)
                for row, problem in enumerate(problems):
                    pm = column[row]["pixels_meta"].as_py()
                    plane = pm["size_y"] * pm["size_x"]
                    assert problem == (
                        f"[row {row}] planes[0].pixels: has {3 * plane} values, "
                        f"expected size_y * size_x = {plane}"
                    )
                with pytest.raises(ValueError, match="planes\\[0\\].pixels length"):
                    omearrow.open(path, column=name).tensor_view().to_numpy()
            else:
                assert problems == [], (path, name)
    assert checked >= 9


def test_validate_rejects_other_inputs():
    with pytest.raises(TypeError, match="validate\\(\\) takes"):
        meta.validate(42)
