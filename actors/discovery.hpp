#pragma once

// The discovery actor: the address book, what peers say of addresses
// (GET_PEERS, PEERS, relay), the outbound plan (anchors, masternodes, then
// regular addresses in distinct network groups, feelers, seeds) and
// `peers.json` (internal header). docs/PROTOCOL.md, "Addresses and
// discovery".

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/fwd.hpp>

#include "actors/address_book.hpp"
#include "actors/context.hpp"

namespace timecoin {

/// The book is written to `peers.json` this long after it changed (once
/// for every change until then), and at shutdown.
constexpr auto book_save_interval = std::chrono::minutes{15};
/// A feeler connection tests a new address this often, while the outbound
/// slots are all taken and the new table holds addresses.
constexpr auto feeler_interval = std::chrono::minutes{2};
/// The outbound plan runs when something may give it work (a connection
/// lost, a dial failed, addresses learned), at most this often: a dial that
/// fails at once is not retried in a loop.
constexpr auto outbound_tick = std::chrono::seconds{1};
/// While the node has fewer outbound connections than it wants and nothing
/// to dial, it asks its seeds again this often.
constexpr auto reseed_interval = std::chrono::seconds{10};
/// The HTTP discovery service is asked at most this often.
constexpr auto discoveryurl_interval = std::chrono::minutes{10};
/// It is asked only while the book holds fewer addresses than this.
constexpr std::size_t discoveryurl_below = 100;
/// Outbound peers remembered at shutdown and dialled first at the next start.
constexpr std::size_t anchor_count = 2;
/// Unsolicited addresses of one peer: one every 10 s on average, bursts
/// of 100; more are ignored.
constexpr double unsolicited_addresses_per_second = 0.1;
constexpr double unsolicited_address_burst = 100;
/// An unsolicited PEERS of at most this many addresses is relayed...
constexpr std::size_t relay_max_addresses = 10;
/// ... to this many peers, for addresses seen within 10 minutes, each
/// address at most once a day.
constexpr std::size_t relay_peers = 2;
constexpr int64_t relay_max_age_seconds = 600;
constexpr int64_t relay_once_per_seconds = 24 * 3600;
/// A node announces its own address again on a connection this old.
constexpr auto self_announce_interval = std::chrono::hours{24};
/// A peer's allowance of unsolicited addresses (a token bucket), kept by
/// its connection so that a flood never reaches the discovery actor.
struct address_allowance {
  double tokens = unsolicited_address_burst;
  int64_t last_ms = -1;

  /// How many of `n` addresses arriving at `now_ms` may be taken.
  std::size_t take(std::size_t n, int64_t now_ms) {
    // A clock that went back refills nothing.
    if (last_ms >= 0 && now_ms > last_ms)
      tokens = std::min(unsolicited_address_burst,
                        tokens
                          + static_cast<double>(now_ms - last_ms) / 1000.0
                              * unsolicited_addresses_per_second);
    last_ms = std::max(last_ms, now_ms);
    auto granted = std::min<std::size_t>(n, static_cast<std::size_t>(tokens));
    tokens -= static_cast<double>(granted);
    return granted;
  }
};

/// Relay memory bound: addresses remembered as relayed.
constexpr std::size_t max_relayed_remembered = 10'000;

/// This node's own listening address as it tells peers (self-announcement,
/// GET_PEERS answers): `externalip` if it is an IP address; on devnet, with
/// no `externalip`, the address the listener binds unless it is a wildcard.
/// Nullopt when the node does not listen or knows no such address.
std::optional<proto::peer_address> self_address(const node_context& ctx);

/// Spawns the discovery actor of a node. `supervisor` dials what the plan
/// chooses (`autodial`); `registry` sends relayed addresses.
caf::actor spawn_discovery(caf::actor_system& sys, context_ptr ctx,
                           caf::actor supervisor, caf::actor registry);

} // namespace timecoin

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<timecoin::book_address>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(timecoin::proto::peers)
