# Finds Arrow C++ and Parquet inside an installed `pyarrow` wheel.
#
# The wheel ships headers (pyarrow.get_include()) and ABI-suffixed shared libraries
# (libarrow.so.NNNN, libparquet.so.NNNN, ...) but no CMake package config, so we ask the
# Python interpreter where they are and link the versioned files by full path.
#
# Input:   Python_EXECUTABLE (an interpreter that can `import pyarrow`).
# Output:  imported targets pyarrow::arrow, pyarrow::parquet, pyarrow::arrow_compute,
#          pyarrow::arrow_s3 (S3 filesystem; the wheel ships it as its own library);
#          variables PYARROW_VERSION, PYARROW_SO_VERSION, PYARROW_LIBRARY_DIR,
#          PYARROW_INCLUDE_DIR.
include(FindPackageHandleStandardArgs)

execute_process(
  COMMAND "${Python_EXECUTABLE}" -c
          "import pyarrow as pa; print(pa.__version__); print(pa.get_include()); print(pa.get_library_dirs()[0]); print(pa.cpp_build_info.so_version)"
  OUTPUT_VARIABLE _omearrow_pa_out
  ERROR_VARIABLE _omearrow_pa_err
  RESULT_VARIABLE _omearrow_pa_rc
  OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT _omearrow_pa_rc EQUAL 0)
  message(FATAL_ERROR "Cannot import pyarrow with ${Python_EXECUTABLE}: ${_omearrow_pa_err}\n"
                      "Run `make bootstrap` (or pip install the pyarrow version pyproject.toml pins) first.")
endif()
string(REPLACE "\n" ";" _omearrow_pa_out "${_omearrow_pa_out}")
list(GET _omearrow_pa_out 0 PYARROW_VERSION)
list(GET _omearrow_pa_out 1 PYARROW_INCLUDE_DIR)
list(GET _omearrow_pa_out 2 PYARROW_LIBRARY_DIR)
list(GET _omearrow_pa_out 3 PYARROW_SO_VERSION)

foreach(_lib arrow arrow_compute arrow_s3 parquet)
  # A build directory reused with another interpreter (pip's isolated build environments
  # live in temporary directories) must not keep the previous pyarrow's library.
  string(FIND "${PYARROW_${_lib}_LIBRARY}" "${PYARROW_LIBRARY_DIR}/" _omearrow_at)
  if(NOT _omearrow_at EQUAL 0)
    unset(PYARROW_${_lib}_LIBRARY CACHE)
  endif()
  find_library(PYARROW_${_lib}_LIBRARY
               NAMES lib${_lib}.so.${PYARROW_SO_VERSION}
               PATHS "${PYARROW_LIBRARY_DIR}" NO_DEFAULT_PATH)
  if(PYARROW_${_lib}_LIBRARY AND NOT TARGET pyarrow::${_lib})
    add_library(pyarrow::${_lib} SHARED IMPORTED)
    set_target_properties(pyarrow::${_lib} PROPERTIES
      IMPORTED_LOCATION "${PYARROW_${_lib}_LIBRARY}"
      IMPORTED_NO_SONAME FALSE
      INTERFACE_INCLUDE_DIRECTORIES "${PYARROW_INCLUDE_DIR}")
  endif()
endforeach()

find_package_handle_standard_args(ArrowFromPyarrow
  REQUIRED_VARS PYARROW_arrow_LIBRARY PYARROW_parquet_LIBRARY PYARROW_arrow_compute_LIBRARY
                PYARROW_arrow_s3_LIBRARY
                PYARROW_INCLUDE_DIR
  VERSION_VAR PYARROW_VERSION)
