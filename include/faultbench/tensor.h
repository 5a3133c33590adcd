// fp32 tensors in row-major (NCHW for activations) layout.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace faultbench {

using Shape = std::vector<int64_t>;

// Number of elements of a shape; 1 for the empty shape (a scalar).
int64_t numel(const Shape& shape);

// "[16, 3, 3, 3]": the notation used in every error message.
std::string shape_to_string(const Shape& shape);

// A dense fp32 tensor that owns its data. Plain value type: copying copies the data.
struct Tensor {
  Shape shape;
  std::vector<float> data;

  Tensor() = default;
  explicit Tensor(Shape s) : shape(std::move(s)), data(static_cast<size_t>(numel(shape)), 0.0f) {}
  Tensor(Shape s, std::vector<float> d) : shape(std::move(s)), data(std::move(d)) {}

  int64_t size() const { return static_cast<int64_t>(data.size()); }
  float* ptr() { return data.data(); }
  const float* ptr() const { return data.data(); }
};

// Per-image shape of an activation (a graph value, a dataset image): channels x height x
// width. Linear outputs are [K,1,1].
struct ValueShape {
  int c = 0, h = 0, w = 0;
  int64_t numel() const { return int64_t(c) * h * w; }
  bool operator==(const ValueShape&) const = default;
};

// True when both tensors have the same shape and every element has the same bit pattern
// (so NaN == NaN with the same payload, and +0 != -0).
bool bitwise_equal(const Tensor& a, const Tensor& b);

// Top-1 class of one image's logits: the index of the largest value, ties going to the
// lowest index, and a NaN counting as the largest (the first NaN wins), as torch.argmax
// and numpy.argmax do. This is the top-1 used by eval and by campaign classification.
int top1_index(const float* logits, int count);

}  // namespace faultbench
