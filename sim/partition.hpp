#pragma once

// Partitions: which group each node is in. Links between nodes of different
// groups are cut; a heal puts every node back in one group.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "protocol/result.hpp"
#include "sim/scenario.hpp"
#include "sim/topology.hpp"

namespace timecoin::sim {

/// Each node's group, indexed by node id.
using group_map = std::vector<uint32_t>;

/// `groups` groups of random nodes, their sizes differing by at most one
/// (the first `nodes % groups` groups have one node more). 1 to `nodes`
/// groups.
result<group_map, topology_error>
partition_groups(std::size_t nodes, std::size_t groups, uint64_t seed);

/// Groups of random nodes of these sizes (each at least 1), in order; nodes
/// left over form one more group. The sizes may add up to at most `nodes`.
result<group_map, topology_error>
partition_sizes(std::size_t nodes, const std::vector<uint32_t>& sizes,
                uint64_t seed);

/// Group i holds the nodes of `lists[i]`; unlisted nodes form one more
/// group. Every id below `nodes`, none listed twice.
result<group_map, topology_error>
partition_lists(std::size_t nodes,
                const std::vector<std::vector<uint32_t>>& lists);

/// The partition a scenario event asks for, in a network of `nodes` nodes.
result<group_map, topology_error>
make_partition(std::size_t nodes, const partition_event& spec, uint64_t seed);

/// Links of `graph` whose ends are in different groups. A node past the end
/// of `groups` is in group 0 (joined after the partition was made).
std::size_t cut_link_count(const topology& graph, const group_map& groups);

} // namespace timecoin::sim
