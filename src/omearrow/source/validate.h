// Validation of OME-Arrow records: every problem of a record, not only the first one the
// reader would stop at (omearrow.meta.validate, `omearrow info --validate`).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <arrow/array.h>
#include <arrow/result.h>

namespace omearrow {

// One thing wrong with a record: the field path ("pixels_meta.size_x", "planes[3].pixels")
// and what is wrong with it.
struct RecordProblem {
  std::string path;
  std::string message;
  std::string ToString() const { return path + ": " + message; }
};

struct ValidateOptions {
  // true: the record's Arrow type must be exactly OME_ARROW_STRUCT or
  // OME_ARROW_BYTE_STRUCT (field order, types, the `type` tag). false: the reference's
  // loose rules: any numeric widths, any field order, optional fields may be missing.
  bool strict = false;
  // Problems reported per record at most; one more entry says how many were left out.
  int64_t max_problems = 100;
};

// The problems of row `row` of `records` (empty when the record is valid): missing or
// mistyped fields, sizes that are not positive, planes or chunks outside the image or
// listed twice, pixel counts that do not match the plane or chunk shape, byte chunks
// whose dtype or compression is unknown or whose raw payload length does not match its
// shape and dtype. Never fails: a record that cannot be read at all is one problem.
std::vector<RecordProblem> ValidateRecord(const std::shared_ptr<arrow::StructArray>& records,
                                          int64_t row, const ValidateOptions& options = {});

// A problem of row `row` of a column of records.
struct RowProblem {
  int64_t row = 0;
  RecordProblem problem;
};

// The records of a column and their problems.
struct ColumnValidation {
  int64_t num_rows = 0;
  std::vector<RowProblem> problems;
};

// Validates every record of `chunks` (the chunks of one column; rows are numbered across
// them). A chunk that is not a struct array is a TypeError naming its type.
arrow::Result<ColumnValidation> ValidateRecords(const arrow::ArrayVector& chunks,
                                                const ValidateOptions& options = {});

// The differences between `actual` and `expected` Arrow types, as problems under `path`
// (missing, extra or reordered fields, other types).
std::vector<RecordProblem> CompareTypes(const arrow::DataType& actual,
                                        const arrow::DataType& expected,
                                        const std::string& path);

}  // namespace omearrow
