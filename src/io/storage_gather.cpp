#include "storage_gather.h"

#include <algorithm>
#include <cstring>
#include <string_view>
#include <unordered_map>

#include <fmt/format.h>

#include "faultbench/error.h"
#include "torch_tensors.h"

namespace faultbench::io {
namespace {

constexpr uint64_t kChunkBytes = uint64_t(4) << 20;

// Fills one tensor from the chunks of its root storage as they stream by.
//
// Walked with its dimensions sorted by storage stride (outermost first), a view whose
// every stride is at least the reach of the dimensions inside it (any slice, transpose or
// expand of a contiguous tensor) visits storage elements in non-decreasing order, so it
// is copied straight from the chunks. Other views are staged in a buffer of their span.
class Walker {
 public:
  Walker(const GatherJob& job, float* out, FloatLoader load, int itemsize, const std::string& where)
      : t_(*job.t), out_(out), load_(load), isz_(itemsize), left_(job.count) {
    const int64_t base = job.s->offset + t_.offset;
    Shape ostride(t_.size.size(), 1);
    for (size_t d = t_.size.size(); d-- > 1;) ostride[d - 1] = ostride[d] * t_.size[d];
    for (size_t d = 0; d < t_.size.size(); ++d)
      if (t_.size[d] > 1) dims_.push_back({t_.size[d], t_.stride[d], ostride[d]});
    std::stable_sort(dims_.begin(), dims_.end(), [](const Dim& a, const Dim& b) { return a.stride > b.stride; });
    int64_t inner_reach = 0;  // cannot overflow: check_view bounded the sum of the reaches
    for (size_t k = dims_.size(); k-- > 0;) {
      if (dims_[k].stride < inner_reach) staged_ = true;
      inner_reach += (dims_[k].size - 1) * dims_[k].stride;
    }
    idx_.assign(dims_.size(), 0);
    cur_ = lo_ = base;
    hi_ = job.end;
    if (staged_ && hi_ - lo_ > 4 * job.count + 4096)
      throw FormatError(
          fmt::format("{}: tensor (offset {}, shape {}, stride {}) revisits its storage out of order "
                      "across {} elements for {} values (not supported)",
                      where, t_.offset, shape_to_string(t_.size), shape_to_string(t_.stride), hi_ - lo_, job.count));
  }

  // The root element this tensor needs next; INT64_MAX once it is complete.
  int64_t next() const {
    if (left_ == 0) return INT64_MAX;
    return staged_ ? lo_ + filled_ : cur_;
  }

  // Takes what it needs of root elements [c, end), held by `chunk`; c <= next().
  void consume(int64_t c, int64_t end, const uint8_t* chunk) {
    if (left_ == 0) return;
    if (staged_) {
      const int64_t from = std::max(c, lo_ + filled_), to = std::min(end, hi_);
      if (to <= from) return;
      if (stage_.empty()) stage_.resize(size_t(hi_ - lo_) * size_t(isz_));
      std::memcpy(stage_.data() + size_t(from - lo_) * size_t(isz_), chunk + size_t(from - c) * size_t(isz_),
                  size_t(to - from) * size_t(isz_));
      filled_ = to - lo_;
      if (lo_ + filled_ == hi_) copy_staged();
      return;
    }
    while (cur_ < end) {
      out_[pos_] = load_(chunk + size_t(cur_ - c) * size_t(isz_));
      if (--left_ == 0) return;
      for (size_t k = dims_.size(); k-- > 0;) {  // next element in storage order
        const Dim& d = dims_[k];
        cur_ += d.stride;
        pos_ += d.ostride;
        if (++idx_[k] < d.size) break;
        cur_ -= d.stride * d.size;
        pos_ -= d.ostride * d.size;
        idx_[k] = 0;
      }
    }
  }

 private:
  struct Dim {
    int64_t size, stride, ostride;  // ostride: the dimension's stride in the row-major output
  };

  // The whole span is staged: walk the output in row-major order.
  void copy_staged() {
    const size_t rank = t_.size.size();
    std::vector<int64_t> idx(rank, 0);
    int64_t elem = 0;
    for (int64_t n = 0; left_ > 0; ++n, --left_) {
      out_[n] = load_(stage_.data() + size_t(elem) * size_t(isz_));
      for (size_t d = rank; d-- > 0;) {
        elem += t_.stride[d];
        if (++idx[d] < t_.size[d]) break;
        elem -= t_.stride[d] * t_.size[d];
        idx[d] = 0;
      }
    }
    std::vector<uint8_t>().swap(stage_);
  }

  const TensorRef& t_;
  float* out_;
  FloatLoader load_;
  int64_t isz_;
  int64_t left_;
  std::vector<Dim> dims_;
  std::vector<int64_t> idx_;
  int64_t cur_ = 0, pos_ = 0;  // storage element and output index of the next element
  bool staged_ = false;
  int64_t lo_ = 0, hi_ = 0, filled_ = 0;
  std::vector<uint8_t> stage_;
};

}  // namespace

void gather_tensors(const std::string& source, const std::vector<GatherJob>& jobs, StorageReader& storages,
                    StateDict& sd) {
  // Jobs by root storage, storages in order of first use.
  std::vector<std::vector<size_t>> groups;
  std::unordered_map<std::string_view, size_t> group_of;
  for (size_t j = 0; j < jobs.size(); ++j) {
    auto [it, inserted] = group_of.try_emplace(jobs[j].s->key, groups.size());
    if (inserted) groups.emplace_back();
    groups[it->second].push_back(j);
  }
  std::vector<uint8_t> chunk;
  for (const std::vector<size_t>& group : groups) {
    const StorageRef& root = *jobs[group[0]].s;  // same key: same dtype and root size
    const int isz = root.dtype.itemsize;
    const FloatLoader load = float_loader(root.dtype.name);
    std::vector<Walker> walkers;
    walkers.reserve(group.size());
    int64_t end = 0;
    for (size_t j : group) {
      StateDictEntry& e = sd.entries[jobs[j].entry];
      walkers.emplace_back(jobs[j], e.value.data.data(), load, isz,
                           fmt::format("{}: state_dict key '{}'", source, e.key));
      end = std::max(end, jobs[j].end);
    }
    const int64_t chunk_elems = std::max<int64_t>(1, int64_t(kChunkBytes) / isz);
    const std::unique_ptr<StorageStream> stream = storages.open(root);
    for (;;) {
      int64_t c = INT64_MAX;
      for (const Walker& w : walkers) c = std::min(c, w.next());
      if (c == INT64_MAX) break;
      const int64_t stop = std::min(end, c + chunk_elems);
      chunk.resize(size_t(stop - c) * size_t(isz));
      stream->read(uint64_t(c) * uint64_t(isz), chunk.data(), chunk.size());
      for (Walker& w : walkers) w.consume(c, stop, chunk.data());
    }
    stream->finish();
  }
}

}  // namespace faultbench::io
