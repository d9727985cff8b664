// Test support for collections: generated plate files (Metadata_Plate/Well/Site beside an
// OME-Arrow record column) with their ground truth, and metadata table accessors.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <arrow/array/concatenate.h>
#include <arrow/builder.h>
#include <arrow/io/file.h>
#include <arrow/table.h>
#include <parquet/arrow/writer.h>

#include "omearrow/testing/record_builder.h"

namespace omearrow::testing {

// One image of a generated plate file, with its ground truth.
struct Written {
  std::string path;
  int64_t row;
  std::string well;
  DenseImage dense;
};

// Writes one image per entry of `wells` to `path` (one row group per row) with
// Metadata_Plate/Well/Site (site = row) columns beside the record column "ome_arrow".
inline arrow::Status WritePlateFile(const std::filesystem::path& path, const std::string& plate,
                             const std::vector<std::string>& wells, Encoding encoding,
                             uint64_t seed, std::vector<Written>* written,
                             int64_t size_y = 24, int64_t size_x = 20) {
  std::vector<std::shared_ptr<arrow::Array>> records;
  arrow::StringBuilder plates, well_builder;
  arrow::Int32Builder sites;
  for (size_t r = 0; r < wells.size(); ++r) {
    DenseImage dense = MakeRandomImage(1, 2, 1, size_y, size_x, DType::kUInt16, seed + r);
    RecordSpec spec;
    spec.encoding = encoding;
    spec.chunk_y = 16;
    spec.chunk_x = 16;
    ARROW_ASSIGN_OR_RAISE(auto record, BuildRecord(dense, spec));
    records.push_back(record);
    ARROW_RETURN_NOT_OK(plates.Append(plate));
    ARROW_RETURN_NOT_OK(well_builder.Append(wells[r]));
    ARROW_RETURN_NOT_OK(sites.Append(static_cast<int32_t>(r)));
    written->push_back({path.string(), static_cast<int64_t>(r), wells[r], std::move(dense)});
  }
  ARROW_ASSIGN_OR_RAISE(auto record_array, arrow::Concatenate(records));
  std::shared_ptr<arrow::Array> plate_array, well_array, site_array;
  ARROW_RETURN_NOT_OK(plates.Finish(&plate_array));
  ARROW_RETURN_NOT_OK(well_builder.Finish(&well_array));
  ARROW_RETURN_NOT_OK(sites.Finish(&site_array));
  auto schema = arrow::schema({arrow::field("Metadata_Plate", arrow::utf8()),
                               arrow::field("Metadata_Well", arrow::utf8()),
                               arrow::field("ome_arrow", record_array->type()),
                               arrow::field("Metadata_Site", arrow::int32())});
  auto table = arrow::Table::Make(schema, {plate_array, well_array, record_array, site_array});
  ARROW_ASSIGN_OR_RAISE(auto out, arrow::io::FileOutputStream::Open(path.string()));
  return parquet::arrow::WriteTable(*table, arrow::default_memory_pool(), out,
                                    /*chunk_size=*/1);
}

inline std::string StringAt(const arrow::Table& table, const std::string& column, int64_t row) {
  auto chunked = table.GetColumnByName(column);
  auto scalar = chunked->GetScalar(row).ValueOrDie();
  return scalar->is_valid ? scalar->ToString() : "<null>";
}

inline int64_t IntAt(const arrow::Table& table, const std::string& column, int64_t row) {
  auto scalar = table.GetColumnByName(column)->GetScalar(row).ValueOrDie();
  return std::static_pointer_cast<arrow::Int64Scalar>(scalar)->value;
}

}  // namespace omearrow::testing
