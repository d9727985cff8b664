#include "omearrow/io/ome_xml.h"
#include "omearrow/util/view_limits.h"

#include <arrow/status.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <limits>
#include <pugixml.hpp>

namespace omearrow {

using arrow::Status;

namespace {

// Upper bound on the planes one image may declare (keeps a hostile SizeZ from
// allocating gigabytes for the plane map).
constexpr int64_t kMaxPlanes = int64_t{1} << 28;
// TIFF's SamplesPerPixel field is 16-bit.
constexpr int64_t kMaxTiffSamplesPerPixel = 65535;

std::string_view Trim(std::string_view text) {
  const char* kSpace = " \t\r\n";
  const size_t begin = text.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {};
  const size_t end = text.find_last_not_of(kSpace);
  return text.substr(begin, end - begin + 1);
}

// An element's name without its namespace prefix ("ome:Pixels" -> "Pixels").
std::string_view LocalName(const pugi::xml_node& node) {
  std::string_view name = node.name();
  const size_t colon = name.rfind(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

pugi::xml_node FirstChild(const pugi::xml_node& parent, std::string_view name) {
  for (pugi::xml_node child = parent.first_child(); child; child = child.next_sibling()) {
    if (child.type() == pugi::node_element && LocalName(child) == name) return child;
  }
  return {};
}

std::vector<pugi::xml_node> Children(const pugi::xml_node& parent,
                                     std::string_view name) {
  std::vector<pugi::xml_node> out;
  for (pugi::xml_node child = parent.first_child(); child; child = child.next_sibling()) {
    if (child.type() == pugi::node_element && LocalName(child) == name)
      out.push_back(child);
  }
  return out;
}

// The attribute's value, or nullopt when absent (attribute names are not prefixed).
std::optional<std::string> Attribute(const pugi::xml_node& node, const char* name) {
  pugi::xml_attribute attribute = node.attribute(name);
  if (!attribute) return std::nullopt;
  return std::string(attribute.value());
}

// "Pixels", "Channel 2", "TiffData 0" — names the element in messages.
struct Where {
  std::string label;
};

arrow::Result<std::optional<int64_t>> IntAttribute(const pugi::xml_node& node,
                                                   const char* name, const Where& where) {
  std::optional<std::string> text = Attribute(node, name);
  if (!text.has_value()) return std::nullopt;
  std::string_view value = Trim(*text);
  if (!value.empty() && value.front() == '+') value.remove_prefix(1);
  int64_t out = 0;
  auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), out);
  if (value.empty() || error != std::errc() || end != value.data() + value.size()) {
    return Status::Invalid("OME-XML: ", where.label, " ", name, " '", *text,
                           "' is not an integer");
  }
  return out;
}

arrow::Result<int64_t> RequiredPositive(const pugi::xml_node& node, const char* name,
                                        const Where& where) {
  ARROW_ASSIGN_OR_RAISE(std::optional<int64_t> value, IntAttribute(node, name, where));
  if (!value.has_value()) {
    return Status::Invalid("OME-XML: ", where.label, " ", name, " is missing");
  }
  if (*value <= 0) {
    return Status::Invalid("OME-XML: ", where.label, " ", name, " must be positive, got ",
                           *value);
  }
  return *value;
}

arrow::Result<int64_t> NonNegative(const pugi::xml_node& node, const char* name,
                                   int64_t default_value, const Where& where) {
  ARROW_ASSIGN_OR_RAISE(std::optional<int64_t> value, IntAttribute(node, name, where));
  if (!value.has_value()) return default_value;
  if (*value < 0) {
    return Status::Invalid("OME-XML: ", where.label, " ", name,
                           " must not be negative, got ", *value);
  }
  return *value;
}

arrow::Result<std::optional<double>> DoubleAttribute(const pugi::xml_node& node,
                                                     const char* name,
                                                     const Where& where) {
  std::optional<std::string> text = Attribute(node, name);
  if (!text.has_value()) return std::nullopt;
  std::string_view value = Trim(*text);
  if (!value.empty() && value.front() == '+') value.remove_prefix(1);
  double out = 0;
  auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), out);
  if (value.empty() || error != std::errc() || end != value.data() + value.size()) {
    return Status::Invalid("OME-XML: ", where.label, " ", name, " '", *text,
                           "' is not a number");
  }
  return out;
}

arrow::Status ParseChannel(const pugi::xml_node& node, const Where& where,
                           OmeXmlChannel* channel) {
  channel->id = Attribute(node, "ID");
  channel->name = Attribute(node, "Name");
  channel->illumination_type = Attribute(node, "IlluminationType");
  ARROW_ASSIGN_OR_RAISE(channel->emission_wavelength,
                        DoubleAttribute(node, "EmissionWavelength", where));
  ARROW_ASSIGN_OR_RAISE(channel->excitation_wavelength,
                        DoubleAttribute(node, "ExcitationWavelength", where));
  if (auto unit = Attribute(node, "EmissionWavelengthUnit")) {
    channel->emission_wavelength_unit = *unit;
  }
  if (auto unit = Attribute(node, "ExcitationWavelengthUnit")) {
    channel->excitation_wavelength_unit = *unit;
  }
  ARROW_ASSIGN_OR_RAISE(std::optional<int64_t> color, IntAttribute(node, "Color", where));
  if (color.has_value()) {
    if (*color < std::numeric_limits<int32_t>::min() ||
        *color > std::numeric_limits<uint32_t>::max()) {
      return Status::Invalid("OME-XML: ", where.label, " Color ", *color,
                             " is not a 32-bit RGBA value");
    }
    channel->color_rgba = static_cast<int64_t>(static_cast<uint32_t>(*color));
  }
  ARROW_ASSIGN_OR_RAISE(std::optional<int64_t> samples,
                        IntAttribute(node, "SamplesPerPixel", where));
  if (samples.has_value()) {
    if (*samples <= 0) {
      return Status::Invalid("OME-XML: ", where.label,
                             " SamplesPerPixel must be positive, got ", *samples);
    }
    // A TIFF's SamplesPerPixel is 16-bit: more cannot describe an OME-TIFF (and SizeC,
    // a multiple of it, would size per-channel tables from nothing but this attribute).
    if (*samples > kMaxTiffSamplesPerPixel) {
      return Status::Invalid("OME-XML: ", where.label, " SamplesPerPixel ", *samples,
                             " is more than a TIFF pixel can hold (",
                             kMaxTiffSamplesPerPixel, ")");
    }
    channel->samples_per_pixel = *samples;
  }
  return Status::OK();
}

// Maps the TiffData elements of `pixels` into image->plane_ifd.
arrow::Status MapTiffData(const pugi::xml_node& pixels,
                          const std::optional<std::string>& uuid,
                          const OmeXmlParseOptions& options, OmeXmlImage* image) {
  const int64_t num_planes = image->num_planes();
  const int64_t ce_size = image->effective_size_c();
  // Position of each axis letter within DimensionOrder's plane axes (ZCT in "XYZCT").
  std::array<int64_t, 3> sizes{};  // per position: the axis size
  std::array<char, 3> letters{};
  for (int i = 0; i < 3; ++i) {
    letters[i] = image->dimension_order[2 + i];
    sizes[i] = letters[i] == 'Z'   ? image->size_z
               : letters[i] == 'C' ? ce_size
                                   : image->size_t;
  }
  // Plane number in DimensionOrder -> storage slot (t * ce_size + c) * size_z + z.
  auto slot_of = [&](int64_t plane) {
    int64_t z = 0, c = 0, t = 0;
    for (int i = 0; i < 3; ++i) {
      const int64_t index = plane % sizes[i];
      plane /= sizes[i];
      (letters[i] == 'Z' ? z : letters[i] == 'C' ? c : t) = index;
    }
    return image->PlaneIndex(t, c, z);
  };

  image->plane_ifd.assign(static_cast<size_t>(num_planes), -1);
  std::vector<pugi::xml_node> tiff_data = Children(pixels, "TiffData");
  if (tiff_data.empty()) {
    for (int64_t plane = 0; plane < num_planes; ++plane) {
      image->plane_ifd[static_cast<size_t>(slot_of(plane))] = plane;
    }
    return Status::OK();
  }
  for (size_t i = 0; i < tiff_data.size(); ++i) {
    const pugi::xml_node& node = tiff_data[i];
    const Where where{"TiffData " + std::to_string(i)};
    if (pugi::xml_node uuid_node = FirstChild(node, "UUID")) {
      std::string_view text = Trim(uuid_node.text().get());
      if (!text.empty() && uuid.has_value() && text != Trim(*uuid)) {
        std::string file_name = uuid_node.attribute("FileName").value();
        return Status::NotImplemented(
            "OME-XML: ", where.label, " refers to another file (",
            file_name.empty() ? std::string(text) : "'" + file_name + "'",
            "); multi-file OME-TIFF sets are not supported");
      }
    }
    const bool has_ifd = static_cast<bool>(node.attribute("IFD"));
    ARROW_ASSIGN_OR_RAISE(int64_t ifd, NonNegative(node, "IFD", 0, where));
    ARROW_ASSIGN_OR_RAISE(int64_t first_z, NonNegative(node, "FirstZ", 0, where));
    ARROW_ASSIGN_OR_RAISE(int64_t first_t, NonNegative(node, "FirstT", 0, where));
    ARROW_ASSIGN_OR_RAISE(int64_t first_c, NonNegative(node, "FirstC", 0, where));
    if (first_z >= image->size_z) {
      return Status::Invalid("OME-XML: ", where.label, " FirstZ ", first_z,
                             " is out of range for SizeZ ", image->size_z);
    }
    if (first_t >= image->size_t) {
      return Status::Invalid("OME-XML: ", where.label, " FirstT ", first_t,
                             " is out of range for SizeT ", image->size_t);
    }
    if (first_c >= ce_size) {
      return Status::Invalid("OME-XML: ", where.label, " FirstC ", first_c,
                             " is out of range for ", ce_size, " channel planes (SizeC ",
                             image->size_c, ")");
    }
    int64_t start = 0;
    for (int axis = 2; axis >= 0; --axis) {
      const int64_t index = letters[axis] == 'Z'   ? first_z
                            : letters[axis] == 'C' ? first_c
                                                   : first_t;
      start = start * sizes[axis] + index;
    }
    int64_t default_count = num_planes - start;
    if (!has_ifd && options.num_ifds.has_value()) {
      default_count = std::min(default_count, *options.num_ifds);
    }
    if (has_ifd) default_count = 1;
    ARROW_ASSIGN_OR_RAISE(int64_t count,
                          NonNegative(node, "PlaneCount", default_count, where));
    if (count == 0) continue;
    if (options.num_ifds.has_value()) {
      if (ifd >= *options.num_ifds) {
        return Status::Invalid("OME-XML: TiffData IFD ", ifd, " is beyond the ",
                               *options.num_ifds, " IFDs of the file");
      }
      if (count > *options.num_ifds - ifd) {
        return Status::Invalid("OME-XML: TiffData IFD ", ifd, " with PlaneCount ", count,
                               " reaches IFD ", ifd + count - 1, ", beyond the ",
                               *options.num_ifds, " IFDs of the file");
      }
    }
    // Fuzz fix: without num_ifds, IFD + PlaneCount - 1 could overflow int64.
    if (count > std::numeric_limits<int64_t>::max() - ifd) {
      return Status::Invalid("OME-XML: TiffData IFD ", ifd, " with PlaneCount ", count,
                             " overflows the IFD numbers");
    }
    if (count > num_planes - start) {
      return Status::Invalid("OME-XML: ", where.label, " (FirstZ ", first_z, ", FirstT ",
                             first_t, ", FirstC ", first_c, ", PlaneCount ", count,
                             ") runs past the ", num_planes, " planes of the image");
    }
    for (int64_t k = 0; k < count; ++k) {
      image->plane_ifd[static_cast<size_t>(slot_of(start + k))] = ifd + k;
    }
  }
  return Status::OK();
}

arrow::Status ParseImage(const pugi::xml_node& image_node, const pugi::xml_node& pixels,
                         int64_t image_index, const std::optional<std::string>& uuid,
                         const OmeXmlParseOptions& options, OmeXmlImage* image) {
  const Where where{image_index == 0
                        ? std::string("Pixels")
                        : "Image " + std::to_string(image_index) + " Pixels"};
  image->id = Attribute(image_node, "ID");
  image->name = Attribute(image_node, "Name");
  ARROW_ASSIGN_OR_RAISE(image->size_x, RequiredPositive(pixels, "SizeX", where));
  ARROW_ASSIGN_OR_RAISE(image->size_y, RequiredPositive(pixels, "SizeY", where));
  ARROW_ASSIGN_OR_RAISE(image->size_z, RequiredPositive(pixels, "SizeZ", where));
  ARROW_ASSIGN_OR_RAISE(image->size_c, RequiredPositive(pixels, "SizeC", where));
  ARROW_ASSIGN_OR_RAISE(image->size_t, RequiredPositive(pixels, "SizeT", where));

  std::optional<std::string> order = Attribute(pixels, "DimensionOrder");
  if (!order.has_value()) {
    return Status::Invalid("OME-XML: ", where.label, " DimensionOrder is missing");
  }
  image->dimension_order = std::string(Trim(*order));
  {
    const std::string& o = image->dimension_order;
    bool valid = o.size() == 5 && o[0] == 'X' && o[1] == 'Y';
    if (valid) {
      std::string rest = o.substr(2);
      std::sort(rest.begin(), rest.end());
      valid = rest == "CTZ";
    }
    if (!valid) {
      return Status::Invalid("OME-XML: ", where.label, " DimensionOrder '", *order,
                             "' is not one of XYZCT, XYZTC, XYCZT, XYCTZ, XYTZC, XYTCZ");
    }
  }
  std::optional<std::string> type = Attribute(pixels, "Type");
  if (!type.has_value()) {
    return Status::Invalid("OME-XML: ", where.label, " Type is missing");
  }
  image->type = std::string(Trim(*type));

  ARROW_ASSIGN_OR_RAISE(image->physical_size_x,
                        DoubleAttribute(pixels, "PhysicalSizeX", where));
  ARROW_ASSIGN_OR_RAISE(image->physical_size_y,
                        DoubleAttribute(pixels, "PhysicalSizeY", where));
  ARROW_ASSIGN_OR_RAISE(image->physical_size_z,
                        DoubleAttribute(pixels, "PhysicalSizeZ", where));
  auto unit = [&](const std::optional<double>& size, const char* name) {
    std::optional<std::string> value = Attribute(pixels, name);
    if (!value.has_value() && size.has_value()) value = "µm";
    return value;
  };
  image->physical_size_x_unit = unit(image->physical_size_x, "PhysicalSizeXUnit");
  image->physical_size_y_unit = unit(image->physical_size_y, "PhysicalSizeYUnit");
  image->physical_size_z_unit = unit(image->physical_size_z, "PhysicalSizeZUnit");
  if (auto big_endian = Attribute(pixels, "BigEndian")) {
    std::string_view value = Trim(*big_endian);
    image->big_endian = value == "true" || value == "1";
  }

  std::vector<pugi::xml_node> channels = Children(pixels, "Channel");
  for (size_t i = 0; i < channels.size(); ++i) {
    OmeXmlChannel channel;
    ARROW_RETURN_NOT_OK(
        ParseChannel(channels[i], Where{"Channel " + std::to_string(i)}, &channel));
    if (i == 0) {
      image->samples_per_pixel = channel.samples_per_pixel;
    } else if (channel.samples_per_pixel != image->samples_per_pixel) {
      return Status::NotImplemented(
          "OME-XML: Channel ", i, " SamplesPerPixel ", channel.samples_per_pixel,
          " differs from Channel 0's ", image->samples_per_pixel);
    }
    image->channels.push_back(std::move(channel));
  }
  if (image->size_c % image->samples_per_pixel != 0) {
    return Status::Invalid("OME-XML: ", where.label, " SizeC ", image->size_c,
                           " is not a multiple of SamplesPerPixel ",
                           image->samples_per_pixel);
  }
  // Overflow-safe product check.
  int64_t planes = 1;
  for (int64_t size : {image->size_z, image->effective_size_c(), image->size_t}) {
    if (size > kMaxPlanes || planes > kMaxPlanes / size) {
      return Status::Invalid("OME-XML: ", where.label,
                             " declares too many planes (SizeZ ", image->size_z,
                             ", SizeC ", image->size_c, ", SizeT ", image->size_t, ")");
    }
    planes *= size;
  }
  // Memory bound: plane_ifd has one entry per plane; without the file's IFD count this
  // caps it at kMaxUnbackedPlaneSlots.
  ARROW_RETURN_NOT_OK(CheckPlaneSlots(planes, options.num_ifds.value_or(0),
                                      "OME-XML: " + where.label));
  if (options.num_ifds.has_value() && planes > *options.num_ifds) {
    return Status::Invalid(
        "OME-XML: ", where.label, " declares ", planes, " planes (SizeZ ", image->size_z,
        " x SizeC ", image->size_c,
        image->samples_per_pixel > 1
            ? " / SamplesPerPixel " + std::to_string(image->samples_per_pixel)
            : std::string(),
        " x SizeT ", image->size_t, ") but the file has only ", *options.num_ifds,
        " IFDs");
  }
  return MapTiffData(pixels, uuid, options, image);
}

}  // namespace

arrow::Result<OmeXml> ParseOmeXml(std::string_view xml,
                                  const OmeXmlParseOptions& options) {
  pugi::xml_document document;
  pugi::xml_parse_result parsed = document.load_buffer(
      xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!parsed) {
    return Status::Invalid("OME-XML: not well-formed XML (", parsed.description(),
                           " at offset ", parsed.offset, ")");
  }
  pugi::xml_node root = document.document_element();
  if (!root || LocalName(root) != "OME") {
    return Status::Invalid("OME-XML: the root element is '", root ? root.name() : "",
                           "', not OME");
  }
  OmeXml out;
  out.uuid = Attribute(root, "UUID");
  int64_t index = 0;
  for (const pugi::xml_node& image_node : Children(root, "Image")) {
    pugi::xml_node pixels = FirstChild(image_node, "Pixels");
    if (!pixels) {
      return Status::Invalid("OME-XML: Image ", index, " has no Pixels element");
    }
    OmeXmlImage image;
    ARROW_RETURN_NOT_OK(ParseImage(image_node, pixels, index, out.uuid, options, &image));
    out.images.push_back(std::move(image));
    ++index;
  }
  if (out.images.empty()) return Status::Invalid("OME-XML: no Image element");
  return out;
}

std::optional<double> LengthToMicrometres(double value, std::string_view unit) {
  unit = Trim(unit);
  if (unit == "µm" || unit == "\xCE\xBCm" || unit == "um" || unit == "micron")
    return value;
  if (unit == "nm") return value * 1e-3;
  if (unit == "pm") return value * 1e-6;
  if (unit == "mm") return value * 1e3;
  if (unit == "cm") return value * 1e4;
  if (unit == "m") return value * 1e6;
  if (unit == "Å" || unit == "\xE2\x84\xAB") return value * 1e-4;
  return std::nullopt;
}

}  // namespace omearrow
