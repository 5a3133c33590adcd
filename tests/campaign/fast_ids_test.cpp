// The fast mode's typed ids (src/campaign/fast/ids.h) and active-image set
// (fast/suffix_state.h): ids of different spaces do not mix, and compaction keeps the
// right images in order.
#include <gtest/gtest.h>

#include <type_traits>
#include <vector>

#include "campaign/fast/ids.h"
#include "campaign/fast/suffix_state.h"

namespace faultbench::campaign_detail {
namespace {

// No implicit conversion from or to int, none between spaces; explicit from the raw int.
static_assert(!std::is_convertible_v<int, ValueId>);
static_assert(!std::is_convertible_v<ValueId, int>);
static_assert(!std::is_convertible_v<ValueId, size_t>);
static_assert(!std::is_constructible_v<ValueId, StepId>);
static_assert(!std::is_constructible_v<Lane, ChunkImage>);
static_assert(!std::is_constructible_v<ChunkImage, Lane>);
static_assert(!std::is_constructible_v<ImageIndex, ChunkImage>);  // GoldenChunk::image() converts
static_assert(std::is_constructible_v<ValueId, int>);
// An IdVector takes its own id only.
template <class V, class I>
concept IndexableBy = requires(V v, I i) {
  v[i];
};
static_assert(IndexableBy<IdVector<ValueId, int>, ValueId>);
static_assert(!IndexableBy<IdVector<ValueId, int>, StepId>);
static_assert(!IndexableBy<IdVector<ValueId, int>, int>);
static_assert(!IndexableBy<IdVector<Lane, int>, ChunkImage>);

TEST(FastIds, RangeVisitsEveryIdInOrder) {
  std::vector<int> seen;
  for (StepId s : ids<StepId>(4)) seen.push_back(s.value());
  EXPECT_EQ(seen, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_FALSE(StepId().valid());
  EXPECT_LT(StepId(), StepId(0));  // "none" reads before every step (SuffixPlan::last_desc_use)
}

TEST(ActiveImages, KeepCompactsLanesInOrder) {
  ActiveImages a;
  a.reset(ChunkImage(8), 5);  // chunk images 8..12
  EXPECT_TRUE(a.consecutive());
  EXPECT_EQ(a.size(), 5);
  a.keep({Lane(1), Lane(3), Lane(4)});
  ASSERT_EQ(a.size(), 3);
  EXPECT_EQ(a[Lane(0)], ChunkImage(9));
  EXPECT_EQ(a[Lane(1)], ChunkImage(11));
  EXPECT_EQ(a[Lane(2)], ChunkImage(12));
  EXPECT_FALSE(a.consecutive());
  a.keep({Lane(1), Lane(2)});
  EXPECT_TRUE(a.consecutive());
  EXPECT_EQ(a.front(), ChunkImage(11));
  a.keep({});
  EXPECT_TRUE(a.empty());
}

}  // namespace
}  // namespace faultbench::campaign_detail
