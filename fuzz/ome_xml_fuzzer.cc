// Fuzzes OME-XML parsing. Byte 0: when its high bit is set, its low 7 bits are the IFD
// count of the file the XML claims to come from (OmeXmlParseOptions::num_ifds); the
// rest is the document.
#include <cstdint>
#include <string_view>

#include "fuzz_util.h"
#include "omearrow/io/ome_xml.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  omearrow::fuzz::InitProcess();
  if (size == 0) return 0;
  omearrow::OmeXmlParseOptions options;
  if (data[0] & 0x80) options.num_ifds = data[0] & 0x7f;
  auto xml = omearrow::ParseOmeXml(
      std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1), options);
  if (xml.ok()) {
    // Touch what readers use: every plane's IFD and the channel units.
    for (const auto& image : xml->images) {
      uint64_t sum = 0;  // IFD numbers are unbounded without num_ifds: wrap, no UB
      for (int64_t ifd : image.plane_ifd) sum += static_cast<uint64_t>(ifd);
      for (const auto& channel : image.channels) {
        if (channel.emission_wavelength.has_value()) {
          (void)omearrow::LengthToMicrometres(*channel.emission_wavelength,
                                              channel.emission_wavelength_unit);
        }
      }
      (void)sum;
    }
  }
  return 0;
}
