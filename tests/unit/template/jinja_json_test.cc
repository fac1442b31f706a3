// The engine's own JSON reader and writer (tools, tool-call arguments, tojson).
#include "template/jinja_json.h"

#include <gtest/gtest.h>

#include <string>

namespace citadel::tmpl::jinja {
namespace {

TEST(JinjaJsonTest, RoundTripKeepsKeyOrderAndTypes) {
  const std::string text = R"({"z": 1, "a": [true, false, null, -2.5, "s"], "m": {"k": "v"}})";
  auto value = ParseJson(text);
  ASSERT_TRUE(value.ok()) << value.status().ToString();
  EXPECT_TRUE(value->is_object());
  EXPECT_EQ(value->object().entries[0].first, "z");
  EXPECT_TRUE(value->object().Find("z")->is_int());
  EXPECT_EQ(ToJson(*value), text);
}

TEST(JinjaJsonTest, DecodesEscapesAndUnicode) {
  auto value = ParseJson(R"("a\"b\\c\/\n\u00e9\ud83d\ude00")");
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(value->string_value(), "a\"b\\c/\né\xF0\x9F\x98\x80");
  // Written back unescaped except the JSON specials, like the reference.
  EXPECT_EQ(ToJson(*value), "\"a\\\"b\\\\c/\\né\xF0\x9F\x98\x80\"");
}

TEST(JinjaJsonTest, IndentAndSeparators) {
  auto value = ParseJson(R"({"a": [1, 2]})");
  ASSERT_TRUE(value.ok());
  JsonFormat indented;
  indented.indent = 2;
  EXPECT_EQ(ToJson(*value, indented), "{\n  \"a\": [\n    1,\n    2\n  ]\n}");
  EXPECT_EQ(ToJson(*value, {.indent = -1, .item_separator = ",", .key_separator = ":"}),
            R"({"a":[1,2]})");
}

TEST(JinjaJsonTest, RejectsMalformedInputWithItsOffset) {
  for (const char* bad : {"", "{", "[1,]", "{\"a\" 1}", "tru", "\"unterminated", "01x",
                          "{\"a\":1} x", "\"\\q\"", "[\"\x01\"]", "-"}) {
    auto value = ParseJson(bad);
    EXPECT_FALSE(value.ok()) << bad;
    if (!value.ok()) {
      EXPECT_NE(value.status().message().find("byte"), std::string::npos);
    }
  }
}

TEST(JinjaJsonTest, DeepNestingIsRefused) {
  std::string deep(10000, '[');
  EXPECT_FALSE(ParseJson(deep).ok());
  std::string ok = std::string(100, '[') + std::string(100, ']');
  EXPECT_TRUE(ParseJson(ok).ok());
}

TEST(JinjaJsonTest, HugeIntegersBecomeFloats) {
  auto value = ParseJson("123456789012345678901234567890");
  ASSERT_TRUE(value.ok());
  EXPECT_TRUE(value->is_float());
}

}  // namespace
}  // namespace citadel::tmpl::jinja
