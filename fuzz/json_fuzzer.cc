// Fuzzes the JSON documents omearrow reads from untrusted dataset directories: the input
// is parsed as a channels_json cell and as a generic document; a document that parses
// must survive a write → parse round trip unchanged.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fuzz_util.h"
#include "omearrow/io/dataset_reader.h"
#include "omearrow/util/json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  omearrow::fuzz::InitProcess();
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)omearrow::internal::ParseChannelsJson(text, "channels_json");
  auto parsed = omearrow::internal::ParseJson(text, "doc");
  if (parsed.ok()) {
    const std::string written = omearrow::internal::WriteJson(*parsed);
    auto again = omearrow::internal::ParseJson(written, "rewritten");
    // Non-finite numbers are written as null and floats may lose their exact spelling,
    // so compare the second round trip's text with the first's.
    if (!again.ok() || omearrow::internal::WriteJson(*again) != written) std::abort();
  }
  return 0;
}
