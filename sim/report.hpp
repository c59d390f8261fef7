#pragma once

// The measurements of a simulation run and the report made of them.
//
// The driver fills a `run_record`: for each published message, when each
// node first received it and how many copies it received; for each block,
// when each node had it as its tip with the producer's UTXO root; for each
// heal, when the network agreed again; per node, its traffic counters.
// `analyze` turns it into the numbers below; `write_report` writes them.
//
// Reach times. A message's reach time at a node is its first delivery there
// minus the publish time (0 if the clock put the delivery earlier). Only
// nodes live at publish count; the origin counts as live and reached at 0. A
// live node that never received the message has an infinite reach time.
// Percentiles are nearest-rank: the p-th of n values is the ceil(p·n/100)-th
// smallest. A percentile that falls on an infinite time is "never" (NaN
// here, an empty CSV field, null in JSON).
//
// The bound. Per node, the delay of the fastest path from the origin over
// the network as it was at publish (sim/paths.hpp): no gossip can beat it.
// Its percentiles are taken over the same live nodes as the reach times.
//
// Aggregates over messages (summary.json's p50_s ... p100_s, bound_*):
// the same nearest-rank percentiles over every (message, live node) pair
// pooled, so p99_s is the time within which 99 % of all deliveries that were
// due had happened, and p100_s is "never" if any live node missed any
// message. delivered_ratio is reached pairs over live pairs;
// duplicates_per_node is every copy received beyond a node's first, summed
// over messages and nodes, divided by the nodes in the run.
//
// blocks_converged_s: the slowest block's time from being made until every
// node live then had it (never, if any block did not get there).
// heal_converged_s: the slowest heal's time until the last node reached the
// common tip.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace timecoin::sim {

/// What the driver recorded about one published message. Times are seconds
/// since the start of the run (simulated, or wall time on real sockets).
struct message_trace {
  uint64_t id = 0;
  uint32_t origin = 0;
  double published_s = 0;
  /// Per node: its first receipt of the message; NaN or negative if never.
  /// Nodes not live at publish and the origin are not read.
  std::vector<double> first_delivery_s;
  /// Per node: copies received, the first included; empty if not counted.
  std::vector<uint32_t> receipts;
  /// Per node: running when the message was published. Nodes past its end
  /// did not exist then.
  std::vector<bool> live;
  /// Per node: the lower bound, in seconds after publish (+infinity if
  /// unreachable); empty if not computed.
  std::vector<double> bound_s;
};

/// Traffic counters of one node over the whole run.
struct node_counters {
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
  uint64_t msgs_in = 0;
  uint64_t msgs_out = 0;
  /// Gossip copies received beyond the first, as the node counted them:
  /// used for nodes whose `receipts` were not recorded per message.
  uint64_t duplicates = 0;
};

/// What the driver recorded about one generated block.
struct block_trace {
  uint64_t height = 0;
  uint32_t producer = 0; ///< has the block at once
  double generated_s = 0;
  /// Per node: when its tip became this block with the producer's UTXO root
  /// (or a later block built on it); NaN or negative if never.
  std::vector<double> reached_s;
  /// Per node: running when the block was made.
  std::vector<bool> live;
};

/// One heal of a partition.
struct heal_trace {
  double healed_s = 0;
  /// When the last live node reached the common tip; NaN if it never did.
  double converged_s = 0;
};

/// Everything the driver hands to the report.
struct run_record {
  std::string mode; ///< "virtual" or "real"
  uint64_t seed = 0;
  /// Nodes in the run, started and added. Per-node vectors may be shorter
  /// (nothing recorded for the rest); entries past it are not read.
  std::size_t nodes = 0;
  std::vector<message_trace> messages;
  std::vector<node_counters> counters; ///< per node
  std::vector<block_trace> blocks;
  std::vector<heal_trace> heals;
  /// The scenario run (`to_json`), echoed in summary.json; null for none.
  nlohmann::json scenario;
  /// Machine measurements: the only values that differ between two runs of
  /// the same simulation.
  double wall_s = 0;
  uint64_t peak_rss_bytes = 0;
};

/// The percentiles reported, in percent.
constexpr std::array<unsigned, 4> report_percentiles{50, 90, 99, 100};

/// Reach or bound times at `report_percentiles`; NaN for never or unknown.
using percentile_times = std::array<double, report_percentiles.size()>;

/// One message's results.
struct message_stats {
  uint64_t id = 0;
  uint32_t origin = 0;
  double published_s = 0;
  std::size_t live = 0;    ///< nodes live at publish, the origin included
  std::size_t reached = 0; ///< of those, nodes that received it
  percentile_times reach_s{};
  percentile_times bound_s{};
  uint64_t duplicates = 0; ///< copies beyond each node's first
};

/// One block's results.
struct block_stats {
  uint64_t height = 0;
  double generated_s = 0;
  std::size_t live = 0;
  std::size_t reached = 0;
  percentile_times reach_s{}; ///< p100 is the time to converge
};

/// One node's results over all messages.
struct node_stats {
  uint64_t deliveries = 0; ///< messages it received (its own not counted)
  uint64_t duplicates = 0; ///< copies beyond the first
  uint64_t missed = 0;     ///< messages it was live for and never received
  node_counters traffic;
};

/// The fraction of live nodes reached at time `t_s` after publish.
struct curve_point {
  double t_s = 0;
  double mean = 0; ///< over messages
  double min = 0;
  double max = 0;
  double bound_mean = 0; ///< the same for the lower bound; NaN if none
};

/// The run's results: what the report files show.
struct report {
  std::size_t nodes = 0;
  std::vector<message_stats> messages;
  std::vector<block_stats> blocks;
  std::vector<node_stats> per_node;
  percentile_times reach_s{}; ///< pooled over messages, see above
  percentile_times bound_s{};
  double delivered_ratio = 0; ///< NaN without messages
  double duplicates_per_node = 0;
  double blocks_converged_s = 0; ///< NaN: none, or one never converged
  double heal_converged_s = 0;   ///< NaN: none, or one never converged
  double curve_step_s = 0;
  std::vector<curve_point> curve;
};

/// The most points in the propagation curve; its step is the smallest of
/// 1, 2, 5 · 10^k µs that keeps it under this (a plot's width in pixels).
constexpr std::size_t max_curve_points = 400;

/// Computes the report's numbers. Pure: the same record gives the same
/// report.
report analyze(const run_record& record);

/// The `p`-th nearest-rank percentile of `values` (sorted ascending, +inf
/// for never); NaN if `values` is empty or the rank falls on +inf.
double nearest_rank(const std::vector<double>& sorted_values, unsigned p);

} // namespace timecoin::sim
