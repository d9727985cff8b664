#include "omearrow/collection/location.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>

#include <arrow/buffer.h>
#include <arrow/filesystem/s3fs.h>
#include <arrow/io/file.h>
#include <arrow/status.h>
#include <arrow/util/uri.h>

#include "omearrow/util/text.h"
#include "omearrow/util/view_limits.h"

namespace omearrow {

using arrow::Status;

bool IsUri(std::string_view text) {
  const size_t colon = text.find("://");
  if (colon == std::string_view::npos || colon == 0) return false;
  if (!std::isalpha(static_cast<unsigned char>(text[0]))) return false;
  for (size_t i = 1; i < colon; ++i) {
    const char ch = text[i];
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '+' && ch != '-' && ch != '.') {
      return false;
    }
  }
  return true;
}

std::string Location::Display(const std::string& other_path) const {
  if (local()) return other_path;
  std::string out = prefix + other_path;
  if (!query.empty()) out += "?" + query;
  return out;
}

namespace {

bool ParseBool(const std::string& value, bool* out) {
  const std::string lower = internal::TrimLower(value);
  if (lower == "true" || lower == "1" || lower == "yes") {
    *out = true;
  } else if (lower == "false" || lower == "0" || lower == "no") {
    *out = false;
  } else {
    return false;
  }
  return true;
}

// S3 through S3Options::FromUri, plus the query options it does not know: anonymous
// (no credentials: public buckets), request_timeout and connect_timeout (seconds).
arrow::Result<std::shared_ptr<arrow::fs::FileSystem>> MakeS3FileSystem(
    const arrow::util::Uri& uri, const std::string& source, std::string* path) {
  {
    // FileSystemFromUri does this itself; S3Options and S3FileSystem need it done first.
    // Serialized as Arrow asks (several threads may open collections at once).
    static std::mutex init_mutex;
    std::lock_guard<std::mutex> lock(init_mutex);
    ARROW_RETURN_NOT_OK(arrow::fs::EnsureS3Initialized());
  }
  ARROW_ASSIGN_OR_RAISE(auto items, uri.query_items());
  std::string passed;
  bool anonymous = false;
  double request_timeout = -1, connect_timeout = -1;
  for (const auto& [key, value] : items) {
    if (key == "anonymous") {
      if (!ParseBool(value, &anonymous)) {
        return Status::Invalid("anonymous must be true or false, not '", value, "'");
      }
    } else if (key == "request_timeout" || key == "connect_timeout") {
      char* end = nullptr;
      const double seconds = std::strtod(value.c_str(), &end);
      if (value.empty() || end != value.c_str() + value.size() || !(seconds > 0)) {
        return Status::Invalid(key, " must be a positive number of seconds, not '", value,
                               "'");
      }
      (key == "request_timeout" ? request_timeout : connect_timeout) = seconds;
    } else {
      passed += (passed.empty() ? "" : "&") + key + "=" + value;
    }
  }
  std::string base = source.substr(0, source.find('?'));
  if (!passed.empty()) base += "?" + passed;
  ARROW_ASSIGN_OR_RAISE(auto options, arrow::fs::S3Options::FromUri(base, path));
  if (anonymous) options.ConfigureAnonymousCredentials();
  if (request_timeout > 0) options.request_timeout = request_timeout;
  if (connect_timeout > 0) options.connect_timeout = connect_timeout;
  ARROW_ASSIGN_OR_RAISE(auto fs, arrow::fs::S3FileSystem::Make(options));
  return std::static_pointer_cast<arrow::fs::FileSystem>(fs);
}

}  // namespace

arrow::Result<Location> ResolveLocation(const std::string& source) {
  Location location;
  if (!IsUri(source)) {
    location.path = source;
    return location;
  }
  arrow::util::Uri uri;
  {
    const Status st = uri.Parse(source);
    if (!st.ok()) return Status::Invalid(source, ": not a valid URI: ", st.message());
  }
  const std::string scheme = uri.scheme();
  if (scheme == "file") {
    location.path = uri.path();
    if (location.path.empty()) return Status::Invalid(source, ": a file:// URI without a path");
    return location;
  }
  std::string path;
  auto fs = scheme == "s3" ? MakeS3FileSystem(uri, source, &path)
                           : arrow::fs::FileSystemFromUri(source, &path);
  if (!fs.ok()) {
    return Status::IOError(source, ": cannot open the filesystem of this URI: ",
                           fs.status().message());
  }
  location.fs = *fs;
  location.path = path;
  location.prefix = scheme + "://";
  location.query = uri.query_string();
  return location;
}

namespace {

// A remote file read through kept windows (see kRemoteReadAheadBytes).
class ReadAheadFile final : public arrow::io::RandomAccessFile {
 public:
  explicit ReadAheadFile(std::shared_ptr<arrow::io::RandomAccessFile> inner)
      : inner_(std::move(inner)) {}

  Status Close() override { return inner_->Close(); }
  bool closed() const override { return inner_->closed(); }
  arrow::Result<int64_t> Tell() const override {
    std::lock_guard<std::mutex> lock(mutex_);
    return position_;
  }
  Status Seek(int64_t position) override {
    if (position < 0) return Status::Invalid("negative seek position");
    std::lock_guard<std::mutex> lock(mutex_);
    position_ = position;
    return Status::OK();
  }
  arrow::Result<int64_t> GetSize() override { return Size(); }

  arrow::Result<int64_t> Read(int64_t n, void* out) override {
    int64_t position;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      position = position_;
    }
    ARROW_ASSIGN_OR_RAISE(int64_t got, ReadAt(position, n, out));
    std::lock_guard<std::mutex> lock(mutex_);
    position_ = position + got;
    return got;
  }
  arrow::Result<std::shared_ptr<arrow::Buffer>> Read(int64_t n) override {
    int64_t position;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      position = position_;
    }
    ARROW_ASSIGN_OR_RAISE(auto buffer, ReadAt(position, n));
    std::lock_guard<std::mutex> lock(mutex_);
    position_ = position + buffer->size();
    return buffer;
  }

  arrow::Result<int64_t> ReadAt(int64_t position, int64_t n, void* out) override {
    ARROW_ASSIGN_OR_RAISE(auto buffer, ReadAt(position, n));
    std::memcpy(out, buffer->data(), static_cast<size_t>(buffer->size()));
    return buffer->size();
  }

  arrow::Result<std::shared_ptr<arrow::Buffer>> ReadAt(int64_t position, int64_t n) override {
    if (position < 0 || n < 0) return Status::Invalid("negative read position or length");
    ARROW_ASSIGN_OR_RAISE(const int64_t size, Size());
    if (position >= size || n == 0) return std::make_shared<arrow::Buffer>(nullptr, 0);
    const int64_t end = position + std::min(n, size - position);
    std::shared_ptr<arrow::Buffer> head;  // a kept window holding [position, ...)
    int64_t head_start = 0;
    int64_t next_window = size;  // where the first kept window after `position` starts
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (const auto& [start, buffer] : windows_) {
        const int64_t stop = start + buffer->size();
        if (start <= position && position < stop) {
          if (end <= stop) return arrow::SliceBuffer(buffer, position - start, end - position);
          head = buffer;
          head_start = start;
        } else if (start > position) {
          next_window = std::min(next_window, start);
        }
      }
    }
    // Fetch what no window holds, with read-ahead (never into a kept window), in one
    // request.
    const int64_t fetch_start = head ? head_start + head->size() : position;
    const int64_t fetch_stop = std::max(
        end, std::min({size, fetch_start + kRemoteReadAheadBytes, next_window}));
    ARROW_ASSIGN_OR_RAISE(auto fetched, inner_->ReadAt(fetch_start, fetch_stop - fetch_start));
    if (fetched->size() != fetch_stop - fetch_start) {
      return Status::IOError("short read: ", fetched->size(), " of ", fetch_stop - fetch_start,
                             " bytes at offset ", fetch_start);
    }
    Keep(fetch_start, fetched);
    if (!head) return arrow::SliceBuffer(fetched, 0, end - position);
    // Stitch the kept head and the fetched rest.
    const int64_t from_head = head_start + head->size() - position;
    ARROW_ASSIGN_OR_RAISE(auto out,
                          arrow::AllocateBuffer(end - position, ReaderMemoryPool()));
    std::memcpy(out->mutable_data(), head->data() + (position - head_start),
                static_cast<size_t>(from_head));
    std::memcpy(out->mutable_data() + from_head, fetched->data(),
                static_cast<size_t>(end - position - from_head));
    return std::shared_ptr<arrow::Buffer>(std::move(out));
  }

 private:
  arrow::Result<int64_t> Size() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (size_ < 0) {
      ARROW_ASSIGN_OR_RAISE(size_, inner_->GetSize());
    }
    return size_;
  }
  void Keep(int64_t start, std::shared_ptr<arrow::Buffer> buffer) {
    std::lock_guard<std::mutex> lock(mutex_);
    windows_.emplace_front(start, std::move(buffer));
    while (static_cast<int>(windows_.size()) > kRemoteReadAheadWindows) windows_.pop_back();
  }

  std::shared_ptr<arrow::io::RandomAccessFile> inner_;
  mutable std::mutex mutex_;
  int64_t position_ = 0;
  int64_t size_ = -1;
  std::deque<std::pair<int64_t, std::shared_ptr<arrow::Buffer>>> windows_;
};

}  // namespace

std::shared_ptr<arrow::io::RandomAccessFile> MakeReadAheadFile(
    std::shared_ptr<arrow::io::RandomAccessFile> inner) {
  return std::make_shared<ReadAheadFile>(std::move(inner));
}

std::string FileSystemPath(const Location& location, const std::string& text) {
  if (location.local() || text.rfind(location.prefix, 0) != 0) return text;
  std::string path = text.substr(location.prefix.size());
  const std::string suffix = location.query.empty() ? "" : "?" + location.query;
  if (!suffix.empty() && path.size() >= suffix.size() &&
      path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0) {
    path.resize(path.size() - suffix.size());
  }
  return path;
}

FileOpener MakeFileOpener(const Location& location) {
  if (location.local()) return nullptr;
  return [location](const std::string& text)
             -> arrow::Result<std::shared_ptr<arrow::io::RandomAccessFile>> {
    ARROW_ASSIGN_OR_RAISE(auto file, location.fs->OpenInputFile(FileSystemPath(location, text)));
    return MakeReadAheadFile(std::move(file));
  };
}

arrow::Result<std::shared_ptr<arrow::io::RandomAccessFile>> OpenLocation(
    const Location& location, const std::string& path, int64_t size) {
  if (location.local()) {
    auto opened = arrow::io::ReadableFile::Open(path, ReaderMemoryPool());
    if (!opened.ok()) return Status::IOError(path, ": ", opened.status().message());
    return std::shared_ptr<arrow::io::RandomAccessFile>(*opened);
  }
  arrow::fs::FileInfo info(path, arrow::fs::FileType::File);
  if (size >= 0) info.set_size(size);
  auto opened = size >= 0 ? location.fs->OpenInputFile(info) : location.fs->OpenInputFile(path);
  if (!opened.ok()) {
    return Status::IOError(location.Display(path), ": ", opened.status().message());
  }
  return MakeReadAheadFile(*opened);
}

void FinalizeObjectStorage() {
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  (void)arrow::fs::EnsureS3Finalized();
}

}  // namespace omearrow
