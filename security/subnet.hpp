#pragma once

// IP addresses and CIDR subnets for bans, whitelists and per-address limits
// (docs/PROTOCOL.md, "Violations and bans"). Plain values: parsing, matching
// and canonical text.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "protocol/result.hpp"

namespace timecoin::security {

/// An IPv4 or IPv6 address. IPv4 is held as its IPv4-mapped IPv6 form
/// (`::ffff:a.b.c.d`), so "1.2.3.4" and "::ffff:1.2.3.4" are the same address:
/// a dual-stack socket reports IPv4 peers in the mapped form, and a peer must
/// not escape its limits or bans by the way the OS spells its address.
class ip_address {
public:
  /// The 16 bytes in network order.
  using bytes_type = std::array<uint8_t, 16>;

  /// `::` (all zero, IPv6).
  ip_address() = default;
  explicit ip_address(const bytes_type& bytes) : bytes_(bytes) {}

  /// Parses "1.2.3.4", "2001:db8::1" or "::ffff:1.2.3.4" with `inet_pton`:
  /// no brackets, no zone ("%eth0"), no blanks, no port. Empty otherwise.
  static std::optional<ip_address> parse(std::string_view text);

  /// An IPv4 address given as a host-order 32-bit number.
  static ip_address from_v4(uint32_t host_order);

  /// True for IPv4 (including when it was written in the mapped form).
  bool is_v4() const noexcept;
  const bytes_type& bytes() const noexcept { return bytes_; }

  /// Canonical text: dotted quad for IPv4, RFC 5952 (`inet_ntop`) for IPv6.
  std::string to_string() const;

  friend bool operator==(const ip_address& a, const ip_address& b) {
    return a.bytes_ == b.bytes_;
  }
  friend bool operator!=(const ip_address& a, const ip_address& b) {
    return !(a == b);
  }
  friend bool operator<(const ip_address& a, const ip_address& b) {
    return a.bytes_ < b.bytes_;
  }

private:
  bytes_type bytes_{};
};

/// Hash for `ip_address` keys in unordered containers.
struct ip_address_hash {
  std::size_t operator()(const ip_address& ip) const noexcept;
};

/// Why a subnet's text was refused.
enum class subnet_errc : uint8_t {
  empty = 1,           ///< nothing (or only a prefix) was given
  too_long = 2,        ///< longer than any address with a prefix can be
  bad_address = 3,     ///< the part before '/' is no IPv4 or IPv6 address
  bad_prefix = 4,      ///< the part after '/' is not a decimal number
  prefix_too_long = 5, ///< more than 32 (IPv4) or 128 (IPv6) bits
};

/// A refused subnet: the case and a message for logs and RPC replies that
/// quotes the input (escaped and cut, since it may come from anywhere).
struct subnet_error {
  subnet_errc code = subnet_errc::empty;
  std::string message;
};

/// An address range in CIDR form: "1.2.3.0/24", "2001:db8::/32"; a bare
/// address is a /32 or /128. Host bits are zeroed when parsed, so equal ranges
/// compare equal and print alike.
///
/// IPv4 ranges match IPv4 addresses (whether written plain or mapped), IPv6
/// ranges match only IPv6 addresses: "::/0" does not cover IPv4, "0.0.0.0/0"
/// does. A mapped range with a prefix of at least 96 ("::ffff:1.2.3.0/120")
/// is the IPv4 range ("1.2.3.0/24").
class subnet {
public:
  /// The single address `::` (an IPv6 /128).
  subnet() = default;

  /// Parses `address` or `address/prefix` (decimal, at most 3 digits).
  static result<subnet, subnet_error> parse(std::string_view text);

  /// The /32 or /128 holding exactly `ip`.
  static subnet single(const ip_address& ip);

  /// True if `ip` is in the range (same family, same leading bits).
  bool contains(const ip_address& ip) const noexcept;

  /// True if the range is one address (/32 for IPv4, /128 for IPv6).
  bool is_single() const noexcept { return bits_ == 128; }

  /// The first address of the range (host bits zero).
  const ip_address& network() const noexcept { return network_; }

  /// The prefix length as written in its own family: 0..32 or 0..128.
  unsigned prefix_length() const noexcept;

  /// Canonical text: "1.2.3.0/24", "2001:db8::/32"; a single address prints
  /// without a prefix ("1.2.3.4", "2001:db8::1").
  std::string to_string() const;

  friend bool operator==(const subnet& a, const subnet& b) {
    return a.bits_ == b.bits_ && a.network_ == b.network_;
  }
  friend bool operator!=(const subnet& a, const subnet& b) { return !(a == b); }

private:
  subnet(ip_address network, unsigned bits);

  ip_address network_;
  /// Prefix length over the 128-bit (mapped) form; IPv4 /n is 96 + n.
  unsigned bits_ = 128;
};

/// A set of addresses and ranges (the `whitelist=` entries): single addresses
/// are found by hash, ranges by a linear scan (operators list a handful).
class subnet_set {
public:
  /// Adds a range; duplicates are kept once.
  void add(const subnet& range);

  /// Parses every entry; the first bad one is the error.
  static result<subnet_set, subnet_error>
  parse(const std::vector<std::string>& entries);

  /// True if some entry covers `ip`.
  bool contains(const ip_address& ip) const;

  bool empty() const noexcept { return singles_.empty() && ranges_.empty(); }
  std::size_t size() const noexcept { return singles_.size() + ranges_.size(); }

private:
  std::unordered_set<ip_address, ip_address_hash> singles_;
  std::vector<subnet> ranges_;
};

} // namespace timecoin::security
