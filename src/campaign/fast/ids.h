// Typed indices of the fast mode. Values, steps, lanes of a micro-batch, images of a
// golden chunk and images of the test set are all small integers; each gets its own type
// so that indexing one space with another's id (a lane for a chunk image, a value for a
// step) fails to compile. No implicit conversion either way: ids are made with an explicit
// constructor where the executor's plain ints (ExecStep) enter, and read with value() or
// index() where they leave.
#pragma once
#include <compare>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace faultbench::campaign_detail {

template <class Tag, class Rep = int>
class StrongId {
 public:
  constexpr StrongId() = default;  // -1: none
  constexpr explicit StrongId(Rep v) : v_(v) {}
  constexpr Rep value() const { return v_; }
  constexpr size_t index() const { return size_t(v_); }
  constexpr bool valid() const { return v_ >= 0; }
  constexpr auto operator<=>(const StrongId&) const = default;
  constexpr StrongId& operator++() {
    ++v_;
    return *this;
  }

 private:
  Rep v_ = -1;
};

using ValueId = StrongId<struct ValueTag>;              // Graph::values
using StepId = StrongId<struct StepTag>;                // the executor's schedule (ExecStep)
using Lane = StrongId<struct LaneTag>;                  // an active image's row in a micro-batch
using ChunkImage = StrongId<struct ChunkImageTag>;      // an image of the golden chunk
using ImageIndex = StrongId<struct ImageTag, int64_t>;  // an image of the test set

// A vector indexed by one id type only.
template <class Id, class T>
class IdVector {
 public:
  T& operator[](Id id) { return v_[id.index()]; }
  const T& operator[](Id id) const { return v_[id.index()]; }
  void resize(size_t n) { v_.resize(n); }
  void assign(size_t n, const T& x) { v_.assign(n, x); }
  size_t size() const { return v_.size(); }
  bool empty() const { return v_.empty(); }
  auto begin() { return v_.begin(); }
  auto end() { return v_.end(); }
  auto begin() const { return v_.begin(); }
  auto end() const { return v_.end(); }

 private:
  std::vector<T> v_;
};

// Every id of a space of `n`, in order: for (StepId s : ids<StepId>(n)).
template <class Id>
struct IdRange {
  struct It {
    Id id;
    Id operator*() const { return id; }
    It& operator++() {
      ++id;
      return *this;
    }
    bool operator!=(const It& o) const { return id != o.id; }
  };
  Id first, last;
  It begin() const { return {first}; }
  It end() const { return {last}; }
};
template <class Id>
IdRange<Id> ids(size_t n) {
  using Rep = decltype(Id().value());
  return {Id(0), Id(Rep(n))};
}

}  // namespace faultbench::campaign_detail
