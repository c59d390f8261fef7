#pragma once

// Whole nodes in a benchmark's own process: the actor system they run in,
// their data directories and loggers, starting and stopping them.

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include <caf/expected.hpp>
#include <caf/fwd.hpp>

#include "actors/node.hpp"
#include "config/node_config.hpp"

namespace spdlog {
class logger;
}

namespace timecoin::bench {

/// The node's scheduler threads, as `timed` sets them (apps/timed/main.cpp).
constexpr std::size_t scheduler_threads = 2;

/// Prepares `cfg` for an actor system that runs nodes as `timed` does: loads
/// `caf::io::middleman` and sets scheduler.max-threads to
/// `scheduler_threads`.
void configure_node_system(caf::actor_system_config& cfg);

/// A node's logger: silent, or debug on stderr with TIMECOIN_BENCH_LOG=1
/// (its lines then carry `name`).
std::shared_ptr<spdlog::logger> node_logger(const std::string& name);

/// `<temp>/<prefix>-<tag>-<pid>`, removed if it exists: a fresh data
/// directory.
std::string fresh_datadir(const std::string& prefix, const std::string& tag);

/// Spawns a node configured by `conf` on any free port (port 0), logging
/// through `node_logger(name)`. Errors are returned as `spawn_node`'s.
caf::expected<node_handle> spawn_bench_node(caf::actor_system& sys,
                                            node_config conf,
                                            const std::string& name);

/// Sends stop to `n` and waits until its actor is gone, for `timeout` at
/// most; then empties `n`. False if the node was still running. An empty
/// `n` is already stopped.
bool stop_node(caf::actor_system& sys, node_handle& n,
               std::chrono::milliseconds timeout);

} // namespace timecoin::bench
