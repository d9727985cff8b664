// Fuzzes per-chunk decompression with lying lengths: byte 0 picks the codec, bytes 1..4
// (little-endian) are the expected decoded size the chunk claims, the rest is the payload.
#include <cstdint>

#include "fuzz_util.h"
#include "omearrow/source/chunk_index.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  omearrow::fuzz::InitProcess();
  if (size < 5) return 0;
  static const arrow::Compression::type kCodecs[] = {
      arrow::Compression::ZSTD,   arrow::Compression::LZ4_FRAME, arrow::Compression::LZ4,
      arrow::Compression::SNAPPY, arrow::Compression::GZIP,      arrow::Compression::BROTLI,
      arrow::Compression::BZ2};
  const auto codec = kCodecs[data[0] % (sizeof(kCodecs) / sizeof(kCodecs[0]))];
  if (!arrow::util::Codec::IsAvailable(codec)) return 0;
  const int64_t expected = int64_t{data[1]} | (int64_t{data[2]} << 8) |
                           (int64_t{data[3]} << 16) | (int64_t{data[4]} << 24);
  auto decoded = omearrow::DecompressChunk(codec, data + 5, static_cast<int64_t>(size - 5),
                                           expected, "chunks[0]");
  if (decoded.ok() && (*decoded)->size() != expected) __builtin_trap();
  return 0;
}
