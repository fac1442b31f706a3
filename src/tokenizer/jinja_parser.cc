#include "tokenizer/jinja_parser.h"

#include <cstdlib>
#include <utility>

#include "tokenizer/jinja_lexer.h"

namespace citadel::tokenizer::jinja {
namespace {

constexpr int kMaxNesting = 100;

bool IsKeyword(const std::string& name) {
  return name == "and" || name == "or" || name == "not" || name == "in" || name == "is" ||
         name == "if" || name == "else";
}

class Parser {
 public:
  explicit Parser(LexedTemplate lexed) : lexed_(std::move(lexed)) {}

  Result<std::unique_ptr<Program>> Run() {
    auto program = std::make_unique<Program>();
    std::string stop;
    CITADEL_ASSIGN_OR_RETURN(program->body, ParseBody({}, &stop));
    program->source = std::move(lexed_.source);
    return program;
  }

 private:
  // --- token helpers ---
  const Token& Peek(std::size_t ahead = 0) const {
    std::size_t i = pos_ + ahead;
    return i < lexed_.tokens.size() ? lexed_.tokens[i] : lexed_.tokens.back();
  }
  const Token& Next() {
    const Token& t = Peek();
    if (pos_ + 1 < lexed_.tokens.size()) ++pos_;
    return t;
  }
  bool IsOp(std::string_view op, std::size_t ahead = 0) const {
    return Peek(ahead).kind == TokenKind::kOperator && Peek(ahead).text == op;
  }
  bool IsName(std::string_view name, std::size_t ahead = 0) const {
    return Peek(ahead).kind == TokenKind::kName && Peek(ahead).text == name;
  }
  Status Error(std::size_t offset, std::string_view what) const {
    return InvalidArgumentError("template " + DescribePosition(lexed_.source, offset) + ": " +
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

  // --- statements ---

  // Parses statements until `{% <one of stop_words> ...`; leaves the stop
  // word unconsumed (pos_ on it) and stores it in *stop. At top level
  // (stop_words empty) runs to the end of the template.
  Result<Body> ParseBody(std::vector<std::string_view> stop_words, std::string* stop) {
    Body body;
    if (++depth_ > kMaxNesting) return ErrorHere("blocks nested too deeply");
    while (true) {
      const Token& t = Peek();
      if (t.kind == TokenKind::kEnd) {
        if (!stop_words.empty()) {
          return ErrorHere("missing '{% " + std::string(stop_words.back()) + " %}'");
        }
        break;
      }
      if (t.kind == TokenKind::kText) {
        auto stmt = std::make_unique<Stmt>();
        stmt->kind = StmtKind::kText;
        stmt->offset = t.offset;
        stmt->text = Next().text;
        body.push_back(std::move(stmt));
        continue;
      }
      if (t.kind == TokenKind::kOpenExpression) {
        Next();
        auto stmt = std::make_unique<Stmt>();
        stmt->kind = StmtKind::kOutput;
        stmt->offset = t.offset;
        CITADEL_ASSIGN_OR_RETURN(ExprPtr e, ParseExpression());
        stmt->exprs.push_back(std::move(e));
        if (Peek().kind != TokenKind::kCloseExpression) return ErrorHere("expected '}}'");
        Next();
        body.push_back(std::move(stmt));
        continue;
      }
      if (t.kind != TokenKind::kOpenStatement) return ErrorHere("unexpected token");
      const Token& keyword = Peek(1);
      if (keyword.kind != TokenKind::kName) {
        Next();
        return ErrorHere("expected a statement name");
      }
      for (std::string_view word : stop_words) {
        if (keyword.text == word) {
          Next();  // {%
          *stop = Next().text;
          --depth_;
          return body;
        }
      }
      Next();  // {%
      CITADEL_ASSIGN_OR_RETURN(auto stmt, ParseStatement());
      body.push_back(std::move(stmt));
    }
    --depth_;
    return body;
  }

  Result<std::unique_ptr<Stmt>> ParseStatement() {
    const Token& keyword = Peek();
    std::string word = keyword.text;
    auto stmt = std::make_unique<Stmt>();
    stmt->offset = keyword.offset;
    Next();
    if (word == "if") return ParseIf(std::move(stmt));
    if (word == "for") return ParseFor(std::move(stmt));
    if (word == "set") return ParseSet(std::move(stmt));
    if (word == "macro") return ParseMacro(std::move(stmt));
    if (word == "break" || word == "continue") {
      stmt->kind = word == "break" ? StmtKind::kBreak : StmtKind::kContinue;
      CITADEL_TRY(ExpectCloseStatement());
      return stmt;
    }
    if (word == "do") {
      stmt->kind = StmtKind::kDo;
      CITADEL_ASSIGN_OR_RETURN(ExprPtr e, ParseExpression());
      stmt->exprs.push_back(std::move(e));
      CITADEL_TRY(ExpectCloseStatement());
      return stmt;
    }
    if (word == "filter") return ParseFilterBlock(std::move(stmt));
    if (word == "generation") {
      stmt->kind = StmtKind::kBlock;
      CITADEL_TRY(ExpectCloseStatement());
      std::string stop;
      CITADEL_ASSIGN_OR_RETURN(Body body, ParseBody({"endgeneration"}, &stop));
      stmt->bodies.push_back(std::move(body));
      CITADEL_TRY(ExpectCloseStatement());
      return stmt;
    }
    return Error(keyword.offset, "unknown statement '" + word + "'");
  }

  Result<std::unique_ptr<Stmt>> ParseIf(std::unique_ptr<Stmt> stmt) {
    stmt->kind = StmtKind::kIf;
    while (true) {
      CITADEL_ASSIGN_OR_RETURN(ExprPtr cond, ParseExpression());
      CITADEL_TRY(ExpectCloseStatement());
      std::string stop;
      CITADEL_ASSIGN_OR_RETURN(Body body, ParseBody({"elif", "else", "endif"}, &stop));
      stmt->exprs.push_back(std::move(cond));
      stmt->bodies.push_back(std::move(body));
      if (stop == "elif") continue;
      if (stop == "else") {
        CITADEL_TRY(ExpectCloseStatement());
        CITADEL_ASSIGN_OR_RETURN(Body else_body, ParseBody({"endif"}, &stop));
        stmt->bodies.push_back(std::move(else_body));
        stmt->has_else = true;
      }
      CITADEL_TRY(ExpectCloseStatement());
      return stmt;
    }
  }

  Result<std::unique_ptr<Stmt>> ParseFor(std::unique_ptr<Stmt> stmt) {
    stmt->kind = StmtKind::kFor;
    bool parenthesized = IsOp("(");
    if (parenthesized) Next();
    while (true) {
      CITADEL_ASSIGN_OR_RETURN(std::string name, TakeName());
      stmt->names.push_back(std::move(name));
      if (!IsOp(",")) break;
      Next();
    }
    if (parenthesized) CITADEL_TRY(ExpectOp(")"));
    CITADEL_TRY(ExpectName("in"));
    CITADEL_ASSIGN_OR_RETURN(ExprPtr iterable, ParseOr());
    stmt->exprs.push_back(std::move(iterable));
    if (IsName("if")) {
      Next();
      CITADEL_ASSIGN_OR_RETURN(ExprPtr cond, ParseOr());
      stmt->exprs.push_back(std::move(cond));
    }
    if (IsName("recursive")) return ErrorHere("recursive loops are not supported");
    CITADEL_TRY(ExpectCloseStatement());
    std::string stop;
    CITADEL_ASSIGN_OR_RETURN(Body body, ParseBody({"else", "endfor"}, &stop));
    stmt->bodies.push_back(std::move(body));
    if (stop == "else") {
      CITADEL_TRY(ExpectCloseStatement());
      CITADEL_ASSIGN_OR_RETURN(Body else_body, ParseBody({"endfor"}, &stop));
      stmt->bodies.push_back(std::move(else_body));
      stmt->has_else = true;
    }
    CITADEL_TRY(ExpectCloseStatement());
    return stmt;
  }

  Result<std::unique_ptr<Stmt>> ParseSet(std::unique_ptr<Stmt> stmt) {
    stmt->kind = StmtKind::kSet;
    CITADEL_ASSIGN_OR_RETURN(std::string first, TakeName());
    if (IsOp(".")) {  // set ns.attr = value
      Next();
      CITADEL_ASSIGN_OR_RETURN(std::string attr, TakeName());
      stmt->text = std::move(first);
      stmt->names.push_back(std::move(attr));
    } else {
      stmt->names.push_back(std::move(first));
      while (IsOp(",")) {
        Next();
        CITADEL_ASSIGN_OR_RETURN(std::string name, TakeName());
        stmt->names.push_back(std::move(name));
      }
    }
    if (IsOp("=")) {
      Next();
      CITADEL_ASSIGN_OR_RETURN(ExprPtr value, ParseTupleOrExpression());
      stmt->exprs.push_back(std::move(value));
      CITADEL_TRY(ExpectCloseStatement());
      return stmt;
    }
    if (stmt->names.size() != 1 || !stmt->text.empty()) return ErrorHere("expected '='");
    CITADEL_TRY(ExpectCloseStatement());
    std::string stop;
    CITADEL_ASSIGN_OR_RETURN(Body body, ParseBody({"endset"}, &stop));
    stmt->bodies.push_back(std::move(body));
    CITADEL_TRY(ExpectCloseStatement());
    return stmt;
  }

  Result<std::unique_ptr<Stmt>> ParseMacro(std::unique_ptr<Stmt> stmt) {
    stmt->kind = StmtKind::kMacro;
    CITADEL_ASSIGN_OR_RETURN(stmt->text, TakeName());
    CITADEL_TRY(ExpectOp("("));
    while (!IsOp(")")) {
      CITADEL_ASSIGN_OR_RETURN(std::string param, TakeName());
      ExprPtr default_value;
      if (IsOp("=")) {
        Next();
        CITADEL_ASSIGN_OR_RETURN(default_value, ParseExpression());
      }
      stmt->names.push_back(std::move(param));
      stmt->exprs.push_back(std::move(default_value));
      if (!IsOp(",")) break;
      Next();
    }
    CITADEL_TRY(ExpectOp(")"));
    CITADEL_TRY(ExpectCloseStatement());
    std::string stop;
    CITADEL_ASSIGN_OR_RETURN(Body body, ParseBody({"endmacro"}, &stop));
    stmt->bodies.push_back(std::move(body));
    CITADEL_TRY(ExpectCloseStatement());
    return stmt;
  }

  Result<std::unique_ptr<Stmt>> ParseFilterBlock(std::unique_ptr<Stmt> stmt) {
    stmt->kind = StmtKind::kFilterBlock;
    auto operand = std::make_unique<Expr>();
    operand->kind = ExprKind::kLiteral;
    operand->offset = Peek().offset;
    CITADEL_ASSIGN_OR_RETURN(ExprPtr filter, ParseFilterTail(std::move(operand)));
    while (IsOp("|")) {
      Next();
      CITADEL_ASSIGN_OR_RETURN(filter, ParseFilterTail(std::move(filter)));
    }
    stmt->exprs.push_back(std::move(filter));
    CITADEL_TRY(ExpectCloseStatement());
    std::string stop;
    CITADEL_ASSIGN_OR_RETURN(Body body, ParseBody({"endfilter"}, &stop));
    stmt->bodies.push_back(std::move(body));
    CITADEL_TRY(ExpectCloseStatement());
    return stmt;
  }

  // --- expressions ---

  static ExprPtr Make(ExprKind kind, std::size_t offset, std::string name = {}) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->offset = offset;
    e->name = std::move(name);
    return e;
  }

  static ExprPtr MakeBinary(std::string op, ExprPtr lhs, ExprPtr rhs) {
    auto e = Make(ExprKind::kBinary, lhs->offset, std::move(op));
    e->children.push_back(std::move(lhs));
    e->children.push_back(std::move(rhs));
    return e;
  }

  // `a, b` without brackets (set targets' values) becomes a list.
  Result<ExprPtr> ParseTupleOrExpression() {
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

  Result<ExprPtr> ParseExpression() {
    if (++depth_ > kMaxNesting) return ErrorHere("expression nested too deeply");
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
    --depth_;
    return value;
  }

  Result<ExprPtr> ParseOr() {
    CITADEL_ASSIGN_OR_RETURN(ExprPtr lhs, ParseAnd());
    while (IsName("or")) {
      Next();
      CITADEL_ASSIGN_OR_RETURN(ExprPtr rhs, ParseAnd());
      lhs = MakeBinary("or", std::move(lhs), std::move(rhs));
    }
    return lhs;
  }

  Result<ExprPtr> ParseAnd() {
    CITADEL_ASSIGN_OR_RETURN(ExprPtr lhs, ParseNot());
    while (IsName("and")) {
      Next();
      CITADEL_ASSIGN_OR_RETURN(ExprPtr rhs, ParseNot());
      lhs = MakeBinary("and", std::move(lhs), std::move(rhs));
    }
    return lhs;
  }

  Result<ExprPtr> ParseNot() {
    if (IsName("not")) {
      std::size_t offset = Next().offset;
      if (++depth_ > kMaxNesting) return ErrorHere("expression nested too deeply");
      CITADEL_ASSIGN_OR_RETURN(ExprPtr operand, ParseNot());
      --depth_;
      auto e = Make(ExprKind::kUnary, offset, "not");
      e->children.push_back(std::move(operand));
      return e;
    }
    return ParseCompare();
  }

  Result<ExprPtr> ParseCompare() {
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

  Result<ExprPtr> ParseAdditive() {
    CITADEL_ASSIGN_OR_RETURN(ExprPtr lhs, ParseConcat());
    while (IsOp("+") || IsOp("-")) {
      std::string op = Next().text;
      CITADEL_ASSIGN_OR_RETURN(ExprPtr rhs, ParseConcat());
      lhs = MakeBinary(std::move(op), std::move(lhs), std::move(rhs));
    }
    return lhs;
  }

  Result<ExprPtr> ParseConcat() {
    CITADEL_ASSIGN_OR_RETURN(ExprPtr lhs, ParseMultiplicative());
    while (IsOp("~")) {
      Next();
      CITADEL_ASSIGN_OR_RETURN(ExprPtr rhs, ParseMultiplicative());
      lhs = MakeBinary("~", std::move(lhs), std::move(rhs));
    }
    return lhs;
  }

  Result<ExprPtr> ParseMultiplicative() {
    CITADEL_ASSIGN_OR_RETURN(ExprPtr lhs, ParsePower());
    while (IsOp("*") || IsOp("/") || IsOp("//") || IsOp("%")) {
      std::string op = Next().text;
      CITADEL_ASSIGN_OR_RETURN(ExprPtr rhs, ParsePower());
      lhs = MakeBinary(std::move(op), std::move(lhs), std::move(rhs));
    }
    return lhs;
  }

  Result<ExprPtr> ParsePower() {
    CITADEL_ASSIGN_OR_RETURN(ExprPtr lhs, ParseUnary());
    while (IsOp("**")) {
      Next();
      CITADEL_ASSIGN_OR_RETURN(ExprPtr rhs, ParseUnary());
      lhs = MakeBinary("**", std::move(lhs), std::move(rhs));
    }
    return lhs;
  }

  Result<ExprPtr> ParseUnary() {
    if (IsOp("-") || IsOp("+")) {
      const Token& op = Next();
      if (++depth_ > kMaxNesting) return ErrorHere("expression nested too deeply");
      CITADEL_ASSIGN_OR_RETURN(ExprPtr operand, ParseUnary());
      --depth_;
      auto e = Make(ExprKind::kUnary, op.offset, op.text);
      e->children.push_back(std::move(operand));
      return e;
    }
    CITADEL_ASSIGN_OR_RETURN(ExprPtr primary, ParsePrimary());
    CITADEL_ASSIGN_OR_RETURN(primary, ParsePostfix(std::move(primary)));
    return ParseFiltersAndTests(std::move(primary));
  }

  Result<ExprPtr> ParseFiltersAndTests(ExprPtr operand) {
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
  Result<ExprPtr> ParseFilterTail(ExprPtr operand) {
    std::size_t offset = Peek().offset;
    CITADEL_ASSIGN_OR_RETURN(std::string name, TakeName());
    auto e = Make(ExprKind::kFilter, offset, std::move(name));
    e->children.push_back(std::move(operand));
    if (IsOp("(")) CITADEL_TRY(ParseArguments(*e));
    return ParsePostfix(std::move(e));
  }

  Result<ExprPtr> ParseTestTail(ExprPtr operand) {
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
  Status ParseArguments(Expr& e) {
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

  Result<ExprPtr> ParsePostfix(ExprPtr operand) {
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

  Result<ExprPtr> ParseSubscript(ExprPtr operand) {
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

  Result<ExprPtr> ParsePrimary() {
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

  Result<ExprPtr> ParseNamePrimary() {
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

  Result<ExprPtr> ParseParenthesized() {
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

  Result<ExprPtr> ParseListLiteral() {
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

  Result<ExprPtr> ParseDictLiteral() {
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

  LexedTemplate lexed_;
  std::size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

Result<std::unique_ptr<Program>> ParseTemplate(std::string_view source) {
  CITADEL_ASSIGN_OR_RETURN(LexedTemplate lexed, Lex(source));
  return Parser(std::move(lexed)).Run();
}

}  // namespace citadel::tokenizer::jinja
