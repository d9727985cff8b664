// Memory bounds: records and files that claim huge sizes fail fast, before allocating,
// with errors naming the size and the limit (view_limits.h).
#include <gtest/gtest.h>

#include <string>

#include <arrow/json/from_string.h>
#include <arrow/type.h>

#include "omearrow/image.h"
#include "omearrow/io/ome_xml.h"
#include "omearrow/io/tiff_source.h"
#include "omearrow/source/chunk_index.h"
#include "omearrow/source/record.h"
#include "omearrow/tensor_view.h"
#include "omearrow/testing/gtest_util.h"
#include "omearrow/util/view_limits.h"

namespace omearrow {
namespace {

std::shared_ptr<arrow::DataType> PlanesRecordType() {
  auto plane = arrow::struct_({arrow::field("t", arrow::int64()), arrow::field("z", arrow::int64()),
                               arrow::field("c", arrow::int64()),
                               arrow::field("pixels", arrow::list(arrow::uint16()))});
  auto meta = arrow::struct_(
      {arrow::field("type", arrow::utf8()), arrow::field("size_x", arrow::int64()),
       arrow::field("size_y", arrow::int64()), arrow::field("size_z", arrow::int64()),
       arrow::field("size_c", arrow::int64()), arrow::field("size_t", arrow::int64())});
  return arrow::struct_({arrow::field("pixels_meta", meta),
                         arrow::field("planes", arrow::list(plane))});
}

// A planes record claiming (T, C, Z, Y, X) and storing `planes_json` (a JSON list).
arrow::Result<std::shared_ptr<const Image>> PlanesRecord(int64_t t, int64_t c, int64_t z,
                                                         int64_t y, int64_t x,
                                                         const std::string& planes_json) {
  const std::string json = "[{\"pixels_meta\": {\"type\": \"uint16\", \"size_x\": " +
                           std::to_string(x) + ", \"size_y\": " + std::to_string(y) +
                           ", \"size_z\": " + std::to_string(z) + ", \"size_c\": " +
                           std::to_string(c) + ", \"size_t\": " + std::to_string(t) +
                           "}, \"planes\": " + planes_json + "}]";
  ARROW_ASSIGN_OR_RAISE(auto array, arrow::json::ArrayFromJSONString(PlanesRecordType(), json));
  return ImageFromArray(array, 0);
}

class LimitsTest : public ::testing::Test {
 protected:
  void TearDown() override { SetMaxViewBytes(0); }  // restore the default
};

TEST_F(LimitsTest, DefaultCeilingIs16GiB) {
  EXPECT_EQ(kDefaultMaxViewBytes, int64_t{16} << 30);
  EXPECT_EQ(MaxViewBytes(), kDefaultMaxViewBytes);
  SetMaxViewBytes(1234);
  EXPECT_EQ(MaxViewBytes(), 1234);
  SetMaxViewBytes(0);
  EXPECT_EQ(MaxViewBytes(), kDefaultMaxViewBytes);
}

TEST_F(LimitsTest, HugeViewFailsBeforeAllocating) {
  // size_x = 2^31, size_y = 8, no stored plane: a legal record (missing planes read as
  // zeros) whose full view would need 32 GiB.
  ASSERT_OK_AND_ASSIGN(auto image, PlanesRecord(1, 1, 1, 8, int64_t{1} << 31, "[]"));
  ASSERT_OK_AND_ASSIGN(auto view, TensorView::Make(image));
  EXPECT_STATUS(view.Materialize(), CapacityError,
                "materializing a view of shape (1, 8, 2147483648) uint16 needs 34359738368 "
                "bytes, more than the limit of 17179869184 bytes "
                "(omearrow::SetMaxViewBytes / OMEARROW_MAX_VIEW_BYTES)");
  EXPECT_STATUS_HAS(view.ToArray(), "more than the limit of 17179869184 bytes");
  // A crop of it is fine.
  ViewOptions crop;
  crop.selection.roi = std::vector<int64_t>{int64_t{1} << 30, 0, 16, 8};
  ASSERT_OK_AND_ASSIGN(auto small, TensorView::Make(image, crop));
  ASSERT_OK_AND_ASSIGN(Tensor tensor, small.Materialize());
  EXPECT_EQ(reinterpret_cast<const uint16_t*>(tensor.data)[0], 0);
}

TEST_F(LimitsTest, PerCallAndProcessWideCeilings) {
  ASSERT_OK_AND_ASSIGN(auto image, PlanesRecord(1, 1, 1, 4, 4, "[]"));
  ASSERT_OK_AND_ASSIGN(auto view, TensorView::Make(image));
  MaterializeOptions options;
  options.max_output_bytes = 31;
  EXPECT_STATUS(view.Materialize(MemoryOrder::kContiguous, options), CapacityError,
                "materializing a view of shape (1, 4, 4) uint16 needs 32 bytes, more than "
                "the limit of 31 bytes (omearrow::SetMaxViewBytes / "
                "OMEARROW_MAX_VIEW_BYTES)");
  options.max_output_bytes = 32;
  EXPECT_OK(view.Materialize(MemoryOrder::kContiguous, options));
  SetMaxViewBytes(16);
  EXPECT_STATUS_HAS(view.Materialize(), "needs 32 bytes, more than the limit of 16 bytes");
  EXPECT_STATUS_HAS(view.Export("cpu", true, "numpy", nullptr), "limit of 16 bytes");
}

TEST_F(LimitsTest, PlaneSlotsMustBeBackedByStoredPlanes) {
  const std::string one_plane = "[{\"t\": 0, \"z\": 0, \"c\": 0, \"pixels\": [1, 2, 3, 4]}]";
  // Z = 10^6 with one stored plane: within the 2^24 free slots; missing planes are zeros.
  ASSERT_OK_AND_ASSIGN(auto image, PlanesRecord(1, 1, 1000000, 2, 2, one_plane));
  ViewOptions options;
  options.selection.z = IndexSpec::List({0, 999999});
  ASSERT_OK_AND_ASSIGN(auto view, TensorView::Make(image, options));
  ASSERT_OK_AND_ASSIGN(Tensor tensor, view.Materialize());
  const auto* values = reinterpret_cast<const uint16_t*>(tensor.data);
  EXPECT_EQ(values[0], 1);
  EXPECT_EQ(values[3], 4);
  EXPECT_EQ(values[4], 0);
  // T*C*Z = 10^9 slots backed by one plane: refused when parsing, before any table.
  EXPECT_STATUS(PlanesRecord(1000, 1, 1000000, 2, 2, one_plane), Invalid,
                "the record claims 1000000000 plane slots (T*C*Z) but stores only 1 planes "
                "or chunks; at most max(16777216, 64 x stored) slots are indexed");
  EXPECT_STATUS_HAS(PlanesRecord(1 << 20, 1 << 10, 1, 1, 1, "[]"), "plane slots");
}

TEST_F(LimitsTest, CheckPlaneSlots) {
  // The backing rule alone (2^30 slots need a 16 GiB table: see PlaneSlotTablesFitTheCeiling).
  SetMaxViewBytes(int64_t{1} << 40);
  EXPECT_OK(CheckPlaneSlots(kMaxUnbackedPlaneSlots, 0, "x"));
  EXPECT_FALSE(CheckPlaneSlots(kMaxUnbackedPlaneSlots + 1, 0, "x").ok());
  EXPECT_OK(CheckPlaneSlots(int64_t{64} << 24, int64_t{1} << 24, "x"));
  EXPECT_FALSE(CheckPlaneSlots((int64_t{64} << 24) + 1, int64_t{1} << 24, "x").ok());
}

TEST_F(LimitsTest, PlaneSlotTablesFitTheCeiling) {
  // 10^6 slots are within the unbacked allowance, but their tables (16 bytes a slot) are
  // buffers sized from the record too.
  SetMaxViewBytes(1000000);
  EXPECT_STATUS(CheckPlaneSlots(1000000, 1, "x"), CapacityError,
                "x: an index of 1000000 plane slots needs 16000016 bytes, more than the "
                "limit of 1000000 bytes (omearrow::SetMaxViewBytes / "
                "OMEARROW_MAX_VIEW_BYTES)");
  EXPECT_OK(CheckPlaneSlots(62499, 1, "x"));
  EXPECT_STATUS_HAS(CheckPlaneSlots(INT64_MAX, INT64_MAX, "x"), "needs 9223372036854775807");
}

TEST_F(LimitsTest, ReaderPoolRefusesBuffersBeyondTwiceTheCeiling) {
  SetMaxViewBytes(1000);
  EXPECT_EQ(MaxReaderBufferBytes(), 2000);
  uint8_t* data = nullptr;
  EXPECT_STATUS(ReaderMemoryPool()->Allocate(2001, &data), CapacityError,
                "a file reader asked for one buffer of 2001 bytes, more than the limit of "
                "2000 bytes (twice omearrow::SetMaxViewBytes / OMEARROW_MAX_VIEW_BYTES)");
  ASSERT_OK(ReaderMemoryPool()->Allocate(2000, &data));
  EXPECT_STATUS_HAS(ReaderMemoryPool()->Reallocate(2000, 4000, &data),
                    "one buffer of 4000 bytes");
  ReaderMemoryPool()->Free(data, 2000);
  SetMaxViewBytes(INT64_MAX);
  EXPECT_EQ(MaxReaderBufferBytes(), INT64_MAX);
}

TEST_F(LimitsTest, DecompressChunkWithLyingSize) {
  const uint8_t payload[] = {1, 2, 3, 4};
  EXPECT_STATUS(DecompressChunk(arrow::Compression::ZSTD, payload, 4, int64_t{1} << 40,
                                "chunks[3]"),
                CapacityError,
                "chunks[3]: decompressing a chunk needs 1099511627776 bytes, more than the "
                "limit of 17179869184 bytes (omearrow::SetMaxViewBytes / "
                "OMEARROW_MAX_VIEW_BYTES)");
  EXPECT_STATUS(DecompressChunk(arrow::Compression::ZSTD, payload, 4, -1, "chunks[3]"),
                Invalid, "chunks[3]: negative decoded size -1");
  EXPECT_STATUS_HAS(
      DecompressChunk(arrow::Compression::ZSTD, payload, 4, 100, "chunks[3]"),
      "chunks[3]: corrupt");
}

TEST_F(LimitsTest, OmeXmlPlaneCountIsBounded) {
  const std::string xml =
      "<OME><Image><Pixels DimensionOrder=\"XYZCT\" Type=\"uint8\" SizeX=\"1\" SizeY=\"1\" "
      "SizeZ=\"33554432\" SizeC=\"1\" SizeT=\"1\"/></Image></OME>";
  EXPECT_STATUS_HAS(ParseOmeXml(xml), "claims 33554432 plane slots");
}

TEST_F(LimitsTest, OmeXmlIfdNumbersDoNotOverflow) {
  const std::string xml =
      "<OME><Image><Pixels DimensionOrder=\"XYZCT\" Type=\"uint8\" SizeX=\"1\" "
      "SizeY=\"1\" SizeZ=\"2\" SizeC=\"1\" SizeT=\"1\"><TiffData "
      "IFD=\"9223372036854775807\" PlaneCount=\"2\"/></Pixels></Image></OME>";
  EXPECT_STATUS(ParseOmeXml(xml), Invalid,
                "OME-XML: TiffData IFD 9223372036854775807 with PlaneCount 2 overflows the "
                "IFD numbers");
}

TEST_F(LimitsTest, OmeXmlSamplesPerPixelIsBounded) {
  // SizeC is only required to be a multiple of SamplesPerPixel: both unbounded, a
  // 2^32-channel image of one stored plane.
  const std::string xml =
      "<OME><Image><Pixels DimensionOrder=\"XYZCT\" Type=\"uint8\" SizeX=\"1\" "
      "SizeY=\"1\" SizeZ=\"1\" SizeC=\"4294967296\" SizeT=\"1\"><Channel "
      "SamplesPerPixel=\"4294967296\"/></Pixels></Image></OME>";
  EXPECT_STATUS(ParseOmeXml(xml), Invalid,
                "OME-XML: Channel 0 SamplesPerPixel 4294967296 is more than a TIFF pixel "
                "can hold (65535)");
}

TEST_F(LimitsTest, TiffDecodeBufferIsBounded) {
  const std::string path = std::string(OMEARROW_SOURCE_DIR) + "/testdata/z-series.ome.tiff";
  ASSERT_OK_AND_ASSIGN(auto image, OpenTiff(path));
  ViewOptions options;
  options.selection.z = IndexSpec::Index(0);
  options.selection.roi = std::vector<int64_t>{0, 0, 1, 1};
  ASSERT_OK_AND_ASSIGN(auto view, TensorView::Make(image, options));
  SetMaxViewBytes(1000);  // the view is 1 element; the IFD decodes to 167*439 bytes
  EXPECT_STATUS_HAS(view.Materialize(), ": decoding IFD 0 needs 73313 bytes, more than "
                                        "the limit of 1000 bytes");
}

}  // namespace
}  // namespace omearrow
