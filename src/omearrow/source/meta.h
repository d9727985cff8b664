// The meta-definition of the OME-Arrow format (the reference's ome_arrow.meta): the tag
// constants and the canonical Arrow types of a record, the one definition omearrow's
// writers, validation and the Python module omearrow.meta use.
#pragma once

#include <memory>
#include <vector>

#include <arrow/type.h>

namespace omearrow::meta {

// A record's `type` field and the `ome.arrow.type` Parquet schema metadata.
inline constexpr const char* kTagType = "ome.arrow";
// The format version omearrow writes (`version`, `ome.arrow.version`).
inline constexpr const char* kTagVersion = "0.1.0";

// OME_ARROW_STRUCT: pixels as list<uint16> in `planes` and list `chunks`.
std::shared_ptr<arrow::DataType> OmeArrowStruct();
// OME_ARROW_BYTE_STRUCT: the same with chunks holding typed bytes (dtype, compression,
// pixel_bytes: large_binary).
std::shared_ptr<arrow::DataType> OmeArrowByteStruct();
// OME_ARROW_KNOWN_STRUCTS: both, list struct first.
std::vector<std::shared_ptr<arrow::DataType>> KnownStructs();

// The `pixels_meta` and `chunk_grid` struct types of both records.
std::shared_ptr<arrow::DataType> PixelsMetaType();
std::shared_ptr<arrow::DataType> ChunkGridType();

}  // namespace omearrow::meta
