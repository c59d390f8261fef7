#include "actors/network_group.hpp"

#include <algorithm>
#include <cstdio>

namespace timecoin {

namespace {

/// The first byte of an IPv4 address in the mapped form `::ffff:a.b.c.d`.
constexpr std::size_t v4_offset = 12;

} // namespace

bool is_local_address(const security::ip_address& ip) {
  const auto& b = ip.bytes();
  if (ip.is_v4()) {
    const auto* v = b.data() + v4_offset;
    return v[0] == 127 || v[0] == 10 || (v[0] == 172 && (v[1] & 0xf0) == 16)
           || (v[0] == 192 && v[1] == 168) || (v[0] == 169 && v[1] == 254)
           || (v[0] == 0 && v[1] == 0 && v[2] == 0 && v[3] == 0);
  }
  bool zero_head = std::all_of(b.begin(), b.begin() + 15,
                               [](uint8_t x) { return x == 0; });
  return (zero_head && b[15] <= 1)                   // :: and ::1
         || (b[0] & 0xfe) == 0xfc                    // fc00::/7
         || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80); // fe80::/10
}

bool is_local_address(const std::string& host) {
  auto ip = security::ip_address::parse(host);
  return ip && is_local_address(*ip);
}

std::string network_group(const security::ip_address& ip, uint16_t port,
                          bool local) {
  if (local || is_local_address(ip))
    return "h:" + ip.to_string() + ":" + std::to_string(port);
  const auto& b = ip.bytes();
  char buf[32];
  if (ip.is_v4())
    std::snprintf(buf, sizeof buf, "4:%u.%u", b[v4_offset], b[v4_offset + 1]);
  else
    std::snprintf(buf, sizeof buf, "6:%02x%02x:%02x%02x", b[0], b[1], b[2],
                  b[3]);
  return buf;
}

std::string network_group(const std::string& host, uint16_t port, bool local) {
  auto ip = security::ip_address::parse(host);
  return ip ? network_group(*ip, port, local) : std::string{};
}

} // namespace timecoin
