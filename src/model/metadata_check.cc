#include "model/metadata_check.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace citadel::model {
namespace {

// The special-token ids the tokenizer reads from metadata.
constexpr std::string_view kSpecialTokenKeys[] = {
    "tokenizer.ggml.bos_token_id",       "tokenizer.ggml.eos_token_id",
    "tokenizer.ggml.eot_token_id",       "tokenizer.ggml.eom_token_id",
    "tokenizer.ggml.unknown_token_id",   "tokenizer.ggml.padding_token_id",
    "tokenizer.ggml.seperator_token_id", "tokenizer.ggml.cls_token_id",
    "tokenizer.ggml.mask_token_id",
};

class Checker {
 public:
  Checker(const gguf::GgufFile& file, const ModelConfig& config)
      : file_(file), c_(config), arch_(config.architecture_name) {}

  Status Fail(const std::string& field, const std::string& what) const {
    return InvalidArgumentError(file_.name() + ": " + field + " " + what);
  }
  std::string Key(std::string_view suffix) const { return arch_ + "." + std::string(suffix); }
  // Rows (dims[1]) of a 2-D tensor, or -1 when it is absent or not 2-D
  // (BindWeights reports those).
  std::int64_t Rows(std::string_view name) const {
    const gguf::TensorInfo* t = file_.FindTensor(name);
    return t != nullptr && t->dims.size() == 2 ? t->dims[1] : -1;
  }

  Status Context() const {
    if (c_.context_length > 0) return OkStatus();
    return Fail(Key("context_length"), "is " + std::to_string(c_.context_length) +
                                           "; a model needs a positive context length");
  }

  Status Vocabulary(std::int64_t& vocab) const {
    vocab = c_.vocab_size;
    const std::string rows = std::to_string(c_.vocab_size);
    if (file_.Has("tokenizer.ggml.tokens")) {
      CITADEL_ASSIGN_OR_RETURN(auto tokens, file_.GetStringArray("tokenizer.ggml.tokens"));
      if (static_cast<std::int64_t>(tokens.size()) != vocab) {
        return Fail("tokenizer.ggml.tokens", "has " + std::to_string(tokens.size()) +
                                                 " entries but token_embd.weight has " + rows +
                                                 " rows");
      }
    }
    if (file_.Has(Key("vocab_size"))) {
      CITADEL_ASSIGN_OR_RETURN(std::uint32_t declared, file_.GetU32(Key("vocab_size")));
      if (declared != vocab) {
        return Fail(Key("vocab_size"), "is " + std::to_string(declared) +
                                           " but token_embd.weight has " + rows + " rows");
      }
    }
    if (const std::int64_t out = Rows("output.weight"); out >= 0 && out != vocab) {
      return Fail("output.weight", "has " + std::to_string(out) +
                                       " rows but the vocabulary (token_embd.weight) has " + rows);
    }
    const gguf::TensorInfo* embd = file_.FindTensor("token_embd.weight");
    if (embd != nullptr && embd->dims[0] != c_.embedding_length) {
      return Fail(Key("embedding_length"), "is " + std::to_string(c_.embedding_length) +
                                               " but token_embd.weight rows hold " +
                                               std::to_string(embd->dims[0]) + " values");
    }
    return OkStatus();
  }

  // An id of -1 (stored as i32, or as u32 0xFFFFFFFF as the reference
  // converter writes it) means "no such token", as in the reference engine.
  Status SpecialTokens(std::int64_t vocab) const {
    for (std::string_view key : kSpecialTokenKeys) {
      if (!file_.Has(key)) continue;
      std::string shown;  // the stored value, when it is not a token id
      if (auto as_i32 = file_.GetI32(key); as_i32.ok()) {
        if (*as_i32 == -1) continue;
        if (*as_i32 >= 0 && *as_i32 < vocab) continue;
        shown = std::to_string(*as_i32);
      } else {
        CITADEL_ASSIGN_OR_RETURN(std::uint64_t as_u64, file_.GetU64(key));
        if (as_u64 == 0xFFFFFFFFu) continue;
        if (as_u64 < static_cast<std::uint64_t>(vocab)) continue;
        shown = std::to_string(as_u64);
      }
      return Fail(std::string(key), "is " + shown + ", outside the vocabulary of " +
                                        std::to_string(vocab) + " tokens");
    }
    return OkStatus();
  }

  Status Layers() const {
    int present = 0;  // layers 0 .. present-1 have tensors
    while (file_.FindTensor("blk." + std::to_string(present) + ".attn_norm.weight") != nullptr) {
      ++present;
    }
    bool beyond = false;  // any blk.N tensor with N >= block_count
    const std::string first_extra = "blk." + std::to_string(c_.num_layers) + ".";
    for (const gguf::TensorInfo& t : file_.tensors()) {
      if (t.name.starts_with(first_extra)) beyond = true;
    }
    if (present == c_.num_layers && !beyond) return OkStatus();
    return Fail(Key("block_count"), "is " + std::to_string(c_.num_layers) +
                                        " but the tensors cover " + std::to_string(present) +
                                        " layers (blk.0 .. blk." + std::to_string(present - 1) +
                                        ")");
  }

  // One projection of layer 0, whose row count metadata `field` implies.
  Status Projection(const std::string& field, const std::string& value, std::string_view tensor,
                    std::int64_t expected) const {
    const std::int64_t rows = Rows(tensor);
    if (rows < 0 || rows == expected) return OkStatus();
    return Fail(field, value + " gives " + std::to_string(expected) + " rows for " +
                           std::string(tensor) + ", but it has " + std::to_string(rows));
  }

  Status Heads() const {
    const std::string dim = " (x head dim " + std::to_string(c_.head_dim) + ")";
    const std::string heads = std::to_string(c_.num_heads) + dim;
    const std::string kv_heads = std::to_string(c_.num_kv_heads) + dim;
    CITADEL_TRY(Projection(Key("attention.head_count"), heads, "blk.0.attn_q.weight", c_.q_dim()));
    CITADEL_TRY(
        Projection(Key("attention.head_count_kv"), kv_heads, "blk.0.attn_k.weight", c_.kv_dim()));
    CITADEL_TRY(
        Projection(Key("attention.head_count_kv"), kv_heads, "blk.0.attn_v.weight", c_.kv_dim()));
    return Projection(Key("feed_forward_length"), std::to_string(c_.feed_forward_length),
                      "blk.0.ffn_gate.weight", c_.feed_forward_length);
  }

 private:
  const gguf::GgufFile& file_;
  const ModelConfig& c_;
  std::string arch_;
};

}  // namespace

Status CheckMetadataAgainstTensors(const gguf::GgufFile& file, const ModelConfig& config) {
  const Checker check(file, config);
  CITADEL_TRY(check.Context());
  std::int64_t vocab = 0;
  CITADEL_TRY(check.Vocabulary(vocab));
  CITADEL_TRY(check.SpecialTokens(vocab));
  CITADEL_TRY(check.Layers());
  return check.Heads();
}

}  // namespace citadel::model
