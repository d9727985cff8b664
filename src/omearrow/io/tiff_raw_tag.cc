#include "omearrow/io/tiff_raw_tag.h"

#include <fstream>
#include <vector>

namespace omearrow {

namespace {

// Most IFD entries scanned (a classic IFD holds at most 65535).
constexpr uint64_t kMaxEntries = 65535;

uint64_t Load(const uint8_t* bytes, int size, bool big_endian) {
  uint64_t value = 0;
  for (int i = 0; i < size; ++i) {
    const int shift = 8 * (big_endian ? size - 1 - i : i);
    value |= static_cast<uint64_t>(bytes[i]) << shift;
  }
  return value;
}

}  // namespace

std::optional<uint32_t> ReadRawTiffTag(const std::string& path, uint64_t ifd_offset,
                                       bool big_tiff, bool big_endian, uint16_t tag) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  const int count_size = big_tiff ? 8 : 2;
  const int entry_size = big_tiff ? 20 : 12;
  uint8_t count_bytes[8] = {};
  in.seekg(static_cast<std::streamoff>(ifd_offset));
  if (!in.read(reinterpret_cast<char*>(count_bytes), count_size)) return std::nullopt;
  const uint64_t entries = Load(count_bytes, count_size, big_endian);
  if (entries == 0 || entries > kMaxEntries) return std::nullopt;
  std::vector<uint8_t> table(static_cast<size_t>(entries) * entry_size);
  if (!in.read(reinterpret_cast<char*>(table.data()),
               static_cast<std::streamsize>(table.size()))) {
    return std::nullopt;
  }
  for (uint64_t i = 0; i < entries; ++i) {
    const uint8_t* entry = table.data() + i * entry_size;
    if (Load(entry, 2, big_endian) != tag) continue;
    const uint64_t type = Load(entry + 2, 2, big_endian);
    const uint64_t count = Load(entry + 4, big_tiff ? 8 : 4, big_endian);
    const uint8_t* value = entry + (big_tiff ? 12 : 8);  // inline values only
    const uint64_t type_size = type == 1 ? 1 : type == 3 ? 2 : 4;
    if (count == 0 || count > (big_tiff ? 8u : 4u) / type_size) return std::nullopt;
    switch (type) {
      case 1:  // BYTE
        return value[0];
      case 3:  // SHORT
        return static_cast<uint32_t>(Load(value, 2, big_endian));
      case 4:  // LONG
        return static_cast<uint32_t>(Load(value, 4, big_endian));
      default:
        return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace omearrow
