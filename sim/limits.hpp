#pragma once

// Bounds shared by the simulator's scenario, topology and report code.

#include <chrono>
#include <cstddef>

namespace timecoin::sim {

/// The most nodes one simulation holds, started and added together: ten
/// times the 1,000 the simulator is built for. Each node is a whole node
/// (actors, chain store, peer table), so more do not fit in memory.
constexpr std::size_t max_sim_nodes = 10'000;

/// The most messages one scenario publishes, over all its events: the report
/// keeps a delivery time and a receipt count per node for each message (12
/// bytes · 1,000 nodes · 10,000 messages = 120 MB).
constexpr std::size_t max_sim_messages = 10'000;

/// The most blocks one scenario generates: the report keeps a time per node
/// for each.
constexpr std::size_t max_sim_blocks = 10'000;

/// The most links a node gets in a generated topology: above any peer limit
/// a node keeps (its connection slots), so a larger degree is a typo.
constexpr std::size_t max_sim_degree = 1'000;

/// The slowest link a topology or scenario describes, one way: a satellite
/// hop is 0.6 s; ten seconds is a misplaced unit, not a network.
constexpr auto max_link_latency = std::chrono::seconds{10};

} // namespace timecoin::sim
