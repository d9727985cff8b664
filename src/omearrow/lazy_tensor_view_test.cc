#include "omearrow/lazy_tensor_view.h"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "omearrow/testing/gtest_util.h"
#include "omearrow/testing/record_builder.h"

namespace omearrow {
namespace {

using testing::BuildRecord;
using testing::MakeRandomImage;

class LazyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dense = MakeRandomImage(3, 2, 2, 5, 6, DType::kUInt16, 1);
    image_ = ImageFromStructArray(BuildRecord(dense, {}).ValueOrDie()).ValueOrDie();
    loader_ = [this]() -> arrow::Result<std::shared_ptr<const Image>> {
      ++loads_;
      return image_;
    };
  }
  std::shared_ptr<const Image> image_;
  std::atomic<int> loads_{0};
  ImageLoader loader_;
};

TEST_F(LazyTest, CollectIsMemoizedAndThreadSafe) {
  LazyTensorView lazy(loader_);
  EXPECT_FALSE(lazy.is_collected());
  EXPECT_EQ(lazy.device(), "cpu");
  EXPECT_EQ(loads_.load(), 0);
  std::vector<std::thread> threads;
  std::vector<const Image*> seen(8);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] { seen[static_cast<size_t>(i)] = lazy.Collect().ValueOrDie().image().get(); });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(loads_.load(), 1);
  for (auto* image : seen) EXPECT_EQ(image, image_.get());
  EXPECT_TRUE(lazy.is_collected());
}

TEST_F(LazyTest, LayoutAnsweredWithoutCollectingWhenRequested) {
  ViewOptions options;
  options.layout = "cyx";
  options.selection.t = IndexSpec::Index(0);
  options.selection.z = IndexSpec::Index(0);
  LazyTensorView lazy(loader_, options);
  ASSERT_OK_AND_ASSIGN(auto layout, lazy.layout());
  EXPECT_EQ(layout, "cyx");  // exactly as given, like the reference
  EXPECT_EQ(loads_.load(), 0);
  ASSERT_OK_AND_ASSIGN(auto shape, lazy.shape());
  EXPECT_EQ(shape, (std::vector<int64_t>{2, 5, 6}));
  EXPECT_EQ(loads_.load(), 1);
  LazyTensorView plain(loader_);
  ASSERT_OK_AND_ASSIGN(layout, plain.layout());
  EXPECT_EQ(layout, "TZCHW");
}

TEST_F(LazyTest, SelectKeepsUnsetAndResetsExplicitNone) {
  ViewOptions options;
  options.selection.t = IndexSpec::Index(1);
  options.selection.roi = std::vector<int64_t>{0, 0, 2, 2};
  LazyTensorView lazy(loader_, options);
  SelectionUpdate update;
  update.c = IndexSpec::Index(0);
  auto narrowed = lazy.Select(update);
  ASSERT_OK_AND_ASSIGN(auto shape, narrowed.shape());
  EXPECT_EQ(shape, (std::vector<int64_t>{1, 2, 1, 2, 2}));  // t and roi kept
  SelectionUpdate reset;
  reset.t = IndexSpec::All();
  reset.roi = std::optional<std::vector<int64_t>>();
  ASSERT_OK_AND_ASSIGN(shape, narrowed.Select(reset).shape());
  EXPECT_EQ(shape, (std::vector<int64_t>{3, 2, 1, 5, 6}));
  ASSERT_OK_AND_ASSIGN(shape, narrowed.WithLayout("TCZYX").shape());
  EXPECT_EQ(shape, (std::vector<int64_t>{1, 1, 2, 2, 2}));
  EXPECT_FALSE(lazy.is_collected());  // spawned plans do not collect their parent
}

TEST_F(LazyTest, ResolverWinsAndErrorsAreNotMemoized) {
  int calls = 0;
  ViewResolver resolver = [&](const ViewOptions& options) -> arrow::Result<TensorView> {
    if (++calls == 1) return arrow::Status::IOError("transient");
    return TensorView::Make(image_, options);
  };
  LazyTensorView lazy(loader_, {}, resolver);
  EXPECT_STATUS(lazy.Collect(), IOError, "transient");
  ASSERT_OK(lazy.Collect().status());
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(loads_.load(), 0);
}

}  // namespace
}  // namespace omearrow
