#include "protocol/printable.hpp"

#include <cstdint>

#include "protocol/types.hpp"

namespace timecoin {

namespace {

/// Appends the escaped form of `text` to `out`; true if `text` was cut.
bool append_escaped(std::string& out, std::string_view text,
                    std::size_t max_chars, bool escape_quote) {
  const auto start = out.size();
  for (char ch : text) {
    if (out.size() - start >= max_chars)
      return true;
    auto c = static_cast<uint8_t>(ch);
    if (c < 0x20 || c >= 0x7f || c == '\\' || (escape_quote && c == '\'')) {
      out += "\\x";
      out += proto::to_hex(&c, 1);
    } else {
      out += ch;
    }
  }
  return false;
}

} // namespace

std::string printable(std::string_view text, std::size_t max_chars) {
  std::string out;
  if (append_escaped(out, text, max_chars, false))
    out += "...";
  return out;
}

std::string quoted(std::string_view text, std::size_t max_chars) {
  std::string out = "'";
  bool cut = append_escaped(out, text, max_chars, true);
  out += cut ? "'..." : "'";
  return out;
}

} // namespace timecoin
