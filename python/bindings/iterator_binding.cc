// _core.ViewIterator and _core.TileStream: the core iterators (real prefetch) behind
// TensorView.iter_dlpack / iter_tiles_3d and omearrow.data.TileDataset, plus the
// CPython-exact shuffle order. The GIL is released while an item is waited for and while
// workers are joined (plane_loader callbacks on worker threads take it themselves).
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <nanobind/nanobind.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include "convert.h"
#include "omearrow/iter/prefetch.h"
#include "omearrow/iter/python_random.h"
#include "omearrow/iter/tile_stream.h"
#include "omearrow/iter/view_iterator.h"
#include "status.h"
#include "types.h"

namespace nb = nanobind;

namespace omearrow::python {
namespace {

// A Python int seed → the key random.Random(seed) uses (None → nullopt: OS entropy).
// Other seed types are turned into ints by the Python layer first.
std::optional<PythonSeed> ToPythonSeed(nb::handle seed) {
  if (seed.is_none()) return std::nullopt;
  if (!PyLong_Check(seed.ptr())) throw nb::type_error("seed must be an int or None");
  nb::object magnitude = nb::steal(PyNumber_Absolute(seed.ptr()));
  if (!magnitude.is_valid()) throw nb::python_error();
  const auto bits = nb::cast<int64_t>(magnitude.attr("bit_length")());
  const int64_t num_words = bits == 0 ? 1 : (bits + 31) / 32;
  nb::bytes raw = nb::cast<nb::bytes>(magnitude.attr("to_bytes")(num_words * 4, "little"));
  const auto* data = static_cast<const uint8_t*>(raw.data());
  std::vector<uint32_t> words(static_cast<size_t>(num_words));
  for (size_t i = 0; i < words.size(); ++i) {
    words[i] = uint32_t{data[4 * i]} | uint32_t{data[4 * i + 1]} << 8 |
               uint32_t{data[4 * i + 2]} << 16 | uint32_t{data[4 * i + 3]} << 24;
  }
  return PythonSeed::FromWords(words);
}

// Owns a core iterator; the GIL is released while it is closed (workers may be waiting
// for the GIL inside a plane_loader). `mutex` serializes Python threads sharing it.
template <typename Iterator>
struct Holder {
  std::unique_ptr<Iterator> it;
  std::mutex mutex;

  ~Holder() { Close(); }
  void Close() {
    if (!it) return;
    nb::gil_scoped_release release;
    std::lock_guard<std::mutex> lock(mutex);
    it->Close();
  }
};

using PyViewIterator = Holder<ViewIterator>;
using PyTileStream = Holder<TileStream>;

nb::tuple TaskTuple(const TileTask& task) {
  return nb::make_tuple(task.image, task.t, task.z, task.roi.x, task.roi.y, task.roi.w,
                        task.roi.h);
}

// (image, t, z, x, y, w, h) → a TileTask.
TileTask TaskOf(const std::tuple<int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t>& t) {
  const auto& [image, tt, z, x, y, w, h] = t;
  return TileTask{image, tt, z, Roi{x, y, w, h}};
}

using TaskTupleType = std::tuple<int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t>;
using ExtentTuple = std::tuple<std::vector<int64_t>, std::vector<int64_t>,
                               std::tuple<int64_t, int64_t, int64_t, int64_t>>;

}  // namespace

void RegisterIterators(nb::module_& m) {
  m.def(
      "python_shuffle_order",
      [](int64_t n, nb::handle seed) { return PythonShuffleOrder(n, ToPythonSeed(seed)); },
      nb::arg("n"), nb::arg("seed").none(),
      nb::sig("def python_shuffle_order(n: int, seed: int | None) -> list[int]"),
      "The order random.Random(seed).shuffle gives range(n), computed in C++.");

  m.def("live_prefetch_workers", &LivePrefetchWorkers,
        "Prefetch worker threads alive in the process (a test hook).");

  nb::class_<PyViewIterator>(m, "ViewIterator",
                             "The core iterator of iter_dlpack / iter_tiles_3d.")
      .def(
          "next",
          [](PyViewIterator& self, nb::list warnings) -> nb::object {
            Warnings raised;
            arrow::Result<std::optional<Tensor>> item;
            {
              nb::gil_scoped_release release;
              std::lock_guard<std::mutex> lock(self.mutex);
              item = self.it->Next(&raised);
            }
            for (nb::handle w : ToPyWarnings(raised)) warnings.append(w);
            std::optional<Tensor> tensor = Unwrap(std::move(item));
            if (!tensor.has_value()) return nb::none();
            return MakeDLPackObject(std::move(*tensor));
          },
          nb::arg("warnings"),
          nb::sig("def next(self, warnings: list) -> DLPackObject | None"),
          "The next item as a single-use DLPackObject, or None at the end (blocks without "
          "the GIL while a prefetched item is not ready). Warnings are appended to "
          "`warnings` as (category, message), also when the item fails.")
      .def("close", &PyViewIterator::Close, "Stops and joins the prefetch workers.")
      .def("__len__", [](PyViewIterator& self) { return self.it->size(); });

  m.def(
      "view_iterator",
      [](const PyView& parent, const std::string& kind, std::optional<int64_t> batch_size,
         nb::handle tile_size, nb::handle tiles, bool shuffle, nb::handle seed,
         int64_t prefetch, const std::string& device, bool contiguous,
         std::optional<std::string> mode, nb::list warnings) {
        IteratorOptions options;
        options.kind = kind == "tiles_3d" ? IteratorKind::kTiles3D : IteratorKind::kDLPack;
        options.batch_size = batch_size;
        options.tile_size = ToIntVector(tile_size, "tile_size");
        options.tiles = ToIntVector(tiles, "tiles");
        options.shuffle = shuffle;
        options.seed = ToPythonSeed(seed);
        options.prefetch = prefetch;
        options.device = device;
        options.contiguous = contiguous;
        options.mode = std::move(mode);
        Warnings raised;
        auto made = ViewIterator::Make(parent.view, std::move(options), &raised);
        for (nb::handle w : ToPyWarnings(raised)) warnings.append(w);
        auto holder = std::make_unique<PyViewIterator>();
        holder->it = Unwrap(std::move(made));
        return holder.release();
      },
      nb::arg("parent"), nb::kw_only(), nb::arg("kind"), nb::arg("batch_size").none(),
      nb::arg("tile_size").none(), nb::arg("tiles").none(), nb::arg("shuffle"),
      nb::arg("seed").none(), nb::arg("prefetch"), nb::arg("device"), nb::arg("contiguous"),
      nb::arg("mode").none(), nb::arg("warnings"), nb::rv_policy::take_ownership,
      nb::sig("def view_iterator(parent: View, *, kind: str, batch_size: int | None, "
              "tile_size: object, tiles: object, shuffle: bool, seed: int | None, "
              "prefetch: int, device: str, contiguous: bool, mode: str | None, "
              "warnings: list) -> ViewIterator"),
      "iter_dlpack (kind='dlpack') or iter_tiles_3d (kind='tiles_3d') over `parent`, with "
      "the reference's validation; prefetch > 0 starts that many items ahead on worker "
      "threads. Warnings (the tiles= deprecation) are appended to `warnings`.");

  nb::class_<PyTileStream>(m, "TileStream",
                           "2-D tiles of many images for one shard of one epoch.")
      .def(
          "next",
          [](PyTileStream& self) -> nb::object {
            arrow::Result<std::optional<Tile>> item;
            {
              nb::gil_scoped_release release;
              std::lock_guard<std::mutex> lock(self.mutex);
              item = self.it->Next();
            }
            std::optional<Tile> tile = Unwrap(std::move(item));
            if (!tile.has_value()) return nb::none();
            nb::tuple task = TaskTuple(tile->task);
            return nb::make_tuple(MakeDLPackObject(std::move(tile->tensor)), task);
          },
          nb::sig("def next(self) -> tuple[DLPackObject, tuple[int, int, int, int, int, "
                  "int, int]] | None"),
          "(tile, (image, t, z, x, y, w, h)) or None at the end (blocks without the GIL).")
      .def("close", &PyTileStream::Close, "Stops and joins the prefetch workers.")
      .def_prop_ro(
          "tasks",
          [](PyTileStream& self) {
            nb::list out;
            for (const TileTask& task : self.it->tasks()) out.append(TaskTuple(task));
            return out;
          },
          nb::sig("def tasks(self) -> list[tuple[int, int, int, int, int, int, int]]"),
          "This shard's tiles in order, as (image, t, z, x, y, w, h).")
      .def("__len__", [](PyTileStream& self) { return self.it->size(); });

  m.def(
      "tile_stream",
      [](const std::vector<const PyView*>& views, nb::handle tile_size, bool shuffle,
         uint64_t seed, uint64_t epoch, int64_t shard_index, int64_t shard_count,
         int64_t prefetch, const std::string& source_label, bool drop_partial) {
        std::vector<TensorView> core_views;
        core_views.reserve(views.size());
        for (const PyView* view : views) core_views.push_back(view->view);
        TileStreamOptions options;
        options.tile_size = ToIntVector(tile_size, "tile_size").value_or(std::vector<int64_t>{});
        options.shuffle = shuffle;
        options.seed = seed;
        options.epoch = epoch;
        options.shard_index = shard_index;
        options.shard_count = shard_count;
        options.prefetch = prefetch;
        options.source_label = source_label;
        options.drop_partial = drop_partial;
        auto holder = std::make_unique<PyTileStream>();
        holder->it = Unwrap(TileStream::Make(std::move(core_views), std::move(options)));
        return holder.release();
      },
      nb::arg("views"), nb::kw_only(), nb::arg("tile_size"), nb::arg("shuffle"),
      nb::arg("seed"), nb::arg("epoch"), nb::arg("shard_index"), nb::arg("shard_count"),
      nb::arg("prefetch"), nb::arg("source_label"), nb::arg("drop_partial") = false,
      nb::rv_policy::take_ownership,
      nb::sig("def tile_stream(views: list[View], *, tile_size: object, shuffle: bool, "
              "seed: int, epoch: int, shard_index: int, shard_count: int, prefetch: int, "
              "source_label: str, drop_partial: bool = False) -> TileStream"),
      "The tiles of shard `shard_index` of `shard_count` for `epoch` (order: "
      "random.Random(seed + (epoch << 64)).shuffle of all tiles when shuffled); with "
      "drop_partial, only tiles of the full tile_size.");

  m.def(
      "epoch_tile_tasks",
      [](const std::vector<ExtentTuple>& extents, nb::handle tile_size, bool shuffle,
         uint64_t seed, uint64_t epoch, int64_t shard_index, int64_t shard_count,
         bool drop_partial) {
        std::vector<TileExtent> core;
        core.reserve(extents.size());
        for (const auto& [t, z, roi] : extents) {
          const auto& [x, y, w, h] = roi;
          core.push_back(TileExtent{t, z, Roi{x, y, w, h}});
        }
        TileStreamOptions options;
        options.tile_size = ToIntVector(tile_size, "tile_size").value_or(std::vector<int64_t>{});
        options.shuffle = shuffle;
        options.seed = seed;
        options.epoch = epoch;
        options.shard_index = shard_index;
        options.shard_count = shard_count;
        options.drop_partial = drop_partial;
        std::vector<TileTask> tasks;
        {
          nb::gil_scoped_release release;
          tasks = Unwrap(EpochTileTasks(core, options));
        }
        nb::list out;
        for (const TileTask& task : tasks) out.append(TaskTuple(task));
        return out;
      },
      nb::arg("extents"), nb::kw_only(), nb::arg("tile_size"), nb::arg("shuffle"),
      nb::arg("seed"), nb::arg("epoch"), nb::arg("shard_index"), nb::arg("shard_count"),
      nb::arg("drop_partial") = false,
      nb::sig("def epoch_tile_tasks(extents: list[tuple[list[int], list[int], tuple[int, int, "
              "int, int]]], *, tile_size: object, shuffle: bool, seed: int, epoch: int, "
              "shard_index: int, shard_count: int, drop_partial: bool = False) -> "
              "list[tuple[int, int, int, int, int, int, int]]"),
      "The tasks tile_stream gives for views with these extents (per image: selected t, "
      "selected z, roi (x, y, w, h)), as (image, t, z, x, y, w, h), without any view.");

  m.def(
      "tile_stream_of_tasks",
      [](const std::vector<const PyView*>& views, std::vector<int64_t> images,
         const std::vector<TaskTupleType>& tasks, int64_t prefetch,
         const std::string& source_label) {
        std::vector<TensorView> core_views;
        core_views.reserve(views.size());
        for (const PyView* view : views) core_views.push_back(view->view);
        std::vector<TileTask> core_tasks;
        core_tasks.reserve(tasks.size());
        for (const auto& task : tasks) core_tasks.push_back(TaskOf(task));
        TileStreamOptions options;
        options.prefetch = prefetch;
        options.source_label = source_label;
        auto holder = std::make_unique<PyTileStream>();
        holder->it = Unwrap(TileStream::FromTasks(std::move(core_views), std::move(images),
                                                  std::move(core_tasks), std::move(options)));
        return holder.release();
      },
      nb::arg("views"), nb::arg("images"), nb::arg("tasks"), nb::kw_only(),
      nb::arg("prefetch"), nb::arg("source_label"), nb::rv_policy::take_ownership,
      nb::sig("def tile_stream_of_tasks(views: list[View], images: list[int], tasks: "
              "list[tuple[int, int, int, int, int, int, int]], *, prefetch: int, "
              "source_label: str) -> TileStream"),
      "The tiles of `tasks` in order (image numbers; views[i] is image images[i]).");
}

}  // namespace omearrow::python
