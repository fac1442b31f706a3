// Jinja parser: tokens -> Program (syntax tree).
//
// Supports the statements chat templates use: if/elif/else, for (with loop
// filter, else and tuple targets), set (plain, tuple, namespace attribute and
// block form), macro, break/continue, filter blocks, do, and pass-through
// blocks such as {% generation %}. Expression nesting is bounded so hostile
// input cannot exhaust the stack.
//
// Stateless; thread-safe.
#pragma once

#include <memory>
#include <string_view>

#include "template/jinja_ast.h"
#include "util/status.h"

namespace citadel::tmpl::jinja {

// Parses template source. InvalidArgument naming "line L, column C" of the
// first lexical or syntax error.
Result<std::unique_ptr<Program>> ParseTemplate(std::string_view source);

}  // namespace citadel::tmpl::jinja
