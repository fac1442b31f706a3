// The small JSON reader and writer the template engine needs: `tojson`, and
// turning tools_json / tool-call arguments into Jinja values.
//
// Stateless free functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "template/jinja_value.h"
#include "util/status.h"

namespace citadel::tmpl::jinja {

struct JsonFormat {
  int indent = -1;             // < 0: one line; >= 0: newline after each item
  std::string item_separator;  // empty: ", " on one line, "," when indenting
  std::string key_separator = ": ";
};

// Writes `value` as JSON the way the reference engine's `tojson` does: keys
// in insertion order, non-ASCII text unescaped, undefined as null.
std::string ToJson(const Value& value, const JsonFormat& format = {});

// Parses strict JSON text (RFC 8259) into a Value (objects keep key order).
// InvalidArgument naming the byte offset on malformed input or nesting deeper
// than 128 levels.
Result<Value> ParseJson(std::string_view text);

}  // namespace citadel::tmpl::jinja
