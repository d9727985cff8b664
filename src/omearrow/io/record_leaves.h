// Which Parquet leaf columns of an OME-Arrow record column hold pixels and which hold
// metadata: the one rule the file reader and collections share.
#pragma once

#include <vector>

#include <arrow/type.h>
#include <parquet/arrow/schema.h>

namespace omearrow::internal {

// Leaf columns of one top-level column, split into pixel leaves and the rest.
struct ColumnLeaves {
  std::vector<int> metadata;       // everything but pixel payloads
  std::vector<int> plane_pixels;   // planes[*].pixels
  std::vector<int> chunk_pixels;   // chunks[*].pixels (list chunks)
  int pixel_bytes = -1;            // chunks[*].pixel_bytes (byte chunks)

  // Metadata plus the payload leaves of one encoding, in schema order.
  std::vector<int> With(const std::vector<int>& payload) const;
};

// Splits the leaves of record column `column` by their full path below it: payloads are
// exactly planes[*].pixels, chunks[*].pixels and chunks[*].pixel_bytes (a leaf). Names
// anywhere else, the column's own included, mean nothing: a column called "pixels" or a
// metadata field called "chunks" is metadata.
ColumnLeaves CollectLeaves(const parquet::arrow::SchemaField& column);

// Every leaf below `field`, in schema order, appended to `out`.
void AppendAllLeaves(const parquet::arrow::SchemaField& field, std::vector<int>* out);

// Whether `field` is an OME-Arrow record column: a struct with pixels_meta and planes
// or chunks.
bool IsOmeStruct(const arrow::Field& field);

}  // namespace omearrow::internal
