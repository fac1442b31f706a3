// Check-digit and plausibility rules the PII detectors use to reject look-
// alikes: ISO 7064 MOD 11-2 (resident ID), Luhn (payment cards), calendar
// dates, and the number plans of mainland mobile numbers, area codes, ID
// region codes and card issuer prefixes.
//
// Pure functions over ASCII digits; thread-safe.
#pragma once

#include <string_view>

namespace citadel::security::pii {

// `digits` holds only '0'..'9' (and for CnIdCheckChar 17 of them).
// Returns '0'..'9' or 'X': the check character of an 18-character ID.
char CnIdCheckChar(std::string_view first17);
// A region code whose province part (first two digits) exists and whose
// prefecture part is not "00" (province-level codes are never issued).
bool PlausibleCnRegion(std::string_view six_digits);
// YYYYMMDD that names a real day from 1900-01-01 to 2099-12-31.
bool ValidDate(std::string_view eight_digits);
// The Luhn checksum of a digit string holds.
bool LuhnValid(std::string_view digits);
// A card number's issuer prefix and length fit a known scheme (UnionPay,
// Visa, Mastercard, American Express, JCB, Discover, Diners Club).
bool KnownCardPrefix(std::string_view digits);
// An 11-digit number in the mainland mobile plan (13x, 145-149, 15x but
// 154, 162/165/166/167, 170-178, 18x, 19x but 194).
bool MobilePrefix(std::string_view digits);
// A mainland area code: 010, 020-025, 027-029, or 0[3-9]xx.
bool AreaCode(std::string_view digits);

}  // namespace citadel::security::pii
