#pragma once

// Parsers for the values of time.conf keys and of RPC parameters: ports,
// booleans, bounded integers, host:port addresses, hex keys, log levels.
// Strict: no leading or trailing blanks, no signs, no partial matches.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace timecoin {

/// `0`, `1`, `true` or `false` (lowercase).
std::optional<bool> parse_bool(std::string_view text);

/// A decimal integer in `[min, max]`: digits only (no sign, no blanks), no
/// overflow. `std::nullopt` otherwise.
std::optional<uint64_t> parse_uint(std::string_view text, uint64_t min,
                                   uint64_t max);

/// A TCP port, 1..65535; 0 as well if `allow_zero`.
std::optional<uint16_t> parse_port(std::string_view text,
                                   bool allow_zero = false);

/// A dotted-quad IPv4 address ("127.0.0.1").
bool is_ipv4_literal(std::string_view text);
/// An IPv6 address without brackets ("::1").
bool is_ipv6_literal(std::string_view text);
/// An IPv4 or IPv6 address (IPv6 without brackets).
bool is_ip_literal(std::string_view text);
/// A host name as RFC 1123 allows: dot-separated labels of letters, digits and
/// hyphens, no label over 63 characters or starting or ending with a hyphen,
/// at most 253 characters, not all digits and dots (that must be IPv4).
bool is_hostname(std::string_view text);

/// A network address split into its parts.
struct peer_address {
  std::string host; ///< without brackets for IPv6
  uint16_t port = 0;
  bool ipv6 = false;

  /// "host:port", or "[v6]:port".
  std::string to_string() const;
};

/// `IPv4:port`, `[IPv6]:port` or `hostname:port`, port 1..65535.
std::optional<peer_address> parse_peer_address(std::string_view text);

/// The longest accepted hex public key (32 bytes, 64 hex characters).
constexpr std::size_t hex_key_chars = 64;

/// 64 hex characters (either case); returned in lowercase.
std::optional<std::string> parse_hex_key(std::string_view text);

/// A log level: `trace`, `debug`, `info`, `warn`, `error`, `critical`, `off`,
/// or `0` (= info) and `1` (= debug) as in bitcoind. Returns the level name.
std::optional<std::string> parse_log_level(std::string_view text);

/// An http:// or https:// URL split as cpp-httplib takes it.
struct http_url {
  bool https = false;
  peer_address where; ///< port 80 or 443 if the URL names none
  std::string path;   ///< "/" if the URL has none; with the query
};

/// `http[s]://host[:port][/path]`: a host name or IP literal ([v6]), port
/// 1..65535 (default 80 or 443), no user info, no fragment, no spaces or
/// control characters.
std::optional<http_url> parse_http_url(std::string_view text);

/// An output named as `<txid hex>:<vout>`.
struct outpoint_text {
  std::string txid; ///< lowercase hex
  uint32_t vout = 0;
};

/// 64 hex characters, a colon and a u32.
std::optional<outpoint_text> parse_outpoint(std::string_view text);

} // namespace timecoin
