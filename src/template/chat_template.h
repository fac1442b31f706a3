// Chat templates: turns a conversation into the prompt text a model expects.
//
// A ChatTemplate wraps a parsed Jinja template (the `tokenizer.chat_template`
// a model ships in its GGUF metadata) and renders it the way the reference
// engine does: trim_blocks and lstrip_blocks on, messages and tools exposed as
// plain Jinja values, `bos_token`, `eos_token`, `add_generation_prompt`,
// `date_string` and `strftime_now()` available. Rendering is sandboxed: no
// I/O, bounded loop iterations, bounded output size and recursion depth.
//
// A model without a template gets ChatMl().
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace citadel::tmpl {

namespace jinja {
class Program;
}  // namespace jinja

// One tool call an assistant made.
struct ToolCall {
  std::string id;
  std::string name;
  std::string arguments;  // JSON text (an object), as the model produced it
};

// One message of a conversation, parsed at the edge (server/CLI) into this
// plain struct.
struct ChatMessage {
  std::string role;                  // system, developer, user, assistant, tool
  std::string content;               // text (array-of-parts content joined by the caller)
  std::string reasoning_content;     // optional
  std::vector<ToolCall> tool_calls;  // assistant messages only
  std::string tool_call_id;          // for role "tool"
  std::string name;                  // optional (tool name for role "tool")
};

struct ChatTemplateOptions {
  bool add_generation_prompt = true;
  std::string bos_token;
  std::string eos_token;
  std::string tools_json;             // JSON array text of OpenAI tool definitions, or empty
  std::int64_t now_unix_seconds = 0;  // 0 -> the real clock (local time, like the reference)
  bool enable_thinking = true;        // the `enable_thinking` variable reasoning templates read
};

// Immutable after Parse; Render is const and thread-safe (each call has its
// own interpreter state). Cheap to copy (the parsed program is shared and
// never mutated).
class ChatTemplate {
 public:
  // Parses a Jinja template. Fails with InvalidArgument naming the template
  // line and column of the first syntax error.
  static Result<ChatTemplate> Parse(std::string_view source);

  // The ChatML template (<|im_start|>role\ncontent<|im_end|>\n ...), used for
  // models that ship no template.
  static ChatTemplate ChatMl();

  // Renders the conversation. Fails with InvalidArgument when tools_json or a
  // tool call's arguments are not valid JSON, when the template raises
  // (raise_exception) or misuses a value, naming the template line and
  // column; ResourceExhausted when a sandbox limit is hit.
  //
  // Messages reach the template as the reference engine shapes them: role,
  // content (always a string; typed parts only for templates that read
  // nothing else), reasoning_content / name / tool_call_id when non-empty,
  // tool_calls as {type, function: {name, arguments}, id} with arguments as
  // JSON text, or as a dict for templates that index into them. `tools` is
  // defined only when tools_json holds a non-empty array; `developer` becomes
  // `system`. Many templates start with bos_token: a caller whose tokenizer
  // adds BOS itself strips that prefix before tokenizing, as the reference
  // engine does.
  Result<std::string> Render(std::span<const ChatMessage> messages,
                             const ChatTemplateOptions& options) const;

  // The template text this was parsed from.
  const std::string& source() const;

  // Whether the template renders a leading system message itself. When it
  // does not (Gemma 2 raises), Render merges the system text into the next
  // message, as the reference engine does.
  bool supports_system_role() const { return supports_system_role_; }

 private:
  explicit ChatTemplate(std::shared_ptr<const jinja::Program> program);
  void DetectCapabilities();

  std::shared_ptr<const jinja::Program> program_;
  bool supports_system_role_ = true;
  bool supports_object_arguments_ = false;
  bool requires_typed_content_ = false;
};

}  // namespace citadel::tmpl
