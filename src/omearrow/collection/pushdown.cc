#include "omearrow/collection/pushdown.h"

#include <arrow/scalar.h>
#include <parquet/arrow/reader.h>
#include <parquet/statistics.h>

namespace omearrow {

namespace cp = arrow::compute;

bool PrunableType(const arrow::DataType& type) {
  return arrow::is_integer(type.id()) || type.id() == arrow::Type::BOOL ||
         type.id() == arrow::Type::DATE32 || type.id() == arrow::Type::STRING ||
         type.id() == arrow::Type::LARGE_STRING;
}

namespace {

// The guarantee of one column chunk, or nullopt when its statistics say nothing usable.
std::optional<cp::Expression> ColumnGuarantee(const parquet::ColumnChunkMetaData& chunk,
                                              const StatisticsColumn& column,
                                              int64_t num_rows) {
  std::shared_ptr<parquet::Statistics> stats = chunk.statistics();
  if (stats == nullptr || !chunk.is_stats_set()) return std::nullopt;
  const cp::Expression ref = cp::field_ref(column.name);
  const bool nulls_known = stats->HasNullCount();
  const int64_t nulls = nulls_known ? stats->null_count() : -1;
  if (nulls_known && nulls == num_rows) return cp::is_null(ref);
  if (!stats->HasMinMax()) return std::nullopt;
  std::shared_ptr<arrow::Scalar> min, max;
  if (!parquet::arrow::StatisticsAsScalars(*stats, &min, &max).ok()) return std::nullopt;
  auto min_cast = min->CastTo(column.type);
  auto max_cast = max->CastTo(column.type);
  if (!min_cast.ok() || !max_cast.ok()) return std::nullopt;
  // One value (a plate per file, a well per row group): an equality, which Arrow's
  // simplification substitutes into any expression (ranges only decide comparisons).
  if ((*min_cast)->Equals(**max_cast)) {
    cp::Expression known = cp::equal(ref, cp::literal(*min_cast));
    if (nulls_known && nulls == 0) return known;
    return cp::or_(known, cp::is_null(ref));
  }
  cp::Expression range = cp::and_(cp::greater_equal(ref, cp::literal(*min_cast)),
                                  cp::less_equal(ref, cp::literal(*max_cast)));
  if (nulls_known && nulls == 0) return range;
  return cp::or_(range, cp::is_null(ref));
}

}  // namespace

cp::Expression RowGroupGuarantee(const parquet::RowGroupMetaData& row_group,
                                 const std::vector<StatisticsColumn>& columns,
                                 int64_t first_row, const std::string& path,
                                 const std::optional<std::string>& record_column) {
  std::vector<cp::Expression> terms;
  terms.push_back(cp::equal(cp::field_ref("path"), cp::literal(path)));
  if (record_column.has_value()) {
    terms.push_back(cp::equal(cp::field_ref("column"), cp::literal(*record_column)));
  }
  if (row_group.num_rows() > 0) {
    terms.push_back(
        cp::and_(cp::greater_equal(cp::field_ref("row"), cp::literal(first_row)),
                 cp::less_equal(cp::field_ref("row"),
                                cp::literal(first_row + row_group.num_rows() - 1))));
  }
  for (const StatisticsColumn& column : columns) {
    if (column.leaf < 0 || column.leaf >= row_group.num_columns()) continue;
    std::unique_ptr<parquet::ColumnChunkMetaData> chunk;
    try {
      chunk = row_group.ColumnChunk(column.leaf);
    } catch (const std::exception&) {
      continue;  // unreadable chunk metadata: nothing known
    }
    if (auto term = ColumnGuarantee(*chunk, column, row_group.num_rows())) {
      terms.push_back(std::move(*term));
    }
  }
  return cp::and_(terms);
}

arrow::Result<bool> RuledOut(const cp::Expression& bound, const cp::Expression& guarantee,
                             const arrow::Schema& schema) {
  ARROW_ASSIGN_OR_RAISE(auto bound_guarantee, guarantee.Bind(schema));
  ARROW_ASSIGN_OR_RAISE(auto simplified, cp::SimplifyWithGuarantee(bound, bound_guarantee));
  const arrow::Datum* value = simplified.literal();
  if (value == nullptr || !value->is_scalar()) return false;
  const auto& scalar = *value->scalar();
  if (!scalar.is_valid) return true;
  if (scalar.type->id() != arrow::Type::BOOL) return false;
  return !static_cast<const arrow::BooleanScalar&>(scalar).value;
}

}  // namespace omearrow
