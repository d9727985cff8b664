// One IFD entry read from a TIFF file's bytes, for tags libtiff drops: it discards a
// codec-specific tag (Predictor) on pages whose codec does not register it, although
// other readers apply it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace omearrow {

// The first value of tag `tag` in the IFD at byte `ifd_offset` of the TIFF at `path`
// (classic or BigTIFF, either byte order) when it is a BYTE, SHORT or LONG entry; nullopt
// when the IFD has no such entry or cannot be read (libtiff already read the directory,
// so an unreadable one is reported elsewhere).
std::optional<uint32_t> ReadRawTiffTag(const std::string& path, uint64_t ifd_offset,
                                       bool big_tiff, bool big_endian, uint16_t tag);

}  // namespace omearrow
