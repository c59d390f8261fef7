#include "security/subnet.hpp"

#include "protocol/big_endian.hpp"
#include "protocol/printable.hpp"

#include <arpa/inet.h>

#include <cstring>

namespace timecoin::security {

namespace {

/// The longest text that can be an address with a prefix:
/// "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128" is 49 bytes. Longer
/// input is refused before it is copied or parsed.
constexpr std::size_t max_subnet_text = 64;
/// Input quoted in an error message is cut to this many characters.
constexpr std::size_t max_quoted_chars = 64;
/// Bits of the IPv4-mapped prefix `::ffff:0:0/96` in front of an IPv4 address.
constexpr unsigned v4_mapped_bits = 96;
constexpr unsigned v4_bits = 32;
constexpr unsigned v6_bits = 128;

subnet_error fail(subnet_errc code, std::string_view text,
                  const std::string& why) {
  return subnet_error{code, "invalid address or subnet "
                              + quoted(text, max_quoted_chars) + ": " + why};
}

bool is_mapped(const ip_address::bytes_type& b) {
  for (std::size_t i = 0; i < 10; ++i)
    if (b[i] != 0)
      return false;
  return b[10] == 0xff && b[11] == 0xff;
}

/// Zeroes every bit after the first `bits`.
ip_address::bytes_type masked(ip_address::bytes_type b, unsigned bits) {
  for (unsigned i = 0; i < b.size(); ++i) {
    unsigned first = i * 8;
    if (first >= bits)
      b[i] = 0;
    else if (bits - first < 8)
      b[i] &= static_cast<uint8_t>(0xff << (8 - (bits - first)));
  }
  return b;
}

} // namespace

std::optional<ip_address> ip_address::parse(std::string_view text) {
  // inet_pton needs a NUL-terminated string; an embedded NUL must not cut
  // the text short and pass as a shorter address.
  if (text.empty() || text.size() > max_subnet_text
      || text.find('\0') != std::string_view::npos)
    return std::nullopt;
  std::string s(text);
  bytes_type b{};
  in_addr v4{};
  if (::inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    b[10] = b[11] = 0xff;
    std::memcpy(b.data() + 12, &v4, 4);
    return ip_address{b};
  }
  in6_addr v6{};
  if (::inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    std::memcpy(b.data(), &v6, 16);
    return ip_address{b};
  }
  return std::nullopt;
}

ip_address ip_address::from_v4(uint32_t host_order) {
  bytes_type b{};
  b[10] = b[11] = 0xff;
  proto::put_be32(b.data() + 12, host_order);
  return ip_address{b};
}

bool ip_address::is_v4() const noexcept {
  return is_mapped(bytes_);
}

std::string ip_address::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (is_v4())
    ::inet_ntop(AF_INET, bytes_.data() + 12, buf, sizeof buf);
  else
    ::inet_ntop(AF_INET6, bytes_.data(), buf, sizeof buf);
  return buf;
}

std::size_t ip_address_hash::operator()(const ip_address& ip) const noexcept {
  // FNV-1a over the 16 bytes: keys are peer addresses, and the maps they key
  // are bounded by connection limits, so a keyed hash is not needed.
  uint64_t h = 14695981039346656037ull;
  for (auto byte : ip.bytes()) {
    h ^= byte;
    h *= 1099511628211ull;
  }
  return static_cast<std::size_t>(h);
}

subnet::subnet(ip_address network, unsigned bits)
  : network_(ip_address{masked(network.bytes(), bits)}), bits_(bits) {}

result<subnet, subnet_error> subnet::parse(std::string_view text) {
  if (text.empty())
    return fail(subnet_errc::empty, text, "empty");
  if (text.size() > max_subnet_text)
    return fail(subnet_errc::too_long, text,
                "longer than " + std::to_string(max_subnet_text) + " bytes");
  auto slash = text.find('/');
  auto addr_text = text.substr(0, slash);
  if (addr_text.empty())
    return fail(subnet_errc::empty, text, "no address before '/'");
  auto addr = ip_address::parse(addr_text);
  if (!addr)
    return fail(subnet_errc::bad_address, text,
                "not an IPv4 or IPv6 address (expected e.g. 1.2.3.4, "
                "1.2.3.0/24, 2001:db8::1 or 2001:db8::/32)");
  // A mapped address written as IPv6 takes an IPv6 prefix; either way the
  // family limit is the one of the text.
  bool written_v4 = addr_text.find(':') == std::string_view::npos;
  unsigned family_max = written_v4 ? v4_bits : v6_bits;
  unsigned prefix = family_max;
  if (slash != std::string_view::npos) {
    auto digits = text.substr(slash + 1);
    if (digits.empty() || digits.size() > 3)
      return fail(subnet_errc::bad_prefix, text,
                  "the prefix after '/' must be 0 to "
                    + std::to_string(family_max));
    prefix = 0;
    for (char c : digits) {
      if (c < '0' || c > '9')
        return fail(subnet_errc::bad_prefix, text,
                    "the prefix after '/' must be a decimal number");
      prefix = prefix * 10 + static_cast<unsigned>(c - '0');
    }
    if (prefix > family_max)
      return fail(subnet_errc::prefix_too_long, text,
                  "prefix /" + std::to_string(prefix) + " exceeds "
                    + std::to_string(family_max) + " bits");
  }
  unsigned bits = written_v4 ? v4_mapped_bits + prefix : prefix;
  return subnet{*addr, bits};
}

subnet subnet::single(const ip_address& ip) {
  return subnet{ip, v6_bits};
}

bool subnet::contains(const ip_address& ip) const noexcept {
  // An IPv6 range never covers IPv4, even one as wide as "::/0": the mapped
  // form is an internal encoding, not an address an operator means.
  bool range_v4 = bits_ >= v4_mapped_bits && network_.is_v4();
  if (range_v4 != ip.is_v4())
    return false;
  return masked(ip.bytes(), bits_) == network_.bytes();
}

unsigned subnet::prefix_length() const noexcept {
  if (bits_ >= v4_mapped_bits && network_.is_v4())
    return bits_ - v4_mapped_bits;
  return bits_;
}

std::string subnet::to_string() const {
  if (is_single())
    return network_.to_string();
  return network_.to_string() + "/" + std::to_string(prefix_length());
}

void subnet_set::add(const subnet& range) {
  if (range.is_single()) {
    singles_.insert(range.network());
    return;
  }
  for (const auto& r : ranges_)
    if (r == range)
      return;
  ranges_.push_back(range);
}

result<subnet_set, subnet_error>
subnet_set::parse(const std::vector<std::string>& entries) {
  subnet_set set;
  for (const auto& entry : entries) {
    auto range = subnet::parse(entry);
    if (!range)
      return range.error();
    set.add(*range);
  }
  return set;
}

bool subnet_set::contains(const ip_address& ip) const {
  if (singles_.count(ip) != 0)
    return true;
  for (const auto& r : ranges_)
    if (r.contains(ip))
      return true;
  return false;
}

} // namespace timecoin::security
