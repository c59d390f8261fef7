#include "sim/paths.hpp"

#include <functional>
#include <queue>
#include <utility>

namespace timecoin::sim {

using std::chrono::microseconds;

paths shortest_paths(const topology& graph, uint32_t source,
                     const network_state& state, microseconds per_hop) {
  const auto n = graph.node_count();
  paths out{std::vector<microseconds>(n, unreachable),
            std::vector<uint32_t>(n, unreachable_hops)};
  if (source >= n || !state.is_alive(source))
    return out;
  auto usable = [&](uint32_t from, uint32_t to) {
    return state.is_alive(to) && state.same_group(from, to);
  };

  // Dijkstra; equal delays pop in node order, so the result never depends
  // on the heap's ties.
  using entry = std::pair<microseconds, uint32_t>;
  std::priority_queue<entry, std::vector<entry>, std::greater<>> queue;
  out.delay[source] = microseconds{0};
  queue.push({microseconds{0}, source});
  while (!queue.empty()) {
    auto [d, node] = queue.top();
    queue.pop();
    if (d > out.delay[node])
      continue; // a stale entry: a shorter path was found after it
    for (const auto& nb : graph.neighbours(node)) {
      if (!usable(node, nb.node))
        continue;
      auto next = d + graph.links()[nb.link].latency + per_hop;
      if (next < out.delay[nb.node]) {
        out.delay[nb.node] = next;
        queue.push({next, nb.node});
      }
    }
  }

  std::queue<uint32_t> frontier;
  out.hops[source] = 0;
  frontier.push(source);
  while (!frontier.empty()) {
    auto node = frontier.front();
    frontier.pop();
    for (const auto& nb : graph.neighbours(node))
      if (usable(node, nb.node) && out.hops[nb.node] == unreachable_hops) {
        out.hops[nb.node] = out.hops[node] + 1;
        frontier.push(nb.node);
      }
  }
  return out;
}

std::vector<double> delay_seconds(const paths& p) {
  std::vector<double> out;
  out.reserve(p.delay.size());
  for (auto d : p.delay)
    out.push_back(d == unreachable ? std::numeric_limits<double>::infinity()
                                   : static_cast<double>(d.count()) / 1e6);
  return out;
}

microseconds transmission_time(uint64_t bytes, uint64_t bits_per_second) {
  if (bits_per_second == 0)
    return microseconds{0};
  // bits · 10^6 / bps, rounded up; 128 bits so large messages do not wrap.
  unsigned __int128 scaled = static_cast<unsigned __int128>(bytes) * 8
                             * 1'000'000;
  auto us = (scaled + bits_per_second - 1) / bits_per_second;
  constexpr auto most = std::numeric_limits<microseconds::rep>::max();
  if (us > static_cast<unsigned __int128>(most))
    return microseconds{most};
  return microseconds{static_cast<microseconds::rep>(us)};
}

} // namespace timecoin::sim
