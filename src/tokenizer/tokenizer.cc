#include "tokenizer/tokenizer.h"

#include <cctype>

#include "gguf/gguf_file.h"
#include "tokenizer/tokenizer_impl.h"

namespace citadel::tokenizer {
namespace {

constexpr std::string_view kSentencePieceSpace = "\xE2\x96\x81";  // U+2581

// A span of the input: raw text to tokenize, or a special token matched in it.
struct Fragment {
  TokenId token;  // kNoToken for raw text
  std::size_t begin;
  std::size_t length;
};

// Cuts `text` at every occurrence of the special tokens, longest token text
// first (each later token only searches the raw spans still left). Control
// and unknown tokens take part only when `parse_special` is set.
std::vector<Fragment> PartitionSpecial(const TokenizerImpl& impl, std::string_view text,
                                       bool parse_special) {
  std::vector<Fragment> fragments;
  if (text.empty()) return fragments;
  fragments.push_back(Fragment{kNoToken, 0, text.size()});
  std::vector<Fragment> next;
  for (const TokenId special : impl.special_tokens) {
    if (!parse_special && (impl.attrs[special] & (kAttrControl | kAttrUnknown))) continue;
    const std::string_view needle = impl.vocab.tokens[special];
    bool found_any = false;
    next.clear();
    for (const Fragment& fragment : fragments) {
      if (fragment.token != kNoToken) {
        next.push_back(fragment);
        continue;
      }
      const std::string_view raw = text.substr(fragment.begin, fragment.length);
      const std::uint32_t attr = impl.attrs[special];
      const auto is_space = [&](std::size_t i) {
        return std::isspace(static_cast<unsigned char>(raw[i])) != 0;
      };
      std::size_t cursor = 0;
      for (std::size_t hit = raw.find(needle); hit != std::string_view::npos;
           hit = raw.find(needle, cursor)) {
        found_any = true;
        std::size_t left_end = hit;
        if (attr & kAttrLstrip) {
          while (left_end > cursor && is_space(left_end - 1)) --left_end;
        }
        if (left_end > cursor) {
          next.push_back(Fragment{kNoToken, fragment.begin + cursor, left_end - cursor});
        }
        next.push_back(Fragment{special, fragment.begin + hit, needle.size()});
        cursor = hit + needle.size();
        if (attr & kAttrRstrip) {
          while (cursor < raw.size() && is_space(cursor)) ++cursor;
        }
      }
      if (cursor < raw.size()) {
        next.push_back(Fragment{kNoToken, fragment.begin + cursor, raw.size() - cursor});
      }
    }
    if (found_any) fragments.swap(next);
  }
  return fragments;
}

}  // namespace

void TokenizerImpl::Encode(std::string_view text, bool add_special, bool parse_special,
                           std::vector<TokenId>* out) const {
  const std::vector<Fragment> fragments = PartitionSpecial(*this, text, parse_special);
  if (kind == ModelKind::kWpm) {
    if (add_special && bos >= 0) out->push_back(bos);
  } else if (add_special && add_bos && bos >= 0) {
    out->push_back(bos);
  }
  bool previous_special = true;  // SentencePiece: the first raw fragment gets the prefix space
  for (const Fragment& fragment : fragments) {
    if (fragment.token != kNoToken) {
      out->push_back(fragment.token);
      previous_special = true;
      continue;
    }
    const std::string_view raw = text.substr(fragment.begin, fragment.length);
    switch (kind) {
      case ModelKind::kSpm: {
        std::string escaped;
        escaped.reserve(raw.size() + raw.size() / 2 + 3);
        if (add_space_prefix && previous_special) escaped += kSentencePieceSpace;
        for (const char c : raw) {
          if (c == ' ') {
            escaped += kSentencePieceSpace;
          } else {
            escaped += c;
          }
        }
        EncodeSpm(escaped, out);
        break;
      }
      case ModelKind::kBpe:
        EncodeBpe(raw, out);
        break;
      case ModelKind::kWpm:
        EncodeWpm(raw, out);
        break;
    }
    previous_special = false;
  }
  if (kind == ModelKind::kWpm) {
    if (add_special && sep >= 0) out->push_back(sep);
  } else if (add_special && add_eos && eos >= 0) {
    out->push_back(eos);
  }
}

Tokenizer::Tokenizer(std::unique_ptr<TokenizerImpl> impl) : impl_(std::move(impl)) {}
Tokenizer::~Tokenizer() = default;

Result<std::unique_ptr<Tokenizer>> Tokenizer::FromVocab(Vocab vocab) {
  CITADEL_ASSIGN_OR_RETURN(std::unique_ptr<TokenizerImpl> impl,
                           TokenizerImpl::Create(std::move(vocab)));
  return std::unique_ptr<Tokenizer>(new Tokenizer(std::move(impl)));
}

Result<std::unique_ptr<Tokenizer>> Tokenizer::FromGguf(const gguf::GgufFile& file) {
  CITADEL_ASSIGN_OR_RETURN(Vocab vocab, ReadVocab(file));
  auto tokenizer = FromVocab(std::move(vocab));
  if (!tokenizer.ok()) return tokenizer.status().WithContext(file.name());
  return tokenizer;
}

std::vector<TokenId> Tokenizer::Encode(std::string_view text, bool add_special,
                                       bool parse_special) const {
  std::vector<TokenId> ids;
  impl_->Encode(text, add_special, parse_special, &ids);
  return ids;
}

std::string Tokenizer::Decode(std::span<const TokenId> ids) const {
  std::string text;
  bool strip_space = impl_->add_space_prefix;
  if (!ids.empty() && ids[0] == impl_->bos && impl_->add_bos) ids = ids.subspan(1);
  for (const TokenId id : ids) {
    if (!IsRendered(id)) {
      strip_space = false;
      continue;
    }
    std::string_view piece = impl_->pieces[id];
    if (strip_space && !piece.empty() && piece[0] == ' ') piece.remove_prefix(1);
    strip_space = false;
    text.append(piece);
  }
  return text;
}

std::string Tokenizer::TokenPiece(TokenId id) const {
  if (id < 0 || id >= vocab_size()) return std::string();
  return impl_->pieces[id];
}

bool Tokenizer::IsRendered(TokenId id) const {
  if (id < 0 || id >= vocab_size()) return false;
  const std::uint32_t attr = impl_->attrs[id];
  if (attr & (kAttrControl | kAttrUnknown)) return false;
  return (attr & (kAttrNormal | kAttrUserDefined | kAttrByte)) != 0;
}

int Tokenizer::vocab_size() const {
  return static_cast<int>(impl_->vocab.tokens.size());
}
TokenId Tokenizer::bos() const {
  return impl_->bos;
}
TokenId Tokenizer::eos() const {
  return impl_->eos;
}
TokenId Tokenizer::eot() const {
  return impl_->eot;
}
TokenId Tokenizer::eom() const {
  return impl_->eom;
}
TokenId Tokenizer::pad() const {
  return impl_->pad;
}
TokenId Tokenizer::unk() const {
  return impl_->unk;
}
TokenId Tokenizer::sep() const {
  return impl_->sep;
}
TokenId Tokenizer::newline() const {
  return impl_->newline;
}

bool Tokenizer::IsEndOfGeneration(TokenId id) const {
  return impl_->end_of_generation.count(id) != 0;
}

bool Tokenizer::IsControl(TokenId id) const {
  return id >= 0 && id < vocab_size() && (impl_->attrs[id] & kAttrControl) != 0;
}

std::string_view Tokenizer::TokenText(TokenId id) const {
  if (id < 0 || id >= vocab_size()) return std::string_view();
  return impl_->vocab.tokens[id];
}

TokenId Tokenizer::FindToken(std::string_view text) const {
  return impl_->token_ids.Find(text);
}

bool Tokenizer::add_bos() const {
  return impl_->add_bos;
}
bool Tokenizer::add_eos() const {
  return impl_->add_eos;
}
bool Tokenizer::add_space_prefix() const {
  return impl_->add_space_prefix;
}
std::string_view Tokenizer::model_name() const {
  return impl_->vocab.model;
}
std::string_view Tokenizer::pre_name() const {
  return impl_->vocab.pre;
}
const Vocab& Tokenizer::vocab() const {
  return impl_->vocab;
}

}  // namespace citadel::tokenizer
