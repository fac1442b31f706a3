// Shared token cursor of the Jinja statement and expression parsers (one
// parse owns one TokenState; both parsers advance the same position).
//
// Internal to the parser; thread-compatible.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "template/jinja_lexer.h"
#include "util/status.h"

namespace citadel::tmpl::jinja {

// Deepest nesting of blocks or expressions a template may use.
inline constexpr int kMaxParseNesting = 100;

struct TokenState {
  LexedTemplate lexed;
  std::size_t pos = 0;
  int depth = 0;  // current nesting, bounded by kMaxParseNesting
};

class ParserBase {
 protected:
  explicit ParserBase(TokenState& state) : state_(state) {}

  const Token& Peek(std::size_t ahead = 0) const {
    std::size_t i = state_.pos + ahead;
    return i < state_.lexed.tokens.size() ? state_.lexed.tokens[i] : state_.lexed.tokens.back();
  }
  const Token& Next() {
    const Token& t = Peek();
    if (state_.pos + 1 < state_.lexed.tokens.size()) ++state_.pos;
    return t;
  }
  bool IsOp(std::string_view op, std::size_t ahead = 0) const {
    return Peek(ahead).kind == TokenKind::kOperator && Peek(ahead).text == op;
  }
  bool IsName(std::string_view name, std::size_t ahead = 0) const {
    return Peek(ahead).kind == TokenKind::kName && Peek(ahead).text == name;
  }
  Status Error(std::size_t offset, std::string_view what) const {
    return InvalidArgumentError("template " + DescribePosition(state_.lexed.source, offset) + ": " +
                                std::string(what));
  }
  Status ErrorHere(std::string_view what) const {
    const Token& t = Peek();
    std::string found = t.kind == TokenKind::kEnd ? "end of template" : "'" + t.text + "'";
    if (t.kind == TokenKind::kCloseStatement) found = "'%}'";
    if (t.kind == TokenKind::kCloseExpression) found = "'}}'";
    return Error(t.offset, std::string(what) + ", found " + found);
  }
  Status ExpectOp(std::string_view op) {
    if (!IsOp(op)) return ErrorHere("expected '" + std::string(op) + "'");
    Next();
    return OkStatus();
  }
  Status ExpectName(std::string_view name) {
    if (!IsName(name)) return ErrorHere("expected '" + std::string(name) + "'");
    Next();
    return OkStatus();
  }
  Result<std::string> TakeName() {
    if (Peek().kind != TokenKind::kName) return ErrorHere("expected a name");
    return Next().text;
  }
  Status ExpectCloseStatement() {
    if (Peek().kind != TokenKind::kCloseStatement) return ErrorHere("expected '%}'");
    Next();
    return OkStatus();
  }

  TokenState& state_;
};

}  // namespace citadel::tmpl::jinja
