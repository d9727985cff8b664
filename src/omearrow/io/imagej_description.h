// The "ImageJ=" image description that ImageJ/Fiji (and tifffile's imagej=True) write
// into the first IFD of a hyperstack: key=value lines giving the stack's sizes, page
// order and calibration.
#pragma once

#include <arrow/result.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace omearrow {

// The keys of an ImageJ description that decide axes and calibration. Sizes absent from
// the description are 1; `images` is nullopt when absent.
struct ImageJDescription {
  std::optional<int64_t> images;  // pages in the stack (ImageJ's own count)
  int64_t channels = 1, slices = 1, frames = 1;
  bool hyperstack = false;
  // Page order, outermost axis first: "TZC" for ImageJ's default order=czt (channel
  // fastest), the reversed upper-cased `order=` value otherwise.
  std::string page_axes = "TZC";
  std::optional<double> spacing;    // Z step, in `unit`
  std::optional<std::string> unit;  // as written, "\u00B5" escapes decoded ("µm")
};

// True when `description` is an ImageJ (or SCIFIO) description: it starts with
// "ImageJ=" or "SCIFIO=".
bool IsImageJDescription(std::string_view description);

// Parses an ImageJ description. Lines that are not key=value are skipped, and so are
// keys it does not use. images/channels/slices/frames must be positive integers of at
// most 2^31 (more pages than TIFF can hold are corrupt), spacing a finite number,
// hyperstack true/false, order a permutation of c, z, t (or "default"). Errors are
// Invalid("ImageJ description: <key>=<value> ...").
arrow::Result<ImageJDescription> ParseImageJDescription(std::string_view description);

// The OME length unit symbol of an ImageJ `unit` ("micron", "um", "µm" -> "µm"; "nm",
// "mm", "cm", "m", "pm", "Å"/"angstrom" -> "Å"; the units LengthToMicrometres converts);
// nullopt for units with no length ("pixel", "") and ones it does not know ("inch").
std::optional<std::string> ImageJUnitSymbol(std::string_view unit);

}  // namespace omearrow
