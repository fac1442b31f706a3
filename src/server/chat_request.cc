#include "server/chat_request.h"

#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>

namespace citadel::server {
namespace {

using Json = nlohmann::json;

constexpr int kMaxChoices = 8;
constexpr int kMaxStopStrings = 16;
constexpr int kMaxTopLogprobs = 20;

std::optional<ApiError> ParseObject(std::string_view body, Json& out) {
  try {
    out = Json::parse(body.begin(), body.end());
  } catch (const Json::parse_error& e) {
    return BadRequest(std::string("Malformed JSON body: ") + e.what(), "", "invalid_json");
  }
  if (!out.is_object()) return BadRequest("The request body must be a JSON object", "");
  return std::nullopt;
}

// Reads typed fields of one JSON object; absent and null fields leave the
// output untouched. The first problem is kept in `error`.
class FieldReader {
 public:
  FieldReader(const Json& object, std::string prefix) : obj_(object), prefix_(std::move(prefix)) {}

  const Json* Find(const char* name) const {
    auto it = obj_.find(name);
    if (it == obj_.end() || it->is_null()) return nullptr;
    return &*it;
  }
  std::string Param(const char* name) const { return prefix_ + name; }

  bool Fail(ApiError error) {
    if (!error_) error_ = std::move(error);
    return false;
  }
  bool TypeError(const char* name, const char* type) {
    return Fail(BadRequest("'" + Param(name) + "' must be " + type, Param(name), "invalid_type"));
  }

  bool Number(const char* name, double& out, double lo, double hi, bool lo_open = false) {
    const Json* v = Find(name);
    if (v == nullptr) return true;
    if (!v->is_number()) return TypeError(name, "a number");
    const double x = v->get<double>();
    if (!std::isfinite(x) || x > hi || x < lo || (lo_open && x == lo)) {
      return Fail(BadRequest("'" + Param(name) + "' is " + v->dump() + ", outside " +
                                 (lo_open ? "(" : "[") + Fmt(lo) + ", " + Fmt(hi) + "]",
                             Param(name)));
    }
    out = x;
    return true;
  }
  bool Float(const char* name, float& out, double lo, double hi, bool lo_open = false) {
    double x = out;
    if (!Number(name, x, lo, hi, lo_open)) return false;
    out = static_cast<float>(x);
    return true;
  }
  bool Integer(const char* name, std::int64_t& out, double lo, double hi) {
    const Json* v = Find(name);
    if (v == nullptr) return true;
    if (!v->is_number_integer()) {
      if (!(v->is_number_float() && std::floor(v->get<double>()) == v->get<double>())) {
        return TypeError(name, "an integer");
      }
    }
    const double x = v->get<double>();
    if (x < lo || x > hi) {
      return Fail(BadRequest(
          "'" + Param(name) + "' is " + v->dump() + ", outside [" + Fmt(lo) + ", " + Fmt(hi) + "]",
          Param(name)));
    }
    out = v->is_number_unsigned() ? static_cast<std::int64_t>(v->get<std::uint64_t>())
                                  : v->get<std::int64_t>();
    return true;
  }
  bool Int(const char* name, int& out, double lo, double hi) {
    std::int64_t x = out;
    if (!Integer(name, x, lo, hi)) return false;
    out = static_cast<int>(x);
    return true;
  }
  bool Bool(const char* name, bool& out) {
    const Json* v = Find(name);
    if (v == nullptr) return true;
    if (!v->is_boolean()) return TypeError(name, "a boolean");
    out = v->get<bool>();
    return true;
  }
  bool String(const char* name, std::string& out) {
    const Json* v = Find(name);
    if (v == nullptr) return true;
    if (!v->is_string()) return TypeError(name, "a string");
    out = v->get<std::string>();
    return true;
  }

  std::optional<ApiError>& error() { return error_; }

 private:
  static std::string Fmt(double x) {
    char buffer[32];
    std::snprintf(buffer, sizeof(buffer), "%g", x);
    return buffer;
  }

  const Json& obj_;
  std::string prefix_;
  std::optional<ApiError> error_;
};

bool ReadStop(FieldReader& r, engine::StopConditions& stop) {
  const Json* v = r.Find("stop");
  if (v == nullptr) return true;
  if (v->is_string()) {
    if (!v->get<std::string>().empty()) stop.stop_strings.push_back(v->get<std::string>());
    return true;
  }
  if (!v->is_array()) return r.TypeError("stop", "a string or an array of strings");
  if (v->size() > kMaxStopStrings) {
    return r.Fail(
        BadRequest("'stop' has more than " + std::to_string(kMaxStopStrings) + " strings", "stop"));
  }
  for (const Json& item : *v) {
    if (!item.is_string()) return r.TypeError("stop", "a string or an array of strings");
    if (!item.get<std::string>().empty()) stop.stop_strings.push_back(item.get<std::string>());
  }
  return true;
}

bool ReadLogitBias(FieldReader& r, engine::SamplingParams& sampling) {
  const Json* v = r.Find("logit_bias");
  if (v == nullptr) return true;
  if (!v->is_object()) return r.TypeError("logit_bias", "an object of token id -> bias");
  for (const auto& [key, value] : v->items()) {
    std::int32_t token = 0;
    auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), token);
    if (ec != std::errc() || end != key.data() + key.size() || token < 0) {
      return r.Fail(BadRequest("'logit_bias' key '" + key + "' is not a token id", "logit_bias"));
    }
    if (!value.is_number() || value.get<double>() < -100 || value.get<double>() > 100) {
      return r.Fail(BadRequest("'logit_bias' values must be numbers in [-100, 100]", "logit_bias"));
    }
    sampling.logit_bias.emplace_back(token, value.get<float>());
  }
  return true;
}

// Fields both endpoints share (everything but the prompt and logprobs).
bool ReadGeneration(FieldReader& r, GenerationRequest& g) {
  if (r.Find("model") == nullptr) {
    return r.Fail(BadRequest("'model' is required", "model", "missing_required_parameter"));
  }
  std::int64_t seed = 0;
  int max_tokens = 0;
  bool ok = r.String("model", g.model) && r.String("user", g.user) &&
            r.Float("temperature", g.sampling.temperature, 0, 2) &&
            r.Float("top_p", g.sampling.top_p, 0, 1, true) &&
            r.Int("top_k", g.sampling.top_k, -1, 1 << 30) &&
            r.Float("min_p", g.sampling.min_p, 0, 1) &&
            r.Float("presence_penalty", g.sampling.presence_penalty, -2, 2) &&
            r.Float("frequency_penalty", g.sampling.frequency_penalty, -2, 2) &&
            r.Float("repetition_penalty", g.sampling.repetition_penalty, 0, 10, true) &&
            r.Int("n", g.n, 1, kMaxChoices) && r.Bool("stream", g.stream) &&
            r.Integer("seed", seed, -9.2e18, 1.8e19) && r.Int("max_tokens", max_tokens, 1, 1e9) &&
            r.Int("max_completion_tokens", max_tokens, 1, 1e9) &&
            r.Bool("ignore_eos", g.stop.ignore_eos) && ReadStop(r, g.stop) &&
            ReadLogitBias(r, g.sampling);
  if (!ok) return false;
  if (g.sampling.top_k < 0) g.sampling.top_k = 0;  // -1 means off, as in vLLM
  g.stop.max_tokens = max_tokens;
  g.seed_given = r.Find("seed") != nullptr;
  g.sampling.seed = static_cast<std::uint64_t>(seed);
  if (const Json* options = r.Find("stream_options")) {
    if (!options->is_object()) return r.TypeError("stream_options", "an object");
    FieldReader o(*options, "stream_options.");
    if (!o.Bool("include_usage", g.include_usage)) return r.Fail(*o.error());
  }
  return true;
}

// "content": a string, null, or an array of {"type": "text", "text": ...}.
bool ReadContent(const Json& message, const std::string& prefix, std::string& out, FieldReader& r) {
  auto it = message.find("content");
  if (it == message.end() || it->is_null()) return true;
  if (it->is_string()) {
    out = it->get<std::string>();
    return true;
  }
  const std::string param = prefix + "content";
  if (!it->is_array()) {
    return r.Fail(BadRequest("'" + param + "' must be a string or an array of content parts", param,
                             "invalid_type"));
  }
  for (const Json& part : *it) {
    if (!part.is_object() || !part.contains("type") || !part["type"].is_string()) {
      return r.Fail(
          BadRequest("'" + param + "' parts must be objects with a 'type'", param, "invalid_type"));
    }
    const std::string type = part["type"].get<std::string>();
    if (type != "text" && type != "input_text") {
      return r.Fail(BadRequest("content part type '" + type + "' is not supported by this model",
                               param, "unsupported_content"));
    }
    if (!part.contains("text") || !part["text"].is_string()) {
      return r.Fail(
          BadRequest("'" + param + "' text parts need a string 'text'", param, "invalid_type"));
    }
    if (!out.empty()) out += "\n";
    out += part["text"].get<std::string>();
  }
  return true;
}

bool ReadToolCalls(const Json& message, const std::string& prefix, runtime::ChatMessage& out,
                   FieldReader& r) {
  auto it = message.find("tool_calls");
  if (it == message.end() || it->is_null()) return true;
  const std::string param = prefix + "tool_calls";
  if (!it->is_array()) return r.Fail(BadRequest("'" + param + "' must be an array", param));
  for (const Json& call : *it) {
    const Json* function =
        call.is_object() && call.contains("function") ? &call["function"] : nullptr;
    if (function == nullptr || !function->is_object() || !function->contains("name") ||
        !(*function)["name"].is_string()) {
      return r.Fail(BadRequest("'" + param + "' entries need function.name", param));
    }
    runtime::ToolCall tool;
    if (call.contains("id") && call["id"].is_string()) tool.id = call["id"].get<std::string>();
    tool.name = (*function)["name"].get<std::string>();
    const Json& args = function->value("arguments", Json("{}"));
    tool.arguments = args.is_string() ? args.get<std::string>() : args.dump();
    out.tool_calls.push_back(std::move(tool));
  }
  return true;
}

bool ReadMessages(FieldReader& r, const Json& body, std::vector<runtime::ChatMessage>& out) {
  auto it = body.find("messages");
  if (it == body.end() || it->is_null()) {
    return r.Fail(BadRequest("'messages' is required", "messages", "missing_required_parameter"));
  }
  if (!it->is_array()) return r.TypeError("messages", "an array");
  if (it->empty()) return r.Fail(BadRequest("'messages' must not be empty", "messages"));
  for (size_t i = 0; i < it->size(); ++i) {
    const Json& m = (*it)[i];
    const std::string prefix = "messages[" + std::to_string(i) + "].";
    if (!m.is_object()) {
      return r.Fail(BadRequest("'messages[" + std::to_string(i) + "]' must be an object",
                               "messages[" + std::to_string(i) + "]", "invalid_type"));
    }
    FieldReader mr(m, prefix);
    runtime::ChatMessage message;
    if (mr.Find("role") == nullptr) {
      return r.Fail(BadRequest("'" + prefix + "role' is required", prefix + "role",
                               "missing_required_parameter"));
    }
    if (!mr.String("role", message.role) || !mr.String("name", message.name) ||
        !mr.String("tool_call_id", message.tool_call_id) ||
        !mr.String("reasoning_content", message.reasoning_content)) {
      return r.Fail(*mr.error());
    }
    const std::string& role = message.role;
    if (role != "system" && role != "developer" && role != "user" && role != "assistant" &&
        role != "tool") {
      return r.Fail(BadRequest("unknown role '" + role + "' in '" + prefix +
                                   "role' (system, developer, user, assistant, tool)",
                               prefix + "role"));
    }
    if (!ReadContent(m, prefix, message.content, r) || !ReadToolCalls(m, prefix, message, r)) {
      return false;
    }
    out.push_back(std::move(message));
  }
  return true;
}

// "prompt": a string, an array of strings, an array of token ids, or an
// array of arrays of token ids.
bool ReadPrompt(FieldReader& r, CompletionRequest& out) {
  const Json* v = r.Find("prompt");
  if (v == nullptr) {
    return r.Fail(BadRequest("'prompt' is required", "prompt", "missing_required_parameter"));
  }
  const auto ids = [&](const Json& array, std::vector<std::int32_t>& tokens) {
    for (const Json& id : array) {
      if (!id.is_number_integer() || id.get<std::int64_t>() < 0 ||
          id.get<std::int64_t>() > INT32_MAX) {
        return false;
      }
      tokens.push_back(id.get<std::int32_t>());
    }
    return !tokens.empty();
  };
  const char* kShape = "a string, an array of strings or an array of token ids";
  if (v->is_string()) {
    out.text_prompts.push_back(v->get<std::string>());
  } else if (v->is_array() && !v->empty() && (*v)[0].is_string()) {
    for (const Json& p : *v) {
      if (!p.is_string()) return r.TypeError("prompt", kShape);
      out.text_prompts.push_back(p.get<std::string>());
    }
  } else if (v->is_array() && !v->empty() && (*v)[0].is_number()) {
    std::vector<std::int32_t> tokens;
    if (!ids(*v, tokens)) return r.TypeError("prompt", kShape);
    out.token_prompts.push_back(std::move(tokens));
  } else if (v->is_array() && !v->empty() && (*v)[0].is_array()) {
    for (const Json& p : *v) {
      std::vector<std::int32_t> tokens;
      if (!p.is_array() || !ids(p, tokens)) return r.TypeError("prompt", kShape);
      out.token_prompts.push_back(std::move(tokens));
    }
  } else {
    return r.TypeError("prompt", kShape);
  }
  const size_t prompts = out.text_prompts.size() + out.token_prompts.size();
  if (prompts * static_cast<size_t>(out.generation.n) > 2 * kMaxChoices) {
    return r.Fail(BadRequest(
        "too many prompts times n (at most " + std::to_string(2 * kMaxChoices) + " choices)",
        "prompt"));
  }
  return true;
}

}  // namespace

std::optional<ApiError> ParseChatRequest(std::string_view body, ChatRequest& out) {
  Json json;
  if (auto error = ParseObject(body, json)) return error;
  FieldReader r(json, "");
  GenerationRequest& g = out.generation;
  if (!ReadGeneration(r, g) || !ReadMessages(r, json, out.messages) ||
      !r.Bool("logprobs", g.logprobs) ||
      !r.Int("top_logprobs", g.sampling.top_logprobs, 0, kMaxTopLogprobs)) {
    return r.error();
  }
  if (g.sampling.top_logprobs > 0 && !g.logprobs) {
    return BadRequest("'top_logprobs' requires 'logprobs' to be true", "top_logprobs");
  }
  if (const Json* tools = r.Find("tools")) {
    if (!tools->is_array()) return BadRequest("'tools' must be an array", "tools", "invalid_type");
    if (!tools->empty()) out.tools_json = tools->dump();
  }
  return std::nullopt;
}

std::optional<ApiError> ParseCompletionRequest(std::string_view body, CompletionRequest& out) {
  Json json;
  if (auto error = ParseObject(body, json)) return error;
  FieldReader r(json, "");
  GenerationRequest& g = out.generation;
  int logprobs = -1;
  if (!ReadGeneration(r, g) || !ReadPrompt(r, out) || !r.Bool("echo", out.echo) ||
      !r.Int("logprobs", logprobs, 0, 5)) {
    return r.error();
  }
  g.logprobs = logprobs >= 0;
  g.sampling.top_logprobs = logprobs > 0 ? logprobs : 0;
  return std::nullopt;
}

std::optional<ApiError> ParseTokenizeRequest(std::string_view body, TokenizeRequest& out) {
  Json json;
  if (auto error = ParseObject(body, json)) return error;
  FieldReader r(json, "");
  if (!r.String("model", out.model) || !r.Bool("add_special_tokens", out.add_special)) {
    return r.error();
  }
  if (r.Find("prompt") != nullptr) {
    if (!r.String("prompt", out.prompt)) return r.error();
    return std::nullopt;
  }
  if (r.Find("messages") == nullptr) {
    return BadRequest("'prompt' or 'messages' is required", "prompt", "missing_required_parameter");
  }
  out.use_messages = true;
  if (!ReadMessages(r, json, out.messages)) return r.error();
  return std::nullopt;
}

std::optional<ApiError> ParseDetokenizeRequest(std::string_view body, DetokenizeRequest& out) {
  Json json;
  if (auto error = ParseObject(body, json)) return error;
  FieldReader r(json, "");
  if (!r.String("model", out.model)) return r.error();
  const Json* tokens = r.Find("tokens");
  if (tokens == nullptr || !tokens->is_array()) {
    return BadRequest("'tokens' must be an array of token ids", "tokens", "invalid_type");
  }
  for (const Json& id : *tokens) {
    if (!id.is_number_integer() || id.get<std::int64_t>() < 0 ||
        id.get<std::int64_t>() > INT32_MAX) {
      return BadRequest("'tokens' must be an array of token ids", "tokens", "invalid_type");
    }
    out.tokens.push_back(id.get<std::int32_t>());
  }
  return std::nullopt;
}

}  // namespace citadel::server
