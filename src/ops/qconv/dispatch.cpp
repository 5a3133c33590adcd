// The int8 conv's public entry points (faultbench/ops/qconv.h): each runs the active SIMD
// target's build of qconv_simd.cpp (docs/SIMD.md). A pack is laid out for the lane count of
// the target that made it.
#include <atomic>
#include <cstdint>

#include "faultbench/error.h"
#include "faultbench/ops/qconv.h"
#include "ops/simd/dispatch.h"

namespace faultbench::ops {

FAULTBENCH_SIMD_DECLARE(QConvPath, choose_qconv_path, (bool x_unsigned));
FAULTBENCH_SIMD_DECLARE(QConvPacked, qconv_pack, (const Conv2dShape& s, const int8_t* weight));
FAULTBENCH_SIMD_DECLARE(void, qconv_pack_set, (QConvPacked & pack, int64_t index, int8_t value));
FAULTBENCH_SIMD_DECLARE(QConvPath, qconv_optimized,
                        (const Conv2dShape& s, const float* x, const QConvPacked& pack, const QRequant& r, float* y,
                         ThreadPool* pool, bool x_unsigned, const uint64_t* needed, const float* const* fill));

const char* qconv_path_name(QConvPath p) {
  switch (p) {
    case QConvPath::None: return "none";
    case QConvPath::Scalar: return "scalar";
    case QConvPath::Avx2Madd16: return "avx2-vpmaddwd";
    case QConvPath::Avx2Maddubs: return "avx2-vpmaddubsw";
    case QConvPath::Avx512Madd16: return "avx512-vpmaddwd";
    case QConvPath::Avx512Maddubs: return "avx512-vpmaddubsw";
    case QConvPath::Avx512Vnni: return "avx512-vnni-vpdpbusd";
  }
  return "?";
}

namespace {
std::atomic<bool> g_vnni_allowed{true};
}  // namespace

bool qconv_vnni_usable() {
#if defined(__x86_64__) || defined(_M_X64)
  static const bool cpu = __builtin_cpu_supports("avx512vnni");
  return cpu && g_vnni_allowed.load(std::memory_order_relaxed);
#else
  return false;
#endif
}

void qconv_allow_vnni(bool allow) { g_vnni_allowed.store(allow, std::memory_order_relaxed); }

QConvPath choose_qconv_path(bool x_unsigned) { return FAULTBENCH_SIMD_CALL(choose_qconv_path)(x_unsigned); }

QConvPacked qconv_pack(const Conv2dShape& s, const int8_t* weight) {
  return FAULTBENCH_SIMD_CALL(qconv_pack)(s, weight);
}

void qconv_pack_set(QConvPacked& pack, int64_t index, int8_t value) {
  FAULTBENCH_SIMD_CALL(qconv_pack_set)(pack, index, value);
}

QConvPath qconv_optimized(const Conv2dShape& s, const float* x, const QConvPacked& pack, const QRequant& r, float* y,
                          ThreadPool* pool, bool x_unsigned, const uint64_t* needed, const float* const* fill) {
  if (needed && !fill) throw UsageError("qconv: a bitmap of needed positions comes without fill rows");
  return FAULTBENCH_SIMD_CALL(qconv_optimized)(s, x, pack, r, y, pool, x_unsigned, needed, fill);
}

}  // namespace faultbench::ops
