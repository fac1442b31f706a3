// Jinja expression parser: precedence climbing from conditional expressions
// down to literals, with filters, tests, calls, subscripts and slices.
// Nesting is bounded (kMaxParseNesting) so hostile input cannot exhaust the
// stack.
//
// Internal to the parser; thread-compatible.
#pragma once

#include "template/jinja_ast.h"
#include "template/jinja_parser_base.h"

namespace citadel::tmpl::jinja {

class ExpressionParser : public ParserBase {
 public:
  explicit ExpressionParser(TokenState& state) : ParserBase(state) {}

  // A full expression, `a if b else c` included.
  Result<ExprPtr> ParseExpression();
  // `a, b` without brackets becomes a list (set statement values).
  Result<ExprPtr> ParseTupleOrExpression();
  // An `or` expression (no conditional): for-loop iterables and filters.
  Result<ExprPtr> ParseOr();
  // After `|`: the filter name, its arguments, then postfix operations.
  Result<ExprPtr> ParseFilterTail(ExprPtr operand);

 private:
  static ExprPtr Make(ExprKind kind, std::size_t offset, std::string name = {});
  static ExprPtr MakeBinary(std::string op, ExprPtr lhs, ExprPtr rhs);
  Result<ExprPtr> ParseAnd();
  Result<ExprPtr> ParseNot();
  Result<ExprPtr> ParseCompare();
  Result<ExprPtr> ParseAdditive();
  Result<ExprPtr> ParseConcat();
  Result<ExprPtr> ParseMultiplicative();
  Result<ExprPtr> ParsePower();
  Result<ExprPtr> ParseUnary();
  Result<ExprPtr> ParseFiltersAndTests(ExprPtr operand);
  Result<ExprPtr> ParseTestTail(ExprPtr operand);
  Status ParseArguments(Expr& e);
  Result<ExprPtr> ParsePostfix(ExprPtr operand);
  Result<ExprPtr> ParseSubscript(ExprPtr operand);
  Result<ExprPtr> ParsePrimary();
  Result<ExprPtr> ParseNamePrimary();
  Result<ExprPtr> ParseParenthesized();
  Result<ExprPtr> ParseListLiteral();
  Result<ExprPtr> ParseDictLiteral();
};

}  // namespace citadel::tmpl::jinja
