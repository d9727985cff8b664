#include "omearrow/cuda/cuda_runtime.h"

#include <dlfcn.h>

#include <cstdlib>
#include <sstream>


namespace omearrow::cuda {
namespace {

arrow::Status Unavailable(std::string_view reason) {
  return arrow::Status::ExecutionError(kCudaUnavailable, " (", reason, ")");
}

std::vector<std::string> Split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::stringstream stream(text);
  std::string part;
  while (std::getline(stream, part, separator)) {
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

template <typename Fn>
bool Resolve(void* handle, const char* name, Fn* out) {
  *out = reinterpret_cast<Fn>(dlsym(handle, name));
  return *out != nullptr;
}

}  // namespace

std::vector<std::string> DefaultRuntimeLibraries() {
  return {"libcudart.so.13", "libcudart.so.12", "libcudart.so"};
}

bool BuiltWithCuda() {
#ifdef OMEARROW_WITH_CUDA
  return true;
#else
  return false;
#endif
}

arrow::Result<std::shared_ptr<Runtime>> Runtime::Load(
    const std::vector<std::string>& libraries) {
  if (!BuiltWithCuda()) return Unavailable("omearrow was built without CUDA support");
  if (libraries.empty()) return Unavailable("no runtime library named");
  void* handle = nullptr;
  std::string tried;
  std::string loaded;
  for (const std::string& name : libraries) {
    handle = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle != nullptr) {
      loaded = name;
      break;
    }
    const char* error = dlerror();
    if (!tried.empty()) tried += "; ";
    tried += error != nullptr ? error : name + ": cannot be loaded";
  }
  if (handle == nullptr) return Unavailable(tried);

  std::shared_ptr<Runtime> runtime(new Runtime());
  runtime->library_ = loaded;
  Api& api = runtime->api_;
  const char* missing = nullptr;
  auto need = [&](const char* name, auto* fn) {
    if (missing == nullptr && !Resolve(handle, name, fn)) missing = name;
  };
  need("cudaGetDeviceCount", &api.GetDeviceCount);
  need("cudaSetDevice", &api.SetDevice);
  need("cudaGetDevice", &api.GetDevice);
  need("cudaMallocHost", &api.MallocHost);
  need("cudaFreeHost", &api.FreeHost);
  need("cudaMalloc", &api.Malloc);
  need("cudaFree", &api.Free);
  need("cudaMemcpyAsync", &api.MemcpyAsync);
  need("cudaStreamCreateWithFlags", &api.StreamCreateWithFlags);
  need("cudaStreamDestroy", &api.StreamDestroy);
  need("cudaStreamSynchronize", &api.StreamSynchronize);
  need("cudaStreamWaitEvent", &api.StreamWaitEvent);
  need("cudaEventCreateWithFlags", &api.EventCreateWithFlags);
  need("cudaEventRecord", &api.EventRecord);
  need("cudaEventQuery", &api.EventQuery);
  need("cudaEventSynchronize", &api.EventSynchronize);
  need("cudaEventDestroy", &api.EventDestroy);
  need("cudaGetErrorString", &api.GetErrorString);
  if (missing != nullptr) {
    // The handle stays open: unloading a half-initialized runtime gains nothing.
    return Unavailable(loaded + " has no symbol " + missing);
  }
  int count = 0;
  const Error error = api.GetDeviceCount(&count);
  if (error != kSuccess) {
    const char* text = api.GetErrorString(error);
    return Unavailable(loaded + ": cudaGetDeviceCount failed: " +
                       (text != nullptr ? text : "unknown error"));
  }
  if (count <= 0) return Unavailable(loaded + ": no CUDA device found");
  runtime->device_count_ = count;
  runtime->streams_.assign(static_cast<size_t>(count), nullptr);
  return runtime;
}

arrow::Result<std::shared_ptr<Runtime>> Runtime::Get() {
  static const arrow::Result<std::shared_ptr<Runtime>> runtime = [] {
    const char* names = std::getenv(kRuntimeLibraryEnv);
    return Load(names != nullptr && names[0] != '\0' ? Split(names, ':')
                                                     : DefaultRuntimeLibraries());
  }();
  return runtime;
}

Runtime::~Runtime() {
  for (Stream stream : streams_) {
    if (stream != nullptr) api_.StreamDestroy(stream);
  }
}

arrow::Status Runtime::Check(Error error, std::string_view what) const {
  if (error == kSuccess) return arrow::Status::OK();
  const char* text = api_.GetErrorString(error);
  return arrow::Status::ExecutionError(what, " failed: ",
                                       text != nullptr ? text : "unknown error",
                                       " (CUDA error ", error, ")");
}

arrow::Result<int> Runtime::CurrentDevice() const {
  int device = 0;
  ARROW_RETURN_NOT_OK(Check(api_.GetDevice(&device), "cudaGetDevice"));
  return device;
}

arrow::Result<Stream> Runtime::CopyStream(int device) {
  if (device < 0 || device >= device_count_) {
    return arrow::Status::Invalid("CUDA device ", device, " does not exist (",
                                  device_count_, " devices)");
  }
  std::lock_guard<std::mutex> lock(mutex_);
  Stream& stream = streams_[static_cast<size_t>(device)];
  if (stream == nullptr) {
    DeviceGuard guard(*this, device);
    ARROW_RETURN_NOT_OK(guard.status());
    ARROW_RETURN_NOT_OK(Check(api_.StreamCreateWithFlags(&stream, kStreamNonBlocking),
                              "cudaStreamCreateWithFlags"));
  }
  return stream;
}

DeviceGuard::DeviceGuard(const Runtime& runtime, int device) : runtime_(runtime) {
  int current = 0;
  status_ = runtime_.Check(runtime_.api().GetDevice(&current), "cudaGetDevice");
  if (!status_.ok() || current == device) return;
  status_ = runtime_.Check(runtime_.api().SetDevice(device), "cudaSetDevice");
  if (status_.ok()) previous_ = current;
}

DeviceGuard::~DeviceGuard() {
  if (previous_ >= 0) runtime_.api().SetDevice(previous_);
}

}  // namespace omearrow::cuda
