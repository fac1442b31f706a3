// Methods called on values: Python str, list and dict methods templates use
// (`text.strip()`, `messages.append(x)`, `tool.get('name', '')`, ...).
//
// Stateless; thread-compatible like the Values (list and dict methods mutate
// the shared container, as in Python).
#pragma once

#include <string_view>

#include "template/jinja_value.h"
#include "util/status.h"

namespace citadel::tmpl::jinja {

// Calls method `name` on `self`. NotFound when the type has no such method,
// InvalidArgument for bad arguments.
Result<Value> CallMethod(const Value& self, std::string_view name, const CallArgs& args);

}  // namespace citadel::tmpl::jinja
