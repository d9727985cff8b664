// `omearrow info COLLECTION`: a summary of a collection's images.
#include <cstdio>
#include <map>
#include <string>
#include <tuple>

#include <arrow/scalar.h>
#include <arrow/table.h>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "omearrow/collection/collection.h"
#include "omearrow/collection/file_metadata.h"

namespace omearrow::cli {
namespace {

arrow::Result<std::string> TextAt(const arrow::Table& table, const std::string& column,
                                  int64_t row) {
  ARROW_ASSIGN_OR_RAISE(auto scalar, table.GetColumnByName(column)->GetScalar(row));
  return scalar->is_valid ? scalar->ToString() : std::string("-");
}

}  // namespace

arrow::Status RunCollectionInfo(const InputSelection& input, bool json) {
  CollectionOptions options;
  options.column = input.column;
  options.on_error = OnError::kSkip;  // summarized, not fatal
  ARROW_ASSIGN_OR_RAISE(Collection collection, OpenCollection({input.path}, options));
  const arrow::Table& table = *collection.metadata();
  // (T, C, Z, Y, X, dtype, encoding) -> images
  using Group = std::tuple<std::string, std::string, std::string, std::string, std::string,
                           std::string, std::string>;
  std::map<Group, int64_t> groups;
  std::map<std::string, int64_t> files;
  for (int64_t i = 0; i < collection.size(); ++i) {
    Group group;
    ARROW_ASSIGN_OR_RAISE(std::get<0>(group), TextAt(table, "size_t", i));
    ARROW_ASSIGN_OR_RAISE(std::get<1>(group), TextAt(table, "size_c", i));
    ARROW_ASSIGN_OR_RAISE(std::get<2>(group), TextAt(table, "size_z", i));
    ARROW_ASSIGN_OR_RAISE(std::get<3>(group), TextAt(table, "size_y", i));
    ARROW_ASSIGN_OR_RAISE(std::get<4>(group), TextAt(table, "size_x", i));
    ARROW_ASSIGN_OR_RAISE(std::get<5>(group), TextAt(table, "dtype", i));
    ARROW_ASSIGN_OR_RAISE(std::get<6>(group), TextAt(table, "encoding", i));
    ++groups[group];
    ++files[collection.path(i)];
  }
  std::vector<std::string> extra;
  const int fixed = CollectionFixedSchema()->num_fields();
  for (int c = fixed; c < table.num_columns(); ++c) extra.push_back(table.field(c)->name());
  if (json) {
    nlohmann::json out;
    out["source"] = input.path;
    out["files"] = files.size();
    out["images"] = collection.size();
    out["metadata_columns"] = extra;
    out["skipped"] = nlohmann::json::array();
    for (const auto& error : collection.errors()) {
      out["skipped"].push_back({{"path", error.path}, {"message", error.message}});
    }
    out["groups"] = nlohmann::json::array();
    for (const auto& [group, count] : groups) {
      const auto& [t, c, z, y, x, dtype, encoding] = group;
      out["groups"].push_back({{"shape", {{"T", std::stoll(t)}, {"C", std::stoll(c)},
                                          {"Z", std::stoll(z)}, {"Y", std::stoll(y)},
                                          {"X", std::stoll(x)}}},
                               {"dtype", dtype},
                               {"encoding", encoding},
                               {"images", count}});
    }
    std::printf("%s\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return arrow::Status::OK();
  }
  std::printf("collection:      %s\n", input.path.c_str());
  std::printf("files:           %zu (%zu skipped)\n", files.size(), collection.errors().size());
  std::printf("images:          %lld\n", static_cast<long long>(collection.size()));
  std::printf("metadata:        ");
  for (size_t i = 0; i < extra.size(); ++i) std::printf("%s%s", i ? ", " : "", extra[i].c_str());
  std::printf("%s\n", extra.empty() ? "-" : "");
  for (const auto& [group, count] : groups) {
    const auto& [t, c, z, y, x, dtype, encoding] = group;
    std::printf("  %8lld × (%s, %s, %s, %s, %s) %s %s\n", static_cast<long long>(count),
                t.c_str(), c.c_str(), z.c_str(), y.c_str(), x.c_str(), dtype.c_str(),
                encoding.c_str());
  }
  for (const auto& error : collection.errors()) {
    std::printf("skipped:         %s\n", error.message.c_str());
  }
  return arrow::Status::OK();
}

}  // namespace omearrow::cli
