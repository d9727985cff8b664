"""One version everywhere: the VERSION file, the installed distribution's metadata,
omearrow.__version__ (from the C++ library), `omearrow --version` (the console script and
the C++ CLI it runs) and CHANGELOG.md's latest release."""

from __future__ import annotations

import importlib.metadata
import pathlib
import re
import subprocess
import sys

import omearrow

ROOT = pathlib.Path(__file__).resolve().parents[2]
VERSION = (ROOT / "VERSION").read_text().strip()


def test_version_file_is_semver():
    assert re.fullmatch(r"[0-9]+\.[0-9]+\.[0-9]+", VERSION), VERSION


def test_package_version_is_the_version_file():
    assert omearrow.__version__ == VERSION
    assert omearrow._core.__version__ == VERSION


def test_distribution_metadata_version():
    assert importlib.metadata.version("omearrow") == VERSION


def test_console_script_version():
    script = pathlib.Path(sys.prefix) / "bin" / "omearrow"
    out = subprocess.run([str(script), "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"omearrow {VERSION}"


def test_console_script_passes_exit_status_and_errors():
    script = pathlib.Path(sys.prefix) / "bin" / "omearrow"
    run = subprocess.run([str(script), "info", str(ROOT / "no-such-file.parquet")],
                         capture_output=True, text=True)
    assert run.returncode == 1
    assert "no-such-file.parquet" in run.stderr


def test_changelog_starts_at_this_release():
    changelog = (ROOT / "CHANGELOG.md").read_text()
    releases = re.findall(r"^## \[?([0-9]+\.[0-9]+\.[0-9]+)\]?", changelog, re.MULTILINE)
    assert releases and releases[0] == VERSION, releases
