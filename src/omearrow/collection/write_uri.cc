#include "omearrow/collection/write_uri.h"

#include <unistd.h>

#include <atomic>
#include <filesystem>

#include <arrow/buffer.h>
#include <arrow/io/file.h>

#include "omearrow/collection/location.h"
#include "omearrow/util/view_limits.h"

namespace omearrow {

using arrow::Status;

namespace {

constexpr int64_t kUploadPieceBytes = 8 << 20;

// Copies the local file `from` into `out` (closed at the end; aborted on error).
Status Upload(const std::string& from, arrow::io::OutputStream& out) {
  auto copy = [&]() -> Status {
    ARROW_ASSIGN_OR_RAISE(auto in, arrow::io::ReadableFile::Open(from, ReaderMemoryPool()));
    while (true) {
      ARROW_ASSIGN_OR_RAISE(auto piece, in->Read(kUploadPieceBytes));
      if (piece->size() == 0) break;
      ARROW_RETURN_NOT_OK(out.Write(piece));
    }
    return out.Close();
  };
  Status status = copy();
  if (!status.ok()) (void)out.Abort();
  return status;
}

}  // namespace

Status WriteParquetToPathOrUri(const std::vector<std::shared_ptr<const Image>>& images,
                               const std::string& target, const ParquetWriteOptions& options) {
  ARROW_ASSIGN_OR_RAISE(Location location, ResolveLocation(target));
  if (location.local()) return WriteParquet(images, location.path, options);
  static std::atomic<uint64_t> counter{0};
  const std::string temporary =
      (std::filesystem::temp_directory_path() /
       ("omearrow-upload-" + std::to_string(::getpid()) + "-" +
        std::to_string(counter.fetch_add(1)) + ".parquet"))
          .string();
  Status written = WriteParquet(images, temporary, options);
  if (!written.ok()) {
    // WriteParquet's messages name the temporary file; name the target instead.
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    return written.WithMessage(target, ": ", written.message());
  }
  Status uploaded = [&]() -> Status {
    ARROW_ASSIGN_OR_RAISE(auto out, location.fs->OpenOutputStream(location.path));
    return Upload(temporary, *out);
  }();
  std::error_code ignored;
  std::filesystem::remove(temporary, ignored);
  if (!uploaded.ok()) return Status::IOError(target, ": cannot write: ", uploaded.message());
  return Status::OK();
}

arrow::Result<bool> PathOrUriExists(const std::string& target) {
  ARROW_ASSIGN_OR_RAISE(Location location, ResolveLocation(target));
  if (location.local()) {
    std::error_code error;
    const bool exists = std::filesystem::is_regular_file(location.path, error);
    return exists && !error;
  }
  auto info = location.fs->GetFileInfo(location.path);
  if (!info.ok()) return Status::IOError(target, ": ", info.status().message());
  return info->type() == arrow::fs::FileType::File;
}

}  // namespace omearrow
