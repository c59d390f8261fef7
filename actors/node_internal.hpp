#pragma once

// spawn_node with the knobs tests need (internal header).

#include <functional>
#include <memory>

#include <caf/actor.hpp>
#include <spdlog/logger.h>

#include "actors/node.hpp"
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
  /// Dial and accept through this simulated network (sim_network.hpp)
  /// instead of sockets; the node is reached there at `bind:port`.
  caf::actor sim_network;
};

caf::expected<node_handle> spawn_node(caf::actor_system& sys,
                                      const node_config& cfg,
                                      const node_options& opts);

} // namespace timecoin
