#pragma once

// Durations ("50ms", "1.5s") and bandwidths ("100Mbit", "12.5MB") as written
// in scenario files and on the simulator's command line.
//
// A value is a decimal number (digits, optionally a point and more digits; no
// sign, exponent or blanks) followed at once by a unit. Zero ("0", "0.0")
// needs no unit. Fractions are exact: "1.5s" is 1,500,000 µs, and a value that
// is not a whole number of the result's unit (µs, bit/s) is refused rather
// than rounded.
//
// Durations: us, ms, s, m (minutes), h.
// Bandwidths, per second, decimal prefixes as in tc and ns-3: bit, kbit,
// Mbit, Gbit, Tbit (also bps, kbps, Mbps, Gbps, Tbps); bytes B, kB, MB, GB,
// TB (times 8). Units are case-sensitive: "mbit" is refused, since tc reads
// it as megabits and "m" elsewhere means milli.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/result.hpp"

namespace timecoin::sim {

/// Why a duration or bandwidth was refused.
enum class value_errc : uint8_t {
  empty = 1,        ///< nothing to parse
  too_long = 2,     ///< over `max_value_chars`
  negative = 3,     ///< starts with '-'
  bad_number = 4,   ///< not digits[.digits] (signs, blanks, exponents)
  missing_unit = 5, ///< a number other than zero without a unit
  unknown_unit = 6, ///< a unit not listed above
  too_precise = 7,  ///< not a whole number of µs or bit/s
  overflow = 8,     ///< larger than the result type holds
};

/// A refused value: the code and a sentence quoting the text.
struct value_error {
  value_errc code = value_errc::bad_number;
  std::string message;
};

/// Values longer than this are not durations or bandwidths: the longest
/// meaningful one ("9223372036854775807us") has 21 characters.
constexpr std::size_t max_value_chars = 64;

/// A duration as above, in microseconds, at most INT64_MAX µs.
result<std::chrono::microseconds, value_error>
parse_duration(std::string_view text);

/// A bandwidth as above, in bits per second.
result<uint64_t, value_error> parse_bandwidth(std::string_view text);

/// `d` in the largest unit that writes it exactly ("1500ms", "90s", "2m",
/// "0"); `parse_duration` reads it back to the same value. Negative
/// durations get a leading '-' (which parse_duration refuses).
std::string format_duration(std::chrono::microseconds d);

/// `bits_per_second` in the largest of bit, kbit, Mbit, Gbit, Tbit that
/// writes it exactly ("100Mbit", "1500kbit", "0").
std::string format_bandwidth(uint64_t bits_per_second);

} // namespace timecoin::sim
