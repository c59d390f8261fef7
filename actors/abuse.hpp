#pragma once

// What a node's actors share to defend it: the published ban list, the
// whitelist and the per-address frame budgets (internal header).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "actors/snapshot_cell.hpp"
#include "security/ban_list.hpp"
#include "security/bloom.hpp"
#include "security/subnet.hpp"
#include "security/token_bucket.hpp"

namespace timecoin {

/// One published version of the bans: read without locks at accept and at
/// HELLO.
struct ban_view {
  security::ban_list addresses;
  /// Node ids banned with the address they were seen on, until (unix s).
  std::unordered_map<std::string, int64_t> node_ids;
};

/// The published bans.
class ban_table {
public:
  void publish(std::unique_ptr<const ban_view> next) {
    cell_.publish(std::move(next));
  }

  bool address_banned(const security::ip_address& ip, int64_t now) const {
    return cell_.read(
      [&](const ban_view& v) { return v.addresses.is_banned(ip, now); });
  }

  /// Entries in the published ban list.
  std::size_t count() const {
    return cell_.read([](const ban_view& v) { return v.addresses.size(); });
  }

  bool node_banned(const std::string& node_id_hex, int64_t now) const {
    return cell_.read([&](const ban_view& v) {
      auto i = v.node_ids.find(node_id_hex);
      return i != v.node_ids.end() && now < i->second;
    });
  }

private:
  snapshot_cell<ban_view> cell_;
};

/// The aggregate frame budget of every address, shared by its connections.
/// Charged from connection actors, hence the lock (uncontended: CAF runs
/// all brokers of an actor system on one thread).
class address_budgets {
public:
  address_budgets(uint32_t rate_per_second, uint32_t burst)
    : buckets_(rate_per_second, burst) {}

  bool try_consume(const security::ip_address& ip,
                   std::chrono::steady_clock::time_point now) {
    std::lock_guard<std::mutex> guard{mtx_};
    if (++calls_ % expire_every == 0)
      buckets_.expire(now);
    return buckets_.try_consume(ip, now);
  }

private:
  /// Full buckets are forgotten every this many charges.
  static constexpr uint64_t expire_every = 65536;
  std::mutex mtx_;
  security::address_buckets buckets_;
  uint64_t calls_ = 0;
};

/// Gossip waiting for the verifiers, over the whole node. Each connection
/// also counts its own share in `conn_stats`; while its share or the node's
/// total is full, a connection drops its peer's GOSSIP frames undecoded
/// (see `shed_gossip` in peer_connection.cpp for why not a pause).
struct verify_queue {
  /// Envelopes queued for verification, node-wide.
  static constexpr int64_t max_count = 4096;
  /// Their payload bytes, node-wide.
  static constexpr int64_t max_bytes = 64 * 1024 * 1024;
  /// One connection's share: envelopes...
  static constexpr int64_t max_count_per_peer = 256;
  /// ...and payload bytes (a block may be larger: one is always admitted).
  static constexpr int64_t max_bytes_per_peer = 2 * 1024 * 1024;

  std::atomic<int64_t> count{0};
  std::atomic<int64_t> bytes{0};
};

/// The ids of the gossip this node has accepted (docs/PROTOCOL.md, "Gossip"
/// deduplication): written by the registry after verification, read by
/// connections before any signature work, so that an exact replay of a known
/// message costs a hash and a lookup, never an Ed25519 verification or a place
/// in the verifier queue. The lock is taken from the multiplexer thread and the
/// registry.
class seen_gossip {
public:
  /// A filter with a random key.
  explicit seen_gossip(const security::bloom_params& p) : bloom_(p) {}
  /// A filter with the given key (a node's `node_rng` chooses it).
  seen_gossip(const security::bloom_params& p, const security::bloom_key& key)
    : bloom_(p, key) {}

  /// Records `id`; false if it was seen before.
  bool insert_if_new(const proto::hash256& id, int64_t timestamp, int64_t now) {
    std::lock_guard<std::mutex> guard{mtx_};
    return bloom_.insert_if_new(id, timestamp, now);
  }

  bool contains(const proto::hash256& id) const {
    std::lock_guard<std::mutex> guard{mtx_};
    return bloom_.contains(id);
  }

private:
  mutable std::mutex mtx_;
  security::rotating_bloom bloom_;
};

} // namespace timecoin
