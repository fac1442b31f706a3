#include "template/chat_template.h"

#include <ctime>
#include <utility>

#include "template/jinja_ast.h"
#include "template/jinja_interpreter.h"
#include "template/jinja_json.h"
#include "template/jinja_parser.h"

namespace citadel::tmpl {
namespace {

using jinja::Value;

constexpr std::string_view kChatMlSource =
    "{%- for message in messages -%}\n"
    "  {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' -}}\n"
    "{%- endfor -%}\n"
    "{%- if add_generation_prompt -%}\n"
    "  {{- '<|im_start|>assistant\\n' -}}\n"
    "{%- endif -%}";

constexpr std::string_view kSystemProbe = "<<CITADEL_SYSTEM_PROBE>>";
constexpr std::string_view kContentProbe = "<<CITADEL_CONTENT_PROBE>>";
constexpr std::string_view kArgumentProbe = "<<CITADEL_ARGUMENT_PROBE>>";

std::string FormatLocalTime(std::int64_t unix_seconds, const char* format) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm local{};
  localtime_r(&t, &local);
  char buffer[64];
  std::size_t n = std::strftime(buffer, sizeof(buffer), format, &local);
  return std::string(buffer, n);
}

Value TextParts(const std::string& text) {
  Value part = Value::NewObject();
  part.object().Set("type", Value::String("text"));
  part.object().Set("text", Value::String(text));
  return Value::NewArray({part});
}

// How messages are shaped for a particular template (found by probing it).
struct MessageShape {
  bool typed_content = false;     // content as [{"type": "text", "text": ...}]
  bool object_arguments = false;  // tool-call arguments as a dict, not JSON text
};

Result<Value> ToolCallValue(const ToolCall& call, const MessageShape& shape) {
  Value function = Value::NewObject();
  function.object().Set("name", Value::String(call.name));
  if (shape.object_arguments) {
    auto parsed = jinja::ParseJson(call.arguments.empty() ? "{}" : call.arguments);
    if (!parsed.ok()) {
      return InvalidArgumentError("tool call '" + call.name +
                                  "' arguments: " + parsed.status().message());
    }
    function.object().Set("arguments", std::move(*parsed));
  } else {
    function.object().Set("arguments", Value::String(call.arguments));
  }
  Value value = Value::NewObject();
  value.object().Set("type", Value::String("function"));
  value.object().Set("function", std::move(function));
  if (!call.id.empty()) value.object().Set("id", Value::String(call.id));
  return value;
}

// The message as the reference engine hands it to templates.
Result<Value> MessageValue(const ChatMessage& message, const MessageShape& shape) {
  Value value = Value::NewObject();
  jinja::Object& object = value.object();
  object.Set("role", Value::String(message.role));
  object.Set("content",
             shape.typed_content ? TextParts(message.content) : Value::String(message.content));
  if (!message.reasoning_content.empty()) {
    object.Set("reasoning_content", Value::String(message.reasoning_content));
  }
  if (!message.name.empty()) object.Set("name", Value::String(message.name));
  if (!message.tool_call_id.empty())
    object.Set("tool_call_id", Value::String(message.tool_call_id));
  if (!message.tool_calls.empty()) {
    Value calls = Value::NewArray();
    for (const ToolCall& call : message.tool_calls) {
      CITADEL_ASSIGN_OR_RETURN(Value v, ToolCallValue(call, shape));
      calls.array().push_back(std::move(v));
    }
    object.Set("tool_calls", std::move(calls));
  }
  return value;
}

// Reference-engine workarounds applied to the conversation before rendering:
// developer -> system, and a system message folded into the next message for
// templates that cannot render one.
std::vector<ChatMessage> AdaptMessages(std::span<const ChatMessage> messages,
                                       bool supports_system_role) {
  std::vector<ChatMessage> adapted(messages.begin(), messages.end());
  for (ChatMessage& m : adapted) {
    if (m.role == "developer") m.role = "system";
  }
  if (!supports_system_role && !adapted.empty() && adapted.front().role == "system") {
    if (adapted.size() > 1) adapted[1].content = adapted[0].content + "\n" + adapted[1].content;
    adapted.erase(adapted.begin());
  }
  return adapted;
}

ChatMessage Message(std::string role, std::string_view content) {
  ChatMessage message;
  message.role = std::move(role);
  message.content = std::string(content);
  return message;
}

}  // namespace

ChatTemplate::ChatTemplate(std::shared_ptr<const jinja::Program> program)
    : program_(std::move(program)) {}

Result<ChatTemplate> ChatTemplate::Parse(std::string_view source) {
  CITADEL_ASSIGN_OR_RETURN(std::unique_ptr<jinja::Program> program, jinja::ParseTemplate(source));
  ChatTemplate result(std::shared_ptr<const jinja::Program>(std::move(program)));
  result.DetectCapabilities();
  return result;
}

ChatTemplate ChatTemplate::ChatMl() {
  auto parsed = Parse(kChatMlSource);
  return std::move(*parsed);  // a fixed, valid template
}

const std::string& ChatTemplate::source() const {
  return program_->source;
}

void ChatTemplate::DetectCapabilities() {
  ChatTemplateOptions options;
  options.now_unix_seconds = 1;
  auto renders_probe = [&](std::vector<ChatMessage> messages, std::string_view probe) {
    auto rendered = Render(messages, options);
    return rendered.ok() && rendered->find(probe) != std::string::npos;
  };
  // Probe with the plain shape: no workarounds while detecting.
  supports_system_role_ = true;
  supports_object_arguments_ = false;
  requires_typed_content_ = false;
  supports_system_role_ = renders_probe(
      {Message("system", kSystemProbe), Message("user", "User message")}, kSystemProbe);
  std::vector<ChatMessage> user_only = {Message("user", kContentProbe)};
  if (!renders_probe(user_only, kContentProbe)) {
    requires_typed_content_ = true;
    if (!renders_probe(user_only, kContentProbe)) requires_typed_content_ = false;
  }
  ChatMessage call_message = Message("assistant", "");
  call_message.tool_calls.push_back(
      ToolCall{"call00001", "tool1", "{\"arg\": \"" + std::string(kArgumentProbe) + "\"}"});
  ChatMessage tool_message = Message("tool", "Tool response");
  tool_message.tool_call_id = "call00001";
  std::vector<ChatMessage> tool_chat = {
      Message("user", "User message"), call_message, tool_message,
      Message("assistant", "The tool response was 'tool response'"),
      Message("user", "User message")};
  options.tools_json =
      R"([{"name": "tool", "type": "function", "function": {"name": "tool1", "description": "Tool description",)"
      R"( "parameters": {"type": "object", "properties": {"arg": {"type": "string", "description": "Arg description"}},)"
      R"( "required": ["arg"]}}}])";
  supports_object_arguments_ = true;
  auto rendered = Render(tool_chat, options);
  supports_object_arguments_ =
      rendered.ok() && rendered->find(kArgumentProbe) != std::string::npos &&
      rendered->find("{'arg': '" + std::string(kArgumentProbe) + "'}") == std::string::npos;
}

Result<std::string> ChatTemplate::Render(std::span<const ChatMessage> messages,
                                         const ChatTemplateOptions& options) const {
  const MessageShape shape{requires_typed_content_, supports_object_arguments_};
  Value message_list = Value::NewArray();
  for (const ChatMessage& message : AdaptMessages(messages, supports_system_role_)) {
    CITADEL_ASSIGN_OR_RETURN(Value v, MessageValue(message, shape));
    message_list.array().push_back(std::move(v));
  }
  std::int64_t now = options.now_unix_seconds != 0 ? options.now_unix_seconds
                                                   : static_cast<std::int64_t>(std::time(nullptr));
  jinja::Interpreter interpreter(*program_, jinja::RenderLimits{}, now);
  interpreter.SetGlobal("messages", std::move(message_list));
  interpreter.SetGlobal("bos_token", Value::String(options.bos_token));
  interpreter.SetGlobal("eos_token", Value::String(options.eos_token));
  interpreter.SetGlobal("enable_thinking", Value::Bool(options.enable_thinking));
  if (!options.tools_json.empty()) {
    auto tools = jinja::ParseJson(options.tools_json);
    if (!tools.ok()) return InvalidArgumentError("tools: " + tools.status().message());
    if (!tools->is_array()) return InvalidArgumentError("tools: expected a JSON array");
    if (!tools->array().empty()) interpreter.SetGlobal("tools", std::move(*tools));
  }
  interpreter.SetGlobal("datetime", Value::String(FormatLocalTime(now, "%b %d %Y")));
  interpreter.SetGlobal("date_string", Value::String(FormatLocalTime(now, "%d %b %Y")));
  if (options.add_generation_prompt)
    interpreter.SetGlobal("add_generation_prompt", Value::Bool(true));
  return interpreter.Render();
}

}  // namespace citadel::tmpl
