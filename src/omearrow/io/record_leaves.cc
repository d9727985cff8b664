#include "omearrow/io/record_leaves.h"

#include <algorithm>
#include <string>

namespace omearrow::internal {
namespace {

bool IsListLike(const arrow::DataType& type) {
  switch (type.id()) {
    case arrow::Type::LIST:
    case arrow::Type::LARGE_LIST:
    case arrow::Type::FIXED_SIZE_LIST:
    case arrow::Type::LIST_VIEW:
    case arrow::Type::LARGE_LIST_VIEW:
      return true;
    default:
      return false;
  }
}

// What a node below the record column holds, decided by its path from that column.
enum class LeafKind { kMetadata, kPlanePixels, kChunkPixels, kPixelBytes };

void AddLeaves(const parquet::arrow::SchemaField& field, LeafKind kind, ColumnLeaves* out) {
  if (field.is_leaf()) {
    switch (kind) {
      case LeafKind::kMetadata: out->metadata.push_back(field.column_index); break;
      case LeafKind::kPlanePixels: out->plane_pixels.push_back(field.column_index); break;
      case LeafKind::kChunkPixels: out->chunk_pixels.push_back(field.column_index); break;
      case LeafKind::kPixelBytes: out->pixel_bytes = field.column_index; break;
    }
    return;
  }
  for (const auto& child : field.children) AddLeaves(child, kind, out);
}

}  // namespace

std::vector<int> ColumnLeaves::With(const std::vector<int>& payload) const {
  std::vector<int> out = metadata;
  out.insert(out.end(), payload.begin(), payload.end());
  std::sort(out.begin(), out.end());
  return out;
}

ColumnLeaves CollectLeaves(const parquet::arrow::SchemaField& column) {
  ColumnLeaves out;
  for (const auto& section : column.children) {
    const std::string& name = section.field->name();
    const bool payload_section = (name == "planes" || name == "chunks") &&
                                 IsListLike(*section.field->type()) &&
                                 section.children.size() == 1 &&
                                 section.children[0].field->type()->id() == arrow::Type::STRUCT;
    if (!payload_section) {
      AddLeaves(section, LeafKind::kMetadata, &out);
      continue;
    }
    for (const auto& entry_field : section.children[0].children) {
      const std::string& entry_name = entry_field.field->name();
      LeafKind kind = LeafKind::kMetadata;
      if (entry_name == "pixels") {
        kind = name == "planes" ? LeafKind::kPlanePixels : LeafKind::kChunkPixels;
      } else if (entry_name == "pixel_bytes" && name == "chunks" && entry_field.is_leaf()) {
        kind = LeafKind::kPixelBytes;
      }
      AddLeaves(entry_field, kind, &out);
    }
  }
  return out;
}

void AppendAllLeaves(const parquet::arrow::SchemaField& field, std::vector<int>* out) {
  if (field.is_leaf()) {
    out->push_back(field.column_index);
    return;
  }
  for (const auto& child : field.children) AppendAllLeaves(child, out);
}

bool IsOmeStruct(const arrow::Field& field) {
  if (field.type()->id() != arrow::Type::STRUCT) return false;
  const auto& type = static_cast<const arrow::StructType&>(*field.type());
  return type.GetFieldByName("pixels_meta") != nullptr &&
         (type.GetFieldByName("planes") != nullptr || type.GetFieldByName("chunks") != nullptr);
}

}  // namespace omearrow::internal
