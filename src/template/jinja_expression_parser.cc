#include "template/jinja_expression_parser.h"

#include <cstdlib>
#include <utility>

namespace citadel::tmpl::jinja {
namespace {

bool IsKeyword(const std::string& name) {
  return name == "and" || name == "or" || name == "not" || name == "in" || name == "is" ||
         name == "if" || name == "else";
}

}  // namespace

ExprPtr ExpressionParser::Make(ExprKind kind, std::size_t offset, std::string name) {
  auto e = std::make_unique<Expr>();
  e->kind = kind;
  e->offset = offset;
  e->name = std::move(name);
  return e;
}

ExprPtr ExpressionParser::MakeBinary(std::string op, ExprPtr lhs, ExprPtr rhs) {
  auto e = Make(ExprKind::kBinary, lhs->offset, std::move(op));
  e->children.push_back(std::move(lhs));
  e->children.push_back(std::move(rhs));
  return e;
}

// `a, b` without brackets (set targets' values) becomes a list.
Result<ExprPtr> ExpressionParser::ParseTupleOrExpression() {
  CITADEL_ASSIGN_OR_RETURN(ExprPtr first, ParseExpression());
  if (!IsOp(",")) return first;
  auto list = Make(ExprKind::kList, first->offset);
  list->children.push_back(std::move(first));
  while (IsOp(",")) {
    Next();
    CITADEL_ASSIGN_OR_RETURN(ExprPtr item, ParseExpression());
    list->children.push_back(std::move(item));
  }
  return list;
}

Result<ExprPtr> ExpressionParser::ParseExpression() {
  if (++state_.depth > kMaxParseNesting) return ErrorHere("expression nested too deeply");
  CITADEL_ASSIGN_OR_RETURN(ExprPtr value, ParseOr());
  if (IsName("if")) {
    Next();
    auto e = Make(ExprKind::kConditional, value->offset);
    CITADEL_ASSIGN_OR_RETURN(ExprPtr cond, ParseOr());
    e->children.push_back(std::move(cond));
    e->children.push_back(std::move(value));
    ExprPtr otherwise;
    if (IsName("else")) {
      Next();
      CITADEL_ASSIGN_OR_RETURN(otherwise, ParseExpression());
    }
    e->children.push_back(std::move(otherwise));
    value = std::move(e);
  }
  --state_.depth;
  return value;
}

Result<ExprPtr> ExpressionParser::ParseOr() {
  CITADEL_ASSIGN_OR_RETURN(ExprPtr lhs, ParseAnd());
  while (IsName("or")) {
    Next();
    CITADEL_ASSIGN_OR_RETURN(ExprPtr rhs, ParseAnd());
    lhs = MakeBinary("or", std::move(lhs), std::move(rhs));
  }
  return lhs;
}

Result<ExprPtr> ExpressionParser::ParseAnd() {
  CITADEL_ASSIGN_OR_RETURN(ExprPtr lhs, ParseNot());
  while (IsName("and")) {
    Next();
    CITADEL_ASSIGN_OR_RETURN(ExprPtr rhs, ParseNot());
    lhs = MakeBinary("and", std::move(lhs), std::move(rhs));
  }
  return lhs;
}

Result<ExprPtr> ExpressionParser::ParseNot() {
  if (IsName("not")) {
    std::size_t offset = Next().offset;
    if (++state_.depth > kMaxParseNesting) return ErrorHere("expression nested too deeply");
    CITADEL_ASSIGN_OR_RETURN(ExprPtr operand, ParseNot());
    --state_.depth;
    auto e = Make(ExprKind::kUnary, offset, "not");
    e->children.push_back(std::move(operand));
    return e;
  }
  return ParseCompare();
}

Result<ExprPtr> ExpressionParser::ParseCompare() {
  CITADEL_ASSIGN_OR_RETURN(ExprPtr lhs, ParseAdditive());
  while (true) {
    std::string op;
    if (Peek().kind == TokenKind::kOperator &&
        (IsOp("==") || IsOp("!=") || IsOp("<") || IsOp(">") || IsOp("<=") || IsOp(">="))) {
      op = Next().text;
    } else if (IsName("in")) {
      Next();
      op = "in";
    } else if (IsName("not") && IsName("in", 1)) {
      Next();
      Next();
      op = "not in";
    } else {
      return lhs;
    }
    CITADEL_ASSIGN_OR_RETURN(ExprPtr rhs, ParseAdditive());
    lhs = MakeBinary(std::move(op), std::move(lhs), std::move(rhs));
  }
}

Result<ExprPtr> ExpressionParser::ParseAdditive() {
  CITADEL_ASSIGN_OR_RETURN(ExprPtr lhs, ParseConcat());
  while (IsOp("+") || IsOp("-")) {
    std::string op = Next().text;
    CITADEL_ASSIGN_OR_RETURN(ExprPtr rhs, ParseConcat());
    lhs = MakeBinary(std::move(op), std::move(lhs), std::move(rhs));
  }
  return lhs;
}

Result<ExprPtr> ExpressionParser::ParseConcat() {
  CITADEL_ASSIGN_OR_RETURN(ExprPtr lhs, ParseMultiplicative());
  while (IsOp("~")) {
    Next();
    CITADEL_ASSIGN_OR_RETURN(ExprPtr rhs, ParseMultiplicative());
    lhs = MakeBinary("~", std::move(lhs), std::move(rhs));
  }
  return lhs;
}

Result<ExprPtr> ExpressionParser::ParseMultiplicative() {
  CITADEL_ASSIGN_OR_RETURN(ExprPtr lhs, ParsePower());
  while (IsOp("*") || IsOp("/") || IsOp("//") || IsOp("%")) {
    std::string op = Next().text;
    CITADEL_ASSIGN_OR_RETURN(ExprPtr rhs, ParsePower());
    lhs = MakeBinary(std::move(op), std::move(lhs), std::move(rhs));
  }
  return lhs;
}

Result<ExprPtr> ExpressionParser::ParsePower() {
  CITADEL_ASSIGN_OR_RETURN(ExprPtr lhs, ParseUnary());
  while (IsOp("**")) {
    Next();
    CITADEL_ASSIGN_OR_RETURN(ExprPtr rhs, ParseUnary());
    lhs = MakeBinary("**", std::move(lhs), std::move(rhs));
  }
  return lhs;
}

Result<ExprPtr> ExpressionParser::ParseUnary() {
  if (IsOp("-") || IsOp("+")) {
    const Token& op = Next();
    if (++state_.depth > kMaxParseNesting) return ErrorHere("expression nested too deeply");
    CITADEL_ASSIGN_OR_RETURN(ExprPtr operand, ParseUnary());
    --state_.depth;
    auto e = Make(ExprKind::kUnary, op.offset, op.text);
    e->children.push_back(std::move(operand));
    return e;
  }
  CITADEL_ASSIGN_OR_RETURN(ExprPtr primary, ParsePrimary());
  CITADEL_ASSIGN_OR_RETURN(primary, ParsePostfix(std::move(primary)));
  return ParseFiltersAndTests(std::move(primary));
}

Result<ExprPtr> ExpressionParser::ParseFiltersAndTests(ExprPtr operand) {
  while (true) {
    if (IsOp("|")) {
      Next();
      CITADEL_ASSIGN_OR_RETURN(operand, ParseFilterTail(std::move(operand)));
    } else if (IsName("is")) {
      Next();
      CITADEL_ASSIGN_OR_RETURN(operand, ParseTestTail(std::move(operand)));
    } else {
      return operand;
    }
  }
}

// After `|`: name [(args)], then postfix operations on the result.
Result<ExprPtr> ExpressionParser::ParseFilterTail(ExprPtr operand) {
  std::size_t offset = Peek().offset;
  CITADEL_ASSIGN_OR_RETURN(std::string name, TakeName());
  auto e = Make(ExprKind::kFilter, offset, std::move(name));
  e->children.push_back(std::move(operand));
  if (IsOp("(")) CITADEL_TRY(ParseArguments(*e));
  return ParsePostfix(std::move(e));
}

Result<ExprPtr> ExpressionParser::ParseTestTail(ExprPtr operand) {
  std::size_t offset = Peek().offset;
  bool negated = false;
  if (IsName("not")) {
    Next();
    negated = true;
  }
  CITADEL_ASSIGN_OR_RETURN(std::string name, TakeName());
  auto e = Make(ExprKind::kTest, offset, std::move(name));
  e->negated = negated;
  e->children.push_back(std::move(operand));
  if (IsOp("(")) {
    CITADEL_TRY(ParseArguments(*e));
  } else if (Peek().kind == TokenKind::kInteger || Peek().kind == TokenKind::kFloat ||
             Peek().kind == TokenKind::kString ||
             (Peek().kind == TokenKind::kName && !IsKeyword(Peek().text))) {
    CITADEL_ASSIGN_OR_RETURN(ExprPtr arg, ParsePrimary());
    e->children.push_back(std::move(arg));
    e->arg_names.emplace_back();
  }
  return e;
}

// `(a, b, key=c)` appended to e.children / e.arg_names.
Status ExpressionParser::ParseArguments(Expr& e) {
  CITADEL_TRY(ExpectOp("("));
  while (!IsOp(")")) {
    std::string keyword;
    if (Peek().kind == TokenKind::kName && IsOp("=", 1)) {
      keyword = Next().text;
      Next();
    }
    CITADEL_ASSIGN_OR_RETURN(ExprPtr arg, ParseExpression());
    e.children.push_back(std::move(arg));
    e.arg_names.push_back(std::move(keyword));
    if (!IsOp(",")) break;
    Next();
  }
  return ExpectOp(")");
}

Result<ExprPtr> ExpressionParser::ParsePostfix(ExprPtr operand) {
  while (true) {
    if (IsOp(".")) {
      Next();
      std::size_t offset = Peek().offset;
      if (Peek().kind == TokenKind::kInteger) {  // a.0 == a[0]
        auto e = Make(ExprKind::kIndex, offset);
        auto index = Make(ExprKind::kLiteral, offset);
        index->literal = Value::Int(std::strtoll(Next().text.c_str(), nullptr, 10));
        e->children.push_back(std::move(operand));
        e->children.push_back(std::move(index));
        operand = std::move(e);
        continue;
      }
      CITADEL_ASSIGN_OR_RETURN(std::string name, TakeName());
      auto e = Make(ExprKind::kMember, offset, std::move(name));
      e->children.push_back(std::move(operand));
      operand = std::move(e);
    } else if (IsOp("[")) {
      CITADEL_ASSIGN_OR_RETURN(operand, ParseSubscript(std::move(operand)));
    } else if (IsOp("(")) {
      auto e = Make(ExprKind::kCall, operand->offset);
      e->children.push_back(std::move(operand));
      CITADEL_TRY(ParseArguments(*e));
      operand = std::move(e);
    } else {
      return operand;
    }
  }
}

Result<ExprPtr> ExpressionParser::ParseSubscript(ExprPtr operand) {
  std::size_t offset = Next().offset;  // [
  std::vector<ExprPtr> parts;
  int colons = 0;
  ExprPtr current;
  while (!IsOp("]")) {
    if (IsOp(":")) {
      Next();
      parts.push_back(std::move(current));
      ++colons;
      if (colons > 2) return ErrorHere("too many ':' in slice");
      continue;
    }
    if (current) return ErrorHere("expected ']'");
    CITADEL_ASSIGN_OR_RETURN(current, ParseExpression());
  }
  Next();  // ]
  parts.push_back(std::move(current));
  if (colons == 0) {
    if (!parts[0]) return Error(offset, "empty subscript");
    auto e = Make(ExprKind::kIndex, offset);
    e->children.push_back(std::move(operand));
    e->children.push_back(std::move(parts[0]));
    return e;
  }
  auto e = Make(ExprKind::kSlice, offset);
  e->children.push_back(std::move(operand));
  parts.resize(3);
  for (auto& p : parts) e->children.push_back(std::move(p));
  return e;
}

Result<ExprPtr> ExpressionParser::ParsePrimary() {
  const Token& t = Peek();
  switch (t.kind) {
    case TokenKind::kInteger:
    case TokenKind::kFloat: {
      auto e = Make(ExprKind::kLiteral, t.offset);
      if (t.kind == TokenKind::kInteger) {
        e->literal = Value::Int(std::strtoll(t.text.c_str(), nullptr, 10));
      } else {
        e->literal = Value::Float(std::strtod(t.text.c_str(), nullptr));
      }
      Next();
      return e;
    }
    case TokenKind::kString: {
      auto e = Make(ExprKind::kLiteral, t.offset);
      std::string text = Next().text;
      while (Peek().kind == TokenKind::kString) text += Next().text;  // "a" "b"
      e->literal = Value::String(std::move(text));
      return e;
    }
    case TokenKind::kName:
      return ParseNamePrimary();
    case TokenKind::kOperator:
      if (t.text == "(") return ParseParenthesized();
      if (t.text == "[") return ParseListLiteral();
      if (t.text == "{") return ParseDictLiteral();
      break;
    default:
      break;
  }
  return ErrorHere("expected an expression");
}

Result<ExprPtr> ExpressionParser::ParseNamePrimary() {
  const Token& t = Next();
  auto e = Make(ExprKind::kLiteral, t.offset);
  if (t.text == "true" || t.text == "True") {
    e->literal = Value::Bool(true);
  } else if (t.text == "false" || t.text == "False") {
    e->literal = Value::Bool(false);
  } else if (t.text == "none" || t.text == "None") {
    e->literal = Value::None();
  } else if (IsKeyword(t.text)) {
    return Error(t.offset, "unexpected '" + t.text + "'");
  } else {
    e->kind = ExprKind::kName;
    e->name = t.text;
  }
  return e;
}

Result<ExprPtr> ExpressionParser::ParseParenthesized() {
  std::size_t offset = Next().offset;  // (
  if (IsOp(")")) {
    Next();
    return Make(ExprKind::kList, offset);
  }
  CITADEL_ASSIGN_OR_RETURN(ExprPtr first, ParseExpression());
  if (IsOp(")")) {
    Next();
    return first;
  }
  auto tuple = Make(ExprKind::kList, offset);
  tuple->children.push_back(std::move(first));
  while (IsOp(",")) {
    Next();
    if (IsOp(")")) break;
    CITADEL_ASSIGN_OR_RETURN(ExprPtr item, ParseExpression());
    tuple->children.push_back(std::move(item));
  }
  CITADEL_TRY(ExpectOp(")"));
  return tuple;
}

Result<ExprPtr> ExpressionParser::ParseListLiteral() {
  auto list = Make(ExprKind::kList, Next().offset);
  while (!IsOp("]")) {
    CITADEL_ASSIGN_OR_RETURN(ExprPtr item, ParseExpression());
    list->children.push_back(std::move(item));
    if (!IsOp(",")) break;
    Next();
  }
  CITADEL_TRY(ExpectOp("]"));
  return list;
}

Result<ExprPtr> ExpressionParser::ParseDictLiteral() {
  auto dict = Make(ExprKind::kDict, Next().offset);
  while (!IsOp("}")) {
    CITADEL_ASSIGN_OR_RETURN(ExprPtr key, ParseExpression());
    CITADEL_TRY(ExpectOp(":"));
    CITADEL_ASSIGN_OR_RETURN(ExprPtr value, ParseExpression());
    dict->children.push_back(std::move(key));
    dict->children.push_back(std::move(value));
    if (!IsOp(",")) break;
    Next();
  }
  CITADEL_TRY(ExpectOp("}"));
  return dict;
}

}  // namespace citadel::tmpl::jinja
