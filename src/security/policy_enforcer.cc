#include "security/policy_enforcer.h"

#include <set>

namespace citadel::security {
namespace {

std::size_t Index(HitKind kind, HitAction action) {
  return static_cast<std::size_t>(kind) * 3 + static_cast<std::size_t>(action);
}

Status BadSetting(std::string_view name, std::string_view value, std::string_view allowed) {
  return InvalidArgumentError("setting " + std::string(name) + ": '" + std::string(value) +
                              "' is not one of " + std::string(allowed));
}

Result<std::shared_ptr<const WordMatcher>> LoadMatcher(const std::string& path) {
  std::vector<WordTerm> terms;
  if (!path.empty()) {
    CITADEL_ASSIGN_OR_RETURN(terms, LoadWordsFile(path));
  }
  CITADEL_ASSIGN_OR_RETURN(WordMatcher matcher, WordMatcher::Build(terms));
  return std::make_shared<const WordMatcher>(std::move(matcher));
}

std::string JoinTypes(const std::set<std::string>& types) {
  std::string out;
  for (const std::string& type : types) out += (out.empty() ? "" : ", ") + type;
  return out;
}

}  // namespace

Result<DlpMode> ParseDlpMode(std::string_view text) {
  if (text == "off") return DlpMode::kOff;
  if (text == "mask") return DlpMode::kMask;
  if (text == "block") return DlpMode::kBlock;
  return BadSetting("dlp.mode", text, "off, mask, block");
}

Result<InputAction> ParseInputAction(std::string_view text) {
  if (text == "off") return InputAction::kOff;
  if (text == "block") return InputAction::kBlock;
  if (text == "mask") return InputAction::kMask;
  return BadSetting("policy.input", text, "off, block, mask");
}

Result<WordAction> ParseOutputAction(std::string_view text) {
  if (text == "off") return WordAction::kOff;
  if (text == "mask") return WordAction::kMask;
  if (text == "stop") return WordAction::kStop;
  return BadSetting("policy.output", text, "off, mask, stop");
}

Result<ProfileDefaults> ProfileDefaultsOf(std::string_view profile) {
  if (profile == "internal") return ProfileDefaults{"mask", "off", "off"};
  if (profile == "public") return ProfileDefaults{"mask", "block", "mask"};
  return BadSetting("policy.profile", profile, "internal, public");
}

std::string_view HitKindName(HitKind kind) {
  switch (kind) {
    case HitKind::kPii:
      return "pii";
    case HitKind::kInputWord:
      return "input_word";
    case HitKind::kOutputWord:
      return "output_word";
  }
  return "pii";
}

std::string_view HitActionName(HitAction action) {
  switch (action) {
    case HitAction::kMask:
      return "mask";
    case HitAction::kBlock:
      return "block";
    case HitAction::kStop:
      return "stop";
  }
  return "mask";
}

PolicyEnforcer::PolicyEnforcer(PolicyConfig config, PiiScanner scanner)
    : config_(std::move(config)),
      scanner_(std::move(scanner)),
      masker_(std::move(*PiiRedactor::Create(scanner_, RedactionMode::kMask))) {}

Result<std::unique_ptr<PolicyEnforcer>> PolicyEnforcer::Create(PolicyConfig config) {
  CITADEL_ASSIGN_OR_RETURN(PiiScanner scanner, PiiScanner::Create(config.pii));
  CITADEL_ASSIGN_OR_RETURN(std::shared_ptr<const WordMatcher> words,
                           LoadMatcher(config.words_file));
  std::unique_ptr<PolicyEnforcer> enforcer(
      new PolicyEnforcer(std::move(config), std::move(scanner)));
  enforcer->words_ = std::move(words);
  return enforcer;
}

std::shared_ptr<const WordMatcher> PolicyEnforcer::Words() const {
  std::lock_guard<std::mutex> lock(words_mu_);
  return words_;
}

std::size_t PolicyEnforcer::term_count() const {
  return Words()->term_count();
}

Status PolicyEnforcer::ReloadWords() {
  CITADEL_ASSIGN_OR_RETURN(std::shared_ptr<const WordMatcher> words,
                           LoadMatcher(config_.words_file));
  std::lock_guard<std::mutex> lock(words_mu_);
  words_ = std::move(words);
  return OkStatus();
}

void PolicyEnforcer::Count(HitKind kind, HitAction action, std::int64_t n) {
  if (n > 0) hits_[Index(kind, action)].fetch_add(n, std::memory_order_relaxed);
}

std::int64_t PolicyEnforcer::hits(HitKind kind, HitAction action) const {
  return hits_[Index(kind, action)].load(std::memory_order_relaxed);
}

std::optional<PromptRefusal> PolicyEnforcer::CheckPrompt(const std::vector<std::string*>& texts) {
  if (config_.dlp != DlpMode::kOff) {
    std::vector<std::vector<PiiSpan>> found(texts.size());
    std::set<std::string> types;
    std::int64_t values = 0;
    for (std::size_t i = 0; i < texts.size(); ++i) {
      found[i] = scanner_.Scan(*texts[i]);
      for (const PiiSpan& span : found[i]) types.emplace(scanner_.TypeName(span));
      values += static_cast<std::int64_t>(found[i].size());
    }
    if (values > 0 && config_.dlp == DlpMode::kBlock) {
      Count(HitKind::kPii, HitAction::kBlock, values);
      return PromptRefusal{"pii_blocked", "The prompt contains personal data (" + JoinTypes(types) +
                                              "); remove it and try again"};
    }
    Count(HitKind::kPii, HitAction::kMask, values);
    for (std::size_t i = 0; i < texts.size(); ++i) {
      if (!found[i].empty()) *texts[i] = masker_.Apply(*texts[i], found[i]);
    }
  }
  if (config_.input == InputAction::kOff) return std::nullopt;
  const std::shared_ptr<const WordMatcher> words = Words();
  if (words->empty()) return std::nullopt;
  std::vector<std::vector<WordMatch>> matches(texts.size());
  std::int64_t hits = 0;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    words->FindAll(*texts[i], {}, matches[i]);
    hits += static_cast<std::int64_t>(matches[i].size());
  }
  if (hits > 0 && config_.input == InputAction::kBlock) {
    Count(HitKind::kInputWord, HitAction::kBlock, hits);
    return PromptRefusal{
        "content_policy_violation",
        "The prompt contains " + std::to_string(hits) + " term(s) of the content policy's lexicon"};
  }
  Count(HitKind::kInputWord, HitAction::kMask, hits);
  for (std::size_t i = 0; i < texts.size(); ++i) {
    if (!matches[i].empty()) *texts[i] = MaskMatches(*texts[i], matches[i]);
  }
  return std::nullopt;
}

std::unique_ptr<StreamFilter> PolicyEnforcer::NewOutputFilter() const {
  if (config_.output == WordAction::kOff) return nullptr;
  std::shared_ptr<const WordMatcher> words = Words();
  if (words->empty()) return nullptr;
  return std::make_unique<StreamFilter>(std::move(words), config_.output);
}

void PolicyEnforcer::CountOutput(const FilterChunk& chunk) {
  Count(HitKind::kOutputWord, chunk.stopped ? HitAction::kStop : HitAction::kMask,
        static_cast<std::int64_t>(chunk.term_ids.size()));
}

}  // namespace citadel::security
