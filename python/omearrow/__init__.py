"""omearrow: fast tensor views of OME-Arrow images (drop-in for ``ome_arrow.tensor``)."""

import pyarrow as _pyarrow  # noqa: F401  (loads libarrow before the extension)

from omearrow import _core  # noqa: F401

__version__ = "0.1.0"
