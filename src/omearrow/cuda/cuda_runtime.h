// The CUDA runtime, loaded on demand: omearrow never links libcudart at build time. The
// first request for CUDA dlopen()s libcudart and resolves the few functions used here;
// a machine without the library or a device gets a Status, never a crash.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/result.h>
#include <arrow/status.h>

namespace omearrow {

// Text of the error for device="cuda" on a build or machine without CUDA (followed by
// the reason in parentheses).
inline constexpr std::string_view kCudaUnavailable =
    "CUDA was requested but no CUDA runtime or device is available";

}  // namespace omearrow

namespace omearrow::cuda {


// The runtime's opaque handles and the constants used (ABI-compatible with
// cuda_runtime_api.h; checked against the toolkit headers when OMEARROW_WITH_CUDA).
using Error = int;            // cudaError_t
using Stream = void*;         // cudaStream_t
using Event = void*;          // cudaEvent_t
inline constexpr Error kSuccess = 0;
inline constexpr Error kErrorNotReady = 600;
inline constexpr int kMemcpyHostToDevice = 1;      // cudaMemcpyHostToDevice
inline constexpr unsigned kStreamNonBlocking = 1;  // cudaStreamNonBlocking
inline constexpr unsigned kEventDisableTiming = 2; // cudaEventDisableTiming
inline constexpr unsigned kHostAllocDefault = 0;
// The legacy default stream and the per-thread default stream (cudaStreamLegacy,
// cudaStreamPerThread); DLPack's stream=1 and stream=2.
inline Stream LegacyStream() { return reinterpret_cast<Stream>(uintptr_t{1}); }
inline Stream PerThreadStream() { return reinterpret_cast<Stream>(uintptr_t{2}); }

// The resolved runtime functions (signatures of cuda_runtime_api.h).
struct Api {
  Error (*GetDeviceCount)(int*) = nullptr;
  Error (*SetDevice)(int) = nullptr;
  Error (*GetDevice)(int*) = nullptr;
  Error (*MallocHost)(void**, size_t) = nullptr;
  Error (*FreeHost)(void*) = nullptr;
  Error (*Malloc)(void**, size_t) = nullptr;
  Error (*Free)(void*) = nullptr;
  Error (*MemcpyAsync)(void*, const void*, size_t, int, Stream) = nullptr;
  Error (*StreamCreateWithFlags)(Stream*, unsigned) = nullptr;
  Error (*StreamDestroy)(Stream) = nullptr;
  Error (*StreamSynchronize)(Stream) = nullptr;
  Error (*StreamWaitEvent)(Stream, Event, unsigned) = nullptr;
  Error (*EventCreateWithFlags)(Event*, unsigned) = nullptr;
  Error (*EventRecord)(Event, Stream) = nullptr;
  Error (*EventQuery)(Event) = nullptr;
  Error (*EventSynchronize)(Event) = nullptr;
  Error (*EventDestroy)(Event) = nullptr;
  const char* (*GetErrorString)(Error) = nullptr;
};

// Environment variable naming the runtime library to load instead of the defaults (a
// file name or path; several separated by ':' are tried in order).
inline constexpr const char* kRuntimeLibraryEnv = "OMEARROW_CUDART";

// Library names tried by default, in order.
std::vector<std::string> DefaultRuntimeLibraries();

// True when this build includes CUDA support (OMEARROW_WITH_CUDA).
bool BuiltWithCuda();

// A loaded CUDA runtime with at least one device. Thread-safe. Never unloaded (the
// library stays mapped: a deleter may run late in process teardown).
class Runtime {
 public:
  // Loads the first of `libraries` that dlopen() finds, resolves Api and requires at
  // least one device. Errors: "CUDA was requested but no CUDA runtime or device is
  // available (<reason>)", the reason naming the library and the failing step.
  static arrow::Result<std::shared_ptr<Runtime>> Load(const std::vector<std::string>& libraries);

  // The process's runtime: loaded by the first call from $OMEARROW_CUDART or the
  // defaults; the outcome (runtime or error) is kept for the process.
  static arrow::Result<std::shared_ptr<Runtime>> Get();

  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  const Api& api() const { return api_; }
  // The library that was loaded (as named in the candidate list).
  const std::string& library() const { return library_; }
  int device_count() const { return device_count_; }

  // OK for kSuccess, else ExecutionError("<what> failed: <cudaGetErrorString> (CUDA
  // error N)") (RuntimeError in Python).
  arrow::Status Check(Error error, std::string_view what) const;

  // The calling thread's current device.
  arrow::Result<int> CurrentDevice() const;

  // omearrow's copy stream on `device` (non-blocking, created on first use, kept).
  arrow::Result<Stream> CopyStream(int device);

 private:
  Runtime() = default;
  Api api_;
  std::string library_;
  int device_count_ = 0;
  std::mutex mutex_;
  std::vector<Stream> streams_;  // per device, null until created
};

// Makes `device` the calling thread's current device for the guard's scope and restores
// the previous one afterwards (deleters and workers run on threads that are not ours).
class DeviceGuard {
 public:
  DeviceGuard(const Runtime& runtime, int device);
  ~DeviceGuard();
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;
  // The status of switching to the device.
  const arrow::Status& status() const { return status_; }

 private:
  const Runtime& runtime_;
  int previous_ = -1;
  arrow::Status status_;
};

}  // namespace omearrow::cuda
