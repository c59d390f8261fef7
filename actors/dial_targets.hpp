#pragma once

// The operator's outbound targets (pure, no CAF): the addresses named by
// `addnode`, `connect`, `masternodepeer` and the `addnode` RPC, and when
// each is dialled. The supervisor feeds it what happened (a dial failed, a
// connection came up or was lost, a timer fired) and executes its answers:
// start a dial, set a timer, or nothing. Automatic dials chosen by discovery
// do not pass through here.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "actors/backoff.hpp"
#include "config/values.hpp"

namespace timecoin {

/// What the supervisor is to do for a target.
struct dial_action {
  enum kind_t : uint8_t {
    none,        ///< nothing
    dial,        ///< dial `where` now
    retry_later, ///< after `delay`, send `generation` back to `timer_fired`
  };
  kind_t kind = none;
  std::string addr;   ///< the target, "host:port" as configured
  peer_address where; ///< `dial`: where to connect
  std::chrono::milliseconds delay{0};
  uint64_t generation = 0;
};

/// Where a target stands.
enum class dial_phase : uint8_t {
  waiting,   ///< for its next attempt (a timer is pending)
  dialing,   ///< dial or handshake under way
  connected, ///< by its own connection or another one to its node id
  stopped,   ///< not connected and not dialled again (a failed `onetry`)
};

/// "reconnecting", "connecting", "connected", "disconnected": the states of
/// `getaddednodeinfo`.
const char* to_string(dial_phase ph);

/// One target, as `getaddednodeinfo` shows it.
struct dial_target_info {
  std::string address;
  dial_phase phase = dial_phase::waiting;
  std::string node_id;
  bool persistent = true;
  bool masternode = false;
  uint32_t attempts = 0; ///< failed attempts since the last reset
  /// While waiting: the time to the next attempt (never negative); -1
  /// otherwise.
  std::chrono::milliseconds next_attempt{-1};
};

/// The targets and their state machine.
class dial_targets {
public:
  using time_point = std::chrono::steady_clock::time_point;
  /// Whether a connection to this node id (lowercase hex) is registered.
  using is_connected_fn = std::function<bool(const std::string&)>;

  /// Targets whose backoff jitter is seeded from `std::random_device`.
  dial_targets();
  /// Targets whose backoff jitter comes from `rng` (each target's schedule
  /// seeded from it in the order the targets are added).
  explicit dial_targets(std::mt19937_64 rng);

  /// A target for `addr` (ignored unless a valid "host:port"): `persistent`
  /// ones are re-dialled forever, the others (`onetry`) once. An address
  /// already known becomes persistent if asked, is no longer removed, and
  /// is dialled at once if it was waiting or stopped.
  dial_action add(const std::string& addr, bool persistent, bool masternode,
                  const is_connected_fn& is_connected);

  /// `addnode remove`: false unless `addr` is a persistent target. A target
  /// that is connected or dialling is forgotten when that ends, the others
  /// at once.
  bool remove(const std::string& addr);

  /// The retry timer of `addr` fired: dials unless the timer was superseded
  /// (another attempt, a connection, stop) since it was set.
  dial_action timer_fired(const std::string& addr, uint64_t generation,
                          const is_connected_fn& is_connected);

  /// Whether `addr` is a target.
  bool contains(const std::string& addr) const;

  /// The dial of `addr` failed: a persistent target waits for its next
  /// attempt (`retry_later`), a `onetry` one stops, a removed one is
  /// forgotten.
  dial_action dial_failed(const std::string& addr, time_point now);

  /// A connection to `addr` completed its handshake with node `node_id`:
  /// that target, and every other with the same node id, is connected.
  void up(const std::string& node_id, const std::string& addr);

  /// The connection to `addr` (node `node_id`, empty if its handshake never
  /// completed) ended after `lasted_seconds`. Its target, and the connected
  /// ones with the same node id, are retried as `dial_failed` says, unless
  /// another connection still serves the node id; one that lasted
  /// `backoff_stable_connection` starts its delays over.
  std::vector<dial_action> lost(const std::string& node_id,
                                const std::string& addr, int64_t lasted_seconds,
                                const is_connected_fn& is_connected,
                                time_point now);

  /// The node stops: nothing is dialled or scheduled from now on.
  void stop() { stopping_ = true; }

  /// Every target, in address order.
  std::vector<dial_target_info> info(time_point now) const;

private:
  struct target {
    peer_address where;
    bool persistent = true; ///< `addnode`: re-dialled forever
    bool removed = false;   ///< `addnode remove` while connected
    bool masternode = false;
    std::string node_id; ///< learned from its HELLO
    dial_phase ph = dial_phase::waiting;
    backoff delays;
    uint64_t generation = 0; ///< invalidates timers of superseded attempts
    time_point next_attempt; ///< while waiting
  };

  dial_action start_dial(const std::string& addr, target& t,
                         const is_connected_fn& is_connected);
  dial_action schedule_retry(const std::string& addr, time_point now);

  std::map<std::string, target> targets_;
  /// Seeds the backoff of each new target.
  std::mt19937_64 rng_;
  bool stopping_ = false;
};

} // namespace timecoin
