#include "omearrow/source/validate.h"

#include <map>
#include <optional>
#include <string_view>
#include <tuple>

#include <arrow/status.h>

#include "omearrow/image.h"
#include "omearrow/source/chunk_index.h"
#include "omearrow/source/meta.h"
#include "omearrow/tensor/dtype.h"
#include "omearrow/util/struct_row.h"
#include "omearrow/util/view_limits.h"

namespace omearrow {

namespace {

using internal::StructRow;

// Problems of one record, at most `max` of them (then a count of the rest).
class Collector {
 public:
  explicit Collector(int64_t max) : max_(max) {}
  void Add(std::string path, std::string message) {
    if (static_cast<int64_t>(problems_.size()) < max_) {
      problems_.push_back({std::move(path), std::move(message)});
    } else {
      ++left_out_;
    }
  }
  std::vector<RecordProblem> Take() {
    if (left_out_ > 0) {
      problems_.push_back({"(record)", std::to_string(left_out_) + " more problems not listed"});
    }
    return std::move(problems_);
  }

 private:
  int64_t max_;
  int64_t left_out_ = 0;
  std::vector<RecordProblem> problems_;
};

// Integer field `name` of `row`: nullopt (with a problem when `required` or mistyped)
// unless it holds an integer.
std::optional<int64_t> Int(const StructRow& row, std::string_view name, bool required,
                           Collector* out) {
  auto value = row.GetInt(name);
  if (!value.ok()) {
    out->Add(row.FieldPath(name), value.status().message());
    return std::nullopt;
  }
  if (!value->has_value() && required) out->Add(row.FieldPath(name), "missing");
  return *value;
}

std::optional<std::string> String(const StructRow& row, std::string_view name,
                                  Collector* out) {
  auto value = row.GetString(name);
  if (!value.ok()) {
    out->Add(row.FieldPath(name), value.status().message());
    return std::nullopt;
  }
  return *value;
}

// The struct entries of list field `name` (nullopt when absent, null or not a list of
// structs, with a problem for the latter).
struct Entries {
  std::shared_ptr<arrow::StructArray> values;
  int64_t begin = 0, end = 0;
};
std::optional<Entries> ListOfStructs(const StructRow& row, std::string_view name,
                                     Collector* out) {
  auto range = row.GetList(name);
  if (!range.ok()) {
    out->Add(row.FieldPath(name), range.status().message());
    return std::nullopt;
  }
  if (!range->has_value()) return std::nullopt;
  const auto& values = (*range)->values;
  if (values->type_id() != arrow::Type::STRUCT) {
    if ((*range)->size() > 0) {
      out->Add(row.FieldPath(name), "must be a list of structs, got list of " +
                                        values->type()->ToString());
    }
    return std::nullopt;
  }
  return Entries{std::static_pointer_cast<arrow::StructArray>(values), (*range)->begin,
                 (*range)->end};
}

// `value` lies in [0, size) (or, with `extent`, [value, value + extent) in [0, size]).
bool Inside(int64_t value, int64_t extent, int64_t size) {
  int64_t end = 0;
  return value >= 0 && extent >= 0 && !__builtin_add_overflow(value, extent, &end) &&
         end <= size && (extent > 0 || value < size);
}

// What pixels_meta says: the sizes and the pixel type (uint16 when not given).
struct Sizes {
  int64_t x = 0, y = 0, z = 0, c = 0, t = 0;
  bool known = false;  // every size present and positive
  std::string type = "uint16";
};

Sizes CheckPixelsMeta(const StructRow& record, Collector* out) {
  Sizes sizes;
  auto pixels_meta = record.GetStruct("pixels_meta");
  if (!pixels_meta.ok()) {
    out->Add("pixels_meta", pixels_meta.status().message());
    return sizes;
  }
  if (!pixels_meta->has_value()) {
    out->Add("pixels_meta", "missing");
    return sizes;
  }
  const StructRow& pm = **pixels_meta;
  sizes.known = true;
  const std::pair<const char*, int64_t*> fields[] = {{"size_x", &sizes.x},
                                                     {"size_y", &sizes.y},
                                                     {"size_z", &sizes.z},
                                                     {"size_c", &sizes.c},
                                                     {"size_t", &sizes.t}};
  for (const auto& [name, target] : fields) {
    const auto value = Int(pm, name, /*required=*/true, out);
    if (!value.has_value()) {
      sizes.known = false;
    } else if (*value <= 0) {
      out->Add(pm.FieldPath(name), "must be positive, got " + std::to_string(*value));
      sizes.known = false;
    } else {
      *target = *value;
    }
  }
  if (sizes.known) {
    PixelsMeta meta;
    meta.size_x = sizes.x, meta.size_y = sizes.y, meta.size_z = sizes.z;
    meta.size_c = sizes.c, meta.size_t = sizes.t;
    const auto status = ValidateSizes(meta);
    if (!status.ok()) {
      out->Add("pixels_meta", status.message());
      sizes.known = false;
    }
  }
  if (const auto type = String(pm, "type", out); type.has_value()) {
    sizes.type = *type;
    if (!ParseDType(*type)) {
      out->Add(pm.FieldPath("type"), "unknown pixel type '" + *type + "' (read as uint16)");
    }
  }
  auto channels = pm.GetList("channels");
  if (!channels.ok()) {
    out->Add(pm.FieldPath("channels"), channels.status().message());
  } else if (channels->has_value() && (*channels)->size() > 0 && sizes.c > 0 &&
             (*channels)->size() != sizes.c) {
    out->Add(pm.FieldPath("channels"), "has " + std::to_string((*channels)->size()) +
                                           " entries for size_c=" + std::to_string(sizes.c));
  }
  return sizes;
}

void CheckChunkGrid(const StructRow& record, Collector* out) {
  auto grid = record.GetStruct("chunk_grid");
  if (!grid.ok()) {
    out->Add("chunk_grid", grid.status().message());
    return;
  }
  if (!grid->has_value()) return;
  for (const char* name : {"chunk_t", "chunk_c", "chunk_z", "chunk_y", "chunk_x"}) {
    const auto value = Int(**grid, name, /*required=*/false, out);
    if (value.has_value() && *value <= 0) {
      out->Add((*grid)->FieldPath(name), "must be positive, got " + std::to_string(*value));
    }
  }
}

void CheckPlanes(const StructRow& record, const Sizes& sizes, Collector* out) {
  const auto entries = ListOfStructs(record, "planes", out);
  if (!entries.has_value()) return;
  std::map<std::tuple<int64_t, int64_t, int64_t>, int64_t> seen;
  for (int64_t i = entries->begin; i < entries->end; ++i) {
    const int64_t k = i - entries->begin;
    const std::string where = "planes[" + std::to_string(k) + "]";
    if (entries->values->IsNull(i)) {
      out->Add(where, "is null");
      continue;
    }
    StructRow plane(entries->values, i, where);
    const auto t = Int(plane, "t", true, out), z = Int(plane, "z", true, out),
               c = Int(plane, "c", true, out);
    if (sizes.known) {
      const std::tuple<const char*, std::optional<int64_t>, int64_t> axes[] = {
          {"t", t, sizes.t}, {"z", z, sizes.z}, {"c", c, sizes.c}};
      for (const auto& [name, value, size] : axes) {
        if (value && !Inside(*value, 0, size)) {
          out->Add(where + "." + name, std::to_string(*value) + " is outside [0, " +
                                           std::to_string(size) + ")");
        }
      }
    }
    if (t && z && c) {
      const auto [it, inserted] = seen.emplace(std::make_tuple(*t, *z, *c), k);
      if (!inserted) {
        out->Add(where, "(t, z, c) = (" + std::to_string(*t) + ", " + std::to_string(*z) +
                            ", " + std::to_string(*c) + ") is also planes[" +
                            std::to_string(it->second) + "]");
      }
    }
    auto pixels = plane.GetList("pixels");
    if (!pixels.ok()) {
      out->Add(where + ".pixels", pixels.status().message());
    } else if (!pixels->has_value()) {
      out->Add(where + ".pixels", "missing");
    } else if (sizes.known && (*pixels)->size() != sizes.y * sizes.x) {
      out->Add(where + ".pixels", "has " + std::to_string((*pixels)->size()) +
                                      " values, expected size_y * size_x = " +
                                      std::to_string(sizes.y * sizes.x));
    }
  }
}

void CheckChunks(const StructRow& record, const Sizes& sizes, Collector* out) {
  const std::string& image_type = sizes.type;
  const auto entries = ListOfStructs(record, "chunks", out);
  if (!entries.has_value()) return;
  const bool bytes = entries->values->GetFieldByName("pixel_bytes") != nullptr;
  std::map<std::tuple<int64_t, int64_t, int64_t, int64_t, int64_t>, int64_t> seen;
  for (int64_t i = entries->begin; i < entries->end; ++i) {
    const int64_t k = i - entries->begin;
    const std::string where = "chunks[" + std::to_string(k) + "]";
    if (entries->values->IsNull(i)) {
      out->Add(where, "is null");
      continue;
    }
    StructRow chunk(entries->values, i, where);
    std::optional<int64_t> v[8];
    const char* names[8] = {"t", "c", "z", "y", "x", "shape_z", "shape_y", "shape_x"};
    bool complete = true;
    for (int f = 0; f < 8; ++f) {
      v[f] = Int(chunk, names[f], true, out);
      complete = complete && v[f].has_value();
    }
    if (!complete) continue;
    const int64_t t = *v[0], c = *v[1], z = *v[2], y = *v[3], x = *v[4];
    const int64_t sz = *v[5], sy = *v[6], sx = *v[7];
    if (sz <= 0 || sy <= 0 || sx <= 0) {
      out->Add(where, "shape (" + std::to_string(sz) + ", " + std::to_string(sy) + ", " +
                          std::to_string(sx) + ") must be positive");
      continue;
    }
    if (sizes.known && !(Inside(t, 0, sizes.t) && Inside(c, 0, sizes.c) &&
                         Inside(z, sz, sizes.z) && Inside(y, sy, sizes.y) &&
                         Inside(x, sx, sizes.x))) {
      out->Add(where, "(t=" + std::to_string(t) + ", c=" + std::to_string(c) + ", z=" +
                          std::to_string(z) + "+" + std::to_string(sz) + ", y=" +
                          std::to_string(y) + "+" + std::to_string(sy) + ", x=" +
                          std::to_string(x) + "+" + std::to_string(sx) +
                          ") lies outside the image");
    }
    const auto [it, inserted] = seen.emplace(std::make_tuple(t, c, z, y, x), k);
    if (!inserted) {
      out->Add(where, "has the same (t, c, z, y, x) as chunks[" + std::to_string(it->second) + "]");
    }
    const std::optional<int64_t> product = CheckedProduct({sz, sy, sx});
    if (!product) {
      out->Add(where, "shape overflows 64-bit sizes");
      continue;
    }
    const int64_t elements = *product;
    if (!bytes) {
      auto pixels = chunk.GetList("pixels");
      if (!pixels.ok()) {
        out->Add(where + ".pixels", pixels.status().message());
      } else if (!pixels->has_value()) {
        out->Add(where, "needs pixels or pixel_bytes");
      } else if ((*pixels)->size() != elements) {
        out->Add(where + ".pixels", "has " + std::to_string((*pixels)->size()) +
                                        " values, expected shape_z * shape_y * shape_x = " +
                                        std::to_string(elements));
      }
      continue;
    }
    const auto dtype_name = String(chunk, "dtype", out);
    std::optional<DType> dtype = ParseDType(dtype_name.value_or(image_type));
    if (!dtype.has_value()) {
      out->Add(where + ".dtype", "unknown dtype '" + dtype_name.value_or(image_type) + "'");
    }
    const auto compression_name = String(chunk, "compression", out);
    auto compression = ParseChunkCompression(compression_name.value_or(""), where + ".compression");
    if (!compression.ok()) out->Add(where + ".compression", compression.status().message());
    if (!chunk.Has("pixel_bytes")) {
      out->Add(where + ".pixel_bytes", "missing");
      continue;
    }
    auto payload = internal::BinaryAt(*entries->values->GetFieldByName("pixel_bytes"), i,
                                      where + ".pixel_bytes");
    if (!payload.ok()) {
      out->Add(where + ".pixel_bytes", payload.status().message());
    } else if (compression.ok() && !compression->has_value() && dtype.has_value()) {
      const std::optional<int64_t> expected = CheckedProduct({elements, ItemSize(*dtype)});
      if (expected && static_cast<int64_t>(payload->size()) != *expected) {
        out->Add(where + ".pixel_bytes",
                 "holds " + std::to_string(payload->size()) + " bytes, expected " +
                     std::to_string(*expected) + " (" + std::to_string(sz) + "x" +
                     std::to_string(sy) + "x" + std::to_string(sx) + " " +
                     std::string(DTypeName(*dtype)) + ")");
      }
    } else if (compression.ok() && compression->has_value() && payload->empty()) {
      out->Add(where + ".pixel_bytes", "is empty but marked compressed");
    }
  }
}

}  // namespace

std::vector<RecordProblem> CompareTypes(const arrow::DataType& actual,
                                        const arrow::DataType& expected,
                                        const std::string& path) {
  std::vector<RecordProblem> out;
  const std::string here = path.empty() ? "(record)" : path;
  if (expected.id() == arrow::Type::STRUCT) {
    if (actual.id() != arrow::Type::STRUCT) {
      out.push_back({here, "is " + actual.ToString() + ", expected a struct"});
      return out;
    }
    const auto join = [&](const std::string& name) {
      return path.empty() ? name : path + "." + name;
    };
    for (int i = 0; i < expected.num_fields(); ++i) {
      const auto& field = expected.field(i);
      const int j = static_cast<const arrow::StructType&>(actual).GetFieldIndex(field->name());
      if (j < 0) {
        out.push_back({join(field->name()), "missing (expected " + field->type()->ToString() + ")"});
        continue;
      }
      if (j != i) {
        out.push_back({join(field->name()), "is field " + std::to_string(j) +
                                                ", expected field " + std::to_string(i)});
      }
      auto nested = CompareTypes(*actual.field(j)->type(), *field->type(), join(field->name()));
      out.insert(out.end(), nested.begin(), nested.end());
    }
    for (const auto& field : actual.fields()) {
      if (static_cast<const arrow::StructType&>(expected).GetFieldIndex(field->name()) < 0) {
        out.push_back({join(field->name()), "is not in the canonical schema"});
      }
    }
    return out;
  }
  if (expected.id() == arrow::Type::LIST) {
    if (actual.id() != arrow::Type::LIST) {
      out.push_back({here, "is " + actual.ToString() + ", expected " + expected.ToString()});
      return out;
    }
    return CompareTypes(*actual.field(0)->type(), *expected.field(0)->type(), path + "[]");
  }
  if (!actual.Equals(expected)) {
    out.push_back({here, "is " + actual.ToString() + ", expected " + expected.ToString()});
  }
  return out;
}

std::vector<RecordProblem> ValidateRecord(const std::shared_ptr<arrow::StructArray>& records,
                                          int64_t row, const ValidateOptions& options) {
  Collector out(std::max<int64_t>(options.max_problems, 1));
  if (records == nullptr || row < 0 || row >= records->length()) {
    out.Add("(record)", "row " + std::to_string(row) + " is outside the array of length " +
                            std::to_string(records == nullptr ? 0 : records->length()));
    return out.Take();
  }
  if (records->IsNull(row)) {
    out.Add("(record)", "is null");
    return out.Take();
  }
  if (options.strict) {
    const auto chunks = records->GetFieldByName("chunks");
    bool bytes = false;
    if (chunks != nullptr && chunks->type_id() == arrow::Type::LIST) {
      const auto& item = *chunks->type()->field(0)->type();
      bytes = item.id() == arrow::Type::STRUCT &&
              static_cast<const arrow::StructType&>(item).GetFieldIndex("pixel_bytes") >= 0;
    }
    const auto& expected = bytes ? meta::OmeArrowByteStruct() : meta::OmeArrowStruct();
    for (auto& problem : CompareTypes(*records->type(), *expected, "")) {
      out.Add(std::move(problem.path), std::move(problem.message));
    }
  }
  StructRow record(records, row, "");
  const auto type = String(record, "type", &out);
  if (type.has_value() && *type != meta::kTagType) {
    out.Add("type", "is '" + *type + "', expected '" + meta::kTagType + "'");
  } else if (!type.has_value() && options.strict) {
    out.Add("type", "missing (expected 'ome.arrow')");
  }
  const Sizes sizes = CheckPixelsMeta(record, &out);
  CheckChunkGrid(record, &out);
  CheckChunks(record, sizes, &out);
  CheckPlanes(record, sizes, &out);
  return out.Take();
}

arrow::Result<ColumnValidation> ValidateRecords(const arrow::ArrayVector& chunks,
                                                const ValidateOptions& options) {
  ColumnValidation out;
  for (const auto& chunk : chunks) {
    if (chunk->type_id() != arrow::Type::STRUCT) {
      return arrow::Status::TypeError("OME-Arrow records must be a struct array, got ",
                                      chunk->type()->ToString());
    }
    auto records = std::static_pointer_cast<arrow::StructArray>(chunk);
    for (int64_t row = 0; row < records->length(); ++row) {
      for (auto& problem : ValidateRecord(records, row, options)) {
        out.problems.push_back({out.num_rows + row, std::move(problem)});
      }
    }
    out.num_rows += records->length();
  }
  return out;
}

}  // namespace omearrow
