#include "omearrow/collection/source_kind.h"

#include <filesystem>

#include <arrow/status.h>

#include "omearrow/collection/location.h"

namespace omearrow {

using arrow::Status;

namespace {

bool HasGlob(const std::string& text) { return text.find_first_of("*?[") != std::string::npos; }

}  // namespace

arrow::Result<bool> IsCollectionSource(const std::string& source) {
  ARROW_ASSIGN_OR_RAISE(Location location, ResolveLocation(source));
  if (location.local()) {
    namespace stdfs = std::filesystem;
    std::error_code error;
    const stdfs::path path(location.path);
    if (stdfs::is_directory(path, error)) {
      return !stdfs::exists(path / "_ome_arrow_dataset.json", error);
    }
    return !stdfs::exists(path, error) && HasGlob(location.path);
  }
  if (HasGlob(location.path)) return true;
  auto info = location.fs->GetFileInfo(location.path);
  if (!info.ok()) return Status::IOError(source, ": ", info.status().message());
  return info->type() != arrow::fs::FileType::File;
}

}  // namespace omearrow
