// Names of TIFF compression schemes and predictors, and which predictor/compression
// pairs omearrow refuses, for clear errors about files it cannot decode. Tag values as
// the TIFF 6 specification, DNG and tifffile's registry number them; no libtiff.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace omearrow {

// "JPEG 2000 (34712)", "LZW (5)", ...; "compression 12345" for numbers it does not know.
std::string TiffCompressionName(uint16_t compression);

// "horizontal differencing (2)", "floating-point X2 (34894)", ...; "predictor N" for
// numbers it does not know.
std::string TiffPredictorName(uint16_t predictor);

// True for the codecs whose decoder libtiff runs the predictor stage for (LZW, Deflate,
// LZMA, Zstandard); libtiff registers the Predictor tag only for these.
bool LibtiffUndoesPredictor(uint16_t compression);

// Why omearrow refuses Predictor `predictor` with `compression` and samples of
// `sample_format` (TIFF SampleFormat: 1 uint, 2 int, 3 float), or nullopt when the pair
// decodes (Predictor 1 always does). libtiff undoes predictors 2 and 3 (3 for float
// samples only) for LZW, Deflate, LZMA and Zstandard; other predictors (DNG's X2/X4) it
// cannot undo, and for codecs without a predictor stage (none, PackBits, ...) it ignores
// the tag where tifffile applies it, so the file has no agreed meaning. Image codecs
// (JPEG, JPEG 2000, WebP, ...) ignore the tag in both and are accepted.
std::optional<std::string> TiffPredictorProblem(uint16_t compression, uint16_t predictor,
                                                uint16_t sample_format);

}  // namespace omearrow
