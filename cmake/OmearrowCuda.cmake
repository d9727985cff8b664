# CUDA export (device="cuda"). The core never links libcudart: src/omearrow/cuda_runtime.cc
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

target_link_libraries(omearrow PRIVATE ${CMAKE_DL_LIBS})
if(OMEARROW_WITH_CUDA)
  target_compile_definitions(omearrow PRIVATE OMEARROW_WITH_CUDA=1)
  add_library(omearrow_cuda_abi_check OBJECT src/omearrow/cuda_abi_check.cc)
  target_include_directories(omearrow_cuda_abi_check PRIVATE
    "${CMAKE_CURRENT_SOURCE_DIR}/src" ${CUDAToolkit_INCLUDE_DIRS})
  target_link_libraries(omearrow_cuda_abi_check PRIVATE pyarrow::arrow)
  add_dependencies(omearrow omearrow_cuda_abi_check)
endif()

if(OMEARROW_BUILD_TESTS)
  # A stand-in libcudart (host memory, one device, asynchronous streams on threads) so
  # the whole CUDA path runs in CI without a GPU.
  add_library(omearrow_fake_cudart SHARED src/omearrow/testing/fake_cudart.cc)
  target_link_libraries(omearrow_fake_cudart PRIVATE Threads::Threads)
  foreach(test_name pinned_pool_test cuda_runtime_test cuda_fake_test cuda_test)
    add_executable(${test_name} src/omearrow/${test_name}.cc)
    target_link_libraries(${test_name} PRIVATE omearrow_testing GTest::gtest_main
                          ${CMAKE_DL_LIBS})
    add_test(NAME ${test_name} COMMAND ${test_name})
    target_compile_definitions(${test_name} PRIVATE
      FAKE_CUDART_PATH="$<TARGET_FILE:omearrow_fake_cudart>")
  endforeach()
  add_dependencies(cuda_fake_test omearrow_fake_cudart)
  add_dependencies(cuda_runtime_test omearrow_fake_cudart)
  set_tests_properties(pinned_pool_test cuda_runtime_test PROPERTIES
    ENVIRONMENT "ARROW_DEFAULT_MEMORY_POOL=system")
  set_tests_properties(cuda_fake_test PROPERTIES ENVIRONMENT
    "ARROW_DEFAULT_MEMORY_POOL=system;OMEARROW_CUDART=$<TARGET_FILE:omearrow_fake_cudart>")
  # GPU-only: skipped (reported as "Not Run", not as passed) without a CUDA device.
  set_tests_properties(cuda_test PROPERTIES ENVIRONMENT "ARROW_DEFAULT_MEMORY_POOL=system"
    SKIP_REGULAR_EXPRESSION "\\[  SKIPPED \\]")
endif()
