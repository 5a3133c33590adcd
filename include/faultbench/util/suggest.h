// "Did you mean ...?" for names a user typed: CLI verbs, model names, layer names.
#pragma once
#include <string>
#include <vector>

namespace faultbench {

// Optimal-string-alignment edit distance (insertions, deletions, substitutions and
// transpositions of adjacent characters each cost 1), compared case-insensitively.
int edit_distance(const std::string& a, const std::string& b);

// The candidates closest to `word`, in their original order, when they are close enough to
// be a plausible typo: distance at most max(1, |word| / 3), or `word` is a prefix of the
// candidate (at least 2 characters typed). Empty when nothing is close.
std::vector<std::string> closest_matches(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace faultbench
