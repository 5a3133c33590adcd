// Copying selected tensors out of their root storages (internal to src/io; see
// build_state_dict in torch_tensors.h).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "faultbench/io/state_dict.h"
#include "pickle.h"

namespace faultbench::io {

class StorageReader;

// One tensor to fill: sd.entries[entry].value (allocated, count elements) from the view
// `t` of storage `s`, whose elements end before root element `end` (checked by check_view).
struct GatherJob {
  size_t entry;
  const TensorRef* t;
  const StorageRef* s;
  int64_t count;
  int64_t end;
};

// Reads each root storage once, front to back, in chunks of a few MB, and only up to
// the last element a job needs, skipping the gaps between jobs: memory is the tensors
// plus one chunk, whatever the size the storage declares. A view that revisits its
// storage out of order (overlapping strides) is staged through a buffer of its span,
// refused when that span is far larger than the tensor.
void gather_tensors(const std::string& source, const std::vector<GatherJob>& jobs, StorageReader& storages,
                    StateDict& sd);

}  // namespace faultbench::io
