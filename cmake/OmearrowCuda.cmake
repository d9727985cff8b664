# CUDA export (device="cuda"): the OMEARROW_WITH_CUDA option. src/omearrow/cuda/ builds
# the code and its tests. The core never links libcudart: src/omearrow/cuda/cuda_runtime.cc
# dlopen()s it when CUDA is first requested. The toolkit's headers are used only to check
# our declarations of its ABI (cuda_abi_check.cc), so building needs no driver and no GPU.
find_package(CUDAToolkit QUIET)
set(_omearrow_cuda_default OFF)
if(CUDAToolkit_FOUND)
  set(_omearrow_cuda_default ON)
endif()
option(OMEARROW_WITH_CUDA "device='cuda' exports (runtime loaded on demand)"
       ${_omearrow_cuda_default})
if(OMEARROW_WITH_CUDA AND NOT CUDAToolkit_FOUND)
  message(FATAL_ERROR "OMEARROW_WITH_CUDA=ON needs the CUDA toolkit headers (CUDAToolkit)")
endif()
message(STATUS "omearrow: OMEARROW_WITH_CUDA=${OMEARROW_WITH_CUDA}")

