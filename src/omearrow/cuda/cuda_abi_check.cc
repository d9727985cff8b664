// Compile-time check (OMEARROW_WITH_CUDA builds only) that the declarations in
// cuda_runtime.h match the CUDA toolkit's headers. Nothing here is called or linked.
#include <cuda_runtime_api.h>

#include <type_traits>

#include "omearrow/cuda/cuda_runtime.h"

namespace omearrow::cuda {
namespace {

static_assert(sizeof(cudaError_t) == sizeof(Error));
static_assert(std::is_same_v<cudaStream_t, CUstream_st*>);
static_assert(sizeof(cudaStream_t) == sizeof(Stream));
static_assert(sizeof(cudaEvent_t) == sizeof(Event));
static_assert(cudaSuccess == kSuccess);
static_assert(cudaErrorNotReady == kErrorNotReady);
static_assert(cudaMemcpyHostToDevice == kMemcpyHostToDevice);
static_assert(cudaStreamNonBlocking == kStreamNonBlocking);
static_assert(cudaEventDisableTiming == kEventDisableTiming);
static_assert(cudaHostAllocDefault == kHostAllocDefault);

// The prototypes of the functions Api resolves (handles spelled as the toolkit does).
static_assert(std::is_same_v<decltype(&cudaGetDeviceCount), cudaError_t (*)(int*)>);
static_assert(std::is_same_v<decltype(&cudaSetDevice), cudaError_t (*)(int)>);
static_assert(std::is_same_v<decltype(&cudaGetDevice), cudaError_t (*)(int*)>);
static_assert(std::is_same_v<decltype(&cudaMalloc), cudaError_t (*)(void**, size_t)>);
static_assert(std::is_same_v<decltype(&cudaFree), cudaError_t (*)(void*)>);
static_assert(std::is_same_v<decltype(&cudaFreeHost), cudaError_t (*)(void*)>);
static_assert(std::is_same_v<decltype(&cudaMallocHost), cudaError_t (*)(void**, size_t)>);
static_assert(std::is_same_v<decltype(&cudaMemcpyAsync),
                             cudaError_t (*)(void*, const void*, size_t, cudaMemcpyKind,
                                             cudaStream_t)>);
static_assert(std::is_same_v<decltype(&cudaStreamCreateWithFlags),
                             cudaError_t (*)(cudaStream_t*, unsigned int)>);
static_assert(std::is_same_v<decltype(&cudaStreamWaitEvent),
                             cudaError_t (*)(cudaStream_t, cudaEvent_t, unsigned int)>);
static_assert(std::is_same_v<decltype(&cudaEventCreateWithFlags),
                             cudaError_t (*)(cudaEvent_t*, unsigned int)>);
static_assert(std::is_same_v<decltype(&cudaEventRecord),
                             cudaError_t (*)(cudaEvent_t, cudaStream_t)>);
static_assert(std::is_same_v<decltype(&cudaEventQuery), cudaError_t (*)(cudaEvent_t)>);
static_assert(std::is_same_v<decltype(&cudaGetErrorString), const char* (*)(cudaError_t)>);
static_assert(sizeof(cudaMemcpyKind) == sizeof(int));

}  // namespace
}  // namespace omearrow::cuda
