#pragma once

// Runs a scenario on a simulation and records what the report needs: the
// engine of `time-sim`, usable from a tester's own program or test.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "sim/report.hpp"
#include "sim/scenario.hpp"
#include "sim/simulation.hpp"

namespace timecoin::sim {

/// The network and nodes of a run; a scenario's `network` section
/// overrides the first five.
struct run_options {
  uint32_t nodes = 100;
  /// Links per node in the random topology.
  uint32_t degree = 8;
  /// One-way latency of a link: each link's is drawn uniformly from
  /// `latency ± jitter` once, when the topology is made.
  std::chrono::microseconds latency{std::chrono::milliseconds{50}};
  std::chrono::microseconds jitter{0};
  /// Per link; 0: unlimited.
  uint64_t bandwidth_bps = 0;
  uint64_t seed = 42;
  /// Real time models one latency for every link: `jitter` and
  /// `bandwidth_bps` are not applied there (the progress lines say so), and
  /// a scenario with partitions is refused.
  clock_mode mode = clock_mode::virtual_time;
  bool tls = true;
  /// `gossip_fanout` of every node.
  uint32_t gossip_fanout = 8;
  /// Nodes' log level ("off", "warn", "info", "debug").
  std::string log_level = "off";
  /// The longest the nodes may take to connect before the scenario starts.
  std::chrono::seconds connect_limit{120};
  /// How often block and heal convergence is checked (its resolution).
  std::chrono::microseconds poll_step{std::chrono::milliseconds{5}};
  /// Progress lines for the operator; unset: none.
  std::function<void(const std::string&)> progress;
};

/// Why a run failed.
struct run_error {
  std::string message;
};

/// Builds the network, connects it, plays `sc`, and returns the record
/// (`wall_s` and `peak_rss_bytes` included).
result<run_record, run_error> run_scenario(const run_options& opts,
                                           const scenario& sc);

} // namespace timecoin::sim
