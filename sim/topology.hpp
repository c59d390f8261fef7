#pragma once

// The simulated network's graph: nodes, undirected links, and each link's
// one-way latency, generated deterministically from a seed.
//
// Generation (`make_topology`) builds a random d-regular graph with the
// configuration model: every node gets d link ends ("stubs"), the stubs are
// shuffled and paired, and pairs that would make a self-link or a second link
// between the same nodes are shuffled and paired again. Where the pairing
// gets stuck (rare, mostly in small dense graphs), the nodes still short of d
// links are linked to random nodes they are not linked to yet. Then, if the
// graph is not connected, each component is linked to the next by one link
// between random members. So every node has at least min(d, N−1) links, all
// but a few exactly d (some d+1: when N·d is odd, or to join components).
//
// Latency: each link's is drawn uniformly from [latency − jitter,
// latency + jitter] (whole microseconds), in the order of the sorted link
// list, from its own random stream: the same seed gives the same graph and
// latencies, bit for bit.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "protocol/result.hpp"

namespace timecoin::sim {

class rng;

/// An undirected link between nodes `a` < `b`.
struct link {
  uint32_t a = 0;
  uint32_t b = 0;
  std::chrono::microseconds latency{0}; ///< one way, either direction
};

/// A link as seen from one of its ends.
struct neighbour {
  uint32_t node = 0; ///< the other end
  uint32_t link = 0; ///< index into `topology::links()`
};

/// A graph of nodes 0..N−1 and their links.
class topology {
public:
  /// `nodes` nodes without links.
  explicit topology(std::size_t nodes = 0);

  /// Nodes, including those added later.
  std::size_t node_count() const { return adjacency_.size(); }

  /// Every link, in the order added (sorted by (a, b) when generated).
  const std::vector<link>& links() const { return links_; }

  /// The links of `node`, in the order added.
  const std::vector<neighbour>& neighbours(uint32_t node) const {
    return adjacency_.at(node);
  }

  /// Links `node` has.
  std::size_t degree(uint32_t node) const { return neighbours(node).size(); }

  /// True if `a` and `b` are linked.
  bool linked(uint32_t a, uint32_t b) const;

  /// Adds a node without links; returns its id.
  uint32_t add_node();

  /// Links `a` and `b`. False (and nothing added) if they are the same node,
  /// either does not exist, the latency is negative, or they are linked.
  bool add_link(uint32_t a, uint32_t b, std::chrono::microseconds latency);

private:
  std::vector<link> links_;
  std::vector<std::vector<neighbour>> adjacency_;
};

/// What to generate.
struct topology_params {
  std::size_t nodes = 0;
  /// Target links per node.
  std::size_t degree = 8;
  /// One-way latency of a link, on average.
  std::chrono::microseconds latency{std::chrono::milliseconds{50}};
  /// Each link's latency is `latency` ± up to this; at most `latency`.
  std::chrono::microseconds jitter{0};
  uint64_t seed = 0;
};

/// Why a topology or partition cannot be made.
enum class topology_errc : uint8_t {
  bad_node_count = 1, ///< 0, or over `max_sim_nodes`
  bad_degree = 2,     ///< 0, or over `max_sim_degree`
  bad_latency = 3,    ///< negative, over `max_link_latency`, or jitter over it
  bad_groups = 4,     ///< a partition that cannot be made of these nodes
  bad_node = 5,       ///< a node id that does not exist
};

/// A refused topology or partition.
struct topology_error {
  topology_errc code = topology_errc::bad_node_count;
  std::string message;
};

/// A random graph as described at the top of this file.
result<topology, topology_error> make_topology(const topology_params& params);

/// A latency drawn uniformly from [base − jitter, base + jitter], never
/// negative: for links added during a run (new nodes).
std::chrono::microseconds draw_latency(rng& random,
                                       std::chrono::microseconds base,
                                       std::chrono::microseconds jitter);

/// The number of connected components (a node without links is one).
std::size_t component_count(const topology& graph);

} // namespace timecoin::sim
