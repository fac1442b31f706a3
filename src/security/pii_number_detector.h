// Detectors for PII written with digits: resident ID numbers, mobile
// numbers, landlines, payment cards and IPv4 addresses.
//
// A number is read as digit groups joined by one separator kind (a space or
// a dash) and then matched against the written forms each type has:
//   cn_id      18 characters (17 digits + digit or X), or 6-8-4 groups
//   cn_mobile  11 digits or 3-4-4 groups; "+86", "+86 ", "+86-", "86-" prefixes
//   landline   area code + local number ("010-12345678", "0755 1234 5678",
//              "(0755)1234-5678"); a trailing "-8001" extension is excluded
//   bank_card  13-19 digits, plain, in groups of four, or 4-6-5 (Amex)
//   ipv4       four dotted decimal parts 0..255 without leading zeros
//   passport   E/G + 8 digits, E + letter + 7 digits, DE/SE/PE + 7 digits
// and the check rules of pii_checksums.h. A dash-joined run is one token:
// either all of it is a value or none is ("2023-11-05" is no phone).
//
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "security/pii_span.h"

namespace citadel::security::pii {

// text[pos] is a digit that starts a token. Appends any value found there
// to `out` (byte offsets) and returns where scanning resumes (> pos).
std::size_t DetectNumber(std::string_view text, std::size_t pos, std::vector<PiiSpan>& out);

// text[pos] is '+'. Detects "+86" mobile numbers; returns the resume offset.
std::size_t DetectPlusPrefix(std::string_view text, std::size_t pos, std::vector<PiiSpan>& out);

// text[pos] starts "(" or the full-width "（" (`open_bytes` long). Detects
// "(0755)1234-5678"-style landlines; returns the resume offset.
std::size_t DetectParenLandline(std::string_view text, std::size_t pos, std::size_t open_bytes,
                                std::vector<PiiSpan>& out);

// text[pos] is an upper-case letter that starts a word. Detects a PRC
// passport number; returns the resume offset.
std::size_t DetectPassport(std::string_view text, std::size_t pos, std::vector<PiiSpan>& out);

}  // namespace citadel::security::pii
