// Fuzzes the TIFF / OME-TIFF reader: the input is written to a per-process temp file,
// opened with OpenTiff, viewed with a selection from its last bytes, and materialized.
#include <cstdio>

#include "fuzz_util.h"
#include "omearrow/io/tiff_source.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  omearrow::fuzz::InitProcess();
  const std::string path = omearrow::fuzz::WriteTempFile(data, size, ".tif");
  {
    omearrow::TiffOptions options;
    options.max_open_handles = 1;
    auto image = omearrow::OpenTiff(path, options);
    if (image.ok()) omearrow::fuzz::ViewAndMaterialize(*image, data, size);
  }
  std::remove(path.c_str());
  return 0;
}
