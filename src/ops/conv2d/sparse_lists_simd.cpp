// Which reduction steps of each 4-position block are live (at least one input non-zero),
// for the zero-skipping conv kernel (sparse.cpp). Listing must cost far less than
// the fmas it saves: a ResNet20 8x8 layer has 576 steps x 16 blocks per image.
//
// Row-mask method (AVX-512BW; blocks inside output rows, rows of at most 64 floats):
// the input's rows are turned into byte masks with a power-of-two row stride RS (16, 32
// or 64 bytes), so that one unaligned 64-byte load at step k's (row, column) holds, in
// each dword, the 4 mask bytes of one block of 64/RS consecutive output rows. A
// dword test gives 16 block bits per load: T[load][k]. Each block's list is then cut
// from T with one 16-bit test and two compresses per 32 steps.
// Generic method (any shape, any build): per block and step, the OR of the 4 mask bytes.
// AVX2, generic method with blocks inside rows (out_w % 4 == 0): a block's 4 mask bytes
// are one dword, and a row's blocks are consecutive dwords, so one 32-byte load at step
// k tests 8 blocks (cmpeq + movemask): a byte per (row, 8 blocks, step), built per row on
// its first list. A block's list is cut from 32 steps' bytes at a time with pdep/pext.
#include <algorithm>
#include <cstring>
#include "faultbench/ops/conv2d.h"
#include "faultbench/util/parallel.h"
#include "layout.h"

#include "ops/simd/begin_target.h"
#include "internal.h"

namespace faultbench::ops::FAULTBENCH_SIMD_NS::detail {

namespace {
constexpr int kSlack = 128;  // zero bytes past each mask buffer: whole-vector reads

[[maybe_unused]] int64_t round_up(int64_t v, int64_t m) { return (v + m - 1) / m * m; }
}  // namespace

void StepLists::prepare(const Conv2dShape& s, const Conv2dLayout& pk, const float* ph, int64_t rows) {
  s_ = s;
  pk_ = &pk;
  ph_ = ph;
  [[maybe_unused]] const int bw = SparseBlock::kPositions;
  rowmask_ = false;
#if defined(FAULTBENCH_SIMD_TARGET_AVX512)
  rowmask_ = s.out_w % bw == 0 && pk.wq <= 64;
#endif
  if (!rowmask_) {
    prepare_generic(rows);
    return;
  }
#if defined(FAULTBENCH_SIMD_TARGET_AVX512)
  rs_ = pk.sparse_row_bytes;
  rows_per_load_ = 64 / rs_;
  loads_ = (s.out_h + rows_per_load_ - 1) / rows_per_load_;
  kpad_ = round_up(pk.k, 32);
  // Byte masks of the rows, RS bytes apart; a row's bytes past wq are 0.
  masks_.resize(size_t(rows * rs_ + 64 + kSlack));
  uint8_t* m = masks_.data();
  const int wq = pk.wq;
  int64_t r = 0;
#if defined(FAULTBENCH_SIMD_TARGET_AVX512)
  if (wq <= 8) {
    // Narrow rows (DenseNet's 4x4 maps, padded 2x2 ones): the rows are contiguous, so one
    // load tests `per` whole rows, whose wq bits each are then spread RS bytes apart.
    const int per = std::min(16 / wq, rows_per_load_);
    uint64_t spread = 0;
    for (int i = 0; i < per; ++i) spread |= ((uint64_t(1) << wq) - 1) << (i * rs_);
    const __mmask16 lanes = __mmask16((1u << (per * wq)) - 1u);
    for (; r + per <= rows; r += per) {
      const __m512 v = _mm512_maskz_loadu_ps(lanes, ph + r * wq);
      const uint64_t bits = _pdep_u64(_mm512_mask_cmp_ps_mask(lanes, v, _mm512_setzero_ps(), _CMP_NEQ_UQ), spread);
      _mm512_storeu_si512(m + r * rs_, _mm512_movm_epi8(bits));  // the next rows overwrite the excess
    }
  }
#endif
#if defined(FAULTBENCH_SIMD_TARGET_AVX512)
  if (rs_ == 16)  // rows of 9 to 16 floats (ResNet20's padded 8x8 maps): one load and a 16-byte store each
    for (; r < rows; ++r) {
      const __mmask16 lanes = __mmask16((1u << wq) - 1u);
      const __m512 v = _mm512_maskz_loadu_ps(lanes, ph + r * wq);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(m + r * rs_),
                       _mm_movm_epi8(_mm512_mask_cmp_ps_mask(lanes, v, _mm512_setzero_ps(), _CMP_NEQ_UQ)));
    }
#endif
  for (; r < rows; ++r) {
    const float* row = ph + r * wq;
    uint64_t bits = 0;
    for (int c0 = 0; c0 < wq; c0 += 16) {
      const __mmask16 lanes = __mmask16(wq - c0 >= 16 ? 0xFFFFu : (1u << (wq - c0)) - 1u);
      const __m512 v = _mm512_maskz_loadu_ps(lanes, row + c0);
      bits |= uint64_t(_mm512_mask_cmp_ps_mask(lanes, v, _mm512_setzero_ps(), _CMP_NEQ_UQ)) << c0;  // NaN != 0
    }
    _mm512_storeu_si512(m + r * rs_, _mm512_movm_epi8(bits));  // the next rows overwrite the excess
  }
  std::memset(m + rows * rs_, 0, size_t(64 + kSlack));
  // Dwords of a load that are blocks: row i < rows_per_load_ (and < out_h), block j < out_w / 4.
  const int per_row = rs_ / 4, blocks_per_row = s.out_w / bw;
  valid_.assign(size_t(loads_), 0);
  for (int l = 0; l < loads_; ++l)
    for (int i = 0; i < rows_per_load_ && l * rows_per_load_ + i < s.out_h; ++i)
      for (int j = 0; j < blocks_per_row; ++j) valid_[size_t(l)] |= uint16_t(1u << (i * per_row + j));
  // T[l][k]: bit d set if block d of load l has a non-zero input at step k.
  table_.assign(size_t(loads_ * kpad_), 0);
  const int32_t* taps = pk.sparse_mask_offsets.data();
  int64_t live = 0;
  for (int k = 0; k < pk.k; ++k) {
    const uint8_t* at = m + taps[k];
    for (int l = 0; l < loads_; ++l) {
      const __m512i v = _mm512_loadu_si512(at + int64_t(l) * rows_per_load_ * rs_);
      const __mmask16 bits = _mm512_mask_test_epi32_mask(__mmask16(valid_[size_t(l)]), v, v);
      table_[size_t(l * kpad_ + k)] = uint16_t(bits);
      live += __builtin_popcount(unsigned(bits));
    }
  }
  order_.clear();
  for (int l = 0; l < loads_; ++l)
    for (int d = 0; d < 16; ++d)
      if (valid_[size_t(l)] >> d & 1u) order_.push_back(l * 16 + d);
  live_fraction_ = double(live) / (double(order_.size()) * pk.k);
#endif
}

void StepLists::prepare_generic(int64_t rows) {
  live_fraction_ = -1;
  const int64_t floats = rows * pk_->wq;
  masks_.resize(size_t(floats + kSlack));
  uint8_t* m = masks_.data();
  int64_t i = 0;
  chunks_ = 0;
#if defined(FAULTBENCH_SIMD_TARGET_AVX2)
  // 8 floats at a time: compare (NaN != 0, -0 == 0), movemask, pdep the bits to 0/1 bytes.
  for (; i + 8 <= floats; i += 8) {
    const __m256 v = _mm256_loadu_ps(ph_ + i);
    const unsigned bits = unsigned(_mm256_movemask_ps(_mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_NEQ_UQ)));
    const uint64_t bytes = _pdep_u64(bits, 0x0101010101010101ull);
    std::memcpy(m + i, &bytes, 8);
  }
  if (s_.out_w % SparseBlock::kPositions == 0) {
    chunks_ = (s_.out_w / SparseBlock::kPositions + 7) / 8;
    kpad_ = int(round_up(pk_->k, 32));
    row_table_.resize(size_t(s_.out_h) * chunks_ * kpad_);
    row_ready_.assign(size_t(s_.out_h), 0);
  }
#endif
  for (; i < floats; ++i) m[i] = ph_[i] != 0.0f;  // NaN != 0
  std::memset(m + floats, 0, kSlack);
  const int P = s_.out_h * s_.out_w;
  order_.clear();
  for (int b = 0; b < (P + SparseBlock::kPositions - 1) / SparseBlock::kPositions; ++b) order_.push_back(b);
}

void StepLists::build_row_table([[maybe_unused]] int oh) const {
#if defined(FAULTBENCH_SIMD_TARGET_AVX2)
  // Reads 32 bytes from a row's block at each step: at most 28 past a byte the generic
  // loop reads, inside the kSlack zero bytes.
  const int K = pk_->k;
  const int32_t* offs = pk_->offsets.data();
  for (int c = 0; c < chunks_; ++c) {
    const uint8_t* base = masks_.data() + int64_t(oh) * pk_->wq + 32 * c;
    uint8_t* t = row_table_.data() + (int64_t(oh) * chunks_ + c) * kpad_;
    for (int k = 0; k < K; ++k) {
      const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(base + offs[k]));
      const int dead = _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(v, _mm256_setzero_si256())));
      t[k] = uint8_t(~dead);
    }
    std::memset(t + K, 0, size_t(kpad_ - K));
  }
  row_ready_[size_t(oh)] = 1;
#endif
}

void StepLists::positions(int index, SparseBlock* blk) const {
  [[maybe_unused]] const int bw = SparseBlock::kPositions;
  const int64_t wq = pk_->wq;
  if (rowmask_) {
    const int l = order_[size_t(index)] / 16, d = order_[size_t(index)] % 16;
    const int oh = l * rows_per_load_ + d / (rs_ / 4), ow0 = d % (rs_ / 4) * bw;
    for (int j = 0; j < bw; ++j) blk->q[j] = oh * wq + ow0 + j;
    blk->p0 = oh * s_.out_w + ow0;
    blk->count = bw;
    return;
  }
  // Generic: positions index*4 .. +3 of the output map, the last repeated past the end.
  const int P = s_.out_h * s_.out_w;
  blk->p0 = order_[size_t(index)] * bw;
  blk->count = std::min(bw, P - blk->p0);
  for (int j = 0; j < bw; ++j) {
    const int p = std::min(blk->p0 + j, P - 1);
    blk->q[j] = int64_t(p / s_.out_w) * wq + p % s_.out_w;
  }
}

int StepLists::list(int index, SparseBlock* blk, int32_t* list) const {
  const int K = pk_->k;
  int n = 0;
  positions(index, blk);
  if (rowmask_) {
#if defined(FAULTBENCH_SIMD_TARGET_AVX512)
    const int l = order_[size_t(index)] / 16, d = order_[size_t(index)] % 16;
    const __m512i bit = _mm512_set1_epi16(short(1u << d));
    const uint16_t* t = table_.data() + int64_t(l) * kpad_;
    __m512i ks = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m512i sixteen = _mm512_set1_epi32(16);
    for (int k = 0; k < kpad_; k += 32) {
      const __mmask32 live = _mm512_test_epi16_mask(_mm512_loadu_si512(t + k), bit);
      const __mmask16 lo = __mmask16(live), hi = __mmask16(live >> 16);
      _mm512_storeu_si512(list + n, _mm512_maskz_compress_epi32(lo, ks));
      n += __builtin_popcount(unsigned(lo));
      ks = _mm512_add_epi32(ks, sixteen);
      _mm512_storeu_si512(list + n, _mm512_maskz_compress_epi32(hi, ks));
      n += __builtin_popcount(unsigned(hi));
      ks = _mm512_add_epi32(ks, sixteen);
    }
#endif
    return n;
  }
#if defined(FAULTBENCH_SIMD_TARGET_AVX2)
  if (chunks_ > 0) {
    const int per_row = s_.out_w / SparseBlock::kPositions, b = order_[size_t(index)];
    const int oh = b / per_row, j = b % per_row;
    if (!row_ready_[size_t(oh)]) build_row_table(oh);
    const uint8_t* t = row_table_.data() + (int64_t(oh) * chunks_ + j / 8) * kpad_;
    const __m256i bit = _mm256_set1_epi8(char(1u << (j % 8)));
    for (int k = 0; k < kpad_; k += 32) {
      const __m256i v = _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(t + k)), bit);
      const uint32_t live = uint32_t(_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, bit)));
      // Per 8 steps: pext keeps the live ones of the byte indices 0..7, in order; widened,
      // plus the first step's number, they are the list's next entries (room: k + 32).
      for (int e = 0; e < 32; e += 8) {
        const uint32_t live8 = live >> e & 0xFFu;
        const uint64_t keep = _pdep_u64(live8, 0x0101010101010101ull) * 0xFFu;
        const uint64_t steps = _pext_u64(0x0706050403020100ull, keep);
        const __m256i ks = _mm256_cvtepu8_epi32(_mm_cvtsi64_si128(int64_t(steps)));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(list + n), _mm256_add_epi32(ks, _mm256_set1_epi32(k + e)));
        n += __builtin_popcount(live8);
      }
    }
    return n;
  }
#endif
  const uint8_t* m = masks_.data();
  const int32_t* offs = pk_->offsets.data();
  const int64_t* q = blk->q;
  for (int k = 0; k < K; ++k) {
    const uint8_t* b = m + offs[k];
    list[n] = k;
    n += (b[q[0]] | b[q[1]] | b[q[2]] | b[q[3]]) != 0;
  }
  return n;
}

}  // namespace faultbench::ops::FAULTBENCH_SIMD_NS::detail

#include "ops/simd/end_target.h"
