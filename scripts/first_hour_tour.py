"""The first hour of a bio-image ML engineer with omearrow, as a smoke test.

Opens every sample in testdata/ (every image of every file), makes views of each, exports
them (NumPy, DLPack, torch), trains-style iterates TileDataset in a DataLoader with workers
under fork and spawn, writes Parquet and datasets and reads them back pixel-exact. Fails
(non-zero exit, with the step that failed) on any mismatch; prints one line per step.

    .venv/bin/python scripts/first_hour_tour.py [testdata-dir]
"""

from __future__ import annotations

import os
import pickle
import sys
import tempfile
import warnings

import numpy as np
import torch

import omearrow
from omearrow.data import TileDataset

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def samples(testdata: str) -> list[str]:
    """Every image file and dataset directory in `testdata`."""
    out = []
    for name in sorted(os.listdir(testdata)):
        path = os.path.join(testdata, name)
        if name.endswith((".parquet", ".tif", ".tiff")):
            out.append(path)
        elif os.path.isfile(os.path.join(path, "_ome_arrow_dataset.json")):
            out.append(path)
    return out


def check_views(image: omearrow.OmeImage) -> None:
    """Views of one image agree with each other through every export."""
    full = image.tensor_view(layout="TCZYX").to_numpy()
    assert full.shape == image.shape, (full.shape, image.shape)
    view = image.tensor_view(t=0, z=0).collect()
    plane = view.to_numpy()
    np.testing.assert_array_equal(plane, full[0, :, 0])
    np.testing.assert_array_equal(np.asarray(view), plane)
    np.testing.assert_array_equal(np.from_dlpack(view), plane)
    np.testing.assert_array_equal(torch.from_dlpack(view).numpy(), plane)
    np.testing.assert_array_equal(view.to_torch(mode="numpy").numpy(), plane)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(view)).to_numpy(), plane)
    h, w = min(16, image.shape[3]), min(16, image.shape[4])
    tiles = [np.from_dlpack(t) for t in view.iter_dlpack(tile_size=(h, w), mode="numpy")]
    assert sum(t.shape[1] * t.shape[2] for t in tiles) == image.shape[3] * image.shape[4]
    roi = image.tensor_view(t=0, z=0, c=0, roi=(1, 1, w - 1, h - 1), layout="YX").to_numpy()
    np.testing.assert_array_equal(roi, full[0, 0, 0, 1:h, 1:w])


def round_trip(image: omearrow.OmeImage, tmp: str) -> None:
    """Parquet (both encodings where possible), datasets and records give the pixels back."""
    full = image.tensor_view(layout="TCZYX").to_numpy()
    encodings = ["bytes"] + (["list"] if full.dtype in (np.uint8, np.uint16) else [])
    for encoding in encodings:
        path = os.path.join(tmp, f"copy-{encoding}.ome.parquet")
        omearrow.write_parquet(image, path, encoding=encoding)
        back = omearrow.open(path).tensor_view(layout="TCZYX").to_numpy()
        np.testing.assert_array_equal(back, full)
    dataset = os.path.join(tmp, "copy-dataset")
    omearrow.write_dataset(image, dataset, overwrite=True)
    np.testing.assert_array_equal(
        omearrow.open(dataset).tensor_view(layout="TCZYX").to_numpy(), full)
    record = omearrow.from_numpy(full, dim_order="TCZYX")
    np.testing.assert_array_equal(
        omearrow.TensorView(record, layout="TCZYX").to_numpy(), full)


def training_sources(paths: list[str]) -> list:
    """The sources a training script would pass: paths (every row of the record column
    omearrow.open picks), OmeImages and views."""
    out: list = list(paths)
    out.append(omearrow.open(paths[0]))
    # Views keep their own selection, layout and dtype.
    out.append(omearrow.open(paths[-1]).tensor_view(t=0, z=0, c=0, layout="CHW",
                                                    dtype=np.float32))
    return out


def loader_tiles(sources: list, context: str) -> int:
    """Tiles a 2-worker DataLoader yields in batches under `context`, checked against the
    dataset iterated in this process."""
    ds = TileDataset(sources, tile_size=(32, 32), edge="pad", t=0, z=0, c=0,
                     layout="CHW", dtype=torch.float32, shuffle=True, seed=1)
    assert len(ds.images) > len(sources)  # the JUMP file's three rows
    loader = torch.utils.data.DataLoader(ds, batch_size=8, num_workers=2,
                                         multiprocessing_context=context)
    total = 0
    for epoch in range(2):
        ds.set_epoch(epoch)
        batches = list(loader)
        got = torch.cat(batches)
        assert len(got) == ds.num_tiles, (len(got), ds.num_tiles)
        assert {tuple(b.shape[1:]) for b in batches} == {(1, 32, 32)}
        here = torch.stack(list(ds))
        assert sorted(got.sum(dim=(1, 2, 3)).tolist()) == sorted(
            here.sum(dim=(1, 2, 3)).tolist())
        total += len(got)
    return total


def main() -> int:
    testdata = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "testdata")
    warnings.simplefilter("ignore", UserWarning)  # column auto-detection of JUMP files
    paths = samples(testdata)
    assert paths, f"no samples in {testdata}"
    images = 0
    with tempfile.TemporaryDirectory() as tmp:
        for path in paths:
            listed = omearrow.open_images(path)
            refused = 0
            for image in listed:
                try:
                    check_views(image)
                except ValueError as exc:
                    # The JUMP sample's *_COMP columns hold RGB composites whose
                    # pixels_meta says one gray channel: refused, naming the file.
                    if path not in str(exc) or "!= size_x*size_y" not in str(exc):
                        raise
                    refused += 1
                    continue
                round_trip(image, tmp)
                images += 1
            print(f"open/views/round trips: {os.path.basename(path)}: {len(listed)} images"
                  + (f" ({refused} refused: pixels disagree with their metadata)"
                     if refused else ""))
    for context in ("fork", "spawn"):
        n = loader_tiles(training_sources(paths), context)
        print(f"DataLoader (2 workers, {context}): {n} tiles over 2 epochs")
    print(f"tour done: {len(paths)} samples, {images} images")
    return 0


if __name__ == "__main__":
    sys.exit(main())
