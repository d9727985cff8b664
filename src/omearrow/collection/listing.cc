#include "omearrow/collection/listing.h"

#include <fnmatch.h>
#include <glob.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>

#include <arrow/filesystem/filesystem.h>
#include <arrow/status.h>

#include "omearrow/io/dataset_reader.h"
#include "omearrow/util/text.h"

namespace omearrow {

using arrow::Status;
namespace stdfs = std::filesystem;

namespace {

constexpr const char* kManifestName = "_ome_arrow_dataset.json";

bool HasGlob(const std::string& text) {
  return text.find_first_of("*?[") != std::string::npos;
}

bool IsParquetName(const std::string& name) {
  const std::string extension = internal::TrimLower(stdfs::path(name).extension().string());
  return extension == ".parquet" || extension == ".pq";
}

// A local directory, recursively: Parquet files and dataset directories (not their files).
Status WalkLocal(const std::string& directory, std::vector<std::string>* files,
                 std::vector<std::string>* datasets) {
  std::error_code error;
  stdfs::recursive_directory_iterator it(
      directory, stdfs::directory_options::skip_permission_denied, error);
  if (error) return Status::IOError(directory, ": cannot list the directory: ", error.message());
  for (; it != stdfs::recursive_directory_iterator(); it.increment(error)) {
    if (error) return Status::IOError(directory, ": cannot list the directory: ", error.message());
    const stdfs::directory_entry& entry = *it;
    std::error_code kind_error;
    if (entry.is_directory(kind_error)) {
      if (IsDatasetDirectory(entry.path().string())) {
        datasets->push_back(entry.path().string());
        it.disable_recursion_pending();
      }
    } else if (entry.is_regular_file(kind_error) && IsParquetName(entry.path().string())) {
      files->push_back(entry.path().string());
    }
  }
  return Status::OK();
}

Status ListLocal(const std::string& source, std::vector<CollectionFile>* out) {
  std::vector<std::string> paths;
  if (HasGlob(source) && !stdfs::exists(source)) {
    glob_t matches{};
    const int rc = ::glob(source.c_str(), 0, nullptr, &matches);
    if (rc == 0) {
      for (size_t i = 0; i < matches.gl_pathc; ++i) paths.emplace_back(matches.gl_pathv[i]);
    }
    ::globfree(&matches);
    if (rc == GLOB_NOMATCH || paths.empty()) {
      return Status::IOError(source, ": no file matches this pattern");
    }
    if (rc != 0) return Status::IOError(source, ": cannot expand this pattern");
  } else {
    paths.push_back(source);
  }
  std::vector<std::string> files, datasets;
  for (const std::string& path : paths) {
    std::error_code error;
    const stdfs::file_status status = stdfs::status(path, error);
    if (error || !stdfs::exists(status)) {
      return Status::IOError(path, ": no such file or directory");
    }
    if (stdfs::is_directory(status)) {
      if (IsDatasetDirectory(path)) {
        datasets.push_back(path);
        continue;
      }
      const size_t before = files.size() + datasets.size();
      ARROW_RETURN_NOT_OK(WalkLocal(path, &files, &datasets));
      if (files.size() + datasets.size() == before && paths.size() == 1) {
        return Status::IOError(path, ": no *.parquet files or OME-Arrow dataset directories "
                                     "in this directory");
      }
    } else {
      files.push_back(path);
    }
  }
  std::sort(files.begin(), files.end());
  std::sort(datasets.begin(), datasets.end());
  for (const auto& path : files) {
    CollectionFile file;
    file.location.path = path;
    file.display = path;
    out->push_back(std::move(file));
  }
  for (const auto& path : datasets) {
    CollectionFile file;
    file.location.path = path;
    file.display = path;
    file.dataset = true;
    out->push_back(std::move(file));
  }
  return Status::OK();
}

std::string BaseName(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

Status ListRemote(const std::string& source, std::vector<CollectionFile>* out) {
  ARROW_ASSIGN_OR_RAISE(Location location, ResolveLocation(source));
  if (location.local()) return ListLocal(location.path, out);
  std::vector<std::string> files;
  std::map<std::string, int64_t> sizes, mtimes;
  auto mtime_ns = [](const arrow::fs::FileInfo& info) -> int64_t {
    if (info.mtime() == arrow::fs::kNoTime) return -1;
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               info.mtime().time_since_epoch())
        .count();
  };
  auto add_listing = [&](const std::string& directory, bool recursive,
                         const std::string& pattern) -> Status {
    arrow::fs::FileSelector selector;
    selector.base_dir = directory;
    selector.recursive = recursive;
    auto infos = location.fs->GetFileInfo(selector);
    if (!infos.ok()) {
      return Status::IOError(location.Display(directory), ": cannot list: ",
                             infos.status().message());
    }
    for (const auto& info : *infos) {
      if (info.type() != arrow::fs::FileType::File) continue;
      const std::string name = BaseName(info.path());
      if (name == kManifestName) {
        return Status::NotImplemented(
            location.Display(info.path()),
            ": typed-chunk dataset directories are read from local disk only");
      }
      if (!pattern.empty() ? ::fnmatch(pattern.c_str(), name.c_str(), 0) == 0
                           : IsParquetName(name)) {
        files.push_back(info.path());
        sizes[info.path()] = info.size();
        mtimes[info.path()] = mtime_ns(info);
      }
    }
    return Status::OK();
  };
  std::string path = location.path;
  if (HasGlob(path)) {
    const size_t slash = path.find_last_of('/');
    const std::string directory = slash == std::string::npos ? "" : path.substr(0, slash);
    const std::string pattern = path.substr(slash == std::string::npos ? 0 : slash + 1);
    if (HasGlob(directory)) {
      return Status::Invalid(source, ": only the last path component of a URI may be a "
                                     "pattern");
    }
    ARROW_RETURN_NOT_OK(add_listing(directory, false, pattern));
    if (files.empty()) return Status::IOError(source, ": no file matches this pattern");
  } else {
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    auto info = location.fs->GetFileInfo(path);
    if (!info.ok()) {
      return Status::IOError(source, ": ", info.status().message());
    }
    if (info->type() == arrow::fs::FileType::NotFound) {
      return Status::IOError(source, ": no such file, bucket or prefix");
    }
    if (info->type() == arrow::fs::FileType::File) {
      files.push_back(path);
      sizes[path] = info->size();
      mtimes[path] = mtime_ns(*info);
    } else {
      ARROW_RETURN_NOT_OK(add_listing(path, true, ""));
      if (files.empty()) {
        return Status::IOError(source, ": no *.parquet files under this prefix");
      }
    }
  }
  std::sort(files.begin(), files.end());
  for (const auto& file_path : files) {
    CollectionFile file;
    file.location = location;
    file.location.path = file_path;
    file.display = location.Display(file_path);
    file.size = sizes.count(file_path) ? sizes[file_path] : -1;
    file.mtime_ns = mtimes.count(file_path) ? mtimes[file_path] : -1;
    out->push_back(std::move(file));
  }
  return Status::OK();
}

}  // namespace

arrow::Result<std::vector<CollectionFile>> ListCollectionFiles(
    const std::vector<std::string>& sources) {
  if (sources.empty()) return Status::Invalid("a collection needs at least one source");
  std::vector<CollectionFile> listed;
  for (const std::string& source : sources) {
    if (source.empty()) return Status::Invalid("a collection source is an empty string");
    if (IsUri(source)) {
      ARROW_RETURN_NOT_OK(ListRemote(source, &listed));
    } else {
      ARROW_RETURN_NOT_OK(ListLocal(source, &listed));
    }
  }
  std::vector<CollectionFile> out;
  std::set<std::string> seen;
  for (auto& file : listed) {
    if (seen.insert(file.display).second) out.push_back(std::move(file));
  }
  return out;
}

}  // namespace omearrow
