"""omearrow: fast tensor views of OME-Arrow images.

A drop-in replacement for ``ome_arrow.tensor``: ``from omearrow import TensorView,
LazyTensorView`` instead of ``from ome_arrow.tensor import ...``. Selection, layout,
casting and copies run in a C++ core; Arrow inputs are read zero-copy.
"""

import pyarrow as _pyarrow  # noqa: F401  (loads libarrow before the extension)

from omearrow import _core  # noqa: F401
from omearrow._crops import crops
from omearrow._files import (
    OmeImage,
    from_numpy,
    open,  # noqa: A004
    open_images,
    write_dataset,
    write_parquet,
)
from omearrow._collection import Collection, open_collection
from omearrow._lazy import LazyTensorView
from omearrow._preview import preview
from omearrow._tensor import TensorView
from omearrow import meta

# The C++ library's version, from the repository's VERSION file like the wheel's metadata
# and `omearrow --version`.
__version__: str = _core.__version__
# `open` is left out on purpose: `from omearrow import *` must not replace the built-in
# open(); use omearrow.open(path).
__all__ = [
    "Collection",
    "LazyTensorView",
    "OmeImage",
    "TensorView",
    "__version__",
    "crops",
    "from_numpy",
    "meta",
    "open_collection",
    "open_images",
    "preview",
    "write_dataset",
    "write_parquet",
]
