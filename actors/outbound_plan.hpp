#pragma once

// Which automatic outbound connections to make (pure, no CAF): anchors
// first, then known masternodes up to `maxoutboundmasternodes`, then
// addresses of the book in network groups not used yet up to
// `maxoutbound`; and feelers. The discovery actor executes the plan.

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "actors/address_book.hpp"
#include "actors/slot_policy.hpp"

namespace timecoin {

/// One automatic outbound connection, dialling or up.
struct outbound_conn {
  std::string key; ///< "host:port"
  conn_type type = conn_type::outbound;
  std::string group; ///< `network_group` of its address
};

/// A listed masternode: where it listens.
struct listed_masternode {
  std::string node_id;
  std::string host;
  uint16_t port = 0;
};

/// What the plan looks at.
struct outbound_view {
  uint32_t max_regular = 8;     ///< `maxoutbound`
  uint32_t max_masternodes = 8; ///< `maxoutboundmasternodes`
  bool local = false;           ///< group by host and port (devnet)
  std::vector<outbound_conn> current;
  /// Node ids connected in either direction: never dialled again.
  std::set<std::string> connected_ids;
  /// Addresses the operator configured ("host:port"): dialled by the
  /// supervisor, never automatically.
  std::set<std::string> configured;
  std::string own_id; ///< this node's id (hex)
  /// This node's own listening address, if it knows it.
  std::optional<std::pair<std::string, uint16_t>> own_address;
};

/// A dial the plan chose.
struct planned_dial {
  std::string host;
  uint16_t port = 0;
  conn_type type = conn_type::outbound;

  std::string key() const;
};

/// True if `a` is this node (its id, or its own address).
bool is_own_address(const outbound_view& v, const book_address& a);

/// The dials to make now: `anchors` (taken from the back, as regular
/// connections, consumed), then `masternodes` in random order, then
/// addresses `book` selects, each in a network group no automatic
/// connection uses yet. Never this node, a connected node id, an address
/// dialled already or a configured one.
std::vector<planned_dial>
plan_outbound(const outbound_view& v, std::vector<std::string>& anchors,
              const std::vector<listed_masternode>& masternodes,
              address_book& book, std::mt19937_64& rng, int64_t now);

/// A feeler: a new address to test, only while the regular outbound
/// connections are all there and no feeler is under way.
std::optional<planned_dial> plan_feeler(const outbound_view& v,
                                        address_book& book, int64_t now);

} // namespace timecoin
