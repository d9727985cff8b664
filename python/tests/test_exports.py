"""DLPack, NumPy, PyTorch and JAX exports: values, zero-copy, capsules, single use."""

from __future__ import annotations

import ctypes

import numpy as np
import pytest

import omearrow
from records import expected, make_record, sample_pixels


def _plane_address(record, index, itemsize=2):
    pixels = record.field("planes")[0].values.field("pixels")
    return pixels.values.buffers()[1].address + pixels.offsets[index].as_py() * itemsize


def test_arrow_mode_is_zero_copy(planes_record, pixels):
    # planes are stored t, c, z: plane (t=1, c=0, z=2) is number 1*8 + 0*4 + 2.
    view = omearrow.TensorView(planes_record, t=1, z=2, c=0)
    arr = np.from_dlpack(view.to_dlpack())
    assert arr.shape == (130,) and arr.dtype == np.uint16
    assert not arr.flags.writeable  # shared with Arrow: exported read-only
    assert arr.ctypes.data == _plane_address(planes_record, 10)
    np.testing.assert_array_equal(arr, pixels[1, 0, 2].ravel())
    tensor = view.to_torch()
    assert tensor.data_ptr() == _plane_address(planes_record, 10)
    np.testing.assert_array_equal(tensor.numpy(), pixels[1, 0, 2].ravel())


def test_arrow_mode_on_list_chunks_is_zero_copy(chunked_record, pixels):
    view = omearrow.TensorView(chunked_record, t=2, z=3, c=1, tile=(1, 2))
    arr = np.from_dlpack(view.to_dlpack())
    np.testing.assert_array_equal(arr, pixels[2, 1, 3, 5:10, 10:13].ravel())
    values = chunked_record.field("chunks")[0].values.field("pixels")
    base = values.values.buffers()[1].address
    assert base <= arr.ctypes.data < base + values.values.nbytes


@pytest.mark.parametrize("contiguous", [True, False])
def test_numpy_mode(planes_record, pixels, contiguous):
    view = omearrow.TensorView(planes_record, roi=(2, 1, 8, 7), layout="YXZTC")
    arr = np.from_dlpack(view.to_dlpack(mode="numpy", contiguous=contiguous))
    want = expected(pixels, None, None, None, (2, 1, 8, 7)).transpose(3, 4, 1, 0, 2)
    np.testing.assert_array_equal(arr, want)
    assert arr.flags.writeable
    assert arr.flags.c_contiguous == contiguous
    if not contiguous:
        assert arr.strides == view.strides
    else:
        assert arr.ctypes.data % 64 == 0


def test_capsule_versions(planes_record):
    view = omearrow.TensorView(planes_record, t=0, z=0, c=0)
    legacy = view.to_dlpack(mode="numpy").__dlpack__()
    assert ctypes.pythonapi.PyCapsule_IsValid is not None
    assert _capsule_name(legacy) == b"dltensor"
    versioned = view.to_dlpack(mode="numpy").__dlpack__(max_version=(1, 1))
    assert _capsule_name(versioned) == b"dltensor_versioned"
    old = view.to_dlpack(mode="numpy").__dlpack__(max_version=(0, 8))
    assert _capsule_name(old) == b"dltensor"
    del legacy, versioned, old  # unconsumed capsules free their tensors


def _capsule_name(capsule):
    get_name = ctypes.pythonapi.PyCapsule_GetName
    get_name.restype = ctypes.c_char_p
    get_name.argtypes = [ctypes.py_object]
    return get_name(capsule)


def test_dlpack_device_copy_and_bad_device(planes_record, pixels):
    view = omearrow.TensorView(planes_record, t=0, z=0, c=0)
    dl = view.to_dlpack()
    assert dl.__dlpack_device__() == (1, 0)
    with pytest.raises(BufferError):
        dl.__dlpack__(dl_device=(2, 0))
    copied = np.from_dlpack(view.to_dlpack(), copy=True)
    assert copied.flags.writeable
    assert copied.ctypes.data != _plane_address(planes_record, 0)
    np.testing.assert_array_equal(copied, pixels[0, 0, 0].ravel())
    same = np.from_dlpack(view.to_dlpack(), device="cpu")
    np.testing.assert_array_equal(same, copied)


@pytest.mark.parametrize("mode", ["arrow", "numpy"])
def test_torch(planes_record, pixels, mode):
    import torch

    view = omearrow.TensorView(planes_record, t=2, z=1, c=1)
    tensor = view.to_torch(mode=mode)
    assert isinstance(tensor, torch.Tensor)
    assert tensor.dtype == torch.uint16
    want = pixels[2, 1, 1] if mode == "numpy" else pixels[2, 1, 1].ravel()
    np.testing.assert_array_equal(tensor.numpy().reshape(want.shape), want)
    if mode == "numpy":
        assert tuple(tensor.shape) == (1, 10, 13)
    f32 = omearrow.TensorView(planes_record, t=2, dtype="float32", layout="ZCYX")
    t32 = torch.from_dlpack(f32.to_dlpack(mode="numpy"))
    assert t32.dtype == torch.float32 and tuple(t32.shape) == (4, 2, 10, 13)
    t32 += 1  # writable, owned by the consumer
    np.testing.assert_array_equal(t32.numpy(), expected(pixels, 2, None, None)[0] + 1.0)


@pytest.mark.parametrize("mode", ["arrow", "numpy"])
def test_jax(planes_record, pixels, mode):
    import jax
    import jax.numpy as jnp

    view = omearrow.TensorView(planes_record, t=0, z=3, c=0, dtype=None)
    arr = view.to_jax(mode=mode)
    assert isinstance(arr, jax.Array)
    want = pixels[0, 0, 3] if mode == "numpy" else pixels[0, 0, 3].ravel()
    np.testing.assert_array_equal(np.asarray(arr).reshape(want.shape), want)
    f = omearrow.TensorView(planes_record, dtype="float32").to_jax(mode="numpy")
    assert f.dtype == jnp.float32 and f.shape == (3, 4, 2, 10, 13)
    np.testing.assert_array_equal(np.asarray(f), expected(pixels, None, None, None).astype(np.float32))


def test_exports_outlive_view_and_record(pixels):
    record = make_record(pixels)
    dl = omearrow.TensorView(record, t=0, z=0, c=0).to_dlpack()
    arr = omearrow.TensorView(record, t=1).to_numpy()
    del record
    import gc

    gc.collect()
    np.testing.assert_array_equal(np.from_dlpack(dl), pixels[0, 0, 0].ravel())
    np.testing.assert_array_equal(arr, expected(pixels, 1, None, None))


def test_lazy_and_plane_loader_exports(pixels):
    record = make_record(sample_pixels((1, 2, 1, 5, 6)))
    view = omearrow.TensorView(record, plane_loader=lambda t, z, c: pixels[t, c, z, :5, :6],
                               t=0, z=0)
    np.testing.assert_array_equal(np.from_dlpack(view.to_dlpack(mode="numpy")),
                                  pixels[0, :, 0, :5, :6])


@pytest.mark.parametrize("layout", ["TZCYX", "TCZYX", "ZTCYX", "TZYXC", "CYXZT"])
def test_to_numpy_contiguous_in_one_pass_keeps_caching_rules(chunked_record, layout):
    # A permuted layout writes its C order directly (no canonical array first); a
    # layout whose canonical order is C-contiguous shares the cached array, as before.
    fresh = omearrow.TensorView(chunked_record, layout=layout)
    first = fresh.to_numpy(contiguous=True)
    canonical = fresh.to_numpy()
    assert first.flags.c_contiguous
    np.testing.assert_array_equal(first, canonical)
    assert canonical.strides == fresh.strides
    assert fresh.to_numpy() is canonical
    if canonical.flags.c_contiguous:
        assert first is canonical and fresh.to_numpy(contiguous=True) is canonical
    else:
        assert not np.shares_memory(first, canonical)
        again = fresh.to_numpy(contiguous=True)
        assert again is not first and not np.shares_memory(again, first)
        np.testing.assert_array_equal(again, first)
