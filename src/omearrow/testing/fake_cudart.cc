// A stand-in for libcudart used by tests on machines without a GPU (OMEARROW_CUDART
// points omearrow's loader at it). "Device" memory is host memory; each stream is a
// thread running its queue in order, so copies really are asynchronous (optionally
// slowed down by FAKE_CUDART_DELAY_US per copy) and events, cudaStreamWaitEvent and
// cudaFree's implicit synchronization behave as CUDA's. FAKE_CUDART_DEVICES sets the
// device count (default 1; 0 makes cudaGetDeviceCount fail with cudaErrorNoDevice).
// fake_cudart_* functions expose counters for leak and synchronization checks.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

namespace {

using Error = int;
constexpr Error kSuccess = 0;
constexpr Error kInvalidValue = 1;
constexpr Error kMemoryAllocation = 2;
constexpr Error kInvalidDevice = 101;
constexpr Error kNoDevice = 100;
constexpr Error kNotReady = 600;

int EnvInt(const char* name, int fallback) {
  const char* text = std::getenv(name);
  return text != nullptr && text[0] != '\0' ? std::atoi(text) : fallback;
}

std::mutex g_mutex;  // guards the counters and allocation maps
std::condition_variable g_idle;
int64_t g_outstanding = 0;  // queued stream operations not yet finished
std::map<void*, size_t> g_device, g_host;
int64_t g_device_bytes = 0, g_host_bytes = 0, g_host_allocations = 0;
std::map<uintptr_t, int64_t> g_waits;  // stream handle → cudaStreamWaitEvent calls
thread_local int t_device = 0;

class Stream {
 public:
  Stream() : worker_([this] { Run(); }) {}
  ~Stream() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    worker_.join();
  }
  void Enqueue(std::function<void()> op) {
    {
      std::lock_guard<std::mutex> lock(g_mutex);
      ++g_outstanding;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      queue_.push_back(std::move(op));
    }
    cv_.notify_all();
  }
  void Synchronize() {
    std::mutex done_mutex;
    std::condition_variable done_cv;
    bool done = false;
    Enqueue([&] {
      std::lock_guard<std::mutex> lock(done_mutex);
      done = true;
      done_cv.notify_all();
    });
    std::unique_lock<std::mutex> lock(done_mutex);
    done_cv.wait(lock, [&] { return done; });
  }

 private:
  void Run() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;
      std::function<void()> op = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      op();
      {
        std::lock_guard<std::mutex> counters(g_mutex);
        --g_outstanding;
      }
      g_idle.notify_all();
      lock.lock();
    }
  }
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stop_ = false;
  std::thread worker_;
};

struct Event {
  std::mutex mutex;
  std::condition_variable cv;
  uint64_t recorded = 0;
  uint64_t completed = 0;
  void Complete(uint64_t generation) {
    std::lock_guard<std::mutex> lock(mutex);
    if (generation > completed) completed = generation;
    cv.notify_all();
  }
  void WaitFor(uint64_t generation) {
    std::unique_lock<std::mutex> lock(mutex);
    cv.wait(lock, [&] { return completed >= generation; });
  }
};

// An event handle owns a reference; queued operations hold their own, so destroying an
// event with work still queued on it is safe (CUDA defers the release likewise).
struct EventHandle {
  std::shared_ptr<Event> event = std::make_shared<Event>();
};

std::shared_ptr<Event> EventOf(void* handle) { return static_cast<EventHandle*>(handle)->event; }

Stream* DefaultStream() {
  static Stream* stream = new Stream();  // never destroyed: lives until exit
  return stream;
}

Stream* Resolve(void* handle) {
  const auto value = reinterpret_cast<uintptr_t>(handle);
  if (value <= 2) return DefaultStream();  // 0, cudaStreamLegacy, cudaStreamPerThread
  return static_cast<Stream*>(handle);
}

void WaitIdle() {
  std::unique_lock<std::mutex> lock(g_mutex);
  g_idle.wait(lock, [] { return g_outstanding == 0; });
}

Error Allocate(void** out, size_t size, std::map<void*, size_t>& table, int64_t& bytes) {
  if (out == nullptr) return kInvalidValue;
  void* data = std::aligned_alloc(256, (size + 255) / 256 * 256 + 256);
  if (data == nullptr) return kMemoryAllocation;
  std::lock_guard<std::mutex> lock(g_mutex);
  table[data] = size;
  bytes += static_cast<int64_t>(size);
  *out = data;
  return kSuccess;
}

Error Release(void* data, std::map<void*, size_t>& table, int64_t& bytes) {
  if (data == nullptr) return kSuccess;
  WaitIdle();  // as cudaFree/cudaFreeHost: implicit synchronization
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    auto it = table.find(data);
    if (it == table.end()) return kInvalidValue;
    bytes -= static_cast<int64_t>(it->second);
    table.erase(it);
  }
  std::free(data);
  return kSuccess;
}

}  // namespace

extern "C" {

Error cudaGetDeviceCount(int* count) {
  const int devices = EnvInt("FAKE_CUDART_DEVICES", 1);
  if (devices <= 0) return kNoDevice;
  *count = devices;
  return kSuccess;
}

Error cudaSetDevice(int device) {
  if (device < 0 || device >= EnvInt("FAKE_CUDART_DEVICES", 1)) return kInvalidDevice;
  t_device = device;
  return kSuccess;
}

Error cudaGetDevice(int* device) {
  *device = t_device;
  return kSuccess;
}

Error cudaMalloc(void** out, size_t size) { return Allocate(out, size, g_device, g_device_bytes); }
Error cudaFree(void* data) { return Release(data, g_device, g_device_bytes); }

Error cudaMallocHost(void** out, size_t size) {
  const Error error = Allocate(out, size, g_host, g_host_bytes);
  if (error == kSuccess) {
    std::lock_guard<std::mutex> lock(g_mutex);
    ++g_host_allocations;
  }
  return error;
}
Error cudaFreeHost(void* data) { return Release(data, g_host, g_host_bytes); }

Error cudaMemcpyAsync(void* dst, const void* src, size_t size, int kind, void* stream) {
  if (kind != 1) return kInvalidValue;  // only cudaMemcpyHostToDevice is faked
  const int delay_us = EnvInt("FAKE_CUDART_DELAY_US", 0);
  Resolve(stream)->Enqueue([dst, src, size, delay_us] {
    if (delay_us > 0) std::this_thread::sleep_for(std::chrono::microseconds(delay_us));
    std::memcpy(dst, src, size);
  });
  return kSuccess;
}

Error cudaStreamCreateWithFlags(void** stream, unsigned) {
  *stream = new Stream();
  return kSuccess;
}

Error cudaStreamDestroy(void* stream) {
  if (reinterpret_cast<uintptr_t>(stream) <= 2) return kInvalidValue;
  delete static_cast<Stream*>(stream);  // drains its queue first
  return kSuccess;
}

Error cudaStreamSynchronize(void* stream) {
  Resolve(stream)->Synchronize();
  return kSuccess;
}

Error cudaEventCreateWithFlags(void** event, unsigned) {
  *event = new EventHandle();
  return kSuccess;
}

Error cudaEventRecord(void* handle, void* stream) {
  std::shared_ptr<Event> event = EventOf(handle);
  uint64_t generation;
  {
    std::lock_guard<std::mutex> lock(event->mutex);
    generation = ++event->recorded;
  }
  Resolve(stream)->Enqueue([event, generation] { event->Complete(generation); });
  return kSuccess;
}

Error cudaEventQuery(void* handle) {
  std::shared_ptr<Event> event = EventOf(handle);
  std::lock_guard<std::mutex> lock(event->mutex);
  return event->completed >= event->recorded ? kSuccess : kNotReady;
}

Error cudaEventSynchronize(void* handle) {
  std::shared_ptr<Event> event = EventOf(handle);
  uint64_t generation;
  {
    std::lock_guard<std::mutex> lock(event->mutex);
    generation = event->recorded;
  }
  event->WaitFor(generation);
  return kSuccess;
}

Error cudaEventDestroy(void* handle) {
  delete static_cast<EventHandle*>(handle);
  return kSuccess;
}

Error cudaStreamWaitEvent(void* stream, void* handle, unsigned) {
  std::shared_ptr<Event> event = EventOf(handle);
  uint64_t generation;
  {
    std::lock_guard<std::mutex> lock(event->mutex);
    generation = event->recorded;
  }
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    ++g_waits[reinterpret_cast<uintptr_t>(stream)];
  }
  Resolve(stream)->Enqueue([event, generation] { event->WaitFor(generation); });
  return kSuccess;
}

const char* cudaGetErrorString(Error error) {
  switch (error) {
    case kSuccess: return "no error";
    case kInvalidValue: return "invalid argument";
    case kMemoryAllocation: return "out of memory";
    case kNoDevice: return "no CUDA-capable device is detected";
    case kInvalidDevice: return "invalid device ordinal";
    case kNotReady: return "device not ready";
    default: return "unknown error";
  }
}

// Test hooks.
int64_t fake_cudart_device_bytes() {
  std::lock_guard<std::mutex> lock(g_mutex);
  return g_device_bytes;
}
int64_t fake_cudart_host_bytes() {
  std::lock_guard<std::mutex> lock(g_mutex);
  return g_host_bytes;
}
int64_t fake_cudart_host_allocations() {
  std::lock_guard<std::mutex> lock(g_mutex);
  return g_host_allocations;
}
int64_t fake_cudart_waits_on(uintptr_t stream) {
  std::lock_guard<std::mutex> lock(g_mutex);
  auto it = g_waits.find(stream);
  return it == g_waits.end() ? 0 : it->second;
}
void fake_cudart_synchronize() { WaitIdle(); }

}  // extern "C"
