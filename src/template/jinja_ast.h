// The syntax tree of a parsed Jinja template: expressions and statements.
//
// Built once by the parser and never mutated afterwards, so one tree may be
// rendered by many threads at once.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "template/jinja_value.h"

namespace citadel::tmpl::jinja {

enum class ExprKind {
  kLiteral,      // literal
  kName,         // name
  kList,         // [children...]  (tuples too)
  kDict,         // {children[0]: children[1], ...}
  kMember,       // children[0].name
  kIndex,        // children[0][children[1]]
  kSlice,        // children[0][children[1]:children[2]:children[3]] (null = omitted)
  kCall,         // children[0](children[1..]); keyword names in arg_names
  kFilter,       // children[0] | name(children[1..])
  kTest,         // children[0] is [not] name(children[1..])
  kUnary,        // op children[0]   (op: not, -, +)
  kBinary,       // children[0] op children[1]
  kConditional,  // children[1] if children[0] else children[2] (may be null)
};

struct Expr {
  ExprKind kind = ExprKind::kLiteral;
  std::size_t offset = 0;  // where it starts in the source, for error messages
  std::string name;        // name, member, filter/test name or operator
  Value literal;
  bool negated = false;  // `is not`
  std::vector<std::unique_ptr<Expr>> children;
  // For calls, filters and tests: the keyword of each argument (children[1..]),
  // empty for positional ones.
  std::vector<std::string> arg_names;
};

using ExprPtr = std::unique_ptr<Expr>;

enum class StmtKind {
  kText,    // text
  kOutput,  // {{ exprs[0] }}
  kIf,      // exprs[i] guards bodies[i]; an extra body is the else branch
  kFor,     // for names in exprs[0] [if exprs[1]]: bodies[0] else bodies[1]
  kSet,     // set names (or exprs[1].name) = exprs[0]; block form uses bodies[0]
  kMacro,   // macro text(names = defaults exprs) bodies[0]
  kBreak,
  kContinue,
  kFilterBlock,  // filter exprs[0] (a kFilter on an empty operand) bodies[0]
  kBlock,        // generation / other pass-through blocks: bodies[0]
  kDo,           // do exprs[0]
};

struct Stmt;
using Body = std::vector<std::unique_ptr<Stmt>>;

struct Stmt {
  StmtKind kind = StmtKind::kText;
  std::size_t offset = 0;
  std::string text;                // text, or the macro name
  std::vector<std::string> names;  // loop / set targets, macro parameters
  std::vector<ExprPtr> exprs;      // may hold nulls (macro parameters without default)
  std::vector<Body> bodies;
  bool has_else = false;  // for loops and ifs
};

// A parsed template: the normalized source (for error positions) and the
// top-level statements. Immutable after parsing.
struct Program {
  std::string source;
  Body body;
};

}  // namespace citadel::tmpl::jinja
