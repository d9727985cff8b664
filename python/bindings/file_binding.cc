// Files and writers: open_file (Parquet / dataset / TIFF, metadata only), image metadata
// as Python values, images over NumPy arrays, EncodeRecord exported through the Arrow C
// data interface, WriteParquet and WriteDataset. Conversion only; the work is the core's.
#include <array>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include <arrow/c/abi.h>
#include <arrow/c/bridge.h>
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "convert.h"
#include "gil.h"
#include "omearrow/io/dataset_writer.h"
#include "omearrow/io/open.h"
#include "omearrow/collection/write_uri.h"
#include "omearrow/io/record_writer.h"
#include "omearrow/io/row_cache.h"
#include "omearrow/source/dense_source.h"
#include "status.h"
#include "types.h"

namespace nb = nanobind;

namespace omearrow::python {
namespace {

// _core.ArrowArray: an Arrow array handed to Python through the PyCapsule interface.
struct PyArrowArray {
  std::shared_ptr<arrow::Array> array;
};

// Text from files (OME-XML, Parquet metadata) as str; bytes that are not UTF-8 become
// U+FFFD instead of failing the whole metadata conversion.
nb::object TextToPy(const std::string& text) {
  PyObject* str = PyUnicode_DecodeUTF8(text.data(), static_cast<Py_ssize_t>(text.size()),
                                       "replace");
  if (str == nullptr) throw nb::python_error();
  return nb::steal(str);
}

template <typename T>
nb::object OptionalToPy(const std::optional<T>& value) {
  if (!value.has_value()) return nb::none();
  if constexpr (std::is_same_v<T, std::string>) {
    return TextToPy(*value);
  } else {
    return nb::cast(*value);
  }
}

nb::dict ChannelToDict(const Channel& channel) {
  nb::dict out;
  out["id"] = OptionalToPy(channel.id);
  out["name"] = OptionalToPy(channel.name);
  out["emission_um"] = OptionalToPy(channel.emission_um);
  out["excitation_um"] = OptionalToPy(channel.excitation_um);
  out["illumination"] = OptionalToPy(channel.illumination);
  out["color_rgba"] = OptionalToPy(channel.color_rgba);
  return out;
}

nb::dict PixelsMetaToDict(const PixelsMeta& pm) {
  nb::dict out;
  out["dimension_order"] = OptionalToPy(pm.dimension_order);
  out["type"] = OptionalToPy(pm.type);
  out["size_x"] = pm.size_x;
  out["size_y"] = pm.size_y;
  out["size_z"] = pm.size_z;
  out["size_c"] = pm.size_c;
  out["size_t"] = pm.size_t;
  out["physical_size_x"] = OptionalToPy(pm.physical_size_x);
  out["physical_size_y"] = OptionalToPy(pm.physical_size_y);
  out["physical_size_z"] = OptionalToPy(pm.physical_size_z);
  out["physical_size_x_unit"] = OptionalToPy(pm.physical_size_x_unit);
  out["physical_size_y_unit"] = OptionalToPy(pm.physical_size_y_unit);
  out["physical_size_z_unit"] = OptionalToPy(pm.physical_size_z_unit);
  nb::list channels;
  for (const Channel& channel : pm.channels) channels.append(ChannelToDict(channel));
  out["channels"] = channels;
  return out;
}

nb::object ChunkGridToPy(const std::optional<ChunkGrid>& grid) {
  if (!grid.has_value()) return nb::none();
  nb::dict out;
  out["order"] = OptionalToPy(grid->order);
  out["chunk_t"] = OptionalToPy(grid->chunk_t);
  out["chunk_c"] = OptionalToPy(grid->chunk_c);
  out["chunk_z"] = OptionalToPy(grid->chunk_z);
  out["chunk_y"] = OptionalToPy(grid->chunk_y);
  out["chunk_x"] = OptionalToPy(grid->chunk_x);
  out["chunk_order"] = OptionalToPy(grid->chunk_order);
  return out;
}

// NumPy dtype → core DType (TypeError naming the dtype otherwise).
DType DTypeFromDLPack(const nb::dlpack::dtype& dtype) {
  if (dtype.lanes == 1) {
    const auto code = static_cast<nb::dlpack::dtype_code>(dtype.code);
    if (code == nb::dlpack::dtype_code::UInt) {
      switch (dtype.bits) {
        case 8: return DType::kUInt8;
        case 16: return DType::kUInt16;
        case 32: return DType::kUInt32;
        case 64: return DType::kUInt64;
      }
    } else if (code == nb::dlpack::dtype_code::Int) {
      switch (dtype.bits) {
        case 8: return DType::kInt8;
        case 16: return DType::kInt16;
        case 32: return DType::kInt32;
        case 64: return DType::kInt64;
      }
    } else if (code == nb::dlpack::dtype_code::Float) {
      switch (dtype.bits) {
        case 32: return DType::kFloat32;
        case 64: return DType::kFloat64;
      }
    }
  }
  throw nb::type_error(
      "unsupported array dtype: omearrow writes uint8, int8, uint16, int16, uint32, int32, "
      "uint64, int64, float32 and float64 pixels");
}

RecordWriteOptions ToRecordWriteOptions(const std::string& encoding,
                                        const std::vector<int64_t>& chunk_shape,
                                        const std::string& chunk_compression,
                                        std::optional<int> compression_level) {
  RecordWriteOptions options;
  options.encoding = Unwrap(ParseChunkEncoding(encoding));
  if (chunk_shape.size() != 3) {
    throw nb::value_error("chunk_shape must be a (Z, Y, X) tuple of 3 positive integers");
  }
  for (size_t i = 0; i < 3; ++i) options.chunk_shape[i] = chunk_shape[i];
  options.chunk_compression = chunk_compression;
  options.compression_level = compression_level;
  return options;
}

std::vector<std::shared_ptr<const Image>> ToImages(const std::vector<const PyImage*>& images) {
  std::vector<std::shared_ptr<const Image>> out;
  out.reserve(images.size());
  for (const PyImage* image : images) {
    if (image == nullptr) throw nb::type_error("images must not contain None");
    out.push_back(image->image);
  }
  return out;
}

}  // namespace

void RegisterFiles(nb::module_& m) {
  nb::class_<PyArrowArray>(m, "ArrowArray",
                           "An Arrow array produced by the core, exported to Python through "
                           "the Arrow PyCapsule interface (pyarrow.array(obj) imports it "
                           "zero-copy).")
      .def_prop_ro("length", [](const PyArrowArray& self) { return self.array->length(); },
                   "Number of values.")
      .def(
          "__arrow_c_array__",
          [](const PyArrowArray& self, nb::handle requested_schema) {
            (void)requested_schema;  // the array's own type is always returned
            auto* schema = new ArrowSchema;
            auto* array = new ArrowArray;
            const arrow::Status status = arrow::ExportArray(*self.array, array, schema);
            if (!status.ok()) {
              delete schema;
              delete array;
              RaiseStatus(status);
            }
            nb::capsule schema_capsule(schema, "arrow_schema", [](void* p) noexcept {
              auto* s = static_cast<ArrowSchema*>(p);
              if (s->release != nullptr) s->release(s);
              delete s;
            });
            nb::capsule array_capsule(array, "arrow_array", [](void* p) noexcept {
              auto* a = static_cast<ArrowArray*>(p);
              if (a->release != nullptr) a->release(a);
              delete a;
            });
            return nb::make_tuple(schema_capsule, array_capsule);
          },
          nb::arg("requested_schema").none() = nb::none(),
          nb::sig("def __arrow_c_array__(self, requested_schema: object | None = None) "
                  "-> tuple[object, object]"),
          "The (schema, array) PyCapsules of the Arrow C data interface.");

  m.def(
      "open_file",
      [](const std::string& path, std::optional<std::string> column, int64_t row,
         std::optional<std::string> image_id, bool column_required) {
        OpenOptions options;
        options.column = std::move(column);
        options.column_required = column_required;
        options.row = row;
        options.image_id = std::move(image_id);
        arrow::Result<OpenedImage> opened;
        {
          nb::gil_scoped_release release;
          opened = Open(path, options);
        }
        OpenedImage result = Unwrap(std::move(opened));
        return nb::make_tuple(PyImage{std::move(result.image)},
                              std::string(FileFormatName(result.format)), TextToPy(result.column),
                              ToPyWarnings(result.warnings));
      },
      nb::arg("path"), nb::arg("column").none(), nb::arg("row"), nb::arg("image_id").none(),
      nb::arg("column_required") = false,
      nb::sig("def open_file(path: str, column: str | None, row: int, image_id: str | None, "
              "column_required: bool = False) "
              "-> tuple[Image, str, str, list[tuple[str, str]]]"),
      "Opens one image of a Parquet file, dataset directory or TIFF reading only metadata "
      "(core Open). Returns (image, format, column used ('' unless Parquet), warnings as "
      "(category, message)). With column_required, a named column other than 'ome_arrow' "
      "must exist (no auto-detection). Releases the GIL.");

  m.def(
      "clear_row_cache", [] { RowCache::Global().Clear(); },
      "Drops the process-wide cache of decoded list-encoded Parquet rows (for cold-read "
      "benchmarks; images in use keep their rows).");

  m.def(
      "image_metadata",
      [](const PyImage& image) {
        const Image& img = *image.image;
        nb::dict out;
        out["type"] = OptionalToPy(img.info().type);
        out["version"] = OptionalToPy(img.info().version);
        out["id"] = OptionalToPy(img.info().id);
        out["name"] = OptionalToPy(img.info().name);
        out["image_type"] = OptionalToPy(img.info().image_type);
        out["pixels_meta"] = PixelsMetaToDict(img.pixels_meta());
        out["chunk_grid"] = ChunkGridToPy(img.chunk_grid());
        out["encoding"] = std::string(PixelEncodingName(img.encoding()));
        return out;
      },
      nb::arg("image"),
      nb::sig("def image_metadata(image: Image) -> dict[str, typing.Any]"),
      "The image's metadata as plain Python values: type, version, id, name, image_type, "
      "pixels_meta (dict, channels as a list of dicts), chunk_grid (dict or None), "
      "encoding.");

  m.def(
      "image_from_dense",
      [](nb::object array, const std::string& dim_order, const std::string& image_id,
         const std::string& name, const std::string& image_type,
         std::optional<std::vector<std::string>> channel_names, double physical_size_x,
         double physical_size_y, double physical_size_z,
         const std::string& physical_size_unit) {
        auto values = nb::cast<nb::ndarray<nb::ro, nb::device::cpu>>(array);
        DenseArray dense;
        dense.data = values.data();
        dense.dtype = DTypeFromDLPack(values.dtype());
        const int64_t itemsize = ItemSize(dense.dtype);
        for (size_t i = 0; i < values.ndim(); ++i) {
          dense.shape.push_back(static_cast<int64_t>(values.shape(i)));
          dense.strides.push_back(static_cast<int64_t>(values.stride(i)) * itemsize);
        }
        dense.dim_order = dim_order;
        dense.owner = ShareObject(std::move(array));
        DenseImageInfo info;
        info.id = image_id;
        info.name = name;
        info.image_type = image_type;
        if (channel_names.has_value()) info.channel_names = std::move(*channel_names);
        info.physical_size_x = physical_size_x;
        info.physical_size_y = physical_size_y;
        info.physical_size_z = physical_size_z;
        info.physical_size_unit = physical_size_unit;
        return PyImage{Unwrap(ImageFromDense(dense, info))};
      },
      nb::arg("array"), nb::arg("dim_order"), nb::arg("image_id"), nb::arg("name"),
      nb::arg("image_type"), nb::arg("channel_names").none(), nb::arg("physical_size_x"),
      nb::arg("physical_size_y"), nb::arg("physical_size_z"),
      nb::arg("physical_size_unit"),
      nb::sig("def image_from_dense(array: object, dim_order: str, image_id: str, name: str, "
              "image_type: str, channel_names: collections.abc.Sequence[str] | None, "
              "physical_size_x: float, physical_size_y: float, physical_size_z: float, "
              "physical_size_unit: str) -> Image"),
      "An image over a NumPy array's memory (no copy; the array is kept alive); axes named "
      "by dim_order (core ImageFromDense). Strides must be non-negative.");

  m.def(
      "encode_record",
      [](const PyImage& image, const std::string& encoding,
         const std::vector<int64_t>& chunk_shape, const std::string& chunk_compression,
         std::optional<int> compression_level) {
        const RecordWriteOptions options =
            ToRecordWriteOptions(encoding, chunk_shape, chunk_compression, compression_level);
        arrow::Result<std::shared_ptr<arrow::StructArray>> record;
        {
          nb::gil_scoped_release release;
          record = EncodeRecord(*image.image, options);
        }
        return PyArrowArray{Unwrap(std::move(record))};
      },
      nb::arg("image"), nb::arg("encoding"), nb::arg("chunk_shape"),
      nb::arg("chunk_compression"), nb::arg("compression_level").none(),
      "The image as a one-row record in the canonical schema (core EncodeRecord), as an "
      "ArrowArray. Releases the GIL.");

  m.def(
      "write_parquet",
      [](const std::vector<const PyImage*>& images, const std::string& path,
         const std::string& column, const std::string& encoding,
         const std::vector<int64_t>& chunk_shape, const std::string& chunk_compression,
         std::optional<int> compression_level, std::optional<std::string> parquet_compression) {
        ParquetWriteOptions options;
        options.column = column;
        options.record =
            ToRecordWriteOptions(encoding, chunk_shape, chunk_compression, compression_level);
        options.parquet_compression = std::move(parquet_compression);
        const std::vector<std::shared_ptr<const Image>> parts = ToImages(images);
        arrow::Status status;
        {
          nb::gil_scoped_release release;
          status = WriteParquetToPathOrUri(parts, path, options);
        }
        ThrowIfError(status);
      },
      nb::arg("images"), nb::arg("path"), nb::arg("column"), nb::arg("encoding"),
      nb::arg("chunk_shape"), nb::arg("chunk_compression"), nb::arg("compression_level").none(),
      nb::arg("parquet_compression").none(),
      "Writes one image per row to an OME-Arrow Parquet file at a path or URI (core "
      "WriteParquetToPathOrUri). Releases the GIL.");

  m.def(
      "write_dataset",
      [](const std::vector<const PyImage*>& images,
         const std::vector<std::optional<std::string>>& image_ids, const std::string& dir,
         std::optional<std::vector<int64_t>> chunk_shape, std::optional<std::string> compression,
         int64_t chunk_rows_per_row_group, bool overwrite) {
        if (image_ids.size() != images.size()) {
          throw nb::value_error("image_ids must have one entry per image");
        }
        DatasetWriteOptions options;
        if (chunk_shape.has_value()) {
          if (chunk_shape->size() != 5) {
            throw nb::value_error("chunk_shape must be a (T, C, Z, Y, X) tuple of 5 integers");
          }
          std::array<int64_t, 5> shape{};
          for (size_t i = 0; i < 5; ++i) shape[i] = (*chunk_shape)[i];
          options.chunk_shape = shape;
        }
        options.compression = std::move(compression);
        options.chunk_rows_per_row_group = chunk_rows_per_row_group;
        options.overwrite = overwrite;
        const std::vector<std::shared_ptr<const Image>> parts = ToImages(images);
        std::vector<DatasetImage> entries;
        for (size_t i = 0; i < parts.size(); ++i) entries.push_back({parts[i], image_ids[i]});
        arrow::Status status;
        {
          nb::gil_scoped_release release;
          status = WriteDataset(entries, dir, options);
        }
        ThrowIfError(status);
      },
      nb::arg("images"), nb::arg("image_ids"), nb::arg("dir"), nb::arg("chunk_shape").none(),
      nb::arg("compression").none(), nb::arg("chunk_rows_per_row_group"), nb::arg("overwrite"),
      "Writes images as a typed-chunk dataset directory (core WriteDataset). Releases the "
      "GIL.");
}

}  // namespace omearrow::python
