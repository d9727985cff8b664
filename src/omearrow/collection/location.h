// Where a collection's files live: local paths, or paths inside an Arrow filesystem
// named by a URI (s3://, gs://, file://, ...), and how their bytes are read.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <arrow/filesystem/filesystem.h>
#include <arrow/io/interfaces.h>
#include <arrow/result.h>

#include "omearrow/io/parquet_source.h"

namespace omearrow {

// True when `text` starts with "scheme://" (a letter, then letters, digits, '+', '-',
// '.'), the form FileSystemFromUri understands.
bool IsUri(std::string_view text);

// One place: a local path (fs == nullptr) or a path inside a filesystem.
struct Location {
  std::shared_ptr<arrow::fs::FileSystem> fs;  // nullptr: the local file system
  std::string path;    // local path, or the filesystem's path ("bucket/key" for S3)
  std::string prefix;  // the URI before the path ("s3://"); "" for local paths
  std::string query;   // the URI's query ("endpoint_override=..."), without '?'

  bool local() const { return fs == nullptr; }
  // What users see and may pass back to Open: the local path, or the URI of `path`
  // (prefix + path, and the query when the source had one).
  std::string Display(const std::string& other_path) const;
  std::string Display() const { return Display(path); }
};

// Resolves `source`: a local path (returned as is), a file:// URI (as its local path), or
// any other URI through arrow::fs::FileSystemFromUri with options in the query. S3
// (s3://bucket/key?...) takes Arrow's options (endpoint_override, scheme, region, ...) and
// also anonymous=true|false, request_timeout=S and connect_timeout=S (seconds);
// credentials come from the standard AWS environment variables and profiles unless
// anonymous. Errors name the source.
arrow::Result<Location> ResolveLocation(const std::string& source);

// Read-ahead policy for remote files: a read of n bytes at p fetches
// [p, p + max(n, kRemoteReadAheadBytes)) in one request (clipped to the file, and not into
// a kept window after p), and the last kRemoteReadAheadWindows windows are kept, so page
// headers and the pages after them come from one request; a read that starts inside a
// kept window fetches only the rest.
inline constexpr int64_t kRemoteReadAheadBytes = 64 * 1024;
inline constexpr int kRemoteReadAheadWindows = 4;

// Wraps a remote file with the read-ahead policy above (thread-safe ReadAt).
std::shared_ptr<arrow::io::RandomAccessFile> MakeReadAheadFile(
    std::shared_ptr<arrow::io::RandomAccessFile> inner);

// A FileOpener for OpenParquet over `location`'s filesystem, with read-ahead: it takes the
// URIs Location::Display gives (so OpenParquet's errors name the URI) or plain paths of
// the filesystem. nullptr for local locations (OpenParquet's own default, which keeps
// its metadata cache).
FileOpener MakeFileOpener(const Location& location);

// The filesystem path of a URI `location.Display(path)` gave (or `text` as is).
std::string FileSystemPath(const Location& location, const std::string& text);

// Opens a location for reading (local: arrow::io::ReadableFile; remote: with read-ahead;
// a known `size` (>= 0) spares the remote request that would ask for it).
arrow::Result<std::shared_ptr<arrow::io::RandomAccessFile>> OpenLocation(
    const Location& location, const std::string& path, int64_t size = -1);

// Finalizes Arrow's S3 client library if it was initialized (safe to call more than once
// and when S3 was never used). Programs that used S3 call it before exiting.
void FinalizeObjectStorage();

}  // namespace omearrow
