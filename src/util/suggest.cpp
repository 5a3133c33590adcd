#include "faultbench/util/suggest.h"

#include <algorithm>
#include <cctype>

namespace faultbench {

namespace {
char lower(char c) { return char(std::tolower(static_cast<unsigned char>(c))); }
}  // namespace

int edit_distance(const std::string& a, const std::string& b) {
  const size_t n = a.size(), m = b.size();
  // d[i][j]: distance between a[0, i) and b[0, j); three rows suffice for transpositions.
  std::vector<std::vector<int>> d(n + 1, std::vector<int>(m + 1, 0));
  for (size_t i = 0; i <= n; ++i) d[i][0] = int(i);
  for (size_t j = 0; j <= m; ++j) d[0][j] = int(j);
  for (size_t i = 1; i <= n; ++i) {
    for (size_t j = 1; j <= m; ++j) {
      const int cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) && lower(a[i - 2]) == lower(b[j - 1]))
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[n][m];
}

std::vector<std::string> closest_matches(const std::string& word, const std::vector<std::string>& candidates) {
  // Names are short (verbs, model and layer names): the quadratic distance is negligible,
  // and words of hostile length are cut off rather than compared.
  if (word.empty() || word.size() > 256) return {};
  const int limit = std::max<int>(1, int(word.size()) / 3);
  int best = limit + 1;
  std::vector<std::string> out;
  for (const std::string& c : candidates) {
    int d = edit_distance(word, c);
    const bool prefix =
        word.size() >= 2 && c.size() > word.size() &&
        std::equal(word.begin(), word.end(), c.begin(), [](char x, char y) { return lower(x) == lower(y); });
    if (prefix) d = std::min(d, limit);
    if (d > limit) continue;
    if (d < best) {
      best = d;
      out.clear();
    }
    if (d == best) out.push_back(c);
  }
  return out;
}

}  // namespace faultbench
