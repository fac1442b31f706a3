#include "security/audit_record.h"

#include <array>
#include <charconv>
#include <variant>

namespace citadel::security {
namespace {

constexpr std::string_view kHeader = "citadel-audit 1";

// One field of the canonical form: a text or integer member, or a field
// with its own encoding (kind, key_id, findings).
enum class Special { kNone, kKind, kKeyId, kFindings };
struct Field {
  std::string_view name;
  std::string AuditRecord::*text = nullptr;
  std::int64_t AuditRecord::*number = nullptr;
  Special special = Special::kNone;
};

constexpr Field Text(std::string_view name, std::string AuditRecord::*member) {
  return {name, member, nullptr, Special::kNone};
}
constexpr Field Number(std::string_view name, std::int64_t AuditRecord::*member) {
  return {name, nullptr, member, Special::kNone};
}
constexpr Field Custom(std::string_view name, Special special) {
  return {name, nullptr, nullptr, special};
}

constexpr std::array<Field, 28> kFields = {
    Number("seq", &AuditRecord::seq),
    Text("prev", &AuditRecord::prev),
    Number("time_ms", &AuditRecord::time_ms),
    Custom("kind", Special::kKind),
    Text("request_id", &AuditRecord::request_id),
    Custom("key_id", Special::kKeyId),
    Text("key_prefix", &AuditRecord::key_prefix),
    Text("user", &AuditRecord::user),
    Text("client_ip", &AuditRecord::client_ip),
    Text("forwarded_ip", &AuditRecord::forwarded_ip),
    Text("method", &AuditRecord::method),
    Text("route", &AuditRecord::route),
    Text("model", &AuditRecord::model),
    Number("status", &AuditRecord::status),
    Text("reason", &AuditRecord::reason),
    Text("finish_reason", &AuditRecord::finish_reason),
    Number("prompt_tokens", &AuditRecord::prompt_tokens),
    Number("completion_tokens", &AuditRecord::completion_tokens),
    Number("cached_tokens", &AuditRecord::cached_tokens),
    Number("latency_us", &AuditRecord::latency_us),
    Text("rate_limit", &AuditRecord::rate_limit),
    Custom("findings", Special::kFindings),
    Text("action", &AuditRecord::action),
    Text("target", &AuditRecord::target),
    Text("capture", &AuditRecord::capture),
    Text("prompt", &AuditRecord::prompt),
    Text("completion", &AuditRecord::completion),
    Custom("", Special::kNone),  // end marker, never written
};
constexpr size_t kFieldCount = kFields.size() - 1;

// Length of the valid UTF-8 sequence starting at text[at], or 0.
size_t Utf8Length(std::string_view text, size_t at) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(at);
  size_t length = 0;
  std::uint32_t code = 0;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2, code = lead & 0x1f;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3, code = lead & 0x0f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4, code = lead & 0x07;
  } else {
    return 0;
  }
  if (at + length > text.size()) return 0;
  for (size_t i = 1; i < length; ++i) {
    if ((byte(at + i) & 0xc0) != 0x80) return 0;
    code = (code << 6) | (byte(at + i) & 0x3f);
  }
  const bool overlong = (length == 3 && code < 0x800) || (length == 4 && code < 0x10000);
  const bool surrogate = code >= 0xd800 && code <= 0xdfff;
  return overlong || surrogate || code > 0x10ffff ? 0 : length;
}

void AppendHexEscape(std::string& out, unsigned char byte) {
  constexpr char kHex[] = "0123456789abcdef";
  out += "\\x";
  out += kHex[byte >> 4];
  out += kHex[byte & 0xf];
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Undoes EscapeAuditText; the caller checks the result re-escapes to `text`.
Result<std::string> Unescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out += text[i];
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '\\') {
      out += '\\', ++i;
    } else if (i + 1 < text.size() && text[i + 1] == 'n') {
      out += '\n', ++i;
    } else if (i + 3 < text.size() && text[i + 1] == 'x' && HexValue(text[i + 2]) >= 0 &&
               HexValue(text[i + 3]) >= 0) {
      out += static_cast<char>(HexValue(text[i + 2]) * 16 + HexValue(text[i + 3]));
      i += 3;
    } else {
      return InvalidArgumentError("bad escape at byte " + std::to_string(i));
    }
  }
  return out;
}

Result<std::string> CanonicalText(std::string_view raw, std::string_view extra = {}) {
  CITADEL_ASSIGN_OR_RETURN(std::string value, Unescape(raw));
  if (EscapeAuditText(value, extra) != raw) return InvalidArgumentError("not canonically escaped");
  return value;
}

Result<std::int64_t> CanonicalNumber(std::string_view raw) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), value);
  if (ec != std::errc() || end != raw.data() + raw.size() || std::to_string(value) != raw) {
    return InvalidArgumentError("'" + EscapeAuditText(raw) + "' is not a canonical integer");
  }
  return value;
}

std::string FindingsText(const std::vector<PolicyFinding>& findings) {
  std::string out;
  for (const PolicyFinding& finding : findings) {
    if (!out.empty()) out += ',';
    out += EscapeAuditText(finding.type, ",:") + ":" + std::to_string(finding.count);
  }
  return out;
}

Result<std::vector<PolicyFinding>> ParseFindings(std::string_view raw) {
  std::vector<PolicyFinding> findings;
  while (!raw.empty()) {
    const size_t comma = raw.find(',');
    const std::string_view item = raw.substr(0, comma);
    const size_t colon = item.rfind(':');
    if (colon == std::string_view::npos) return InvalidArgumentError("finding without a count");
    PolicyFinding finding;
    CITADEL_ASSIGN_OR_RETURN(finding.type, CanonicalText(item.substr(0, colon), ",:"));
    CITADEL_ASSIGN_OR_RETURN(finding.count, CanonicalNumber(item.substr(colon + 1)));
    findings.push_back(std::move(finding));
    if (comma == std::string_view::npos) break;
    raw.remove_prefix(comma + 1);
    if (raw.empty()) return InvalidArgumentError("trailing comma");
  }
  return findings;
}

std::string FieldText(const AuditRecord& record, const Field& field) {
  if (field.text != nullptr) return EscapeAuditText(record.*field.text);
  if (field.number != nullptr) return std::to_string(record.*field.number);
  switch (field.special) {
    case Special::kKind:
      return std::string(AuditKindName(record.kind));
    case Special::kKeyId:
      return record.key_id ? std::to_string(*record.key_id) : "";
    case Special::kFindings:
      return FindingsText(record.findings);
    case Special::kNone:
      break;
  }
  return "";
}

Status ParseField(AuditRecord& record, const Field& field, std::string_view raw) {
  if (field.text != nullptr) {
    CITADEL_ASSIGN_OR_RETURN(record.*field.text, CanonicalText(raw));
    return OkStatus();
  }
  if (field.number != nullptr) {
    CITADEL_ASSIGN_OR_RETURN(record.*field.number, CanonicalNumber(raw));
    return OkStatus();
  }
  switch (field.special) {
    case Special::kKind:
      if (raw == AuditKindName(AuditKind::kRequest)) {
        record.kind = AuditKind::kRequest;
      } else if (raw == AuditKindName(AuditKind::kAdmin)) {
        record.kind = AuditKind::kAdmin;
      } else {
        return InvalidArgumentError("unknown kind '" + EscapeAuditText(raw) + "'");
      }
      return OkStatus();
    case Special::kKeyId: {
      if (raw.empty()) return OkStatus();
      CITADEL_ASSIGN_OR_RETURN(record.key_id, CanonicalNumber(raw));
      return OkStatus();
    }
    case Special::kFindings: {
      CITADEL_ASSIGN_OR_RETURN(record.findings, ParseFindings(raw));
      return OkStatus();
    }
    case Special::kNone:
      break;
  }
  return InternalError("audit field without an encoding");
}

}  // namespace

std::string_view AuditKindName(AuditKind kind) {
  return kind == AuditKind::kAdmin ? "admin" : "request";
}

std::string EscapeAuditText(std::string_view text, std::string_view extra) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte == '\\') {
      out += "\\\\", ++i;
    } else if (byte == '\n') {
      out += "\\n", ++i;
    } else if (byte < 0x20 || byte == 0x7f || extra.find(text[i]) != std::string_view::npos) {
      AppendHexEscape(out, byte), ++i;
    } else if (byte < 0x80) {
      out += text[i], ++i;
    } else if (const size_t length = Utf8Length(text, i); length > 0) {
      out.append(text.substr(i, length)), i += length;
    } else {
      AppendHexEscape(out, byte), ++i;
    }
  }
  return out;
}

std::string CanonicalBytes(const AuditRecord& record) {
  std::string out;
  out.reserve(512 + record.prompt.size() + record.completion.size());
  out.append(kHeader).append("\n");
  for (size_t i = 0; i < kFieldCount; ++i) {
    out.append(kFields[i].name).append("=").append(FieldText(record, kFields[i])).append("\n");
  }
  return out;
}

Result<AuditRecord> ParseAuditRecord(std::string_view text) {
  const auto next_line = [&text]() -> std::optional<std::string_view> {
    const size_t newline = text.find('\n');
    if (newline == std::string_view::npos) return std::nullopt;
    const std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline + 1);
    return line;
  };
  const auto header = next_line();
  if (!header || *header != kHeader) {
    return InvalidArgumentError("audit record: line 1 is not '" + std::string(kHeader) + "'");
  }
  AuditRecord record;
  for (size_t i = 0; i < kFieldCount; ++i) {
    const Field& field = kFields[i];
    const std::string where = "audit record: line " + std::to_string(i + 2);
    const auto line = next_line();
    if (!line)
      return InvalidArgumentError(where + ": missing field '" + std::string(field.name) + "'");
    if (!line->starts_with(field.name) || line->size() <= field.name.size() ||
        (*line)[field.name.size()] != '=') {
      return InvalidArgumentError(where + ": expected field '" + std::string(field.name) + "'");
    }
    const Status parsed = ParseField(record, field, line->substr(field.name.size() + 1));
    if (!parsed.ok()) return parsed.WithContext(where + " (" + std::string(field.name) + ")");
  }
  if (!text.empty()) return InvalidArgumentError("audit record: text after the last field");
  return record;
}

}  // namespace citadel::security
