#pragma once

// The public interface of a node for integrators: spawn it inside your own
// actor system, talk to it through its typed handle, stop it.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <caf/actor.hpp>
#include <caf/atom.hpp>
#include <caf/expected.hpp>
#include <caf/fwd.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "timecoin/node_config.hpp"

namespace timecoin {

/// One connected peer, as `getpeerinfo` shows it.
struct peer_info {
  std::string node_id; ///< lowercase hex
  std::string address; ///< "ip:port" of the TCP connection
  bool inbound = false;
  uint32_t services = 0;
  std::string user_agent;
  uint16_t listen_port = 0;    ///< the port the peer accepts connections on
  int64_t connected_since = 0; ///< unix seconds
  int64_t ping_rtt_us = -1;    ///< last PING round trip; -1 before the first
  uint64_t best_height = 0;
  uint64_t bytes_sent = 0;
  uint64_t bytes_received = 0;
  uint64_t messages_sent = 0;
  uint64_t messages_received = 0;
  uint64_t violations = 0;        ///< protocol violations charged to this peer
  uint64_t rate_limited = 0;      ///< frames dropped over the rate limit
  uint64_t bytes_limited = 0;     ///< of those, dropped over the byte budget
  uint64_t gossip_duplicates = 0; ///< gossip already seen, dropped
  uint64_t send_queue_bytes = 0;  ///< queued to it, not taken by the socket
  int64_t verify_queued = 0;      ///< its gossip waiting for the verifiers
  uint64_t verify_shed = 0;       ///< gossip dropped: verifiers full
  /// "inbound", "outbound", "masternode", "addnode", "feeler" or "seed".
  std::string connection_type;
  /// In the masternode list, or named by `masternodepeer=`.
  bool masternode = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peer_info& x) {
  return f(caf::meta::type_name("peer_info"), x.node_id, x.address, x.inbound,
           x.services, x.user_agent, x.listen_port, x.connected_since,
           x.ping_rtt_us, x.best_height, x.bytes_sent, x.bytes_received,
           x.messages_sent, x.messages_received, x.violations, x.rate_limited,
           x.bytes_limited, x.gossip_duplicates, x.send_queue_bytes,
           x.verify_queued, x.verify_shed, x.connection_type, x.masternode);
}

/// The node as a whole, as `getnetworkinfo` shows it.
struct network_info {
  std::string node_id; ///< lowercase hex
  std::string network; ///< "devnet", ...
  uint32_t protocol_version = 0;
  std::string user_agent;
  uint32_t connections_in = 0;
  uint32_t connections_out = 0;
  std::vector<std::string> local_addresses; ///< "ip:port" listened on
  uint64_t best_height = 0;
  std::string best_hash; ///< lowercase hex
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, network_info& x) {
  return f(caf::meta::type_name("network_info"), x.node_id, x.network,
           x.protocol_version, x.user_agent, x.connections_in,
           x.connections_out, x.local_addresses, x.best_height, x.best_hash);
}

/// One configured outbound peer (`addnode`, `masternodepeer`, `addnode
/// onetry`), as `getaddednodeinfo` shows it.
struct added_node_info {
  std::string address; ///< "host:port" as configured
  /// "connecting" (dial or handshake under way), "connected", "reconnecting"
  /// (waiting for the next attempt), "disconnected" (a `onetry` that ended:
  /// not dialled again)
  std::string state;
  std::string node_id;    ///< lowercase hex, once its HELLO was seen
  bool persistent = true; ///< re-dialled forever
  bool masternode = false;
  uint32_t attempts = 0;        ///< failed attempts since the last connection
  int64_t next_attempt_ms = -1; ///< while reconnecting: time to the next dial
};

/// A masternode of the list, as `masternodelist` shows it.
struct masternode_info {
  std::string node_id; ///< lowercase hex
  std::string host;
  uint16_t port = 0;
  std::string collateral; ///< "<txid hex>:<vout>"
  int64_t announced = 0;  ///< its newest announcement (unix s)
  int64_t first_seen = 0; ///< when this node listed it (unix s)
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, masternode_info& x) {
  return f(caf::meta::type_name("masternode_info"), x.node_id, x.host, x.port,
           x.collateral, x.announced, x.first_seen);
}

/// An address of the address book, as `getnodeaddresses` shows it.
struct node_address_info {
  std::string host;
  uint16_t port = 0;
  std::string node_id; ///< lowercase hex, empty if unknown
  uint32_t services = 0;
  int64_t last_seen = 0; ///< unix seconds
  bool tried = false;    ///< this node has connected to it
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_address_info& x) {
  return f(caf::meta::type_name("node_address_info"), x.host, x.port, x.node_id,
           x.services, x.last_seen, x.tried);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, added_node_info& x) {
  return f(caf::meta::type_name("added_node_info"), x.address, x.state,
           x.node_id, x.persistent, x.masternode, x.attempts,
           x.next_attempt_ms);
}

/// A gossip message delivered to a subscriber: verified, new, in time.
struct gossip_message {
  uint16_t kind = 0;
  std::vector<uint8_t> payload;
  std::string sender;    ///< the signer's node id (hex); empty if unsigned
  int64_t timestamp = 0; ///< the sender's clock, unix seconds
  std::string from_peer; ///< node id (hex) of the peer that relayed it
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, gossip_message& x) {
  return f(caf::meta::type_name("gossip_message"), x.kind, x.payload, x.sender,
           x.timestamp, x.from_peer);
}

/// One entry of the ban list, as `listbanned` shows it.
struct ban_info {
  std::string subnet;       ///< "1.2.3.4/32", "10.0.0.0/8", "2001:db8::/32"
  int64_t banned_until = 0; ///< unix seconds
  int64_t created = 0;      ///< unix seconds
  std::string reason;       ///< "manual", or the violations that led to it
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ban_info& x) {
  return f(caf::meta::type_name("ban_info"), x.subnet, x.banned_until,
           x.created, x.reason);
}

/// Synchronisation state, as `getblockchaininfo`'s "sync" shows it.
struct sync_info {
  /// "idle" (no peer is ahead), "headers" and "snapshot" (fast sync),
  /// "blocks" (downloading), "fork" (finding a common ancestor, switching)
  std::string state;
  double progress = 1.0;           ///< local height / target height, 0..1
  uint64_t peers_best_height = 0;  ///< the best height a peer announced
  uint32_t peers = 0;              ///< peers the coordinator downloads from
  uint64_t blocks_per_second = 0;  ///< over the last progress interval
  uint64_t rejected_blocks = 0;    ///< invalid blocks received from peers
  uint64_t rejected_snapshots = 0; ///< snapshots whose utxo_root mismatched
  uint64_t reorgs = 0;             ///< reorganisations done
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, sync_info& x) {
  return f(caf::meta::type_name("sync_info"), x.state, x.progress,
           x.peers_best_height, x.peers, x.blocks_per_second, x.rejected_blocks,
           x.rejected_snapshots, x.reorgs);
}

/// The chain as a whole, as `getblockchaininfo` shows it.
struct chain_info {
  std::string chain;        ///< "devnet", ...
  uint64_t blocks = 0;      ///< tip height
  std::string best_hash;    ///< lowercase hex
  std::string utxo_root;    ///< lowercase hex
  uint64_t utxos = 0;       ///< unspent outputs
  int64_t time = 0;         ///< tip timestamp
  uint64_t base_height = 0; ///< lowest stored block (after fast sync: > 0)
  std::vector<uint64_t> snapshot_heights; ///< UTXO snapshots served
  sync_info sync;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, chain_info& x) {
  return f(caf::meta::type_name("chain_info"), x.chain, x.blocks, x.best_hash,
           x.utxo_root, x.utxos, x.time, x.base_height, x.snapshot_heights,
           x.sync);
}

/// One stored block, as `getblock` returns it.
struct block_info {
  uint64_t height = 0;
  std::string hash;             ///< lowercase hex
  uint64_t confirmations = 0;   ///< tip height - height + 1
  std::vector<uint8_t> encoded; ///< the block's MessagePack encoding
                                ///< (docs/PROTOCOL.md, "Chain data")
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, block_info& x) {
  return f(caf::meta::type_name("block_info"), x.height, x.hash,
           x.confirmations, x.encoded);
}

/// One sample of a metric, for the operator's metrics endpoint (Prometheus
/// text exposition: `name{label="value",...} value`).
struct metric_sample {
  std::string name; ///< `timecoin_...`, Prometheus naming rules
  std::string help; ///< one line
  std::string type; ///< "counter" or "gauge"
  std::vector<std::pair<std::string, std::string>> labels;
  double value = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, metric_sample& x) {
  return f(caf::meta::type_name("metric_sample"), x.name, x.help, x.type,
           x.labels, x.value);
}

/// Every sample of a node at one moment; samples of one name are adjacent.
using metrics_snapshot = std::vector<metric_sample>;

/// `addnode` modes, as in bitcoind.
enum class addnode_mode : uint8_t {
  add,    ///< dial now and re-dial forever
  remove, ///< stop re-dialling (an open connection stays)
  onetry, ///< dial once
};

using status_atom = caf::atom_constant<caf::atom("status")>;
using peers_atom = caf::atom_constant<caf::atom("peers")>;
using addnode_atom = caf::atom_constant<caf::atom("addnode")>;
using disconn_atom = caf::atom_constant<caf::atom("disconn")>;
using stop_atom = caf::atom_constant<caf::atom("stop")>;
using addednodes_atom = caf::atom_constant<caf::atom("addednodes")>;
using publish_atom = caf::atom_constant<caf::atom("publish")>;
using subscribe_atom = caf::atom_constant<caf::atom("subscribe")>;
using unsub_atom = caf::atom_constant<caf::atom("unsub")>;
using gossip_atom = caf::atom_constant<caf::atom("gossip")>;
using setban_atom = caf::atom_constant<caf::atom("setban")>;
using listbans_atom = caf::atom_constant<caf::atom("listbans")>;
using clearbans_atom = caf::atom_constant<caf::atom("clearbans")>;
using chaininfo_atom = caf::atom_constant<caf::atom("chaininfo")>;
using blockhash_atom = caf::atom_constant<caf::atom("blockhash")>;
using getblock_atom = caf::atom_constant<caf::atom("getblock")>;
using generate_atom = caf::atom_constant<caf::atom("generate")>;
using verifychain_atom = caf::atom_constant<caf::atom("verifychn")>;
using metrics_atom = caf::atom_constant<caf::atom("metrics")>;
using nodeaddrs_atom = caf::atom_constant<caf::atom("nodeaddrs")>;
using addpeeradr_atom = caf::atom_constant<caf::atom("addpeeradr")>;
using mnlist_atom = caf::atom_constant<caf::atom("mnlist")>;
using sendto_atom = caf::atom_constant<caf::atom("sendto")>;

/// The node's typed interface.
/// - `status` → network_info
/// - `peers` → connected peers
/// - `addnode, "host:port", mode` → false if the address is unusable
/// - `disconn, "host:port" | node id hex` → false if no such peer
/// - `addednodes` → the configured outbound peers and their states
/// - `publish, kind, payload` → signs and gossips it; false if kind 1 or 2
///   and the payload is not a decodable transaction or block, and for kind
///   9 (masternode announcements are made by the node, `masternode=1`)
/// - `subscribe, kind, actor` / `unsub, kind, actor`: the actor receives
///   `(gossip, gossip_message)` for every new verified message of that kind
/// - `setban, "ip|cidr", add?, seconds` → false for a bad subnet, or a
///   remove of a subnet that is not banned (seconds <= 0: 24 h)
/// - `listbans` → the ban list; `clearbans` → true
/// - `chaininfo` → the chain and the state of its synchronisation
/// - `blockhash, height` → the main chain's block hash (hex) at that height;
///   an error above the tip
/// - `getblock, "hash hex" | "height"` → that block; an error if unknown
/// - `generate, n, txs_per_block` (devnet only) → the hashes of n new blocks,
///   signed with the devnet producer key, each carrying up to txs_per_block
///   transactions; they are applied and gossiped
/// - `verifychain` → "" if the chain store is consistent, else what is wrong
/// - `metrics` → the node's metrics (docs/OPERATIONS.md, "Metrics")
/// - `nodeaddrs, count` → up to `count` addresses of the address book
/// - `addpeeradr, host, port` → true if the address was added to the book
/// - `mnlist` → the masternode list
/// - `sendto, owner hex, units` (devnet only) → the txid of a payment from
///   the devnet producer's coins, in the next block `generate` makes
/// - `stop`: BYE to every peer, then the node and its actors exit
using node_actor = caf::typed_actor<
  caf::replies_to<status_atom>::with<network_info>,
  caf::replies_to<peers_atom>::with<std::vector<peer_info>>,
  caf::replies_to<addnode_atom, std::string, uint8_t>::with<bool>,
  caf::replies_to<disconn_atom, std::string>::with<bool>,
  caf::replies_to<addednodes_atom>::with<std::vector<added_node_info>>,
  caf::replies_to<nodeaddrs_atom,
                  uint32_t>::with<std::vector<node_address_info>>,
  caf::replies_to<addpeeradr_atom, std::string, uint16_t>::with<bool>,
  caf::replies_to<mnlist_atom>::with<std::vector<masternode_info>>,
  caf::replies_to<sendto_atom, std::string, uint64_t>::with<std::string>,
  caf::replies_to<publish_atom, uint16_t, std::vector<uint8_t>>::with<bool>,
  caf::reacts_to<subscribe_atom, uint16_t, caf::actor>,
  caf::reacts_to<unsub_atom, uint16_t, caf::actor>,
  caf::replies_to<setban_atom, std::string, bool, int64_t>::with<bool>,
  caf::replies_to<listbans_atom>::with<std::vector<ban_info>>,
  caf::replies_to<clearbans_atom>::with<bool>,
  caf::replies_to<chaininfo_atom>::with<chain_info>,
  caf::replies_to<blockhash_atom, uint64_t>::with<std::string>,
  caf::replies_to<getblock_atom, std::string>::with<block_info>,
  caf::replies_to<generate_atom, uint32_t,
                  uint32_t>::with<std::vector<std::string>>,
  caf::replies_to<verifychain_atom>::with<std::string>,
  caf::replies_to<metrics_atom>::with<metrics_snapshot>,
  caf::reacts_to<stop_atom>>;

class peer_table;

/// A running node: its typed actor and lock-free views of its state.
class node_handle {
public:
  node_handle() = default;
  node_handle(node_actor actor, std::shared_ptr<const peer_table> table,
              std::string node_id, uint16_t p2p_port);

  /// The typed interface; send `stop` to shut the node down.
  const node_actor& actor() const { return actor_; }
  /// The node id (lowercase hex).
  const std::string& node_id() const { return node_id_; }
  /// The P2P port actually bound (useful with port 0), 0 if not listening.
  uint16_t p2p_port() const { return p2p_port_; }

  /// Lock-free reads of the connection table, from any thread.
  bool is_connected(const std::string& node_id_hex) const;
  std::size_t connected_count() const;
  std::vector<std::string> connected_peers() const;

private:
  node_actor actor_;
  std::shared_ptr<const peer_table> table_;
  std::string node_id_;
  uint16_t p2p_port_ = 0;
};

/// A one-line description of an error returned by `spawn_node` (or any other
/// CAF error: rendered by `sys`).
std::string error_message(caf::actor_system& sys, const caf::error& err);

/// Reads from one socket in a row, at most, before the I/O thread turns to
/// the next (CAF's `middleman.max-consecutive-reads`, 50 by default). Every
/// connection of every node in an actor system shares that one thread: with
/// 50 reads of 64 KiB, one peer flooding at full speed held it for 3 MiB of
/// decoding at a time, and an honest peer's PING waited behind it (seconds
/// in a sanitizer build).
constexpr std::size_t max_consecutive_reads = 4;

/// Prepares an actor system's configuration for nodes: loads the
/// middleman and sets `middleman.max-consecutive-reads` to
/// `max_consecutive_reads`. Call it before constructing the system.
void configure_actor_system(caf::actor_system_config& cfg);

/// Spawns a node in `sys` (which must have loaded `caf::io::middleman`;
/// `configure_actor_system` does that and more):
/// loads or creates its key in the data directory, binds its P2P port, dials
/// its `addnode` peers. Errors (port taken, bad key file) are returned.
caf::expected<node_handle> spawn_node(caf::actor_system& sys,
                                      const node_config& cfg);

} // namespace timecoin
