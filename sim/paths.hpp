#pragma once

// Shortest paths over the simulated network as it is at one moment: stopped
// nodes relay nothing and links across a partition are cut. The delay of the
// fastest path is the lower bound for how soon a message can reach a node.

#include <chrono>
#include <cstdint>
#include <limits>
#include <vector>

#include "sim/topology.hpp"

namespace timecoin::sim {

/// The nodes and links a path may use at one moment.
struct network_state {
  /// Per node: true if running. Empty: every node runs. A node past its end
  /// is stopped (it did not exist when the state was taken).
  std::vector<bool> alive;
  /// Per node: its partition group. Empty: no partition. A node past its
  /// end is in group 0.
  std::vector<uint32_t> group;

  /// True if `node` runs.
  bool is_alive(uint32_t node) const {
    return alive.empty() || (node < alive.size() && alive[node]);
  }
  /// True if a link between `a` and `b` is not cut by the partition.
  bool same_group(uint32_t a, uint32_t b) const {
    auto ga = a < group.size() ? group[a] : 0;
    auto gb = b < group.size() ? group[b] : 0;
    return ga == gb;
  }
};

/// A delay that no path achieves: the node cannot be reached.
constexpr auto unreachable = std::chrono::microseconds::max();
/// A hop count no path has: the node cannot be reached.
constexpr uint32_t unreachable_hops = std::numeric_limits<uint32_t>::max();

/// The shortest paths from one node to every node.
struct paths {
  /// Per node: the least total delay over any path (Dijkstra on each link's
  /// latency plus `per_hop`), or `unreachable`. 0 for the source.
  std::vector<std::chrono::microseconds> delay;
  /// Per node: the fewest links on any path (breadth first), or
  /// `unreachable_hops`. The fastest path may have more.
  std::vector<uint32_t> hops;
};

/// Paths from `source` over links whose both ends are alive and in the same
/// group. `per_hop` is added for every link crossed (the time to send the
/// message's bytes at the link's bandwidth, for instance). A stopped or
/// unknown source reaches nothing, itself included.
paths shortest_paths(const topology& graph, uint32_t source,
                     const network_state& state = {},
                     std::chrono::microseconds per_hop = {});

/// `delay` in seconds, +infinity where unreachable: the per-node lower bound
/// the report takes.
std::vector<double> delay_seconds(const paths& p);

/// The time to send `bytes` at `bits_per_second`, rounded up to a whole
/// microsecond; 0 if the bandwidth is 0 (unlimited).
std::chrono::microseconds transmission_time(uint64_t bytes,
                                            uint64_t bits_per_second);

} // namespace timecoin::sim
