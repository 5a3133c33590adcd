// GTSRB test-set reader (format: see gtsrb.h).
#include "faultbench/data/gtsrb.h"

#include <fmt/format.h>

#include "faultbench/error.h"

namespace faultbench {

ImageSet read_gtsrb_test(const std::filesystem::path& data_dir, int64_t) {
  throw UsageError(fmt::format("{}: GTSRB reader not implemented yet", data_dir.string()));
}

}  // namespace faultbench
