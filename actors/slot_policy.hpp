#pragma once

// Who gets a connection slot and who is evicted for it (pure, no CAF): the
// classes of docs/SECURITY.md, "Connection slots", and inbound eviction in
// Bitcoin Core's manner. The registry asks `decide_slot` for every
// connection that completes its handshake.

#include <cstddef>
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
///
/// There is no fixed outbound reservation: the node's own outbound
/// connections (at most `maxoutbound` regular ones, chosen by the node)
/// evict a regular inbound peer when the regular slots are full, so inbound
/// peers can never keep the node from its outbound connections, and while
/// the node has no outbound connections its inbound peers may use the slots.
struct slot_limits {
  uint32_t max_total = 0;
  uint32_t reserved_masternode = 0;

  /// `reserved_masternode_percent` of `max_total` rounded up, but so that at
  /// least one slot is left for the other peers.
  static slot_limits for_max(uint32_t max_total);

  /// Inbound peers of any class, at most.
  uint32_t max_inbound() const { return max_total; }
  /// Peers that are not masternodes (nor manual), at most.
  uint32_t max_regular() const { return max_total - reserved_masternode; }
};

/// How a connection came to be, as `getpeerinfo` shows it.
enum class conn_type : uint8_t {
  inbound = 0,    ///< the peer dialled us
  outbound = 1,   ///< an automatic outbound connection to the address book
  masternode = 2, ///< an outbound connection to a known masternode
  addnode = 3,    ///< `addnode`, `connect`, `masternodepeer` or the RPC
  feeler = 4,     ///< a short connection that tests a new address
  seed = 5,       ///< a `seednode`: asked for addresses, then left
};

/// "inbound", "outbound", "masternode", "addnode", "feeler", "seed".
const char* to_string(conn_type t);

/// What the policy knows of one connection.
struct slot_peer {
  std::string id;
  bool inbound = false;
  /// In the masternode list or named by `masternodepeer=`, never because
  /// its HELLO says so.
  bool masternode = false;
  /// Chosen by the operator: an outbound connection the operator configured
  /// (`addnode`, `connect`, `masternodepeer`, the `addnode` RPC), or an
  /// inbound peer from a whitelisted address. Exempt from the class limits
  /// and never evicted.
  bool manual = false;
  /// When it connected: any clock or counter that grows (larger is
  /// younger); the registry uses the order of registration.
  int64_t since = 0;
  /// Its network group (`network_group`), for eviction.
  std::string group;
  /// Its last ping round trip in microseconds; -1 if none yet.
  int64_t ping_us = -1;
  /// When it last delivered gossip this node had not seen, or a block that
  /// extended the chain (unix seconds, 0: never).
  int64_t last_gossip = 0;
  int64_t last_block = 0;
};

/// Peers protected from eviction, as Bitcoin Core counts them: by network
/// group (the highest keyed group hashes), by ping, by recent gossip, by
/// recent blocks; then half of the rest by time connected.
constexpr std::size_t evict_protect_groups = 4;
constexpr std::size_t evict_protect_ping = 8;
constexpr std::size_t evict_protect_gossip = 4;
constexpr std::size_t evict_protect_blocks = 4;

/// The inbound peer to evict among `peers`, in Bitcoin Core's manner: only
/// inbound peers that are neither masternodes nor manual are candidates;
/// those protected above are removed; of the rest, the youngest peer of the
/// network group with the most candidates (ties: the group whose youngest
/// is youngest). `salt` keys the group hash so that an attacker cannot
/// choose a protected group. Nullopt if every candidate is protected.
std::optional<std::string> select_eviction(const std::vector<slot_peer>& peers,
                                           uint64_t salt);

/// The answer for a newcomer.
struct slot_decision {
  bool admit = false;
  /// Ask this peer to leave (REJECT 6) to make room, then admit.
  std::optional<std::string> evict;
};

/// Decides whether `newcomer` gets a slot among `peers` (the connected
/// ones, newcomer not included):
/// - no regular peer takes the masternode reservation (`slot_limits`);
/// - a regular inbound newcomer that finds its class or the node full
///   evicts the peer `select_eviction` names, else is refused (REJECT 6);
/// - an outbound regular newcomer whose class is full, or a masternode or a
///   manual peer that finds the node full, evicts the peer
///   `select_eviction` names, or else the youngest inbound peer that is
///   neither a masternode nor manual: the node's own choices win over
///   inbound peers. With no such peer, the newcomer is refused.
slot_decision decide_slot(const slot_limits& limits,
                          const std::vector<slot_peer>& peers,
                          const slot_peer& newcomer, uint64_t salt = 0);

} // namespace timecoin
