#pragma once

// Who gets a connection slot (pure, no CAF): the classes of docs/SECURITY.md,
// "Connection slots". The registry asks `decide_slot` for every connection
// that completes its handshake.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace timecoin {

/// Percentage of `maxconnections` reserved for masternodes (rounded up): a
/// peer that is not a masternode, inbound or outbound, gets a slot only
/// while such peers stay below the rest. The network layer carries the
/// masternodes' consensus traffic; a flood of ordinary peers must not push
/// them out.
constexpr uint32_t reserved_masternode_percent = 40;

/// The slot classes of one node, from its `maxconnections`.
struct slot_limits {
  uint32_t max_total = 0;
  uint32_t reserved_outbound = 0;
  uint32_t reserved_masternode = 0;

  /// The reservations for `max_total`: the outbound slots of
  /// `security::default_reserved_outbound` (at most half), and
  /// `reserved_masternode_percent` rounded up, but so that at least one slot is
  /// left for the other peers.
  static slot_limits for_max(uint32_t max_total);

  /// Inbound peers of any class, at most.
  uint32_t max_inbound() const { return max_total - reserved_outbound; }
  /// Peers that are not masternodes, at most.
  uint32_t max_regular() const { return max_total - reserved_masternode; }
  /// Inbound peers that are not masternodes (nor whitelisted), at most: the
  /// regular slots less the outbound reservation.
  uint32_t max_regular_inbound() const {
    auto regular = max_regular();
    return regular > reserved_outbound ? regular - reserved_outbound : 0;
  }
};

/// What the policy knows of one connection.
struct slot_peer {
  std::string id;
  bool inbound = false;
  /// A masternode the node knows as one (`masternodepeer=`), never because
  /// its HELLO says so.
  bool masternode = false;
  /// Chosen by the operator: an outbound connection the operator configured
  /// (`addnode`, `connect`, `masternodepeer`, the `addnode` RPC), or an
  /// inbound peer from a whitelisted address. Exempt from the class limits
  /// and never evicted.
  bool manual = false;
  int64_t since = 0; ///< when it connected (unix seconds)
};

/// The answer for a newcomer.
struct slot_decision {
  bool admit = false;
  /// Ask this peer to leave (REJECT 6) to make room, then admit.
  std::optional<std::string> evict;
};

/// Decides whether `newcomer` gets a slot among `peers` (the connected
/// ones, newcomer not included):
/// - no inbound peer takes the outbound reservation, no regular peer the
///   masternode reservation (`slot_limits`);
/// - an outbound connection to a full node, or a masternode or a manual
///   peer whose class has room but the node has not, evicts the youngest
///   inbound peer that is neither a masternode nor manual; with none, the
///   newcomer is refused.
slot_decision decide_slot(const slot_limits& limits,
                          const std::vector<slot_peer>& peers,
                          const slot_peer& newcomer);

} // namespace timecoin
