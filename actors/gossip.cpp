#include "actors/gossip.hpp"

#include <algorithm>
#include <thread>

#include <caf/all.hpp>

#include "actors/atoms.hpp"
#include "actors/node.hpp"
#include "protocol/codec.hpp"
#include "protocol/framing.hpp"
#include "security/envelope.hpp"
#include "security/violations.hpp"

namespace timecoin {

gossip_check check_gossip(const node_context& ctx, const proto::gossip& msg,
                          int64_t now) {
  security::gossip_rules rules{ctx.net->magic, ctx.cfg.message_max_age_seconds,
                               ctx.cfg.enable_message_signing};
  auto verdict = security::check_envelope(rules, msg, now);
  if (verdict == security::gossip_verdict::stale
      || verdict == security::gossip_verdict::future)
    return gossip_check::stale_or_future;
  if (verdict != security::gossip_verdict::accept)
    return gossip_check::bad_signature;
  return well_formed_payload(msg) ? gossip_check::ok
                                  : gossip_check::malformed_kind;
}

std::size_t max_gossip_payload(uint16_t kind) {
  /// A block: whatever fits in a frame with its envelope.
  constexpr std::size_t block_bytes = proto::max_frame_bytes - 1024;
  /// A transaction of about 2,400 inputs.
  constexpr std::size_t transaction_bytes = 256 * 1024;
  /// Votes, proofs, announcements, application messages.
  constexpr std::size_t other_bytes = 64 * 1024;
  if (kind == proto::gossip_kind_block)
    return block_bytes;
  if (kind == proto::gossip_kind_transaction)
    return transaction_bytes;
  return other_bytes;
}

bool well_formed_payload(const proto::gossip& msg) {
  if (msg.payload.size() > max_gossip_payload(msg.kind))
    return false;
  if (msg.kind == proto::gossip_kind_transaction
      && !proto::decode_transaction(msg.payload.data(), msg.payload.size()))
    return false;
  if (msg.kind == proto::gossip_kind_block
      && !proto::decode_block(msg.payload.data(), msg.payload.size()))
    return false;
  return true;
}

namespace {

/// Checks one envelope; true if it goes on to the registry.
bool verify_one(const node_context& ctx, caf::event_based_actor* self,
                const caf::actor& limiter, gossip_in& in, int64_t now) {
  // The connection's share and the node's total are given back first.
  auto size = static_cast<int64_t>(in.msg->payload.size());
  in.from->stats->verify_queued.fetch_sub(1, std::memory_order_relaxed);
  in.from->stats->verify_queued_bytes.fetch_sub(size,
                                                std::memory_order_relaxed);
  ctx.verify->count.fetch_sub(1, std::memory_order_relaxed);
  ctx.verify->bytes.fetch_sub(size, std::memory_order_relaxed);
  auto charge = [&](security::violation v) {
    ctx.counters->gossip_invalid.fetch_add(1, std::memory_order_relaxed);
    in.from->stats->gossip_dropped.fetch_add(1, std::memory_order_relaxed);
    in.from->stats->violations.fetch_add(1, std::memory_order_relaxed);
    self->send(limiter, violation_atom::value, in.from->ip,
               static_cast<uint8_t>(v), in.from->origin);
  };
  switch (check_gossip(ctx, *in.msg, now)) {
    case gossip_check::ok: return true;
    case gossip_check::stale_or_future:
      in.from->stats->gossip_dropped.fetch_add(1, std::memory_order_relaxed);
      ctx.counters->gossip_stale.fetch_add(1, std::memory_order_relaxed);
      return false;
    case gossip_check::bad_signature:
      charge(security::violation::bad_signature);
      return false;
    case gossip_check::malformed_kind:
      charge(security::violation::malformed_frame);
      return false;
  }
  return false;
}

caf::behavior verifier(caf::event_based_actor* self, context_ptr ctx,
                       caf::actor registry, caf::actor limiter) {
  return {
    [=](verify_atom, gossip_batch& batch) {
      // What passes is handed on in the same batch, in order: one message
      // to the registry per batch, not per envelope.
      auto now = ctx->clock->unix_now();
      auto passed
        = std::remove_if(batch.begin(), batch.end(), [&](gossip_in& in) {
            return !verify_one(*ctx, self, limiter, in, now);
          });
      batch.erase(passed, batch.end());
      if (!batch.empty())
        self->send(registry, gossip_atom::value, std::move(batch));
    },
  };
}

} // namespace

caf::actor spawn_verifiers(caf::actor_system& sys, context_ptr ctx,
                           caf::actor registry, caf::actor limiter) {
  // On the scheduler (a simulation): one verifier, without a pool.
  if (ctx->scheduled_workers)
    return sys.spawn(verifier, ctx, registry, limiter);
  auto workers = std::max(1u, std::thread::hardware_concurrency());
  // Each verifier on a thread of its own (detached). On the scheduler, CAF
  // 0.17 runs an actor until its mailbox is empty (`scheduler.max-throughput`
  // is unbounded by default): under a burst of gossip the verifiers held
  // every scheduler thread until their whole backlog was verified, and the
  // registry (dedup, delivery, relay), the supervisor and the node's
  // interface waited for seconds; nor could more verifiers than scheduler
  // threads (2 in timed) run at once. Their own threads share the cores with
  // the scheduler's, as the OS decides (docs/BENCHMARKS.md, "Gossip ingest").
  return caf::actor_pool::make(
    sys.dummy_execution_unit(), workers,
    [=, &sys] {
      return sys.spawn<caf::detached>(verifier, ctx, registry, limiter);
    },
    caf::actor_pool::round_robin());
}

security::bloom_params gossip_bloom_params(const node_config& cfg) {
  security::bloom_params p;
  p.max_age = std::chrono::seconds{cfg.message_max_age_seconds};
  return p;
}

gossip_router::gossip_router(const node_config& cfg,
                             std::shared_ptr<seen_gossip> seen,
                             std::mt19937_64 rng)
  : seen_(seen ? std::move(seen)
               : std::make_shared<seen_gossip>(gossip_bloom_params(cfg))),
    fanout_(cfg.gossip_fanout),
    rng_(std::move(rng)) {
  // nop
}

bool gossip_router::first_sight(const proto::hash256& id, int64_t timestamp,
                                int64_t now) {
  return seen_->insert_if_new(id, timestamp, now);
}

void gossip_router::subscribe(uint16_t kind, const caf::actor& who) {
  auto& v = subs_[kind];
  if (std::find(v.begin(), v.end(), who) == v.end())
    v.push_back(who);
}

void gossip_router::unsubscribe(uint16_t kind, const caf::actor& who) {
  auto i = subs_.find(kind);
  if (i == subs_.end())
    return;
  auto& v = i->second;
  v.erase(std::remove(v.begin(), v.end(), who), v.end());
}

void gossip_router::forget(const caf::actor_addr& who) {
  for (auto& kv : subs_) {
    auto& v = kv.second;
    v.erase(
      std::remove_if(v.begin(), v.end(),
                     [&](const caf::actor& a) { return a.address() == who; }),
      v.end());
  }
}

const std::vector<caf::actor>& gossip_router::subscribers(uint16_t kind) const {
  static const std::vector<caf::actor> none;
  auto i = subs_.find(kind);
  return i == subs_.end() ? none : i->second;
}

std::vector<std::string>
gossip_router::relay_targets(std::vector<std::string> peers,
                             const std::string& except) {
  peers.erase(std::remove(peers.begin(), peers.end(), except), peers.end());
  if (peers.size() > fanout_) {
    // Partial Fisher-Yates: the first `fanout_` are a uniform sample.
    for (size_t i = 0; i < fanout_; ++i) {
      std::uniform_int_distribution<size_t> pick{i, peers.size() - 1};
      std::swap(peers[i], peers[pick(rng_)]);
    }
    peers.resize(fanout_);
  }
  return peers;
}

} // namespace timecoin
