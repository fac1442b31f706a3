#include "runtime/chat_prompt.h"

#include <cstdio>
#include <utility>

namespace citadel::runtime {

void WarnOnStderr(std::string_view line) {
  std::fprintf(stderr, "citadel: warning: %.*s\n", static_cast<int>(line.size()), line.data());
}

ChatPrompt::ChatPrompt(tmpl::ChatTemplate chat_template, const tokenizer::Tokenizer& tok,
                       bool fell_back_to_chatml)
    : template_(std::move(chat_template)), tok_(&tok), fell_back_to_chatml_(fell_back_to_chatml) {
  if (tok.bos() >= 0) bos_text_ = tok.TokenPiece(tok.bos());
  if (tok.eos() >= 0) eos_text_ = tok.TokenPiece(tok.eos());
}

ChatPrompt ChatPrompt::ForModel(const gguf::GgufFile& file, const tokenizer::Tokenizer& tok,
                                const WarningSink& warn) {
  auto source = file.GetString("tokenizer.chat_template");
  if (!source.ok()) return ChatPrompt(tmpl::ChatTemplate::ChatMl(), tok, false);
  return FromSource(*source, file.name(), tok, warn);
}

ChatPrompt ChatPrompt::FromSource(std::string_view source, std::string_view origin,
                                  const tokenizer::Tokenizer& tok, const WarningSink& warn) {
  auto parsed = tmpl::ChatTemplate::Parse(source);
  if (parsed.ok()) return ChatPrompt(std::move(parsed).value(), tok, false);
  if (warn) {
    warn(std::string(origin) + ": chat template does not parse (" + parsed.status().message() +
         "); using ChatML instead");
  }
  return ChatPrompt(tmpl::ChatTemplate::ChatMl(), tok, true);
}

Result<std::string> ChatPrompt::Render(std::span<const ChatMessage> messages,
                                       std::string_view tools_json,
                                       bool add_generation_prompt) const {
  tmpl::ChatTemplateOptions options;
  options.add_generation_prompt = add_generation_prompt;
  options.bos_token = bos_text_;
  options.eos_token = eos_text_;
  options.tools_json = std::string(tools_json);
  return template_.Render(messages, options);
}

std::vector<std::int32_t> ChatPrompt::Encode(std::string_view text) const {
  std::vector<std::int32_t> ids = tok_->Encode(text, true, true);
  // The tokenizer added BOS and the template wrote it too: keep one.
  if (ids.size() >= 2 && tok_->bos() >= 0 && ids[0] == tok_->bos() && ids[1] == tok_->bos()) {
    ids.erase(ids.begin());
  }
  return ids;
}

Result<std::vector<std::int32_t>> ChatPrompt::Tokens(std::span<const ChatMessage> messages,
                                                     std::string_view tools_json) const {
  CITADEL_ASSIGN_OR_RETURN(std::string text, Render(messages, tools_json));
  return Encode(text);
}

}  // namespace citadel::runtime
