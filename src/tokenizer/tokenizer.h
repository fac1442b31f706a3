// Tokenizer: text <-> token ids for the vocabulary a GGUF model ships.
//
// Supports the tokenizer families the reference engine (llama.cpp) reads from
// `tokenizer.ggml.model`:
//   llama  SentencePiece-style merges by score, byte fallback (<0xXX> tokens)
//   gpt2   byte-level BPE by merge rank, after the pre-tokenizer named by
//          `tokenizer.ggml.pre` splits the text into words
//   gemma4 BPE over raw UTF-8 with SentencePiece spaces (U+2581)
//   bert   WordPiece (greedy longest match, lowercasing/accent stripping)
// The ids match the reference tokenizer exactly (see tests/conformance/).
//
// Special tokens (control, user-defined, unknown) are matched inside text
// before the model's tokenizer runs: user-defined tokens always, control and
// unknown tokens only when `parse_special` is set; otherwise "<|im_start|>"
// is tokenized as plain text.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace citadel::gguf {
class GgufFile;
}  // namespace citadel::gguf

namespace citadel::tokenizer {

using TokenId = std::int32_t;
inline constexpr TokenId kNoToken = -1;

struct Vocab;
class TokenizerImpl;

// Immutable after load; thread-safe for concurrent use (Encode/Decode keep
// their scratch state on the caller's stack).
class Tokenizer {
 public:
  ~Tokenizer();
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

  // Reads the `tokenizer.*` metadata of `file` (which may be released after
  // the call: everything is copied). InvalidArgument naming the key when the
  // metadata is missing or malformed; Unimplemented for a tokenizer model or
  // pre-tokenizer name this build does not know (never a silent fallback).
  static Result<std::unique_ptr<Tokenizer>> FromGguf(const gguf::GgufFile& file);
  // Builds a tokenizer from an already parsed vocabulary (tests, tools).
  static Result<std::unique_ptr<Tokenizer>> FromVocab(Vocab vocab);

  // add_special: add BOS/EOS as the model's metadata says; parse_special:
  // recognise control-token text (e.g. "<|im_start|>") in `text`.
  // Never fails: invalid UTF-8 is handled like the reference does (byte
  // fallback for SentencePiece, U+FFFD for byte-level BPE).
  std::vector<TokenId> Encode(std::string_view text, bool add_special, bool parse_special) const;

  // The text of `ids`: pieces concatenated, control and unknown tokens
  // skipped, the SentencePiece leading space (add_space_prefix) removed from
  // the first piece (after a leading BOS). Ids outside the vocabulary are
  // skipped. May contain invalid UTF-8 when the ids end mid-character.
  std::string Decode(std::span<const TokenId> ids) const;

  // Raw bytes one token contributes to the text (may be partial UTF-8);
  // control tokens give their text, e.g. "<|im_end|>". Empty when out of range.
  std::string TokenPiece(TokenId id) const;
  // True when TokenPiece(id) should be shown to users (not control/unknown/unused).
  bool IsRendered(TokenId id) const;

  int vocab_size() const;
  TokenId bos() const;  // kNoToken (-1) when absent
  TokenId eos() const;
  TokenId eot() const;
  TokenId eom() const;
  TokenId pad() const;
  TokenId unk() const;
  TokenId sep() const;
  TokenId newline() const;  // the token of "\n" (kNoToken when none)

  // eos, eot, eom and the model's end-of-generation set (e.g. <|im_end|>).
  bool IsEndOfGeneration(TokenId id) const;
  // Control tokens (special markup such as <|im_start|>, <s>); false when out of range.
  bool IsControl(TokenId id) const;
  // The vocabulary string, e.g. "<|im_start|>" or "Ġthe"; empty when out of range.
  std::string_view TokenText(TokenId id) const;
  // Looks a vocabulary string up exactly; kNoToken when absent.
  TokenId FindToken(std::string_view text) const;

  bool add_bos() const;
  bool add_eos() const;
  bool add_space_prefix() const;
  // "llama", "gpt2", "gemma4" or "bert"; and the pre-tokenizer name ("" for none).
  std::string_view model_name() const;
  std::string_view pre_name() const;

  const Vocab& vocab() const;

 private:
  explicit Tokenizer(std::unique_ptr<TokenizerImpl> impl);
  std::unique_ptr<TokenizerImpl> impl_;
};

// Streaming detokenizer for one sequence: feed token ids as they are
// generated; returns only complete UTF-8 characters, holding back up to three
// bytes of a character that is still incomplete. Byte sequences that can
// never become valid are replaced by U+FFFD at once. Skips control tokens and
// strips the SentencePiece leading space like Tokenizer::Decode.
// Thread-compatible; borrows `tok`, which must outlive it.
class StreamDecoder {
 public:
  explicit StreamDecoder(const Tokenizer& tok);
  std::string Push(TokenId id);  // text that is now complete (may be empty)
  std::string Flush();           // the rest (invalid bytes replaced by U+FFFD)

 private:
  const Tokenizer& tok_;
  std::string pending_;  // bytes of an incomplete UTF-8 character
  bool first_piece_ = true;
};

}  // namespace citadel::tokenizer
