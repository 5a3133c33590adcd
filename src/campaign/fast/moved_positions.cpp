#include "moved_positions.h"

#include <algorithm>

#include "../position_masks.h"
#include "faultbench/error.h"

namespace faultbench::campaign_detail {

bool moves_positions(OpKind kind) {
  switch (kind) {
    case OpKind::Unary:
    case OpKind::Binary:
    case OpKind::Pad:
    case OpKind::Slice:
    case OpKind::Resize:
    case OpKind::Transpose:
    case OpKind::Softmax:
    case OpKind::Reshape: return true;
    default: return false;
  }
}

namespace {
bool test(const uint64_t* m, int64_t p) { return (m[p / 64] >> (p % 64)) & 1u; }
void set(uint64_t* m, int64_t p) { m[p / 64] |= uint64_t(1) << (p % 64); }
}  // namespace

void or_input_positions(const Graph& g, const Node& n, size_t k, const uint64_t* in, uint64_t* out) {
  const ValueShape& is = g.values[size_t(n.inputs.at(k))];
  const ValueShape& os = g.values[size_t(n.output)];
  const int64_t in_pos = int64_t(is.h) * is.w, out_pos = int64_t(os.h) * os.w;
  auto read = [&](int h, int w) { return in == nullptr || test(in, int64_t(h) * is.w + w); };
  // Output (oh, ow) reads input position source(oh, ow) (false: none, a constant).
  auto map = [&](auto source) {
    for (int oh = 0; oh < os.h; ++oh)
      for (int ow = 0; ow < os.w; ++ow) {
        int ih = 0, iw = 0;
        if (source(oh, ow, ih, iw) && read(ih, iw)) set(out, int64_t(oh) * os.w + ow);
      }
  };
  // Any set input position may reach every output position.
  auto widen = [&] {
    bool any = in == nullptr;
    for (int64_t i = 0; i < mask_words(in_pos) && !any; ++i) any = in[i] != 0;
    if (any)
      for (int64_t p = 0; p < out_pos; ++p) set(out, p);
  };
  switch (n.kind) {
    case OpKind::Unary:
    case OpKind::Binary:  // operand axes of size 1 are repeated
      return map([&](int oh, int ow, int& ih, int& iw) {
        ih = is.h == 1 ? 0 : oh;
        iw = is.w == 1 ? 0 : ow;
        return true;
      });
    case OpKind::Pad: {
      const auto& a = std::get<PadAttrs>(n.attrs);
      return map([&](int oh, int ow, int& ih, int& iw) {
        ih = oh - a.h0;
        iw = ow - a.w0;
        return ih >= 0 && ih < is.h && iw >= 0 && iw < is.w;
      });
    }
    case OpKind::Slice: {
      const auto& a = std::get<SliceAttrs>(n.attrs);
      return map([&](int oh, int ow, int& ih, int& iw) {
        ih = a.h.start + oh * a.h.step;
        iw = a.w.start + ow * a.w.step;
        return true;
      });
    }
    case OpKind::Resize: {
      const auto& a = std::get<ResizeAttrs>(n.attrs);
      return map([&](int oh, int ow, int& ih, int& iw) {
        ih = oh / a.scale_h;
        iw = ow / a.scale_w;
        return true;
      });
    }
    case OpKind::Transpose: {
      const auto& perm = std::get<TransposeAttrs>(n.attrs).perm;
      if (perm[0] != 0) return widen();  // channels become positions
      return map([&](int oh, int ow, int& ih, int& iw) {
        ih = perm[1] == 1 ? oh : ow;
        iw = perm[1] == 1 ? ow : oh;
        return true;
      });
    }
    case OpKind::Reshape:  // the same flat order: a position stays a position when h * w is kept
      if (in_pos != out_pos) return widen();
      return map([&](int oh, int ow, int& ih, int& iw) {
        const int64_t p = int64_t(oh) * os.w + ow;
        ih = int(p / is.w);
        iw = int(p % is.w);
        return true;
      });
    case OpKind::Softmax: return widen();
    default: throw_internal(__FILE__, __LINE__, "or_input_positions: not an operator of imported graphs");
  }
}

}  // namespace faultbench::campaign_detail
