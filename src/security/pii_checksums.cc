#include "security/pii_checksums.h"

namespace citadel::security::pii {
namespace {

int Digit(char c) {
  return c - '0';
}
int TwoDigits(std::string_view s) {
  return Digit(s[0]) * 10 + Digit(s[1]);
}
int Number(std::string_view s) {
  int value = 0;
  for (const char c : s) value = value * 10 + Digit(c);
  return value;
}
bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.starts_with(prefix);
}
bool PrefixIn(std::string_view s, int digits, int low, int high) {
  if (s.size() < static_cast<std::size_t>(digits)) return false;
  const int value = Number(s.substr(0, digits));
  return value >= low && value <= high;
}

}  // namespace

char CnIdCheckChar(std::string_view first17) {
  static constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  static constexpr char kCheck[] = "10X98765432";
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += Digit(first17[i]) * kWeights[i];
  return kCheck[sum % 11];
}

bool PlausibleCnRegion(std::string_view six_digits) {
  const int province = TwoDigits(six_digits);
  const bool known = (province >= 11 && province <= 15) || (province >= 21 && province <= 23) ||
                     (province >= 31 && province <= 37) || (province >= 41 && province <= 46) ||
                     (province >= 50 && province <= 54) || (province >= 61 && province <= 65) ||
                     province == 71 || (province >= 81 && province <= 83);
  return known && TwoDigits(six_digits.substr(2)) != 0;
}

bool ValidDate(std::string_view eight_digits) {
  const int year = Number(eight_digits.substr(0, 4));
  const int month = TwoDigits(eight_digits.substr(4));
  const int day = TwoDigits(eight_digits.substr(6));
  if (year < 1900 || year > 2099 || month < 1 || month > 12 || day < 1) return false;
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  const int days = kDays[month - 1] + (month == 2 && leap ? 1 : 0);
  return day <= days;
}

bool LuhnValid(std::string_view digits) {
  int sum = 0;
  bool twice = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    int d = Digit(*it);
    if (twice) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

bool KnownCardPrefix(std::string_view digits) {
  const std::size_t n = digits.size();
  const bool len16to19 = n >= 16 && n <= 19;
  if (StartsWith(digits, "62")) return len16to19;                        // UnionPay
  if (StartsWith(digits, "4")) return n == 13 || n == 16 || n == 19;     // Visa
  if (PrefixIn(digits, 2, 51, 55) || PrefixIn(digits, 4, 2221, 2720)) {  // Mastercard
    return n == 16;
  }
  if (StartsWith(digits, "34") || StartsWith(digits, "37")) return n == 15;  // Amex
  if (PrefixIn(digits, 4, 3528, 3589)) return len16to19;                     // JCB
  if (StartsWith(digits, "6011") || StartsWith(digits, "65") || PrefixIn(digits, 3, 644, 649)) {
    return len16to19;  // Discover
  }
  if (StartsWith(digits, "36") || PrefixIn(digits, 3, 300, 305)) return n == 14;  // Diners
  return false;
}

bool MobilePrefix(std::string_view digits) {
  if (digits.size() != 11 || digits[0] != '1') return false;
  const char second = digits[1];
  const char third = digits[2];
  switch (second) {
    case '3':
    case '8':
      return true;
    case '4':
      return third >= '5';
    case '5':
      return third != '4';
    case '6':
      return third == '2' || third == '5' || third == '6' || third == '7';
    case '7':
      return third != '9';
    case '9':
      return third != '4';
    default:
      return false;
  }
}

bool AreaCode(std::string_view digits) {
  if (digits.empty() || digits[0] != '0') return false;
  if (digits.size() == 3) {
    return digits == "010" || (digits[1] == '2' && digits[2] != '6');
  }
  return digits.size() == 4 && digits[1] >= '3' && digits[1] <= '9';
}

}  // namespace citadel::security::pii
