// The interface between stored pixels (in whatever encoding) and the copy kernel.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include <arrow/array.h>
#include <arrow/result.h>
#include <arrow/status.h>

#include "omearrow/tensor/dtype.h"

namespace omearrow {

// A rectangle of one Y×X plane: rows [y, y + height), columns [x, x + width).
// A plane of an image: time point, channel and z slice. One struct instead of three
// integers, so (t, c, z) and (t, z, c) orders cannot be mixed up between callers.
struct PlaneIndex {
  int64_t t = 0;
  int64_t c = 0;
  int64_t z = 0;
};

struct Rect {
  int64_t y = 0;
  int64_t x = 0;
  int64_t height = 0;
  int64_t width = 0;
};

// A rectangle of stored pixels belonging to one plane. `data` points at the pixel at
// (rect.y, rect.x); consecutive rows are `row_stride` elements apart; elements are
// `dtype`, contiguous within a row.
struct PlaneBlock {
  const uint8_t* data = nullptr;
  DType dtype = DType::kUInt16;
  Rect rect;
  int64_t row_stride = 0;
};

// How a record stores its pixels.
enum class PixelEncoding { kNone, kPlanes, kListChunks, kByteChunks, kCallback, kTiff };

std::string_view PixelEncodingName(PixelEncoding encoding);

// The pixels of exactly one stored plane or chunk, shared with the storage (never a
// copy): what the reference's mode="arrow" exports as a 1-D tensor.
struct StoredValues {
  std::shared_ptr<arrow::Array> values;  // 1-D numeric array, no nulls
};

// Stored pixels of one image. Implementations index their storage once when built, so
// that finding the blocks of a plane costs no search. Thread-safe: const methods may be
// called concurrently.
class PixelSource {
 public:
  virtual ~PixelSource() = default;

  virtual PixelEncoding encoding() const = 0;

  // Appends the stored blocks of `plane` that intersect `window`, in storage
  // order (later blocks win where blocks overlap; pixels no block covers read as zero).
  // Each block's rect is the full stored rect (the caller intersects). Memory the blocks
  // point into stays valid while the entries appended to `pins` are held.
  virtual arrow::Status GetPlaneBlocks(const PlaneIndex& plane, const Rect& window,
                                       std::vector<PlaneBlock>* blocks,
                                       std::vector<std::shared_ptr<const void>>* pins) const = 0;

  // True when two stored blocks of one plane may overlap (then the kernel cannot use
  // "the blocks' areas add up to the window" as proof of full coverage).
  virtual bool BlocksMayOverlap() const { return false; }

  // The zero-copy values of the one stored plane or chunk that exactly matches
  // (`plane`, roi), following the reference's mode="arrow" rules and messages.
  virtual arrow::Result<StoredValues> GetStoredValues(const PlaneIndex& plane,
                                                      const Rect& roi) const;
};

}  // namespace omearrow

namespace omearrow {

// A source with no stored pixels: every plane reads as zeros; mode="arrow" fails with
// the reference's "mode='arrow' requires planes data.".
std::shared_ptr<const PixelSource> MakeEmptySource();

}  // namespace omearrow
