// Peak resident memory while iterating a large image with prefetch N: the process's
// high-water mark (VmHWM, reset through /proc/self/clear_refs) may grow by at most
// (N + 2) items plus a constant, however large the image is. Skipped under sanitizers
// (their allocators keep freed memory in quarantine). Needs Arrow's system allocator
// (ARROW_DEFAULT_MEMORY_POOL=system, as ctest sets for every test).
#include <gtest/gtest.h>
#include <malloc.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "omearrow/image.h"
#include "omearrow/iter/view_iterator.h"
#include "omearrow/source/callback_source.h"
#include "omearrow/tensor_view.h"
#include "omearrow/testing/gtest_util.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define OMEARROW_UNDER_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define OMEARROW_UNDER_SANITIZER 1
#endif
#endif

namespace omearrow {
namespace {

// A field of /proc/self/status in bytes ("VmHWM", "VmRSS"), -1 if unreadable.
int64_t StatusBytes(const std::string& field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stoll(line.substr(field.size() + 1)) * 1024;
  }
  return -1;
}

// Resets VmHWM to the current RSS (Linux >= 4.0); false when not supported.
bool ResetPeak() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
  clear.flush();
  return static_cast<bool>(clear);
}

TEST(PeakMemoryTest, PrefetchKeepsAtMostNPlusTwoItems) {
#ifdef OMEARROW_UNDER_SANITIZER
  GTEST_SKIP() << "sanitizer allocators quarantine freed memory";
#endif
  // Every block of >= 1 MiB is mmapped and unmapped when freed (glibc otherwise raises
  // its mmap threshold after the first free and keeps freed items in the heap), so
  // resident memory follows the live items rather than the allocator's retention.
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
  // 48 time points of 2048 x 2048 float32: 768 MiB of pixels, 16 MiB per item. The
  // loader hands out views of one shared plane, so only the views' outputs cost memory.
  constexpr int64_t kT = 48, kY = 2048, kX = 2048;
  constexpr int64_t kItemBytes = kY * kX * 4;
  constexpr int64_t kConstant = int64_t{24} << 20;
  auto plane = std::make_shared<std::vector<float>>(static_cast<size_t>(kY * kX), 1.5f);
  PixelsMeta meta;
  meta.type = "float32";
  meta.size_t = kT, meta.size_y = kY, meta.size_x = kX;
  ASSERT_OK_AND_ASSIGN(
      auto image, ImageFromPlaneLoader({}, meta, std::nullopt,
                                       [plane](int64_t, int64_t, int64_t)
                                           -> arrow::Result<LoadedPlane> {
                                         return LoadedPlane{plane, plane->data(),
                                                            DType::kFloat32, kY * kX};
                                       }));
  ASSERT_OK_AND_ASSIGN(auto parent, TensorView::Make(image));
  for (int64_t prefetch : {0, 1, 2, 4}) {
    IteratorOptions options;
    options.batch_size = 1;
    options.prefetch = prefetch;
    options.mode = "numpy";
    {  // warm up allocator and thread start-up, then measure from here
      ASSERT_OK_AND_ASSIGN(auto warm, ViewIterator::Make(parent, options));
      ASSERT_OK_AND_ASSIGN(auto item, warm->Next());
    }
    if (!ResetPeak()) GTEST_SKIP() << "/proc/self/clear_refs is not writable";
    const int64_t baseline = StatusBytes("VmRSS");
    ASSERT_GT(baseline, 0);
    int64_t items = 0;
    {
      ASSERT_OK_AND_ASSIGN(auto iterator, ViewIterator::Make(parent, options));
      while (true) {
        ASSERT_OK_AND_ASSIGN(auto item, iterator->Next());
        if (!item.has_value()) break;
        ASSERT_EQ(reinterpret_cast<const float*>(item->data)[kY * kX - 1], 1.5f);
        ++items;
      }
    }
    EXPECT_EQ(items, kT);
    const int64_t growth = StatusBytes("VmHWM") - baseline;
    const int64_t bound = (prefetch + 2) * kItemBytes + kConstant;
    RecordProperty("prefetch_" + std::to_string(prefetch) + "_growth_bytes",
                   std::to_string(growth));
    std::printf("prefetch=%lld: peak RSS growth %.1f MiB (bound %.1f MiB, item %.1f MiB)\n",
                static_cast<long long>(prefetch), growth / 1048576.0, bound / 1048576.0,
                kItemBytes / 1048576.0);
    EXPECT_LE(growth, bound) << "prefetch=" << prefetch;
  }
}

}  // namespace
}  // namespace omearrow
