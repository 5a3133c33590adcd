// Image subsets: stratified selection gives each class its share, is a pure function of
// (labels, count, seed), and is the documented Python recipe (checked against python3).
#include "faultbench/data/image_selection.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "test_support.h"

namespace faultbench {
namespace {

// Labels stored class by class, as the JPEG-rebuilt CIFAR-10 test file is.
std::vector<int> sorted_labels(int classes, int per_class) {
  std::vector<int> labels;
  for (int c = 0; c < classes; ++c) labels.insert(labels.end(), size_t(per_class), c);
  return labels;
}

std::map<int, int64_t> per_class(const std::vector<int>& labels, const std::vector<int64_t>& idx) {
  std::map<int, int64_t> m;
  for (int64_t i : idx) ++m[labels[size_t(i)]];
  return m;
}

ImageSelection strat(int64_t count, int64_t seed) { return {ImageSelectionKind::Stratified, count, seed}; }

TEST(ImageSelection, StratifiedGivesEveryClassItsShareInFileOrder) {
  const std::vector<int> labels = sorted_labels(10, 1000);
  const std::vector<int64_t> idx = select_images(labels, 10, strat(1000, 1));
  ASSERT_EQ(idx.size(), 1000u);
  EXPECT_TRUE(std::is_sorted(idx.begin(), idx.end()));
  EXPECT_EQ(std::set<int64_t>(idx.begin(), idx.end()).size(), 1000u);
  for (const auto& [c, n] : per_class(labels, idx)) EXPECT_EQ(n, 100) << "class " << c;
  // 1,005 images: five classes get one more.
  int extra = 0;
  for (const auto& [c, n] : per_class(labels, select_images(labels, 10, strat(1005, 1)))) {
    EXPECT_TRUE(n == 100 || n == 101) << c;
    extra += n == 101;
  }
  EXPECT_EQ(extra, 5);
}

TEST(ImageSelection, StratifiedIsAPureFunctionOfTheSeed) {
  const std::vector<int> labels = sorted_labels(10, 1000);
  EXPECT_EQ(select_images(labels, 10, strat(200, 7)), select_images(labels, 10, strat(200, 7)));
  EXPECT_NE(select_images(labels, 10, strat(200, 7)), select_images(labels, 10, strat(200, 8)));
}

TEST(ImageSelection, SmallClassesGiveWhatTheyHaveAndOthersMakeUpTheCount) {
  // GTSRB-like imbalance: class 0 has 3 images, the others 100.
  std::vector<int> labels = sorted_labels(5, 100);
  labels.erase(labels.begin() + 3, labels.begin() + 100);
  const std::vector<int64_t> idx = select_images(labels, 5, strat(100, 3));
  ASSERT_EQ(idx.size(), 100u);
  const auto m = per_class(labels, idx);
  EXPECT_EQ(m.at(0), 3);
  for (int c = 1; c < 5; ++c) EXPECT_GE(m.at(c), 20) << c;
}

TEST(ImageSelection, FirstAllAndCountsBeyondTheSet) {
  const std::vector<int> labels = sorted_labels(3, 4);
  EXPECT_EQ(select_images(labels, 3, {ImageSelectionKind::First, 3, 0}), (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(select_images(labels, 3, {ImageSelectionKind::All, 0, 0}).size(), 12u);
  EXPECT_EQ(select_images(labels, 3, strat(50, 1)).size(), 12u);
  EXPECT_EQ(select_images(labels, 3, {ImageSelectionKind::First, 50, 0}).size(), 12u);
  EXPECT_TRUE(select_images(labels, 3, strat(0, 1)).empty());
}

TEST(ImageSelection, SubsetKeepsPixelsAndLabelsOfTheChosenImages) {
  ImageSet set;
  set.dataset = "cifar10";
  set.shape = ValueShape{1, 1, 2};
  set.classes = 10;
  set.labels = {0, 1, 2, 3};
  set.pixels = {0, 1, 10, 11, 20, 21, 30, 31};
  const std::vector<int64_t> idx = {1, 3};
  const ImageSet s = subset_images(set, idx);
  EXPECT_EQ(s.labels, (std::vector<int>{1, 3}));
  EXPECT_EQ(s.pixels, (std::vector<uint8_t>{10, 11, 30, 31}));
}

TEST(ImageSelection, IsTheDocumentedPythonRecipe) {
  if (std::system("python3 -c 'import random' >/dev/null 2>&1") != 0) GTEST_SKIP() << "python3 not found";
  // Imbalanced, shuffled labels exercise the shortfall and the file-order output.
  std::vector<int> labels;
  for (int i = 0; i < 700; ++i) labels.push_back((i * 7 + i / 13) % 9 == 8 && i > 40 ? 3 : (i * 7 + i / 13) % 9);
  const auto dir = testing::make_temp_dir("image-selection-py");
  {
    std::ofstream f(dir / "labels.txt");
    for (int l : labels) f << l << "\n";
  }
  const std::string script = R"(
import random, sys
labels = [int(x) for x in open(sys.argv[1])]
C, count, seed = 9, int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(seed)
order = list(range(C)); rng.shuffle(order)
quota = [count // C] * C
for c in order[:count % C]: quota[c] += 1
pool = []
for c in range(C):
    p = [i for i, l in enumerate(labels) if l == c]; rng.shuffle(p); pool.append(p)
short = 0
for c in range(C):
    if quota[c] > len(pool[c]): short += quota[c] - len(pool[c]); quota[c] = len(pool[c])
k = 0
while short > 0:
    c = order[k]
    if quota[c] < len(pool[c]): quota[c] += 1; short -= 1
    k = (k + 1) % C
print(" ".join(str(i) for i in sorted(i for c in range(C) for i in pool[c][:quota[c]])))
)";
  { std::ofstream(dir / "recipe.py") << script; }
  for (const auto& [count, seed] : std::vector<std::pair<int64_t, int64_t>>{{100, 0}, {250, 42}, {699, 12345}}) {
    const std::string cmd = "python3 " + (dir / "recipe.py").string() + " " + (dir / "labels.txt").string() + " " +
                            std::to_string(count) + " " + std::to_string(seed);
    FILE* pipe = popen(cmd.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    std::string out;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
    ASSERT_EQ(pclose(pipe), 0) << out;
    std::istringstream in(out);
    std::vector<int64_t> expected;
    for (int64_t v; in >> v;) expected.push_back(v);
    EXPECT_EQ(select_images(labels, 9, strat(count, seed)), expected) << "count " << count << " seed " << seed;
  }
}

}  // namespace
}  // namespace faultbench
