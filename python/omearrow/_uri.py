"""URIs (object storage) in paths: recognising them, and S3 finalization at exit."""

from __future__ import annotations

from typing import Iterable


def is_uri(text: str) -> bool:
    """True for ``scheme://...`` (the form Arrow's FileSystemFromUri understands)."""
    head, sep, _ = text.partition("://")
    return bool(sep) and bool(head) and head[0].isalpha() and all(
        ch.isalnum() or ch in "+-." for ch in head
    )


def prepare_object_storage(sources: Iterable[str]) -> None:
    """Before the core touches a remote URI: import ``pyarrow.fs``, which registers its
    atexit S3 finalization. The extension uses the wheel's own libarrow_s3, so S3 is
    finalized at interpreter exit whether or not the user imported pyarrow.fs."""
    if any(is_uri(s) and not s.startswith("file://") for s in sources):
        import pyarrow.fs  # noqa: F401
