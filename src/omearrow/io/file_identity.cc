#include "omearrow/io/file_identity.h"

#include <sys/stat.h>

#include <atomic>
#include <cstdint>
#include <filesystem>

namespace omearrow::internal {

std::string FileIdentity(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return "";
  std::error_code error;
  const std::string absolute = std::filesystem::absolute(path, error).string();
  if (error) return "";
  const auto nanoseconds = [](const timespec& time) {
    return std::to_string(static_cast<int64_t>(time.tv_sec)) + "." +
           std::to_string(static_cast<int64_t>(time.tv_nsec));
  };
  return absolute + "\n" + std::to_string(info.st_dev) + ":" + std::to_string(info.st_ino) +
         "\n" + std::to_string(info.st_size) + "\n" + nanoseconds(info.st_mtim) + "\n" +
         nanoseconds(info.st_ctim);
}

std::string UniqueCacheKey() {
  static std::atomic<uint64_t> next{0};
  return "\x01" "unique:" + std::to_string(next.fetch_add(1));
}

}  // namespace omearrow::internal
