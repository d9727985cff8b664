# The test install_consumer_example (cmake -P): installs the build BUILD_DIR into
# WORK_DIR/prefix, configures and builds SOURCE_DIR/examples/consumer against that prefix
# alone (find_package(omearrow CONFIG REQUIRED)) in WORK_DIR/consumer, and runs it on a
# sample OME-TIFF. Any failing step fails the test; the program's output is printed for
# the test's PASS_REGULAR_EXPRESSION.
# Inputs: BUILD_DIR, SOURCE_DIR, WORK_DIR, Python_EXECUTABLE, GENERATOR.
foreach(var BUILD_DIR SOURCE_DIR WORK_DIR Python_EXECUTABLE GENERATOR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "TestInstalledPackage.cmake: -D${var}= is required")
  endif()
endforeach()

function(run_step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${out}\n${err}")
  endif()
  message(STATUS "${what}: ok")
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
set(prefix "${WORK_DIR}/prefix")
run_step("cmake --install" "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${prefix}")
foreach(file include/omearrow/tensor_view.h include/omearrow/util/version.h
             lib/cmake/omearrow/omearrowConfig.cmake
             lib/cmake/omearrow/omearrowConfigVersion.cmake bin/omearrow)
  if(NOT EXISTS "${prefix}/${file}")
    message(FATAL_ERROR "cmake --install did not install ${file}")
  endif()
endforeach()

# The consumer sees only the installed prefix (and the system), never the source tree.
run_step("configure examples/consumer" "${CMAKE_COMMAND}" -S "${SOURCE_DIR}/examples/consumer"
         -B "${WORK_DIR}/consumer" -G "${GENERATOR}" -DCMAKE_BUILD_TYPE=Release
         "-DCMAKE_PREFIX_PATH=${prefix}" "-DPython_EXECUTABLE=${Python_EXECUTABLE}")
run_step("build examples/consumer" "${CMAKE_COMMAND}" --build "${WORK_DIR}/consumer")
run_step("run omearrow-consumer" "${WORK_DIR}/consumer/omearrow-consumer"
         "${SOURCE_DIR}/testdata/z-series.ome.tiff")
message("${step_output}")
# The installed CLI runs too (it finds libarrow in the pyarrow it was built against).
run_step("installed omearrow --version" "${prefix}/bin/omearrow" --version)
message("installed CLI: ${step_output}")
