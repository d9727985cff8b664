"""Generated collections for the collection tests and benchmarks: plates of Parquet files
with Metadata_Plate / Metadata_Well / Metadata_Site columns beside an OME-Arrow record
column, and the pixels every row holds."""

from __future__ import annotations

import pathlib
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

import omearrow

# (from_numpy arguments) for each encoding the files rotate through.
ENCODINGS = {
    "byte-chunks-zstd": dict(chunk_encoding="bytes", chunk_compression="zstd"),
    "byte-chunks-raw": dict(chunk_encoding="bytes", chunk_compression=None),
    "list-chunks": dict(chunk_encoding="list"),
}


@dataclass
class Plate:
    files: list[pathlib.Path]          # sorted, as a collection lists them
    pixels: dict[tuple[str, int], np.ndarray]  # (path, row) -> CYX pixels
    wells: dict[tuple[str, int], str]


def well_name(file_index: int, row: int) -> str:
    return f"{'ABCDEFGH'[file_index % 8]}{row + 1:02d}"


def write_plate(
    directory: pathlib.Path,
    files: int,
    rows: int = 3,
    shape: tuple[int, int, int] = (2, 24, 20),
    encodings: tuple[str, ...] = tuple(ENCODINGS),
    chunk_shape: tuple[int, int, int] = (1, 16, 16),
) -> Plate:
    """Writes `files` Parquet files (one row group per row) of `rows` images each."""
    directory.mkdir(parents=True, exist_ok=True)
    plate = Plate(files=[], pixels={}, wells={})
    for f in range(files):
        path = directory / f"plate_{f:04d}.parquet"
        encoding = encodings[f % len(encodings)]
        records, wells, sites = [], [], []
        for r in range(rows):
            rng = np.random.default_rng(f * 1000 + r)
            pixels = rng.integers(0, 65535, size=shape, dtype=np.uint16)
            records.append(
                omearrow.from_numpy(
                    pixels, dim_order="CYX", image_id=f"img-{f}-{r}",
                    chunk_shape=chunk_shape, **ENCODINGS[encoding],
                )
            )
            wells.append(well_name(f, r))
            sites.append(r)
            plate.pixels[(str(path), r)] = pixels
            plate.wells[(str(path), r)] = wells[-1]
        table = pa.table(
            {
                "Metadata_Plate": pa.array(["BR1"] * rows),
                "Metadata_Well": pa.array(wells),
                "ome_arrow": pa.concat_arrays(records),
                "Metadata_Site": pa.array(sites, pa.int32()),
            }
        )
        pq.write_table(table, path, row_group_size=1)
        plate.files.append(path)
    plate.files.sort(key=str)
    return plate


def well_plate_well(file_index: int, group: int) -> str:
    """The well of row group `group` of file `file_index` in `write_well_plate`."""
    return f"{'ABCDEFGH'[file_index % 8]}{file_index // 8 % 12 + 1:02d}{'ab'[group]}"


def write_well_plate(
    directory: pathlib.Path,
    files: int,
    shape: tuple[int, int, int] = (2, 96, 96),
) -> Plate:
    """Writes `files` Parquet files of 4 rows each in 2 row groups: rows 0-1 are well
    ``well_plate_well(f, 0)``, rows 2-3 ``well_plate_well(f, 1)`` (sites 0-3, plate BR1),
    byte-chunk records (zstd) of random uint16 pixels — large enough that the 64 KiB
    footer request does not hold the row groups."""
    directory.mkdir(parents=True, exist_ok=True)
    plate = Plate(files=[], pixels={}, wells={})
    for f in range(files):
        path = directory / f"wells_{f:04d}.parquet"
        records, wells = [], []
        for r in range(4):
            pixels = np.random.default_rng(f * 10 + r).integers(0, 65535, size=shape,
                                                                dtype=np.uint16)
            records.append(omearrow.from_numpy(pixels, dim_order="CYX", image_id=f"w-{f}-{r}",
                                               chunk_shape=(1, 64, 64)))
            wells.append(well_plate_well(f, r // 2))
            plate.pixels[(str(path), r)] = pixels
            plate.wells[(str(path), r)] = wells[-1]
        table = pa.table(
            {
                "Metadata_Plate": pa.array(["BR1"] * 4),
                "Metadata_Well": pa.array(wells),
                "Metadata_Site": pa.array(range(4), pa.int32()),
                "ome_arrow": pa.concat_arrays(records),
            }
        )
        pq.write_table(table, path, row_group_size=2)
        plate.files.append(path)
    plate.files.sort(key=str)
    return plate


def row_group_ranges(path: pathlib.Path) -> list[tuple[int, int]]:
    """The byte range [begin, end) of each row group's column chunks (from the footer)."""
    metadata = pq.ParquetFile(path).metadata
    out = []
    for rg in range(metadata.num_row_groups):
        group = metadata.row_group(rg)
        begin, end = None, 0
        for c in range(group.num_columns):
            chunk = group.column(c)
            start = chunk.data_page_offset
            if chunk.has_dictionary_page and chunk.dictionary_page_offset is not None:
                start = min(start, chunk.dictionary_page_offset)
            begin = start if begin is None else min(begin, start)
            end = max(end, start + chunk.total_compressed_size)
        out.append((begin, end))
    return out
