#include "omearrow/io/tiff_codecs.h"

namespace omearrow {

namespace {

const char* CompressionText(uint16_t compression) {
  switch (compression) {
    case 1: return "none";
    case 2: return "CCITT RLE";
    case 3: return "CCITT Group 3";
    case 4: return "CCITT Group 4";
    case 5: return "LZW";
    case 6: return "old-style JPEG";
    case 7: return "JPEG";
    case 8: return "Adobe Deflate";
    case 9: return "JBIG black and white";
    case 10: return "JBIG color";
    case 32766: return "NeXT 2-bit RLE";
    case 32771: return "CCITT RLE (word-aligned)";
    case 32773: return "PackBits";
    case 32809: return "ThunderScan";
    case 32895: case 32896: case 32897: case 32898: return "IT8";
    case 32908: return "Pixar film";
    case 32909: return "PixarLog";
    case 32946: return "Deflate";
    case 32947: return "Kodak DCS";
    case 33003: case 33004: case 33005: return "Aperio JPEG 2000";
    case 34661: return "JBIG";
    case 34676: return "SGI LogLuv";
    case 34677: return "SGI LogLuv 24";
    case 34712: return "JPEG 2000";
    case 34715: return "JBIG2";
    case 34887: return "LERC";
    case 34892: return "lossy JPEG (DNG)";
    case 34925: return "LZMA";
    case 34926: return "Zstandard (deprecated code)";
    case 34927: return "WebP (deprecated code)";
    case 34933: return "PNG";
    case 34934: return "JPEG XR";
    case 22610: return "JPEG XR (NDPI)";
    case 48124: return "Jetraw";
    case 50000: return "Zstandard";
    case 50001: return "WebP";
    case 50002: return "JPEG XL";
    case 52546: return "JPEG XL (DNG)";
    default: return nullptr;
  }
}

// Image codecs: the predictor tag means nothing to them (tifffile and libtiff both
// ignore it).
bool IsImageCodec(uint16_t compression) {
  switch (compression) {
    case 6: case 7: case 22610: case 33003: case 33004: case 33005: case 34712:
    case 34892: case 34927: case 34933: case 34934: case 50001: case 50002: case 52546:
      return true;
    default:
      return false;
  }
}

}  // namespace

bool LibtiffUndoesPredictor(uint16_t compression) {
  return compression == 5 || compression == 8 || compression == 32946 ||
         compression == 34925 || compression == 50000;
}

std::string TiffCompressionName(uint16_t compression) {
  const char* text = CompressionText(compression);
  if (text == nullptr) return "compression " + std::to_string(compression);
  return std::string(text) + " (" + std::to_string(compression) + ")";
}

std::string TiffPredictorName(uint16_t predictor) {
  const char* text = nullptr;
  switch (predictor) {
    case 1: text = "none"; break;
    case 2: text = "horizontal differencing"; break;
    case 3: text = "floating-point"; break;
    case 34892: text = "horizontal differencing X2"; break;
    case 34893: text = "horizontal differencing X4"; break;
    case 34894: text = "floating-point X2"; break;
    case 34895: text = "floating-point X4"; break;
  }
  if (text == nullptr) return "predictor " + std::to_string(predictor);
  return std::string(text) + " (" + std::to_string(predictor) + ")";
}

std::optional<std::string> TiffPredictorProblem(uint16_t compression, uint16_t predictor,
                                                uint16_t sample_format) {
  if (predictor == 1 || IsImageCodec(compression)) return std::nullopt;
  if (!LibtiffUndoesPredictor(compression)) {
    return "claims Predictor " + TiffPredictorName(predictor) + " with " +
           TiffCompressionName(compression) +
           " compression, which has no predictor stage (libtiff ignores the tag, other "
           "readers apply it: the samples have no agreed meaning)";
  }
  if (predictor == 2) return std::nullopt;
  if (predictor == 3) {
    if (sample_format == 3) return std::nullopt;
    return "uses Predictor " + TiffPredictorName(predictor) +
           " with integer samples (it is defined for floating-point samples only)";
  }
  return "uses Predictor " + TiffPredictorName(predictor) +
         ", which this libtiff cannot undo";
}

}  // namespace omearrow
