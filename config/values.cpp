#include "config/values.hpp"

#include "protocol/types.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <limits>

namespace timecoin {

namespace {

/// RFC 1123: a DNS label is at most 63 characters.
constexpr std::size_t max_label_chars = 63;
/// RFC 1123: a host name is at most 253 characters (without the final dot).
constexpr std::size_t max_hostname_chars = 253;
/// The longest IPv6 text inet_pton is asked about; longer is not an address.
constexpr std::size_t max_ipv6_chars = 45;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_label_char(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
         || c == '-';
}

} // namespace

std::optional<bool> parse_bool(std::string_view text) {
  if (text == "1" || text == "true")
    return true;
  if (text == "0" || text == "false")
    return false;
  return std::nullopt;
}

std::optional<uint64_t> parse_uint(std::string_view text, uint64_t min,
                                   uint64_t max) {
  if (text.empty())
    return std::nullopt;
  constexpr auto limit = std::numeric_limits<uint64_t>::max();
  uint64_t value = 0;
  for (char c : text) {
    if (!is_digit(c))
      return std::nullopt;
    auto digit = static_cast<uint64_t>(c - '0');
    if (value > (limit - digit) / 10)
      return std::nullopt; // overflow
    value = value * 10 + digit;
  }
  if (value < min || value > max)
    return std::nullopt;
  return value;
}

std::optional<uint16_t> parse_port(std::string_view text, bool allow_zero) {
  auto value = parse_uint(text, allow_zero ? 0 : 1,
                          std::numeric_limits<uint16_t>::max());
  if (!value)
    return std::nullopt;
  return static_cast<uint16_t>(*value);
}

bool is_ipv4_literal(std::string_view text) {
  // inet_pton wants a C string; "255.255.255.255" is the longest IPv4 text.
  if (text.empty() || text.size() > 15)
    return false;
  std::string buf{text};
  in_addr addr{};
  return inet_pton(AF_INET, buf.c_str(), &addr) == 1;
}

bool is_ipv6_literal(std::string_view text) {
  if (text.empty() || text.size() > max_ipv6_chars
      || text.find('\0') != std::string_view::npos)
    return false;
  std::string buf{text};
  in6_addr addr{};
  return inet_pton(AF_INET6, buf.c_str(), &addr) == 1;
}

bool is_ip_literal(std::string_view text) {
  return is_ipv4_literal(text) || is_ipv6_literal(text);
}

bool is_hostname(std::string_view text) {
  if (text.empty() || text.size() > max_hostname_chars)
    return false;
  // All digits and dots: an IPv4 address or nothing.
  if (std::all_of(text.begin(), text.end(),
                  [](char c) { return is_digit(c) || c == '.'; }))
    return false;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto dot = text.find('.', start);
    auto label = text.substr(start, dot == std::string_view::npos
                                      ? std::string_view::npos
                                      : dot - start);
    if (label.empty() || label.size() > max_label_chars || label.front() == '-'
        || label.back() == '-'
        || !std::all_of(label.begin(), label.end(), is_label_char))
      return false;
    if (dot == std::string_view::npos)
      break;
    start = dot + 1;
  }
  return true;
}

std::string peer_address::to_string() const {
  auto port_text = std::to_string(port);
  return ipv6 ? "[" + host + "]:" + port_text : host + ":" + port_text;
}

std::optional<peer_address> parse_peer_address(std::string_view text) {
  peer_address out;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size()
        || text[close + 1] != ':')
      return std::nullopt;
    auto host = text.substr(1, close - 1);
    if (!is_ipv6_literal(host))
      return std::nullopt;
    out.host = std::string{host};
    out.ipv6 = true;
    port_text = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos)
      return std::nullopt;
    auto host = text.substr(0, colon);
    // A second colon means a bare IPv6 address: it needs brackets.
    if (host.find(':') != std::string_view::npos)
      return std::nullopt;
    if (!is_ipv4_literal(host) && !is_hostname(host))
      return std::nullopt;
    out.host = std::string{host};
    port_text = text.substr(colon + 1);
  }
  auto port = parse_port(port_text);
  if (!port)
    return std::nullopt;
  out.port = *port;
  return out;
}

std::optional<std::string> parse_hex_key(std::string_view text) {
  proto::hash256 key{};
  static_assert(2 * key.size() == hex_key_chars);
  if (!proto::from_hex(text, key))
    return std::nullopt;
  return proto::to_hex(key);
}

std::optional<http_url> parse_http_url(std::string_view text) {
  http_url out;
  std::string_view rest;
  if (text.substr(0, 7) == "http://") {
    rest = text.substr(7);
  } else if (text.substr(0, 8) == "https://") {
    out.https = true;
    rest = text.substr(8);
  } else {
    return std::nullopt;
  }
  for (char c : text)
    if (static_cast<unsigned char>(c) <= ' ' || c == '#' || c == 0x7f)
      return std::nullopt;
  auto slash = rest.find('/');
  auto authority = rest.substr(0, slash);
  out.path = slash == std::string_view::npos ? std::string{"/"}
                                             : std::string{rest.substr(slash)};
  // host:port as everywhere else, or a host alone at the scheme's port.
  auto where = parse_peer_address(authority);
  if (!where)
    where = parse_peer_address(std::string{authority} + ":"
                               + (out.https ? "443" : "80"));
  if (!where)
    return std::nullopt;
  out.where = std::move(*where);
  return out;
}

std::optional<outpoint_text> parse_outpoint(std::string_view text) {
  auto colon = text.find(':');
  if (colon == std::string_view::npos)
    return std::nullopt;
  auto txid = parse_hex_key(text.substr(0, colon));
  auto vout = parse_uint(text.substr(colon + 1), 0, UINT32_MAX);
  if (!txid || !vout)
    return std::nullopt;
  return outpoint_text{*txid, static_cast<uint32_t>(*vout)};
}

std::optional<std::string> parse_log_level(std::string_view text) {
  static constexpr std::string_view levels[]
    = {"trace", "debug", "info", "warn", "error", "critical", "off"};
  if (text == "0")
    return std::string{"info"};
  if (text == "1")
    return std::string{"debug"};
  for (auto level : levels)
    if (text == level)
      return std::string{level};
  return std::nullopt;
}

} // namespace timecoin
