#include "sim/duration.hpp"

#include <fmt/format.h>

#include <array>
#include <limits>
#include <utility>

namespace timecoin::sim {

namespace {

/// A unit: its name and how many result units (µs or bit/s) one of it is.
struct unit {
  std::string_view name;
  uint64_t scale;
};

constexpr std::array<unit, 5> duration_units{{
  {"us", 1},
  {"ms", 1'000},
  {"s", 1'000'000},
  {"m", 60'000'000},
  {"h", 3'600'000'000},
}};

constexpr std::array<unit, 15> bandwidth_units{{
  {"bit", 1},
  {"kbit", 1'000},
  {"Mbit", 1'000'000},
  {"Gbit", 1'000'000'000},
  {"Tbit", 1'000'000'000'000},
  {"bps", 1},
  {"kbps", 1'000},
  {"Mbps", 1'000'000},
  {"Gbps", 1'000'000'000},
  {"Tbps", 1'000'000'000'000},
  {"B", 8},
  {"kB", 8'000},
  {"MB", 8'000'000},
  {"GB", 8'000'000'000},
  {"TB", 8'000'000'000'000},
}};

/// A fraction with more digits than this (trailing zeros dropped) is never a
/// whole number of result units, since no scale above has more than 15
/// factors of 2 or of 5; the bound also keeps the arithmetic in 128 bits.
constexpr std::size_t max_fraction_digits = 18;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

value_error fail(value_errc code, std::string_view text, std::string_view why) {
  // Quote at most max_value_chars characters: the text may be anything.
  auto shown = text.substr(0, max_value_chars);
  return {code, fmt::format("\"{}\": {}", shown, why)};
}

template <std::size_t N>
std::string unit_list(const std::array<unit, N>& units) {
  std::string out;
  for (const auto& u : units) {
    if (!out.empty())
      out += ", ";
    out += u.name;
  }
  return out;
}

/// The shared grammar: digits[.digits] then a unit of `units`; the value
/// scaled exactly, at most `max`.
template <std::size_t N>
result<uint64_t, value_error> parse_scaled(std::string_view text,
                                           const std::array<unit, N>& units,
                                           uint64_t max) {
  if (text.empty())
    return fail(value_errc::empty, text, "empty");
  if (text.size() > max_value_chars)
    return fail(value_errc::too_long, text, "too long");
  if (text.front() == '-')
    return fail(value_errc::negative, text, "negative");
  std::size_t pos = 0;
  while (pos < text.size() && is_digit(text[pos]))
    ++pos;
  auto whole = text.substr(0, pos);
  std::string_view fraction;
  if (pos < text.size() && text[pos] == '.') {
    auto start = ++pos;
    while (pos < text.size() && is_digit(text[pos]))
      ++pos;
    fraction = text.substr(start, pos - start);
    if (fraction.empty())
      return fail(value_errc::bad_number, text, "no digits after the point");
  }
  if (whole.empty())
    return fail(value_errc::bad_number, text, "not a number");
  auto suffix = text.substr(pos);
  bool zero = whole.find_first_not_of('0') == std::string_view::npos
              && fraction.find_first_not_of('0') == std::string_view::npos;
  const unit* found = nullptr;
  for (const auto& u : units)
    if (u.name == suffix)
      found = &u;
  if (suffix.empty()) {
    if (zero)
      return uint64_t{0};
    return fail(value_errc::missing_unit, text,
                fmt::format("needs a unit ({})", unit_list(units)));
  }
  // Every unit starts with a letter: anything else after the digits (a
  // sign, blank, second point) belongs to a malformed number.
  if (!is_letter(suffix.front()))
    return fail(value_errc::bad_number, text, "not a number");
  if (found == nullptr)
    return fail(value_errc::unknown_unit, text,
                fmt::format("unknown unit \"{}\" (units: {})", suffix,
                            unit_list(units)));
  while (!fraction.empty() && fraction.back() == '0')
    fraction.remove_suffix(1);
  if (fraction.size() > max_fraction_digits)
    return fail(value_errc::too_precise, text, "finer than the resolution");

  // whole · scale must fit before the fraction is added.
  const uint64_t whole_max = max / found->scale;
  uint64_t int_part = 0;
  for (char c : whole) {
    auto digit = static_cast<uint64_t>(c - '0');
    if (int_part > (whole_max - digit) / 10)
      return fail(value_errc::overflow, text, "too large");
    int_part = int_part * 10 + digit;
  }
  uint64_t frac_digits = 0;
  uint64_t denominator = 1;
  for (char c : fraction) {
    frac_digits = frac_digits * 10 + static_cast<uint64_t>(c - '0');
    denominator *= 10;
  }
  // fraction · scale is exact only if denominator divides it; 128 bits hold
  // it (both factors are below 10^18 · 10^13).
  unsigned __int128 frac_scaled = static_cast<unsigned __int128>(frac_digits)
                                  * found->scale;
  if (frac_scaled % denominator != 0)
    return fail(value_errc::too_precise, text,
                "not a whole number of the smallest unit");
  auto frac_value = static_cast<uint64_t>(frac_scaled / denominator);
  uint64_t value = int_part * found->scale;
  if (value > max - frac_value)
    return fail(value_errc::overflow, text, "too large");
  return value + frac_value;
}

template <std::size_t N>
std::string format_exact(uint64_t value, const std::array<unit, N>& units) {
  if (value == 0)
    return "0";
  const unit* best = &units[0];
  for (const auto& u : units)
    if (value % u.scale == 0 && u.scale > best->scale)
      best = &u;
  return fmt::format("{}{}", value / best->scale, best->name);
}

} // namespace

result<std::chrono::microseconds, value_error>
parse_duration(std::string_view text) {
  constexpr auto max = static_cast<uint64_t>(
    std::numeric_limits<std::chrono::microseconds::rep>::max());
  auto value = parse_scaled(text, duration_units, max);
  if (!value)
    return value.error();
  return std::chrono::microseconds{
    static_cast<std::chrono::microseconds::rep>(*value)};
}

result<uint64_t, value_error> parse_bandwidth(std::string_view text) {
  return parse_scaled(text, bandwidth_units,
                      std::numeric_limits<uint64_t>::max());
}

std::string format_duration(std::chrono::microseconds d) {
  auto count = d.count();
  if (count < 0) {
    // -(INT64_MIN) overflows: negate as unsigned.
    auto magnitude = 0 - static_cast<uint64_t>(count);
    return "-" + format_exact(magnitude, duration_units);
  }
  return format_exact(static_cast<uint64_t>(count), duration_units);
}

std::string format_bandwidth(uint64_t bits_per_second) {
  // Only the bit units (the first five): one canonical spelling.
  constexpr std::array<unit, 5> bit_units{
    {bandwidth_units[0], bandwidth_units[1], bandwidth_units[2],
     bandwidth_units[3], bandwidth_units[4]}};
  return format_exact(bits_per_second, bit_units);
}

} // namespace timecoin::sim
