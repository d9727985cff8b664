// `omearrow ls`: the metadata table of a collection (one row per image).
#include <cstdio>
#include <string>

#include <arrow/array.h>
#include <arrow/scalar.h>
#include <arrow/table.h>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "omearrow/collection/collection.h"
#include "omearrow/collection/filter.h"
#include "omearrow/collection/location.h"

namespace omearrow::cli {
namespace {

nlohmann::json ToJson(const arrow::Scalar& scalar) {
  if (!scalar.is_valid) return nullptr;
  switch (scalar.type->id()) {
    case arrow::Type::BOOL: return static_cast<const arrow::BooleanScalar&>(scalar).value;
    case arrow::Type::INT8:
    case arrow::Type::INT16:
    case arrow::Type::INT32:
    case arrow::Type::INT64: {
      auto cast = scalar.CastTo(arrow::int64());
      if (cast.ok()) return std::static_pointer_cast<arrow::Int64Scalar>(*cast)->value;
      break;
    }
    case arrow::Type::UINT8:
    case arrow::Type::UINT16:
    case arrow::Type::UINT32:
    case arrow::Type::UINT64: {
      auto cast = scalar.CastTo(arrow::uint64());
      if (cast.ok()) return std::static_pointer_cast<arrow::UInt64Scalar>(*cast)->value;
      break;
    }
    case arrow::Type::FLOAT:
    case arrow::Type::DOUBLE: {
      auto cast = scalar.CastTo(arrow::float64());
      if (cast.ok()) return std::static_pointer_cast<arrow::DoubleScalar>(*cast)->value;
      break;
    }
    case arrow::Type::LIST:
    case arrow::Type::LARGE_LIST: {
      const auto& list = static_cast<const arrow::BaseListScalar&>(scalar);
      nlohmann::json out = nlohmann::json::array();
      for (int64_t i = 0; i < list.value->length(); ++i) {
        auto item = list.value->GetScalar(i);
        out.push_back(item.ok() ? ToJson(**item) : nlohmann::json(nullptr));
      }
      return out;
    }
    default: break;
  }
  return scalar.ToString();
}

std::string CsvCell(const arrow::Scalar& scalar) {
  if (!scalar.is_valid) return "";
  std::string text;
  if (scalar.type->id() == arrow::Type::LIST || scalar.type->id() == arrow::Type::LARGE_LIST) {
    text = ToJson(scalar).dump();
  } else {
    text = scalar.ToString();
  }
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string out = "\"";
  for (char ch : text) out += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return out + "\"";
}

}  // namespace

arrow::Status RunLs(const LsOptions& options) {
  CollectionOptions collection_options;
  collection_options.column = options.column;
  collection_options.on_error = options.skip_errors ? OnError::kSkip : OnError::kRaise;
  // The filter is pushed down: row groups its statistics rule out are not read.
  if (options.filter.has_value()) {
    ARROW_ASSIGN_OR_RAISE(collection_options.filter, ParseFilter(*options.filter));
  }
  ARROW_ASSIGN_OR_RAISE(Collection collection,
                        OpenCollection(options.sources, collection_options));
  for (const auto& error : collection.errors()) {
    std::fprintf(stderr, "omearrow: skipped %s\n", error.message.c_str());
  }
  ARROW_ASSIGN_OR_RAISE(auto batch, collection.metadata()->CombineChunksToBatch());
  const auto& schema = *batch->schema();
  if (options.json) {
    nlohmann::json rows = nlohmann::json::array();
    for (int64_t r = 0; r < batch->num_rows(); ++r) {
      nlohmann::json row = nlohmann::json::object();
      for (int c = 0; c < batch->num_columns(); ++c) {
        ARROW_ASSIGN_OR_RAISE(auto scalar, batch->column(c)->GetScalar(r));
        row[schema.field(c)->name()] = ToJson(*scalar);
      }
      rows.push_back(std::move(row));
    }
    std::printf("%s\n", rows.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    const char* separator = options.csv ? "," : "\t";
    for (int c = 0; c < batch->num_columns(); ++c) {
      std::printf("%s%s", c ? separator : "", schema.field(c)->name().c_str());
    }
    std::printf("\n");
    for (int64_t r = 0; r < batch->num_rows(); ++r) {
      for (int c = 0; c < batch->num_columns(); ++c) {
        ARROW_ASSIGN_OR_RAISE(auto scalar, batch->column(c)->GetScalar(r));
        std::printf("%s%s", c ? separator : "", CsvCell(*scalar).c_str());
      }
      std::printf("\n");
    }
  }
  return arrow::Status::OK();
}

}  // namespace omearrow::cli
