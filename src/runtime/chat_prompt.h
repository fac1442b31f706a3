// ChatPrompt: the one way a conversation becomes prompt tokens, for `serve`,
// `run` and `/tokenize` alike.
//
//   ChatPrompt prompt = ChatPrompt::ForModel(file, tokenizer, warn);
//   auto ids = prompt.Tokens(messages, tools_json);   // render + encode
//
// The template is the model's `tokenizer.chat_template`. A model that ships
// none gets ChatML silently; a template that does not parse also gets ChatML,
// and `warn` receives one line saying so (file, reason, fallback), because a
// model that chats in the wrong format is worse than one that says why.
//
// BOS and EOS are decided once, here: the template sees the vocabulary's BOS
// and EOS text as `bos_token` / `eos_token`; encoding adds BOS as the
// metadata says (tokenizer.ggml.add_bos_token) and never twice, even when the
// template already wrote it; control-token text in the rendered prompt is
// recognised as those tokens.
//
// Immutable after construction; Render/Encode/Tokens are const and
// thread-safe. Borrows the tokenizer, which must outlive it.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gguf/gguf_file.h"
#include "template/chat_template.h"
#include "tokenizer/tokenizer.h"
#include "util/status.h"

namespace citadel::runtime {

// The conversation types the prompt path takes, parsed at the edge.
using ChatMessage = tmpl::ChatMessage;
using ToolCall = tmpl::ToolCall;

// Receives one human-readable warning line (no trailing newline).
using WarningSink = std::function<void(std::string_view line)>;

// Writes "citadel: warning: LINE" to stderr.
void WarnOnStderr(std::string_view line);

class ChatPrompt {
 public:
  // The prompt of the model in `file` (its tokenizer.chat_template, ChatML
  // when absent or unparsable; `warn` hears about the latter).
  static ChatPrompt ForModel(const gguf::GgufFile& file, const tokenizer::Tokenizer& tok,
                             const WarningSink& warn);
  // The prompt for template `source`; ChatML (and one line to `warn`, naming
  // `origin`) when it does not parse.
  static ChatPrompt FromSource(std::string_view source, std::string_view origin,
                               const tokenizer::Tokenizer& tok, const WarningSink& warn);

  // The prompt text of a conversation, ending with the assistant's turn
  // opening when add_generation_prompt. InvalidArgument / ResourceExhausted
  // as tmpl::ChatTemplate::Render (bad tools JSON, a template that raises,
  // sandbox limits).
  Result<std::string> Render(std::span<const ChatMessage> messages, std::string_view tools_json,
                             bool add_generation_prompt = true) const;
  // Token ids of prompt text (see the BOS rule above).
  std::vector<std::int32_t> Encode(std::string_view text) const;
  // Render, then Encode.
  Result<std::vector<std::int32_t>> Tokens(std::span<const ChatMessage> messages,
                                           std::string_view tools_json) const;

  const tmpl::ChatTemplate& chat_template() const { return template_; }
  // True when the model's template did not parse and ChatML stands in.
  bool fell_back_to_chatml() const { return fell_back_to_chatml_; }

 private:
  ChatPrompt(tmpl::ChatTemplate chat_template, const tokenizer::Tokenizer& tok,
             bool fell_back_to_chatml);

  tmpl::ChatTemplate template_;
  const tokenizer::Tokenizer* tok_;  // borrowed
  std::string bos_text_;             // "" when the vocabulary has no BOS
  std::string eos_text_;
  bool fell_back_to_chatml_ = false;
};

}  // namespace citadel::runtime
