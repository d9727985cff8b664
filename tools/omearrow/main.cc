// omearrow: inspect, convert and benchmark OME-Arrow images from the command line.
#include <cstdio>

#include <CLI/CLI.hpp>

#include "commands.h"
#include "omearrow/collection/location.h"
#include "omearrow/util/version.h"

int main(int argc, char** argv) {
  using omearrow::cli::InputSelection;
  CLI::App app{"omearrow: OME-Arrow microscopy images as tensors"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("omearrow ") + omearrow::kVersion);

  InputSelection input;
  auto add_input = [&input](CLI::App* command) {
    command->add_option("file", input.path,
                        "OME-Arrow Parquet file, dataset directory or TIFF, a URI "
                        "(s3://bucket/key?endpoint_override=...), or a collection: a directory "
                        "of Parquet files, a glob or a URI prefix")
        ->required();
    command->add_option("--column", input.column, "Parquet record column (default ome_arrow)");
    command->add_option("--row", input.row, "Parquet row / dataset image row / OME image index");
    command->add_option("--image-id", input.image_id, "dataset image id");
  };

  bool json = false;
  auto* info = app.add_subcommand("info", "Show shape, dtype, channels, encoding, chunking");
  add_input(info);
  info->add_flag("--json", json, "print JSON");
  bool validate = false, strict = false;
  info->add_flag("--validate", validate,
                 "check every record of the Parquet column and list its problems "
                 "(exit status 1 when there are any)");
  info->add_flag("--strict", strict, "with --validate: require the canonical Arrow types");

  omearrow::cli::ConvertOptions convert_options;
  auto* convert = app.add_subcommand("convert", "Convert TIFF/OME-TIFF/Parquet/dataset to "
                                                "OME-Arrow Parquet or a dataset directory");
  add_input(convert);
  convert->add_option("output", convert_options.output,
                      "output .parquet file or dataset directory (a URI for Parquet); for a "
                      "collection, the output directory or URI prefix")
      ->required();
  convert->add_option("--format", convert_options.format, "parquet or dataset (default: by extension)");
  convert->add_option("--encoding", convert_options.encoding, "bytes (default) or list");
  convert->add_option("--chunk-shape", convert_options.chunk_shape,
                      "Z,Y,X for Parquet (default 1,512,512); T,C,Z,Y,X for datasets");
  convert->add_option("--compression", convert_options.compression,
                      "per-chunk codec: zstd (default), lz4, none, auto");
  convert->add_option("--level", convert_options.level, "compression level");
  convert->add_option("--output-column", convert_options.column, "record column name");
  convert->add_option("--parquet-compression", convert_options.parquet_compression,
                      "Parquet codec of the file");
  bool no_progress = false;
  convert->add_flag("--no-progress", no_progress, "no progress bar on stderr");
  std::optional<std::string> convert_filter;
  convert->add_option("--filter", convert_filter,
                      "with a collection: convert only matching images, e.g. "
                      "\"Metadata_Well == 'B02'\"");

  omearrow::cli::LsOptions ls_options;
  auto* ls = app.add_subcommand("ls", "List the images of files, directories, globs or URIs "
                                      "with their metadata (one row per image)");
  ls->add_option("source", ls_options.sources,
                 "Parquet files, directories, globs or URIs (s3://bucket/prefix/)")
      ->required();
  ls->add_option("--column", ls_options.column, "record column (default: every OME column)");
  ls->add_option("--filter", ls_options.filter,
                 "keep matching images, e.g. \"Metadata_Well == 'B02' and size_z > 1\"");
  auto* ls_json = ls->add_flag("--json", ls_options.json, "print JSON");
  ls->add_flag("--csv", ls_options.csv, "print CSV")->excludes(ls_json);
  ls->add_flag("--skip-errors", ls_options.skip_errors,
               "leave out unreadable or non-OME files (listed on stderr)");

  std::string demo_directory = "omearrow-demo";
  bool small = false;
  auto* demo = app.add_subcommand("demo", "Run the demo on a generated image");
  demo->add_option("--dir", demo_directory, "where to write the demo files");
  demo->add_flag("--small", small, "a smaller image (quick)");

  int repeats = 5;
  auto* bench = app.add_subcommand("bench", "Time plane, crop and full reads of a file");
  add_input(bench);
  bench->add_option("--repeats", repeats, "runs per measurement (median reported)");

  omearrow::cli::PreviewCliOptions preview_options;
  auto* preview = app.add_subcommand("preview", "Write a PNG picture of one plane (channel "
                                                "composite, percentile contrast)");
  add_input(preview);
  preview->add_option("--t", preview_options.t, "time index (default 0)");
  preview->add_option("--z", preview_options.z, "z index (default: the middle z)");
  preview->add_option("--c", preview_options.c, "channel indices, e.g. 0,2 (default: all)")
      ->delimiter(',');
  preview->add_option("--size", preview_options.size, "most pixels on the long side (512)");
  preview->add_option("--low", preview_options.low, "lower contrast percentile (0.5)");
  preview->add_option("--high", preview_options.high, "upper contrast percentile (99.5)");
  preview->add_option("-o,--output", preview_options.output,
                      "PNG file to write (default: stdout when piped, else "
                      "<name>.preview.png in the current directory)");

  omearrow::cli::MontageCliOptions montage_options;
  auto* montage = app.add_subcommand(
      "montage", "Write a PNG grid of thumbnails of many images with captions");
  montage
      ->add_option("source", montage_options.sources,
                   "Parquet files, directories, globs or URIs (s3://bucket/prefix/)")
      ->required();
  montage->add_option("--column", montage_options.column,
                      "record column (default: every OME column)");
  montage->add_option(
      "--filter", montage_options.filter,
      "keep matching images: comparisons (== != < <= > >=) and `in` lists of metadata "
      "columns joined by and/or/not, e.g. \"Metadata_Well in ('B02','B03') and "
      "size_z > 1\"");
  montage->add_flag("--skip-errors", montage_options.skip_errors,
                    "leave out unreadable or non-OME files and draw images that cannot "
                    "be read as crossed placeholder tiles (all listed on stderr)");
  montage->add_option("-n", montage_options.n, "the first N images (16)");
  montage
      ->add_option("--by", montage_options.by,
                   "caption columns, e.g. --by Metadata_Well,Metadata_Site or --by "
                   "Metadata_Well Metadata_Site (give the source before --by; default: "
                   "the image name)")
      ->delimiter(',');
  montage->add_option("--size", montage_options.size, "tile side in pixels (128)");
  montage->add_option("--columns", montage_options.columns,
                      "tiles per row (default: a square grid)");
  montage->add_option("--t", montage_options.t, "time index (default 0)");
  montage->add_option("--z", montage_options.z, "z index (default: the middle z)");
  montage->add_option("--c", montage_options.c, "channel indices, e.g. 0,2 (default: all)")
      ->delimiter(',');
  montage->add_option("--low", montage_options.low, "lower contrast percentile (0.5)");
  montage->add_option("--high", montage_options.high, "upper contrast percentile (99.5)");
  montage->add_flag("--no-captions", montage_options.no_captions, "no caption band");
  montage->add_option("-o,--output", montage_options.output,
                      "PNG file to write (default: stdout when piped, else "
                      "<name>.montage.png in the current directory)");

  CLI11_PARSE(app, argc, argv);
  arrow::Status status;
  if (*info) {
    if (validate) {
      auto problems = omearrow::cli::RunValidate(input, strict);
      if (!problems.ok()) {
        status = problems.status();
      } else if (*problems > 0) {
        return 1;
      }
    } else {
      status = omearrow::cli::RunInfo(input, json);
    }
  } else if (*convert) {
    convert_options.progress = !no_progress;
    status = omearrow::cli::RunConvert(input, convert_options, convert_filter);
  } else if (*ls) {
    status = omearrow::cli::RunLs(ls_options);
  } else if (*demo) {
    status = omearrow::cli::RunDemo(demo_directory, small);
  } else if (*montage) {
    status = omearrow::cli::RunMontage(montage_options);
  } else if (*preview) {
    status = omearrow::cli::RunPreview(input, preview_options);
  } else if (*bench) {
    status = omearrow::cli::RunBench(input, repeats);
  }
  omearrow::FinalizeObjectStorage();  // S3, if a URI used it (safe otherwise)
  if (!status.ok()) {
    std::fprintf(stderr, "omearrow: %s\n", status.message().c_str());
    return 1;
  }
  return 0;
}
