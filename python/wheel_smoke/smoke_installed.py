"""Smoke suite of an installed omearrow (scripts/test_wheel.sh runs it).

Run with the interpreter of a fresh virtual environment that holds only the repaired wheel
and its runtime dependencies, from a directory outside the source tree (next to a copy of
python/tests/records.py, which builds records with pyarrow alone):

    python smoke_installed.py --testdata DIR --source-root DIR --version X.Y.Z

Checks that the package imported is the installed one, that the bundled native libraries
are the wheel's own (libtiff and libpng from omearrow.libs, libarrow from the installed pyarrow), that
every version agrees, opens the sample files, reads views in every record encoding against
NumPy, exports through DLPack to NumPy, and runs the `omearrow` console script. Prints one
line per check and "N passed, N failed"; exits 1 when any check failed.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import pathlib
import shutil
import subprocess
import sys
import traceback

import numpy as np
import pyarrow as pa

import omearrow
from records import ENCODINGS, make_record

ARGS: argparse.Namespace
CHECKS = []


def check(fn):
    CHECKS.append(fn)
    return fn


def _prefix() -> pathlib.Path:
    return pathlib.Path(sys.prefix).resolve()


def _console_script() -> str:
    script = pathlib.Path(sys.prefix) / "bin" / "omearrow"
    assert script.is_file(), f"console script missing: {script}"
    assert shutil.which("omearrow", path=str(script.parent)) == str(script)
    return str(script)


@check
def installed_package_is_imported():
    package = pathlib.Path(omearrow.__file__).resolve()
    assert _prefix() in package.parents, f"{package} is not inside {_prefix()}"
    source_package = pathlib.Path(ARGS.source_root).resolve() / "python" / "omearrow"
    assert source_package not in package.parents, f"{package} is the source tree's"
    assert (package.parent / "py.typed").is_file()


@check
def native_libraries_come_from_the_wheel_and_pyarrow():
    maps = pathlib.Path("/proc/self/maps").read_text().split("\n")
    paths = {line.split()[-1] for line in maps if line.count("/") and ".so" in line}
    tiff = [p for p in paths if "/libtiff" in p]
    assert tiff, "libtiff is not loaded"
    assert all("/omearrow.libs/" in p for p in tiff), f"libtiff not the bundled one: {tiff}"
    arrow = [p for p in paths if "/libarrow.so" in p or "/libparquet.so" in p]
    pyarrow_dir = pathlib.Path(pa.__file__).resolve().parent
    assert arrow and all(pathlib.Path(p).parent == pyarrow_dir for p in arrow), arrow
    bundled = [pathlib.Path(p).name for p in paths if "/omearrow.libs/" in p]
    assert not any(n.startswith(("libarrow", "libparquet")) for n in bundled), bundled


@check
def versions_agree():
    assert omearrow.__version__ == ARGS.version, (omearrow.__version__, ARGS.version)
    assert importlib.metadata.version("omearrow") == ARGS.version
    out = subprocess.run([_console_script(), "--version"], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == f"omearrow {ARGS.version}", out


def _roundtrip(image, tmp: pathlib.Path, name: str) -> np.ndarray:
    """The image's pixels, checked equal after writing them to Parquet and reopening."""
    pixels = image.tensor_view(layout="TCZYX").to_numpy()
    assert pixels.shape == tuple(image.shape), (pixels.shape, image.shape)
    out = tmp / f"{name}.ome.parquet"
    omearrow.write_parquet(image, out)
    again = omearrow.open(out).tensor_view(layout="TCZYX").to_numpy()
    np.testing.assert_array_equal(again, pixels)
    return pixels


@check
def sample_files_open_and_read():
    data = pathlib.Path(ARGS.testdata)
    tmp = pathlib.Path(ARGS.scratch)
    opened = {}
    for name in ["z-series.ome.tiff", "multi-channel.ome.tiff", "single-channel.ome.tiff",
                 "time-series.ome.tif", "AS_09125_050116030001_D03f00d0.tif"]:
        image = omearrow.open(data / name)
        opened[name] = _roundtrip(image, tmp, name)
    assert opened["z-series.ome.tiff"].shape == (1, 1, 5, 167, 439)
    jump = omearrow.open(data / "BR00117006.ome.parquet",
                         column="Image_FileName_OrigDNA_OMEArrow_ORIG", row=2)
    crop = jump.tensor_view(t=0, z=0, roi=(8, 4, 32, 16), layout="YX").to_numpy()
    whole = _roundtrip(jump, tmp, "jump")
    np.testing.assert_array_equal(crop, whole[0, 0, 0, 4:20, 8:40])
    dataset = omearrow.open(data / "reference-dataset")
    _roundtrip(dataset, tmp, "dataset")


@check
def views_in_every_encoding():
    rng = np.random.default_rng(16)
    pixels = rng.integers(0, 60000, size=(2, 3, 4, 9, 10), dtype=np.uint16)
    expected = pixels[1][:, 0:4:2, 2:6, 1:6].astype(np.float32)  # t=1, CZYX
    for encoding in ENCODINGS:
        record = make_record(pixels, encoding=encoding)
        view = omearrow.TensorView(record, t=1, z=slice(0, 4, 2), roi=(1, 2, 5, 4),
                                   layout="CZYX", dtype=np.float32)
        assert view.shape == expected.shape, (encoding, view.shape)
        np.testing.assert_array_equal(view.to_numpy(), expected, err_msg=encoding)
        lazy = omearrow.LazyTensorView(loader=lambda: record, t=1, c=2, layout="ZYX")
        np.testing.assert_array_equal(lazy.to_numpy(), pixels[1, 2], err_msg=encoding)


@check
def dlpack_to_numpy():
    pixels = np.arange(2 * 1 * 3 * 5 * 7, dtype=np.uint16).reshape(2, 1, 3, 5, 7)
    for encoding in ("planes", "bytes_zstd"):
        record = make_record(pixels, encoding=encoding)
        volume = omearrow.TensorView(record, t=0, c=0, layout="ZYX")
        arr = np.from_dlpack(volume.to_dlpack(mode="numpy"))
        np.testing.assert_array_equal(arr, pixels[0, 0], err_msg=encoding)
        if encoding != "planes":
            continue
        # mode="arrow": one stored plane, zero-copy and flat (as the reference exports it).
        plane = omearrow.TensorView(record, t=1, c=0, z=2)
        arr = np.from_dlpack(plane.to_dlpack(mode="arrow"))
        np.testing.assert_array_equal(arr, pixels[1, 0, 2].ravel(), err_msg=encoding)


@check
def preview_png_through_the_bundled_libpng():
    png = omearrow.open(pathlib.Path(ARGS.testdata) / "z-series.ome.tiff").preview(z=2)
    assert bytes(png[:8]) == b"\x89PNG\r\n\x1a\n", png[:8]
    maps = pathlib.Path("/proc/self/maps").read_text()
    libpng = {line.split()[-1] for line in maps.split("\n") if "/libpng" in line}
    assert libpng and all("/omearrow.libs/" in p for p in libpng), libpng


@check
def montage_with_the_packaged_font_and_bundled_freetype():
    from omearrow import _montage

    package = pathlib.Path(omearrow.__file__).resolve().parent
    assert _montage.PACKAGED_FONT == package / "fonts" / "DejaVuSans.ttf"
    assert _montage.PACKAGED_FONT.is_file(), "the wheel carries no caption font"
    os.environ.pop("OMEARROW_FONT", None)
    assert _montage.caption_font() == str(_montage.PACKAGED_FONT)
    plate = omearrow.open_collection(str(pathlib.Path(ARGS.testdata) / "BR00117006.ome.parquet"))
    readable = np.array([c.endswith("_ORIG") for c in plate.metadata["column"].to_pylist()])
    png = plate.filter(readable).montage(n=4, size=64)
    assert bytes(png[:8]) == b"\x89PNG\r\n\x1a\n", png[:8]
    maps = pathlib.Path("/proc/self/maps").read_text()
    freetype = {line.split()[-1] for line in maps.split("\n") if "/libfreetype" in line}
    assert freetype and all("/omearrow.libs/" in p for p in freetype), freetype


@check
def console_script_info():
    path = pathlib.Path(ARGS.testdata) / "z-series.ome.tiff"
    run = subprocess.run([_console_script(), "info", "--json", str(path)],
                         capture_output=True, text=True, cwd=ARGS.scratch)
    assert run.returncode == 0, run.stderr
    info = json.loads(run.stdout)
    image = omearrow.open(path)
    assert [info["shape"][axis] for axis in "TCZYX"] == list(image.shape), info["shape"]
    missing = subprocess.run([_console_script(), "info", str(path) + ".missing"],
                             capture_output=True, text=True)
    assert missing.returncode == 1 and "missing" in missing.stderr, missing


def main() -> int:
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--testdata", required=True)
    parser.add_argument("--source-root", required=True)
    parser.add_argument("--version", required=True)
    parser.add_argument("--scratch", required=True)
    ARGS = parser.parse_args()
    failed = 0
    for fn in CHECKS:
        try:
            fn()
            print(f"PASS {fn.__name__}")
        except Exception:  # noqa: BLE001  (report every check, then fail)
            failed += 1
            print(f"FAIL {fn.__name__}\n{traceback.format_exc()}")
    print(f"wheel smoke: {len(CHECKS) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
