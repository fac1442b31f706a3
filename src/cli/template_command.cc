// `citadel template -m MODEL [--template-file T.jinja] [--messages FILE.json]
// [--tools FILE.json] [--no-generation-prompt] [--json] [--now SECONDS]`:
// prints the prompt the model will see for a conversation, rendered with the
// model's chat template (ChatML when it ships none), its bos/eos token text
// and today's date where the template asks for it. Operators check a
// template with it before serving a model.
//
// --messages takes a JSON array of OpenAI chat messages, or an object with
// "messages" (and optionally "tools"); "-" reads standard input. Without it a
// short sample conversation is rendered.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "cli/command.h"
#include "gguf/gguf_file.h"
#include "template/chat_template.h"

namespace citadel::cli {
namespace {

using Json = nlohmann::ordered_json;
using tmpl::ChatMessage;
using tmpl::ChatTemplate;
using tmpl::ChatTemplateOptions;

struct TemplateOptions {
  std::string model_path;
  std::string template_file;
  std::string messages_file;
  std::string tools_file;
  bool no_generation_prompt = false;
  bool json = false;
  std::int64_t now_unix_seconds = 0;
};

Result<std::string> ReadText(const std::string& path) {
  std::stringstream buffer;
  if (path == "-") {
    buffer << std::cin.rdbuf();
    return buffer.str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError("cannot open " + path);
  buffer << in.rdbuf();
  return buffer.str();
}

Result<Json> ReadJsonFile(const std::string& path) {
  CITADEL_ASSIGN_OR_RETURN(std::string text, ReadText(path));
  Json parsed = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return InvalidArgumentError(path + ": not valid JSON");
  return parsed;
}

// OpenAI content: a string, null, or an array of parts whose text parts are
// joined with newlines.
Result<std::string> ContentText(const Json& content, std::size_t index) {
  if (content.is_null()) return std::string();
  if (content.is_string()) return content.get<std::string>();
  if (!content.is_array())
    return InvalidArgumentError("messages[" + std::to_string(index) + "].content: expected text");
  std::string text;
  for (const Json& part : content) {
    if (!part.is_object() || part.value("type", "") != "text" || !part.contains("text") ||
        !part["text"].is_string()) {
      continue;
    }
    if (!text.empty()) text += "\n";
    text += part["text"].get<std::string>();
  }
  return text;
}

std::string StringField(const Json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Result<ChatMessage> ParseMessage(const Json& m, std::size_t index) {
  const std::string where = "messages[" + std::to_string(index) + "]";
  if (!m.is_object() || !m.contains("role") || !m["role"].is_string()) {
    return InvalidArgumentError(where + ": expected an object with a string \"role\"");
  }
  ChatMessage message;
  message.role = m["role"].get<std::string>();
  if (m.contains("content")) {
    CITADEL_ASSIGN_OR_RETURN(message.content, ContentText(m["content"], index));
  }
  message.reasoning_content = StringField(m, "reasoning_content");
  message.tool_call_id = StringField(m, "tool_call_id");
  message.name = StringField(m, "name");
  if (m.contains("tool_calls") && m["tool_calls"].is_array()) {
    for (const Json& call : m["tool_calls"]) {
      if (!call.is_object() || !call.contains("function") || !call["function"].is_object()) {
        return InvalidArgumentError(where + ".tool_calls: expected objects with a \"function\"");
      }
      const Json& function = call["function"];
      tmpl::ToolCall tool_call;
      tool_call.id = StringField(call, "id");
      tool_call.name = StringField(function, "name");
      if (function.contains("arguments")) {
        const Json& args = function["arguments"];
        tool_call.arguments = args.is_string() ? args.get<std::string>() : args.dump();
      }
      message.tool_calls.push_back(std::move(tool_call));
    }
  }
  return message;
}

struct Conversation {
  std::vector<ChatMessage> messages;
  std::string tools_json;
};

Result<Conversation> LoadConversation(const TemplateOptions& options) {
  Conversation conversation;
  if (options.messages_file.empty()) {
    ChatMessage system;
    system.role = "system";
    system.content = "You are a helpful assistant.";
    ChatMessage user;
    user.role = "user";
    user.content = "Hello!";
    conversation.messages = {system, user};
  } else {
    CITADEL_ASSIGN_OR_RETURN(Json doc, ReadJsonFile(options.messages_file));
    const Json* list = &doc;
    if (doc.is_object()) {
      if (!doc.contains("messages"))
        return InvalidArgumentError(options.messages_file + ": no \"messages\"");
      list = &doc["messages"];
      if (doc.contains("tools")) conversation.tools_json = doc["tools"].dump();
    }
    if (!list->is_array())
      return InvalidArgumentError(options.messages_file + ": expected an array of messages");
    for (std::size_t i = 0; i < list->size(); ++i) {
      CITADEL_ASSIGN_OR_RETURN(ChatMessage message, ParseMessage((*list)[i], i));
      conversation.messages.push_back(std::move(message));
    }
  }
  if (!options.tools_file.empty()) {
    CITADEL_ASSIGN_OR_RETURN(Json tools, ReadJsonFile(options.tools_file));
    if (tools.is_object() && tools.contains("tools")) tools = tools["tools"];
    if (!tools.is_array())
      return InvalidArgumentError(options.tools_file + ": expected an array of tools");
    conversation.tools_json = tools.dump();
  }
  return conversation;
}

// The text of a special token named by `id_key`, or "" when the model has none.
std::string SpecialTokenText(const gguf::GgufFile& file, std::string_view id_key) {
  auto id = file.GetU32(id_key);
  auto tokens = file.GetStringArray("tokenizer.ggml.tokens");
  if (!id.ok() || !tokens.ok() || *id >= tokens->size()) return "";
  return std::string((*tokens)[*id]);
}

Status RunTemplate(const TemplateOptions& options) {
  if (options.model_path.empty() && options.template_file.empty()) {
    return InvalidArgumentError("template: give -m MODEL or --template-file");
  }
  ChatTemplateOptions render;
  std::optional<std::string> source;
  if (!options.model_path.empty()) {
    CITADEL_ASSIGN_OR_RETURN(gguf::GgufFile file, gguf::GgufFile::Open(options.model_path));
    render.bos_token = SpecialTokenText(file, "tokenizer.ggml.bos_token_id");
    render.eos_token = SpecialTokenText(file, "tokenizer.ggml.eos_token_id");
    if (auto model_template = file.GetString("tokenizer.chat_template"); model_template.ok()) {
      source = std::string(*model_template);
    }
  }
  if (!options.template_file.empty()) {
    CITADEL_ASSIGN_OR_RETURN(source, ReadText(options.template_file));
  }
  const std::string origin =
      !options.template_file.empty() ? options.template_file : options.model_path;
  std::optional<ChatTemplate> tmpl;
  if (source && !source->empty()) {
    auto parsed = ChatTemplate::Parse(*source);
    if (!parsed.ok()) return parsed.status().WithContext("chat template of " + origin);
    tmpl = std::move(*parsed);
  } else {
    tmpl = ChatTemplate::ChatMl();
  }
  CITADEL_ASSIGN_OR_RETURN(Conversation conversation, LoadConversation(options));
  render.add_generation_prompt = !options.no_generation_prompt;
  render.tools_json = conversation.tools_json;
  render.now_unix_seconds = options.now_unix_seconds;
  auto prompt = tmpl->Render(conversation.messages, render);
  if (!prompt.ok()) return prompt.status().WithContext("rendering the chat template of " + origin);
  if (options.json) {
    Json out = {{"prompt", *prompt}};
    std::cout << out.dump(-1, ' ', false, Json::error_handler_t::replace) << "\n";
  } else {
    std::cout << *prompt;
    if (prompt->empty() || prompt->back() != '\n') std::cout << "\n";
  }
  std::cout.flush();
  return OkStatus();
}

}  // namespace

void RegisterTemplateCommand(CLI::App& app, CommandResult& result) {
  auto options = std::make_shared<TemplateOptions>();
  CLI::App* cmd =
      app.add_subcommand("template", "Print the prompt a model sees for a conversation");
  cmd->add_option("-m,--model", options->model_path,
                  "Path to a .gguf file (its chat template and bos/eos)");
  cmd->add_option("--template-file", options->template_file,
                  "Use this Jinja chat template instead");
  cmd->add_option("--messages", options->messages_file,
                  "JSON file: an array of chat messages, or {\"messages\": [...], \"tools\": "
                  "[...]}; - for stdin");
  cmd->add_option("--tools", options->tools_file,
                  "JSON file with an array of OpenAI tool definitions");
  cmd->add_flag("--no-generation-prompt", options->no_generation_prompt,
                "Do not append the assistant turn opener");
  cmd->add_flag("--json", options->json, "Print {\"prompt\": ...}");
  cmd->add_option("--now", options->now_unix_seconds,
                  "Render as if the clock read this unix time (for dates in templates)");
  cmd->callback([options, &result] { result.status = RunTemplate(*options); });
}

}  // namespace citadel::cli
