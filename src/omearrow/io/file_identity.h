// Identities of files for process-wide caches: a cache entry made from a file is only
// reused while the file is the same file with the same contents as far as the operating
// system can tell.
#pragma once

#include <string>

namespace omearrow::internal {

// The absolute path, device, inode, size, and modification and status-change times (in
// nanoseconds) of the local file `path`, as one string; "" when it cannot be stat()ed.
// A rewrite in place changes the size or the times; a replacement changes the inode.
std::string FileIdentity(const std::string& path);

// A key that no other call returns: for files read through an injected opener, whose
// identity cannot be stated, so their cache entries are never shared.
std::string UniqueCacheKey();

}  // namespace omearrow::internal
