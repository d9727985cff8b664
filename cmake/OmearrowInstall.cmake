# What `cmake --install` installs.
#
# A wheel build (scikit-build-core sets SKBUILD): only the Python package's files, the
# extension (python/CMakeLists.txt) and the `omearrow` CLI as omearrow/_bin/omearrow, which
# the console script runs (python/omearrow/_cli.py); both find libarrow in the installed
# pyarrow next to the package. The caption font of montages (DejaVu Sans, from Debian's
# fonts-dejavu-core, with its license) goes to omearrow/fonts when the build machine has
# it, so captions work where the wheel's machine has no fonts; the package passes it to
# the core unless OMEARROW_FONT is set.
#
# Otherwise the C++ package: headers under include/omearrow, the static library, the CLI in
# bin/, and lib/cmake/omearrow/ with omearrowConfig.cmake, its version file, the exported
# target omearrow::omearrow and FindArrowFromPyarrow.cmake (Arrow comes from the same
# pyarrow wheel as at build time; the config checks that its libarrow ABI matches).
if(SKBUILD)
  set_target_properties(omearrow_cli PROPERTIES INSTALL_RPATH "$ORIGIN/../../pyarrow")
  install(TARGETS omearrow_cli RUNTIME DESTINATION omearrow/_bin)
  find_file(OMEARROW_CAPTION_FONT DejaVuSans.ttf
            PATHS /usr/share/fonts/truetype/dejavu /usr/share/fonts/dejavu-sans-fonts
                  /usr/share/fonts/dejavu /usr/share/fonts/TTF NO_DEFAULT_PATH)
  if(OMEARROW_CAPTION_FONT)
    install(FILES "${OMEARROW_CAPTION_FONT}" DESTINATION omearrow/fonts)
    if(EXISTS /usr/share/doc/fonts-dejavu-core/copyright)
      install(FILES /usr/share/doc/fonts-dejavu-core/copyright DESTINATION omearrow/fonts
              RENAME DejaVuSans-LICENSE.txt)
    endif()
  else()
    message(WARNING "omearrow: DejaVuSans.ttf not found (Debian package fonts-dejavu-core); "
                    "the wheel carries no caption font and montage captions use the "
                    "system's fonts or OMEARROW_FONT")
  endif()
  return()
endif()

include(GNUInstallDirs)
include(CMakePackageConfigHelpers)
set(OMEARROW_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/omearrow")

install(TARGETS omearrow EXPORT omearrowTargets
        ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}"
        LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}")
install(DIRECTORY "${PROJECT_SOURCE_DIR}/src/omearrow/"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/omearrow"
        FILES_MATCHING PATTERN "*.h"
        PATTERN "testing" EXCLUDE)
install(FILES "${PROJECT_BINARY_DIR}/generated/omearrow/util/version.h"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/omearrow/util")
# The installed CLI finds libarrow in the pyarrow it was built against.
set_target_properties(omearrow_cli PROPERTIES INSTALL_RPATH "${PYARROW_LIBRARY_DIR}")
install(TARGETS omearrow_cli RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")

install(EXPORT omearrowTargets NAMESPACE omearrow::
        DESTINATION "${OMEARROW_INSTALL_CMAKEDIR}")
configure_package_config_file(
  "${PROJECT_SOURCE_DIR}/cmake/omearrowConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/omearrowConfig.cmake"
  INSTALL_DESTINATION "${OMEARROW_INSTALL_CMAKEDIR}")
# 0.x: a minor release may break the API, so only the same MAJOR.MINOR is compatible.
write_basic_package_version_file("${PROJECT_BINARY_DIR}/omearrowConfigVersion.cmake"
                                 COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_BINARY_DIR}/omearrowConfig.cmake"
              "${PROJECT_BINARY_DIR}/omearrowConfigVersion.cmake"
              "${PROJECT_SOURCE_DIR}/cmake/FindArrowFromPyarrow.cmake"
        DESTINATION "${OMEARROW_INSTALL_CMAKEDIR}")

if(OMEARROW_BUILD_TESTS AND NOT OMEARROW_SANITIZE)
  # Installs this build into a scratch prefix, then configures, builds and runs the
  # out-of-tree example examples/consumer against it (cmake/TestInstalledPackage.cmake).
  # Not in sanitizer builds: the consumer would need their runtime flags.
  add_test(NAME install_consumer_example
           COMMAND "${CMAKE_COMMAND}"
                   "-DBUILD_DIR=${PROJECT_BINARY_DIR}"
                   "-DSOURCE_DIR=${PROJECT_SOURCE_DIR}"
                   "-DWORK_DIR=${PROJECT_BINARY_DIR}/install-test"
                   "-DPython_EXECUTABLE=${Python_EXECUTABLE}"
                   "-DGENERATOR=${CMAKE_GENERATOR}"
                   -P "${PROJECT_SOURCE_DIR}/cmake/TestInstalledPackage.cmake")
  set_tests_properties(install_consumer_example PROPERTIES
    PASS_REGULAR_EXPRESSION
    "omearrow-consumer: omearrow ${PROJECT_VERSION}, shape \\[1, 1, 5, 167, 439\\] [a-z0-9]+, crop \\[8, 16\\] float32.*installed CLI: omearrow ${PROJECT_VERSION}"
    TIMEOUT 900)
endif()

if(OMEARROW_BUILD_TESTS)
  # `pip install .` on a machine without the native -dev packages: configuring stops with
  # a message naming each missing library and its Debian package (OmearrowNativeDeps.cmake).
  # CMAKE_DISABLE_FIND_PACKAGE_<name> makes find_package miss them here.
  add_test(NAME native_deps_message
           COMMAND "${CMAKE_COMMAND}" -S "${PROJECT_SOURCE_DIR}"
                   -B "${PROJECT_BINARY_DIR}/native-deps-test" -G "${CMAKE_GENERATOR}"
                   "-DPython_EXECUTABLE=${Python_EXECUTABLE}"
                   -DOMEARROW_BUILD_TESTS=OFF -DOMEARROW_BUILD_BENCHMARKS=OFF
                   -DCMAKE_DISABLE_FIND_PACKAGE_TIFF=ON
                   -DCMAKE_DISABLE_FIND_PACKAGE_pugixml=ON)
  set_tests_properties(native_deps_message PROPERTIES PASS_REGULAR_EXPRESSION
    "native libraries not found:[ \n]*libtiff \\(Debian package libtiff-dev\\)[ \n]*pugixml \\(Debian package libpugixml-dev\\)[ \n]*On Debian/Ubuntu: sudo apt-get install")
endif()
