// Broadcast arithmetic (ops/binary.h). Each output element is one IEEE operation on its
// two operands, so the reference loop and the pool-split one give the same bits; the
// inner loop runs along w with fixed operand steps (0 or 1), which the compiler may
// vectorize without changing any result.
#include "faultbench/ops/binary.h"

#include <string>

namespace faultbench::ops {

const char* binary_fn_name(BinaryFn fn) {
  switch (fn) {
    case BinaryFn::Add: return "Add";
    case BinaryFn::Sub: return "Sub";
    case BinaryFn::Mul: return "Mul";
    case BinaryFn::Div: return "Div";
  }
  return "unknown";
}

void validate_binary(BinaryFn fn, const BinaryShape& s) {
  const std::string op = std::string("binary (") + binary_fn_name(fn) + ")";
  if (fn != BinaryFn::Add && fn != BinaryFn::Sub && fn != BinaryFn::Mul && fn != BinaryFn::Div)
    shape_error("binary", "unknown function " + std::to_string(int(fn)));
  if (s.batch < 0) shape_error(op.c_str(), "batch must be >= 0, got " + std::to_string(s.batch));
  if (s.c <= 0 || s.h <= 0 || s.w <= 0) shape_error(op.c_str(), "output channels/height/width must be positive");
  const char* names[2] = {"first", "second"};
  const BroadcastOperand* ops[2] = {&s.a, &s.b};
  for (int k = 0; k < 2; ++k) {
    const BroadcastOperand& o = *ops[k];
    auto fits = [](int size, int out) { return size == out || size == 1; };
    if (!fits(o.c, s.c) || !fits(o.h, s.h) || !fits(o.w, s.w))
      shape_error(op.c_str(), std::string(names[k]) + " operand [" + std::to_string(o.c) + ", " + std::to_string(o.h) +
                                  ", " + std::to_string(o.w) + "] does not broadcast to [" + std::to_string(s.c) +
                                  ", " + std::to_string(s.h) + ", " + std::to_string(s.w) +
                                  "] (each axis must equal the output's or be 1)");
  }
}

namespace {

template <BinaryFn F>
inline float apply(float a, float b) {
  if constexpr (F == BinaryFn::Add) return a + b;
  if constexpr (F == BinaryFn::Sub) return a - b;
  if constexpr (F == BinaryFn::Mul) return a * b;
  if constexpr (F == BinaryFn::Div) return a / b;
}

// Offset of operand o's element for output (n, c, h, 0), and its step along w.
struct Cursor {
  const BroadcastOperand& o;
  int64_t at(int n, int c, int h) const {
    const int64_t per_image = int64_t(o.c) * o.h * o.w;
    return (o.batched ? n * per_image : 0) + (int64_t(o.c == 1 ? 0 : c) * o.h + (o.h == 1 ? 0 : h)) * o.w;
  }
  int64_t step() const { return o.w == 1 ? 0 : 1; }
};

template <BinaryFn F>
void planes(const BinaryShape& s, const float* a, const float* b, float* y, int64_t first, int64_t last) {
  const Cursor ca{s.a}, cb{s.b};
  const int64_t sa = ca.step(), sb = cb.step();
  for (int64_t p = first; p < last; ++p) {  // p = n * C + c
    const int n = int(p / s.c), c = int(p % s.c);
    for (int h = 0; h < s.h; ++h) {
      const float* ar = a + ca.at(n, c, h);
      const float* br = b + cb.at(n, c, h);
      float* yr = y + (p * s.h + h) * s.w;
      if (sa == 1 && sb == 1)
        for (int w = 0; w < s.w; ++w) yr[w] = apply<F>(ar[w], br[w]);
      else if (sa == 1)
        for (int w = 0; w < s.w; ++w) yr[w] = apply<F>(ar[w], br[0]);
      else if (sb == 1)
        for (int w = 0; w < s.w; ++w) yr[w] = apply<F>(ar[0], br[w]);
      else
        for (int w = 0; w < s.w; ++w) yr[w] = apply<F>(ar[0], br[0]);
    }
  }
}

void run(BinaryFn fn, const BinaryShape& s, const float* a, const float* b, float* y, int64_t first, int64_t last) {
  switch (fn) {
    case BinaryFn::Add: return planes<BinaryFn::Add>(s, a, b, y, first, last);
    case BinaryFn::Sub: return planes<BinaryFn::Sub>(s, a, b, y, first, last);
    case BinaryFn::Mul: return planes<BinaryFn::Mul>(s, a, b, y, first, last);
    case BinaryFn::Div: return planes<BinaryFn::Div>(s, a, b, y, first, last);
  }
}

}  // namespace

void binary_reference(BinaryFn fn, const BinaryShape& s, const float* a, const float* b, float* y) {
  validate_binary(fn, s);
  run(fn, s, a, b, y, 0, int64_t(s.batch) * s.c);
}

void binary_optimized(BinaryFn fn, const BinaryShape& s, const float* a, const float* b, float* y, ThreadPool* pool) {
  validate_binary(fn, s);
  parallel_range(pool, int64_t(s.batch) * s.c,
                 [&](long long first, long long last) { run(fn, s, a, b, y, first, last); });
}

}  // namespace faultbench::ops
