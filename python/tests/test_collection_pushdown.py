"""open_collection(source, filter=...) pushes the filter down to Parquet row-group
statistics: a generated collection of 200 files × 4 rows (2 row groups of one well each)
is opened with a predicate on Metadata_Well, and only the footers plus the matching row
groups are read (bytes counted by the core and bounded by the footers' own numbers); the
result equals pyarrow's read of the same rows and the unfiltered collection filtered
afterwards. Reopening unchanged files reads nothing (the metadata cache)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

import omearrow
from collection_support import row_group_ranges, well_plate_well, write_well_plate

FOOTER_REQUEST = 64 * 1024  # the core reads the last 64 KiB of a file for its footer
FILES = 200


@pytest.fixture(scope="module")
def wells(tmp_path_factory):
    return write_well_plate(tmp_path_factory.mktemp("wells"), files=FILES)


def _expected_rows(plate, well):
    """(path, row) of the images of `well`, and pyarrow's read of their columns."""
    tables = []
    for path in plate.files:
        table = pq.read_table(path, columns=["Metadata_Plate", "Metadata_Well", "Metadata_Site"])
        table = table.append_column("path", pa.array([str(path)] * table.num_rows))
        table = table.append_column("row", pa.array(range(table.num_rows), pa.int64()))
        tables.append(table.filter(pc.field("Metadata_Well") == well))
    return pa.concat_tables(tables)


@pytest.mark.parametrize("as_text", [False, True])
def test_filter_reads_only_matching_row_groups(wells, as_text):
    well = well_plate_well(19, 1)  # files 19, 115 (19 + 96), rows 2-3
    expression = pc.field("Metadata_Well") == well
    text = f"Metadata_Well == '{well}'"
    selected = omearrow.open_collection(wells.files[0].parent,
                                        filter=text if as_text else expression, cache=False)
    expected = _expected_rows(wells, well)
    assert len(selected) == expected.num_rows == 4
    got = selected.metadata.select(expected.column_names)
    assert got.equals(expected.cast(got.schema))
    # The same rows and metadata as the unfiltered collection filtered afterwards.
    whole = omearrow.open_collection(wells.files[0].parent, cache=False)
    assert selected.metadata.equals(whole.filter(expression).metadata)
    # Row groups: 2 of 400 read.
    assert selected.row_groups == 2 * FILES
    assert selected.row_groups_skipped == 2 * FILES - 2
    # Bytes: the footer request of every file, plus at most the two matching row groups'
    # column chunks (only their metadata leaves are read), far below the whole open.
    footers = sum(min(FOOTER_REQUEST, p.stat().st_size) for p in wells.files)
    matching = {(str(p), r // 2) for (p, r), w in wells.wells.items() if w == well}
    assert len(matching) == 2
    matching_bytes = sum(
        row_group_ranges(p)[g][1] - row_group_ranges(p)[g][0]
        for p in wells.files for g in (0, 1) if (str(p), g) in matching
    )
    assert footers < selected.open_bytes_read <= footers + matching_bytes
    assert selected.open_bytes_read < whole.open_bytes_read
    # Pixels of the selected images.
    for image, path, row in zip(selected, selected.metadata.column("path").to_pylist(),
                                selected.metadata.column("row").to_pylist()):
        np.testing.assert_array_equal(image.tensor_view(layout="CYX").to_numpy(),
                                      wells.pixels[(path, row)])


def test_filters_on_sites_rows_and_unknown_columns(wells):
    source = wells.files[0].parent
    whole = omearrow.open_collection(source, cache=False)
    for expression, skipped in [
        (pc.field("Metadata_Site") >= 3, FILES),             # the second row group
        (pc.field("row") < 2, FILES),                        # the first row group
        ((pc.field("Metadata_Plate") == "BR1") & (pc.field("size_y") == 96), 0),
        (pc.field("Metadata_Plate") != "BR1", 2 * FILES),    # nothing read but footers
    ]:
        selected = omearrow.open_collection(source, filter=expression, cache=False)
        assert selected.row_groups_skipped == skipped, expression
        assert selected.metadata.equals(whole.filter(expression).metadata), expression
    nothing = omearrow.open_collection(source, filter=pc.field("Metadata_Plate") != "BR1",
                                       cache=False)
    assert len(nothing) == 0
    assert nothing.open_bytes_read == sum(min(FOOTER_REQUEST, p.stat().st_size)
                                          for p in wells.files)
    for bad in (pc.field("no_such_column") == 1, "no_such_column == 1"):
        with pytest.raises(Exception, match="no_such_column"):
            omearrow.open_collection(source, filter=bad, on_error="skip")
    with pytest.raises(TypeError, match="filter must be"):
        omearrow.open_collection(source, filter=3)
    with pytest.raises(TypeError, match="cache must be"):
        omearrow.open_collection(source, cache=1)


def test_reopening_reads_nothing_until_a_file_changes(tmp_path):
    plate = write_well_plate(tmp_path / "p", files=6)
    first = omearrow.open_collection(tmp_path / "p")
    assert first.open_bytes_read > 0
    again = omearrow.open_collection(tmp_path / "p")
    assert again.open_bytes_read == 0
    assert again.metadata.equals(first.metadata)
    filtered = omearrow.open_collection(tmp_path / "p",
                                        filter=pc.field("Metadata_Site") == 1)
    assert filtered.open_bytes_read == 0 and len(filtered) == 6
    # Rewriting one file (other wells) makes it, and only it, read again.
    table = pq.read_table(plate.files[2])
    table = table.set_column(1, "Metadata_Well", pa.array(["Z99"] * 4))
    pq.write_table(table, plate.files[2], row_group_size=2)
    changed = omearrow.open_collection(tmp_path / "p")
    assert 0 < changed.open_bytes_read < first.open_bytes_read / 3
    assert changed.metadata.column("Metadata_Well").to_pylist().count("Z99") == 4
