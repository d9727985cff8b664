// Whether a source string names one image file or a collection of them.
#pragma once

#include <string>

#include <arrow/result.h>

namespace omearrow {

// True when `source` names a collection (OpenCollection) rather than one image file
// (Open / OpenPathOrUri): a local directory that is not a typed-chunk dataset directory,
// a glob (`*`, `?`, `[`) that names no existing file, or a URI that is not a file (a
// prefix or a glob). Errors name the source (a URI that cannot be resolved, a store that
// cannot be reached). A path that does not exist is not a collection (Open reports it).
arrow::Result<bool> IsCollectionSource(const std::string& source);

}  // namespace omearrow
