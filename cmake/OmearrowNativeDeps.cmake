# The native libraries omearrow builds against besides Arrow (which comes from the pyarrow
# wheel, FindArrowFromPyarrow.cmake): libtiff, pugixml, libpng, FreeType (montage captions,
# util/text_raster.h), nlohmann_json and CLI11 (header-only).
# Finds them all, then stops with one message that names each missing library and the
# Debian package that provides it, so that `pip install .` on a bare machine says what to
# install instead of a CMake trace.
#
# Output: targets TIFF::TIFF, pugixml::pugixml, PNG::PNG, Freetype::Freetype,
#         nlohmann_json::nlohmann_json;
#         the variable CLI11_INCLUDE_DIR.
find_package(TIFF QUIET)
find_package(pugixml QUIET)
find_package(PNG QUIET)
find_package(Freetype QUIET)
find_package(nlohmann_json 3.10 QUIET)
find_path(CLI11_INCLUDE_DIR CLI/CLI.hpp)

set(_omearrow_missing "")
if(NOT TIFF_FOUND)
  list(APPEND _omearrow_missing "libtiff (Debian package libtiff-dev)")
endif()
if(NOT pugixml_FOUND)
  list(APPEND _omearrow_missing "pugixml (Debian package libpugixml-dev)")
endif()
if(NOT PNG_FOUND)
  list(APPEND _omearrow_missing "libpng (Debian package libpng-dev)")
endif()
if(NOT FREETYPE_FOUND)
  list(APPEND _omearrow_missing "FreeType (Debian package libfreetype-dev)")
endif()
if(NOT nlohmann_json_FOUND)
  list(APPEND _omearrow_missing "nlohmann_json >= 3.10 (Debian package nlohmann-json3-dev)")
endif()
if(NOT CLI11_INCLUDE_DIR)
  list(APPEND _omearrow_missing "CLI11 (Debian package libcli11-dev)")
endif()
if(_omearrow_missing)
  list(JOIN _omearrow_missing "\n  " _omearrow_missing_text)
  message(FATAL_ERROR
    "omearrow: native libraries not found:\n  ${_omearrow_missing_text}\n"
    "On Debian/Ubuntu: sudo apt-get install libtiff-dev libpugixml-dev libpng-dev "
    "libfreetype-dev nlohmann-json3-dev libcli11-dev (scripts/bootstrap.sh installs everything a build "
    "and its tests need), "
    "or point CMAKE_PREFIX_PATH at where they are installed. A binary wheel "
    "of omearrow needs none of them.")
endif()
