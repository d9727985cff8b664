#!/usr/bin/env python3
"""Checks that library code in src/omearrow includes only its own folder and the folders
below it (docs/design.md): util < tensor < cuda < core < source < io < collection < iter.

Tests (*_test.cc), benchmarks and testing/ may include anything. Exits 1 and lists every
upward include otherwise. Usage: check_layering.py [SRC_ROOT]
"""

from __future__ import annotations

import pathlib
import re
import sys

# Lowest first; "" is the view core at src/omearrow/ itself.
LAYERS = ["util", "tensor", "cuda", "", "source", "io", "collection", "iter"]
INCLUDE = re.compile(r'^#include "omearrow/(.+)"', re.MULTILINE)


def folder_of(relative: str) -> str:
    parts = relative.split("/")
    return parts[0] if len(parts) > 1 else ""


def main() -> int:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "src/omearrow")
    problems = []
    checked = 0
    for path in sorted(root.rglob("*")):
        if path.suffix not in (".h", ".cc") or path.name.endswith(("_test.cc", "_benchmark.cc")):
            continue
        relative = path.relative_to(root).as_posix()
        folder = folder_of(relative)
        if folder == "testing":
            continue
        if folder not in LAYERS:
            problems.append(f"{relative}: folder '{folder}' is not in the layer list")
            continue
        checked += 1
        for target in INCLUDE.findall(path.read_text()):
            target_folder = folder_of(target)
            if target_folder not in LAYERS:
                problems.append(f"{relative}: includes {target} from outside the layers")
            elif LAYERS.index(target_folder) > LAYERS.index(folder):
                problems.append(
                    f"{relative} ({folder or 'core'}) includes {target} "
                    f"({target_folder or 'core'}), a higher layer"
                )
    for problem in problems:
        print(problem)
    print(f"layering: {checked} files checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
