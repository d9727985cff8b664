"""device="cuda": errors without CUDA (always run), the whole CUDA path against a fake
libcudart built from src/omearrow/testing/fake_cudart.cc (CPU only: host memory stands
in for device memory), and GPU-only tests that are skipped with the reason when no CUDA
runtime or device is present."""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import omearrow
from omearrow import _core
from records import make_record, sample_pixels

UNAVAILABLE = "CUDA was requested but no CUDA runtime or device is available"
BOGUS = "libomearrow-no-such-cudart.so"
BOGUS_REASON = f"{BOGUS}: cannot open shared object file: No such file or directory"
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
FAKE_SOURCE = os.path.join(REPO, "src", "omearrow", "testing", "fake_cudart.cc")

CUDA_STATUS = _core.cuda_status()
NOT_BUILT = "omearrow was built without CUDA support"
BUILT_WITH_CUDA = CUDA_STATUS is None or not CUDA_STATUS.endswith(f"({NOT_BUILT})")
gpu = pytest.mark.skipif(CUDA_STATUS is not None,
                         reason=f"GPU-only test, no CUDA device here: {CUDA_STATUS}")


def _run_child(code: str, env: dict[str, str]) -> dict:
    """Runs `code` in a fresh interpreter (the runtime is loaded once per process)."""
    full_env = dict(os.environ, **env)
    full_env["PYTHONPATH"] = HERE + os.pathsep + full_env.get("PYTHONPATH", "")
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=full_env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- always: no runtime ------------------------------------------------------------

def test_every_cuda_export_raises_the_unavailable_error_without_a_runtime():
    out = _run_child(
        """
        import json, warnings
        import numpy as np
        import omearrow
        from omearrow import _core
        from records import make_record, sample_pixels

        record = make_record(sample_pixels((2, 2, 3, 8, 6), np.uint16), encoding="planes")
        view = omearrow.TensorView(record)
        one = omearrow.TensorView(record, t=0, z=0, c=0)
        lazy = omearrow.LazyTensorView(loader=lambda: record)
        calls = {
            "to_dlpack": lambda: view.to_dlpack(device="cuda", mode="numpy"),
            "to_dlpack_canonical": lambda: view.to_dlpack(device=" CUDA ", contiguous=False,
                                                          mode="numpy"),
            "to_dlpack_arrow": lambda: one.to_dlpack(device="cuda"),
            "to_torch": lambda: view.to_torch(device="cuda", mode="numpy"),
            "to_jax": lambda: view.to_jax(device="cuda", mode="numpy"),
            "iter_dlpack": lambda: next(view.iter_dlpack(device="cuda", mode="numpy")),
            "iter_dlpack_prefetch": lambda: next(view.iter_dlpack(
                device="cuda", mode="numpy", tile_size=(4, 4), prefetch=2)),
            "iter_tiles_3d": lambda: next(view.iter_tiles_3d(tile_size=(1, 4, 4),
                                                             device="cuda")),
            "lazy_to_dlpack": lambda: lazy.to_dlpack(device="cuda", mode="numpy"),
        }
        out = {"status": _core.cuda_status()}
        for name, call in calls.items():
            try:
                call()
                out[name] = "no error"
            except Exception as exc:
                out[name] = [type(exc).__name__, str(exc)]
        out["cpu"] = view.to_dlpack(mode="numpy").__dlpack_device__()
        print(json.dumps(out))
        """,
        {"OMEARROW_CUDART": BOGUS},
    )
    expected = f"{UNAVAILABLE} ({BOGUS_REASON if BUILT_WITH_CUDA else NOT_BUILT})"
    assert out.pop("status") == expected
    assert out.pop("cpu") == [1, 0]
    for name, error in out.items():
        if name == "to_jax" and error[0] == "RuntimeError" and error[1] == "JAX is not installed.":
            continue
        assert error == ["RuntimeError", expected], name


def test_in_process_error_names_the_reason():
    if CUDA_STATUS is None:
        pytest.skip("a CUDA device is present (the GPU tests below cover device='cuda')")
    assert CUDA_STATUS.startswith(UNAVAILABLE + " (") and CUDA_STATUS.endswith(")")
    view = omearrow.TensorView(make_record(sample_pixels((1, 1, 1, 4, 4), np.uint8)))
    with pytest.raises(RuntimeError) as info:
        view.to_dlpack(device="cuda", mode="numpy")
    assert str(info.value) == CUDA_STATUS
    assert "device_bytes" in _core.cuda_memory_stats()


# --- always (with a C++ compiler): the CUDA path against the fake runtime ----------

@pytest.fixture(scope="module")
def fake_cudart(tmp_path_factory):
    if not BUILT_WITH_CUDA:
        pytest.skip("SKIPPED: omearrow was built with OMEARROW_WITH_CUDA=OFF")
    compiler = shutil.which(os.environ.get("CXX", "c++")) or shutil.which("g++")
    if compiler is None:
        pytest.skip("no C++ compiler to build the fake CUDA runtime")
    path = tmp_path_factory.mktemp("fake_cudart") / "libfake_cudart.so"
    subprocess.run([compiler, "-std=c++17", "-O1", "-shared", "-fPIC", "-pthread",
                    FAKE_SOURCE, "-o", str(path)], check=True)
    return str(path)


FAKE_CHILD = """
import ctypes, json
import numpy as np
import omearrow
from omearrow import _core
from records import make_record, sample_pixels

fake = ctypes.CDLL(FAKE_PATH)  # the same library omearrow loads
fake.fake_cudart_waits_on.restype = ctypes.c_int64
fake.fake_cudart_waits_on.argtypes = [ctypes.c_void_p]
fake.fake_cudart_device_bytes.restype = ctypes.c_int64
fake.cudaStreamSynchronize.argtypes = [ctypes.c_void_p]
fake.cudaStreamCreateWithFlags.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_uint]

class DLDevice(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int32), ("id", ctypes.c_int32)]
class DLDataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]
class DLTensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("device", DLDevice), ("ndim", ctypes.c_int32),
                ("dtype", DLDataType), ("shape", ctypes.POINTER(ctypes.c_int64)),
                ("strides", ctypes.POINTER(ctypes.c_int64)), ("byte_offset", ctypes.c_uint64)]
class Versioned(ctypes.Structure):
    _fields_ = [("major", ctypes.c_uint32), ("minor", ctypes.c_uint32),
                ("ctx", ctypes.c_void_p), ("deleter", ctypes.c_void_p),
                ("flags", ctypes.c_uint64), ("dl", DLTensor)]

get_pointer = ctypes.pythonapi.PyCapsule_GetPointer
get_pointer.restype = ctypes.c_void_p
get_pointer.argtypes = [ctypes.py_object, ctypes.c_char_p]

def read(capsule, like):
    # The fake's device memory is host memory: read the tensor back as `like`.
    fake.cudaStreamSynchronize(ctypes.c_void_p(1))  # the legacy stream waited for the copy
    managed = Versioned.from_address(get_pointer(capsule, b"dltensor_versioned"))
    dl = managed.dl
    shape = tuple(dl.shape[i] for i in range(dl.ndim))
    strides = tuple(dl.strides[i] * like.itemsize for i in range(dl.ndim))
    span = max(1, sum((n - 1) * s for n, s in zip(shape, strides)) + like.itemsize)
    raw = (ctypes.c_uint8 * span).from_address(dl.data)
    array = np.lib.stride_tricks.as_strided(np.frombuffer(raw, dtype=like.dtype),
                                            shape, strides).copy()
    return (managed.dl.device.type, managed.dl.device.id, managed.flags), array

out = {}
pixels = sample_pixels((2, 3, 4, 10, 13), np.uint16)
for encoding in ("planes", "bytes_zstd"):
    record = make_record(pixels, encoding=encoding, chunk_shape=(1, 4, 5))
    for layout, kwargs in [("TZCHW", {}), ("CHW", {"t": 1, "z": 2}), ("HWC", {"t": 0, "z": 3}),
                           ("ZYX", {"t": 1, "c": 2, "roi": (2, 1, 9, 7)})]:
        for dtype in (None, "float32", "int8"):
            view = omearrow.TensorView(record, layout=layout, dtype=dtype, **kwargs)
            for contiguous in (True, False):
                obj = view.to_dlpack(device="cuda", mode="numpy", contiguous=contiguous)
                assert obj.__dlpack_device__() == (2, 0)
                info, array = read(obj.__dlpack__(max_version=(1, 0)), view.to_numpy())
                assert info == (2, 0, 2), info  # kDLCUDA, device 0, IS_COPIED
                np.testing.assert_array_equal(array, view.to_numpy())
out["values"] = "ok"

view = omearrow.TensorView(make_record(pixels), t=0)
legacy = fake.fake_cudart_waits_on(1)
view.to_dlpack(device="cuda", mode="numpy").__dlpack__()
view.to_dlpack(device="cuda", mode="numpy").__dlpack__(stream=1)
out["legacy_waits"] = fake.fake_cudart_waits_on(1) - legacy
per_thread = fake.fake_cudart_waits_on(2)
view.to_dlpack(device="cuda", mode="numpy").__dlpack__(stream=2)
out["per_thread_waits"] = fake.fake_cudart_waits_on(2) - per_thread
stream = ctypes.c_void_p()
assert fake.cudaStreamCreateWithFlags(ctypes.byref(stream), 1) == 0
view.to_dlpack(device="cuda", mode="numpy").__dlpack__(stream=stream.value)
out["own_stream_waits"] = fake.fake_cudart_waits_on(stream.value)
before = fake.fake_cudart_waits_on(1) + fake.fake_cudart_waits_on(2)
view.to_dlpack(device="cuda", mode="numpy").__dlpack__(stream=-1)
out["no_sync_waits"] = fake.fake_cudart_waits_on(1) + fake.fake_cudart_waits_on(2) - before

errors = {}
def error(name, call):
    try:
        call()
        errors[name] = "no error"
    except Exception as exc:
        errors[name] = [type(exc).__name__, str(exc)]
obj = view.to_dlpack(device="cuda", mode="numpy")
error("stream0", lambda: obj.__dlpack__(stream=0))
error("cpu_device", lambda: obj.__dlpack__(dl_device=(1, 0)))
obj.__dlpack__(dl_device=(2, 0), copy=True)
error("reuse", lambda: obj.__dlpack__())
error("arrow", lambda: omearrow.TensorView(make_record(pixels), t=0, z=0, c=0).to_dlpack(
    device="cuda"))
error("numpy", lambda: np.from_dlpack(view.to_dlpack(device="cuda", mode="numpy")))
out["errors"] = errors

items = []
for prefetch in (0, 2, 4):
    got = []
    for item in view.iter_dlpack(device="cuda", mode="numpy", tile_size=(4, 4),
                                 prefetch=prefetch, shuffle=True, seed=3):
        assert item.__dlpack_device__() == (2, 0)
        got.append(read(item.__dlpack__(max_version=(1, 0)), np.zeros(1, np.uint16))[1])
    expected = [np.from_dlpack(t) for t in view.iter_dlpack(
        mode="numpy", tile_size=(4, 4), shuffle=True, seed=3)]
    assert len(got) == len(expected)
    for a, b in zip(got, expected):
        np.testing.assert_array_equal(a, b)
    tiles = [read(t.__dlpack__(max_version=(1, 0)), np.zeros(1, np.uint16))[1]
             for t in view.iter_tiles_3d(tile_size=(2, 4, 4), device="cuda", prefetch=prefetch)]
    expected3 = [np.from_dlpack(t) for t in view.iter_tiles_3d(tile_size=(2, 4, 4))]
    for a, b in zip(tiles, expected3):
        np.testing.assert_array_equal(a, b)
    items.append(len(got))
out["items"] = items

import gc
gc.collect()
stats = _core.cuda_memory_stats()
out["device_bytes"] = stats["device_bytes"]
out["fake_device_bytes"] = fake.fake_cudart_device_bytes()
out["pinned_leased_bytes"] = stats["pinned_leased_bytes"]
out["pinned_reused"] = stats["pinned_reuses"] > stats["pinned_allocations"]
print(json.dumps(out))
"""


def test_cuda_path_against_the_fake_runtime(fake_cudart):
    out = _run_child(FAKE_CHILD.replace("FAKE_PATH", repr(fake_cudart)),
                     {"OMEARROW_CUDART": fake_cudart, "FAKE_CUDART_DELAY_US": "100"})
    assert out["values"] == "ok"
    assert out["legacy_waits"] == 2  # stream=None and stream=1
    assert out["per_thread_waits"] == 1
    assert out["own_stream_waits"] == 1
    assert out["no_sync_waits"] == 0
    errors = out["errors"]
    assert errors["stream0"][0] == "ValueError"
    assert errors["cpu_device"] == ["BufferError",
                                    "this tensor can only be exported to device (2, 0)"]
    assert errors["reuse"] == ["RuntimeError",
                               "DLPack capsule has already been consumed and cannot be reused."]
    assert errors["arrow"] == ["ValueError", "mode='arrow' does not support device='cuda'."]
    assert errors["numpy"] != "no error"  # NumPy refuses device memory
    assert out["items"] == [12, 12, 12]
    assert out["device_bytes"] == 0 and out["fake_device_bytes"] == 0
    assert out["pinned_leased_bytes"] == 0
    assert out["pinned_reused"]


# --- GPU only -------------------------------------------------------------------

LAYOUTS = [("TZCHW", {}), ("CHW", {"t": 1, "z": 2}), ("HWC", {"t": 0, "z": 1}),
           ("ZCYX", {"t": 1, "roi": (3, 2, 40, 33)})]
DTYPES = [None, "uint8", "int16", "int32", "float32", "float64"]


@pytest.fixture(scope="module")
def gpu_record():
    return make_record(sample_pixels((2, 3, 4, 64, 80), np.uint16), encoding="bytes_zstd",
                       chunk_shape=(1, 32, 32))


def _torch_cuda():
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("GPU-only test: this torch build has no CUDA")
    return torch


@gpu
@pytest.mark.parametrize("layout,kwargs", LAYOUTS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_gpu_values_equal_the_cpu_result(gpu_record, layout, kwargs, dtype):
    torch = _torch_cuda()
    view = omearrow.TensorView(gpu_record, layout=layout, dtype=dtype, **kwargs)
    for contiguous in (True, False):
        tensor = view.to_torch(device="cuda", mode="numpy", contiguous=contiguous)
        assert tensor.is_cuda
        assert tuple(tensor.shape) == view.shape
        np.testing.assert_array_equal(tensor.cpu().numpy(), view.to_numpy())


@gpu
def test_gpu_pointer_is_device_memory_and_consumers_do_not_copy(gpu_record):
    torch = _torch_cuda()
    view = omearrow.TensorView(gpu_record, t=0, layout="ZCYX")
    obj = view.to_dlpack(device="cuda", mode="numpy")
    device = obj.__dlpack_device__()
    assert device == (2, torch.cuda.current_device())
    capsule = obj.__dlpack__(stream=torch.cuda.current_stream().cuda_stream or 1)
    get_pointer = ctypes.pythonapi.PyCapsule_GetPointer
    get_pointer.restype = ctypes.c_void_p
    get_pointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
    data = ctypes.c_void_p.from_address(get_pointer(capsule, b"dltensor")).value
    tensor = torch.utils.dlpack.from_dlpack(capsule)
    assert tensor.data_ptr() == data  # zero-copy
    assert tensor.device.type == "cuda"
    np.testing.assert_array_equal(tensor.cpu().numpy(), view.to_numpy())

    jax = pytest.importorskip("jax")
    if not any(d.platform == "gpu" for d in jax.devices()):
        pytest.skip("GPU-only: JAX has no GPU backend here")
    x = view.to_jax(device="cuda", mode="numpy")
    np.testing.assert_array_equal(np.asarray(x), view.to_numpy())
    cupy = pytest.importorskip("cupy")
    obj = view.to_dlpack(device="cuda", mode="numpy")
    y = cupy.from_dlpack(obj)
    np.testing.assert_array_equal(cupy.asnumpy(y), view.to_numpy())


@gpu
def test_gpu_consumer_stream_sees_complete_data():
    torch = _torch_cuda()
    # 64 MiB: the copy takes milliseconds; unordered reads would see garbage.
    pixels = sample_pixels((1, 1, 8, 2048, 2048), np.uint16)
    view = omearrow.TensorView(make_record(pixels), t=0, c=0, layout="ZYX")
    expected = torch.from_numpy(view.to_numpy().astype(np.float64)).sum().item()
    stream = torch.cuda.Stream()
    for _ in range(5):
        with torch.cuda.stream(stream):
            tensor = view.to_torch(device="cuda", mode="numpy")  # waits on `stream`
            total = tensor.double().sum()
        stream.synchronize()
        assert total.item() == expected


@gpu
def test_gpu_no_leak_over_10000_iterations(gpu_record):
    torch = _torch_cuda()
    view = omearrow.TensorView(gpu_record, t=0, z=0, c=0)
    view.to_torch(device="cuda", mode="numpy")
    torch.cuda.synchronize()
    free_before, _ = torch.cuda.mem_get_info()
    for _ in range(10_000):
        tensor = view.to_torch(device="cuda", mode="numpy")
        del tensor
    for item in view.iter_dlpack(device="cuda", mode="numpy", tile_size=(16, 16), prefetch=4):
        torch.from_dlpack(item)
    torch.cuda.synchronize()
    stats = _core.cuda_memory_stats()
    assert stats["device_bytes"] == 0
    assert stats["pinned_leased_bytes"] == 0
    assert stats["pinned_allocations"] < 64
    free_after, _ = torch.cuda.mem_get_info()
    assert free_before - free_after < 16 << 20


@gpu
@pytest.mark.parametrize("prefetch", [0, 2, 4])
def test_gpu_iterators_match_the_cpu(gpu_record, prefetch):
    torch = _torch_cuda()
    view = omearrow.TensorView(gpu_record)
    got = [torch.from_dlpack(t).cpu().numpy()
           for t in view.iter_dlpack(device="cuda", mode="numpy", tile_size=(32, 32),
                                     prefetch=prefetch, shuffle=True, seed=1)]
    expected = [np.from_dlpack(t) for t in view.iter_dlpack(
        mode="numpy", tile_size=(32, 32), shuffle=True, seed=1)]
    assert len(got) == len(expected)
    for a, b in zip(got, expected):
        np.testing.assert_array_equal(a, b)
    tiles = [torch.from_dlpack(t).cpu().numpy()
             for t in view.iter_tiles_3d(tile_size=(2, 32, 32), device="cuda",
                                         prefetch=prefetch)]
    for a, b in zip(tiles, [np.from_dlpack(t) for t in view.iter_tiles_3d(tile_size=(2, 32, 32))]):
        np.testing.assert_array_equal(a, b)
