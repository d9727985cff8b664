"""The ``omearrow`` console script: runs the C++ command-line tool the wheel carries.

The tool (tools/omearrow, installed as ``omearrow/_bin/omearrow``) links libarrow and
libparquet from the installed ``pyarrow``; its RPATH points at ``site-packages/pyarrow``,
and the directory of the ``pyarrow`` this interpreter imports is put first on
``LD_LIBRARY_PATH`` as well, for installs where the two packages sit in different
directories. Exit status and output are the tool's own. The caption font the wheel carries
(``omearrow/fonts/DejaVuSans.ttf``) is passed as ``OMEARROW_FONT`` unless that is set.
"""

from __future__ import annotations

import importlib.util
import os
import pathlib
import sys

_BINARY = pathlib.Path(__file__).resolve().parent / "_bin" / "omearrow"
_FONT = pathlib.Path(__file__).resolve().parent / "fonts" / "DejaVuSans.ttf"


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    spec = importlib.util.find_spec("pyarrow")
    if spec is not None and spec.submodule_search_locations:
        pyarrow_dir = list(spec.submodule_search_locations)[0]
        env["LD_LIBRARY_PATH"] = os.pathsep.join(
            p for p in (pyarrow_dir, env.get("LD_LIBRARY_PATH", "")) if p
        )
    if not env.get("OMEARROW_FONT") and _FONT.is_file():
        env["OMEARROW_FONT"] = str(_FONT)
    return env


def main() -> int:
    """Replaces this process with the C++ tool, passing the arguments through."""
    if not _BINARY.is_file():
        sys.stderr.write(
            f"omearrow: the command-line tool is missing from this installation ({_BINARY}); "
            "it is built by the wheel (pip install omearrow, or pip install . from a checkout)\n"
        )
        return 1
    os.execve(str(_BINARY), ["omearrow", *sys.argv[1:]], _environment())
    return 1  # not reached


if __name__ == "__main__":
    sys.exit(main())
