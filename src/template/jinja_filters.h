// Jinja filters (`value | name(args)`) and tests (`value is name(args)`).
//
// Stateless free functions over Values; thread-compatible like the Values.
#pragma once

#include <cstddef>
#include <string_view>

#include "template/jinja_value.h"
#include "util/status.h"

namespace citadel::tmpl::jinja {

// Hard bound on the size of any string or list a filter or method builds.
inline constexpr std::size_t kMaxBuiltValueSize = 16u << 20;

// Applies filter `name` to `input`. NotFound for an unknown filter,
// InvalidArgument for arguments of the wrong type (message without a source
// position; the interpreter adds it).
Result<Value> ApplyFilter(std::string_view name, const Value& input, const CallArgs& args);

// Evaluates test `name` on `input`. NotFound for an unknown test.
Result<bool> ApplyTest(std::string_view name, const Value& input, const CallArgs& args);

// Number of Unicode code points in UTF-8 text (Python's len()).
std::size_t Utf8Length(std::string_view text);

// Python str.strip/lstrip/rstrip: removes `chars` (whitespace when null).
std::string StripString(std::string_view text, const Value* chars, bool left, bool right);

}  // namespace citadel::tmpl::jinja
