// Predicate pushdown for collections: what a Parquet row group's statistics guarantee
// about the metadata rows of its images, and whether a filter can match any of them.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <arrow/compute/expression.h>
#include <arrow/result.h>
#include <arrow/type.h>
#include <parquet/metadata.h>

namespace omearrow {

// A top-level column of the metadata table stored as one flat Parquet leaf.
struct StatisticsColumn {
  std::string name;                      // the metadata column (a file's top-level column)
  std::shared_ptr<arrow::DataType> type; // its Arrow type as stored
  int leaf = -1;                         // its Parquet leaf index
};

// The flat top-level columns among `columns` whose statistics can prune: integer,
// boolean, date and string types (floating point is left out: NaN lies outside min/max).
bool PrunableType(const arrow::DataType& type);

// What every image of row group `row_group` of a file satisfies, as an expression over
// the metadata columns: for each of `columns` with statistics, min <= value <= max (or
// null, when the chunk has nulls or does not say); `row` within the row group's rows
// (`first_row` ..); `path` == `path`; `column` == `record_column` when the file
// contributes one record column. literal(true) when nothing is known.
arrow::compute::Expression RowGroupGuarantee(const parquet::RowGroupMetaData& row_group,
                                             const std::vector<StatisticsColumn>& columns,
                                             int64_t first_row, const std::string& path,
                                             const std::optional<std::string>& record_column);

// True when `bound` (a predicate bound to `schema`) is false or null for every row that
// satisfies `guarantee` (unbound; bound here to `schema`), so those rows need not be read.
arrow::Result<bool> RuledOut(const arrow::compute::Expression& bound,
                             const arrow::compute::Expression& guarantee,
                             const arrow::Schema& schema);

}  // namespace omearrow
