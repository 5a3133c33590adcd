#include "faultbench/tensor.h"

#include <cmath>
#include <cstring>

#include "faultbench/error.h"

namespace faultbench {

int64_t numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string shape_to_string(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

bool bitwise_equal(const Tensor& a, const Tensor& b) {
  return a.shape == b.shape && a.data.size() == b.data.size() &&
         (a.data.empty() || std::memcmp(a.data.data(), b.data.data(), a.data.size() * sizeof(float)) == 0);
}

int top1_index(const float* logits, int count) {
  int best = 0;
  for (int i = 0; i < count; ++i) {
    if (std::isnan(logits[i])) return i;
    if (logits[i] > logits[best]) best = i;
  }
  return best;
}

[[noreturn]] void throw_internal(const char* file, int line, const std::string& what) {
  throw Error(std::string("internal error at ") + file + ":" + std::to_string(line) + ": " + what);
}

}  // namespace faultbench
