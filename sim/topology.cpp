#include "sim/topology.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_set>

#include "sim/limits.hpp"
#include "sim/random.hpp"

namespace timecoin::sim {

namespace {

using std::chrono::microseconds;

/// Random streams of one seed (see `derive_seed`).
constexpr uint64_t graph_stream = 1;
constexpr uint64_t latency_stream = 2;

/// Shuffle-and-pair rounds before the leftover stubs are placed one by one:
/// each round places most of what is left, so a few rounds suffice unless
/// the pairing is stuck.
constexpr int max_pairing_rounds = 50;

/// Undirected links while the graph is generated, as a set of node pairs.
class link_set {
public:
  explicit link_set(std::size_t nodes) : degree_(nodes, 0) {}

  bool contains(uint32_t a, uint32_t b) const {
    return set_.count(key(a, b)) != 0;
  }
  /// Adds a–b unless a == b or it exists.
  bool add(uint32_t a, uint32_t b) {
    if (a == b || !set_.insert(key(a, b)).second)
      return false;
    ++degree_[a];
    ++degree_[b];
    pairs_.push_back({std::min(a, b), std::max(a, b)});
    return true;
  }
  std::size_t degree(uint32_t n) const { return degree_[n]; }
  std::vector<std::pair<uint32_t, uint32_t>>& pairs() { return pairs_; }

private:
  static uint64_t key(uint32_t a, uint32_t b) {
    return (uint64_t{std::min(a, b)} << 32) | std::max(a, b);
  }
  std::unordered_set<uint64_t> set_;
  std::vector<std::size_t> degree_;
  std::vector<std::pair<uint32_t, uint32_t>> pairs_;
};

/// The configuration model: pairs shuffled stubs; returns the stubs left.
std::vector<uint32_t> pair_stubs(std::size_t nodes, std::size_t target,
                                 link_set& links, rng& random) {
  std::vector<uint32_t> stubs;
  stubs.reserve(nodes * target);
  for (uint32_t n = 0; n < nodes; ++n)
    stubs.insert(stubs.end(), target, n);
  for (int round = 0; round < max_pairing_rounds && stubs.size() > 1; ++round) {
    random.shuffle(stubs);
    std::vector<uint32_t> left;
    for (std::size_t i = 0; i + 1 < stubs.size(); i += 2)
      if (!links.add(stubs[i], stubs[i + 1])) {
        left.push_back(stubs[i]);
        left.push_back(stubs[i + 1]);
      }
    if (stubs.size() % 2 == 1)
      left.push_back(stubs.back());
    stubs = std::move(left);
  }
  return stubs;
}

/// Links each node still short of `target` to random nodes it is not linked
/// to, preferring nodes that are short too.
void fill_short_nodes(std::size_t nodes, std::size_t target, link_set& links,
                      rng& random) {
  std::vector<uint32_t> short_ones;
  std::vector<uint32_t> others;
  for (uint32_t n = 0; n < nodes; ++n) {
    while (links.degree(n) < target) {
      short_ones.clear();
      others.clear();
      for (uint32_t m = 0; m < nodes; ++m) {
        if (m == n || links.contains(n, m))
          continue;
        (links.degree(m) < target ? short_ones : others).push_back(m);
      }
      auto& pool = short_ones.empty() ? others : short_ones;
      if (pool.empty())
        break; // linked to every other node already
      links.add(n, pool[random.below(pool.size())]);
    }
  }
}

/// Each node's component, numbered in order of their smallest node.
std::vector<uint32_t> components(std::size_t nodes,
                                 const std::vector<std::vector<uint32_t>>& adj,
                                 std::size_t& count) {
  constexpr auto unseen = UINT32_MAX;
  std::vector<uint32_t> comp(nodes, unseen);
  std::vector<uint32_t> stack;
  count = 0;
  for (uint32_t start = 0; start < nodes; ++start) {
    if (comp[start] != unseen)
      continue;
    auto id = static_cast<uint32_t>(count++);
    comp[start] = id;
    stack.push_back(start);
    while (!stack.empty()) {
      auto n = stack.back();
      stack.pop_back();
      for (auto m : adj[n])
        if (comp[m] == unseen) {
          comp[m] = id;
          stack.push_back(m);
        }
    }
  }
  return comp;
}

/// Links component i to component i+1 through random members of each.
void join_components(std::size_t nodes, link_set& links, rng& random) {
  std::vector<std::vector<uint32_t>> adj(nodes);
  for (auto [a, b] : links.pairs()) {
    adj[a].push_back(b);
    adj[b].push_back(a);
  }
  std::size_t count = 0;
  auto comp = components(nodes, adj, count);
  if (count < 2)
    return;
  std::vector<std::vector<uint32_t>> members(count);
  for (uint32_t n = 0; n < nodes; ++n)
    members[comp[n]].push_back(n);
  for (std::size_t i = 1; i < count; ++i) {
    const auto& from = members[i - 1];
    const auto& to = members[i];
    links.add(from[random.below(from.size())], to[random.below(to.size())]);
  }
}

} // namespace

topology::topology(std::size_t nodes) : adjacency_(nodes) {}

bool topology::linked(uint32_t a, uint32_t b) const {
  if (a >= node_count() || b >= node_count())
    return false;
  // Scan the shorter list: degrees are small.
  const auto& from = degree(a) <= degree(b) ? adjacency_[a] : adjacency_[b];
  auto other = degree(a) <= degree(b) ? b : a;
  return std::any_of(from.begin(), from.end(),
                     [&](const neighbour& n) { return n.node == other; });
}

uint32_t topology::add_node() {
  adjacency_.emplace_back();
  return static_cast<uint32_t>(adjacency_.size() - 1);
}

bool topology::add_link(uint32_t a, uint32_t b, microseconds latency) {
  if (a == b || a >= node_count() || b >= node_count() || latency.count() < 0
      || linked(a, b))
    return false;
  auto index = static_cast<uint32_t>(links_.size());
  links_.push_back({std::min(a, b), std::max(a, b), latency});
  adjacency_[a].push_back({b, index});
  adjacency_[b].push_back({a, index});
  return true;
}

microseconds draw_latency(rng& random, microseconds base, microseconds jitter) {
  auto drawn = random.between(base.count() - jitter.count(),
                              base.count() + jitter.count());
  return microseconds{std::max<int64_t>(drawn, 0)};
}

result<topology, topology_error> make_topology(const topology_params& p) {
  if (p.nodes == 0 || p.nodes > max_sim_nodes)
    return topology_error{topology_errc::bad_node_count,
                          fmt::format("nodes must be 1 to {}, not {}",
                                      max_sim_nodes, p.nodes)};
  if (p.degree == 0 || p.degree > max_sim_degree)
    return topology_error{topology_errc::bad_degree,
                          fmt::format("degree must be 1 to {}, not {}",
                                      max_sim_degree, p.degree)};
  if (p.latency.count() < 0 || p.latency > max_link_latency
      || p.jitter.count() < 0 || p.jitter > p.latency)
    return topology_error{topology_errc::bad_latency,
                          fmt::format("latency must be 0 to {} µs and jitter "
                                      "0 to the latency, not {} µs ± {} µs",
                                      microseconds{max_link_latency}.count(),
                                      p.latency.count(), p.jitter.count())};
  const auto target = std::min(p.degree, p.nodes - 1);
  link_set links{p.nodes};
  rng graph_random{derive_seed(p.seed, graph_stream)};
  if (target == p.nodes - 1) {
    for (uint32_t a = 0; a < p.nodes; ++a)
      for (uint32_t b = a + 1; b < p.nodes; ++b)
        links.add(a, b);
  } else {
    pair_stubs(p.nodes, target, links, graph_random);
    fill_short_nodes(p.nodes, target, links, graph_random);
  }
  join_components(p.nodes, links, graph_random);

  auto& pairs = links.pairs();
  std::sort(pairs.begin(), pairs.end());
  topology graph{p.nodes};
  rng latency_random{derive_seed(p.seed, latency_stream)};
  for (auto [a, b] : pairs)
    graph.add_link(a, b, draw_latency(latency_random, p.latency, p.jitter));
  return graph;
}

std::size_t component_count(const topology& graph) {
  std::vector<std::vector<uint32_t>> adj(graph.node_count());
  for (const auto& l : graph.links()) {
    adj[l.a].push_back(l.b);
    adj[l.b].push_back(l.a);
  }
  std::size_t count = 0;
  components(graph.node_count(), adj, count);
  return count;
}

} // namespace timecoin::sim
