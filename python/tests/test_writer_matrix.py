"""Writer matrix (issue 23): OME-Arrow records written to Parquet every valid way pyarrow
writes them (codecs, page versions and sizes, dictionaries, page indexes and checksums,
row-group sizes, format versions, statistics, stored schema, column encodings, Spark
flavor, INT96 timestamps, ParquetWriter appends with an empty row group,
pyarrow.dataset.write_dataset, pandas round trips, large / dictionary / view types, one
or two image columns, extra columns) x the list / planes / byte-chunk encodings x image
columns named like OME fields. Every row is read as a full volume, one plane and a crop
and compared with the NumPy truth.

The product of the options is sampled: each value of each option appears twice (DRAWS)
with each encoding (the other options drawn from a fixed seed), so the cases are the
same on every run. The reading is done in child processes, a batch of files each; when a
child dies, the cases it did not report are read again one per child, so a crash fails
its own case and no other.
"""

from __future__ import annotations

import json
import os
import pathlib
import random
import subprocess
import sys
import textwrap
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

import omearrow

ENCODINGS = ("list", "planes", "bytes")

# Names of the image column: OME field names (the record's own and nested ones), Parquet
# list node names, the JUMP style and plain ones.
COLUMN_NAMES = (
    "ome_arrow", "pixels", "pixel_bytes", "planes", "chunks", "pixels_meta",
    "chunk_grid", "t", "c", "z", "x", "y", "type", "id", "name", "channels", "size_x",
    "dtype", "compression", "element", "list", "Image_FileName_OrigDNA_OMEArrow_ORIG",
    "bild_ü",
)

# Every option and its values; None is pyarrow's default.
OPTIONS: dict[str, tuple[Any, ...]] = {
    "compression": ("none", "snappy", "gzip", "zstd", "lz4", "brotli"),
    "data_page_version": ("1.0", "2.0"),
    "use_dictionary": (True, False),
    "write_page_index": (False, True),
    "data_page_size": (None, 64),  # 64 bytes (with small write batches): many pages
    "row_group_size": (1, 3, None),  # None: all rows in one group
    "images": (1, 2, 3, 4, 5),
    "layout": ("single", "two_columns", "extra_columns"),
    "writer": ("write_table", "parquet_writer", "write_dataset", "pandas"),
    "flavor": (None, "spark"),
    "timestamps": (None, "ms", "int96"),
    "version": ("1.0", "2.4", "2.6"),
    "write_statistics": (True, False),
    "store_schema": (True, False),
    "column_encoding": (None, "DELTA_BINARY_PACKED", "BYTE_STREAM_SPLIT"),
    "write_page_checksum": (False, True),
    "use_compliant_nested_type": (True, False),
    "max_rows_per_page": (None, 1),
    "use_content_defined_chunking": (False, True),
    "dictionary_pagesize_limit": (None, 64),  # tiny: dictionary pages fall back to plain
    # view: list_view lists (pyarrow cannot write string_view inside a struct to Parquet;
    # test_text_and_list_forms_in_memory covers it).
    "types": ("canonical", "large", "dictionary", "view"),
    "column": COLUMN_NAMES,
}


def _fix(case: dict[str, Any], forced: str) -> None:
    """Makes `case` a valid combination without changing option `forced`."""

    def setdefault(option: str, value: Any) -> None:
        if option != forced:
            case[option] = value

    if case["column_encoding"] is not None:  # pyarrow: needs use_dictionary=False
        if forced == "use_dictionary":
            case["column_encoding"] = None
        else:
            case["use_dictionary"] = False
    if case["writer"] == "write_dataset":
        # Not a write_dataset option; Spark names only differ for odd characters.
        if forced == "flavor":
            case["writer"] = "write_table"
        else:
            setdefault("flavor", None)
    if case["types"] == "dictionary" and case["data_page_size"] is not None:
        # pyarrow 26 writes dictionary strings in a struct beside a list of structs with
        # small write batches into files it cannot read back itself ("Struct child array
        # #1 has length smaller than expected"): not a valid file.
        if forced == "types":
            case["data_page_size"] = None
        else:
            case["types"] = "canonical"
    if case["writer"] == "pandas":
        # pandas infers the types again: the record's own forms do not survive it.
        if forced == "types":
            case["writer"] = "write_table"
        else:
            setdefault("types", "canonical")


DRAWS = 2  # cases per (encoding, option value)


def make_cases() -> list[dict[str, Any]]:
    """Each value of each option DRAWS times per encoding; the rest seeded draws."""
    cases = []
    for encoding in ENCODINGS:
        for option, values in OPTIONS.items():
            for value in values:
                for draw in range(DRAWS):
                    rng = random.Random(f"{encoding}/{option}/{value!r}/{draw}")
                    case = {name: rng.choice(choices) for name, choices in OPTIONS.items()}
                    case[option] = value
                    _fix(case, option)
                    case["encoding"] = encoding
                    case["seed"] = rng.randrange(1 << 30)
                    case["id"] = f"{encoding}-{option}={value}-{draw}"
                    cases.append(case)
    return cases


CASES = make_cases()


def test_matrix_covers_every_option_value_with_every_encoding():
    for encoding in ENCODINGS:
        for option, values in OPTIONS.items():
            seen = {c[option] for c in CASES if c["encoding"] == encoding}
            assert set(values) <= seen, (encoding, option, set(values) - seen)


# --- writing -------------------------------------------------------------------------


def _retype(array: pa.Array, types: str) -> pa.Array:
    """`array` with its text and lists in another valid form."""
    if types == "canonical":
        return array
    if types == "view":
        return _list_views(array)
    if types == "large":
        return array.cast(_mapped(array.type, pa.large_string(), pa.large_list))
    return array.cast(_mapped(array.type, pa.dictionary(pa.int32(), pa.string()), None))


def _mapped(type_: pa.DataType, text: pa.DataType, list_: Any) -> pa.DataType:
    if pa.types.is_struct(type_):
        return pa.struct([f.with_type(_mapped(f.type, text, list_)) for f in type_])
    if pa.types.is_list(type_):
        value = type_.value_field
        value = value.with_type(_mapped(value.type, text, list_))
        return list_(value) if list_ else pa.list_(value)
    return text if pa.types.is_string(type_) else type_


def _list_views(array: pa.Array, large: bool = False) -> pa.Array:
    """`array` with every list a list_view (or large_list_view); pyarrow cannot cast
    lists of structs to those."""
    type_ = array.type
    mask = array.is_null() if array.null_count else None
    if pa.types.is_struct(type_):
        children = [_list_views(array.field(i), large) for i in range(type_.num_fields)]
        fields = [f.with_type(child.type) for f, child in zip(type_, children)]
        return pa.StructArray.from_arrays(children, fields=fields, mask=mask)
    if pa.types.is_list(type_):
        offsets = array.offsets
        sizes = pc.subtract(offsets[1:], offsets[:-1])
        values = _list_views(array.values, large)
        if large:
            return pa.LargeListViewArray.from_arrays(
                offsets[:-1].cast(pa.int64()), sizes.cast(pa.int64()), values, mask=mask)
        return pa.ListViewArray.from_arrays(offsets[:-1], sizes, values, mask=mask)
    return array


def _drop_field(record: pa.StructArray, name: str) -> pa.StructArray:
    fields = [f for f in record.type if f.name != name]
    return pa.StructArray.from_arrays([record.field(f.name) for f in fields], fields=fields)


def _images(case: dict[str, Any], count: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    dtypes = ("uint8", "uint16") if case["encoding"] != "bytes" else (
        "uint8", "int16", "uint16", "int32", "float32", "float64", "uint64")
    out = []
    for _ in range(count):
        shape = (int(rng.integers(1, 3)), int(rng.integers(1, 4)), int(rng.integers(1, 4)),
                 int(rng.integers(5, 13)), int(rng.integers(4, 12)))
        dtype = np.dtype(dtypes[int(rng.integers(len(dtypes)))])
        if dtype.kind == "f":
            pixels = (rng.standard_normal(shape) * 100).astype(dtype)
        else:
            info = np.iinfo(dtype)
            pixels = rng.integers(max(info.min, -(1 << 30)), min(info.max, 1 << 30),
                                  size=shape, endpoint=True).astype(dtype)
        out.append(pixels)
    return out


def _records(case: dict[str, Any], images: list[np.ndarray], seed: int) -> pa.Array:
    rng = random.Random(seed)
    records = []
    for i, pixels in enumerate(images):
        chunk = (rng.randint(1, 2), rng.randint(2, 6), rng.randint(2, 6))
        record = omearrow.from_numpy(
            pixels, image_id=f"img-{seed}-{i}",
            chunk_encoding="bytes" if case["encoding"] == "bytes" else "list",
            chunk_shape=chunk,
            chunk_compression=rng.choice(("zstd", "lz4", None)))
        if case["encoding"] == "planes":
            record = _drop_field(_drop_field(record, "chunks"), "chunk_grid")
        records.append(record)
    return _retype(pa.concat_arrays(records), case["types"])


def _table(case: dict[str, Any]) -> tuple[pa.Table, list[dict[str, Any]]]:
    """The table of a case and what reading it must give: (column, row, pixels)."""
    count = case["images"]
    columns: dict[str, pa.Array] = {}
    expected = []
    image_columns = [case["column"]]
    if case["layout"] == "two_columns":
        others = [n for n in COLUMN_NAMES if n != case["column"]]
        image_columns.append(others[case["seed"] % len(others)])
    for k, name in enumerate(image_columns):
        images = _images(case, count, case["seed"] + k)
        columns[name] = _records(case, images, case["seed"] + k)
        expected += [{"column": name, "row": r, "pixels": p} for r, p in enumerate(images)]
    if case["layout"] == "extra_columns":
        columns = {
            "well": pa.array([f"W{r:02d}" for r in range(count)]),
            "site": pa.array([r % 2 for r in range(count)], pa.int64()),
            **columns,
            "plate": pa.array(["P1"] * count).dictionary_encode(),
            "features": pa.array([[float(r), 0.5] for r in range(count)]),
            "meta": pa.array([{"a": r, "b": "x"} for r in range(count)]),
        }
    if case["timestamps"] is not None:
        columns["acquired"] = pa.array(
            [1_700_000_000_000 + r for r in range(count)], pa.timestamp("ms"))
    return pa.table(columns), expected


def _write_options(case: dict[str, Any]) -> dict[str, Any]:
    options = {
        "compression": case["compression"],
        "data_page_version": case["data_page_version"],
        "use_dictionary": case["use_dictionary"],
        "write_page_index": case["write_page_index"],
        "version": case["version"],
        "write_statistics": case["write_statistics"],
        "store_schema": case["store_schema"],
        "write_page_checksum": case["write_page_checksum"],
        "use_compliant_nested_type": case["use_compliant_nested_type"],
        "use_content_defined_chunking": case["use_content_defined_chunking"],
    }
    for option in ("max_rows_per_page", "dictionary_pagesize_limit"):
        if case[option] is not None:
            options[option] = case[option]
    if case["data_page_size"] is not None:
        options["data_page_size"] = case["data_page_size"]
        options["write_batch_size"] = 4
    if case["timestamps"] == "int96":
        options["use_deprecated_int96_timestamps"] = True
    elif case["timestamps"] == "ms":
        options["coerce_timestamps"] = "ms"
        options["allow_truncated_timestamps"] = True
    if case["flavor"] is not None:
        options["flavor"] = case["flavor"]
    return options


def _column_encoding(table: pa.Table, options: dict[str, Any], encoding: str,
                     scratch: pathlib.Path) -> dict[str, str]:
    """The leaf columns `encoding` is valid for, as pyarrow names them."""
    probe = scratch.with_suffix(".probe.parquet")
    pq.write_table(table, probe, **{**options, "use_dictionary": False})
    schema = pq.ParquetFile(probe).schema
    probe.unlink()
    valid = {"DELTA_BINARY_PACKED": {"INT32", "INT64"},
             "BYTE_STREAM_SPLIT": {"INT32", "INT64", "FLOAT", "DOUBLE"}}[encoding]
    return {schema.column(i).path: encoding for i in range(len(schema))
            if schema.column(i).physical_type in valid}


def write_case(case: dict[str, Any], directory: pathlib.Path) -> tuple[str, list[dict]]:
    table, expected = _table(case)
    options = _write_options(case)
    path = directory / f"{case['id']}.parquet"
    if case["column_encoding"] is not None:
        options["column_encoding"] = _column_encoding(
            table, options, case["column_encoding"], path)
    rows = case["row_group_size"]
    writer = case["writer"]
    if writer == "write_table":
        pq.write_table(table, path, row_group_size=rows, **options)
    elif writer == "parquet_writer":
        # Appends: a first part, an empty row group, the rest.
        first = max(1, table.num_rows // 2)
        with pq.ParquetWriter(path, table.schema, **options) as out:
            out.write_table(table.slice(0, first), row_group_size=rows)
            out.write_table(table.slice(0, 0))
            out.write_table(table.slice(first), row_group_size=rows)
    elif writer == "write_dataset":
        out_dir = directory / f"{case['id']}.dataset"
        file_options = ds.ParquetFileFormat().make_write_options(**options)
        limits = {} if rows is None else {"max_rows_per_group": rows,
                                          "min_rows_per_group": rows}
        ds.write_dataset(table, out_dir, format="parquet", file_options=file_options,
                         basename_template="part-{i}.parquet", preserve_order=True,
                         **limits)
        (written,) = sorted(out_dir.iterdir())
        path = written
    else:  # pandas round trip
        table.to_pandas().to_parquet(path, engine="pyarrow", index=False,
                                     row_group_size=rows, **options)
    checks = []
    for k, item in enumerate(expected):
        npy = directory / f"{case['id']}.{k}.npy"
        np.save(npy, item["pixels"])
        checks.append({"column": item["column"], "row": item["row"], "truth": str(npy)})
    return str(path), checks


# --- reading, in child processes -----------------------------------------------------

CHILD = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    import omearrow

    def check(path, item):
        truth = np.load(item["truth"])
        st, sc, sz, sy, sx = truth.shape
        image = omearrow.open(path, column=item["column"], row=item["row"])
        assert image.shape == truth.shape, (image.shape, truth.shape)
        assert image.dtype == truth.dtype, (image.dtype, truth.dtype)
        full = image.tensor_view(layout="TCZYX").to_numpy()
        np.testing.assert_array_equal(full, truth, err_msg="full volume")
        t, c, z = st - 1, sc - 1, sz // 2
        plane = image.tensor_view(t=t, z=z, c=c, layout="TCZYX").to_numpy()
        np.testing.assert_array_equal(plane[0, 0, 0], truth[t, c, z], err_msg="plane")
        x, y, w, h = sx // 3, sy // 4, max(1, sx // 2), max(1, sy // 2)
        crop = image.tensor_view(roi=(x, y, w, h), layout="TCZYX").to_numpy()
        np.testing.assert_array_equal(crop, truth[..., y:y + h, x:x + w], err_msg="crop")

    for line in sys.stdin:
        case = json.loads(line)
        try:
            for item in case["checks"]:
                check(case["path"], item)
            result = "ok"
        except BaseException as error:  # noqa: BLE001 (reported, not raised)
            result = f"{type(error).__name__}: {error}"
        print(json.dumps({"id": case["id"], "result": result}), flush=True)
    """
)

BATCHES = 6


def _run_child(cases: list[dict[str, Any]]) -> tuple[dict[str, str], int, str]:
    env = dict(os.environ)
    package_root = str(pathlib.Path(omearrow.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join([package_root, env.get("PYTHONPATH", "")])
    stdin = "".join(json.dumps(c) + "\n" for c in cases)
    done = subprocess.run([sys.executable, "-c", CHILD], input=stdin, capture_output=True,
                          text=True, env=env, timeout=600, check=False)
    results = {}
    for line in done.stdout.splitlines():
        if line.startswith("{"):
            entry = json.loads(line)
            results[entry["id"]] = entry["result"]
    return results, done.returncode, done.stderr[-2000:]


@pytest.fixture(scope="module")
def matrix_results(tmp_path_factory) -> dict[str, str]:
    directory = tmp_path_factory.mktemp("writer_matrix")
    jobs, results = [], {}
    for case in CASES:
        try:
            path, checks = write_case(case, directory)
        except Exception as error:  # noqa: BLE001 (a combination pyarrow refuses: the case fails)
            results[case["id"]] = f"could not write: {type(error).__name__}: {error}"
            continue
        jobs.append({"id": case["id"], "path": path, "checks": checks})
    for b in range(BATCHES):
        batch = jobs[b::BATCHES]
        got, code, stderr = _run_child(batch)
        results.update(got)
        for job in batch:
            if job["id"] in results:
                continue
            # The child died before reporting this case: read it alone.
            alone, code, stderr = _run_child([job])
            results[job["id"]] = alone.get(
                job["id"], f"reader process died (exit {code}): {stderr}")
    return results


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_writer_matrix(case, matrix_results):
    result = matrix_results[case["id"]]
    options = {k: v for k, v in case.items() if k not in ("id",)}
    assert result == "ok", f"{result}\ncase: {options}"


# --- the same forms in memory, and in typed-chunk datasets ----------------------------

IN_MEMORY_FORMS = ("dictionary", "large_string", "string_view", "large_list", "list_view",
                   "large_list_view")


def _in_memory_form(record: pa.StructArray, form: str) -> pa.Array:
    if form == "dictionary":
        return record.cast(_mapped(record.type, pa.dictionary(pa.int8(), pa.string()), None))
    if form == "large_string":
        return record.cast(_mapped(record.type, pa.large_string(), None))
    if form == "string_view":
        return record.cast(_mapped(record.type, pa.string_view(), None))
    if form == "large_list":
        return record.cast(_mapped(record.type, pa.string(), pa.large_list))
    return _list_views(record, large=form == "large_list_view")


@pytest.mark.parametrize("form", IN_MEMORY_FORMS)
@pytest.mark.parametrize("encoding", ENCODINGS)
def test_text_and_list_forms_in_memory(encoding, form):
    case = {"encoding": encoding, "types": "canonical"}
    (a, b) = _images(case, 2, seed=len(form))
    records = _records(case, [a, b], seed=7)
    retyped = _in_memory_form(records, form)
    assert retyped.type != records.type
    for data, truth in ((retyped, a), (retyped[1:], b), (retyped[1], b),
                        (pa.chunked_array([retyped[1:]]), b)):
        st, sc, sz, sy, sx = truth.shape
        view = omearrow.TensorView(data, layout="TCZYX")
        np.testing.assert_array_equal(view.to_numpy(), truth)
        plane = omearrow.TensorView(data, t=st - 1, z=sz // 2, c=sc - 1, layout="TCZYX")
        np.testing.assert_array_equal(plane.to_numpy()[0, 0, 0], truth[-1, -1, sz // 2])
        crop = omearrow.TensorView(data, roi=(1, 1, sx - 2, sy - 2), layout="TCZYX")
        np.testing.assert_array_equal(crop.to_numpy(), truth[..., 1:sy - 1, 1:sx - 1])


@pytest.mark.parametrize("text", ["dictionary", "large_string", "string_view"])
def test_typed_chunk_dataset_with_other_text_forms(tmp_path, text):
    """A dataset whose tables store text as categoricals / large / view strings."""
    pixels = [np.arange(2 * 3 * 4 * 9 * 7, dtype=np.uint16).reshape(2, 3, 4, 9, 7) + k
              for k in range(2)]
    omearrow.write_dataset(pixels, tmp_path, chunk_shape=(1, 2, 2, 4, 4))
    target = {"dictionary": pa.dictionary(pa.int32(), pa.string()),
              "large_string": pa.large_string(), "string_view": pa.string_view()}[text]
    for name in ("images.parquet", "chunks.parquet", "index.parquet"):
        path = tmp_path / name
        source = pq.ParquetFile(path)
        schema = pa.schema([f.with_type(target) if pa.types.is_string(f.type) else f
                            for f in source.schema_arrow], metadata=source.schema_arrow.metadata)
        groups = [source.read_row_group(g).cast(schema)
                  for g in range(source.num_row_groups)]
        with pq.ParquetWriter(path, schema) as out:  # same row groups (the index points at them)
            for group in groups:
                out.write_table(group)
        assert pq.read_schema(path) == schema
    for row, truth in enumerate(pixels):
        image = omearrow.open(tmp_path, row=row)
        assert image.id == f"image-{row:05d}"
        np.testing.assert_array_equal(image.tensor_view(layout="TCZYX").to_numpy(), truth)
    image = omearrow.open(tmp_path, image_id="image-00001")
    np.testing.assert_array_equal(
        image.tensor_view(t=1, z=2, c=1, roi=(1, 2, 5, 6), layout="TCZYX").to_numpy(),
        pixels[1][1:2, 1:2, 2:3, 2:8, 1:6])
