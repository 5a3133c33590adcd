// Golden values of one chunk of images (fast mode): every stored value, [count, c, h, w]
// each; and the partial sums of the resume points: partials[step][i], [count, out_c, h,
// w], the sums over input channels [0, resume.by_step[step][i]).
#pragma once
#include <cstdint>
#include <vector>

#include "buffers.h"
#include "ids.h"

namespace faultbench::campaign_detail {

struct GoldenChunk {
  int64_t first = 0;  // first image of the chunk
  int count = 0;      // 0: nothing computed
  int resume_version = -1;
  IdVector<ValueId, AlignedBuffer> values;
  IdVector<StepId, std::vector<AlignedBuffer>> partials;

  // The test-set image of chunk image i.
  ImageIndex image(ChunkImage i) const { return ImageIndex(first + i.value()); }
};

}  // namespace faultbench::campaign_detail
