// Jinja lexer: template source -> tokens, with the whitespace control the
// reference engine applies to chat templates (trim_blocks and lstrip_blocks
// on, `{%-` / `-%}` stripping, one trailing newline of the template dropped,
// CRLF read as LF).
//
// Stateless; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace citadel::tmpl::jinja {

enum class TokenKind {
  kText,             // literal template text (already whitespace-processed)
  kOpenExpression,   // {{
  kCloseExpression,  // }}
  kOpenStatement,    // {%
  kCloseStatement,   // %}
  kName,             // identifier or keyword
  kString,           // string literal, escapes decoded
  kInteger,
  kFloat,
  kOperator,  // ( ) [ ] { } , . : | = + - * / // % ** ~ == != < <= > >=
  kEnd,
};

struct Token {
  TokenKind kind;
  std::string text;
  std::size_t offset;  // byte offset in the normalized source
};

struct LexedTemplate {
  std::string source;         // normalized source (CRLF -> LF, final newline dropped)
  std::vector<Token> tokens;  // always ends with kEnd
};

// Splits `source` into tokens. InvalidArgument naming line and column for an
// unterminated tag, comment or string, or an unexpected character.
Result<LexedTemplate> Lex(std::string_view source);

// "line L, column C" for a byte offset of `source` (both 1-based).
std::string DescribePosition(std::string_view source, std::size_t offset);

}  // namespace citadel::tmpl::jinja
