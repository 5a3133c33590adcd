#include "faultbench/util/suggest.h"

#include <gtest/gtest.h>

namespace faultbench {
namespace {

const std::vector<std::string> kVerbs = {"models", "faultlist", "eval", "convert", "fetch", "campaign", "compare"};

TEST(EditDistance, CountsInsertionsDeletionsSubstitutionsAndAdjacentSwaps) {
  EXPECT_EQ(edit_distance("", ""), 0);
  EXPECT_EQ(edit_distance("eval", ""), 4);
  EXPECT_EQ(edit_distance("eval", "evl"), 1);   // deletion
  EXPECT_EQ(edit_distance("evl", "eval"), 1);   // insertion
  EXPECT_EQ(edit_distance("eval", "evak"), 1);  // substitution
  EXPECT_EQ(edit_distance("eval", "eavl"), 1);  // adjacent transposition
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3);
  EXPECT_EQ(edit_distance("EVAL", "eval"), 0);  // case-insensitive
}

TEST(ClosestMatches, OffersTheVerbATypoMeant) {
  EXPECT_EQ(closest_matches("campain", kVerbs), std::vector<std::string>{"campaign"});
  EXPECT_EQ(closest_matches("evla", kVerbs), std::vector<std::string>{"eval"});
  EXPECT_EQ(closest_matches("fautlist", kVerbs), std::vector<std::string>{"faultlist"});
  EXPECT_EQ(closest_matches("comp", kVerbs), (std::vector<std::string>{"compare"}));  // a prefix
  EXPECT_EQ(closest_matches("co", kVerbs), (std::vector<std::string>{"convert", "compare"}));
}

TEST(ClosestMatches, StaysQuietWhenNothingIsClose) {
  EXPECT_TRUE(closest_matches("train", kVerbs).empty());
  EXPECT_TRUE(closest_matches("x", kVerbs).empty());
  EXPECT_TRUE(closest_matches("", kVerbs).empty());
  EXPECT_TRUE(closest_matches(std::string(100000, 'a'), kVerbs).empty());
}

}  // namespace
}  // namespace faultbench
