// `omearrow montage`.
#include "omearrow/collection/montage.h"

#include <cstdio>

#include "commands.h"
#include "omearrow/collection/collection.h"
#include "omearrow/collection/filter.h"
#include "png_output.h"

namespace omearrow::cli {

arrow::Status RunMontage(const MontageCliOptions& cli) {
  CollectionOptions collection_options;
  collection_options.column = cli.column;
  collection_options.on_error = cli.skip_errors ? OnError::kSkip : OnError::kRaise;
  ARROW_ASSIGN_OR_RAISE(Collection collection,
                        OpenCollection(cli.sources, collection_options));
  for (const auto& error : collection.errors()) {
    std::fprintf(stderr, "omearrow: skipped %s\n", error.message.c_str());
  }
  if (cli.filter) {
    ARROW_ASSIGN_OR_RAISE(auto expression, ParseFilter(*cli.filter));
    ARROW_ASSIGN_OR_RAISE(collection, collection.Filter(expression));
    if (collection.size() == 0) {
      return arrow::Status::Invalid("montage: no image matches the filter '", *cli.filter,
                                    "'");
    }
  }
  MontageOptions options;
  options.n = cli.n;
  options.by = cli.by;
  options.size = cli.size;
  options.columns = cli.columns;
  options.preview.t = cli.t;
  options.preview.z = cli.z;
  if (!cli.c.empty()) options.preview.c = cli.c;
  options.preview.low_percentile = cli.low;
  options.preview.high_percentile = cli.high;
  options.captions = !cli.no_captions;
  options.on_error = collection_options.on_error;
  ARROW_ASSIGN_OR_RAISE(Montage montage, RenderMontage(collection, options));
  for (const auto& failure : montage.failures) {
    std::fprintf(stderr, "omearrow: skipped %s\n", failure.message.c_str());
  }
  const RgbImage& picture = montage.picture;
  ARROW_ASSIGN_OR_RAISE(std::string png, EncodePng(picture));
  const std::string default_name = OutputStem(cli.sources.front()) + ".montage.png";
  return WritePngOutput(png, cli.output, default_name, picture.width, picture.height);
}

}  // namespace omearrow::cli
