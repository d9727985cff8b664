// _core.DLPackObject: the single-use object to_dlpack() returns, speaking the DLPack
// Python protocol (__dlpack__ / __dlpack_device__), versioned or legacy capsules.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <arrow/c/dlpack_abi.h>
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>

#include "omearrow/cuda/cuda_export.h"
#include "omearrow/tensor/dlpack.h"
#include "omearrow/tensor/tensor_copy.h"
#include "status.h"
#include "types.h"

namespace nb = nanobind;

namespace omearrow::python {
namespace {

constexpr const char* kVersionedName = "dltensor_versioned";
constexpr const char* kLegacyName = "dltensor";

// Capsule destructors: call the deleter only when no consumer took the tensor (a
// consumer renames the capsule to "used_...").
void DestroyVersioned(PyObject* capsule) {
  if (!PyCapsule_IsValid(capsule, kVersionedName)) return;
  auto* managed =
      static_cast<DLManagedTensorVersioned*>(PyCapsule_GetPointer(capsule, kVersionedName));
  if (managed != nullptr && managed->deleter != nullptr) managed->deleter(managed);
}

void DestroyLegacy(PyObject* capsule) {
  if (!PyCapsule_IsValid(capsule, kLegacyName)) return;
  auto* managed = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(capsule, kLegacyName));
  if (managed != nullptr && managed->deleter != nullptr) managed->deleter(managed);
}

// max_version >= (1, 0) asks for a versioned capsule.
bool WantsVersioned(nb::handle max_version) {
  if (max_version.is_none()) return false;
  return nb::cast<int>(max_version[0]) >= 1;
}

// The consumer's CUDA stream per the DLPack protocol: None → the legacy default stream
// (1), 1 legacy, 2 per-thread default, > 2 a cudaStream_t; -1 → no synchronization
// (returned as 0). 0 and other negatives are invalid.
uintptr_t ConsumerStream(nb::handle stream) {
  if (stream.is_none()) return 1;
  const int64_t value = nb::cast<int64_t>(stream);
  if (value == -1) return 0;
  if (value <= 0) {
    throw nb::value_error(
        "stream must be None, -1, 1, 2 or a CUDA stream pointer for a CUDA tensor (0 is "
        "ambiguous)");
  }
  return static_cast<uintptr_t>(value);
}

nb::object Dlpack(PyDLPack& self, nb::handle stream, nb::handle max_version,
                  nb::handle dl_device, std::optional<bool> copy) {
  if (!self.tensor.has_value()) {
    throw std::runtime_error("DLPack capsule has already been consumed and cannot be reused.");
  }
  const DLDevice device = self.device;
  if (!dl_device.is_none()) {
    const int type = nb::cast<int>(dl_device[0]);
    const int id = nb::cast<int>(dl_device[1]);
    if (type != device.device_type || id != device.device_id) {
      throw nb::buffer_error(("this tensor can only be exported to device (" +
                              std::to_string(device.device_type) + ", " +
                              std::to_string(device.device_id) + ")")
                                 .c_str());
    }
  }
  Tensor tensor = *self.tensor;
  if (copy.value_or(false) && !tensor.is_copy) {
    if (!tensor.on_host()) throw nb::buffer_error("copy=True is not supported for this tensor");
    tensor = Unwrap(CopyTensor(tensor));
  }
  if (device.device_type == kDLCUDA) {
    // Order the consumer's stream after our host→device copy (CPU tensors need nothing).
    const uintptr_t consumer = ConsumerStream(stream);
    if (consumer != 0 && tensor.pending != nullptr) {
      ThrowIfError(tensor.pending->OrderBefore(consumer));
    }
    tensor.pending.reset();
  }
  const bool versioned = WantsVersioned(max_version);
  self.tensor.reset();
  PyObject* capsule = nullptr;
  if (versioned) {
    DLManagedTensorVersioned* managed = Unwrap(ExportVersioned(std::move(tensor)));
    capsule = PyCapsule_New(managed, kVersionedName, DestroyVersioned);
    if (capsule == nullptr) managed->deleter(managed);
  } else {
    DLManagedTensor* managed = Unwrap(ExportLegacy(std::move(tensor)));
    capsule = PyCapsule_New(managed, kLegacyName, DestroyLegacy);
    if (capsule == nullptr) managed->deleter(managed);
  }
  if (capsule == nullptr) throw nb::python_error();
  return nb::steal(capsule);
}

}  // namespace

// A NumPy array over `tensor`'s memory, keeping the tensor's owner alive.
nb::object TensorToNumpy(const Tensor& tensor) {
  auto* owner = new std::shared_ptr<const void>(tensor.owner);
  nb::capsule capsule(owner, [](void* p) noexcept {
    delete static_cast<std::shared_ptr<const void>*>(p);
  });
  const int64_t itemsize = ItemSize(tensor.dtype);
  std::vector<size_t> shape(tensor.shape.begin(), tensor.shape.end());
  std::vector<int64_t> strides;
  for (int64_t stride : tensor.strides) strides.push_back(stride / itemsize);
  const DLDataType dl = ToDLDataType(tensor.dtype);
  const nb::dlpack::dtype dtype{dl.code, dl.bits, dl.lanes};
  if (tensor.read_only) {
    return nb::ndarray<nb::numpy, nb::ro>(tensor.data, shape.size(), shape.data(), capsule,
                                          strides.data(), dtype)
        .cast();
  }
  return nb::ndarray<nb::numpy>(const_cast<uint8_t*>(tensor.data), shape.size(),
                                shape.data(), capsule, strides.data(), dtype)
      .cast();
}

nb::object MakeDLPackObject(Tensor tensor) {
  const DLDevice device = tensor.device;
  return nb::cast(PyDLPack{std::move(tensor), device});
}

void RegisterDLPack(nb::module_& m) {
  nb::class_<PyDLPack>(m, "DLPackObject",
                       "A single-use DLPack producer (what to_dlpack() returns). Pass it "
                       "once to numpy.from_dlpack, torch.from_dlpack or "
                       "jax.numpy.from_dlpack.")
      .def("__dlpack__", &Dlpack, nb::arg("stream").none() = nb::none(), nb::kw_only(),
           nb::arg("max_version").none() = nb::none(),
           nb::arg("dl_device").none() = nb::none(), nb::arg("copy").none() = nb::none(),
           nb::sig("def __dlpack__(self, stream: object | None = None, *, "
                   "max_version: tuple[int, int] | None = None, "
                   "dl_device: tuple[int, int] | None = None, "
                   "copy: bool | None = None) -> object"),
           "Hands the tensor to a consumer as a PyCapsule: 'dltensor_versioned' when "
           "max_version >= (1, 0) is asked for, else a legacy 'dltensor'. Single use: a "
           "second call raises RuntimeError. copy=True returns a fresh copy; a dl_device "
           "other than the tensor's raises BufferError. CUDA tensors: the consumer's "
           "`stream` (None = legacy default stream, 1, 2 or a stream pointer) waits for "
           "the host-to-device copy (cudaStreamWaitEvent); -1 skips synchronization.")
      .def(
          "__dlpack_device__",
          [](const PyDLPack& self) {
            return nb::make_tuple(int(self.device.device_type), int(self.device.device_id));
          },
          nb::sig("def __dlpack_device__(self) -> tuple[int, int]"),
          "The (device type, device id) of the tensor: (1, 0) for the CPU, (2, id) for "
          "CUDA device id.")
      .def_prop_ro(
          "consumed", [](const PyDLPack& self) { return !self.tensor.has_value(); },
          "True once __dlpack__ has handed the tensor out.")
      .def(
          "__repr__",
          [](const PyDLPack& self) {
            const std::string device =
                self.device.device_type == kDLCPU
                    ? std::string("cpu")
                    : "cuda:" + std::to_string(self.device.device_id);
            if (!self.tensor.has_value()) {
              return "omearrow.DLPackObject(device='" + device + "', consumed)";
            }
            std::string shape = "(";
            for (size_t i = 0; i < self.tensor->shape.size(); ++i) {
              shape += (i ? ", " : "") + std::to_string(self.tensor->shape[i]);
            }
            shape += self.tensor->shape.size() == 1 ? ",)" : ")";
            return "omearrow.DLPackObject(shape=" + shape + ", dtype=" +
                   std::string(DTypeName(self.tensor->dtype)) + ", device='" + device +
                   "')";
          },
          "Shape, dtype and device; 'consumed' once handed out.");

  m.def(
      "cuda_status",
      []() -> std::optional<std::string> {
        const arrow::Status status = CudaAvailable();
        if (status.ok()) return std::nullopt;
        return status.message();
      },
      "None when device='cuda' can be used (CUDA runtime loaded, a device present), else "
      "the error message device='cuda' raises. Loads the runtime on first call.");
  m.def(
      "cuda_memory_stats",
      []() {
        nb::dict stats;
        const CudaExportStats exports = GetCudaExportStats();
        stats["device_allocations"] = exports.live_allocations;
        stats["device_bytes"] = exports.live_bytes;
        if (CudaAvailable().ok()) {
          const PoolStats pool = Unwrap(PinnedPool())->stats();
          stats["pinned_allocated_bytes"] = pool.allocated_bytes;
          stats["pinned_leased_bytes"] = pool.leased_bytes;
          stats["pinned_allocations"] = pool.allocations;
          stats["pinned_reuses"] = pool.reuses;
        }
        return stats;
      },
      nb::sig("def cuda_memory_stats() -> dict[str, int]"),
      "Device memory held by live CUDA exports and the pinned staging pool's counters "
      "(for leak checks and benchmarks).");
}

}  // namespace omearrow::python
