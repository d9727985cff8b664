"""The command-line tool over collections (local): `omearrow info` summarizes a
directory of Parquet files and reads file:// URIs; `omearrow convert DIR OUT` writes every
image to its own file with a progress bar, converts only what --filter selects, and is
resumable (existing outputs are skipped; a deleted or unfinished one is written again)."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import omearrow
from collection_support import write_plate


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "omearrow._cli", *map(str, args)],
                          capture_output=True, text=True, timeout=300, env=env)


@pytest.fixture(scope="module")
def plate(tmp_path_factory):
    root = tmp_path_factory.mktemp("cliplate")
    write_plate(root / "src", files=4, rows=2)
    write_plate(root / "src" / "sub", files=1, rows=3)
    return root


def test_info_of_a_collection_and_a_file_uri(plate):
    result = cli("info", "--json", plate / "src")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    collection = omearrow.open_collection(plate / "src")
    assert summary["images"] == len(collection) == 11
    assert summary["files"] == 5
    assert summary["metadata_columns"] == ["Metadata_Plate", "Metadata_Well", "Metadata_Site"]
    assert sum(g["images"] for g in summary["groups"]) == 11
    encodings = collection.metadata.column("encoding").to_pylist()
    for group in summary["groups"]:
        assert group["images"] == encodings.count(group["encoding"])
        assert group["shape"] == {"T": 1, "C": 2, "Z": 1, "Y": 24, "X": 20}
    text = cli("info", plate / "src" / "*.parquet")
    assert text.returncode == 0, text.stderr
    assert "images:          8" in text.stdout
    single = cli("info", "--json", "--row", "1",
                 f"file://{plate / 'src' / 'plate_0002.parquet'}")
    assert single.returncode == 0, single.stderr
    assert json.loads(single.stdout)["id"] == "img-2-1"


def _outputs(directory: pathlib.Path) -> dict[str, int]:
    return {str(p.relative_to(directory)): p.stat().st_mtime_ns
            for p in directory.rglob("*") if p.is_file()}


def test_convert_a_collection_is_resumable(plate, tmp_path):
    out = tmp_path / "out"
    first = cli("convert", plate / "src", out, "--encoding", "list")
    assert first.returncode == 0, first.stderr
    assert "(11/11)" in first.stderr  # the progress bar counts images
    assert "converted 11 images" in first.stderr
    written = _outputs(out)
    assert sorted(written) == sorted(
        [f"plate_{f:04d}_r{r}.ome.parquet" for f in range(4) for r in range(2)]
        + [f"sub/plate_0000_r{r}.ome.parquet" for r in range(3)]
    )
    source = omearrow.open_collection(plate / "src")
    for image, path, row in zip(source, source.metadata.column("path").to_pylist(),
                                source.metadata.column("row").to_pylist()):
        relative = pathlib.Path(path).relative_to(plate / "src")
        converted = omearrow.open(out / relative.parent / f"{relative.stem}_r{row}.ome.parquet")
        assert converted.encoding == "list-chunks"
        np.testing.assert_array_equal(converted.tensor_view().to_numpy(),
                                      image.tensor_view().to_numpy())
    # Rerun: everything is there, nothing is rewritten.
    again = cli("convert", "--no-progress", plate / "src", out)
    assert again.returncode == 0, again.stderr
    assert "converted 0 images" in again.stderr and "11 already there" in again.stderr
    assert _outputs(out) == written
    # A deleted output, and an unfinished one (only its temporary file), are written again.
    (out / "plate_0001_r0.ome.parquet").unlink()
    (out / "sub" / "plate_0000_r2.ome.parquet").rename(
        out / "sub" / "plate_0000_r2.ome.parquet.omearrow-tmp")
    resumed = cli("convert", "--no-progress", plate / "src", out)
    assert resumed.returncode == 0, resumed.stderr
    assert "converted 2 images" in resumed.stderr and "9 already there" in resumed.stderr
    now = _outputs(out)
    changed = {k for k in written if now.get(k) != written[k]}
    assert changed == {"plate_0001_r0.ome.parquet", "sub/plate_0000_r2.ome.parquet"}


def test_convert_with_a_filter_and_bad_arguments(plate, tmp_path):
    out = tmp_path / "filtered"
    result = cli("convert", "--no-progress", plate / "src", out, "--filter", "Metadata_Site == 1")
    assert result.returncode == 0, result.stderr
    assert sorted(_outputs(out)) == sorted(
        [f"plate_{f:04d}_r1.ome.parquet" for f in range(4)] + ["sub/plate_0000_r1.ome.parquet"]
    )
    bad = cli("convert", plate / "src", tmp_path / "x", "--filter", "Metadata_Site = 1")
    assert bad.returncode != 0 and "Metadata_Site = 1" in bad.stderr
    one = cli("convert", plate / "src" / "plate_0000.parquet", tmp_path / "y.parquet",
              "--filter", "row == 1")
    assert one.returncode != 0 and "--filter" in one.stderr
    assert not (tmp_path / "x").exists() and not (tmp_path / "y.parquet").exists()
    missing = cli("info", plate / "src" / "nothing*.parquet")
    assert missing.returncode != 0 and "nothing*.parquet" in missing.stderr
