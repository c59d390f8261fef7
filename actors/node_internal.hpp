#pragma once

// spawn_node with the knobs tests need (internal header).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include <caf/actor.hpp>
#include <spdlog/logger.h>

#include "actors/node.hpp"
#include "actors/node_clock.hpp"
#include "protocol/messages.hpp"

namespace timecoin {

/// Options of `spawn_node` that operators never set.
struct node_options {
  /// Connect through the multiplexer (CAF's test multiplexer).
  bool dial_via_backend = false;
  /// Logger of the node; default: a clone of spdlog's default logger.
  std::shared_ptr<spdlog::logger> log;
  /// Alters every chain answer the node serves, or (false) never sends it: a
  /// test double for a peer that serves corrupt blocks or snapshots, or
  /// leaves requests unanswered.
  std::function<bool(proto::message&)> tamper_answers;
  /// Where the node reads the time; null: the machine's clocks
  /// (`real_clock`). A simulation passes `actor_system_clock`.
  std::shared_ptr<const node_clock> clock;
  /// Derives every random choice of the node from this seed (`node_rng`),
  /// its key included: the node id is the same on every run, and
  /// `<datadir>/node_key` is neither read nor written. For simulations and
  /// tests only: whoever knows the seed knows the key.
  std::optional<uint64_t> seed;
  /// Workers on the scheduler instead of threads of their own
  /// (`node_context::scheduled_workers`), and chain verification on the
  /// calling thread.
  bool scheduled_workers = false;
  /// The chain store's LMDB map (`chain::store_options::map_bytes`); 0: the
  /// default. Many stores in one process need a smaller one each.
  std::size_t chain_map_bytes = 0;
  /// Dial and accept through this simulated network (sim_network.hpp)
  /// instead of sockets; the node is reached there at `bind:port`.
  caf::actor sim_network;
  /// A tester's knob, never an operator's: every write of a socket
  /// connection is held this long before the socket gets it, in order, and
  /// a close waits for the bytes held (`delay_line`). One uniform latency
  /// for real-time simulations over loopback, comparable with the simulated
  /// network's links. Held bytes count as unsent, so the session's
  /// backpressure holds: a connection carries at most
  /// `write_high_water_bytes` per delay, as TCP does with its window. 0
  /// (the default): written at once, as in production.
  std::chrono::microseconds send_delay{0};
};

caf::expected<node_handle> spawn_node(caf::actor_system& sys,
                                      const node_config& cfg,
                                      const node_options& opts);

} // namespace timecoin
