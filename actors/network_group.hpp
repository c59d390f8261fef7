#pragma once

// Network groups (pure, no CAF): the unit the address book buckets by and
// eviction protects by, so that one network cannot fill the book or the
// slots (docs/PROTOCOL.md, "Addresses and discovery").

#include <cstdint>
#include <string>

#include "security/subnet.hpp"

namespace timecoin {

/// The network group of an address: "4:a.b" for IPv4 (/16), "6:xxxx:xxxx"
/// for IPv6 (/32). On a local cluster (`local` set: devnet) and for local
/// addresses (`is_local_address`) every node is a group of its own,
/// "h:host:port", so that nodes on one host can fill each other's slots.
std::string network_group(const security::ip_address& ip, uint16_t port,
                          bool local);

/// `network_group` of an IP literal; empty for a host that is not one.
std::string network_group(const std::string& host, uint16_t port, bool local);

/// True for loopback, private (RFC 1918, RFC 4193), link-local and
/// unspecified addresses.
bool is_local_address(const security::ip_address& ip);
bool is_local_address(const std::string& host);

} // namespace timecoin
