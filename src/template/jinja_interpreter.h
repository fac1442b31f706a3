// Jinja interpreter: renders a parsed Program against global variables.
//
// Sandboxed: templates can do no I/O; loop iterations, output size, call
// depth and built value sizes are bounded (ResourceExhausted past a limit).
// Errors name the template line and column.
//
// One Interpreter per render; thread-compatible (a Program may be shared by
// many interpreters on many threads, it is never mutated).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "template/jinja_ast.h"
#include "template/jinja_value.h"
#include "util/status.h"

namespace citadel::tmpl::jinja {

struct RenderLimits {
  std::size_t max_output_bytes = 8u << 20;
  std::uint64_t max_loop_iterations = 1'000'000;  // all loops of a render together
  int max_call_depth = 48;                        // nested macro calls
};

class Interpreter {
 public:
  // `program` must outlive the interpreter. `now_unix_seconds` is what
  // strftime_now() formats (local time).
  Interpreter(const Program& program, RenderLimits limits, std::int64_t now_unix_seconds);
  ~Interpreter();
  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;

  // Defines a global variable (overrides a built-in function of that name).
  void SetGlobal(const std::string& name, Value value);

  // Renders the program once. Errors as described above.
  Result<std::string> Render();

 private:
  using Frame = std::unordered_map<std::string, Value>;
  enum class Flow { kNormal, kBreak, kContinue };

  Status ExecBody(const Body& body);
  Status Exec(const Stmt& stmt);
  Status ExecIf(const Stmt& stmt);
  Status ExecFor(const Stmt& stmt);
  Status ExecSet(const Stmt& stmt);
  Status ExecMacro(const Stmt& stmt);
  Status ExecFilterBlock(const Stmt& stmt);
  Status Emit(std::string_view text, std::size_t offset);
  Result<std::string> Capture(const Body& body);

  Result<Value> Eval(const Expr& expr);
  Result<Value> EvalUnary(const Expr& expr);
  Result<Value> EvalBinary(const Expr& expr);
  Result<Value> EvalFilterOrTest(const Expr& expr);
  Result<Value> EvalCall(const Expr& expr);
  Result<Value> EvalIndex(const Expr& expr);
  Result<Value> EvalSlice(const Expr& expr);
  Result<CallArgs> EvalArgs(const Expr& expr);
  Result<Value> CallMacro(const Stmt& macro, const CallArgs& args);
  Result<std::vector<Value>> IterationItems(const Value& iterable, const Expr& where);

  // Remembers a list or dict the template mutated in place (see ~Interpreter).
  void NoteMutation(const Value& container);
  Value Lookup(const std::string& name) const;
  void Assign(const std::string& name, Value value);
  void InstallBuiltins();
  // Prefixes "template line L, column C: " unless already positioned.
  Status At(std::size_t offset, const Status& status) const;

  const Program& program_;
  RenderLimits limits_;
  std::int64_t now_unix_seconds_;
  Frame globals_;
  std::vector<Frame*> scopes_;  // innermost last; scopes_[0] == &globals_
  std::string* out_ = nullptr;
  Flow flow_ = Flow::kNormal;
  std::uint64_t iterations_ = 0;
  int call_depth_ = 0;
  std::vector<Value> mutated_;
  std::unordered_set<const void*> mutated_ids_;
};

}  // namespace citadel::tmpl::jinja
