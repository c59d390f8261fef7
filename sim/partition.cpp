#include "sim/partition.hpp"

#include <fmt/format.h>

#include <numeric>

#include "sim/limits.hpp"
#include "sim/random.hpp"

namespace timecoin::sim {

namespace {

topology_error bad_groups(std::string message) {
  return {topology_errc::bad_groups, std::move(message)};
}

uint32_t group_of(const group_map& groups, uint32_t node) {
  return node < groups.size() ? groups[node] : 0;
}

} // namespace

result<group_map, topology_error>
partition_sizes(std::size_t nodes, const std::vector<uint32_t>& sizes,
                uint64_t seed) {
  if (nodes == 0 || nodes > max_sim_nodes)
    return topology_error{topology_errc::bad_node_count,
                          fmt::format("nodes must be 1 to {}, not {}",
                                      max_sim_nodes, nodes)};
  std::size_t placed = 0;
  for (auto size : sizes) {
    if (size == 0)
      return bad_groups("a group of size 0");
    placed += size;
    if (placed > nodes)
      return bad_groups(fmt::format("the group sizes add up to more than "
                                    "the {} nodes",
                                    nodes));
  }
  std::vector<uint32_t> order(nodes);
  std::iota(order.begin(), order.end(), 0);
  rng random{seed};
  random.shuffle(order);
  group_map groups(nodes, static_cast<uint32_t>(sizes.size()));
  std::size_t next = 0;
  for (std::size_t g = 0; g < sizes.size(); ++g)
    for (uint32_t i = 0; i < sizes[g]; ++i)
      groups[order[next++]] = static_cast<uint32_t>(g);
  return groups;
}

result<group_map, topology_error>
partition_groups(std::size_t nodes, std::size_t groups, uint64_t seed) {
  if (groups == 0 || groups > nodes)
    return bad_groups(fmt::format("{} groups of {} nodes", groups, nodes));
  std::vector<uint32_t> sizes(groups, static_cast<uint32_t>(nodes / groups));
  for (std::size_t g = 0; g < nodes % groups; ++g)
    ++sizes[g];
  return partition_sizes(nodes, sizes, seed);
}

result<group_map, topology_error>
partition_lists(std::size_t nodes,
                const std::vector<std::vector<uint32_t>>& lists) {
  if (nodes == 0 || nodes > max_sim_nodes)
    return topology_error{topology_errc::bad_node_count,
                          fmt::format("nodes must be 1 to {}, not {}",
                                      max_sim_nodes, nodes)};
  const auto rest = static_cast<uint32_t>(lists.size());
  group_map groups(nodes, rest);
  for (std::size_t g = 0; g < lists.size(); ++g) {
    if (lists[g].empty())
      return bad_groups(fmt::format("group {} is empty", g));
    for (auto id : lists[g]) {
      if (id >= nodes)
        return topology_error{topology_errc::bad_node,
                              fmt::format("node {} does not exist ({} nodes)",
                                          id, nodes)};
      if (groups[id] != rest)
        return bad_groups(fmt::format("node {} is in two groups", id));
      groups[id] = static_cast<uint32_t>(g);
    }
  }
  return groups;
}

result<group_map, topology_error>
make_partition(std::size_t nodes, const partition_event& spec, uint64_t seed) {
  if (!spec.ids.empty())
    return partition_lists(nodes, spec.ids);
  if (!spec.sizes.empty())
    return partition_sizes(nodes, spec.sizes, seed);
  return partition_groups(nodes, spec.groups, seed);
}

std::size_t cut_link_count(const topology& graph, const group_map& groups) {
  std::size_t cut = 0;
  for (const auto& l : graph.links())
    if (group_of(groups, l.a) != group_of(groups, l.b))
      ++cut;
  return cut;
}

} // namespace timecoin::sim
