"""The committed stubs (python/omearrow/_core.pyi) match the built extension."""

from __future__ import annotations

import pathlib
import subprocess
import sys

COMMITTED = pathlib.Path(__file__).resolve().parents[1] / "omearrow" / "_core.pyi"


def test_stubs_are_current(tmp_path):
    out = tmp_path / "_core.pyi"
    subprocess.run(
        [sys.executable, "-m", "nanobind.stubgen", "-q", "-m", "omearrow._core", "-o", str(out)],
        check=True,
    )
    assert out.read_text() == COMMITTED.read_text(), (
        "python/omearrow/_core.pyi is stale: regenerate it with "
        "`python -m nanobind.stubgen -m omearrow._core -o python/omearrow/_core.pyi`"
    )


def test_package_is_typed():
    assert (COMMITTED.parent / "py.typed").exists()
