#include "util/status.h"

#include <gtest/gtest.h>

namespace citadel {
namespace {

Result<int> ParsePositive(int v) {
  if (v <= 0) return InvalidArgumentError("value " + std::to_string(v) + " is not positive");
  return v;
}

Result<int> Doubled(int v) {
  CITADEL_ASSIGN_OR_RETURN(int x, ParsePositive(v));
  return 2 * x;
}

Status Check(int v) {
  CITADEL_TRY(ParsePositive(v).status());
  return OkStatus();
}

TEST(StatusTest, PropagatesErrorsAndValues) {
  EXPECT_EQ(*Doubled(4), 8);
  Result<int> bad = Doubled(-1);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().ToString(), "InvalidArgument: value -1 is not positive");
  EXPECT_TRUE(Check(1).ok());
  EXPECT_FALSE(Check(0).ok());
}

TEST(StatusTest, WithContextPrefixesMessage) {
  Status s = NotFoundError("no key").WithContext("model.gguf");
  EXPECT_EQ(s.message(), "model.gguf: no key");
  EXPECT_TRUE(OkStatus().WithContext("x").ok());
}

}  // namespace
}  // namespace citadel
