"""Writes the typed-chunk dataset fixtures under testdata/ with the reference package.

Run from the repository root:  .venv/bin/python testdata/make_reference_datasets.py
(ome-arrow 0.1.0, numpy, pyarrow 26). The C++ tests (src/omearrow/io/dataset_test.cc)
check the pixels against the formula below.
"""

import shutil

import numpy as np
from ome_arrow import write_ome_arrow_dataset


def pixels(shape, dtype):
    """Pixel (t, c, z, y, x) = ((t*C + c)*Z + z)*1000 + y*X + x."""
    t, c, z, y, x = np.indices(shape)
    _, sc, sz, _, sx = shape
    return (((t * sc + c) * sz + z) * 1000 + y * sx + x).astype(dtype)


def main():
    out = "testdata/reference-dataset"
    shutil.rmtree(out, ignore_errors=True)
    write_ome_arrow_dataset(
        [pixels((1, 2, 3, 20, 24), np.uint16)], out, chunk_shape=(1, 1, 2, 8, 8)
    )

    out = "testdata/reference-dataset-grouped"
    shutil.rmtree(out, ignore_errors=True)
    write_ome_arrow_dataset(
        [pixels((2, 3, 2, 10, 9), np.uint16), pixels((1, 1, 3, 7, 5), np.float32)],
        out,
        chunk_shape=(1, 2, 2, 8, 8),
        compression=None,
        build_physical_index=False,
        chunk_rows_per_row_group=5,
    )


if __name__ == "__main__":
    main()
