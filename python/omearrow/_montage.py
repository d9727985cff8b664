"""Pictures of collections: ``Collection.montage`` and the notebook/text representations
of ``Collection``. Reading, compositing, layout, captions (FreeType) and PNG encoding run
in the C++ core (``collection/montage.h``) on its worker threads without the GIL; this
module checks argument types and builds the HTML.
"""

from __future__ import annotations

import html
import os
import pathlib
import warnings
from typing import Any, Sequence

from omearrow import _core
from omearrow._preview import _int, _options, _thumbnail_html

__all__ = ["montage"]

# The columns every collection's metadata has (collection/file_metadata.h); the HTML and
# text reprs list the files' own columns separately.
_FIXED_COLUMNS = frozenset(
    "path row column id name size_t size_c size_z size_y size_x dtype encoding chunk_t "
    "chunk_c chunk_z chunk_y chunk_x physical_size_x physical_size_y physical_size_z "
    "physical_size_x_unit physical_size_y_unit physical_size_z_unit channel_names".split()
)
# Columns of the metadata preview table in the HTML repr (when present), then the files'
# own columns.
_TABLE_COLUMNS = ("path", "row", "column", "name", "size_t", "size_c", "size_z", "size_y",
                  "size_x", "dtype", "encoding")


# DejaVu Sans as the wheel carries it (cmake/OmearrowInstall.cmake), when it does.
PACKAGED_FONT = pathlib.Path(__file__).resolve().parent / "fonts" / "DejaVuSans.ttf"


def caption_font() -> str:
    """The font the core should use: "" (its own lookup) when ``OMEARROW_FONT`` is set
    or the package carries no font, else the packaged DejaVu Sans."""
    if os.environ.get("OMEARROW_FONT") or not PACKAGED_FONT.is_file():
        return ""
    return str(PACKAGED_FONT)


def _by(by: Any) -> list[str]:
    if by is None:
        return []
    if isinstance(by, str):
        return [by]
    if isinstance(by, bytes) or not isinstance(by, Sequence):
        raise TypeError(f"by must be a column name or a list of them, not {type(by).__name__}")
    out = []
    for item in by:
        if not isinstance(item, str):
            raise TypeError(f"by must hold column names (str), not {type(item).__name__}")
        out.append(item)
    return out


def montage_with_failures(
    collection: Any,
    *,
    n: Any = 16,
    by: Any = None,
    size: Any = 128,
    columns: Any = None,
    t: Any = 0,
    z: Any = None,
    c: Any = None,
    contrast: Any = (0.5, 99.5),
    captions: Any = True,
    on_error: Any = "raise",
    parallelism: Any = 0,
) -> tuple[bytes, list[tuple[int, str]]]:
    """``Collection.montage``'s PNG and the images drawn as placeholders."""
    options = _options(t, z, c, size, contrast)
    if not isinstance(captions, bool):
        raise TypeError(f"captions must be a bool, not {type(captions).__name__}")
    if not isinstance(on_error, str):
        raise TypeError(f"on_error must be 'raise' or 'skip', not {on_error!r}")
    return _core.montage_png(
        collection._core,
        n=_int(n, "n"),
        by=_by(by),
        size=options["size"],
        columns=None if columns is None else _int(columns, "columns"),
        t=options["t"],
        z=options["z"],
        c=options["c"],
        low=options["low"],
        high=options["high"],
        captions=captions,
        on_error=on_error,
        parallelism=_int(parallelism, "parallelism"),
        font_path=caption_font() if captions else "",
    )


def montage(collection: Any, **kwargs: Any) -> bytes:
    """``Collection.montage``: PNG bytes; placeholders (on_error="skip") are warned about."""
    png, failures = montage_with_failures(collection, **kwargs)
    if failures:
        shown = "; ".join(message for _, message in failures[:3])
        more = f" (and {len(failures) - 3} more)" if len(failures) > 3 else ""
        warnings.warn(
            f"montage: {len(failures)} image(s) could not be shown and are drawn as "
            f"crossed tiles: {shown}{more}",
            RuntimeWarning,
            stacklevel=3,
        )
    return png


def _own_columns(collection: Any) -> list[str]:
    return [name for name in collection.metadata.column_names if name not in _FIXED_COLUMNS]


def _files(collection: Any) -> int:
    return len(set(collection.metadata.column("path").to_pylist()))


def collection_repr(collection: Any) -> str:
    """``repr(collection)``: counts and the files' own metadata columns, on one line."""
    n = len(collection)
    files = _files(collection)
    own = _own_columns(collection)
    text = (
        f"omearrow.Collection({n} image{'s' if n != 1 else ''} in {files} "
        f"file{'s' if files != 1 else ''}"
    )
    if collection.errors:
        text += f", {len(collection.errors)} skipped"
    if own:
        listed = ", ".join(own[:6]) + (f", … (+{len(own) - 6})" if len(own) > 6 else "")
        text += f"; columns {listed}"
    return text + ")"


def _cell(value: Any) -> str:
    if isinstance(value, float):
        text = f"{value:g}"
    elif isinstance(value, list):
        text = ", ".join(str(v) for v in value)
    elif value is None:
        text = "—"
    else:
        text = str(value)
    if len(text) > 40:  # keep both ends: paths and names differ at their ends
        text = text[:14] + "…" + text[-25:]
    return html.escape(text)


def collection_html(collection: Any, rows: int = 5, tiles: int = 8, size: int = 96) -> str:
    """The notebook HTML of a ``Collection``: counts, metadata columns, the first
    ``rows`` rows of the metadata table and a montage of the first ``tiles`` images
    (unreadable ones as crossed tiles; an error instead of the montage if it cannot be
    made at all)."""
    n = len(collection)
    metadata = collection.metadata
    own = _own_columns(collection)
    head = (
        f"<b>omearrow.Collection</b>: {n} image{'s' if n != 1 else ''} in "
        f"{_files(collection)} file(s)"
    )
    if collection.errors:
        head += f", {len(collection.errors)} file(s) skipped"
    parts = [f"<div>{head}</div>"]
    parts.append(
        "<div><b>metadata columns</b>: "
        + html.escape(", ".join(metadata.column_names))
        + "</div>"
    )
    if n:
        try:
            png, failures = montage_with_failures(
                collection, n=tiles, size=size, on_error="skip"
            )
            picture = _thumbnail_html(png)
            if failures:
                picture += (
                    f"<div>{len(failures)} image(s) could not be read (crossed): "
                    + html.escape(failures[0][1])
                    + "</div>"
                )
        except Exception as error:  # noqa: BLE001  (shown to the user, not swallowed)
            picture = (
                "<pre>montage failed: "
                + html.escape(f"{type(error).__name__}: {error}")
                + "</pre>"
            )
        parts.append(f"<div>{picture}</div>")
        shown = [name for name in _TABLE_COLUMNS if name in metadata.column_names] + own
        first = metadata.slice(0, rows).select(shown).to_pylist()
        header = "".join(f"<th>{html.escape(name)}</th>" for name in shown)
        body = "".join(
            "<tr>" + "".join(f"<td>{_cell(row[name])}</td>" for name in shown) + "</tr>"
            for row in first
        )
        more = f"<div>… {n - rows} more rows</div>" if n > rows else ""
        parts.append(f"<table><tr>{header}</tr>{body}</table>{more}")
    return "<div>" + "".join(parts) + "</div>"
