#pragma once

// spawn_node with the knobs tests need (internal header).

#include <memory>

#include <spdlog/logger.h>

#include "actors/node.hpp"

namespace timecoin {

/// Options of `spawn_node` that operators never set.
struct node_options {
  /// Connect through the multiplexer (CAF's test multiplexer).
  bool dial_via_backend = false;
  /// Logger of the node; default: a clone of spdlog's default logger.
  std::shared_ptr<spdlog::logger> log;
};

caf::expected<node_handle> spawn_node(caf::actor_system& sys,
                                      const node_config& cfg,
                                      const node_options& opts);

} // namespace timecoin
