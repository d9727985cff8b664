#include "omearrow/io/tiff_source.h"

#include <arrow/buffer.h>
#include <arrow/status.h>
#include <arrow/util/io_util.h>
#include <tiffio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <condition_variable>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <string_view>
#include <vector>

#include "omearrow/io/imagej_description.h"
#include "omearrow/io/ome_xml.h"
#include "omearrow/io/tiff_codecs.h"
#include "omearrow/io/tiff_raw_tag.h"
#include "omearrow/io/tiff_series.h"
#include "omearrow/source/chunk_cache.h"
#include "omearrow/util/aligned_buffer.h"
#include "omearrow/util/view_limits.h"

namespace omearrow {

using arrow::Status;

namespace {

// Most IFDs a file may have (guards the directory walk against hostile files).
constexpr int64_t kMaxIfds = int64_t{1} << 20;

// Most samples per pixel an IFD may declare. libtiff accepts up to 65535, but RGB(A) has
// 3-4 and multispectral images rarely more than a few hundred, while the count multiplies
// every strip, tile and decode buffer (and becomes the channel count of a plain TIFF).
constexpr int64_t kMaxSamplesPerPixel = 1024;

// A tile may exceed the image only by padding: each side at most the image's side rounded
// up to a multiple of 16 (TIFF tile sides are multiples of 16), or this many pixels, so
// that small images stored in the usual 256-1024 pixel tiles stay readable.
constexpr int64_t kMaxPaddedTileSide = 4096;

// The largest tile side an image side of `size` pixels allows (see kMaxPaddedTileSide).
int64_t MaxTileSide(int64_t size) {
  return std::max((size + 15) / 16 * 16, kMaxPaddedTileSide);
}

// ---------------------------------------------------------------------------------------
// libtiff handles with their errors captured instead of printed.

// Collects the messages libtiff reports for one handle.
struct MessageSink {
  std::string messages;

  void Add(const char* module, const char* fmt, va_list args) {
    if (messages.size() > 2048) return;  // the first messages are the informative ones
    char text[1024];
    std::vsnprintf(text, sizeof(text), fmt, args);
    if (!messages.empty()) messages += "; ";
    if (module != nullptr && module[0] != '\0') {
      messages += module;
      messages += ": ";
    }
    messages += text;
  }
  std::string Take() {
    std::string out = std::move(messages);
    messages.clear();
    return out;
  }
};

// libtiff handler: appends to the MessageSink `user_data` and reports the message as
// handled, so that libtiff's global handlers (stderr) are not called.
int Capture(TIFF*, void* user_data, const char* module, const char* fmt, va_list args) {
  static_cast<MessageSink*>(user_data)->Add(module, fmt, args);
  return 1;
}

// An open libtiff handle (read-only, no memory mapping) whose errors go to a sink.
class TiffHandle {
 public:
  // Opens `path` (libtiff allocations capped at MaxReaderBufferBytes()); on failure, the
  // libtiff message.
  static arrow::Result<std::unique_ptr<TiffHandle>> Open(const std::string& path) {
    auto handle = std::unique_ptr<TiffHandle>(new TiffHandle());
    TIFFOpenOptions* options = TIFFOpenOptionsAlloc();
    if (options == nullptr)
      return Status::OutOfMemory(path, ": cannot allocate libtiff options");
    TIFFOpenOptionsSetErrorHandlerExtR(options, Capture, handle->errors_.get());
    TIFFOpenOptionsSetWarningHandlerExtR(options, Capture, handle->warnings_.get());
    // libtiff's own buffers (tag arrays, raw strips, codec state) sized from the file
    // fail with an error beyond the reader ceiling instead of allocating.
    TIFFOpenOptionsSetMaxSingleMemAlloc(options,
                                        static_cast<tmsize_t>(MaxReaderBufferBytes()));
    // "r": read-only; "m": read() instead of mmap (a file shrinking under a mapping
    // would raise SIGBUS).
    errno = 0;
    handle->tif_ = TIFFOpenExt(path.c_str(), "rm", options);
    const int open_errno = errno;
    TIFFOpenOptionsFree(options);
    if (handle->tif_ == nullptr) {
      std::string message = handle->errors_->Take();
      if (open_errno == EMFILE || open_errno == ENFILE) {
        // Not the file's fault: say so (and carry errno to Python's OSError).
        return arrow::internal::IOErrorFromErrno(
            open_errno, path, ": cannot open: too many open files in this process (",
            std::strerror(open_errno),
            "); close images that are no longer needed (OmeImage.close()) or raise the "
            "descriptor limit");
      }
      Status status = Status::IOError(path, ": not a readable TIFF file",
                                      message.empty() ? "" : " (libtiff: " + message + ")");
      if (open_errno == EACCES || open_errno == ENOENT || open_errno == EISDIR) {
        status = status.WithDetail(arrow::internal::StatusDetailFromErrno(open_errno));
      }
      return status;
    }
    return handle;
  }

  ~TiffHandle() {
    if (tif_ != nullptr) TIFFClose(tif_);
  }

  TIFF* get() const { return tif_; }
  // The errors / warnings reported since the last call ("" when none).
  std::string TakeErrors() { return errors_->Take(); }
  std::string TakeWarnings() { return warnings_->Take(); }

 private:
  TiffHandle()
      : errors_(std::make_unique<MessageSink>()),
        warnings_(std::make_unique<MessageSink>()) {}
  // Both outlive tif_ (closed in the destructor body).
  std::unique_ptr<MessageSink> errors_;
  std::unique_ptr<MessageSink> warnings_;
  TIFF* tif_ = nullptr;
};

std::string LibtiffSuffix(const std::string& messages) {
  return messages.empty() ? std::string() : " (libtiff: " + messages + ")";
}

// Up to `max_handles` handles on one file, handed out one per decoding thread.
class HandlePool {
 public:
  HandlePool(std::string path, int max_handles, std::unique_ptr<TiffHandle> first)
      : path_(std::move(path)), max_handles_(std::max(1, max_handles)), open_(1) {
    idle_.push_back(std::move(first));
  }

  // A handle for exclusive use, opening a new one while fewer than max are open.
  arrow::Result<std::unique_ptr<TiffHandle>> Acquire() {
    std::unique_lock<std::mutex> lock(mutex_);
    available_.wait(lock, [&] { return !idle_.empty() || open_ < max_handles_; });
    if (!idle_.empty()) {
      std::unique_ptr<TiffHandle> handle = std::move(idle_.back());
      idle_.pop_back();
      return handle;
    }
    ++open_;
    lock.unlock();
    auto opened = TiffHandle::Open(path_);
    if (!opened.ok()) {
      std::lock_guard<std::mutex> relock(mutex_);
      --open_;
      available_.notify_one();
    }
    return opened;
  }

  // Returns a handle; a null handle (discarded after an error) frees its slot.
  void Release(std::unique_ptr<TiffHandle> handle) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (handle) {
      idle_.push_back(std::move(handle));
    } else {
      --open_;
    }
    available_.notify_one();
  }

 private:
  const std::string path_;
  const int max_handles_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<TiffHandle>> idle_;
  int open_;
};

// ---------------------------------------------------------------------------------------
// IFDs.

// The tags of one IFD that decoding needs.
struct IfdInfo {
  uint64_t offset = 0;
  uint32_t width = 0, height = 0;
  uint16_t samples_per_pixel = 1, bits_per_sample = 1, sample_format = SAMPLEFORMAT_UINT;
  uint16_t planar_config = PLANARCONFIG_CONTIG, photometric = PHOTOMETRIC_MINISBLACK;
  uint16_t compression = COMPRESSION_NONE;
  bool tiled = false;
  uint32_t tile_width = 0, tile_height = 0, rows_per_strip = 0;
  uint32_t depth = 1;
  uint16_t predictor = 1;
  // XResolution / YResolution (pixels per unit; 0 when absent) and ResolutionUnit.
  float x_resolution = 0, y_resolution = 0;
  std::optional<DType> dtype;  // nullopt: unsupported samples (see unsupported)
  std::string unsupported;     // why the samples cannot be read
};

// The error for an IFD that ReadIfdInfo rejected (implausible metadata, or samples,
// compression or predictor omearrow cannot read): Invalid, so that Python raises
// ValueError as open() documents.
Status IfdError(const std::string& path, int64_t ifd, const IfdInfo& info) {
  return Status::Invalid(path, ": IFD ", ifd, " ", info.unsupported);
}

// The Predictor tag of the current directory (1 when absent). Codecs with a predictor
// stage register the tag; for others libtiff keeps it as an anonymous field (a counted
// array), read here so that a predictor they would ignore is still seen.
uint16_t ReadPredictor(TIFF* tif) {
  const TIFFField* field = TIFFFindField(tif, TIFFTAG_PREDICTOR, TIFF_ANY);
  if (field == nullptr) return 1;
  if (TIFFFieldPassCount(field) == 0) {
    uint16_t value = 1;
    return TIFFGetField(tif, TIFFTAG_PREDICTOR, &value) == 1 ? value : 1;
  }
  void* data = nullptr;
  if (TIFFFieldSetGetCountSize(field) == 4) {
    uint32_t count = 0;
    if (TIFFGetField(tif, TIFFTAG_PREDICTOR, &count, &data) != 1) return 1;
    if (count == 0) return 1;
  } else {
    uint16_t count = 0;
    if (TIFFGetField(tif, TIFFTAG_PREDICTOR, &count, &data) != 1) return 1;
    if (count == 0) return 1;
  }
  if (data == nullptr) return 1;
  switch (TIFFFieldDataType(field)) {
    case TIFF_SHORT:
      return *static_cast<const uint16_t*>(data);
    case TIFF_LONG: {
      const uint32_t value = *static_cast<const uint32_t*>(data);
      return value > 0xFFFF ? 0xFFFF : static_cast<uint16_t>(value);
    }
    default:
      return 0xFFFF;  // a predictor of another type is no predictor libtiff knows
  }
}

std::string SampleDescription(const IfdInfo& info) {
  const char* kind = info.sample_format == SAMPLEFORMAT_IEEEFP ? "floating-point"
                     : info.sample_format == SAMPLEFORMAT_INT  ? "signed integer"
                     : info.sample_format == SAMPLEFORMAT_UINT ? "unsigned integer"
                     : info.sample_format == SAMPLEFORMAT_VOID ? "untyped"
                                                               : "complex or unknown";
  return std::to_string(info.bits_per_sample) + "-bit " + kind;
}

std::optional<DType> SampleDType(uint16_t bits, uint16_t format) {
  if (format == SAMPLEFORMAT_UINT || format == SAMPLEFORMAT_VOID) {
    switch (bits) {
      case 8:
        return DType::kUInt8;
      case 16:
        return DType::kUInt16;
      case 32:
        return DType::kUInt32;
      case 64:
        return DType::kUInt64;
    }
  } else if (format == SAMPLEFORMAT_INT) {
    switch (bits) {
      case 8:
        return DType::kInt8;
      case 16:
        return DType::kInt16;
      case 32:
        return DType::kInt32;
      case 64:
        return DType::kInt64;
    }
  } else if (format == SAMPLEFORMAT_IEEEFP) {
    if (bits == 32) return DType::kFloat32;
    if (bits == 64) return DType::kFloat64;
  }
  return std::nullopt;
}

// Reads the current directory's tags (never fails: problems are recorded as
// `unsupported` and reported by IfdError when the IFD is used). Tiles larger than the
// image allows (MaxTileSide) and more than kMaxSamplesPerPixel samples are rejected here,
// so no buffer is ever sized from them. `raw_predictor`: the Predictor read from the
// file's bytes where libtiff dropped it (see OpenTiff).
IfdInfo ReadIfdInfo(TIFF* tif, std::optional<uint32_t> raw_predictor) {
  IfdInfo info;
  info.offset = TIFFCurrentDirOffset(tif);
  bool has_size = TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &info.width) == 1;
  has_size = TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &info.height) == 1 && has_size;
  TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &info.samples_per_pixel);
  TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &info.bits_per_sample);
  TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &info.sample_format);
  TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &info.planar_config);
  TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &info.compression);
  if (TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &info.photometric) != 1) {
    info.photometric =
        info.samples_per_pixel >= 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK;
  }
  TIFFGetFieldDefaulted(tif, TIFFTAG_IMAGEDEPTH, &info.depth);
  info.tiled = TIFFIsTiled(tif) != 0;
  if (info.tiled) {
    TIFFGetField(tif, TIFFTAG_TILEWIDTH, &info.tile_width);
    TIFFGetField(tif, TIFFTAG_TILELENGTH, &info.tile_height);
  } else {
    TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &info.rows_per_strip);
  }
  info.dtype = SampleDType(info.bits_per_sample, info.sample_format);
  info.predictor =
      raw_predictor.has_value()
          ? static_cast<uint16_t>(std::min<uint32_t>(*raw_predictor, 0xFFFF))
          : ReadPredictor(tif);
  TIFFGetField(tif, TIFFTAG_XRESOLUTION, &info.x_resolution);
  TIFFGetField(tif, TIFFTAG_YRESOLUTION, &info.y_resolution);

  auto reject = [&](std::string why) {
    info.dtype.reset();
    info.unsupported = std::move(why);
  };
  // Bytes of one decoded IFD and of one tile (128-bit: the factors come from the file).
  const unsigned __int128 item_bytes = info.bits_per_sample / 8 + 1;
  const unsigned __int128 ifd_bytes = static_cast<unsigned __int128>(info.width) *
                                      info.height * info.samples_per_pixel * item_bytes;
  const unsigned __int128 tile_bytes = static_cast<unsigned __int128>(info.tile_width) *
                                       info.tile_height * info.samples_per_pixel *
                                       item_bytes;
  constexpr unsigned __int128 kMaxBytes = static_cast<unsigned __int128>(1) << 46;
  if (!has_size || info.width == 0 || info.height == 0) {
    reject("has no image width/length");
  } else if (info.tiled && info.tile_width > MaxTileSide(info.width)) {
    reject("has TileWidth " + std::to_string(info.tile_width) + " but is only " +
                   std::to_string(info.width) +
                   " pixels wide: a tile may exceed the image only by padding, to at "
                   "most " + std::to_string(MaxTileSide(info.width)) + " pixels");
  } else if (info.tiled && info.tile_height > MaxTileSide(info.height)) {
    reject("has TileLength " + std::to_string(info.tile_height) + " but is only " +
                   std::to_string(info.height) +
                   " pixels high: a tile may exceed the image only by padding, to at "
                   "most " + std::to_string(MaxTileSide(info.height)) + " pixels");
  } else if (info.samples_per_pixel > kMaxSamplesPerPixel) {
    reject("has SamplesPerPixel " + std::to_string(info.samples_per_pixel) +
                   ", more than the " + std::to_string(kMaxSamplesPerPixel) +
                   " omearrow accepts");
  } else if (ifd_bytes > kMaxBytes || tile_bytes > kMaxBytes) {
    reject("is too large (" + std::to_string(info.width) + "x" +
           std::to_string(info.height) + " pixels)");
  } else if (!info.dtype.has_value()) {
    reject("has unsupported " + SampleDescription(info) +
           " samples (supported: 8/16/32/64-bit integers, 32/64-bit floats)");
  } else if (info.samples_per_pixel == 0) {
    reject("has SamplesPerPixel 0");
  } else if (info.depth != 1) {
    reject("is a 3-D (ImageDepth " + std::to_string(info.depth) + ") image");
  } else if (info.planar_config != PLANARCONFIG_CONTIG &&
             info.planar_config != PLANARCONFIG_SEPARATE) {
    reject("has unknown PlanarConfiguration " + std::to_string(info.planar_config));
  } else if (info.tiled && (info.tile_width == 0 || info.tile_height == 0)) {
    reject("has zero tile width or length");
  } else if (!info.tiled && info.rows_per_strip == 0) {
    reject("has RowsPerStrip 0");
  } else if (!TIFFIsCODECConfigured(info.compression)) {
    reject("uses " + TiffCompressionName(info.compression) +
           " compression, which this libtiff cannot decode");
  } else if (auto problem = TiffPredictorProblem(info.compression, info.predictor,
                                                 info.sample_format)) {
    reject(*problem);
  } else if (info.photometric == PHOTOMETRIC_YCBCR &&
             info.compression != COMPRESSION_JPEG) {
    uint16_t sub_h = 1, sub_v = 1;
    TIFFGetFieldDefaulted(tif, TIFFTAG_YCBCRSUBSAMPLING, &sub_h, &sub_v);
    if (sub_h != 1 || sub_v != 1) reject("has subsampled YCbCr samples");
  }
  return info;
}

// ---------------------------------------------------------------------------------------
// Decoding.

// Checks that strip or tile `strile` of the current directory lies inside the file
// (offset + byte count <= file size) before libtiff sizes its raw buffer from the count.
arrow::Status CheckStrile(TIFF* tif, const std::string& path, int64_t ifd,
                          const IfdInfo& info, int64_t file_size, uint32_t strile) {
  const uint64_t offset = TIFFGetStrileOffset(tif, strile);
  const uint64_t count = TIFFGetStrileByteCount(tif, strile);
  const auto size = static_cast<uint64_t>(file_size);
  if (count <= size && offset <= size - count) return Status::OK();
  return Status::Invalid(path, ": IFD ", ifd, ": ",
                         info.tiled ? "TileByteCounts[" : "StripByteCounts[", strile,
                         "] = ", count, " bytes at offset ", offset,
                         " reach beyond the end of the file (", file_size, " bytes)");
}

// Reads the strips or tiles of sample plane `sample` of the current directory into
// `dest` (rows of width * pixel_bytes bytes, back to back), where pixel_bytes covers all
// samples of a pixel for contiguous data and one sample for separate planes. Every
// strip/tile must lie inside the file (`file_size` bytes), and the tile buffer must fit
// the memory ceiling (CheckAllocationBytes), both checked before anything is allocated.
arrow::Status ReadSamplePlane(TiffHandle* handle, const std::string& path,
                              int64_t file_size, int64_t ifd, const IfdInfo& info,
                              uint16_t sample, int64_t pixel_bytes, uint8_t* dest) {
  TIFF* tif = handle->get();
  const int64_t width = info.width, height = info.height;
  const int64_t row_bytes = width * pixel_bytes;
  if (!info.tiled) {
    const int64_t rows_per_strip = std::min<int64_t>(info.rows_per_strip, height);
    if (TIFFScanlineSize64(tif) != static_cast<uint64_t>(row_bytes)) {
      return Status::Invalid(path, ": IFD ", ifd, ": scanline is ",
                             TIFFScanlineSize64(tif), " bytes, expected ", row_bytes,
                             LibtiffSuffix(handle->TakeErrors()));
    }
    const uint32_t num_strips = TIFFNumberOfStrips(tif);
    for (int64_t row = 0; row < height; row += rows_per_strip) {
      const uint32_t strip = TIFFComputeStrip(tif, static_cast<uint32_t>(row), sample);
      const int64_t rows = std::min(rows_per_strip, height - row);
      const int64_t expected = rows * row_bytes;
      if (strip >= num_strips) {
        return Status::Invalid(path, ": IFD ", ifd, ": strip ", strip,
                               " is missing (the IFD lists ", num_strips, " strips)");
      }
      ARROW_RETURN_NOT_OK(CheckStrile(tif, path, ifd, info, file_size, strip));
      const tmsize_t got = TIFFReadEncodedStrip(tif, strip, dest + row * row_bytes,
                                                static_cast<tmsize_t>(expected));
      if (got != expected) {
        return Status::IOError(path, ": IFD ", ifd, ": cannot decode strip ", strip,
                               got < 0 ? std::string()
                                       : " (got " + std::to_string(got) + " of " +
                                             std::to_string(expected) + " bytes)",
                               "; the file is truncated or corrupt",
                               LibtiffSuffix(handle->TakeErrors()));
      }
    }
    return Status::OK();
  }
  const int64_t tile_width = info.tile_width, tile_height = info.tile_height;
  const int64_t tile_row_bytes = tile_width * pixel_bytes;
  const std::optional<int64_t> checked_tile_bytes =
      CheckedProduct({tile_width, tile_height, pixel_bytes});
  if (!checked_tile_bytes.has_value() ||
      TIFFTileSize64(tif) != static_cast<uint64_t>(*checked_tile_bytes)) {
    return Status::Invalid(path, ": IFD ", ifd, ": tile is ", TIFFTileSize64(tif),
                           " bytes, expected ", tile_width, "x", tile_height, "x",
                           pixel_bytes, LibtiffSuffix(handle->TakeErrors()));
  }
  const int64_t tile_bytes = *checked_tile_bytes;
  // Memory bound: a tile may be larger than the whole (small) image; cap its buffer.
  ARROW_RETURN_NOT_OK(CheckAllocationBytes(
      tile_bytes, path + ": IFD " + std::to_string(ifd) + ": decoding a " +
                      std::to_string(tile_width) + "x" + std::to_string(tile_height) +
                      " tile"));
  ARROW_ASSIGN_OR_RAISE(std::unique_ptr<arrow::Buffer> tile_buffer,
                        AllocateAligned(tile_bytes));
  uint8_t* tile_data = tile_buffer->mutable_data();
  const uint32_t num_tiles = TIFFNumberOfTiles(tif);
  for (int64_t y = 0; y < height; y += tile_height) {
    for (int64_t x = 0; x < width; x += tile_width) {
      const uint32_t tile = TIFFComputeTile(tif, static_cast<uint32_t>(x),
                                            static_cast<uint32_t>(y), 0, sample);
      if (tile >= num_tiles) {
        return Status::Invalid(path, ": IFD ", ifd, ": tile ", tile,
                               " is missing (the IFD lists ", num_tiles, " tiles)");
      }
      ARROW_RETURN_NOT_OK(CheckStrile(tif, path, ifd, info, file_size, tile));
      const tmsize_t got =
          TIFFReadEncodedTile(tif, tile, tile_data, static_cast<tmsize_t>(tile_bytes));
      if (got != tile_bytes) {
        return Status::IOError(path, ": IFD ", ifd, ": cannot decode tile ", tile,
                               got < 0 ? std::string()
                                       : " (got " + std::to_string(got) + " of " +
                                             std::to_string(tile_bytes) + " bytes)",
                               "; the file is truncated or corrupt",
                               LibtiffSuffix(handle->TakeErrors()));
      }
      // Edge tiles are padded in the file: copy only the part inside the image.
      const int64_t rows = std::min(tile_height, height - y);
      const int64_t copy_bytes = std::min(tile_width, width - x) * pixel_bytes;
      for (int64_t r = 0; r < rows; ++r) {
        std::memcpy(dest + (y + r) * row_bytes + x * pixel_bytes,
                    tile_data + r * tile_row_bytes, static_cast<size_t>(copy_bytes));
      }
    }
  }
  return Status::OK();
}

// Checks that an uncompressed IFD's samples fit in the file (a corrupt size must not
// allocate gigabytes); compressed IFDs are bounded by the memory ceiling instead.
arrow::Status CheckUncompressedFits(const std::string& path, int64_t ifd,
                                    const IfdInfo& info, int64_t file_size) {
  if (info.compression != COMPRESSION_NONE || !info.dtype.has_value()) {
    return Status::OK();
  }
  const std::optional<int64_t> bytes =
      CheckedProduct({int64_t{info.width}, int64_t{info.height},
                      int64_t{info.samples_per_pixel}, ItemSize(*info.dtype)});
  if (bytes.has_value() && *bytes <= file_size) return Status::OK();
  return Status::IOError(path, ": IFD ", ifd, " (", info.width, "x", info.height, ", ",
                         info.samples_per_pixel, " samples per pixel) needs ",
                         bytes.has_value() ? std::to_string(*bytes) : "over 2^63",
                         " bytes of uncompressed samples but the file has only ",
                         file_size, " bytes; the file is truncated or corrupt");
}

// Splits `plane_elements` pixels of `samples` interleaved samples of `item` bytes at
// `source` into one plane per sample at `dest` (sample s at s * plane_elements * item).
void SplitSamples(const uint8_t* source, int64_t plane_elements, int64_t samples,
                  int64_t item, uint8_t* dest) {
  for (int64_t s = 0; s < samples; ++s) {
    uint8_t* plane = dest + s * plane_elements * item;
    for (int64_t i = 0; i < plane_elements; ++i) {
      std::memcpy(plane + i * item, source + (i * samples + s) * item,
                  static_cast<size_t>(item));
    }
  }
}

// Decodes IFD `ifd` into samples_per_pixel planes of height × width elements, one after
// the other (sample s at offset s * plane bytes).
arrow::Result<std::shared_ptr<arrow::Buffer>> DecodeIfd(TiffHandle* handle,
                                                        const std::string& path,
                                                        int64_t file_size, int64_t ifd,
                                                        const IfdInfo& info) {
  const int64_t item = ItemSize(*info.dtype);
  const int64_t samples = info.samples_per_pixel;
  const int64_t plane_elements = int64_t{info.width} * int64_t{info.height};
  const int64_t plane_bytes = plane_elements * item;
  // ReadIfdInfo bounded these products (2^46 bytes), so they cannot overflow here.
  ARROW_RETURN_NOT_OK(CheckUncompressedFits(path, ifd, info, file_size));
  // Memory bound: compressed IFDs may claim any size; cap the decode buffer.
  ARROW_RETURN_NOT_OK(CheckAllocationBytes(
      plane_bytes * samples, path + ": decoding IFD " + std::to_string(ifd)));
  TIFF* tif = handle->get();
  handle->TakeErrors();
  handle->TakeWarnings();
  if (TIFFCurrentDirOffset(tif) != info.offset &&
      TIFFSetSubDirectory(tif, info.offset) != 1) {
    return Status::IOError(path, ": cannot read IFD ", ifd,
                           LibtiffSuffix(handle->TakeErrors()));
  }
  if (info.photometric == PHOTOMETRIC_YCBCR && info.compression == COMPRESSION_JPEG) {
    TIFFSetField(tif, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);  // libjpeg converts
  }
  ARROW_ASSIGN_OR_RAISE(std::unique_ptr<arrow::Buffer> out,
                        AllocateAligned(plane_bytes * samples));
  uint8_t* data = out->mutable_data();
  if (samples == 1 || info.planar_config == PLANARCONFIG_SEPARATE) {
    for (int64_t s = 0; s < samples; ++s) {
      ARROW_RETURN_NOT_OK(ReadSamplePlane(handle, path, file_size, ifd, info,
                                          static_cast<uint16_t>(s), item,
                                          data + s * plane_bytes));
    }
  } else {
    // Interleaved samples: decode, then split into one plane per sample.
    ARROW_ASSIGN_OR_RAISE(std::unique_ptr<arrow::Buffer> interleaved,
                          AllocateAligned(plane_bytes * samples));
    ARROW_RETURN_NOT_OK(ReadSamplePlane(handle, path, file_size, ifd, info, 0,
                                        item * samples, interleaved->mutable_data()));
    SplitSamples(interleaved->data(), plane_elements, samples, item, data);
  }
  return std::shared_ptr<arrow::Buffer>(std::move(out));
}

// Pages of a series stored as contiguous uncompressed data after its first page
// (tifffile truncate=True, ImageJ virtual stacks): page p >= 1 is `page_bytes` bytes at
// `offset` + p * page_bytes, laid out like the first page (IFD `first_ifd`). OpenTiff
// numbers page p as plane index num_ifds + p - 1.
struct ContiguousPages {
  int64_t first_ifd = -1;
  uint64_t offset = 0;  // of the first page's samples
  int64_t page_bytes = 0;
  int64_t count = 0;  // pages after the first
};

// The contiguous pages of a series of `num_pages` pages whose first page is IFD `ifd`,
// when that page is uncompressed strips stored back to back and the file holds all
// pages' bytes after it with no IFD inside them; else Invalid saying why not.
arrow::Result<ContiguousPages> FindContiguousPages(TiffHandle* handle,
                                                   const std::string& path,
                                                   int64_t file_size,
                                                   const std::vector<IfdInfo>& ifds,
                                                   int64_t ifd, int64_t num_pages,
                                                   const std::string& what) {
  const IfdInfo& info = ifds[static_cast<size_t>(ifd)];
  auto refuse = [&](const std::string& why) {
    return Status::Invalid(path, ": the ", what, " of IFD ", ifd, " describes ",
                           num_pages,
                           " pages but the file stores fewer, and the rest is not "
                           "contiguous data after the first page (", why, ")");
  };
  if (!info.dtype.has_value()) return IfdError(path, ifd, info);
  if (info.compression != COMPRESSION_NONE) {
    return refuse("the page is compressed with " + TiffCompressionName(info.compression));
  }
  if (info.tiled) return refuse("the page is tiled");
  TIFF* tif = handle->get();
  if (TIFFCurrentDirOffset(tif) != info.offset &&
      TIFFSetSubDirectory(tif, info.offset) != 1) {
    return Status::IOError(path, ": cannot read IFD ", ifd,
                           LibtiffSuffix(handle->TakeErrors()));
  }
  const std::optional<int64_t> page_bytes =
      CheckedProduct({int64_t{info.width}, int64_t{info.height},
                      int64_t{info.samples_per_pixel}, ItemSize(*info.dtype)});
  const std::optional<int64_t> total =
      page_bytes.has_value() ? CheckedProduct({*page_bytes, num_pages}) : std::nullopt;
  const uint32_t strips = TIFFNumberOfStrips(tif);
  if (!total.has_value()) return refuse("the pages' bytes overflow 64 bits");
  if (strips == 0) return refuse("the page has no strips");
  const uint64_t offset = TIFFGetStrileOffset(tif, 0);
  uint64_t end = offset;
  for (uint32_t strip = 0; strip < strips; ++strip) {
    if (TIFFGetStrileOffset(tif, strip) != end ||
        TIFFGetStrileByteCount(tif, strip) == 0) {
      return refuse("its strips are not stored back to back");
    }
    end += TIFFGetStrileByteCount(tif, strip);
  }
  if (end - offset != static_cast<uint64_t>(*page_bytes)) {
    return refuse("its strips hold " + std::to_string(end - offset) + " bytes, not " +
                  std::to_string(*page_bytes));
  }
  if (offset > static_cast<uint64_t>(file_size) ||
      static_cast<uint64_t>(*total) > static_cast<uint64_t>(file_size) - offset) {
    return refuse("the file ends after " + std::to_string(file_size) + " bytes");
  }
  for (const IfdInfo& other : ifds) {
    if (other.offset >= offset && other.offset < offset + static_cast<uint64_t>(*total)) {
      return refuse("an IFD lies inside the data");
    }
  }
  ContiguousPages out;
  out.first_ifd = ifd;
  out.offset = offset;
  out.page_bytes = *page_bytes;
  out.count = num_pages - 1;
  return out;
}

// Reads contiguous page `page` (>= 1) of `pages` into samples_per_pixel planes, as
// DecodeIfd does for a stored page.
arrow::Result<std::shared_ptr<arrow::Buffer>> DecodeContiguousPage(
    TiffHandle* handle, const std::string& path, const ContiguousPages& pages,
    const IfdInfo& info, int64_t page) {
  const int64_t item = ItemSize(*info.dtype);
  const int64_t samples = info.samples_per_pixel;
  const int64_t plane_elements = int64_t{info.width} * int64_t{info.height};
  ARROW_RETURN_NOT_OK(CheckAllocationBytes(
      pages.page_bytes, path + ": reading page " + std::to_string(page) +
                            " of the contiguous data after IFD " +
                            std::to_string(pages.first_ifd)));
  ARROW_ASSIGN_OR_RAISE(std::unique_ptr<arrow::Buffer> raw,
                        AllocateAligned(pages.page_bytes));
  const int fd = TIFFFileno(handle->get());
  // FindContiguousPages checked that every page lies inside the file.
  const uint64_t start = pages.offset + static_cast<uint64_t>(page * pages.page_bytes);
  int64_t done = 0;
  while (done < pages.page_bytes) {
    const ssize_t got = ::pread(fd, raw->mutable_data() + done,
                                static_cast<size_t>(pages.page_bytes - done),
                                static_cast<off_t>(start + static_cast<uint64_t>(done)));
    if (got <= 0) {
      return Status::IOError(path, ": cannot read page ", page,
                             " of the contiguous data after IFD ", pages.first_ifd,
                             got < 0 ? std::string(": ") + std::strerror(errno)
                                     : std::string("; the file is truncated"));
    }
    done += got;
  }
  uint8_t* bytes = raw->mutable_data();
  if (TIFFIsByteSwapped(handle->get()) && item > 1) {
    const tmsize_t n = static_cast<tmsize_t>(pages.page_bytes / item);
    if (item == 2) TIFFSwabArrayOfShort(reinterpret_cast<uint16_t*>(bytes), n);
    if (item == 4) TIFFSwabArrayOfLong(reinterpret_cast<uint32_t*>(bytes), n);
    if (item == 8) TIFFSwabArrayOfLong8(reinterpret_cast<uint64_t*>(bytes), n);
  }
  if (samples == 1 || info.planar_config == PLANARCONFIG_SEPARATE) {
    return std::shared_ptr<arrow::Buffer>(std::move(raw));  // already plane by plane
  }
  ARROW_ASSIGN_OR_RAISE(std::unique_ptr<arrow::Buffer> out,
                        AllocateAligned(pages.page_bytes));
  SplitSamples(raw->data(), plane_elements, samples, item, out->mutable_data());
  return std::shared_ptr<arrow::Buffer>(std::move(out));
}

// ---------------------------------------------------------------------------------------
// The pixel source.

// Where the plane of one (t, c, z) is stored: an IFD (-1: none, reads as zeros) and the
// sample within it.
struct PlaneRef {
  int64_t ifd = -1;
  int64_t sample = 0;
};

class TiffPixelSource final : public PixelSource {
 public:
  TiffPixelSource(std::string path, int64_t file_size, std::vector<IfdInfo> ifds,
                  ContiguousPages contiguous, std::vector<PlaneRef> planes,
                  const PixelsMeta& meta, DType dtype, std::unique_ptr<TiffHandle> handle,
                  const TiffOptions& options)
      : path_(std::move(path)),
        file_size_(file_size),
        ifds_(std::move(ifds)),
        contiguous_(contiguous),
        planes_(std::move(planes)),
        dtype_(dtype),
        size_x_(meta.size_x),
        size_y_(meta.size_y),
        size_z_(meta.size_z),
        size_c_(meta.size_c),
        size_t_(meta.size_t),
        pool_(path_, options.max_open_handles, std::move(handle)),
        cache_(options.decoded_plane_cache_bytes),
        recent_(ifds_.size() + static_cast<size_t>(contiguous_.count)) {}

  PixelEncoding encoding() const override { return PixelEncoding::kTiff; }

  arrow::Status GetPlaneBlocks(const PlaneIndex& index, const Rect&, std::vector<PlaneBlock>* blocks,
      std::vector<std::shared_ptr<const void>>* pins) const override {
    const int64_t t = index.t, c = index.c, z = index.z;
    if (t < 0 || t >= size_t_ || c < 0 || c >= size_c_ || z < 0 || z >= size_z_) {
      return Status::IndexError(path_, ": plane (t=", t, ", c=", c, ", z=", z,
                                ") is out of range");
    }
    const PlaneRef& ref = planes_[static_cast<size_t>((t * size_c_ + c) * size_z_ + z)];
    if (ref.ifd < 0) return Status::OK();  // not stored: zeros
    ARROW_ASSIGN_OR_RAISE(std::shared_ptr<arrow::Buffer> decoded,
                          cache_.GetOrDecode(ref.ifd, [&] { return Decode(ref.ifd); }));
    const int64_t plane_bytes = size_y_ * size_x_ * ItemSize(dtype_);
    if (decoded->size() < (ref.sample + 1) * plane_bytes) {
      return Status::UnknownError(path_, ": decoded IFD ", ref.ifd, " is too small");
    }
    PlaneBlock block;
    block.data = decoded->data() + ref.sample * plane_bytes;
    block.dtype = dtype_;
    block.rect = Rect{0, 0, size_y_, size_x_};
    block.row_stride = size_x_;
    blocks->push_back(block);
    pins->push_back(std::move(decoded));
    return Status::OK();
  }

 private:
  // Decodes one IFD, at most once at a time per IFD: a thread that waited for another
  // decoding the same IFD reuses its result while anyone still holds it.
  arrow::Result<std::shared_ptr<arrow::Buffer>> Decode(int64_t ifd) const {
    std::lock_guard<std::mutex> decode_lock(
        decode_locks_[static_cast<size_t>(ifd) % decode_locks_.size()]);
    {
      std::lock_guard<std::mutex> lock(recent_mutex_);
      if (auto buffer = recent_[static_cast<size_t>(ifd)].lock()) return buffer;
    }
    ARROW_ASSIGN_OR_RAISE(std::unique_ptr<TiffHandle> handle, pool_.Acquire());
    const int64_t num_ifds = static_cast<int64_t>(ifds_.size());
    auto decoded =
        ifd >= num_ifds
            ? DecodeContiguousPage(handle.get(), path_, contiguous_,
                                   ifds_[static_cast<size_t>(contiguous_.first_ifd)],
                                   ifd - num_ifds + 1)
            : DecodeIfd(handle.get(), path_, file_size_, ifd,
                        ifds_[static_cast<size_t>(ifd)]);
    // After an error the handle's state is unknown: close it rather than reuse it.
    pool_.Release(decoded.ok() ? std::move(handle) : nullptr);
    if (decoded.ok()) {
      std::lock_guard<std::mutex> lock(recent_mutex_);
      recent_[static_cast<size_t>(ifd)] = *decoded;
    }
    return decoded;
  }

  const std::string path_;
  const int64_t file_size_;
  const std::vector<IfdInfo> ifds_;
  // Plane indices >= ifds_.size() are pages of this contiguous data.
  const ContiguousPages contiguous_;
  const std::vector<PlaneRef> planes_;  // per (t, c, z): (t * size_c + c) * size_z + z
  const DType dtype_;
  const int64_t size_x_, size_y_, size_z_, size_c_, size_t_;
  mutable HandlePool pool_;
  mutable DecodedChunkCache cache_;
  mutable std::array<std::mutex, 16> decode_locks_;
  mutable std::mutex recent_mutex_;
  mutable std::vector<std::weak_ptr<arrow::Buffer>> recent_;
};

// ---------------------------------------------------------------------------------------
// Opening.

// The dtype an OME-XML Pixels Type names, or nullopt for types omearrow cannot hold.
std::optional<DType> OmeTypeDType(std::string_view type) {
  if (type == "float") return DType::kFloat32;
  if (type == "double") return DType::kFloat64;
  if (type == "bit" || type == "complex" || type == "double-complex") return std::nullopt;
  return ParseDType(type);
}

// Checks that `info` can be read as a plane of `meta`'s size with `samples` samples and
// the same sample type as the first plane, and that uncompressed samples fit in the file.
arrow::Status CheckIfd(const std::string& path, int64_t file_size, int64_t ifd,
                       const IfdInfo& info, const IfdInfo& first, int64_t size_x,
                       int64_t size_y, int64_t samples, std::string_view size_source) {
  if (!info.dtype.has_value()) return IfdError(path, ifd, info);
  if (info.width != size_x || info.height != size_y) {
    return Status::Invalid(path, ": IFD ", ifd, " is ", info.width, "x", info.height,
                           " (width x height) but ", size_source, " says ", size_x, "x",
                           size_y);
  }
  if (info.samples_per_pixel != samples) {
    return Status::Invalid(path, ": IFD ", ifd, " has ", info.samples_per_pixel,
                           " samples per pixel but ", size_source, " says ", samples);
  }
  if (info.dtype != first.dtype) {
    return Status::Invalid(path, ": IFD ", ifd, " has ", SampleDescription(info),
                           " samples but IFD 0 has ", SampleDescription(first));
  }
  return CheckUncompressedFits(path, ifd, info, file_size);
}

// Checks `meta`'s sizes (ValidateSizes) and bounds its plane table (T*C*Z entries) by
// the file's IFD count (CheckPlaneSlots), before the table is allocated.
arrow::Status CheckPlaneTable(const std::string& path, const PixelsMeta& meta,
                              int64_t num_ifds) {
  if (Status valid = ValidateSizes(meta); !valid.ok()) {
    return valid.WithMessage(path, ": ", valid.message());
  }
  return CheckPlaneSlots(meta.size_t * meta.size_c * meta.size_z, num_ifds, path);
}

// The series of a plain TIFF that OpenTiff reads, with the ImageJ description it came
// from (if any).
struct SelectedSeries {
  TiffSeries series;
  std::optional<ImageJDescription> imagej;
};

// The pages that IFD infos describe, for series detection.
std::vector<TiffPageShape> PageShapes(const std::vector<IfdInfo>& ifds) {
  std::vector<TiffPageShape> shapes;
  shapes.reserve(ifds.size());
  for (const IfdInfo& info : ifds) {
    TiffPageShape shape;
    shape.width = info.width;
    shape.height = info.height;
    shape.samples = info.samples_per_pixel;
    shape.planar_separate = info.planar_config == PLANARCONFIG_SEPARATE;
    shape.dtype = info.dtype;
    shapes.push_back(shape);
  }
  return shapes;
}

// Series `index` of a TIFF without OME-XML: the ImageJ hyperstack when IFD 0 has an
// ImageJ description, else tifffile's shaped series, else the leading run of pages like
// IFD 0 (one series). IndexError when `index` is out of range.
arrow::Result<SelectedSeries> SelectSeries(
    const std::string& path, const std::optional<std::string>& description,
    const std::vector<std::optional<std::string>>& shaped_descriptions,
    const std::vector<IfdInfo>& ifds, int64_t index) {
  const std::vector<TiffPageShape> shapes = PageShapes(ifds);
  std::vector<TiffSeries> all;
  SelectedSeries out;
  auto prefixed = [&](const Status& status) {
    return status.WithMessage(path, ": ", status.message());
  };
  if (description.has_value() && IsImageJDescription(*description)) {
    auto parsed = ParseImageJDescription(*description);
    if (!parsed.ok()) return prefixed(parsed.status());
    auto series = ImageJSeries(*parsed, shapes);
    if (!series.ok()) return prefixed(series.status());
    all.push_back(std::move(*series));
    out.imagej = std::move(*parsed);
  } else {
    auto shaped = ShapedSeries(shaped_descriptions, shapes);
    if (!shaped.ok()) return prefixed(shaped.status());
    all = std::move(*shaped);
  }
  if (all.empty()) all.push_back(LeadingRunSeries(shapes));
  if (index < 0 || index >= static_cast<int64_t>(all.size())) {
    return Status::IndexError(path, ": image_index ", index,
                              " is out of range: the file has ", all.size(),
                              all.size() == 1 ? " image" : " images", " (",
                              all.front().recorded_by == "shaped description"
                                  ? "tifffile shaped series"
                                  : "no series other than the first",
                              ")");
  }
  out.series = std::move(all[static_cast<size_t>(index)]);
  return out;
}

// Physical sizes of an ImageJ hyperstack: X and Y from the resolution tags (pixels per
// unit), Z from spacing, all in the description's unit; none without a length unit.
void SetImageJPhysicalSizes(const ImageJDescription& imagej, const IfdInfo& page,
                            PixelsMeta* meta) {
  if (!imagej.unit.has_value()) return;
  const std::optional<std::string> unit = ImageJUnitSymbol(*imagej.unit);
  if (!unit.has_value()) return;
  if (page.x_resolution > 0 && std::isfinite(page.x_resolution)) {
    meta->physical_size_x = 1.0 / static_cast<double>(page.x_resolution);
    meta->physical_size_x_unit = unit;
  }
  if (page.y_resolution > 0 && std::isfinite(page.y_resolution)) {
    meta->physical_size_y = 1.0 / static_cast<double>(page.y_resolution);
    meta->physical_size_y_unit = unit;
  }
  if (imagej.spacing.has_value() && *imagej.spacing > 0) {
    meta->physical_size_z = *imagej.spacing;
    meta->physical_size_z_unit = unit;
  }
}

std::string FileName(const std::string& path) {
  return std::filesystem::path(path).filename().string();
}

}  // namespace

arrow::Result<std::shared_ptr<const Image>> OpenTiff(const std::string& path,
                                                     const TiffOptions& options) {
  int64_t file_size = 0;
  {
    std::error_code error;
    const auto status = std::filesystem::status(path, error);
    if (error || !std::filesystem::exists(status)) {
      return Status::IOError(path, ": no such file");
    }
    if (!std::filesystem::is_regular_file(status)) {
      return Status::IOError(path, ": not a regular file");
    }
    file_size = static_cast<int64_t>(std::filesystem::file_size(path, error));
    if (error)
      return Status::IOError(path, ": cannot read the file size: ", error.message());
  }
  ARROW_ASSIGN_OR_RAISE(std::unique_ptr<TiffHandle> handle, TiffHandle::Open(path));
  TIFF* tif = handle->get();

  // Walk the IFD chain once: tags of every IFD, the first IFD's ImageDescription and
  // every tifffile shaped description (where series start).
  std::vector<IfdInfo> ifds;
  std::optional<std::string> description;
  std::vector<std::optional<std::string>> shaped_descriptions;
  while (true) {
    if (static_cast<int64_t>(ifds.size()) >= kMaxIfds) {
      return Status::Invalid(path, ": more than ", kMaxIfds, " IFDs");
    }
    const std::string warnings = handle->TakeWarnings();
    if (ifds.empty()) {
      // libtiff drops a tag it cannot read with only a warning; without its OME-XML an
      // OME-TIFF would silently read as a plain TIFF of the wrong shape.
      if (warnings.find("ImageDescription") != std::string::npos) {
        return Status::IOError(
            path, ": cannot read the ImageDescription (OME-XML) of IFD 0",
            "; the file is truncated or corrupt (libtiff: ", warnings, ")");
      }
      char* text = nullptr;
      if (TIFFGetField(tif, TIFFTAG_IMAGEDESCRIPTION, &text) == 1 && text != nullptr) {
        description = std::string(text);
      }
    }
    {
      char* text = nullptr;
      std::optional<std::string>& shaped = shaped_descriptions.emplace_back();
      if (TIFFGetField(tif, TIFFTAG_IMAGEDESCRIPTION, &text) == 1 && text != nullptr &&
          (text[0] == '{' || text[0] == 's') && IsShapedDescription(text)) {
        shaped = std::string(text);
      }
    }
    // libtiff keeps the Predictor tag only for codecs with a predictor stage; on other
    // pages it drops it with a warning (or keeps it as an unknown tag), so a predictor
    // other readers would apply is read from the file itself.
    std::optional<uint32_t> raw_predictor;
    uint16_t compression = COMPRESSION_NONE;
    TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &compression);
    if (!LibtiffUndoesPredictor(compression) &&
        (warnings.find("tag 317 ") != std::string::npos ||
         TIFFFindField(tif, TIFFTAG_PREDICTOR, TIFF_ANY) != nullptr)) {
      raw_predictor =
          ReadRawTiffTag(path, TIFFCurrentDirOffset(tif), TIFFIsBigTIFF(tif) != 0,
                         TIFFIsBigEndian(tif) != 0, TIFFTAG_PREDICTOR);
    }
    ifds.push_back(ReadIfdInfo(tif, raw_predictor));
    if (TIFFLastDirectory(tif)) break;
    if (TIFFReadDirectory(tif) != 1) {
      return Status::IOError(path, ": cannot read IFD ", ifds.size(),
                             "; the file is truncated or corrupt",
                             LibtiffSuffix(handle->TakeErrors()));
    }
  }
  if (std::string errors = handle->TakeErrors(); !errors.empty()) {
    return Status::IOError(path, ": corrupt TIFF directory (libtiff: ", errors, ")");
  }
  const int64_t num_ifds = static_cast<int64_t>(ifds.size());

  RecordInfo info;
  info.type = "ome.arrow";
  info.id = std::filesystem::path(path).stem().string();
  info.name = FileName(path);
  PixelsMeta meta;
  std::vector<PlaneRef> planes;
  ContiguousPages contiguous;
  const IfdInfo& first = ifds.front();
  DType dtype = DType::kUInt8;

  const bool is_ome =
      description.has_value() && description->find("<OME") != std::string::npos;
  if (is_ome) {
    OmeXmlParseOptions parse_options;
    parse_options.num_ifds = num_ifds;
    auto parsed = ParseOmeXml(*description, parse_options);
    if (parsed.status().IsNotImplemented()) {
      // OME-XML omearrow cannot follow (multi-file sets, ...): Invalid like every other
      // file omearrow cannot read, so that Python raises ValueError as open() documents.
      return Status::Invalid(path, ": ", parsed.status().message());
    }
    if (!parsed.ok()) {
      return parsed.status().WithMessage(path, ": ", parsed.status().message());
    }
    if (options.image_index < 0 ||
        options.image_index >= static_cast<int64_t>(parsed->images.size())) {
      return Status::IndexError(path, ": image_index ", options.image_index,
                                " is out of range: the OME-XML has ",
                                parsed->images.size(), " images");
    }
    OmeXmlImage& ome = parsed->images[static_cast<size_t>(options.image_index)];
    meta.dimension_order = ome.dimension_order;
    meta.size_x = ome.size_x;
    meta.size_y = ome.size_y;
    meta.size_z = ome.size_z;
    meta.size_c = ome.size_c;
    meta.size_t = ome.size_t;
    meta.physical_size_x = ome.physical_size_x;
    meta.physical_size_y = ome.physical_size_y;
    meta.physical_size_z = ome.physical_size_z;
    meta.physical_size_x_unit = ome.physical_size_x_unit;
    meta.physical_size_y_unit = ome.physical_size_y_unit;
    meta.physical_size_z_unit = ome.physical_size_z_unit;
    if (ome.name.has_value() && !ome.name->empty()) info.name = ome.name;

    // Every IFD a plane maps to must match the OME-XML and the first such IFD.
    const IfdInfo* reference = nullptr;
    int64_t reference_ifd = -1;
    for (int64_t ifd : ome.plane_ifd) {
      if (ifd < 0) continue;
      const IfdInfo& ifd_info = ifds[static_cast<size_t>(ifd)];
      if (reference == nullptr) {
        reference = &ifd_info;
        reference_ifd = ifd;
      }
      ARROW_RETURN_NOT_OK(CheckIfd(path, file_size, ifd, ifd_info, *reference,
                                   ome.size_x, ome.size_y, ome.samples_per_pixel,
                                   "the OME-XML"));
    }
    if (reference == nullptr) reference = &first;  // nothing stored: all zeros
    if (!reference->dtype.has_value()) {
      return IfdError(path, std::max<int64_t>(reference_ifd, 0), *reference);
    }
    dtype = *reference->dtype;
    std::optional<DType> ome_dtype = OmeTypeDType(ome.type);
    if (!ome_dtype.has_value()) {
      return Status::Invalid(path, ": OME-XML Pixels Type '", ome.type,
                                    "' is not supported");
    }
    if (*ome_dtype != dtype) {
      return Status::Invalid(path, ": OME-XML Pixels Type '", ome.type,
                             "' contradicts the ", SampleDescription(*reference),
                             " samples of the IFDs");
    }
    const int64_t spp = ome.samples_per_pixel;
    if (spp > kMaxSamplesPerPixel) {
      // Reachable when no TiffData maps a plane (e.g. PlaneCount="0"): no IFD is compared.
      return Status::Invalid(path, ": OME-XML SamplesPerPixel ", spp, " (SizeC ",
                             meta.size_c, ") is more than the ", kMaxSamplesPerPixel,
                             " samples per pixel omearrow accepts");
    }
    // Sizes are checked before the plane table (T*C*Z entries) is allocated; its stored
    // planes are IFDs, so it is bounded by the file's IFD count too.
    ARROW_RETURN_NOT_OK(CheckPlaneTable(path, meta, num_ifds));
    for (const OmeXmlChannel& ome_channel : ome.channels) {
      Channel channel;
      channel.id = ome_channel.id;
      channel.name = ome_channel.name;
      channel.illumination = ome_channel.illumination_type;
      channel.color_rgba = ome_channel.color_rgba;
      if (ome_channel.emission_wavelength.has_value()) {
        channel.emission_um = LengthToMicrometres(*ome_channel.emission_wavelength,
                                                  ome_channel.emission_wavelength_unit);
      }
      if (ome_channel.excitation_wavelength.has_value()) {
        channel.excitation_um = LengthToMicrometres(
            *ome_channel.excitation_wavelength, ome_channel.excitation_wavelength_unit);
      }
      // One entry per C index: a Channel with SamplesPerPixel n covers n of them.
      // (The sizes were checked above, so this stays within size_c entries.)
      for (int64_t s = 0; s < ome_channel.samples_per_pixel &&
                          static_cast<int64_t>(meta.channels.size()) < meta.size_c;
           ++s) {
        meta.channels.push_back(channel);
      }
    }
    planes.resize(static_cast<size_t>(meta.size_t * meta.size_c * meta.size_z));
    for (int64_t t = 0; t < meta.size_t; ++t) {
      for (int64_t c = 0; c < meta.size_c; ++c) {
        for (int64_t z = 0; z < meta.size_z; ++z) {
          PlaneRef& ref =
              planes[static_cast<size_t>((t * meta.size_c + c) * meta.size_z + z)];
          ref.ifd = ome.plane_ifd[static_cast<size_t>(ome.PlaneIndex(t, c / spp, z))];
          ref.sample = c % spp;
        }
      }
    }
  } else {
    // Plain TIFF: the series an ImageJ or shaped description records, else the leading
    // run of pages like the first one as Z planes.
    ARROW_ASSIGN_OR_RAISE(
        SelectedSeries selected,
        SelectSeries(path, description, shaped_descriptions, ifds, options.image_index));
    const TiffSeries& series = selected.series;
    const IfdInfo& series_first = ifds[static_cast<size_t>(series.first_page)];
    if (!series_first.dtype.has_value()) {
      return IfdError(path, series.first_page, series_first);
    }
    dtype = *series_first.dtype;
    meta.dimension_order = "XYZCT";
    meta.size_x = series_first.width;
    meta.size_y = series_first.height;
    meta.size_z = series.size_z;
    meta.size_c = series.size_c;
    meta.size_t = series.size_t;
    if (selected.imagej.has_value()) {
      SetImageJPhysicalSizes(*selected.imagej, series_first, &meta);
    }
    if (series.stored_pages < series.num_pages()) {
      ARROW_ASSIGN_OR_RAISE(
          contiguous, FindContiguousPages(handle.get(), path, file_size, ifds,
                                          series.first_page, series.num_pages(),
                                          series.recorded_by));
    }
    ARROW_RETURN_NOT_OK(CheckPlaneTable(path, meta, num_ifds + contiguous.count));
    const std::string size_source = "the " + series.recorded_by + " (via IFD " +
                                    std::to_string(series.first_page) + ")";
    const int64_t checked_pages = contiguous.count > 0 ? 1 : series.num_pages();
    for (int64_t page = 0; page < checked_pages; ++page) {
      const int64_t ifd = series.first_page + page;
      ARROW_RETURN_NOT_OK(CheckIfd(path, file_size, ifd, ifds[static_cast<size_t>(ifd)],
                                   series_first, meta.size_x, meta.size_y,
                                   series.samples, size_source));
    }
    planes.resize(static_cast<size_t>(meta.size_t * meta.size_c * meta.size_z));
    for (int64_t t = 0; t < meta.size_t; ++t) {
      for (int64_t c = 0; c < meta.size_c; ++c) {
        for (int64_t z = 0; z < meta.size_z; ++z) {
          const TiffSeries::Location location = series.Locate(t, c, z);
          const int64_t ifd = contiguous.count > 0 && location.page > 0
                                  ? num_ifds + location.page - 1
                                  : series.first_page + location.page;
          planes[static_cast<size_t>((t * meta.size_c + c) * meta.size_z + z)] =
              PlaneRef{ifd, location.sample};
        }
      }
    }
  }
  meta.type = std::string(DTypeName(dtype));

  auto source = std::make_shared<TiffPixelSource>(path, file_size, std::move(ifds),
                                                  contiguous, std::move(planes), meta,
                                                  dtype,
                                                  std::move(handle), options);
  return std::make_shared<const Image>(std::move(info), std::move(meta), std::nullopt,
                                       std::move(source), RecordOrigin::kOther);
}

}  // namespace omearrow
