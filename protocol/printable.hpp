#pragma once

// Strings from peers, operators and files made safe to quote in log lines and
// error messages: no control bytes that could forge a line or drive a
// terminal, and a bound on their length.

#include <cstddef>
#include <string>
#include <string_view>

namespace timecoin {

/// `printable` and `quoted` keep this many characters unless told otherwise.
constexpr std::size_t default_printable_chars = 64;

/// `text` made safe to quote: control bytes, bytes outside ASCII and the
/// backslash as `\xNN` (lowercase hex); once the result holds `max_chars`
/// characters the rest is cut and "..." appended.
std::string printable(std::string_view text,
                      std::size_t max_chars = default_printable_chars);

/// `printable(text, max_chars)` in single quotes, with any single quote in
/// `text` escaped as well so that the quoted part is unambiguous; "..." after
/// the closing quote if `text` was cut.
std::string quoted(std::string_view text,
                   std::size_t max_chars = default_printable_chars);

} // namespace timecoin
