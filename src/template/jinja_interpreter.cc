#include "template/jinja_interpreter.h"

#include <ctime>
#include <limits>
#include <utility>

#include "template/jinja_filters.h"
#include "template/jinja_lexer.h"
#include "template/jinja_methods.h"

namespace citadel::tmpl::jinja {
namespace {

constexpr std::string_view kPositionPrefix = "template line ";

std::vector<std::string> Utf8Chars(const std::string& s) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < s.size();) {
    std::size_t n = 1;
    while (i + n < s.size() && (static_cast<unsigned char>(s[i + n]) & 0xC0) == 0x80) ++n;
    out.push_back(s.substr(i, n));
    i += n;
  }
  return out;
}

// The `loop` variable of iteration `i` over `items`.
Value LoopObject(const std::vector<Value>& items, std::int64_t i) {
  const std::int64_t n = static_cast<std::int64_t>(items.size());
  Value loop = Value::NewObject();
  Object& l = loop.object();
  l.Set("index", Value::Int(i + 1));
  l.Set("index0", Value::Int(i));
  l.Set("revindex", Value::Int(n - i));
  l.Set("revindex0", Value::Int(n - i - 1));
  l.Set("first", Value::Bool(i == 0));
  l.Set("last", Value::Bool(i == n - 1));
  l.Set("length", Value::Int(n));
  l.Set("depth", Value::Int(1));
  l.Set("depth0", Value::Int(0));
  l.Set("previtem", i > 0 ? items[static_cast<std::size_t>(i - 1)] : Value());
  l.Set("nextitem", i + 1 < n ? items[static_cast<std::size_t>(i + 1)] : Value());
  return loop;
}

}  // namespace

Interpreter::Interpreter(const Program& program, RenderLimits limits, std::int64_t now_unix_seconds)
    : program_(program), limits_(limits), now_unix_seconds_(now_unix_seconds) {
  scopes_.push_back(&globals_);
  InstallBuiltins();
}

Interpreter::~Interpreter() {
  // Templates may build reference cycles (`ns.me = ns`, `l.append(l)`); only
  // containers mutated after creation can be part of one, so emptying those
  // frees everything once the render is over.
  for (Value& v : mutated_) {
    if (v.is_array()) v.array().clear();
    if (v.is_object()) v.object().entries.clear();
  }
}

void Interpreter::NoteMutation(const Value& container) {
  const void* id = container.is_array() ? static_cast<const void*>(&container.array())
                                        : static_cast<const void*>(&container.object());
  if (mutated_ids_.insert(id).second) mutated_.push_back(container);
}

void Interpreter::SetGlobal(const std::string& name, Value value) {
  globals_[name] = std::move(value);
}

Result<std::string> Interpreter::Render() {
  std::string out;
  out_ = &out;
  CITADEL_TRY(ExecBody(program_.body));
  return out;
}

Status Interpreter::At(std::size_t offset, const Status& status) const {
  if (status.ok() || status.message().rfind(kPositionPrefix, 0) == 0) return status;
  return Status(status.code(),
                "template " + DescribePosition(program_.source, offset) + ": " + status.message());
}

Value Interpreter::Lookup(const std::string& name) const {
  for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it) {
    auto found = (*it)->find(name);
    if (found != (*it)->end()) return found->second;
  }
  return Value();
}

void Interpreter::Assign(const std::string& name, Value value) {
  (*scopes_.back())[name] = std::move(value);
}

void Interpreter::InstallBuiltins() {
  globals_["range"] = Value::Function("range", [](const CallArgs& args) -> Result<Value> {
    std::int64_t start = 0;
    std::int64_t stop = 0;
    std::int64_t step = 1;
    const auto& p = args.positional;
    for (const Value& v : p) {
      if (!v.is_int()) return InvalidArgumentError("range() needs integers");
    }
    if (p.size() == 1) {
      stop = p[0].int_value();
    } else if (p.size() >= 2) {
      start = p[0].int_value();
      stop = p[1].int_value();
      if (p.size() > 2) step = p[2].int_value();
    } else {
      return InvalidArgumentError("range() needs 1 to 3 arguments");
    }
    if (step == 0) return InvalidArgumentError("range() step must not be zero");
    Value out = Value::NewArray();
    for (std::int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
      if (out.array().size() >= 1'000'000) return ResourceExhaustedError("range() too long");
      out.array().push_back(Value::Int(i));
    }
    return out;
  });
  auto make_dict = [](const CallArgs& args) -> Result<Value> {
    Value ns = Value::NewObject();
    for (const Value& v : args.positional) {
      if (v.is_object()) ns.object().entries = v.object().entries;
    }
    for (const auto& [k, v] : args.keyword) ns.object().Set(k, v);
    return ns;
  };
  globals_["namespace"] = Value::Function("namespace", make_dict);
  globals_["dict"] = Value::Function("dict", make_dict);
  globals_["raise_exception"] =
      Value::Function("raise_exception", [](const CallArgs& args) -> Result<Value> {
        std::string message = args.positional.empty() ? "" : args.positional[0].ToString();
        return InvalidArgumentError("raise_exception: " + message);
      });
  std::int64_t now = now_unix_seconds_;
  globals_["strftime_now"] =
      Value::Function("strftime_now", [now](const CallArgs& args) -> Result<Value> {
        if (args.positional.empty() || !args.positional[0].is_string()) {
          return InvalidArgumentError("strftime_now() needs a format string");
        }
        std::time_t t = static_cast<std::time_t>(now);
        std::tm local{};
        localtime_r(&t, &local);
        char buffer[256];
        std::size_t n = std::strftime(buffer, sizeof(buffer),
                                      args.positional[0].string_value().c_str(), &local);
        return Value::String(std::string(buffer, n));
      });
}

Status Interpreter::Emit(std::string_view text, std::size_t offset) {
  if (out_->size() + text.size() > limits_.max_output_bytes) {
    return At(offset, ResourceExhaustedError("output larger than " +
                                             std::to_string(limits_.max_output_bytes) + " bytes"));
  }
  out_->append(text);
  return OkStatus();
}

Result<std::string> Interpreter::Capture(const Body& body) {
  std::string captured;
  std::string* saved = out_;
  out_ = &captured;
  Status status = ExecBody(body);
  out_ = saved;
  CITADEL_TRY(status);
  return captured;
}

Status Interpreter::ExecBody(const Body& body) {
  for (const auto& stmt : body) {
    CITADEL_TRY(Exec(*stmt));
    if (flow_ != Flow::kNormal) return OkStatus();
  }
  return OkStatus();
}

Status Interpreter::Exec(const Stmt& stmt) {
  switch (stmt.kind) {
    case StmtKind::kText:
      return Emit(stmt.text, stmt.offset);
    case StmtKind::kOutput: {
      CITADEL_ASSIGN_OR_RETURN(Value v, Eval(*stmt.exprs[0]));
      return Emit(v.ToString(), stmt.offset);
    }
    case StmtKind::kIf:
      return ExecIf(stmt);
    case StmtKind::kFor:
      return ExecFor(stmt);
    case StmtKind::kSet:
      return ExecSet(stmt);
    case StmtKind::kMacro:
      return ExecMacro(stmt);
    case StmtKind::kBreak:
      flow_ = Flow::kBreak;
      return OkStatus();
    case StmtKind::kContinue:
      flow_ = Flow::kContinue;
      return OkStatus();
    case StmtKind::kFilterBlock:
      return ExecFilterBlock(stmt);
    case StmtKind::kBlock:
      return ExecBody(stmt.bodies[0]);
    case StmtKind::kDo: {
      CITADEL_ASSIGN_OR_RETURN(Value ignored, Eval(*stmt.exprs[0]));
      (void)ignored;
      return OkStatus();
    }
  }
  return OkStatus();
}

Status Interpreter::ExecIf(const Stmt& stmt) {
  for (std::size_t i = 0; i < stmt.exprs.size(); ++i) {
    CITADEL_ASSIGN_OR_RETURN(Value cond, Eval(*stmt.exprs[i]));
    if (cond.Truthy()) return ExecBody(stmt.bodies[i]);
  }
  if (stmt.has_else) return ExecBody(stmt.bodies.back());
  return OkStatus();
}

Result<std::vector<Value>> Interpreter::IterationItems(const Value& iterable, const Expr& where) {
  if (iterable.is_array()) return iterable.array();
  std::vector<Value> items;
  if (iterable.is_object()) {
    for (const auto& entry : iterable.object().entries)
      items.push_back(iterable.object().KeyValue(entry.first));
  } else if (iterable.is_string()) {
    for (auto& c : Utf8Chars(iterable.string_value())) items.push_back(Value::String(std::move(c)));
  } else if (!iterable.is_undefined() && !iterable.is_none()) {
    return At(where.offset,
              InvalidArgumentError("cannot iterate over a " + std::string(iterable.TypeName())));
  }
  return items;
}

Status Interpreter::ExecFor(const Stmt& stmt) {
  CITADEL_ASSIGN_OR_RETURN(Value iterable, Eval(*stmt.exprs[0]));
  CITADEL_ASSIGN_OR_RETURN(std::vector<Value> all, IterationItems(iterable, *stmt.exprs[0]));
  Frame frame;
  scopes_.push_back(&frame);
  auto bind = [&](const Value& item) -> Status {
    if (stmt.names.size() == 1) {
      frame[stmt.names[0]] = item;
      return OkStatus();
    }
    if (!item.is_array() || item.array().size() != stmt.names.size()) {
      return At(stmt.offset,
                InvalidArgumentError("cannot unpack a " + std::string(item.TypeName()) + " into " +
                                     std::to_string(stmt.names.size()) + " names"));
    }
    for (std::size_t i = 0; i < stmt.names.size(); ++i) frame[stmt.names[i]] = item.array()[i];
    return OkStatus();
  };
  std::vector<Value> items;
  Status status;
  if (stmt.exprs.size() > 1) {  // loop filter: `for x in xs if cond`
    for (const Value& item : all) {
      status = bind(item);
      if (!status.ok()) break;
      auto keep = Eval(*stmt.exprs[1]);
      if (!keep.ok()) {
        status = keep.status();
        break;
      }
      if (keep->Truthy()) items.push_back(item);
    }
  } else {
    items = std::move(all);
  }
  const std::int64_t n = static_cast<std::int64_t>(items.size());
  for (std::int64_t i = 0; i < n && status.ok(); ++i) {
    if (++iterations_ > limits_.max_loop_iterations) {
      status = At(stmt.offset, ResourceExhaustedError("more than " +
                                                      std::to_string(limits_.max_loop_iterations) +
                                                      " loop iterations"));
      break;
    }
    frame.clear();
    status = bind(items[static_cast<std::size_t>(i)]);
    if (!status.ok()) break;
    frame["loop"] = LoopObject(items, i);
    status = ExecBody(stmt.bodies[0]);
    if (flow_ == Flow::kBreak) {
      flow_ = Flow::kNormal;
      break;
    }
    flow_ = Flow::kNormal;
  }
  scopes_.pop_back();
  CITADEL_TRY(status);
  if (n == 0 && stmt.has_else) return ExecBody(stmt.bodies[1]);
  return OkStatus();
}

Status Interpreter::ExecSet(const Stmt& stmt) {
  Value value;
  if (stmt.exprs.empty()) {
    CITADEL_ASSIGN_OR_RETURN(std::string text, Capture(stmt.bodies[0]));
    value = Value::String(std::move(text));
  } else {
    CITADEL_ASSIGN_OR_RETURN(value, Eval(*stmt.exprs[0]));
  }
  if (!stmt.text.empty()) {  // set ns.attr = value
    Value target = Lookup(stmt.text);
    if (!target.is_object()) {
      return At(stmt.offset, InvalidArgumentError("cannot set an attribute on '" + stmt.text +
                                                  "' (a " + std::string(target.TypeName()) + ")"));
    }
    NoteMutation(target);
    target.object().Set(stmt.names[0], std::move(value));
    return OkStatus();
  }
  if (stmt.names.size() == 1) {
    Assign(stmt.names[0], std::move(value));
    return OkStatus();
  }
  if (!value.is_array() || value.array().size() != stmt.names.size()) {
    return At(stmt.offset, InvalidArgumentError("cannot unpack value into " +
                                                std::to_string(stmt.names.size()) + " names"));
  }
  std::vector<Value> parts = value.array();
  for (std::size_t i = 0; i < stmt.names.size(); ++i) Assign(stmt.names[i], parts[i]);
  return OkStatus();
}

Status Interpreter::ExecMacro(const Stmt& stmt) {
  const Stmt* macro = &stmt;
  Assign(stmt.text, Value::Function(stmt.text, [this, macro](const CallArgs& args) {
           return CallMacro(*macro, args);
         }));
  return OkStatus();
}

Result<Value> Interpreter::CallMacro(const Stmt& macro, const CallArgs& args) {
  if (call_depth_ >= limits_.max_call_depth) {
    return At(macro.offset, ResourceExhaustedError("macro calls nested deeper than " +
                                                   std::to_string(limits_.max_call_depth)));
  }
  Frame frame;
  for (std::size_t i = 0; i < macro.names.size(); ++i) {
    const Value* given = args.Get(i, macro.names[i]);
    if (given != nullptr) {
      frame[macro.names[i]] = *given;
    } else if (macro.exprs[i]) {
      CITADEL_ASSIGN_OR_RETURN(frame[macro.names[i]], Eval(*macro.exprs[i]));
    } else {
      frame[macro.names[i]] = Value();
    }
  }
  std::vector<Frame*> saved_scopes = {&globals_, &frame};
  std::swap(saved_scopes, scopes_);
  Flow saved_flow = flow_;
  ++call_depth_;
  Result<std::string> text = Capture(macro.bodies[0]);
  --call_depth_;
  flow_ = saved_flow;
  std::swap(saved_scopes, scopes_);
  CITADEL_TRY(text.status());
  return Value::String(std::move(*text));
}

Status Interpreter::ExecFilterBlock(const Stmt& stmt) {
  CITADEL_ASSIGN_OR_RETURN(std::string text, Capture(stmt.bodies[0]));
  // The block text replaces the empty literal at the bottom of the filter chain.
  std::vector<const Expr*> chain;
  for (const Expr* e = stmt.exprs[0].get(); e->kind == ExprKind::kFilter;
       e = e->children[0].get()) {
    chain.push_back(e);
  }
  Value value = Value::String(std::move(text));
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    CITADEL_ASSIGN_OR_RETURN(CallArgs args, EvalArgs(**it));
    auto filtered = ApplyFilter((*it)->name, value, args);
    if (!filtered.ok()) return At((*it)->offset, filtered.status());
    value = std::move(*filtered);
  }
  return Emit(value.ToString(), stmt.offset);
}

}  // namespace citadel::tmpl::jinja
