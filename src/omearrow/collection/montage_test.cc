// Montages of a generated plate: grid geometry, which tile lands where (tint of known
// two-channel images), enlarged small images, captions drawn in their bands, caption
// text from metadata, parallel = serial, and errors naming the argument or the image.
#include "omearrow/collection/montage.h"

#include <arrow/array/concatenate.h>
#include <arrow/builder.h>
#include <arrow/io/file.h>
#include <arrow/table.h>
#include <gtest/gtest.h>
#include <parquet/arrow/writer.h>
#include <png.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "omearrow/collection/filter.h"
#include "omearrow/testing/gtest_util.h"
#include "omearrow/testing/record_builder.h"

namespace omearrow {
namespace {

namespace fs = std::filesystem;
using testing::BuildRecord;
using testing::DenseImage;
using testing::RecordSpec;

// Tile contents: which of the two channels are bright (palette: channel 0 red, 1 green).
enum Lit { kRed = 1, kGreen = 2, kBoth = 3, kNone = 0 };

DenseImage TwoChannelImage(int lit, int64_t size_y, int64_t size_x) {
  DenseImage dense;
  dense.size_c = 2;
  dense.size_y = size_y;
  dense.size_x = size_x;
  dense.dtype = DType::kUInt16;
  dense.bytes.assign(static_cast<size_t>(2 * size_y * size_x * 2), 0);
  auto* values = reinterpret_cast<uint16_t*>(dense.bytes.data());
  for (int c = 0; c < 2; ++c) {
    if ((lit & (1 << c)) == 0) continue;
    for (int64_t i = 0; i < size_y * size_x; ++i) values[c * size_y * size_x + i] = 3000;
  }
  return dense;
}

fs::path FreshDir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() /
                 ("omearrow_montage_test_" + std::to_string(::getpid())) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// One file, one image per entry of `lit`, with Metadata_Well ("A01", "A02", ...) and
// Metadata_Site (0, 1, ...) beside the record column.
arrow::Status WritePlate(const fs::path& path, const std::vector<int>& lit,
                         int64_t size_y, int64_t size_x) {
  std::vector<std::shared_ptr<arrow::Array>> records;
  arrow::StringBuilder wells;
  arrow::Int32Builder sites;
  for (size_t i = 0; i < lit.size(); ++i) {
    const DenseImage dense = TwoChannelImage(lit[i], size_y, size_x);
    ARROW_ASSIGN_OR_RAISE(auto record, BuildRecord(dense, RecordSpec{}));
    records.push_back(record);
    ARROW_RETURN_NOT_OK(wells.Append("A0" + std::to_string(i + 1)));
    ARROW_RETURN_NOT_OK(sites.Append(static_cast<int32_t>(i)));
  }
  ARROW_ASSIGN_OR_RAISE(auto record_array, arrow::Concatenate(records));
  std::shared_ptr<arrow::Array> well_array, site_array;
  ARROW_RETURN_NOT_OK(wells.Finish(&well_array));
  ARROW_RETURN_NOT_OK(sites.Finish(&site_array));
  auto schema = arrow::schema({arrow::field("Metadata_Well", arrow::utf8()),
                               arrow::field("ome_arrow", record_array->type()),
                               arrow::field("Metadata_Site", arrow::int32())});
  auto table = arrow::Table::Make(schema, {well_array, record_array, site_array});
  ARROW_ASSIGN_OR_RAISE(auto out, arrow::io::FileOutputStream::Open(path.string()));
  return parquet::arrow::WriteTable(*table, arrow::default_memory_pool(), out, 2);
}

const std::vector<int> kLit = {kRed, kGreen, kBoth, kNone, kRed};

Collection OpenPlate(const std::string& name, int64_t size_y = 24, int64_t size_x = 20,
                     const std::vector<int>& lit = kLit) {
  const fs::path path = FreshDir(name) / "plate.parquet";
  EXPECT_OK(WritePlate(path, lit, size_y, size_x));
  auto collection = OpenCollection({path.string()});
  EXPECT_TRUE(collection.ok()) << collection.status().ToString();
  return *collection;
}

// RenderMontage's picture; any placeholder tile is an error here.
arrow::Result<RgbImage> Render(const Collection& collection,
                               const MontageOptions& options) {
  ARROW_ASSIGN_OR_RAISE(Montage montage, RenderMontage(collection, options));
  if (!montage.failures.empty()) {
    return arrow::Status::Invalid("unexpected failure: ", montage.failures[0].message);
  }
  return std::move(montage.picture);
}

std::array<int, 3> Pixel(const RgbImage& picture, int64_t x, int64_t y) {
  const uint8_t* p = picture.pixels.data() + (y * picture.width + x) * 3;
  return {p[0], p[1], p[2]};
}

std::array<int, 3> Expected(int lit) {
  return {(lit & kRed) ? 255 : 0, (lit & kGreen) ? 255 : 0, 0};
}

const std::array<int, 3> kBackground = {kMontageBackground[0], kMontageBackground[1],
                                        kMontageBackground[2]};

// Pixels in the rectangle that differ from the background by more than 100 in sum.
int64_t InkIn(const RgbImage& picture, int64_t x0, int64_t y0, int64_t w, int64_t h) {
  int64_t ink = 0;
  for (int64_t y = y0; y < y0 + h; ++y) {
    for (int64_t x = x0; x < x0 + w; ++x) {
      auto p = Pixel(picture, x, y);
      int diff = 0;
      for (int k = 0; k < 3; ++k) diff += std::abs(p[k] - kBackground[k]);
      ink += diff > 100 ? 1 : 0;
    }
  }
  return ink;
}

TEST(Montage, GridTilesAndCaptions) {
  Collection plate = OpenPlate("grid", 60, 64);  // fills 64-pixel tiles unscaled
  MontageOptions options;
  options.size = 64;
  ASSERT_OK_AND_ASSIGN(RgbImage picture, Render(plate, options));
  ASSERT_OK_AND_ASSIGN(MontageLayout layout, PlanMontage(5, options, 15));
  // 5 images → 3 columns × 2 rows.
  EXPECT_EQ(layout.columns, 3);
  EXPECT_EQ(layout.rows, 2);
  EXPECT_EQ(picture.width, 3 * 64 + 4 * layout.gap);
  EXPECT_GT(picture.height, 2 * 64 + 3 * layout.gap);  // plus two caption bands
  EXPECT_EQ(Pixel(picture, 0, 0), kBackground);
  const int64_t band = (picture.height - 3 * layout.gap) / 2 - 64;
  EXPECT_GE(band, 10);
  for (int64_t i = 0; i < 6; ++i) {
    const int64_t x = layout.gap + (i % 3) * (64 + layout.gap);
    const int64_t y = layout.gap + (i / 3) * (64 + band + layout.gap);
    SCOPED_TRACE("tile " + std::to_string(i));
    if (i < 5) {
      // The image (64 wide, 60 tall) is centred: rows 2..61 of the cell.
      EXPECT_EQ(Pixel(picture, x + 32, y + 32), Expected(kLit[static_cast<size_t>(i)]));
      EXPECT_EQ(Pixel(picture, x, y + 2), Expected(kLit[static_cast<size_t>(i)]));
      EXPECT_EQ(Pixel(picture, x + 63, y + 61), Expected(kLit[static_cast<size_t>(i)]));
      EXPECT_EQ(Pixel(picture, x + 32, y + 1), kBackground);
      EXPECT_EQ(Pixel(picture, x + 32, y + 62), kBackground);
      EXPECT_GT(InkIn(picture, x, y + 64, 64, band), 15) << "no caption drawn";
    } else {
      EXPECT_EQ(InkIn(picture, x, y, 64, 64 + band), 0) << "the empty cell has ink";
    }
  }
  // Without captions: no bands.
  options.captions = false;
  ASSERT_OK_AND_ASSIGN(RgbImage bare, Render(plate, options));
  EXPECT_EQ(bare.height, 2 * 64 + 3 * layout.gap);
  EXPECT_EQ(bare.width, picture.width);
}

TEST(Montage, SmallImagesAreEnlargedToFillTheTile) {
  Collection plate = OpenPlate("enlarge", 24, 20);
  MontageOptions options;
  options.size = 64;
  options.n = 1;
  options.captions = false;
  ASSERT_OK_AND_ASSIGN(RgbImage picture, Render(plate, options));
  ASSERT_OK_AND_ASSIGN(MontageLayout layout, PlanMontage(5, options, 0));
  EXPECT_EQ(layout.count, 1);
  EXPECT_EQ(picture.width, 64 + 2 * layout.gap);
  // 24 tall × 20 wide → 64 × round(20·64/24) = 53 wide, centred: x from 5, y from 0.
  const int64_t x0 = layout.gap + 5, y0 = layout.gap;
  EXPECT_EQ(Pixel(picture, x0, y0), Expected(kRed));
  EXPECT_EQ(Pixel(picture, x0 + 52, y0 + 63), Expected(kRed));
  EXPECT_EQ(Pixel(picture, x0 - 1, y0), kBackground);
  EXPECT_EQ(Pixel(picture, x0 + 53, y0), kBackground);
  EXPECT_EQ(Pixel(picture, x0, y0 + 64), kBackground);
}

TEST(Montage, LargeImagesAreShrunkToTheTile) {
  Collection plate = OpenPlate("shrink", 200, 100);
  MontageOptions options;
  options.size = 50;
  options.n = 2;
  options.columns = 1;
  options.captions = false;
  ASSERT_OK_AND_ASSIGN(RgbImage picture, Render(plate, options));
  ASSERT_OK_AND_ASSIGN(MontageLayout layout, PlanMontage(5, options, 0));
  EXPECT_EQ(layout.columns, 1);
  EXPECT_EQ(layout.rows, 2);
  // 200 tall × 100 wide → 50×25, centred at x 12..36; tile 1 (green) below tile 0 (red).
  EXPECT_EQ(Pixel(picture, layout.gap + 11, layout.gap), kBackground);
  EXPECT_EQ(Pixel(picture, layout.gap + 12, layout.gap), Expected(kRed));
  EXPECT_EQ(Pixel(picture, layout.gap + 36, layout.gap + 49), Expected(kRed));
  EXPECT_EQ(Pixel(picture, layout.gap + 37, layout.gap), kBackground);
  EXPECT_EQ(Pixel(picture, layout.gap + 25, 2 * layout.gap + 50 + 25), Expected(kGreen));
}

TEST(Montage, CaptionsFromMetadata) {
  Collection plate = OpenPlate("captions");
  ASSERT_OK_AND_ASSIGN(auto by_well,
                       MontageCaptions(plate, {"Metadata_Well", "Metadata_Site"}, 3));
  EXPECT_EQ(by_well, (std::vector<std::string>{"A01 \xC2\xB7 0", "A02 \xC2\xB7 1",
                                               "A03 \xC2\xB7 2"}));
  ASSERT_OK_AND_ASSIGN(auto by_name, MontageCaptions(plate, {}, 2));
  EXPECT_EQ(by_name, (std::vector<std::string>{"generated", "generated"}));
  auto unknown = MontageCaptions(plate, {"Metadata_Plate"}, 2);
  ASSERT_TRUE(unknown.status().IsKeyError());
  EXPECT_NE(unknown.status().message().find("'Metadata_Plate'"), std::string::npos);
  EXPECT_NE(unknown.status().message().find("Metadata_Well"), std::string::npos);
  // Different captions draw different ink.
  MontageOptions options;
  options.size = 64;
  options.n = 1;
  ASSERT_OK_AND_ASSIGN(RgbImage named, Render(plate, options));
  options.by = {"Metadata_Well"};
  ASSERT_OK_AND_ASSIGN(RgbImage welled, Render(plate, options));
  EXPECT_EQ(named.width, welled.width);
  EXPECT_NE(named.pixels, welled.pixels);
  options.by = {"nope"};
  EXPECT_TRUE(RenderMontage(plate, options).status().IsKeyError());
}

TEST(Montage, ParallelEqualsSerialAndPngDecodes) {
  Collection plate = OpenPlate("parallel");
  MontageOptions options;
  options.size = 32;
  options.parallelism = 1;
  ASSERT_OK_AND_ASSIGN(RgbImage serial, Render(plate, options));
  options.parallelism = 4;
  ASSERT_OK_AND_ASSIGN(RgbImage parallel, Render(plate, options));
  EXPECT_EQ(serial.pixels, parallel.pixels);
  ASSERT_OK_AND_ASSIGN(std::string png, EncodePng(parallel));
  png_image image;
  std::memset(&image, 0, sizeof(image));
  image.version = PNG_IMAGE_VERSION;
  ASSERT_TRUE(png_image_begin_read_from_memory(&image, png.data(), png.size()));
  EXPECT_EQ(static_cast<int64_t>(image.width), serial.width);
  EXPECT_EQ(static_cast<int64_t>(image.height), serial.height);
  png_image_free(&image);
}

TEST(Montage, Errors) {
  Collection plate = OpenPlate("errors");
  MontageOptions options;
  options.n = 0;
  EXPECT_EQ(RenderMontage(plate, options).status().message(),
            "montage: n must be at least 1, got 0");
  options = {};
  options.size = 8;
  EXPECT_EQ(RenderMontage(plate, options).status().message(),
            "montage: size must be in 16..4096, got 8");
  options = {};
  options.columns = 0;
  EXPECT_EQ(RenderMontage(plate, options).status().message(),
            "montage: columns must be at least 1, got 0");
  options = {};
  ASSERT_OK_AND_ASSIGN(Collection empty, plate.Take({}));
  EXPECT_EQ(RenderMontage(empty, options).status().message(),
            "montage: the collection has no images");
  options.preview.t = 3;
  auto bad_t = RenderMontage(plate, options);
  ASSERT_FALSE(bad_t.ok());
  EXPECT_NE(bad_t.status().message().find("montage: image 0 ("), std::string::npos)
      << bad_t.status().message();
  EXPECT_NE(bad_t.status().message().find("t=3 out of range"), std::string::npos);
  options = {};
  options.font_path = "/nonexistent/font.ttf";
  auto no_font = RenderMontage(plate, options);
  ASSERT_FALSE(no_font.ok());
  EXPECT_NE(no_font.status().message().find("/nonexistent/font.ttf"), std::string::npos);
  options.n = 100000;
  options.size = 4096;
  options.captions = false;
  ASSERT_OK_AND_ASSIGN(Collection many, plate.Take(std::vector<int64_t>(100000, 0)));
  auto huge = RenderMontage(many, options);
  ASSERT_FALSE(huge.ok());
  EXPECT_NE(huge.status().message().find("over the limit"), std::string::npos);
}

TEST(Montage, UnreadableImageNamesItsFile) {
  const fs::path dir = FreshDir("unreadable");
  ASSERT_OK(WritePlate(dir / "a.parquet", {kRed}, 24, 20));
  ASSERT_OK(WritePlate(dir / "b.parquet", {kGreen}, 24, 20));
  ASSERT_OK_AND_ASSIGN(Collection plate, OpenCollection({dir.string()}));
  ASSERT_EQ(plate.size(), 2);
  // The second file is truncated after the collection read its metadata.
  fs::resize_file(dir / "b.parquet", 100);
  MontageOptions options;
  options.captions = false;
  auto result = RenderMontage(plate, options);
  ASSERT_FALSE(result.ok());
  const std::string named = "montage: image 1 (" + (dir / "b.parquet").string();
  EXPECT_NE(result.status().message().find(named), std::string::npos)
      << result.status().message();
  // Skipped: image 0 is drawn, image 1 is a crossed placeholder and reported.
  options.on_error = OnError::kSkip;
  options.size = 64;
  ASSERT_OK_AND_ASSIGN(Montage montage, RenderMontage(plate, options));
  ASSERT_EQ(montage.failures.size(), 1u);
  EXPECT_EQ(montage.failures[0].index, 1);
  EXPECT_EQ(montage.failures[0].message.rfind(named, 0), 0u) << montage.failures[0].message;
  ASSERT_OK_AND_ASSIGN(MontageLayout layout, PlanMontage(2, options, 0));
  const RgbImage& picture = montage.picture;
  const std::array<int, 3> failed = {kMontageFailed[0], kMontageFailed[1],
                                     kMontageFailed[2]};
  const std::array<int, 3> cross = {kMontageFailedCross[0], kMontageFailedCross[1],
                                    kMontageFailedCross[2]};
  const int64_t x1 = layout.cell_x(1), y1 = layout.cell_y(1);
  EXPECT_EQ(Pixel(picture, layout.cell_x(0) + 32, layout.cell_y(0) + 32), Expected(kRed));
  EXPECT_EQ(Pixel(picture, x1 + 10, y1 + 30), failed);
  EXPECT_EQ(Pixel(picture, x1 + 10, y1 + 10), cross);
  EXPECT_EQ(Pixel(picture, x1 + 10, y1 + 53), cross);
  EXPECT_EQ(Pixel(picture, x1 + 63, y1 + 63), cross);
}

// The CLI's flow: a filter (with an `in` list) picks the images, the montage shows them.
TEST(Montage, OfAFilteredCollection) {
  Collection plate = OpenPlate("filtered", 60, 64);
  ASSERT_OK_AND_ASSIGN(auto expr, ParseFilter("Metadata_Well in ('A02', \"A04\")"));
  ASSERT_OK_AND_ASSIGN(Collection picked, plate.Filter(expr));
  ASSERT_EQ(picked.size(), 2);
  ASSERT_OK_AND_ASSIGN(auto wells, MontageCaptions(picked, {"Metadata_Well"}, 2));
  EXPECT_EQ(wells, (std::vector<std::string>{"A02", "A04"}));
  MontageOptions options;
  options.size = 64;
  options.captions = false;
  ASSERT_OK_AND_ASSIGN(RgbImage picture, Render(picked, options));
  ASSERT_OK_AND_ASSIGN(MontageLayout layout, PlanMontage(2, options, 0));
  EXPECT_EQ(layout.columns, 2);
  EXPECT_EQ(Pixel(picture, layout.gap + 32, layout.gap + 32), Expected(kGreen));
  EXPECT_EQ(Pixel(picture, 2 * layout.gap + 64 + 32, layout.gap + 32), Expected(kNone));
  // `in` with numbers, combined with `and`; one value; bad lists name the filter.
  ASSERT_OK_AND_ASSIGN(expr, ParseFilter("Metadata_Site in (0, 4, 9) and size_c == 2"));
  ASSERT_OK_AND_ASSIGN(picked, plate.Filter(expr));
  EXPECT_EQ(picked.size(), 2);
  ASSERT_OK_AND_ASSIGN(expr, ParseFilter("not Metadata_Well in ('A01')"));
  ASSERT_OK_AND_ASSIGN(picked, plate.Filter(expr));
  EXPECT_EQ(picked.size(), 4);
  for (const char* bad : {"Metadata_Well in 'A01'", "Metadata_Well in ('A01'",
                          "Metadata_Well in ()", "Metadata_Well in ('A01',)"}) {
    auto parsed = ParseFilter(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_NE(parsed.status().message().find(std::string("filter '") + bad + "'"),
              std::string::npos)
        << parsed.status().message();
  }
}

}  // namespace
}  // namespace omearrow
