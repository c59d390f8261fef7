#include "protocol/printable.hpp"

namespace timecoin {

namespace {

/// Appends the escaped form of `text` to `out`; true if `text` was cut.
bool append_escaped(std::string& out, std::string_view text,
                    std::size_t max_chars, bool escape_quote) {
  static constexpr char hex[] = "0123456789abcdef";
  const auto start = out.size();
  for (char ch : text) {
    if (out.size() - start >= max_chars)
      return true;
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c >= 0x7f || c == '\\' || (escape_quote && c == '\'')) {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 0xf];
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
