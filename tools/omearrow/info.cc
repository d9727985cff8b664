// `omearrow info`.
#include <cstdio>
#include <sstream>

#include "commands.h"
#include "omearrow/collection/location.h"
#include "omearrow/collection/open_uri.h"
#include "omearrow/collection/source_kind.h"
#include "omearrow/io/list_page_source.h"
#include "omearrow/io/open.h"
#include "omearrow/io/parquet_source.h"

namespace omearrow::cli {
namespace {

std::string JsonString(const std::string& text) {
  std::string out = "\"";
  for (char ch : text) {
    switch (ch) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(ch) < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof(buffer), "\\u%04x", ch);
          out += buffer;
        } else {
          out += ch;
        }
    }
  }
  return out + "\"";
}

std::string OptionalJson(const std::optional<std::string>& value) {
  return value ? JsonString(*value) : "null";
}

std::string OptionalJson(const std::optional<double>& value) {
  if (!value) return "null";
  std::ostringstream out;
  out << *value;
  return out.str();
}

std::string OptionalJson(const std::optional<int64_t>& value) {
  return value ? std::to_string(*value) : "null";
}

// How a planes/list-chunks row is read: page by page (and how its planes lie in the
// pages) or decoded whole; nullopt for other encodings.
struct PagesSummary {
  std::optional<ListPageLayout> layout;  // nullopt: the row is decoded whole
};

arrow::Result<std::optional<PagesSummary>> SummarizePages(const Image& image) {
  if (image.encoding() != PixelEncoding::kPlanes &&
      image.encoding() != PixelEncoding::kListChunks) {
    return std::nullopt;
  }
  ARROW_ASSIGN_OR_RAISE(auto layout, DescribeListPages(image.source()));
  return PagesSummary{layout};
}

std::string PagesJson(const std::optional<PagesSummary>& summary) {
  if (!summary) return "null";
  if (!summary->layout) return "{\"read\": \"whole rows\"}";
  const ListPageLayout& l = *summary->layout;
  std::ostringstream out;
  out << "{\"read\": \"pages\", \"leaf_pages\": " << l.leaf_pages
      << ", \"row_pages\": " << l.row_pages << ", \"row_page_bytes\": " << l.row_page_bytes
      << ", \"entries\": " << l.entries << ", \"pages_per_entry\": [" << l.min_pages_per_entry
      << ", " << l.max_pages_per_entry << "], \"max_entries_per_page\": "
      << l.max_entries_per_page << ", \"page_index\": " << (l.has_page_index ? "true" : "false")
      << "}";
  return out.str();
}

std::string PagesText(const std::optional<PagesSummary>& summary, const char* entry) {
  if (!summary->layout) {
    return "row decoded whole (the metadata does not place its pixel lists)";
  }
  const ListPageLayout& l = *summary->layout;
  std::ostringstream out;
  out << "read page by page; this row: " << l.row_pages << " of " << l.leaf_pages
      << " data pages, " << l.row_page_bytes << " bytes; " << l.entries << " " << entry
      << "s, " << l.min_pages_per_entry;
  if (l.max_pages_per_entry != l.min_pages_per_entry) out << "-" << l.max_pages_per_entry;
  out << " page(s) per " << entry << ", up to " << l.max_entries_per_page << " " << entry
      << "s per page; page index: " << (l.has_page_index ? "yes" : "no");
  return out.str();
}

}  // namespace

arrow::Status RunInfo(const InputSelection& input, bool json) {
  OpenOptions options;
  options.column = input.column;
  options.row = input.row;
  options.image_id = input.image_id;
  ARROW_ASSIGN_OR_RAISE(const bool many, IsCollectionSource(input.path));
  if (many) return RunCollectionInfo(input, json);
  // Local paths and file:// URIs by their format; other URIs are Parquet objects.
  ARROW_ASSIGN_OR_RAISE(Location location, ResolveLocation(input.path));
  FileFormat format = FileFormat::kParquet;
  if (location.local()) {
    ARROW_ASSIGN_OR_RAISE(format, DetectFormat(location.path));
  }
  ARROW_ASSIGN_OR_RAISE(OpenedImage opened, OpenPathOrUri(input.path, options));
  for (const auto& warning : opened.warnings) {
    std::fprintf(stderr, "warning: %s\n", warning.message.c_str());
  }
  const Image& image = *opened.image;
  const PixelsMeta& pm = image.pixels_meta();
  std::string warning;
  const DType dtype = DTypeFromMeta(pm.type, &warning);
  std::optional<int64_t> rows;
  if (format == FileFormat::kParquet) {
    ARROW_ASSIGN_OR_RAISE(auto file_info,
                          location.local()
                              ? InspectParquet(location.path)
                              : InspectParquet(input.path, MakeFileOpener(location)));
    rows = file_info.num_rows;
  }
  const auto& grid = image.chunk_grid();
  ARROW_ASSIGN_OR_RAISE(const auto pages, SummarizePages(image));
  const char* entry = image.encoding() == PixelEncoding::kPlanes ? "plane" : "chunk";
  if (json) {
    std::ostringstream out;
    out << "{\"path\": " << JsonString(input.path)
        << ", \"format\": " << JsonString(std::string(FileFormatName(format)))
        << ", \"column\": " << (opened.column.empty() ? "null" : JsonString(opened.column))
        << ", \"row\": " << input.row << ", \"rows\": " << OptionalJson(rows)
        << ", \"id\": " << OptionalJson(image.info().id)
        << ", \"name\": " << OptionalJson(image.info().name)
        << ", \"shape\": {\"T\": " << pm.size_t << ", \"C\": " << pm.size_c
        << ", \"Z\": " << pm.size_z << ", \"Y\": " << pm.size_y << ", \"X\": " << pm.size_x
        << "}, \"dtype\": " << JsonString(std::string(DTypeName(dtype)))
        << ", \"dimension_order\": " << OptionalJson(pm.dimension_order)
        << ", \"encoding\": " << JsonString(std::string(PixelEncodingName(image.encoding())))
        << ", \"chunk_grid\": ";
    if (grid) {
      out << "{\"chunk_z\": " << OptionalJson(grid->chunk_z)
          << ", \"chunk_y\": " << OptionalJson(grid->chunk_y)
          << ", \"chunk_x\": " << OptionalJson(grid->chunk_x)
          << ", \"chunk_order\": " << OptionalJson(grid->chunk_order) << "}";
    } else {
      out << "null";
    }
    out << ", \"physical_size\": {\"x\": " << OptionalJson(pm.physical_size_x)
        << ", \"y\": " << OptionalJson(pm.physical_size_y)
        << ", \"z\": " << OptionalJson(pm.physical_size_z)
        << ", \"unit\": " << OptionalJson(pm.physical_size_x_unit) << "}, \"channels\": [";
    for (size_t i = 0; i < pm.channels.size(); ++i) {
      out << (i ? ", " : "") << "{\"id\": " << OptionalJson(pm.channels[i].id)
          << ", \"name\": " << OptionalJson(pm.channels[i].name) << "}";
    }
    out << "], \"pages\": " << PagesJson(pages) << "}\n";
    std::fputs(out.str().c_str(), stdout);
    return arrow::Status::OK();
  }
  std::printf("file:            %s\n", input.path.c_str());
  std::printf("format:          %s", std::string(FileFormatName(format)).c_str());
  if (!opened.column.empty()) {
    std::printf(" (column '%s', row %lld of %lld)", opened.column.c_str(),
                static_cast<long long>(input.row), static_cast<long long>(rows.value_or(0)));
  }
  std::printf("\nid / name:       %s / %s\n", image.info().id.value_or("-").c_str(),
              image.info().name.value_or("-").c_str());
  std::printf("shape (TCZYX):   (%lld, %lld, %lld, %lld, %lld)\n",
              static_cast<long long>(pm.size_t), static_cast<long long>(pm.size_c),
              static_cast<long long>(pm.size_z), static_cast<long long>(pm.size_y),
              static_cast<long long>(pm.size_x));
  std::printf("dtype:           %s%s\n", std::string(DTypeName(dtype)).c_str(),
              warning.empty() ? "" : " (pixels_meta.type not understood; uint16 assumed)");
  std::printf("dimension order: %s\n", pm.dimension_order.value_or("-").c_str());
  std::printf("encoding:        %s\n", std::string(PixelEncodingName(image.encoding())).c_str());
  if (grid) {
    std::printf("chunks (ZYX):    %s x %s x %s (%s)\n",
                OptionalJson(grid->chunk_z).c_str(), OptionalJson(grid->chunk_y).c_str(),
                OptionalJson(grid->chunk_x).c_str(), grid->chunk_order.value_or("ZYX").c_str());
  } else {
    std::printf("chunks:          none\n");
  }
  if (pages) std::printf("pages:           %s\n", PagesText(pages, entry).c_str());
  std::printf("physical size:   x=%s y=%s z=%s %s\n", OptionalJson(pm.physical_size_x).c_str(),
              OptionalJson(pm.physical_size_y).c_str(), OptionalJson(pm.physical_size_z).c_str(),
              pm.physical_size_x_unit.value_or("").c_str());
  std::printf("channels:        ");
  for (size_t i = 0; i < pm.channels.size(); ++i) {
    std::printf("%s%s", i ? ", " : "",
                pm.channels[i].name.value_or(pm.channels[i].id.value_or("?")).c_str());
  }
  std::printf("\n");
  return arrow::Status::OK();
}

arrow::Result<int64_t> RunValidate(const InputSelection& input, bool strict) {
  ARROW_ASSIGN_OR_RAISE(FileFormat format, DetectFormat(input.path));
  if (format != FileFormat::kParquet) {
    return arrow::Status::Invalid(input.path, ": --validate checks OME-Arrow Parquet records");
  }
  ValidateOptions options;
  options.strict = strict;
  Warnings warnings;
  ARROW_ASSIGN_OR_RAISE(ColumnValidation validation,
                        ValidateParquetRecords(input.path, input.column, options, &warnings));
  for (const auto& warning : warnings) {
    std::fprintf(stderr, "warning: %s\n", warning.message.c_str());
  }
  for (const auto& [row, problem] : validation.problems) {
    std::printf("row %lld: %s\n", static_cast<long long>(row), problem.ToString().c_str());
  }
  if (validation.problems.empty()) {
    std::printf("valid: %lld records%s\n", static_cast<long long>(validation.num_rows),
                strict ? " (strict)" : "");
  }
  return static_cast<int64_t>(validation.problems.size());
}

}  // namespace omearrow::cli
