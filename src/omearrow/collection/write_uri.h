// Writing OME-Arrow Parquet files to a local path or a URI (object storage).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <arrow/result.h>
#include <arrow/status.h>

#include "omearrow/image.h"
#include "omearrow/io/record_writer.h"

namespace omearrow {

// WriteParquet to `target`: a local path or file:// URI (written in place as WriteParquet
// does: a temporary name renamed into place), or another URI (s3://bucket/key?options, as
// ResolveLocation takes), written to a local temporary file first and then uploaded
// through the URI's Arrow filesystem in one output stream (S3: a multipart upload that
// becomes visible only when complete; aborted on error). Errors name the target.
arrow::Status WriteParquetToPathOrUri(const std::vector<std::shared_ptr<const Image>>& images,
                                      const std::string& target,
                                      const ParquetWriteOptions& options = {});

// Whether `target` (a local path or a URI) names an existing file. Errors name it (an
// unreachable store, a URI that cannot be resolved).
arrow::Result<bool> PathOrUriExists(const std::string& target);

}  // namespace omearrow
