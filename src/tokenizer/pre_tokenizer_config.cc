// The split rules behind each `tokenizer.ggml.pre` name. The patterns are the
// pre-tokenizer regexes the models publish in their tokenizer.json, in the
// form the reference engine applies them (case-insensitive groups spelled out).
#include <array>

#include "tokenizer/pre_tokenizer.h"

namespace citadel::tokenizer {
namespace {

SplitRule Scanner(SplitKind kind) {
  return SplitRule{kind, ""};
}
SplitRule Regex(const char* pattern) {
  return SplitRule{SplitKind::kRegex, pattern};
}

constexpr const char* kDeepseekLlmLetters =
    "\\s?[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-"
    "Ჿᴀ-"
    "ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕἠ-ὅὈ-Ὅὐ-ὗὙὛὝὟ-ώᾀ-ᾴᾶ-ᾼιῂ-ῄῆ-ῌῐ-ΐῖ-Ίῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤΩℨK-ℭℯ-ℴℹℼ-ℿⅅ-ⅉⅎↃↄⰀ-ⱻⱾ-ⳤⳫ-"
    "ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-ﬗＡ-Ｚａ-ｚ𐐀-𐑏𐒰-𐓓𐓘-𐓻𐲀-𐲲𐳀-"
    "𐳲𑢠-"
    "𑣟𞤀-𞥃]+";
constexpr const char* kDeepseekPunct = "\\s?[!-/:-~！-／：-～‘-‟　-。]+";
constexpr const char* kCjk = "[一-龥ࠀ-一가-퟿]+";

PreTokenizerConfig Gpt2() {
  return {{Scanner(SplitKind::kGpt2)}};
}

PreTokenizerConfig Starcoder() {
  return {{Regex("\\p{N}"), Scanner(SplitKind::kGpt2)}};
}

PreTokenizerConfig Llama3() {
  PreTokenizerConfig config{{Scanner(SplitKind::kLlama3)}};
  return config;
}

PreTokenizerConfig Qwen2() {
  return {{Scanner(SplitKind::kQwen2)}};
}

PreTokenizerConfig Default() {
  return {{Regex("[\\p{P}\\$\\+<=>\\^~\\|]+"), Scanner(SplitKind::kGpt2), Regex("\\p{N}+"),
           Regex("[0-9][0-9][0-9]")}};
}

PreTokenizerConfig Falcon() {
  return {
      {Regex("[\\p{P}\\$\\+<=>\\^~\\|`]+"), Scanner(SplitKind::kGpt2), Regex("[0-9][0-9][0-9]")}};
}

PreTokenizerConfig DeepseekLlm() {
  return {{Regex("[\r\n]"), Regex(kDeepseekLlmLetters), Regex(kDeepseekPunct), Regex("\\s+$"),
           Regex(kCjk), Regex("\\p{N}+")}};
}

PreTokenizerConfig DeepseekCoder() {
  return {
      {Regex("[\r\n]"), Regex("\\s?\\p{L}+"), Regex("\\s?\\p{P}+"), Regex(kCjk), Regex("\\p{N}")}};
}

PreTokenizerConfig DeepseekV3() {
  return {{Regex("\\p{N}{1,3}"), Regex("[一-龥぀-ゟ゠-ヿ]+"),
           Regex("[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?"
                 "[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+")}};
}

PreTokenizerConfig Bloom() {
  return {{Regex(" ?[^(\\s|.,!?…。，、।۔،)]+")}};
}

PreTokenizerConfig Viking() {
  return {{Regex(" ?[^(\\s|.,!?…。，、।۔،)]+"), Regex("\\p{N}")}};
}

PreTokenizerConfig Gpt4o() {
  return {
      {Regex("[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+"
             "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|"
             "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*"
             "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|"
             "\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+")}};
}

PreTokenizerConfig Tekken() {
  PreTokenizerConfig config{
      {Regex("[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+|"
             "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*|"
             "\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+")}};
  config.ignore_merges = true;
  config.default_add_bos = 1;
  return config;
}

PreTokenizerConfig SeedCoder() {
  return {{Regex(
      "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|"
      "\\p{N}{1}| ?[^\\s\\p{L}\\p{N}\\r\\n]+|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+")}};
}

PreTokenizerConfig Gemma4() {
  PreTokenizerConfig config{{Scanner(SplitKind::kNewlines)}};
  config.byte_encode = false;
  config.escape_whitespace = true;
  config.default_add_bos = 1;
  return config;
}

struct NamedConfig {
  std::array<const char*, 10> names;
  PreTokenizerConfig (*make)();
};

PreTokenizerConfig Llama3IgnoringMerges() {
  PreTokenizerConfig config = Llama3();
  config.ignore_merges = true;
  config.default_add_bos = 1;
  return config;
}

PreTokenizerConfig Qwen35() {
  return {{Scanner(SplitKind::kQwen35)}};
}

const NamedConfig kConfigs[] = {
    {{"default", ""}, Default},
    {{"llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2",
      "jina-v5-nano"},
     Llama3IgnoringMerges},
    {{"dbrx", "smaug-bpe", "chatglm-bpe", "glm4"}, Llama3},
    {{"deepseek-llm"}, DeepseekLlm},
    {{"deepseek-coder"}, DeepseekCoder},
    {{"deepseek-v3", "hunyuan-dense", "joyai-llm", "hy_v4"}, DeepseekV3},
    {{"falcon"}, Falcon},
    {{"gpt-2", "mpt", "olmo", "jais", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es",
      "jina-v2-de"},
     Gpt2},
    {{"a.x-4.0", "mellum", "modern-bert", "exaone4", "trillion", "granite-docling", "jina-v1-en",
      "jina-v2-code", "roberta-bpe"},
     Gpt2},
    {{"starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b", "mellum2"},
     Starcoder},
    {{"qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "stablelm2", "megrez", "hunyuan",
      "solar-open", "grok-2"},
     Qwen2},
    {{"qwen35"}, Qwen35},
    {{"poro-chat", "bloom", "gpt3-finnish"}, Bloom},
    {{"viking"}, Viking},
    {{"gpt-4o", "llama4", "kanana2", "talkie", "minimax-m2"}, Gpt4o},
    {{"tekken"}, Tekken},
    {{"seed-coder"}, SeedCoder},
    {{"gemma4", "granite-embed-multi-311m"}, Gemma4},
};

}  // namespace

Result<PreTokenizerConfig> PreTokenizerConfigFor(std::string_view name) {
  for (const NamedConfig& entry : kConfigs) {
    for (const char* candidate : entry.names) {
      if (candidate != nullptr && name == candidate) return entry.make();
    }
  }
  return UnimplementedError("unknown pre-tokenizer '" + std::string(name) +
                            "' (tokenizer.ggml.pre); this build cannot tokenize for this model");
}

}  // namespace citadel::tokenizer
