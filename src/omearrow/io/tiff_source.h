// OME-TIFF and plain TIFF files as images, read lazily through libtiff.
#pragma once

#include <arrow/result.h>

#include <cstdint>
#include <memory>
#include <string>

#include "omearrow/image.h"

namespace omearrow {

// Options for OpenTiff.
struct TiffOptions {
  // Which image to open (0 = the first): the <Image> of a multi-image OME-XML, or the
  // series of a file with tifffile shaped descriptions. Other files hold one image.
  int64_t image_index = 0;
  // Bytes of decoded IFDs kept for reuse (by tiles of the same plane, or later views).
  int64_t decoded_plane_cache_bytes = int64_t{256} << 20;
  // Most libtiff handles (open file descriptors) used at once; planes decode in parallel
  // up to this many. Values < 1 mean 1.
  int max_open_handles = 4;
};

// Opens a TIFF file as an image. Reads only the header, the IFD directory (every IFD's
// tags are checked) and the OME-XML; pixels are decoded one IFD at a time when a view
// needs them, into a bounded cache shared by every view of the image.
//
// * OME-TIFF (the first IFD's ImageDescription holds an <OME> document): sizes,
//   DimensionOrder, physical sizes and channels come from the OME-XML of image
//   `options.image_index`; planes map to IFDs through its TiffData elements (IFD,
//   FirstZ/FirstT/FirstC, PlaneCount with the schema's defaults; without TiffData,
//   plane i in DimensionOrder is IFD i). Planes no TiffData names read as zeros. RGB
//   OME-TIFFs (SamplesPerPixel > 1) map the samples of an IFD to consecutive channels,
//   and pixels_meta.channels has one entry per C index (a Channel with SamplesPerPixel
//   n stands for n consecutive entries, each a copy of it).
// * ImageJ hyperstack (IFD 0's ImageDescription starts "ImageJ="; what Fiji and
//   tifffile's imagej=True write): channels/slices/frames give C, Z, T and the pages run
//   in ImageJ's order (TZC, channel fastest, unless `order=` says otherwise); RGB samples
//   are channels (see ImageJSeries). Physical sizes: X and Y from XResolution and
//   YResolution, Z from `spacing`, in the description's `unit` (none without a length
//   unit).
// * tifffile shaped series (JSON {"shape": [...]} ImageDescriptions, one per series):
//   `options.image_index` picks the series; its leading shape dimensions map to T, C, Z
//   by the description's "axes" (see ShapedSeries).
// * Plain TIFF without series information: one page is (T, C, Z, Y, X) =
//   (1, 1, 1, Y, X); several pages of the same size and sample type are Z planes (pages
//   after the first that differ end the stack and are ignored); a page with several
//   samples (RGB) maps its samples to C.
// A series that an ImageJ or shaped description sizes beyond the pages stored (tifffile
// truncate=True, ImageJ stacks saved with one IFD) is read as uncompressed data stored
// contiguously after its first page, laid out like it; when the file does not hold that
// (compressed or tiled first page, strips not back to back, the file too short, an IFD
// inside the data) it is an Invalid error, never a shorter image.
//
// pixels_meta.type is the file's sample type ("uint8", "int16", "float32", ...; not
// widened); dimension_order is the OME-XML's ("XYZCT" for plain TIFF); info.id is the
// file name without its last extension (Python's Path.stem, as the reference's
// from_tiff), info.name the OME Image Name or else the file name. No chunk_grid.
// Samples may be 8/16/32/64-bit unsigned or signed integers or 32/64-bit floats, either
// byte order, in strips or tiles, planar configuration contiguous or separate, with any
// compression the linked libtiff decodes and the predictors it undoes. The file is
// opened read-only.
//
// Every error (missing or unreadable file, not a TIFF, unsupported samples, truncated or
// corrupt data, OME-XML that contradicts the IFDs) is a Status whose message starts with
// `path`. Pages omearrow cannot decode are Invalid at open, naming the reason: the sample
// type, the compression by name ("JPEG 2000 (34712)"), a predictor libtiff cannot undo
// (DNG's floating-point X2/X4) or one on a codec without a predictor stage (PackBits,
// none: libtiff ignores it where tifffile applies it). libtiff's own warnings and errors
// never reach stderr.
arrow::Result<std::shared_ptr<const Image>> OpenTiff(const std::string& path,
                                                     const TiffOptions& options = {});

}  // namespace omearrow
