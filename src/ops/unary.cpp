// Unary activations (ops/unary.h): one scalar element function shared by both kernels, so
// that no SIMD target can change a bit (docs/DETERMINISM.md, "Unary activations").
#include "faultbench/ops/unary.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace faultbench::ops {

const char* unary_fn_name(UnaryFn fn) {
  switch (fn) {
    case UnaryFn::LeakyRelu: return "LeakyRelu";
    case UnaryFn::Clip: return "Clip";
    case UnaryFn::Sigmoid: return "Sigmoid";
    case UnaryFn::HardSigmoid: return "HardSigmoid";
    case UnaryFn::HardSwish: return "HardSwish";
    case UnaryFn::Tanh: return "Tanh";
  }
  return "unknown";
}

void validate_unary(const UnaryParams& p) {
  const std::string op = std::string("unary (") + unary_fn_name(p.fn) + ")";
  switch (p.fn) {
    case UnaryFn::LeakyRelu:
      if (std::isnan(p.alpha)) shape_error(op.c_str(), "alpha is NaN");
      break;
    case UnaryFn::Clip:
      if (std::isnan(p.lo) || std::isnan(p.hi)) shape_error(op.c_str(), "a bound is NaN");
      break;
    case UnaryFn::HardSigmoid:
      if (std::isnan(p.alpha) || std::isnan(p.beta)) shape_error(op.c_str(), "alpha or beta is NaN");
      break;
    case UnaryFn::Sigmoid:
    case UnaryFn::HardSwish:
    case UnaryFn::Tanh: break;
    default: shape_error("unary", "unknown function " + std::to_string(int(p.fn)));
  }
}

namespace {
// std::max / std::min as PyTorch's scalar and vector clamp behave: the first operand is
// returned unless the bound is strictly beyond it (NaN and -0.0 pass through).
inline float at_least(float x, float lo) { return x < lo ? lo : x; }
inline float at_most(float x, float hi) { return hi < x ? hi : x; }
}  // namespace

float unary_apply(const UnaryParams& p, float x) {
  switch (p.fn) {
    case UnaryFn::LeakyRelu: return x > 0.0f ? x : x * p.alpha;
    case UnaryFn::Clip: return at_most(at_least(x, p.lo), p.hi);
    case UnaryFn::Sigmoid: return 1.0f / (1.0f + std::exp(-x));
    case UnaryFn::HardSigmoid: {
      const float v = p.alpha * x + p.beta;  // -ffp-contract=off: a multiply, then an add
      return at_most(at_least(v, 0.0f), 1.0f);
    }
    case UnaryFn::HardSwish: return x * at_most(at_least(x + 3.0f, 0.0f), 6.0f) / 6.0f;
    case UnaryFn::Tanh: return std::tanh(x);
  }
  return x;
}

namespace {
template <UnaryFn F>
void apply_all(const UnaryParams& p, int64_t b, int64_t e, const float* x, float* y) {
  UnaryParams q = p;
  q.fn = F;  // a constant: the switch folds away inside the loop
  for (int64_t i = b; i < e; ++i) y[i] = unary_apply(q, x[i]);
}

void apply_range(const UnaryParams& p, int64_t b, int64_t e, const float* x, float* y) {
  switch (p.fn) {
    case UnaryFn::LeakyRelu: return apply_all<UnaryFn::LeakyRelu>(p, b, e, x, y);
    case UnaryFn::Clip: return apply_all<UnaryFn::Clip>(p, b, e, x, y);
    case UnaryFn::Sigmoid: return apply_all<UnaryFn::Sigmoid>(p, b, e, x, y);
    case UnaryFn::HardSigmoid: return apply_all<UnaryFn::HardSigmoid>(p, b, e, x, y);
    case UnaryFn::HardSwish: return apply_all<UnaryFn::HardSwish>(p, b, e, x, y);
    case UnaryFn::Tanh: return apply_all<UnaryFn::Tanh>(p, b, e, x, y);
  }
}
}  // namespace

void unary_reference(const UnaryParams& p, int64_t count, const float* x, float* y) {
  validate_unary(p);
  if (count < 0) shape_error("unary", "element count must be >= 0");
  for (int64_t i = 0; i < count; ++i) y[i] = unary_apply(p, x[i]);
}

void unary_optimized(const UnaryParams& p, int64_t count, const float* x, float* y, ThreadPool* pool) {
  validate_unary(p);
  if (count < 0) shape_error("unary", "element count must be >= 0");
  constexpr int64_t kBlock = 4096;  // floats per parallel task
  parallel_range(pool, (count + kBlock - 1) / kBlock, [&](long long b, long long e) {
    apply_range(p, b * kBlock, std::min<int64_t>(count, e * kBlock), x, y);
  });
}

}  // namespace faultbench::ops
