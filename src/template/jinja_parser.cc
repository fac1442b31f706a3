#include "template/jinja_parser.h"

#include <utility>

#include "template/jinja_expression_parser.h"
#include "template/jinja_lexer.h"
#include "template/jinja_parser_base.h"

namespace citadel::tmpl::jinja {
namespace {

// Statement parser; expressions go to the ExpressionParser sharing its cursor.
class Parser : public ParserBase {
 public:
  explicit Parser(LexedTemplate lexed) : ParserBase(state_storage_), expr_(state_storage_) {
    state_storage_.lexed = std::move(lexed);
  }

  Result<std::unique_ptr<Program>> Run() {
    auto program = std::make_unique<Program>();
    std::string stop;
    CITADEL_ASSIGN_OR_RETURN(program->body, ParseBody({}, &stop));
    program->source = std::move(state_.lexed.source);
    return program;
  }

 private:
  // Parses statements until `{% <one of stop_words> ...`; leaves the stop
  // word unconsumed (state_.pos on it) and stores it in *stop. At top level
  // (stop_words empty) runs to the end of the template.
  Result<Body> ParseBody(std::vector<std::string_view> stop_words, std::string* stop) {
    Body body;
    if (++state_.depth > kMaxParseNesting) return ErrorHere("blocks nested too deeply");
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
        CITADEL_ASSIGN_OR_RETURN(ExprPtr e, expr_.ParseExpression());
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
          --state_.depth;
          return body;
        }
      }
      Next();  // {%
      CITADEL_ASSIGN_OR_RETURN(auto stmt, ParseStatement());
      body.push_back(std::move(stmt));
    }
    --state_.depth;
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
      CITADEL_ASSIGN_OR_RETURN(ExprPtr e, expr_.ParseExpression());
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
      CITADEL_ASSIGN_OR_RETURN(ExprPtr cond, expr_.ParseExpression());
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
    CITADEL_ASSIGN_OR_RETURN(ExprPtr iterable, expr_.ParseOr());
    stmt->exprs.push_back(std::move(iterable));
    if (IsName("if")) {
      Next();
      CITADEL_ASSIGN_OR_RETURN(ExprPtr cond, expr_.ParseOr());
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
      CITADEL_ASSIGN_OR_RETURN(ExprPtr value, expr_.ParseTupleOrExpression());
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
        CITADEL_ASSIGN_OR_RETURN(default_value, expr_.ParseExpression());
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
    CITADEL_ASSIGN_OR_RETURN(ExprPtr filter, expr_.ParseFilterTail(std::move(operand)));
    while (IsOp("|")) {
      Next();
      CITADEL_ASSIGN_OR_RETURN(filter, expr_.ParseFilterTail(std::move(filter)));
    }
    stmt->exprs.push_back(std::move(filter));
    CITADEL_TRY(ExpectCloseStatement());
    std::string stop;
    CITADEL_ASSIGN_OR_RETURN(Body body, ParseBody({"endfilter"}, &stop));
    stmt->bodies.push_back(std::move(body));
    CITADEL_TRY(ExpectCloseStatement());
    return stmt;
  }

  TokenState state_storage_;
  ExpressionParser expr_;
};

}  // namespace

Result<std::unique_ptr<Program>> ParseTemplate(std::string_view source) {
  CITADEL_ASSIGN_OR_RETURN(LexedTemplate lexed, Lex(source));
  return Parser(std::move(lexed)).Run();
}

}  // namespace citadel::tmpl::jinja
