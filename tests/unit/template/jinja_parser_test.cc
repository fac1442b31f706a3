// Syntax errors of the Jinja parser name the template line and column, and
// hostile nesting is refused instead of exhausting the stack.
#include "template/jinja_parser.h"

#include <gtest/gtest.h>

#include <string>

namespace citadel::tmpl::jinja {
namespace {

std::string ErrorOf(std::string_view source) {
  auto program = ParseTemplate(source);
  return program.ok() ? "" : program.status().message();
}

TEST(JinjaParserTest, ParsesTheStatementsChatTemplatesUse) {
  const char* source =
      "{%- set ns = namespace(found=false) -%}"
      "{%- macro m(a, b='x') -%}{{ a ~ b }}{%- endmacro -%}"
      "{%- for k, v in d.items() if v is not none -%}{% if loop.first %}{% break %}{% elif k %}"
      "{% continue %}{% else %}{% endif %}{% else %}empty{%- endfor -%}"
      "{%- set block %}text{% endset -%}"
      "{%- filter upper %}x{% endfilter -%}"
      "{%- generation %}g{% endgeneration -%}"
      "{{ a[1:] }}{{ a[::-1] }}{{ x if y else z }}{{ -1 + 2 * 3 ** 2 // 4 % 5 }}";
  auto program = ParseTemplate(source);
  EXPECT_TRUE(program.ok()) << program.status().ToString();
}

TEST(JinjaParserTest, MissingEndTagIsReported) {
  std::string error = ErrorOf("{% for x in xs %}\n{{ x }}\n");
  EXPECT_NE(error.find("endfor"), std::string::npos) << error;
}

TEST(JinjaParserTest, ErrorsNameLineAndColumn) {
  std::string error = ErrorOf("ok\nstill ok\n  {{ a + }}");
  EXPECT_NE(error.find("line 3, column 10"), std::string::npos) << error;
  error = ErrorOf("{% frobnicate %}");
  EXPECT_NE(error.find("unknown statement 'frobnicate'"), std::string::npos) << error;
  EXPECT_NE(error.find("line 1, column 4"), std::string::npos) << error;
  EXPECT_NE(ErrorOf("{% if %}{% endif %}"), "");
  EXPECT_NE(ErrorOf("{% endif %}"), "");
  EXPECT_NE(ErrorOf("{{ a[1:2:3:4] }}"), "");
  EXPECT_NE(ErrorOf("{% set %}"), "");
}

TEST(JinjaParserTest, DeepNestingIsRefused) {
  std::string source = "{{ " + std::string(5000, '(') + "1" + std::string(5000, ')') + " }}";
  std::string error = ErrorOf(source);
  EXPECT_NE(error.find("nested too deeply"), std::string::npos) << error;
  std::string blocks;
  for (int i = 0; i < 5000; ++i) blocks += "{% if true %}";
  EXPECT_NE(ErrorOf(blocks), "");
  std::string nots = "{{ " + std::string(20000, '-') + "1 }}";
  EXPECT_NE(ErrorOf(nots), "");
}

}  // namespace
}  // namespace citadel::tmpl::jinja
