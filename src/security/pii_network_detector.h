// Detectors for e-mail and IPv6 addresses, which are found from the byte
// that every one of them contains ('@', ':') by looking both ways.
//
// email  local part [A-Za-z0-9._%+-] (not starting or ending with '.'),
//        '@', two or more DNS labels, an alphabetic top-level label of two
//        or more letters; a trailing '.' (end of sentence) is not included.
// ipv6   eight groups or a "::" form (an IPv4 tail allowed), validated by
//        security/ip_address.h; brackets and a ":port" after "]" are not
//        part of the span. Clock times ("14:30:00") have neither shape.
//
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "security/pii_span.h"

namespace citadel::security::pii {

// text[at] is '@'. Appends an e-mail span (which starts before `at`) and
// returns the resume offset (> at).
std::size_t DetectEmail(std::string_view text, std::size_t at, std::vector<PiiSpan>& out);

// text[colon] is ':'. Appends an IPv6 span (which may start before `colon`)
// and returns the resume offset (> colon).
std::size_t DetectIpv6(std::string_view text, std::size_t colon, std::vector<PiiSpan>& out);

}  // namespace citadel::security::pii
