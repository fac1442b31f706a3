// Whitespace control and lexical errors of the Jinja lexer, checked through
// rendering (what a template author sees).
#include "template/jinja_lexer.h"

#include <gtest/gtest.h>

#include "template/jinja_interpreter.h"
#include "template/jinja_parser.h"

namespace citadel::tmpl::jinja {
namespace {

std::string Render(std::string_view source) {
  auto program = ParseTemplate(source);
  EXPECT_TRUE(program.ok()) << program.status().ToString();
  if (!program.ok()) return "<parse error>";
  Interpreter interpreter(**program, RenderLimits{}, 0);
  auto out = interpreter.Render();
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  return out.ok() ? *out : "<render error>";
}

TEST(JinjaLexerTest, TrimBlocksDropsTheNewlineAfterAStatement) {
  EXPECT_EQ(Render("{% if true %}\nyes\n{% endif %}\ndone"), "yes\ndone");
}

TEST(JinjaLexerTest, ExpressionsKeepTheirNewline) {
  EXPECT_EQ(Render("{{ 'a' }}\nb"), "a\nb");
}

TEST(JinjaLexerTest, LstripBlocksRemovesIndentationBeforeAStatement) {
  EXPECT_EQ(Render("x\n    {% if true %}y{% endif %}"), "x\ny");
  // Not at a line start: the spaces stay.
  EXPECT_EQ(Render("x  {% if true %}y{% endif %}"), "x  y");
  EXPECT_EQ(Render("  {% if true %}y{% endif %}"), "y");
}

TEST(JinjaLexerTest, DashesStripWhitespaceOnTheirSide) {
  EXPECT_EQ(Render("a  \n  {{- 'b' -}}  \n  c"), "abc");
  EXPECT_EQ(Render("a \n{%- if true -%}\n b {%- endif %}"), "ab");
}

TEST(JinjaLexerTest, CommentsAreDroppedWithTheirNewline) {
  EXPECT_EQ(Render("a{# note #}\nb"), "ab");
  EXPECT_EQ(Render("a {#- note -#} b"), "ab");
}

TEST(JinjaLexerTest, OneTrailingNewlineOfTheTemplateIsDropped) {
  EXPECT_EQ(Render("hello\n"), "hello");
  EXPECT_EQ(Render("hello\n\n"), "hello\n");
}

TEST(JinjaLexerTest, CrLfReadsAsLf) {
  EXPECT_EQ(Render("a\r\nb{% if true %}\r\nc{% endif %}"), "a\nbc");
}

TEST(JinjaLexerTest, StringEscapesAreDecoded) {
  EXPECT_EQ(Render(R"({{ 'a\nb' }}|{{ "q\"q" }}|{{ 'it\'s' }})"), "a\nb|q\"q|it's");
}

TEST(JinjaLexerTest, DictLiteralBracesInsideAnExpression) {
  EXPECT_EQ(Render("{{ {'a': {'b': 1}}['a']['b'] }}"), "1");
}

TEST(JinjaLexerTest, ErrorsNameLineAndColumn) {
  auto unterminated = Lex("line one\n  {{ 'oops }}");
  ASSERT_FALSE(unterminated.ok());
  EXPECT_NE(unterminated.status().message().find("line 2, column 6"), std::string::npos)
      << unterminated.status().message();
  auto bad_char = Lex("{{ a $ b }}");
  ASSERT_FALSE(bad_char.ok());
  EXPECT_NE(bad_char.status().message().find("line 1, column 6"), std::string::npos);
  auto open_tag = Lex("text {% if");
  ASSERT_FALSE(open_tag.ok());
  EXPECT_NE(open_tag.status().message().find("unterminated tag"), std::string::npos);
  EXPECT_FALSE(Lex("{# never closed").ok());
}

}  // namespace
}  // namespace citadel::tmpl::jinja
