#include "omearrow/cuda/cuda_export.h"

#include <atomic>
#include <cstdlib>
#include <utility>

#include "omearrow/cuda/cuda_runtime.h"

namespace omearrow {
namespace {

using cuda::DeviceGuard;
using cuda::Runtime;

constexpr int64_t kDefaultPinnedPoolBytes = int64_t{1} << 30;

std::atomic<int64_t> live_allocations{0};
std::atomic<int64_t> live_bytes{0};

// Device memory of one export; freed (under the right device) when the last holder of
// the tensor lets go. cudaFree waits for work still using it.
struct DeviceAllocation {
  std::shared_ptr<Runtime> runtime;
  void* data = nullptr;
  int64_t size = 0;
  int device = 0;
  ~DeviceAllocation() {
    if (data == nullptr) return;
    DeviceGuard guard(*runtime, device);
    runtime->api().Free(data);
    live_allocations.fetch_sub(1);
    live_bytes.fetch_sub(size);
  }
};

// The event recorded after an export's copy: the pinned buffer's fence and the tensor's
// pending work.
class CopyEvent final : public Fence, public PendingWork {
 public:
  static arrow::Result<std::shared_ptr<CopyEvent>> Record(std::shared_ptr<Runtime> runtime,
                                                          cuda::Stream stream) {
    auto event = std::shared_ptr<CopyEvent>(new CopyEvent(std::move(runtime)));
    const cuda::Api& api = event->runtime_->api();
    ARROW_RETURN_NOT_OK(event->runtime_->Check(
        api.EventCreateWithFlags(&event->event_, cuda::kEventDisableTiming),
        "cudaEventCreateWithFlags"));
    ARROW_RETURN_NOT_OK(
        event->runtime_->Check(api.EventRecord(event->event_, stream), "cudaEventRecord"));
    return event;
  }
  ~CopyEvent() override {
    if (event_ != nullptr) runtime_->api().EventDestroy(event_);
  }

  bool Ready() override { return runtime_->api().EventQuery(event_) != cuda::kErrorNotReady; }
  arrow::Status Wait() override { return WaitConst(); }

  arrow::Status OrderBefore(uintptr_t stream) const override {
    return runtime_->Check(
        runtime_->api().StreamWaitEvent(reinterpret_cast<cuda::Stream>(stream), event_, 0),
        "cudaStreamWaitEvent");
  }
  arrow::Status Wait() const override { return WaitConst(); }

 private:
  explicit CopyEvent(std::shared_ptr<Runtime> runtime) : runtime_(std::move(runtime)) {}
  arrow::Status WaitConst() const {
    return runtime_->Check(runtime_->api().EventSynchronize(event_), "cudaEventSynchronize");
  }
  std::shared_ptr<Runtime> runtime_;
  cuda::Event event_ = nullptr;
};

int64_t PinnedPoolBytes() {
  const char* text = std::getenv(kPinnedPoolBytesEnv);
  if (text == nullptr || text[0] == '\0') return kDefaultPinnedPoolBytes;
  char* end = nullptr;
  const long long value = std::strtoll(text, &end, 10);
  return end != text && value > 0 ? static_cast<int64_t>(value) : kDefaultPinnedPoolBytes;
}

}  // namespace

arrow::Status CudaAvailable() { return Runtime::Get().status(); }

arrow::Result<int> CurrentCudaDevice() {
  ARROW_ASSIGN_OR_RAISE(std::shared_ptr<Runtime> runtime, Runtime::Get());
  return runtime->CurrentDevice();
}

arrow::Result<std::shared_ptr<HostBufferPool>> PinnedPool() {
  static const arrow::Result<std::shared_ptr<HostBufferPool>> pool =
      []() -> arrow::Result<std::shared_ptr<HostBufferPool>> {
    ARROW_ASSIGN_OR_RAISE(std::shared_ptr<Runtime> runtime, Runtime::Get());
    HostAllocator allocator;
    allocator.allocate = [runtime](int64_t size) -> arrow::Result<void*> {
      void* data = nullptr;
      ARROW_RETURN_NOT_OK(runtime->Check(
          runtime->api().MallocHost(&data, static_cast<size_t>(size)), "cudaMallocHost"));
      return data;
    };
    allocator.free = [runtime](void* data, int64_t) { runtime->api().FreeHost(data); };
    return HostBufferPool::Make(std::move(allocator), PinnedPoolBytes());
  }();
  return pool;
}

CudaExportStats GetCudaExportStats() {
  return CudaExportStats{live_allocations.load(), live_bytes.load()};
}

arrow::Result<Tensor> ExportToCuda(int64_t bytes, const HostTensorFill& fill, int device) {
  ARROW_ASSIGN_OR_RAISE(std::shared_ptr<Runtime> runtime, Runtime::Get());
  if (device < 0) {
    ARROW_ASSIGN_OR_RAISE(device, runtime->CurrentDevice());
  }
  ARROW_ASSIGN_OR_RAISE(cuda::Stream stream, runtime->CopyStream(device));
  DeviceGuard guard(*runtime, device);
  ARROW_RETURN_NOT_OK(guard.status());
  const cuda::Api& api = runtime->api();

  if (bytes == 0) {
    ARROW_ASSIGN_OR_RAISE(Tensor tensor, fill(nullptr, 0));
    tensor.device = DLDevice{kDLCUDA, device};
    return tensor;
  }
  ARROW_ASSIGN_OR_RAISE(std::shared_ptr<HostBufferPool> pool, PinnedPool());
  ARROW_ASSIGN_OR_RAISE(PoolLease staging, pool->Acquire(bytes));
  ARROW_ASSIGN_OR_RAISE(Tensor tensor, fill(staging.data(), bytes));

  auto memory = std::make_shared<DeviceAllocation>();
  memory->runtime = runtime;
  memory->device = device;
  ARROW_RETURN_NOT_OK(runtime->Check(api.Malloc(&memory->data, static_cast<size_t>(bytes)),
                                     "cudaMalloc"));
  memory->size = bytes;
  live_allocations.fetch_add(1);
  live_bytes.fetch_add(bytes);

  ARROW_RETURN_NOT_OK(runtime->Check(
      api.MemcpyAsync(memory->data, staging.data(), static_cast<size_t>(bytes),
                      cuda::kMemcpyHostToDevice, stream),
      "cudaMemcpyAsync"));
  auto event = CopyEvent::Record(runtime, stream);
  if (!event.ok()) {
    // The copy is queued but cannot be tracked: wait for it before the buffer is reused.
    (void)api.StreamSynchronize(stream);
    return event.status();
  }
  staging.Release(*event);

  tensor.data = static_cast<const uint8_t*>(memory->data);
  tensor.owner = std::move(memory);
  tensor.device = DLDevice{kDLCUDA, device};
  tensor.pending = *event;
  return tensor;
}

}  // namespace omearrow
