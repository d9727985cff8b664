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
