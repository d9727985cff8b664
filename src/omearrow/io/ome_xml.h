// OME-XML (the metadata block of an OME-TIFF) parsed into plain structs.
#pragma once

#include <arrow/result.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace omearrow {

// One <Channel> of an OME-XML <Pixels> element. Wavelengths are kept as written, with
// their unit (the OME schema's default unit, "nm", when the attribute is absent).
struct OmeXmlChannel {
  std::optional<std::string> id;
  std::optional<std::string> name;
  std::optional<double> emission_wavelength;
  std::string emission_wavelength_unit = "nm";
  std::optional<double> excitation_wavelength;
  std::string excitation_wavelength_unit = "nm";
  std::optional<std::string> illumination_type;
  // Color attribute (a signed 32-bit RGBA integer in OME-XML) as unsigned 0xRRGGBBAA.
  std::optional<int64_t> color_rgba;
  int64_t samples_per_pixel = 1;
};

// One <Image> with its <Pixels>: sizes, order, type, calibration, channels and where each
// plane is stored.
struct OmeXmlImage {
  std::optional<std::string> id;
  std::optional<std::string> name;
  std::string dimension_order;  // "XYZCT", "XYCZT", ... (validated)
  std::string type;  // OME pixel type as written: "uint8", "float", "double", ...
  int64_t size_x = 0, size_y = 0, size_z = 0, size_c = 0, size_t = 0;
  std::optional<double> physical_size_x, physical_size_y, physical_size_z;
  // Units default to the schema's "µm" when the size is present and the unit is not.
  std::optional<std::string> physical_size_x_unit, physical_size_y_unit,
      physical_size_z_unit;
  std::optional<bool> big_endian;
  std::vector<OmeXmlChannel> channels;

  // Samples per TIFF pixel (the Channels' SamplesPerPixel; > 1 for RGB OME-TIFFs, where
  // one IFD holds several channels). size_c is a multiple of it.
  int64_t samples_per_pixel = 1;
  // size_c / samples_per_pixel: the number of channel planes stored per (t, z).
  int64_t effective_size_c() const { return size_c / samples_per_pixel; }
  // Stored planes: size_t * effective_size_c() * size_z.
  int64_t num_planes() const { return size_t* effective_size_c() * size_z; }

  // The IFD holding stored plane (t, ce, z), ce < effective_size_c(), at index
  // (t * effective_size_c() + ce) * size_z + z; -1 where no TiffData maps the plane (it
  // reads as zeros). Without any TiffData element, plane i of DimensionOrder is IFD i.
  std::vector<int64_t> plane_ifd;
  int64_t PlaneIndex(int64_t t, int64_t ce, int64_t z) const {
    return (t * effective_size_c() + ce) * size_z + z;
  }
};

// The parsed document. Only <Image> elements with a <Pixels> child are kept.
struct OmeXml {
  std::optional<std::string> uuid;  // the root OME element's UUID
  std::vector<OmeXmlImage> images;
};

// Options for ParseOmeXml.
struct OmeXmlParseOptions {
  // Number of IFDs in the TIFF file the XML came from; when set, TiffData elements are
  // checked against it and a TiffData with no IFD/PlaneCount covers this many IFDs.
  std::optional<int64_t> num_ifds;
};

// Parses an OME-XML document (namespace prefixes ignored). Validates sizes (positive),
// DimensionOrder (XY followed by a permutation of Z, C, T), SamplesPerPixel (at most
// 65535, TIFF's limit), SizeC against SamplesPerPixel, and every TiffData (IFD, FirstZ/FirstT/FirstC, PlaneCount; the
// schema's defaults apply to missing attributes) against the sizes and `num_ifds`.
// TiffData that names another file (a UUID other than the document's) is rejected:
// multi-file OME-TIFF sets are not supported. Errors start with "OME-XML: " and name the
// element and value, e.g. "OME-XML: Pixels SizeX is missing".
arrow::Result<OmeXml> ParseOmeXml(std::string_view xml,
                                  const OmeXmlParseOptions& options = {});

// Converts a length `value` in `unit` (OME UnitsLength symbols: "pm", "nm", "µm"/"um",
// "mm", "cm", "m", "Å") to micrometres; nullopt for units it does not know.
std::optional<double> LengthToMicrometres(double value, std::string_view unit);

}  // namespace omearrow
