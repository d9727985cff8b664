#include "omearrow/io/page_body.h"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <vector>

#include <arrow/io/file.h>
#include <gtest/gtest.h>

#include "omearrow/testing/gtest_util.h"

namespace omearrow::internal {
namespace {

namespace fs = std::filesystem;

// A file holding `prefix` stored bytes then `payload` compressed with `codec`; returns
// the compressed size of the payload.
int64_t WriteBody(const fs::path& path, const std::vector<uint8_t>& prefix,
                  const std::vector<uint8_t>& payload, arrow::Compression::type codec) {
  auto compressor = arrow::util::Codec::Create(codec).ValueOrDie();
  std::vector<uint8_t> out(static_cast<size_t>(
      compressor->MaxCompressedLen(static_cast<int64_t>(payload.size()), payload.data())));
  const int64_t n = compressor
                        ->Compress(static_cast<int64_t>(payload.size()), payload.data(),
                                   static_cast<int64_t>(out.size()), out.data())
                        .ValueOrDie();
  std::ofstream file(path, std::ios::binary);
  file.write(reinterpret_cast<const char*>(prefix.data()),
             static_cast<std::streamsize>(prefix.size()));
  file.write(reinterpret_cast<const char*>(out.data()), n);
  return n;
}

// Pseudo-random bytes with 6 bits of entropy each: compressible, but not to nothing.
std::vector<uint8_t> Payload(size_t n) {
  std::vector<uint8_t> bytes(n);
  uint64_t state = 12345;
  for (size_t i = 0; i < n; ++i) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    bytes[i] = static_cast<uint8_t>((state >> 58) & 0x3f);
  }
  return bytes;
}

class PageBodyTest : public ::testing::TestWithParam<arrow::Compression::type> {};

TEST_P(PageBodyTest, DecompressesOnlyAsFarAsAskedAndExactlyOverall) {
  const fs::path path = fs::temp_directory_path() / ("page_body_" + std::to_string(getpid()));
  const std::vector<uint8_t> levels = {1, 2, 3, 4, 5};
  const std::vector<uint8_t> payload = Payload(3 << 20);
  const int64_t compressed = WriteBody(path, levels, payload, GetParam());
  ASSERT_OK_AND_ASSIGN(auto file, arrow::io::ReadableFile::Open(path.string()));
  const int64_t size = static_cast<int64_t>(levels.size() + payload.size());
  ASSERT_OK_AND_ASSIGN(auto body, PageBody::Open(file, 0, 5 + compressed, size, 5, GetParam()));
  ASSERT_OK(body->Ensure(1000));
  EXPECT_GE(body->available(), 1000);
  ASSERT_GT(compressed, 1 << 20);
  EXPECT_LT(body->bytes_read(), compressed / 4) << "read the whole body for 1000 bytes";
  EXPECT_EQ(std::memcmp(body->data(), levels.data(), 5), 0);
  ASSERT_OK(body->Ensure(size + 100));  // clamped to the body
  EXPECT_EQ(body->available(), size);
  EXPECT_EQ(std::memcmp(body->data() + 5, payload.data(), payload.size()), 0);
  fs::remove(path);
}

TEST_P(PageBodyTest, LyingSizesAreErrors) {
  const fs::path path = fs::temp_directory_path() / ("page_body_lie_" + std::to_string(getpid()));
  const std::vector<uint8_t> payload = Payload(100000);
  const int64_t compressed = WriteBody(path, {}, payload, GetParam());
  ASSERT_OK_AND_ASSIGN(auto file, arrow::io::ReadableFile::Open(path.string()));
  // The header promises more bytes than the stream decompresses to.
  ASSERT_OK_AND_ASSIGN(auto longer,
                       PageBody::Open(file, 0, compressed, 100000 + 4096, 0, GetParam()));
  EXPECT_FALSE(longer->Ensure(100000 + 4096).ok());
  // The stored body is cut short.
  ASSERT_OK_AND_ASSIGN(auto cut, PageBody::Open(file, 0, compressed / 2, 100000, 0, GetParam()));
  EXPECT_FALSE(cut->Ensure(100000).ok());
  // The file ends before the body does.
  ASSERT_OK_AND_ASSIGN(auto beyond,
                       PageBody::Open(file, compressed / 2, compressed, 100000, 0, GetParam()));
  EXPECT_FALSE(beyond->Ensure(100000).ok());
  // Inconsistent sizes are refused at open.
  EXPECT_FALSE(PageBody::Open(file, 0, compressed, 10, 20, GetParam()).ok());
  fs::remove(path);
}

INSTANTIATE_TEST_SUITE_P(Codecs, PageBodyTest,
                         ::testing::Values(arrow::Compression::ZSTD, arrow::Compression::GZIP),
                         [](const auto& info) {
                           return info.param == arrow::Compression::ZSTD ? "zstd" : "gzip";
                         });

TEST(PageBodyTest, UncompressedBodiesMustMatchTheirHeader) {
  const fs::path path = fs::temp_directory_path() / ("page_body_raw_" + std::to_string(getpid()));
  const std::vector<uint8_t> payload = Payload(700000);
  {
    std::ofstream file(path, std::ios::binary);
    file.write(reinterpret_cast<const char*>(payload.data()),
               static_cast<std::streamsize>(payload.size()));
  }
  ASSERT_OK_AND_ASSIGN(auto file, arrow::io::ReadableFile::Open(path.string()));
  EXPECT_STATUS_HAS(PageBody::Open(file, 0, 700000, 700001, 0,
                                   arrow::Compression::UNCOMPRESSED),
                    "an uncompressed page of 700000 bytes whose header says 700001");
  ASSERT_OK_AND_ASSIGN(auto body, PageBody::Open(file, 0, 700000, 700000, 0,
                                                 arrow::Compression::UNCOMPRESSED));
  ASSERT_OK(body->Ensure(10));
  EXPECT_LT(body->bytes_read(), 700000);
  ASSERT_OK(body->Ensure(700000));
  EXPECT_EQ(std::memcmp(body->data(), payload.data(), payload.size()), 0);
  EXPECT_FALSE(PageBody::CanStream(arrow::Compression::SNAPPY));
  fs::remove(path);
}

}  // namespace
}  // namespace omearrow::internal
