#include "tokenizer/tokenizer.h"
#include "tokenizer/unicode.h"

namespace citadel::tokenizer {
namespace {

constexpr std::string_view kReplacementUtf8 = "\xEF\xBF\xBD";

}  // namespace

StreamDecoder::StreamDecoder(const Tokenizer& tok) : tok_(tok) {}

std::string StreamDecoder::Push(TokenId id) {
  if (first_piece_ && id == tok_.bos() && tok_.add_bos()) return std::string();
  const bool strip_space = first_piece_ && tok_.add_space_prefix();
  first_piece_ = false;
  if (!tok_.IsRendered(id)) return std::string();
  std::string piece = tok_.TokenPiece(id);
  if (strip_space && !piece.empty() && piece[0] == ' ') piece.erase(0, 1);
  pending_ += piece;

  std::string out;
  std::size_t pos = 0;
  while (pos < pending_.size()) {
    const int status = Utf8SequenceStatus(std::string_view(pending_).substr(pos));
    if (status == 0) break;  // an incomplete character: wait for more bytes
    if (status < 0) {
      out += kReplacementUtf8;
      pos += 1;
      continue;
    }
    out.append(pending_, pos, static_cast<std::size_t>(status));
    pos += static_cast<std::size_t>(status);
  }
  pending_.erase(0, pos);
  return out;
}

std::string StreamDecoder::Flush() {
  std::string out;
  if (!pending_.empty()) out = kReplacementUtf8;  // a truncated character
  pending_.clear();
  return out;
}

}  // namespace citadel::tokenizer
