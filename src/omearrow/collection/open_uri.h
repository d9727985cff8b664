// Opening one image from a local path or a URI (object storage).
#pragma once

#include <string>

#include <arrow/result.h>

#include "omearrow/io/open.h"

namespace omearrow {

// Opens one image of `source`, reading only metadata: local paths and file:// URIs go to
// Open() (Parquet, dataset directories, TIFF); other URIs (s3://..., with options in the
// query) are Parquet files read through their Arrow filesystem with the read-ahead policy
// of location.h (footer and metadata leaves at open; pixels as views need them). Errors
// name the source; TIFF and dataset directories over URIs are not supported (an error).
arrow::Result<OpenedImage> OpenPathOrUri(const std::string& source,
                                         const OpenOptions& options = {});

}  // namespace omearrow
