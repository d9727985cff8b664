// Which pages of a TIFF file form an image, and which (t, c, z) plane each page holds:
// the series ImageJ hyperstacks and tifffile's shaped descriptions record, and the
// "leading run of pages like the first is Z" rule for files that record none. Pure
// bookkeeping over page shapes and descriptions (no libtiff), used by tiff_source.
#pragma once

#include <arrow/result.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "omearrow/io/imagej_description.h"
#include "omearrow/tensor/dtype.h"

namespace omearrow {

// What series detection compares of one page (IFD).
struct TiffPageShape {
  int64_t width = 0, height = 0, samples = 1;
  bool planar_separate = false;  // samples stored as separate planes (PlanarConfig 2)
  std::optional<DType> dtype;    // nullopt: samples omearrow cannot read
};

// One image of a TIFF file: pages first_page, first_page + 1, ... whose page number
// runs over `page_axes` (letters T, C, Z, each at most once, outermost first) with
// `page_axis_sizes`; the `samples` of each page are consecutive channels (channel c is
// page channel c / samples, sample c % samples).
struct TiffSeries {
  int64_t first_page = 0;
  std::string page_axes;
  std::vector<int64_t> page_axis_sizes;
  int64_t samples = 1;
  int64_t size_t = 1, size_c = 1, size_z = 1;  // size_c counts samples
  // Pages the file stores as IFDs for the series; fewer than num_pages() when the
  // writer stored the rest as contiguous data after the first page (tifffile
  // truncate=True, ImageJ stacks with one IFD; tiff_source reads those bytes).
  int64_t stored_pages = 1;
  // What recorded the series, for messages: "ImageJ description", "shaped description"
  // or "page shapes".
  std::string recorded_by;

  // Pages the series spans: the product of page_axis_sizes.
  int64_t num_pages() const;

  // The page (relative to first_page) and sample of plane (t, c, z); the indices must be
  // in range.
  struct Location {
    int64_t page = 0, sample = 0;
  };
  Location Locate(int64_t t, int64_t c, int64_t z) const;
};

// A series over `page_axes`/`sizes` (outermost first) with `samples` per page. Invalid
// when a letter is not T, C or Z or repeats, a size is < 1, or a size overflows int64.
arrow::Result<TiffSeries> MakeTiffSeries(int64_t first_page, const std::string& page_axes,
                                         const std::vector<int64_t>& sizes,
                                         int64_t samples);

// The series of a file without series information: the leading run of pages with the
// shape of page 0 are Z planes, its samples are channels.
TiffSeries LeadingRunSeries(const std::vector<TiffPageShape>& pages);

// The one series of an ImageJ hyperstack, following tifffile's reading of ImageJ files:
// pages in the description's order (TZC by default); RGB or separate samples are
// channels when channels=1 or channels equals the samples per pixel, else each channel
// page carries its samples (C = channels x samples); a description with no sizes over
// several pages is a Z stack. Invalid when the sizes cannot describe the pages.
arrow::Result<TiffSeries> ImageJSeries(const ImageJDescription& description,
                                       const std::vector<TiffPageShape>& pages);

// The series of a file written by tifffile with shaped descriptions: each series starts
// at a page whose ImageDescription is JSON with a "shape" (`descriptions[i]`: page i's
// description when it is one, else nullopt), spanning product(shape) / page size pages
// ("truncated": true: one stored page). Leading shape dimensions map to T, C, Z by the
// description's "axes" when given (a single other letter, or a single dimension without
// axes, is Z; several dimensions without axes are one Z axis over all pages).
// Returns an empty vector when the file is not (wholly) described this way: page 0 or a
// page where a series would start has no shaped description, or a shape is not a whole
// number of pages (tifffile then also ignores the descriptions). Invalid, naming the
// page, for descriptions that are not a JSON object with a list of sizes.
arrow::Result<std::vector<TiffSeries>> ShapedSeries(
    const std::vector<std::optional<std::string>>& descriptions,
    const std::vector<TiffPageShape>& pages);

// True when `description` is a tifffile shaped description (JSON starting with '{'
// holding "shape":, or the old "shape=(...)" form), as tifffile decides.
bool IsShapedDescription(const std::string& description);

}  // namespace omearrow
