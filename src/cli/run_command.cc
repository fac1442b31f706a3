// `citadel run MODEL`: an interactive chat in the terminal. Each turn renders
// the whole conversation through the runtime's ChatPrompt (the model's chat
// template; ChatML when it ships none or one that does not parse, with one
// warning line, as `serve` does) and generates the reply through the Engine
// with the same sampler, stop conditions and limits as `serve`; the engine's
// prefix cache keeps the earlier turns' KV blocks, so a turn computes only
// its new tokens. Commands: /bye (quit), /clear (forget the conversation),
// /system TEXT (set the system message and start over).
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "cli/command.h"
#include "cli/local_engine.h"
#include "engine/request.h"
#include "engine/sampler.h"
#include "runtime/served_model.h"

namespace citadel::cli {
namespace {

struct RunOptions {
  std::string model_path;
  std::string system;
  int threads = 0;
  int context = 0;
  int max_reply_tokens = 1024;
  std::string kv_cache_type = "f16";
  engine::SamplingParams sampling;
};

struct ChatSession {
  runtime::ServedModel& model;
  const RunOptions& options;
  std::vector<runtime::ChatMessage> messages;
  std::string system;  // the current system message (/system replaces it)
  int turns = 0;       // replies generated; varies the seed from turn to turn
};

runtime::ChatMessage Message(std::string role, std::string content) {
  runtime::ChatMessage message;
  message.role = std::move(role);
  message.content = std::move(content);
  return message;
}

void ResetConversation(ChatSession& s) {
  s.messages.clear();
  if (!s.system.empty()) s.messages.push_back(Message("system", s.system));
}

// Generates and streams one reply to the conversation so far. OutOfRange
// (the conversation is kept as it was) when the prompt leaves no room.
Status Turn(ChatSession& s, const std::string& user_text) {
  s.messages.push_back(Message("user", user_text));
  auto prompt = s.model.prompt.Tokens(s.messages, "");
  if (prompt.ok() && static_cast<int>(prompt->size()) >= s.model.engine->layout().context_length) {
    prompt = OutOfRangeError("the conversation no longer fits the context; use /clear");
  }
  if (!prompt.ok()) {
    s.messages.pop_back();
    return prompt.status();
  }
  engine::SamplingParams sampling = s.options.sampling;
  sampling.seed += static_cast<std::uint64_t>(s.turns++);
  engine::StopConditions stop;
  stop.max_tokens = s.options.max_reply_tokens;
  auto print = [](std::string_view piece) {
    std::fwrite(piece.data(), 1, piece.size(), stdout);
    std::fflush(stdout);
  };
  CITADEL_ASSIGN_OR_RETURN(
      LocalGeneration reply,
      GenerateLocally(s.model, std::move(prompt).value(), sampling, stop, print));
  std::printf("\n");
  if (reply.final_event.reason == engine::FinishReason::kLength &&
      static_cast<int>(reply.tokens.size()) < s.options.max_reply_tokens) {
    std::fprintf(stderr, "[context full: reply cut; use /clear]\n");
  }
  s.messages.push_back(Message("assistant", std::move(reply.text)));
  return OkStatus();
}

Status RunChat(const RunOptions& options) {
  CITADEL_ASSIGN_OR_RETURN(
      std::unique_ptr<runtime::ServedModel> model,
      LoadLocalEngine(options.model_path, options.context, options.kv_cache_type, options.threads));
  CITADEL_TRY(engine::ValidateSamplingParams(options.sampling, model->tokenizer->vocab_size()));
  ChatSession session{*model, options, {}, options.system};
  ResetConversation(session);
  const bool interactive = isatty(STDIN_FILENO) != 0;
  if (interactive)
    std::fprintf(stderr, "Chatting with %s. /bye to quit, /clear, /system TEXT.\n",
                 options.model_path.c_str());
  std::string line;
  while (true) {
    if (interactive) std::fprintf(stderr, ">>> ");
    if (!std::getline(std::cin, line) || line == "/bye") break;
    if (line.empty()) continue;
    if (line == "/clear") {
      ResetConversation(session);
      continue;
    }
    if (line.starts_with("/system")) {
      session.system = line.size() > 8 ? line.substr(8) : "";
      ResetConversation(session);
      continue;
    }
    if (Status status = Turn(session, line); !status.ok()) {
      // A conversation that no longer fits or a template that refuses it
      // ends the turn, not the chat.
      const StatusCode code = status.code();
      if (code != StatusCode::kOutOfRange && code != StatusCode::kInvalidArgument) return status;
      std::fprintf(stderr, "citadel run: %s\n", status.message().c_str());
    }
  }
  return OkStatus();
}

}  // namespace

void RegisterRunCommand(CLI::App& app, CommandResult& result) {
  auto options = std::make_shared<RunOptions>();
  options->sampling = ReferenceDefaultSampling();
  CLI::App* cmd = app.add_subcommand("run", "Chat with a model in the terminal");
  cmd->alias("chat");
  cmd->add_option("model", options->model_path, "GGUF model file")->required();
  cmd->add_option("--system", options->system, "system message");
  cmd->add_option("--temp", options->sampling.temperature, "temperature (0: greedy)");
  cmd->add_option("--top-k", options->sampling.top_k, "top-k (0: off)");
  cmd->add_option("--top-p", options->sampling.top_p, "top-p (1: off)");
  cmd->add_option("--min-p", options->sampling.min_p, "min-p (0: off)");
  cmd->add_option("--repeat-penalty", options->sampling.repetition_penalty, "repetition penalty");
  cmd->add_option("-s,--seed", options->sampling.seed, "sampling seed");
  cmd->add_option("-n,--max-tokens", options->max_reply_tokens, "longest reply in tokens")
      ->check(CLI::PositiveNumber);
  cmd->add_option("-t,--threads", options->threads, "compute threads (0: all)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--kv-cache-type", options->kv_cache_type, "KV cache element type: f16 or q8_0");
  cmd->add_option("-c,--ctx-size", options->context, "context length (0: model's, at most 4096)")
      ->check(CLI::NonNegativeNumber);
  cmd->callback([options, &result] { result.status = RunChat(*options); });
}

}  // namespace citadel::cli
