#include "omearrow/source/validate.h"

#include <gtest/gtest.h>

#include "omearrow/source/meta.h"
#include "omearrow/testing/gtest_util.h"
#include "omearrow/testing/record_builder.h"

namespace omearrow {
namespace {

using testing::BuildRecord;
using testing::Encoding;
using testing::MakeRandomImage;
using testing::RecordSpec;

std::string Joined(const std::vector<RecordProblem>& problems) {
  std::string out;
  for (const auto& p : problems) out += p.ToString() + "\n";
  return out;
}

TEST(ValidateRecordTest, EveryEncodingTheFixturesWriteIsValid) {
  auto dense = MakeRandomImage(2, 3, 2, 9, 7, DType::kUInt16, 3);
  for (Encoding encoding : {Encoding::kPlanes, Encoding::kListChunks, Encoding::kByteChunks,
                            Encoding::kByteChunksZstd, Encoding::kByteChunksLz4}) {
    for (bool loose : {false, true}) {
      RecordSpec spec;
      spec.encoding = encoding;
      spec.loose = loose;
      spec.chunk_y = 4;
      spec.chunk_x = 4;
      ASSERT_OK_AND_ASSIGN(auto record, BuildRecord(dense, spec));
      const auto problems = ValidateRecord(record, 0);
      EXPECT_TRUE(problems.empty()) << Joined(problems);
      if (loose) {
        // Loosely typed records are not canonical: strict mode lists the differences.
        ValidateOptions strict;
        strict.strict = true;
        EXPECT_FALSE(ValidateRecord(record, 0, strict).empty());
      }
    }
  }
}

TEST(ValidateRecordTest, CompareTypesNamesEveryDifference) {
  EXPECT_TRUE(CompareTypes(*meta::OmeArrowStruct(), *meta::OmeArrowStruct(), "").empty());
  const auto problems = CompareTypes(*meta::OmeArrowByteStruct(), *meta::OmeArrowStruct(), "");
  const std::string text = Joined(problems);
  EXPECT_NE(text.find("chunks[].pixels: missing (expected list<item: uint16>)"), std::string::npos)
      << text;
  EXPECT_NE(text.find("chunks[].pixel_bytes: is not in the canonical schema"), std::string::npos)
      << text;
}

TEST(ValidateRecordTest, RowsOutsideAndNullRecords) {
  auto dense = MakeRandomImage(1, 1, 1, 2, 2, DType::kUInt16, 1);
  ASSERT_OK_AND_ASSIGN(auto record, BuildRecord(dense, {}));
  EXPECT_EQ(Joined(ValidateRecord(record, 3)),
            "(record): row 3 is outside the array of length 1\n");
}

}  // namespace
}  // namespace omearrow
