// The golden (fault-free) outcome of every test image, filled by whichever pass computes
// it first: the brute-force golden pass (engine.cpp) or the fast mode's chunks.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "faultbench/campaign/classify.h"
#include "faultbench/data/dataset.h"
#include "faultbench/tensor.h"
#include "fast/ids.h"

namespace faultbench::campaign_detail {

class GoldenRecord {
 public:
  GoldenRecord(const ImageSet& images, int classes, std::string weights_name)
      : images_(images), k_(classes), weights_name_(std::move(weights_name)) {}

  // Logits [count, K] of images first.. as golden, for the images not known yet.
  void record(int64_t first, int64_t count, const float* logits);
  // Allocates the per-image arrays (nothing known yet); a no-op once done.
  void init();

  bool ready() const { return ready_; }  // every image's golden logits are known
  bool known(ImageIndex image) const { return known_[image.index()]; }
  const float* logits(ImageIndex image) const { return logits_.data() + image.value() * k_; }
  int top1(ImageIndex image) const { return top1_[image.index()]; }
  int label(ImageIndex image) const { return images_.labels[image.index()]; }
  // The image classified against itself: what a fault that masks it gets.
  const FaultCounts& self(ImageIndex image) const { return self_[image.index()]; }
  const FaultCounts& total() const { return total_; }
  const std::vector<float>& all_logits() const { return logits_; }  // [N, K]

 private:
  const ImageSet& images_;
  int k_;
  std::string weights_name_;
  bool ready_ = false;
  std::vector<uint8_t> known_;  // [N]
  int64_t known_count_ = 0;
  std::vector<float> logits_;      // [N, K]
  std::vector<int> top1_;          // [N]
  std::vector<FaultCounts> self_;  // [N]
  FaultCounts total_;
};

}  // namespace faultbench::campaign_detail
