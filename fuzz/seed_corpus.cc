// Writes the fuzzers' seed corpora into <out>/<harness>/: Arrow IPC streams of records in
// every encoding (record_fuzzer), Parquet files written by WriteParquet in several
// encodings plus list records as Arrow's writer lays them out with other options
// (parquet_fuzzer), small TIFF / OME-TIFF files (tiff_fuzzer), OME-XML
// documents (ome_xml_fuzzer) and zstd/lz4/... chunk payloads with true and lying sizes
// (decompress_fuzzer). The sample files in testdata/ are added by scripts/fuzz.sh.
// Usage: omearrow_fuzz_seeds <out-dir> [testdata-dir]
#include <tiffio.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/io/file.h>
#include <arrow/io/memory.h>
#include <arrow/ipc/writer.h>
#include <arrow/record_batch.h>
#include <arrow/table.h>
#include <arrow/util/compression.h>
#include <parquet/arrow/writer.h>
#include <parquet/properties.h>

#include "omearrow/image.h"
#include "omearrow/io/record_writer.h"
#include "omearrow/source/record.h"
#include "omearrow/testing/record_builder.h"

namespace fs = std::filesystem;
using namespace omearrow;
using testing::DenseImage;
using testing::Encoding;
using testing::RecordSpec;

namespace {

void WriteFile(const fs::path& path, const void* data, size_t size) {
  std::ofstream out(path, std::ios::binary);
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
}

// Selection tails appended to record/parquet seeds (see fuzz_util.h ViewOptionsFrom).
const std::vector<std::vector<uint8_t>> kTails = {
    {},
    {0, 0, 1, 3},                      // dtype, layout(CYX), flags: t index
    {8, 1, 2, 3, 4, 0, 0, 0, 2, 15},  // roi + layout + dtype
    {9, 0, 3, 5, 2, 1, 9, 1, 6},
};

arrow::Status RecordSeeds(const fs::path& dir, const fs::path& parquet_dir) {
  int n = 0;
  const Encoding encodings[] = {Encoding::kPlanes, Encoding::kListChunks,
                                Encoding::kByteChunks, Encoding::kByteChunksZstd,
                                Encoding::kByteChunksLz4};
  const DType dtypes[] = {DType::kUInt16, DType::kUInt8, DType::kFloat32};
  for (Encoding encoding : encodings) {
    for (DType dtype : dtypes) {
      if (encoding == Encoding::kListChunks && dtype == DType::kFloat32) continue;
      DenseImage image = testing::MakeRandomImage(2, 2, 3, 7, 9, dtype, 17 + n);
      RecordSpec spec;
      spec.encoding = encoding;
      spec.chunk_z = 2, spec.chunk_y = 4, spec.chunk_x = 5;
      spec.loose = (n % 2) == 1;
      if (n % 3 == 0) spec.missing = {{1, 0, 2}};
      ARROW_ASSIGN_OR_RAISE(auto record, testing::BuildRecord(image, spec));
      auto batch = arrow::RecordBatch::Make(
          arrow::schema({arrow::field("ome_arrow", record->type())}), 1, {record});
      ARROW_ASSIGN_OR_RAISE(auto sink, arrow::io::BufferOutputStream::Create());
      ARROW_ASSIGN_OR_RAISE(auto writer, arrow::ipc::MakeStreamWriter(sink, batch->schema()));
      ARROW_RETURN_NOT_OK(writer->WriteRecordBatch(*batch));
      ARROW_RETURN_NOT_OK(writer->Close());
      ARROW_ASSIGN_OR_RAISE(auto stream, sink->Finish());
      std::string bytes = stream->ToString();
      const auto& tail = kTails[static_cast<size_t>(n) % kTails.size()];
      bytes.append(tail.begin(), tail.end());
      WriteFile(dir / ("record-" + std::to_string(n) + ".arrows"), bytes.data(), bytes.size());

      // The same image through the Parquet writer (canonical schemas, several codecs).
      ARROW_ASSIGN_OR_RAISE(auto parsed, ImageFromStructArray(record, 0));
      ParquetWriteOptions options;
      options.record.chunk_shape = {2, 4, 8};
      static const char* kCodecs[] = {"zstd", "lz4", "none", "auto"};
      options.record.chunk_compression = kCodecs[n % 4];
      const bool list = (dtype != DType::kFloat32) && (n % 3 == 1);
      options.record.encoding = list ? ChunkEncoding::kList : ChunkEncoding::kBytes;
      const fs::path parquet = parquet_dir / ("image-" + std::to_string(n) + ".parquet");
      ARROW_RETURN_NOT_OK(WriteParquet({parsed}, parquet.string(), options));
      ++n;
    }
  }
  return arrow::Status::OK();
}

// Planes and list-chunk records as other writers lay them out, for the page-level list
// decoder: three rows in one row group (pages between and inside rows), data page v1 and
// v2, dictionary on and off, tiny pages, several codecs.
arrow::Status ListPageSeeds(const fs::path& parquet_dir) {
  struct Variant {
    const char* name;
    parquet::ParquetDataPageVersion version;
    bool dictionary;
    arrow::Compression::type codec;
  };
  const Variant variants[] = {
      {"v1-dict-snappy", parquet::ParquetDataPageVersion::V1, true, arrow::Compression::SNAPPY},
      {"v2-plain-zstd", parquet::ParquetDataPageVersion::V2, false, arrow::Compression::ZSTD},
      {"v1-plain-gzip", parquet::ParquetDataPageVersion::V1, false, arrow::Compression::GZIP},
      {"v2-dict-none", parquet::ParquetDataPageVersion::V2, true,
       arrow::Compression::UNCOMPRESSED},
  };
  int n = 0;
  for (const Encoding encoding : {Encoding::kPlanes, Encoding::kListChunks}) {
    for (const Variant& variant : variants) {
      arrow::ArrayVector rows;
      for (int r = 0; r < 3; ++r) {
        DenseImage image = testing::MakeRandomImage(1, 2, 2, 6, 5, DType::kUInt16, 90 + n + r);
        RecordSpec spec;
        spec.encoding = encoding;
        spec.chunk_z = 1, spec.chunk_y = 3, spec.chunk_x = 5;
        if (r == 1) spec.missing = {{0, 1, 0}};
        ARROW_ASSIGN_OR_RAISE(auto record, testing::BuildRecord(image, spec));
        rows.push_back(record);
      }
      auto column = std::make_shared<arrow::ChunkedArray>(rows);
      auto table = arrow::Table::Make(
          arrow::schema({arrow::field("ome_arrow", column->type())}), {column});
      parquet::WriterProperties::Builder properties;
      properties.data_page_version(variant.version)->data_pagesize(64)->compression(
          variant.codec);
      if (!variant.dictionary) properties.disable_dictionary();
      ARROW_ASSIGN_OR_RAISE(auto out, arrow::io::FileOutputStream::Open(
                                          (parquet_dir / ("list-pages-" + std::to_string(n) +
                                                          "-" + variant.name + ".parquet"))
                                              .string()));
      ARROW_RETURN_NOT_OK(parquet::arrow::WriteTable(*table, arrow::default_memory_pool(), out,
                                                     /*chunk_size=*/3, properties.build()));
      ARROW_RETURN_NOT_OK(out->Close());
      ++n;
    }
  }
  return arrow::Status::OK();
}

// A small TIFF: `pages` 8-bit or 16-bit pages of 6x5, optionally with a description
// (OME-XML, ImageJ, tifffile shaped) on the first page, strips or tiles, optionally
// compressed.
void WriteTiffSeed(const fs::path& path, int pages, int bits, const std::string& description,
                   bool tiled, uint16_t compression) {
  TIFF* tif = TIFFOpen(path.c_str(), "w");
  if (tif == nullptr) return;
  const uint32_t width = 6, height = 5;
  for (int page = 0; page < pages; ++page) {
    TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, width);
    TIFFSetField(tif, TIFFTAG_IMAGELENGTH, height);
    TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, static_cast<uint16_t>(bits));
    TIFFSetField(tif, TIFFTAG_SAMPLEFORMAT, SAMPLEFORMAT_UINT);
    TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, static_cast<uint16_t>(1));
    TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
    TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    TIFFSetField(tif, TIFFTAG_COMPRESSION, compression);
    if (page == 0 && !description.empty()) {
      TIFFSetField(tif, TIFFTAG_IMAGEDESCRIPTION, description.c_str());
    }
    std::vector<uint8_t> plane(width * height * (bits / 8));
    for (size_t i = 0; i < plane.size(); ++i) plane[i] = static_cast<uint8_t>(i * 7 + page);
    if (tiled) {
      TIFFSetField(tif, TIFFTAG_TILEWIDTH, 16u);
      TIFFSetField(tif, TIFFTAG_TILELENGTH, 16u);
      std::vector<uint8_t> tile(16 * 16 * (bits / 8), 0);
      for (uint32_t y = 0; y < height; ++y) {
        std::copy_n(plane.data() + y * width * (bits / 8), width * (bits / 8),
                    tile.data() + y * 16 * (bits / 8));
      }
      TIFFWriteEncodedTile(tif, 0, tile.data(), static_cast<tmsize_t>(tile.size()));
    } else {
      TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, 2u);
      for (uint32_t strip = 0; strip * 2 < height; ++strip) {
        const uint32_t rows = std::min<uint32_t>(2, height - strip * 2);
        TIFFWriteEncodedStrip(tif, strip, plane.data() + strip * 2 * width * (bits / 8),
                              static_cast<tmsize_t>(rows * width * (bits / 8)));
      }
    }
    TIFFWriteDirectory(tif);
  }
  TIFFClose(tif);
}

std::string OmeXml(int z, int c, int t, const char* type, const std::string& tiffdata) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
         "<OME xmlns=\"http://www.openmicroscopy.org/Schemas/OME/2016-06\" "
         "UUID=\"urn:uuid:1234\"><Image ID=\"Image:0\" Name=\"seed\">"
         "<Pixels ID=\"Pixels:0\" DimensionOrder=\"XYZCT\" Type=\"" +
         std::string(type) + "\" SizeX=\"6\" SizeY=\"5\" SizeZ=\"" + std::to_string(z) +
         "\" SizeC=\"" + std::to_string(c) + "\" SizeT=\"" + std::to_string(t) +
         "\" PhysicalSizeX=\"0.5\" PhysicalSizeXUnit=\"nm\" PhysicalSizeZ=\"2\">"
         "<Channel ID=\"Channel:0:0\" Name=\"DNA\" SamplesPerPixel=\"1\" "
         "EmissionWavelength=\"520\" Color=\"-16776961\"/>" +
         (c > 1 ? std::string("<Channel ID=\"Channel:0:1\" SamplesPerPixel=\"1\" "
                              "ExcitationWavelength=\"0.4\" "
                              "ExcitationWavelengthUnit=\"µm\"/>")
                : std::string()) +
         tiffdata + "</Pixels></Image></OME>";
}

void TiffAndXmlSeeds(const fs::path& tiff_dir, const fs::path& xml_dir) {
  const std::string no_tiffdata = OmeXml(2, 1, 1, "uint8", "");
  const std::string tiffdata =
      OmeXml(2, 2, 1, "uint16",
             "<TiffData IFD=\"0\" FirstZ=\"0\" FirstC=\"0\" PlaneCount=\"2\"/>"
             "<TiffData IFD=\"2\" FirstC=\"1\" FirstZ=\"1\"><UUID "
             "FileName=\"seed.ome.tif\">urn:uuid:1234</UUID></TiffData>");
  WriteTiffSeed(tiff_dir / "plain.tif", 1, 8, "", false, COMPRESSION_NONE);
  WriteTiffSeed(tiff_dir / "stack-tiled.tif", 3, 16, "", true, COMPRESSION_ADOBE_DEFLATE);
  WriteTiffSeed(tiff_dir / "ome.tif", 2, 8, no_tiffdata, false, COMPRESSION_LZW);
  WriteTiffSeed(tiff_dir / "ome-tiffdata.tif", 3, 16, tiffdata, false, COMPRESSION_NONE);
  // Series an ImageJ description or tifffile shaped descriptions record.
  WriteTiffSeed(tiff_dir / "imagej.tif", 4, 16,
                "ImageJ=1.11a\nimages=4\nchannels=2\nslices=2\nhyperstack=true\n"
                "unit=micron\nspacing=0.5\n",
                false, COMPRESSION_NONE);
  WriteTiffSeed(tiff_dir / "shaped.tif", 3, 8,
                "{\"shape\": [3, 5, 6], \"axes\": \"ZYX\"}", false, COMPRESSION_NONE);
  WriteTiffSeed(tiff_dir / "shaped-truncated.tif", 1, 8,
                "{\"shape\": [2, 5, 6], \"truncated\": true}", false, COMPRESSION_NONE);
  const std::vector<std::pair<std::string, std::string>> docs = {
      {"no-tiffdata", "\x82" + no_tiffdata},
      {"tiffdata", "\x83" + tiffdata},
      {"no-ifds", std::string(1, '\0') + tiffdata},
      {"multi", "\x85" + OmeXml(1, 1, 5, "float", "<TiffData PlaneCount=\"5\"/>")},
  };
  for (const auto& [name, bytes] : docs) {
    WriteFile(xml_dir / (name + ".xml"), bytes.data(), bytes.size());
  }
}

arrow::Status DecompressSeeds(const fs::path& dir) {
  std::vector<uint8_t> raw(3000);
  for (size_t i = 0; i < raw.size(); ++i) raw[i] = static_cast<uint8_t>((i * i) >> 5);
  const arrow::Compression::type codecs[] = {
      arrow::Compression::ZSTD,   arrow::Compression::LZ4_FRAME, arrow::Compression::LZ4,
      arrow::Compression::SNAPPY, arrow::Compression::GZIP,      arrow::Compression::BROTLI,
      arrow::Compression::BZ2};
  for (uint8_t k = 0; k < 7; ++k) {
    if (!arrow::util::Codec::IsAvailable(codecs[k])) continue;
    ARROW_ASSIGN_OR_RAISE(auto codec, arrow::util::Codec::Create(codecs[k]));
    std::vector<uint8_t> out(static_cast<size_t>(
        codec->MaxCompressedLen(static_cast<int64_t>(raw.size()), raw.data())));
    auto compressed = codec->Compress(static_cast<int64_t>(raw.size()), raw.data(),
                                      static_cast<int64_t>(out.size()), out.data());
    if (!compressed.ok()) continue;  // e.g. bz2 has no one-shot compression
    const int64_t n = *compressed;
    // True size, a smaller and a larger lie.
    const uint32_t sizes[] = {3000, 1000, 1u << 20};
    for (uint32_t size : sizes) {
      std::vector<uint8_t> seed = {k, static_cast<uint8_t>(size), static_cast<uint8_t>(size >> 8),
                                   static_cast<uint8_t>(size >> 16),
                                   static_cast<uint8_t>(size >> 24)};
      seed.insert(seed.end(), out.begin(), out.begin() + n);
      WriteFile(dir / ("codec" + std::to_string(k) + "-" + std::to_string(size)), seed.data(),
                seed.size());
    }
  }
  return arrow::Status::OK();
}

// The OME-XML of each TIFF in `testdata` (first IFD's ImageDescription) as ome_xml seeds.
void TestdataXmlSeeds(const fs::path& testdata, const fs::path& xml_dir) {
  if (!fs::is_directory(testdata)) return;
  TIFFSetErrorHandler(nullptr);
  TIFFSetWarningHandler(nullptr);
  for (const auto& entry : fs::directory_iterator(testdata)) {
    const std::string name = entry.path().filename().string();
    if (name.find(".tif") == std::string::npos) continue;
    TIFF* tif = TIFFOpen(entry.path().c_str(), "r");
    if (tif == nullptr) continue;
    const char* description = nullptr;
    if (TIFFGetField(tif, TIFFTAG_IMAGEDESCRIPTION, &description) == 1 &&
        description != nullptr && std::string_view(description).find("<OME") != std::string_view::npos) {
      const std::string seed = std::string(1, static_cast<char>(0x80 | TIFFNumberOfDirectories(tif))) +
                               description;
      WriteFile(xml_dir / (name + ".xml"), seed.data(), seed.size());
    }
    TIFFClose(tif);
  }
}

// channels_json cells and manifests as the reference's json.dumps writes them.
void JsonSeeds(const fs::path& dir) {
  const std::pair<const char*, const char*> docs[] = {
      {"channels", R"([{"id": "Channel:0:0", "name": "DNA", "emission_um": 0.461, )"
                   R"("excitation_um": null, "illumination": "Epifluorescence", )"
                   R"("color_rgba": 4294967295}, null])"},
      {"channels-nan", R"([{"id": "c", "name": "\u00e9", "emission_um": NaN, )"
                       R"("color_rgba": -1}])"},
      {"manifest", "{\n  \"type\": \"ome.arrow\",\n  \"version\": \"0.1\",\n"
                   "  \"layout\": \"typed-chunk-dataset\",\n  \"chunk_count\": 18,\n"
                   "  \"choice\": {\"chunk_shape\": [1, 1, 1, 4, 4]}\n}"},
  };
  for (const auto& [name, text] : docs) {
    WriteFile(dir / (std::string(name) + ".json"), text, std::strlen(text));
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2 && argc != 3) {
    std::fprintf(stderr, "usage: %s <out-dir> [testdata-dir]\n", argv[0]);
    return 2;
  }
  const fs::path out = argv[1];
  for (const char* name : {"record_fuzzer", "parquet_fuzzer", "tiff_fuzzer", "ome_xml_fuzzer",
                           "decompress_fuzzer", "json_fuzzer"}) {
    fs::create_directories(out / name);
  }
  arrow::Status status = RecordSeeds(out / "record_fuzzer", out / "parquet_fuzzer");
  if (status.ok()) status = ListPageSeeds(out / "parquet_fuzzer");
  if (status.ok()) status = DecompressSeeds(out / "decompress_fuzzer");
  if (!status.ok()) {
    std::fprintf(stderr, "seeds: %s\n", status.ToString().c_str());
    return 1;
  }
  TiffAndXmlSeeds(out / "tiff_fuzzer", out / "ome_xml_fuzzer");
  JsonSeeds(out / "json_fuzzer");
  if (argc == 3) TestdataXmlSeeds(argv[2], out / "ome_xml_fuzzer");
  return 0;
}
