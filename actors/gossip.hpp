#pragma once

// Signed gossip (docs/PROTOCOL.md, "Gossip"): verification off the multiplexer
// thread in a pool of workers, then deduplication, local delivery and relay in
// the registry (internal header).

#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "actors/context.hpp"
#include "protocol/messages.hpp"
#include "security/bloom.hpp"

namespace timecoin {

/// The connection a GOSSIP message came from, shared by all its messages.
struct gossip_source {
  std::string origin; ///< node id (hex) of the peer it came from
  std::string ip;     ///< that peer's address, charged for violations
  std::shared_ptr<conn_stats> stats;
};

/// A GOSSIP message as it travels from a connection through a verifier to
/// the registry.
struct gossip_in {
  std::shared_ptr<const proto::gossip> msg;
  std::shared_ptr<const gossip_source> from;
  /// The message id (docs/PROTOCOL.md, "Gossip"), computed once by the
  /// connection.
  proto::hash256 id{};
};

/// Envelopes handed over together: a connection sends the verifiers what one
/// read of its socket carried, a verifier sends the registry what passed.
using gossip_batch = std::vector<gossip_in>;

/// Spawns one verifier per core behind a round-robin pool (one verifier, no
/// pool, with `ctx->scheduled_workers`). Each takes
/// `(verify, gossip_batch)`; the messages that pass go to `registry` as one
/// `(gossip, gossip_batch)`; bad signatures are charged to the sender's
/// address at `limiter`.
caf::actor spawn_verifiers(caf::actor_system& sys, context_ptr ctx,
                           caf::actor registry, caf::actor limiter);

/// The checks of docs/PROTOCOL.md, "Gossip" and of kinds 1 and 2, in the order
/// docs/PROTOCOL.md, "Gossip" gives, without the deduplication (which needs the
/// registry's filter).
enum class gossip_check : uint8_t {
  ok,
  stale_or_future, ///< dropped silently
  bad_signature,   ///< a violation
  malformed_kind,  ///< kind 1 or 2 whose payload does not decode: a violation
};

/// The largest gossip payload of `kind` (docs/PROTOCOL.md, "Gossip payload
/// limits"): a block may fill a frame, a transaction 256 KiB, every other
/// kind (consensus votes, announcements, applications) 64 KiB.
std::size_t max_gossip_payload(uint16_t kind);

/// A bloom configuration for the node's deduplication filter.
security::bloom_params gossip_bloom_params(const node_config& cfg);

/// Kinds 1 and 2 carry a decodable transaction and block (docs/PROTOCOL.md,
/// "Gossip"); other kinds are opaque bytes. Every kind is within
/// `max_gossip_payload`.
bool well_formed_payload(const proto::gossip& msg);

/// Runs the checks of `gossip_check` on `msg` at `now` (unix seconds).
gossip_check check_gossip(const node_context& ctx, const proto::gossip& msg,
                          int64_t now);

/// Deduplication, subscribers and fanout of one node (owned by the registry).
class gossip_router {
public:
  /// `seen`: the node's filter of accepted ids (a private one if null);
  /// `rng`: chooses the relay targets.
  gossip_router(const node_config& cfg, std::shared_ptr<seen_gossip> seen,
                std::mt19937_64 rng);

  /// Remembers `id` of a message stamped `timestamp`; false if it was seen
  /// before (within the age window). Times in unix seconds.
  bool first_sight(const proto::hash256& id, int64_t timestamp, int64_t now);

  void subscribe(uint16_t kind, const caf::actor& who);
  void unsubscribe(uint16_t kind, const caf::actor& who);
  /// Forgets a subscriber that terminated.
  void forget(const caf::actor_addr& who);
  /// The subscribers of `kind`.
  const std::vector<caf::actor>& subscribers(uint16_t kind) const;

  /// Up to `fanout` of `peers` chosen at random, never `except`.
  std::vector<std::string> relay_targets(std::vector<std::string> peers,
                                         const std::string& except);

private:
  std::shared_ptr<seen_gossip> seen_;
  std::unordered_map<uint16_t, std::vector<caf::actor>> subs_;
  uint32_t fanout_;
  std::mt19937_64 rng_;
};

} // namespace timecoin
