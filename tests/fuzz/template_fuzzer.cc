// libFuzzer target for the chat-template engine: arbitrary bytes are parsed
// as a Jinja template and, when they parse, rendered against a small
// conversation under tight sandbox limits; the same bytes are also read as
// JSON. Nothing may crash, hang or grow without bound.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "template/jinja_interpreter.h"
#include "template/jinja_json.h"
#include "template/jinja_parser.h"

namespace {

using citadel::tmpl::jinja::Value;

Value Conversation() {
  auto parsed = citadel::tmpl::jinja::ParseJson(
      R"([{"role": "system", "content": "sys"}, {"role": "user", "content": "hi"},)"
      R"( {"role": "assistant", "content": "", "tool_calls": [{"type": "function", "id": "c1",)"
      R"( "function": {"name": "f", "arguments": {"a": 1}}}]}, {"role": "tool", "content": "r"}])");
  return parsed.ok() ? *parsed : Value();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)citadel::tmpl::jinja::ParseJson(text);
  auto program = citadel::tmpl::jinja::ParseTemplate(text);
  if (!program.ok()) return 0;
  citadel::tmpl::jinja::RenderLimits limits;
  limits.max_loop_iterations = 20000;
  limits.max_output_bytes = 1 << 16;
  limits.max_call_depth = 16;
  citadel::tmpl::jinja::Interpreter interpreter(**program, limits, 1735732800);
  interpreter.SetGlobal("messages", Conversation());
  interpreter.SetGlobal("bos_token", Value::String("<s>"));
  interpreter.SetGlobal("eos_token", Value::String("</s>"));
  interpreter.SetGlobal("add_generation_prompt", Value::Bool(true));
  (void)interpreter.Render();
  return 0;
}
