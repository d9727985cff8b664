#include "omearrow/io/tiff_series.h"

#include <arrow/status.h>

#include <charconv>

#include "omearrow/util/json.h"
#include "omearrow/util/view_limits.h"

namespace omearrow {

using arrow::Status;

namespace {

// "[a, b, c]" for messages.
std::string ShapeText(const std::vector<int64_t>& shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) out += ", ";
    out += std::to_string(shape[i]);
  }
  return out + "]";
}

// The product of `values`, nullopt on overflow or a negative value.
std::optional<int64_t> Product(const std::vector<int64_t>& values) {
  int64_t out = 1;
  for (int64_t value : values) {
    if (value < 0 || (value > 0 && out > INT64_MAX / value)) return std::nullopt;
    out *= value;
  }
  return out;
}

// A parsed shaped description: the shape, its axes (when given and as long as the
// shape) and the truncated flag.
struct ShapedMeta {
  std::vector<int64_t> shape;
  std::optional<std::string> axes;
  bool truncated = false;
};

arrow::Result<ShapedMeta> ParseShaped(const std::string& description, int64_t page) {
  const std::string where = "IFD " + std::to_string(page) + " shaped description";
  ShapedMeta out;
  if (description.rfind("shape=", 0) == 0) {
    // tifffile's old form "shape=(a, b, c)".
    std::string_view rest = std::string_view(description).substr(6);
    if (rest.size() < 2 || rest.front() != '(' || rest.back() != ')') {
      return Status::Invalid(where, " '", description, "' is not shape=(...)");
    }
    rest = rest.substr(1, rest.size() - 2);
    while (!rest.empty()) {
      while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
      int64_t value = 0;
      const auto [end, error] =
          std::from_chars(rest.data(), rest.data() + rest.size(), value);
      if (error != std::errc() || value < 0) {
        return Status::Invalid(where, " '", description, "' is not a list of sizes");
      }
      out.shape.push_back(value);
      rest.remove_prefix(static_cast<size_t>(end - rest.data()));
      while (!rest.empty() && (rest.front() == ' ' || rest.front() == ',')) {
        rest.remove_prefix(1);
      }
    }
    return out;
  }
  ARROW_ASSIGN_OR_RAISE(internal::Json json, internal::ParseJson(description, where));
  if (!json.is_object() || !json.contains("shape") || !json["shape"].is_array()) {
    return Status::Invalid(where, " has no \"shape\" list");
  }
  for (const internal::Json& size : json["shape"]) {
    const std::optional<int64_t> value = internal::JsonInt64(size);
    if (!value.has_value() || *value < 0) {
      return Status::Invalid(where, " \"shape\" ", json["shape"].dump(),
                             " is not a list of sizes");
    }
    out.shape.push_back(*value);
  }
  if (json.contains("axes") && json["axes"].is_string()) {
    std::string axes = json["axes"].get<std::string>();
    if (axes.size() == out.shape.size()) out.axes = std::move(axes);
  }
  if (json.contains("truncated") && json["truncated"].is_boolean()) {
    out.truncated = json["truncated"].get<bool>();
  }
  return out;
}

// How many trailing dimensions of `shape` a page of `page` holds (2: Y, X; 3: with the
// samples, last for contiguous and first for separate samples), or 0 when the trailing
// sizes are not the page's.
size_t PageDims(const std::vector<int64_t>& shape, const TiffPageShape& page) {
  const size_t n = shape.size();
  if (page.samples == 1) {
    // Trailing dimensions of size 1 (a samples axis of one) belong to the page too.
    size_t ones = 0;
    while (n - ones > 2 && shape[n - 1 - ones] == 1) ++ones;
    const size_t end = n - ones;
    return end >= 2 && shape[end - 2] == page.height && shape[end - 1] == page.width
               ? 2 + ones
               : 0;
  }
  if (n < 3) return 0;
  const bool match =
      page.planar_separate
          ? shape[n - 3] == page.samples && shape[n - 2] == page.height &&
                shape[n - 1] == page.width
          : shape[n - 3] == page.height && shape[n - 2] == page.width &&
                shape[n - 1] == page.samples;
  return match ? 3 : 0;
}

// The series of one shaped description at `first_page` spanning `num_pages` pages.
arrow::Result<TiffSeries> ShapedToSeries(const ShapedMeta& meta, int64_t first_page,
                                         int64_t num_pages, const TiffPageShape& page) {
  const size_t page_dims = PageDims(meta.shape, page);
  std::string letters;
  std::vector<int64_t> sizes;
  if (num_pages > 1) {
    if (page_dims == 0) {
      // Page sizes in another arrangement (tifffile reshapes): the pages are Z.
      letters = "Z";
      sizes = {num_pages};
    } else {
      // Leading dimensions of size > 1, with their axis letters ('?' without axes).
      std::string leading;
      for (size_t i = 0; i + page_dims < meta.shape.size(); ++i) {
        if (meta.shape[i] == 1) continue;
        leading += meta.axes.has_value() ? (*meta.axes)[i] : '?';
        sizes.push_back(meta.shape[i]);
      }
      size_t others = 0;
      for (const char letter : leading) {
        if (letter != 'T' && letter != 'C' && letter != 'Z') ++others;
      }
      if (others == 1 && leading.find('Z') == std::string::npos) {
        for (char& letter : leading) {
          if (letter != 'T' && letter != 'C') letter = 'Z';
        }
        letters = leading;
      } else if (others == 0) {
        letters = leading;
      } else if (!meta.axes.has_value()) {
        letters = "Z";
        sizes = {num_pages};
      } else {
        return Status::Invalid("IFD ", first_page, " shaped description: axes '",
                               *meta.axes, "' of shape ", ShapeText(meta.shape),
                               " cannot be mapped to T, C, Z, Y, X");
      }
    }
  }
  auto series = MakeTiffSeries(first_page, letters, sizes, page.samples);
  if (!series.ok()) {
    return Status::Invalid("IFD ", first_page, " shaped description: axes '",
                           meta.axes.value_or(""), "' of shape ", ShapeText(meta.shape),
                           " cannot be mapped to T, C, Z, Y, X (",
                           series.status().message(), ")");
  }
  series->recorded_by = "shaped description";
  return series;
}

// True when pages `a` and `b` hold images of one size and sample type (the planar
// configuration may differ).
bool SameImage(const TiffPageShape& a, const TiffPageShape& b) {
  return a.width == b.width && a.height == b.height && a.samples == b.samples &&
         a.dtype == b.dtype;
}

}  // namespace

int64_t TiffSeries::num_pages() const {
  int64_t out = 1;
  for (int64_t size : page_axis_sizes) out *= size;  // bounded by MakeTiffSeries
  return out;
}

TiffSeries::Location TiffSeries::Locate(int64_t t, int64_t c, int64_t z) const {
  Location out;
  out.sample = c % samples;
  const int64_t page_c = c / samples;
  for (std::size_t i = 0; i < page_axes.size(); ++i) {
    const int64_t index = page_axes[i] == 'T' ? t : page_axes[i] == 'C' ? page_c : z;
    out.page = out.page * page_axis_sizes[i] + index;
  }
  return out;
}

arrow::Result<TiffSeries> MakeTiffSeries(int64_t first_page, const std::string& page_axes,
                                         const std::vector<int64_t>& sizes,
                                         int64_t samples) {
  if (page_axes.size() != sizes.size()) {
    return Status::Invalid("series axes '", page_axes, "' and ", sizes.size(),
                           " sizes differ in length");
  }
  if (samples < 1) return Status::Invalid("series has ", samples, " samples per pixel");
  TiffSeries series;
  series.first_page = first_page;
  series.samples = samples;
  int64_t page_c = 1;
  for (size_t i = 0; i < page_axes.size(); ++i) {
    const char letter = page_axes[i];
    if ((letter != 'T' && letter != 'C' && letter != 'Z') ||
        page_axes.find(letter) != i) {
      return Status::Invalid("series axes '", page_axes,
                             "' are not distinct letters T, C, Z");
    }
    if (sizes[i] < 1) {
      return Status::Invalid("series axis ", letter, " has size ", sizes[i]);
    }
    (letter == 'T' ? series.size_t : letter == 'C' ? page_c : series.size_z) = sizes[i];
  }
  const std::optional<int64_t> pages = Product(sizes);
  const std::optional<int64_t> size_c = CheckedProduct({page_c, samples});
  if (!pages.has_value() || !size_c.has_value() ||
      !CheckedProduct({*pages, samples}).has_value()) {
    return Status::Invalid("series sizes ", ShapeText(sizes), " x ", samples,
                           " samples overflow");
  }
  series.size_c = *size_c;
  series.page_axes = page_axes;
  series.page_axis_sizes = sizes;
  series.stored_pages = *pages;
  return series;
}

TiffSeries LeadingRunSeries(const std::vector<TiffPageShape>& pages) {
  int64_t run = pages.empty() ? 0 : 1;
  while (run < static_cast<int64_t>(pages.size()) &&
         SameImage(pages[static_cast<size_t>(run)], pages.front())) {
    ++run;
  }
  TiffSeries series;
  series.page_axes = "Z";
  series.page_axis_sizes = {std::max<int64_t>(run, 1)};
  series.size_z = std::max<int64_t>(run, 1);
  series.samples = pages.empty() ? 1 : pages.front().samples;
  series.size_c = series.samples;
  series.stored_pages = run;
  series.recorded_by = "page shapes";
  return series;
}

arrow::Result<TiffSeries> ImageJSeries(const ImageJDescription& description,
                                       const std::vector<TiffPageShape>& pages) {
  if (pages.empty()) return Status::Invalid("ImageJ description: the file has no pages");
  const TiffPageShape& page = pages.front();
  const int64_t num_pages = static_cast<int64_t>(pages.size());
  int64_t channels = description.channels;
  const int64_t samples = page.samples;
  // tifffile's rules: samples are the channels when channels=1 or channels counts them
  // (separate samples declared as channels by Bio-Formats, RGB declared as channels).
  if (samples > 1 && channels > 1) {
    if (channels == samples &&
        (page.planar_separate ||
         description.images.value_or(1) == description.frames * description.slices)) {
      channels = 1;
    } else if (page.planar_separate) {
      return Status::Invalid("ImageJ description: channels=", description.channels,
                             " but the pages hold ", samples, " separate samples");
    }
  }
  std::vector<int64_t> sizes;
  std::string letters;
  for (char letter : description.page_axes) {
    const int64_t size = letter == 'T'   ? description.frames
                         : letter == 'Z' ? description.slices
                                         : channels;
    if (size == 1) continue;
    letters += letter;
    sizes.push_back(size);
  }
  if (letters.empty() && num_pages > 1) {
    // No sizes (a plain ImageJ stack): every page is a Z plane.
    letters = "Z";
    sizes = {num_pages};
  }
  ARROW_ASSIGN_OR_RAISE(TiffSeries series, MakeTiffSeries(0, letters, sizes, samples));
  series.recorded_by = "ImageJ description";
  series.stored_pages = std::min(num_pages, series.num_pages());
  return series;
}

bool IsShapedDescription(const std::string& description) {
  if (description.find("\"mibi.") != std::string::npos) return false;
  if (!description.empty() && description.front() == '{' &&
      description.find("\"shape\":") != std::string::npos) {
    return true;
  }
  return description.rfind("shape=", 0) == 0;
}

arrow::Result<std::vector<TiffSeries>> ShapedSeries(
    const std::vector<std::optional<std::string>>& descriptions,
    const std::vector<TiffPageShape>& pages) {
  std::vector<TiffSeries> out;
  const int64_t num_pages = static_cast<int64_t>(pages.size());
  int64_t index = 0;
  while (index < num_pages) {
    const std::optional<std::string>& description =
        descriptions[static_cast<size_t>(index)];
    if (!description.has_value()) return std::vector<TiffSeries>{};
    ARROW_ASSIGN_OR_RAISE(ShapedMeta meta, ParseShaped(*description, index));
    const TiffPageShape& page = pages[static_cast<size_t>(index)];
    const std::optional<int64_t> size = Product(meta.shape);
    const std::optional<int64_t> page_size =
        CheckedProduct({page.width, page.height, page.samples});
    if (page.width == 0 || page.height == 0 || page.samples == 0) {
      return Status::Invalid("IFD ", index,
                             " starts a shaped series but has no image size");
    }
    if (!size.has_value() || !page_size.has_value()) {
      return Status::Invalid("IFD ", index, " shaped description: shape ",
                             ShapeText(meta.shape), " overflows");
    }
    if (*size == 0) {
      return Status::Invalid("IFD ", index, " shaped description: shape ",
                             ShapeText(meta.shape), " is empty");
    }
    if (*size % *page_size != 0) return std::vector<TiffSeries>{};
    const int64_t series_pages = *size / *page_size;
    ARROW_ASSIGN_OR_RAISE(TiffSeries series,
                          ShapedToSeries(meta, index, series_pages, page));
    if (meta.truncated) {
      series.stored_pages = 1;  // the next page starts another series
      index += 1;
    } else if (series_pages <= num_pages - index) {
      series.stored_pages = series_pages;
      index += series_pages;
    } else {
      series.stored_pages = 1;
      index += series_pages;  // one page, or more than the file has (the last series)
    }
    out.push_back(std::move(series));
  }
  return out;
}

}  // namespace omearrow
