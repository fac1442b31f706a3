// PolicyEnforcer: the content policy of a server: data-loss prevention and
// the sensitive-word filter on the prompt, the word filter on the answer,
// the counts of what they did, and the reload of the words file.
//
//   dlp.mode        off | mask | block   personal data in a prompt is masked
//                                        (pii_redactor.h) or the request is
//                                        refused with pii_blocked, naming
//                                        the types found, never the values
//   policy.input    off | block | mask   lexicon terms in a prompt
//   policy.output   off | mask | stop    lexicon terms in an answer
//                                        (stream_filter.h); stop ends it with
//                                        finish_reason "content_filter"
//   policy.profile  internal | public    the defaults of the three above:
//                                        internal = mask/off/off (a knowledge
//                                        tool), public = mask/block/mask (a
//                                        public-facing service)
//
// Thread-safe: every method may be called from any thread. The lexicon is
// an immutable WordMatcher swapped whole by ReloadWords; answers in flight
// keep the one they started with.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "security/pii_redactor.h"
#include "security/pii_scanner.h"
#include "security/stream_filter.h"
#include "security/word_filter.h"
#include "util/status.h"

namespace citadel::security {

enum class DlpMode { kOff, kMask, kBlock };
enum class InputAction { kOff, kBlock, kMask };

struct PolicyConfig {
  PiiScannerConfig pii;
  DlpMode dlp = DlpMode::kMask;
  std::string words_file;  // empty: no lexicon
  InputAction input = InputAction::kOff;
  WordAction output = WordAction::kOff;
};

// Parse the setting values; InvalidArgument naming the setting otherwise.
Result<DlpMode> ParseDlpMode(std::string_view text);
Result<InputAction> ParseInputAction(std::string_view text);
Result<WordAction> ParseOutputAction(std::string_view text);
// The profile's defaults for dlp.mode, policy.input, policy.output.
struct ProfileDefaults {
  std::string dlp;
  std::string input;
  std::string output;
};
Result<ProfileDefaults> ProfileDefaultsOf(std::string_view profile);

// Why a prompt is refused.
struct PromptRefusal {
  std::string code;     // "pii_blocked" or "content_policy_violation"
  std::string message;  // names types or counts, never the text found
};

// What the policy counts, for citadel_policy_hits_total{kind,action}.
enum class HitKind { kPii, kInputWord, kOutputWord };
enum class HitAction { kMask, kBlock, kStop };
std::string_view HitKindName(HitKind kind);        // "pii", "input_word", "output_word"
std::string_view HitActionName(HitAction action);  // "mask", "block", "stop"

class PolicyEnforcer {
 public:
  // Compiles the custom patterns and loads the words file (NotFound or
  // InvalidArgument naming it when it cannot).
  static Result<std::unique_ptr<PolicyEnforcer>> Create(PolicyConfig config);

  // Applies DLP, then the input word filter, to the texts of one prompt:
  // masks in place, or returns the refusal (texts then unchanged).
  std::optional<PromptRefusal> CheckPrompt(const std::vector<std::string*>& texts);

  // `text` with every detected PII value masked, for logs and captured
  // records, whatever dlp.mode says.
  std::string RedactForLog(std::string_view text) const { return masker_.Redact(text); }

  // A filter for one answer; null when policy.output is off or the lexicon
  // is empty.
  std::unique_ptr<StreamFilter> NewOutputFilter() const;
  // Counts the output hits a filter reported.
  void CountOutput(const FilterChunk& chunk);

  // Re-reads policy.words_file; on failure keeps the current lexicon.
  Status ReloadWords();
  bool has_words_file() const { return !config_.words_file.empty(); }
  std::size_t term_count() const;

  // Hits so far, by kind and action.
  std::int64_t hits(HitKind kind, HitAction action) const;

 private:
  PolicyEnforcer(PolicyConfig config, PiiScanner scanner);
  void Count(HitKind kind, HitAction action, std::int64_t n);
  std::shared_ptr<const WordMatcher> Words() const;

  PolicyConfig config_;
  PiiScanner scanner_;
  PiiRedactor masker_;
  mutable std::mutex words_mu_;
  std::shared_ptr<const WordMatcher> words_;  // guarded by words_mu_; never null
  std::array<std::atomic<std::int64_t>, 9> hits_{};
};

}  // namespace citadel::security
