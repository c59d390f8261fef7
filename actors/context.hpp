#pragma once

// State shared by all actors of one node, fixed at start (internal header).

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <spdlog/logger.h>

#include "actors/abuse.hpp"
#include "actors/node_clock.hpp"
#include "actors/node_rng.hpp"
#include "actors/peer_table.hpp"
#include "actors/snapshot_cell.hpp"
#include "config/node_config.hpp"
#include "protocol/messages.hpp"
#include "security/handshake.hpp"
#include "security/node_key.hpp"
#include "security/tls.hpp"

namespace timecoin {

/// The local chain tip as announced in HELLO, TIP and PING.
struct chain_tip {
  uint64_t height = 0;
  proto::hash256 hash{};
  proto::hash256 utxo_root{};
  /// The height of the snapshot the store was installed from; 0 if it holds
  /// every block from genesis.
  uint64_t base_height = 0;
};

/// Where a listed masternode listens (from its announcement).
struct masternode_address {
  std::string host;
  uint16_t port = 0;
};

/// The masternode list as the other actors read it: node id (hex) ->
/// address. Published by the masternodes actor.
struct masternode_view {
  std::map<std::string, masternode_address> by_id;
};

/// An exclusive lock on a data directory (`<datadir>/.lock`, flock), held
/// while the node runs so that two nodes never share a key or a store.
class dir_lock {
public:
  dir_lock() = default;
  explicit dir_lock(int fd) : fd_(fd) {}
  dir_lock(dir_lock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  dir_lock& operator=(dir_lock&& other) noexcept;
  dir_lock(const dir_lock&) = delete;
  dir_lock& operator=(const dir_lock&) = delete;
  ~dir_lock();

private:
  int fd_ = -1;
};

/// Why a connection closed, for the metrics.
enum class close_reason : uint8_t {
  local,             ///< this node's choice: BYE, stop, duplicate, operator
  peer_closed,       ///< the peer closed the socket or sent close_notify
  peer_bye,          ///< the peer said BYE
  peer_reject,       ///< the peer sent REJECT
  violation,         ///< a protocol violation (charged)
  send_queue_full,   ///< the peer did not read (send queue bound)
  no_first_bytes,    ///< nothing within 2 s of accept
  handshake_timeout, ///< no handshake within 10 s
  ping_timeout,      ///< no PONG within 90 s
  tls_failure,       ///< TLS failed
  count_,
};

/// "local", "peer_closed", ...
const char* to_string(close_reason r);

/// Node-wide counters for the operator's metrics (relaxed atomics).
struct node_counters {
  using counter = std::atomic<uint64_t>;
  /// Connections closed, by `close_reason`.
  std::array<counter, static_cast<size_t>(close_reason::count_)> closed{};
  /// Violations charged, by `security::violation` (index = its value).
  std::array<counter, 16> violations{};
  /// Automatic bans made.
  counter bans{};
  /// Inbound sockets the listener refused, by `conn_limits::admit_result`
  /// (index 0: banned address).
  std::array<counter, 8> refused{};
  /// Gossip: accepted (verified, first sight), relayed frames, duplicates
  /// (before and after verification), stale or future, invalid.
  counter gossip_accepted{};
  counter gossip_relayed{};
  counter gossip_duplicates{};
  counter gossip_stale{};
  counter gossip_invalid{};
  /// Frames dropped over a frame or byte budget.
  counter frames_rate_limited{};
  counter frames_byte_limited{};
  /// Gossip frames dropped undecoded because the verifier queue was full.
  counter gossip_shed{};
  /// Traffic of connections that have ended (the metrics add the live
  /// ones): bytes and frames, in and out.
  counter closed_bytes_in{};
  counter closed_bytes_out{};
  counter closed_messages_in{};
  counter closed_messages_out{};
};

/// Everything a node's actors share. Immutable after `spawn_node`, except the
/// members that say otherwise.
struct node_context {
  node_config cfg;
  const proto::network_params* net = nullptr;
  security::node_key key;
  std::string node_id_hex;
  /// Null with `tls=0`.
  std::shared_ptr<security::tls_context> tls;
  /// Published by the registry, read by anyone.
  std::shared_ptr<peer_table> table;
  /// What HELLO announces (listen port filled in once bound).
  security::local_info local;
  /// Published by the rate limiter, read at accept and at HELLO.
  std::shared_ptr<ban_table> bans = std::make_shared<ban_table>();
  /// Exempt from rate limits and automatic bans.
  security::subnet_set whitelist;
  /// Counters for the metrics.
  std::shared_ptr<node_counters> counters = std::make_shared<node_counters>();
  /// Gossip queued for verification, node-wide.
  std::shared_ptr<verify_queue> verify = std::make_shared<verify_queue>();
  /// Ids of accepted gossip (set by `spawn_node`; tests may leave it null).
  std::shared_ptr<seen_gossip> seen;
  /// Per-address frame budgets; null with `enable_rate_limiting=0`.
  std::shared_ptr<address_budgets> budgets;
  /// The local tip: published by the chain writer after every commit, read
  /// by connections for HELLO, TIP and PING.
  std::shared_ptr<snapshot_cell<chain_tip>> tip_cell
    = std::make_shared<snapshot_cell<chain_tip>>();
  /// The masternode list (node ids and addresses), published by the
  /// masternodes actor, read by the registry and discovery.
  std::shared_ptr<snapshot_cell<masternode_view>> masternodes
    = std::make_shared<snapshot_cell<masternode_view>>();
  /// True if `node_id_hex` is in the masternode list.
  bool listed_masternode(const std::string& node_id_hex) const {
    return masternodes->read(
      [&](const masternode_view& v) { return v.by_id.count(node_id_hex) > 0; });
  }
  /// The current tip (a copy).
  chain_tip tip() const {
    return tip_cell->read([](const chain_tip& t) { return t; });
  }
  /// Dial through the multiplexer instead of a connect thread (for CAF's
  /// test multiplexer, whose connects never block).
  bool dial_via_backend = false;
  /// Where every actor of the node reads the time (monotonic and unix).
  std::shared_ptr<const node_clock> clock = real_clock();
  /// Where every random choice of the node comes from: unpredictable, or
  /// derived from a seed in simulations.
  node_rng rng;
  /// Spawn the workers that normally have threads of their own (gossip
  /// verifiers, chain writer and reader, DNS, discovery-URL and connect
  /// workers) as ordinary scheduled actors, and one verifier only: many
  /// nodes in one process under CAF's test coordinator then use no threads
  /// of their own. Their blocking work (a DNS lookup, an HTTP fetch, a TCP
  /// connect outside `dial_via_backend`) then holds a scheduler thread:
  /// simulations configure none of it.
  bool scheduled_workers = false;
  /// Test double: alters every chain answer this node serves (a corrupt
  /// block, an altered snapshot entry), or swallows it (false: never
  /// answered). Empty in real nodes.
  std::function<bool(proto::message&)> tamper;
  /// Test knob (`node_options::send_delay`): socket connections hold every
  /// write this long; 0 in real nodes.
  std::chrono::microseconds send_delay{0};
  std::shared_ptr<spdlog::logger> log;
};

using context_ptr = std::shared_ptr<const node_context>;

/// Traffic counters of one connection, written by its actor and read by the
/// registry for `getpeerinfo` (relaxed atomics: statistics only).
struct conn_stats {
  std::atomic<uint64_t> bytes_sent{0};
  std::atomic<uint64_t> bytes_received{0};
  std::atomic<uint64_t> messages_sent{0};
  std::atomic<uint64_t> messages_received{0};
  std::atomic<int64_t> ping_rtt_us{-1};
  std::atomic<uint64_t> best_height{0};
  std::atomic<uint64_t> unknown_messages{0};
  std::atomic<uint64_t> violations{0};
  std::atomic<uint64_t> rate_limited{0};
  std::atomic<uint64_t> gossip_dropped{0};
  std::atomic<uint64_t> gossip_duplicates{0};
  /// Gossip of this connection waiting for the verifiers: envelopes and
  /// payload bytes.
  std::atomic<int64_t> verify_queued{0};
  std::atomic<int64_t> verify_queued_bytes{0};
  /// Its gossip frames dropped undecoded because its verifier share, or the
  /// node's, was full.
  std::atomic<uint64_t> verify_shed{0};
  /// Frames dropped over the connection's byte budget.
  std::atomic<uint64_t> bytes_limited{0};
  /// Disconnects because the send queue reached its bound.
  std::atomic<uint64_t> send_overflows{0};
  /// Bytes queued to send and not yet taken by the socket (estimate).
  std::atomic<uint64_t> send_queue_bytes{0};
};

} // namespace timecoin
