// Test fixtures: dense images and OME-Arrow records built from them in every encoding.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <arrow/array.h>
#include <arrow/result.h>

#include "omearrow/image.h"
#include "omearrow/source/callback_source.h"
#include "omearrow/source/record.h"
#include "omearrow/tensor/dtype.h"

namespace omearrow::testing {

// A dense T×C×Z×Y×X image (C-order bytes of `dtype`): the ground truth for tests.
struct DenseImage {
  int64_t size_t = 1, size_c = 1, size_z = 1, size_y = 1, size_x = 1;
  DType dtype = DType::kUInt16;
  std::vector<uint8_t> bytes;

  int64_t Offset(int64_t t, int64_t c, int64_t z, int64_t y, int64_t x) const;
  // The value at (t, c, z, y, x) as a double (exact for every dtype used in tests).
  double At(int64_t t, int64_t c, int64_t z, int64_t y, int64_t x) const;
  const uint8_t* PlanePtr(int64_t t, int64_t c, int64_t z) const;
};

// The element of `dtype` at `p` (any alignment) as a double.
double LoadAsDouble(const uint8_t* p, DType dtype);

// Random pixels with a fixed seed. Integer dtypes use their full range (capped to
// ±2^24 for 32/64-bit types so doubles stay exact); floats include negatives/fractions.
DenseImage MakeRandomImage(int64_t st, int64_t sc, int64_t sz, int64_t sy, int64_t sx,
                           DType dtype, uint64_t seed);

enum class Encoding { kPlanes, kListChunks, kByteChunks, kByteChunksZstd, kByteChunksLz4 };
std::string EncodingLabel(Encoding encoding);

// How to write the record.
struct RecordSpec {
  Encoding encoding = Encoding::kPlanes;
  int64_t chunk_z = 1, chunk_y = 64, chunk_x = 64;  // chunk shape (clipped at edges)
  // Loosely typed like the JUMP files: int64 sizes/indices, double physical sizes,
  // alphabetical field order, no image_type/chunk_grid.
  bool loose = false;
  // Also write planes when writing list chunks (the reference's list encoding does).
  bool planes_with_chunks = true;
  // Leave out the plane/chunks at these (t, c, z) positions (they must read as zeros).
  std::vector<std::array<int64_t, 3>> missing;
  // pixels_meta.type; default: the image dtype's name.
  std::optional<std::string> meta_type;
  // Struct-level chunk_grid; written unless loose.
  bool with_chunk_grid = true;
};

// A one-row struct array holding `image` as an OME-Arrow record.
arrow::Result<std::shared_ptr<arrow::StructArray>> BuildRecord(const DenseImage& image,
                                                               const RecordSpec& spec);

// How Retype re-encodes a record's text and lists: the other valid forms that pandas,
// Polars and Arrow writers produce for the canonical string / list fields.
enum class TextForm { kString, kDictionary, kLargeString, kStringView };
enum class ListForm { kList, kLargeList, kListView, kLargeListView };
std::string TextFormLabel(TextForm form);
std::string ListFormLabel(ListForm form);

// `array` with every string (at any depth) stored as `text` (dictionary: int32 indices)
// and every list as `list`; values, nulls and nesting unchanged.
arrow::Result<std::shared_ptr<arrow::Array>> Retype(const std::shared_ptr<arrow::Array>& array,
                                                    TextForm text, ListForm list);

// Integer array of any Arrow integer/floating type from int64 values.
arrow::Result<std::shared_ptr<arrow::Array>> IntegerArray(
    const std::shared_ptr<arrow::DataType>& type, const std::vector<int64_t>& values);

// Every pixel of `image` in T, C, Z, Y, X order as doubles (the ground truth to compare).
std::vector<double> DenseValues(const DenseImage& image);

// Every pixel of `image` read through a TensorView (layout TCZYX, float64), for comparing
// a reader's output with DenseValues(). Aborts the test binary on error.
std::vector<double> ReadAllAsDoubles(const std::shared_ptr<const Image>& image);

// Arrow type of a dtype's elements.
std::shared_ptr<arrow::DataType> ArrowType(DType dtype);

}  // namespace omearrow::testing
