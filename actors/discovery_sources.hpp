#pragma once

// Where addresses come from besides peers (blocking calls, no CAF): the
// HTTP discovery service and DNS seeds of docs/PROTOCOL.md, "Addresses and
// discovery", and the checks on addresses peers send.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "actors/address_book.hpp"
#include "protocol/messages.hpp"
#include "protocol/result.hpp"

namespace timecoin {

/// The discovery service must answer within this time.
constexpr auto discoveryurl_timeout = std::chrono::seconds{10};
/// Its answer is at most this long.
constexpr std::size_t max_discoveryurl_body = 1024 * 1024;
/// Addresses taken from one answer of the service, at most.
constexpr std::size_t max_discoveryurl_peers = 1000;
/// Addresses taken from one DNS seed, at most.
constexpr std::size_t max_dnsseed_addresses = 256;

/// The discovery service's JSON: `{"network": ..., "peers": [{"host",
/// "port", "node_id"?, "masternode"?}]}`. An error for anything but an
/// object of the right network; entries that are not valid addresses are
/// skipped. `last_seen` of each is `now`.
result<std::vector<book_address>, std::string>
parse_discovery_json(const std::string& body, const std::string& network,
                     int64_t now);

/// GETs `url` (http or https, `discoveryurl_timeout`, at most
/// `max_discoveryurl_body`) and parses the answer. Blocks.
result<std::vector<book_address>, std::string>
fetch_discovery_url(const std::string& url, const std::string& network,
                    int64_t now);

/// The A and AAAA records of `name`, each at `port`. Blocks.
result<std::vector<book_address>, std::string>
resolve_dns_seed(const std::string& name, uint16_t port, int64_t now);

/// A PEERS entry as the book takes it: nullopt for a malformed host, port
/// 0, a node id of another length than 0 or 32, or `last_seen` more than
/// 10 minutes ahead of `now` (skipped, not a violation).
std::optional<book_address> from_wire(const proto::peer_address& a,
                                      int64_t now);

/// The book's address as a PEERS entry.
proto::peer_address to_wire(const book_address& a);

} // namespace timecoin
