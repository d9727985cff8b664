// _core.DLPackObject: the single-use object to_dlpack() returns, speaking the DLPack
// Python protocol (__dlpack__ / __dlpack_device__), versioned or legacy capsules.
#include <optional>

#include <arrow/c/dlpack_abi.h>
#include <nanobind/nanobind.h>
#include <nanobind/stl/optional.h>

#include "omearrow/dlpack.h"
#include "omearrow/tensor_copy.h"
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

nb::object Dlpack(PyDLPack& self, nb::handle stream, nb::handle max_version,
                  nb::handle dl_device, std::optional<bool> copy) {
  (void)stream;  // CPU tensors need no stream synchronization.
  if (!self.tensor.has_value()) {
    throw std::runtime_error("DLPack capsule has already been consumed and cannot be reused.");
  }
  if (!dl_device.is_none()) {
    const int type = nb::cast<int>(dl_device[0]);
    const int id = nb::cast<int>(dl_device[1]);
    if (type != kDLCPU || id != 0) {
      throw nb::buffer_error("this tensor can only be exported to the CPU (device (1, 0))");
    }
  }
  Tensor tensor = *self.tensor;
  if (copy.value_or(false) && !tensor.is_copy) tensor = Unwrap(CopyTensor(tensor));
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

nb::object MakeDLPackObject(Tensor tensor) {
  return nb::cast(PyDLPack{std::move(tensor)});
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
           "other than CPU raises BufferError.")
      .def(
          "__dlpack_device__", [](const PyDLPack&) { return nb::make_tuple(int(kDLCPU), 0); },
          nb::sig("def __dlpack_device__(self) -> tuple[int, int]"),
          "The (device type, device id) of the tensor: (1, 0), the CPU.")
      .def_prop_ro(
          "consumed", [](const PyDLPack& self) { return !self.tensor.has_value(); },
          "True once __dlpack__ has handed the tensor out.");
}

}  // namespace omearrow::python
