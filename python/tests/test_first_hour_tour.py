"""scripts/first_hour_tour.py, the first-hour smoke tour, runs clean (part of make test)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytest.importorskip("torch")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_first_hour_tour():
    done = subprocess.run(
        [sys.executable, os.path.join(ROOT, "scripts", "first_hour_tour.py"),
         os.path.join(ROOT, "testdata")],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[-1].startswith("tour done: 8 samples,"), done.stdout
    assert any(line.startswith("DataLoader (2 workers, spawn)") for line in lines)
    assert any(line.startswith("DataLoader (2 workers, fork)") for line in lines)
    assert "leaked" not in done.stderr, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
