// `citadel run MODEL`: an interactive chat in the terminal. Each turn renders
// the whole conversation with the model's chat template (ChatML when the
// model ships none), feeds only the tokens the KV memory does not already
// hold, and streams the reply. Commands: /bye (quit), /clear (forget the
// conversation), /system TEXT (set the system message and start over).
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "cli/command.h"
#include "cli/sequence_driver.h"
#include "engine/sampler.h"
#include "kernels/kv_cache_type.h"
#include "model/model.h"
#include "template/chat_template.h"
#include "tokenizer/tokenizer.h"

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
  model::Model& model;
  const tokenizer::Tokenizer& tok;
  const tmpl::ChatTemplate& chat_template;
  const RunOptions& options;
  SequenceDriver driver;
  std::vector<std::int32_t> cached;  // tokens whose KV rows are in memory, in order
  std::vector<tmpl::ChatMessage> messages;
  std::string system;  // the current system message (/system replaces it)
};

Result<tmpl::ChatTemplate> LoadTemplate(const model::Model& model) {
  if (!model.file().Has("tokenizer.chat_template")) return tmpl::ChatTemplate::ChatMl();
  CITADEL_ASSIGN_OR_RETURN(std::string_view source,
                           model.file().GetString("tokenizer.chat_template"));
  return tmpl::ChatTemplate::Parse(source);
}

void ResetConversation(ChatSession& s) {
  s.messages.clear();
  if (!s.system.empty()) s.messages.push_back({.role = "system", .content = s.system});
  s.cached.clear();
  s.driver.Reset();
}

// Feeds the prompt's tokens that are not already in KV memory.
Status FeedPrompt(ChatSession& s, const std::vector<std::int32_t>& prompt) {
  std::size_t common = 0;
  while (common < s.cached.size() && common < prompt.size() && s.cached[common] == prompt[common])
    ++common;
  if (common == prompt.size()) --common;  // recompute the last token's logits
  s.driver.Rewind(static_cast<int>(common));
  s.cached.resize(common);
  std::span<const std::int32_t> rest(prompt.data() + common, prompt.size() - common);
  CITADEL_TRY(s.driver.Feed(rest));
  s.cached.insert(s.cached.end(), rest.begin(), rest.end());
  return OkStatus();
}

// Samples and streams one reply; returns its text.
Result<std::string> Reply(ChatSession& s, engine::Sampler& sampler) {
  tokenizer::StreamDecoder decoder(s.tok);
  std::string text;
  for (int i = 0; i < s.options.max_reply_tokens; ++i) {
    const std::int32_t token = sampler.Sample(s.driver.logits()).token;
    if (s.tok.IsEndOfGeneration(token)) break;
    sampler.Accept(token);
    const std::string piece = decoder.Push(token);
    text += piece;
    std::fwrite(piece.data(), 1, piece.size(), stdout);
    std::fflush(stdout);
    if (s.driver.remaining() == 0) {
      std::fprintf(stderr, "\n[context full: reply cut; use /clear]\n");
      break;
    }
    CITADEL_TRY(s.driver.Feed(std::span<const std::int32_t>(&token, 1)));
    s.cached.push_back(token);
  }
  text += decoder.Flush();
  std::printf("\n");
  return text;
}

Status Turn(ChatSession& s, const std::string& user_text, engine::Sampler& sampler) {
  s.messages.push_back({.role = "user", .content = user_text});
  tmpl::ChatTemplateOptions render;
  render.bos_token = s.tok.bos() >= 0 ? std::string(s.tok.TokenText(s.tok.bos())) : "";
  render.eos_token = s.tok.eos() >= 0 ? std::string(s.tok.TokenText(s.tok.eos())) : "";
  CITADEL_ASSIGN_OR_RETURN(std::string prompt_text, s.chat_template.Render(s.messages, render));
  const bool template_has_bos =
      !render.bos_token.empty() && prompt_text.starts_with(render.bos_token);
  const std::vector<std::int32_t> prompt = s.tok.Encode(prompt_text, !template_has_bos, true);
  if (static_cast<int>(prompt.size()) >= s.model.context_length()) {
    s.messages.pop_back();
    return OutOfRangeError("the conversation no longer fits the context; use /clear");
  }
  sampler.ResetHistory();
  for (std::int32_t token : prompt) sampler.Accept(token);
  CITADEL_TRY(FeedPrompt(s, prompt));
  CITADEL_ASSIGN_OR_RETURN(std::string reply, Reply(s, sampler));
  s.messages.push_back({.role = "assistant", .content = reply});
  return OkStatus();
}

Status RunChat(const RunOptions& options) {
  model::LoadOptions load;
  load.threads = options.threads;
  load.context_length = options.context;
  CITADEL_ASSIGN_OR_RETURN(load.kv_cache_type, kernels::ParseKvCacheType(options.kv_cache_type));
  CITADEL_ASSIGN_OR_RETURN(auto model, model::Model::Load(options.model_path, load));
  CITADEL_ASSIGN_OR_RETURN(auto tok, tokenizer::Tokenizer::FromGguf(model->file()));
  CITADEL_ASSIGN_OR_RETURN(tmpl::ChatTemplate chat_template, LoadTemplate(*model));
  CITADEL_TRY(engine::ValidateSamplingParams(options.sampling, model->config().vocab_size));
  engine::Sampler sampler(options.sampling, model->config().vocab_size);
  ChatSession session{*model, *tok, chat_template, options, SequenceDriver(*model),
                      {},     {},   options.system};
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
    if (Status status = Turn(session, line, sampler); !status.ok()) {
      if (status.code() != StatusCode::kOutOfRange) return status;
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
