// The state of one suffix recomputation (one fault, one micro-batch of a golden chunk):
// the images still active, and a record per value the fault changed.
#pragma once
#include <cstdint>
#include <vector>

#include "buffers.h"
#include "ids.h"

namespace faultbench::campaign_detail {

// The images of a micro-batch still being recomputed, as chunk-local image indices in
// increasing order; lane j is the j-th of them (row j of every changed value's rows).
class ActiveImages {
 public:
  void reset(ChunkImage first, int count) {
    images_.resize(size_t(count));
    for (int j = 0; j < count; ++j) images_[size_t(j)] = ChunkImage(first.value() + j);
  }
  int size() const { return int(images_.size()); }
  bool empty() const { return images_.empty(); }
  IdRange<Lane> lanes() const { return ids<Lane>(images_.size()); }
  ChunkImage operator[](Lane j) const { return images_[j.index()]; }
  ChunkImage front() const { return images_.front(); }
  // Whether the images are consecutive: a golden value's rows can then be read in place.
  bool consecutive() const { return images_.back().value() - images_.front().value() + 1 == size(); }
  // Keeps the lanes `kept` (increasing): lane kept[i] becomes lane i.
  void keep(const std::vector<Lane>& kept) {
    for (size_t j = 0; j < kept.size(); ++j) images_[j] = images_[kept[j].index()];
    images_.resize(kept.size());
  }

 private:
  std::vector<ChunkImage> images_;
};

// What the recomputation knows of one value of the network. `rows` is set while the value
// is changed (computed for this fault) and still needed; the other fields describe those
// rows and are meaningful only while it is set.
struct ChangedValue {
  AlignedBuffer rows;            // [active, floats per image]: the faulty rows
  std::vector<uint8_t> differs;  // per lane: differs bitwise from golden
  int golden_channels = 0;       // leading channels golden in every active image
  // Per lane, a bitmap of the positions that may differ (position_masks.h), when
  // has_positions; mask_words(h * w) words each.
  std::vector<uint64_t> positions;
  bool has_positions = false;

  bool changed() const { return bool(rows); }
};

}  // namespace faultbench::campaign_detail
