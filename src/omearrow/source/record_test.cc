#include <arrow/array.h>
#include <arrow/array/concatenate.h>
#include <arrow/util/compression.h>
#include <arrow/array/builder_binary.h>
#include <arrow/array/builder_primitive.h>
#include <arrow/array/array_dict.h>
#include <arrow/chunked_array.h>
#include <arrow/json/from_string.h>
#include <arrow/scalar.h>
#include <cstring>

#include <gtest/gtest.h>

#include <limits>

#include "omearrow/image.h"
#include "omearrow/materialize.h"
#include "omearrow/source/chunk_source.h"
#include "omearrow/tensor_view.h"
#include "omearrow/testing/gtest_util.h"
#include "omearrow/testing/record_builder.h"
#include "omearrow/util/struct_row.h"

namespace omearrow {
namespace {

using testing::BuildRecord;
using testing::DenseImage;
using testing::Encoding;
using testing::MakeRandomImage;
using testing::RecordSpec;

// A copy of `record` where the field at `path` (struct fields, or "name[]" for the
// struct elements of a list field) is replaced by `replacement`.
std::shared_ptr<arrow::Array> Replace(const std::shared_ptr<arrow::Array>& node,
                                      std::vector<std::string> path,
                                      const std::shared_ptr<arrow::Array>& replacement) {
  if (path.empty()) return replacement;
  const std::string head = path.front();
  path.erase(path.begin());
  if (head == "[]") {
    auto list = std::static_pointer_cast<arrow::ListArray>(node);
    auto values = Replace(list->values(), path, replacement);
    return std::make_shared<arrow::ListArray>(arrow::list(values->type()), list->length(),
                                              list->value_offsets(), values);
  }
  auto s = std::static_pointer_cast<arrow::StructArray>(node);
  std::vector<std::shared_ptr<arrow::Array>> children;
  std::vector<std::string> names;
  for (int i = 0; i < s->num_fields(); ++i) {
    names.push_back(s->type()->field(i)->name());
    children.push_back(names.back() == head ? Replace(s->field(i), path, replacement)
                                            : s->field(i));
  }
  return arrow::StructArray::Make(children, names).ValueOrDie();
}

std::shared_ptr<arrow::StructArray> ReplaceIn(const std::shared_ptr<arrow::StructArray>& record,
                                              std::vector<std::string> path,
                                              const std::shared_ptr<arrow::Array>& value) {
  return std::static_pointer_cast<arrow::StructArray>(Replace(record, std::move(path), value));
}

std::shared_ptr<arrow::StructArray> Drop(const std::shared_ptr<arrow::StructArray>& record,
                                         const std::string& name) {
  std::vector<std::shared_ptr<arrow::Array>> children;
  std::vector<std::string> names;
  for (int i = 0; i < record->num_fields(); ++i) {
    if (record->type()->field(i)->name() == name) continue;
    names.push_back(record->type()->field(i)->name());
    children.push_back(record->field(i));
  }
  return arrow::StructArray::Make(children, names).ValueOrDie();
}

std::shared_ptr<arrow::Array> Ints(std::shared_ptr<arrow::DataType> type,
                                   std::vector<int64_t> values) {
  return testing::IntegerArray(type, values).ValueOrDie();
}

std::shared_ptr<arrow::Array> Strs(std::vector<std::optional<std::string>> values) {
  arrow::StringBuilder b;
  for (auto& v : values) {
    if (v) {
      EXPECT_TRUE(b.Append(*v).ok());
    } else {
      EXPECT_TRUE(b.AppendNull().ok());
    }
  }
  return b.Finish().ValueOrDie();
}


class EncodingTest : public ::testing::TestWithParam<Encoding> {};

TEST_P(EncodingTest, ParsesMetadataAndReadsExactPixels) {
  auto dense = MakeRandomImage(2, 3, 5, 37, 41, DType::kUInt16, 7);
  RecordSpec spec;
  spec.encoding = GetParam();
  spec.chunk_z = 2, spec.chunk_y = 16, spec.chunk_x = 16;
  ASSERT_OK_AND_ASSIGN(auto record, BuildRecord(dense, spec));
  ASSERT_OK_AND_ASSIGN(auto image, ImageFromStructArray(record));
  const auto& pm = image->pixels_meta();
  EXPECT_EQ(pm.size_t, 2);
  EXPECT_EQ(pm.size_c, 3);
  EXPECT_EQ(pm.size_z, 5);
  EXPECT_EQ(pm.size_y, 37);
  EXPECT_EQ(pm.size_x, 41);
  EXPECT_EQ(pm.type, "uint16");
  EXPECT_EQ(pm.dimension_order, "XYZCT");
  ASSERT_EQ(pm.channels.size(), 3u);
  EXPECT_EQ(pm.channels[2].id, "ch-2");
  EXPECT_NEAR(*pm.physical_size_x, 0.65, 1e-6);
  EXPECT_EQ(pm.physical_size_x_unit, "µm");
  EXPECT_EQ(image->info().type, "ome.arrow");
  if (GetParam() == Encoding::kPlanes) {
    EXPECT_EQ(image->encoding(), PixelEncoding::kPlanes);
    EXPECT_FALSE(image->chunk_grid().has_value());
  } else {
    EXPECT_EQ(image->encoding(), GetParam() == Encoding::kListChunks
                                     ? PixelEncoding::kListChunks
                                     : PixelEncoding::kByteChunks);
    ASSERT_TRUE(image->chunk_grid().has_value());
    EXPECT_EQ(image->chunk_grid()->chunk_y, 16);
    EXPECT_EQ(image->chunk_grid()->chunk_order, "ZYX");
  }
  EXPECT_EQ(testing::ReadAllAsDoubles(image), testing::DenseValues(dense));
}

INSTANTIATE_TEST_SUITE_P(AllEncodings, EncodingTest,
                         ::testing::Values(Encoding::kPlanes, Encoding::kListChunks,
                                           Encoding::kByteChunks, Encoding::kByteChunksZstd,
                                           Encoding::kByteChunksLz4),
                         [](const auto& info) { return testing::EncodingLabel(info.param); });

TEST(RecordTest, ListOffsetsNearTheInt32LimitsAreRefused) {
  // Offsets [INT32_MIN, 6]: their difference overflows int32 (a record_fuzzer finding,
  // fuzz/regressions/record_fuzzer/list-offsets-overflow).
  const int32_t offsets[] = {std::numeric_limits<int32_t>::min(), 6};
  ASSERT_OK_AND_ASSIGN(auto values, arrow::json::ArrayFromJSONString(
                                         arrow::int64(), "[1, 2, 3, 4, 5, 6, 7, 8]"));
  auto list = std::make_shared<arrow::ListArray>(
      arrow::list(arrow::int64()), 1,
      arrow::Buffer::Wrap(offsets, 2), values);
  EXPECT_STATUS(internal::ListAt(list, 0, "chunks"), Invalid,
                "chunks has list offsets [-2147483648, 6) outside its values (length 8)");
}

TEST(RecordTest, LooselyTypedAlphabeticalRecordReads) {
  auto dense = MakeRandomImage(1, 2, 3, 9, 11, DType::kUInt16, 3);
  RecordSpec spec;
  spec.loose = true;
  ASSERT_OK_AND_ASSIGN(auto record, BuildRecord(dense, spec));
  EXPECT_EQ(record->type()->field(0)->name(), "id");  // alphabetical, no image_type
  ASSERT_OK_AND_ASSIGN(auto image, ImageFromStructArray(record));
  EXPECT_EQ(image->pixels_meta().size_c, 2);
  EXPECT_FALSE(image->info().image_type.has_value());
  EXPECT_EQ(testing::ReadAllAsDoubles(image), testing::DenseValues(dense));

  spec.encoding = Encoding::kByteChunksZstd;
  ASSERT_OK_AND_ASSIGN(record, BuildRecord(dense, spec));
  ASSERT_OK_AND_ASSIGN(image, ImageFromStructArray(record));
  EXPECT_EQ(testing::ReadAllAsDoubles(image), testing::DenseValues(dense));
}

// Text as dictionary / large_string / string_view and lists as large_list / list_view
// (pandas and Polars categoricals, Arrow's other layouts) read like the canonical types,
// metadata and pixels alike, in every encoding.
TEST(RecordTest, EveryTextAndListFormReads) {
  auto dense = MakeRandomImage(2, 3, 3, 9, 10, DType::kUInt16, 13);
  for (auto encoding : {Encoding::kPlanes, Encoding::kListChunks, Encoding::kByteChunksZstd}) {
    RecordSpec spec;
    spec.encoding = encoding;
    spec.chunk_z = 2, spec.chunk_y = 4, spec.chunk_x = 8;
    ASSERT_OK_AND_ASSIGN(auto canonical, BuildRecord(dense, spec));
    for (auto text : {testing::TextForm::kString, testing::TextForm::kDictionary,
                      testing::TextForm::kLargeString, testing::TextForm::kStringView}) {
      for (auto list : {testing::ListForm::kList, testing::ListForm::kLargeList,
                        testing::ListForm::kListView, testing::ListForm::kLargeListView}) {
        SCOPED_TRACE(testing::EncodingLabel(encoding) + " " + testing::TextFormLabel(text) +
                     " " + testing::ListFormLabel(list));
        ASSERT_OK_AND_ASSIGN(auto retyped, testing::Retype(canonical, text, list));
        ASSERT_OK_AND_ASSIGN(auto image, ImageFromArray(retyped));
        const auto& pm = image->pixels_meta();
        EXPECT_EQ(pm.type, "uint16");
        EXPECT_EQ(pm.dimension_order, "XYZCT");
        EXPECT_EQ(pm.physical_size_x_unit, "µm");
        ASSERT_EQ(pm.channels.size(), 3u);
        EXPECT_EQ(pm.channels[0].id, "ch-0");
        EXPECT_EQ(pm.channels[2].id, "ch-2");
        EXPECT_EQ(image->info().type, "ome.arrow");
        if (encoding != Encoding::kPlanes) {
          ASSERT_TRUE(image->chunk_grid().has_value());
          EXPECT_EQ(image->chunk_grid()->chunk_order, "ZYX");
        }
        EXPECT_EQ(testing::ReadAllAsDoubles(image), testing::DenseValues(dense));
      }
    }
  }
}

// Dictionary-encoded integers (categoricals of numbers) read as their values; a null
// dictionary entry is a missing value.
TEST(RecordTest, DictionaryEncodedNumbersAndNullEntries) {
  auto dense = MakeRandomImage(1, 2, 2, 5, 6, DType::kUInt16, 3);
  ASSERT_OK_AND_ASSIGN(auto record, BuildRecord(dense, RecordSpec{}));
  // planes[*].c as dictionary<int8, int64> = [9, 1, 0] with indices pointing at the truth.
  auto planes = std::static_pointer_cast<arrow::ListArray>(record->GetFieldByName("planes"));
  auto entries = std::static_pointer_cast<arrow::StructArray>(planes->values());
  auto c = entries->GetFieldByName("c");
  arrow::Int8Builder indices;
  for (int64_t i = 0; i < c->length(); ++i) {
    ASSERT_OK_AND_ASSIGN(int64_t value, internal::ReadInteger(*c, i, "c"));
    ASSERT_OK(indices.Append(static_cast<int8_t>(value == 0 ? 2 : 1)));
  }
  ASSERT_OK_AND_ASSIGN(auto index_array, indices.Finish());
  ASSERT_OK_AND_ASSIGN(auto dictionary_c,
                       arrow::DictionaryArray::FromArrays(
                           arrow::dictionary(arrow::int8(), arrow::int64()), index_array,
                           Ints(arrow::int64(), {9, 1, 0})));
  auto with_dict = ReplaceIn(record, {"planes", "[]", "c"}, dictionary_c);
  ASSERT_OK_AND_ASSIGN(auto image, ImageFromStructArray(with_dict));
  EXPECT_EQ(testing::ReadAllAsDoubles(image), testing::DenseValues(dense));

  // name = dictionary entry that is null: absent, like a null string.
  ASSERT_OK_AND_ASSIGN(auto null_name,
                       arrow::DictionaryArray::FromArrays(
                           arrow::dictionary(arrow::int32(), arrow::utf8()),
                           Ints(arrow::int32(), {1}), Strs({"x", std::nullopt})));
  ASSERT_OK_AND_ASSIGN(image, ImageFromStructArray(ReplaceIn(record, {"name"}, null_name)));
  EXPECT_FALSE(image->info().name.has_value());
}

TEST(RecordTest, EveryPixelDtypeReads) {
  for (int i = 0; i < kNumDTypes; ++i) {
    const auto dtype = static_cast<DType>(i);
    SCOPED_TRACE(std::string(DTypeName(dtype)));
    auto dense = MakeRandomImage(1, 2, 2, 7, 5, dtype, 11 + i);
    for (auto encoding : {Encoding::kPlanes, Encoding::kListChunks, Encoding::kByteChunks}) {
      RecordSpec spec;
      spec.encoding = encoding;
      spec.chunk_y = 4;
      spec.chunk_x = 3;
      ASSERT_OK_AND_ASSIGN(auto record, BuildRecord(dense, spec));
      ASSERT_OK_AND_ASSIGN(auto image, ImageFromStructArray(record));
      EXPECT_EQ(testing::ReadAllAsDoubles(image), testing::DenseValues(dense));
    }
  }
}

TEST(RecordTest, MissingPlanesAndChunksReadAsZeros) {
  auto dense = MakeRandomImage(2, 2, 2, 6, 6, DType::kUInt8, 5);
  for (auto encoding : {Encoding::kPlanes, Encoding::kListChunks, Encoding::kByteChunksZstd}) {
    RecordSpec spec;
    spec.encoding = encoding;
    spec.missing = {{1, 0, 1}, {0, 1, 0}};
    ASSERT_OK_AND_ASSIGN(auto record, BuildRecord(dense, spec));
    ASSERT_OK_AND_ASSIGN(auto image, ImageFromStructArray(record));
    auto expected = dense;
    for (auto [t, c, z] : spec.missing) {
      std::fill_n(expected.bytes.begin() + expected.Offset(t, c, z, 0, 0), 36, 0);
    }
    EXPECT_EQ(testing::ReadAllAsDoubles(image), testing::DenseValues(expected)) << testing::EncodingLabel(encoding);
  }
}

TEST(RecordTest, ChunksWinOverPlanes) {
  auto truth = MakeRandomImage(1, 1, 2, 8, 8, DType::kUInt16, 1);
  auto other = MakeRandomImage(1, 1, 2, 8, 8, DType::kUInt16, 2);
  RecordSpec chunked;
  chunked.encoding = Encoding::kListChunks;
  chunked.planes_with_chunks = false;
  ASSERT_OK_AND_ASSIGN(auto with_chunks, BuildRecord(truth, chunked));
  ASSERT_OK_AND_ASSIGN(auto with_planes, BuildRecord(other, RecordSpec{}));
  auto both = ReplaceIn(with_chunks, {"planes"}, with_planes->GetFieldByName("planes"));
  ASSERT_OK_AND_ASSIGN(auto image, ImageFromStructArray(both));
  EXPECT_EQ(image->encoding(), PixelEncoding::kListChunks);
  EXPECT_EQ(testing::ReadAllAsDoubles(image), testing::DenseValues(truth));
}

TEST(RecordTest, ScalarChunkedArrayAndRowSources) {
  auto a = MakeRandomImage(1, 1, 1, 4, 4, DType::kUInt16, 1);
  auto b = MakeRandomImage(1, 1, 1, 4, 4, DType::kUInt16, 2);
  auto ra = BuildRecord(a, {}).ValueOrDie();
  auto rb = BuildRecord(b, {}).ValueOrDie();
  ASSERT_OK_AND_ASSIGN(auto two_rows, arrow::Concatenate({ra, rb}));
  ASSERT_OK_AND_ASSIGN(auto second, ImageFromArray(two_rows, 1));
  EXPECT_EQ(testing::ReadAllAsDoubles(second), testing::DenseValues(b));
  EXPECT_STATUS(ImageFromArray(two_rows, 2), IndexError,
                "row 2 is out of range for 2 OME-Arrow records");

  ASSERT_OK_AND_ASSIGN(auto scalar, ra->GetScalar(0));
  ASSERT_OK_AND_ASSIGN(auto from_scalar,
                       ImageFromStructScalar(static_cast<const arrow::StructScalar&>(*scalar)));
  EXPECT_EQ(from_scalar->origin(), RecordOrigin::kStructScalar);
  EXPECT_EQ(testing::ReadAllAsDoubles(from_scalar), testing::DenseValues(a));

  auto chunked = std::make_shared<arrow::ChunkedArray>(arrow::ArrayVector{ra->Slice(0, 0), ra, rb});
  ASSERT_OK_AND_ASSIGN(auto first, ImageFromChunkedArray(chunked, ChunkPolicy::kAuto));
  EXPECT_EQ(first->origin(), RecordOrigin::kMultiChunkArray);
  EXPECT_EQ(testing::ReadAllAsDoubles(first), testing::DenseValues(a));
  ASSERT_OK_AND_ASSIGN(first, ImageFromChunkedArray(chunked, ChunkPolicy::kCombine));
  EXPECT_EQ(first->origin(), RecordOrigin::kStructArray);
  auto empty = std::make_shared<arrow::ChunkedArray>(arrow::ArrayVector{}, ra->type());
  EXPECT_STATUS(ImageFromChunkedArray(empty, ChunkPolicy::kKeep), Invalid,
                "Cannot create TensorView from an empty OME-Arrow array.");
  EXPECT_STATUS(ImageFromArray(ra->Slice(0, 0)), Invalid,
                "Cannot create TensorView from an empty OME-Arrow array.");
  EXPECT_STATUS(ParseChunkPolicy("eager"), Invalid,
                "Unsupported chunk_policy 'eager'. Expected one of: auto, combine, keep.");
}

// ---- bad input: each gives a Status naming the field and the values ----

class BadRecordTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dense_ = MakeRandomImage(1, 2, 2, 8, 8, DType::kUInt16, 4);
    planes_ = BuildRecord(dense_, {}).ValueOrDie();
    RecordSpec bytes;
    bytes.encoding = Encoding::kByteChunksZstd;
    bytes.chunk_y = 4;
    zstd_ = BuildRecord(dense_, bytes).ValueOrDie();
    bytes.encoding = Encoding::kByteChunks;
    raw_ = BuildRecord(dense_, bytes).ValueOrDie();
    RecordSpec list;
    list.encoding = Encoding::kListChunks;
    list.chunk_y = 4;
    list_ = BuildRecord(dense_, list).ValueOrDie();
  }
  // Materializes everything (errors in payloads surface when the chunk is read).
  arrow::Status ParseAndRead(const std::shared_ptr<arrow::StructArray>& record) {
    ARROW_ASSIGN_OR_RAISE(auto image, ImageFromStructArray(record));
    ARROW_ASSIGN_OR_RAISE(auto view, TensorView::Make(image));
    return view.Materialize().status();
  }
  DenseImage dense_;
  std::shared_ptr<arrow::StructArray> planes_, zstd_, raw_, list_;
};

TEST_F(BadRecordTest, MissingPixelsMeta) {
  EXPECT_STATUS(ParseAndRead(Drop(planes_, "pixels_meta")), Invalid,
                "pixels_meta is missing from OME-Arrow record.");
}

TEST_F(BadRecordTest, NonPositiveSizes) {
  EXPECT_STATUS(ParseAndRead(ReplaceIn(planes_, {"pixels_meta", "size_x"},
                                       Ints(arrow::int32(), {0}))),
                Invalid, "All size_* fields must be positive integers: pixels_meta.size_x=0");
  EXPECT_STATUS(ParseAndRead(ReplaceIn(planes_, {"pixels_meta", "size_c"},
                                       Ints(arrow::int16(), {-2}))),
                Invalid, "All size_* fields must be positive integers: pixels_meta.size_c=-2");
  EXPECT_STATUS(ParseAndRead(ReplaceIn(planes_, {"pixels_meta", "size_y"},
                                       Ints(arrow::int64(), {int64_t{1} << 62}))),
                Invalid,
                "pixels_meta sizes are too large: (T=1, C=2, Z=2, Y=4611686018427387904, X=8)");
  EXPECT_STATUS(ParseAndRead(ReplaceIn(planes_, {"pixels_meta", "size_y"},
                                       Ints(arrow::int64(), {int64_t{1} << 40}))),
                Invalid, "planes[0].pixels length 64 != size_x*size_y 8796093022208");
  EXPECT_STATUS(ParseAndRead(ReplaceIn(planes_, {"pixels_meta", "size_z"}, Strs({"2"}))),
                TypeError, "pixels_meta.size_z must be an integer, got type string");
  EXPECT_STATUS(ParseAndRead(ReplaceIn(planes_, {"pixels_meta", "size_t"},
                                       std::make_shared<arrow::NullArray>(1))),
                Invalid, "pixels_meta.size_t is missing");
}

TEST_F(BadRecordTest, PlaneWithWrongPixelCount) {
  // Claim 9 columns: every 64-pixel plane is now the wrong length.
  EXPECT_STATUS(ParseAndRead(ReplaceIn(planes_, {"pixels_meta", "size_x"},
                                       Ints(arrow::int32(), {9}))),
                Invalid, "planes[0].pixels length 64 != size_x*size_y 72");
}

TEST_F(BadRecordTest, PlaneIndexOutOfRange) {
  auto planes = std::static_pointer_cast<arrow::ListArray>(planes_->GetFieldByName("planes"));
  const int64_t n = planes->values()->length();
  std::vector<int64_t> z(static_cast<size_t>(n), 0);
  z[1] = 5;
  EXPECT_STATUS(ParseAndRead(ReplaceIn(planes_, {"planes", "[]", "z"}, Ints(arrow::int32(), z))),
                Invalid, "planes[1] index out of range: (z,t,c)=(5,0,0)");
}

TEST_F(BadRecordTest, ChunkOutOfBounds) {
  auto chunks = std::static_pointer_cast<arrow::ListArray>(list_->GetFieldByName("chunks"));
  const int64_t n = chunks->values()->length();
  std::vector<int64_t> y(static_cast<size_t>(n), 0);
  y[0] = 6;  // a 4-row chunk at y=6 ends at 10 > 8
  EXPECT_STATUS(ParseAndRead(ReplaceIn(list_, {"chunks", "[]", "y"}, Ints(arrow::int32(), y))),
                Invalid, "chunks[0] extent out of range: y+shape_y=10 > sy=8");
  std::vector<int64_t> t(static_cast<size_t>(n), 0);
  t[3] = 1;
  EXPECT_STATUS(ParseAndRead(ReplaceIn(list_, {"chunks", "[]", "t"}, Ints(arrow::int32(), t))),
                Invalid, "chunks[3] index out of range: (t,c,z)=(1,0,1)");
  std::vector<int64_t> shape(static_cast<size_t>(n), 8);
  shape[2] = 0;
  EXPECT_STATUS(
      ParseAndRead(ReplaceIn(list_, {"chunks", "[]", "shape_x"}, Ints(arrow::int32(), shape))),
      Invalid, "chunks[2] has invalid shape or origin.");
}

TEST_F(BadRecordTest, ChunkPayloadOfWrongLength) {
  auto chunks = std::static_pointer_cast<arrow::ListArray>(raw_->GetFieldByName("chunks"));
  const int64_t n = chunks->values()->length();
  arrow::LargeBinaryBuilder payloads;
  for (int64_t i = 0; i < n; ++i) {
    std::string bytes(i == 1 ? 63 : 64, '\0');  // 1x4x8 uint16 = 64 bytes
    ASSERT_OK(payloads.Append(bytes));
  }
  ASSERT_OK_AND_ASSIGN(auto payload_array, payloads.Finish());
  EXPECT_STATUS(ParseAndRead(ReplaceIn(raw_, {"chunks", "[]", "pixel_bytes"}, payload_array)),
                Invalid, "chunks[1] pixel payload length 63 bytes != expected 64 bytes (1x4x8 uint16)");
}

TEST_F(BadRecordTest, UnknownDtypeAndCodec) {
  auto chunks = std::static_pointer_cast<arrow::ListArray>(raw_->GetFieldByName("chunks"));
  const int64_t n = chunks->values()->length();
  std::vector<std::optional<std::string>> dtypes(static_cast<size_t>(n), "uint16");
  dtypes[2] = "uint12";
  EXPECT_STATUS(ParseAndRead(ReplaceIn(raw_, {"chunks", "[]", "dtype"}, Strs(dtypes))), Invalid,
                "chunks[2].dtype: unknown dtype 'uint12' (expected one of uint8, int8, "
                "uint16, int16, uint32, int32, uint64, int64, float32, float64)");
  std::vector<std::optional<std::string>> codecs(static_cast<size_t>(n), "zstd");
  codecs[3] = "lzma9";
  EXPECT_STATUS(ParseAndRead(ReplaceIn(zstd_, {"chunks", "[]", "compression"}, Strs(codecs))),
                Invalid, "chunks[3].compression: unknown or unavailable codec 'lzma9'");
}

TEST_F(BadRecordTest, CorruptCompressedChunk) {
  auto chunks = std::static_pointer_cast<arrow::ListArray>(zstd_->GetFieldByName("chunks"));
  auto entries = std::static_pointer_cast<arrow::StructArray>(chunks->values());
  auto payloads = std::static_pointer_cast<arrow::LargeBinaryArray>(
      entries->GetFieldByName("pixel_bytes"));
  arrow::LargeBinaryBuilder corrupted;
  for (int64_t i = 0; i < payloads->length(); ++i) {
    std::string bytes(payloads->GetView(i));
    if (i == 0) bytes[bytes.size() / 2] ^= 0x5A, bytes.resize(bytes.size() - 3);
    ASSERT_OK(corrupted.Append(bytes));
  }
  ASSERT_OK_AND_ASSIGN(auto corrupted_array, corrupted.Finish());
  EXPECT_STATUS_HAS(
      ParseAndRead(ReplaceIn(zstd_, {"chunks", "[]", "pixel_bytes"}, corrupted_array)),
      "chunks[0]: corrupt zstd payload");
  // A valid frame that decodes to the wrong size ("lying length"): zstd rejects it from
  // the frame header, lz4 after decoding.
  for (auto [encoding, codec_type, expected] :
       {std::tuple{Encoding::kByteChunksZstd, arrow::Compression::ZSTD,
                   "chunks[0]: corrupt zstd payload (19 bytes): Corrupt ZSTD compressed data."},
        std::tuple{Encoding::kByteChunksLz4, arrow::Compression::LZ4_FRAME,
                   "chunks[0]: lz4 payload decompressed to 10 bytes, expected 64"}}) {
  RecordSpec spec;
  spec.encoding = encoding;
  spec.chunk_y = 4;
  auto record = BuildRecord(dense_, spec).ValueOrDie();
  auto entries = std::static_pointer_cast<arrow::StructArray>(
      std::static_pointer_cast<arrow::ListArray>(record->GetFieldByName("chunks"))->values());
  auto payloads = std::static_pointer_cast<arrow::LargeBinaryArray>(
      entries->GetFieldByName("pixel_bytes"));
  ASSERT_OK_AND_ASSIGN(auto codec, arrow::util::Codec::Create(codec_type));
  std::string small(10, 'x');
  std::vector<uint8_t> frame(256);
  ASSERT_OK_AND_ASSIGN(int64_t size,
                       codec->Compress(10, reinterpret_cast<const uint8_t*>(small.data()), 256,
                                       frame.data()));
  arrow::LargeBinaryBuilder lying;
  for (int64_t i = 0; i < payloads->length(); ++i) {
    if (i == 0) {
      ASSERT_OK(lying.Append(frame.data(), size));
    } else {
      ASSERT_OK(lying.Append(payloads->GetView(i)));
    }
  }
  ASSERT_OK_AND_ASSIGN(auto lying_array, lying.Finish());
  EXPECT_STATUS(ParseAndRead(ReplaceIn(record, {"chunks", "[]", "pixel_bytes"}, lying_array)),
                Invalid, expected);
  }
}

TEST_F(BadRecordTest, DictionaryIndexOutsideItsDictionary) {
  // Not validated on import (Validate() leaves dictionary indices unchecked): an error,
  // never a read past the dictionary.
  auto bad = std::make_shared<arrow::DictionaryArray>(
      arrow::dictionary(arrow::int32(), arrow::utf8()), Ints(arrow::int32(), {5}),
      Strs({"ome.arrow"}));
  EXPECT_STATUS(ParseAndRead(ReplaceIn(planes_, {"type"}, bad)), Invalid,
                "type has dictionary index 5 outside its dictionary (length 1)");
  auto numbers = std::make_shared<arrow::DictionaryArray>(
      arrow::dictionary(arrow::int32(), arrow::utf8()), Ints(arrow::int32(), {0}),
      Strs({"ome.arrow"}));
  EXPECT_STATUS(ParseAndRead(ReplaceIn(planes_, {"pixels_meta", "size_x"}, numbers)),
                TypeError, "pixels_meta.size_x must be an integer, got type string");
}

TEST_F(BadRecordTest, UnsupportedChunkOrder) {
  EXPECT_STATUS(ParseAndRead(ReplaceIn(list_, {"chunk_grid", "chunk_order"}, Strs({"XYZ"}))),
                Invalid, "Only chunk_order='ZYX' is supported for now.");
}

TEST_F(BadRecordTest, NotAStruct) {
  EXPECT_STATUS(ImageFromArray(Ints(arrow::int32(), {1})), TypeError,
                "OME-Arrow records must be a struct array, got int32");
}

// A raw byte chunk handed out by DecodeChunk keeps the record's memory alive after the
// image and the record array are gone (review finding: it was a non-owning view).
TEST(ChunkSourceTest, UncompressedChunkBuffersOwnTheirMemory) {
  auto dense = testing::MakeRandomImage(1, 1, 1, 8, 8, DType::kUInt16, 5);
  RecordSpec spec;
  spec.encoding = Encoding::kByteChunks;
  spec.chunk_y = 8;
  spec.chunk_x = 8;
  std::shared_ptr<arrow::Buffer> chunk;
  {
    ASSERT_OK_AND_ASSIGN(auto record, testing::BuildRecord(dense, spec));
    ASSERT_OK_AND_ASSIGN(auto image, ImageFromStructArray(record));
    const auto* source = dynamic_cast<const ArrowChunkSource*>(&image->source());
    ASSERT_NE(source, nullptr);
    ASSERT_OK_AND_ASSIGN(chunk, source->DecodeChunk(0));
  }  // record and image released here; under ASan a dangling view is reported below
  ASSERT_EQ(chunk->size(), 8 * 8 * 2);
  std::vector<uint16_t> values(64);
  std::memcpy(values.data(), chunk->data(), 128);
  const auto expected = testing::DenseValues(dense);
  for (size_t i = 0; i < 64; ++i) EXPECT_EQ(values[i], expected[i]);
}

}  // namespace
}  // namespace omearrow
