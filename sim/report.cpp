#include "sim/report.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace timecoin::sim {

namespace {

constexpr double never = std::numeric_limits<double>::infinity();
constexpr double unknown = std::numeric_limits<double>::quiet_NaN();

bool live_at(const std::vector<bool>& live, std::size_t node) {
  return node < live.size() && live[node];
}

/// Seconds from `start` to `at`; +inf if `at` is NaN or negative (never),
/// 0 if the clock put it before `start`.
double offset(double at, double start) {
  if (std::isnan(at) || at < 0)
    return never;
  return std::max(at - start, 0.0);
}

double entry(const std::vector<double>& v, std::size_t i) {
  return i < v.size() ? v[i] : unknown;
}

/// The message's reach offsets at its live nodes, ascending; same order of
/// nodes for `bounds` (unsorted until the end).
void reach_offsets(const message_trace& m, std::size_t nodes,
                   std::vector<double>& reach, std::vector<double>& bounds) {
  reach.clear();
  bounds.clear();
  for (std::size_t n = 0; n < nodes; ++n) {
    bool origin = n == m.origin;
    if (!origin && !live_at(m.live, n))
      continue;
    reach.push_back(
      origin ? 0.0 : offset(entry(m.first_delivery_s, n), m.published_s));
    if (!m.bound_s.empty()) {
      double b = origin ? 0.0 : entry(m.bound_s, n);
      bounds.push_back(std::isnan(b) ? never : b);
    }
  }
  std::sort(reach.begin(), reach.end());
  std::sort(bounds.begin(), bounds.end());
}

percentile_times percentiles(const std::vector<double>& sorted) {
  percentile_times out{};
  for (std::size_t i = 0; i < report_percentiles.size(); ++i)
    out[i] = nearest_rank(sorted, report_percentiles[i]);
  return out;
}

std::size_t finite_count(const std::vector<double>& v) {
  return static_cast<std::size_t>(
    std::count_if(v.begin(), v.end(), [](double x) { return x != never; }));
}

/// The largest finite value of `sorted`, or 0.
double largest_finite(const std::vector<double>& sorted) {
  for (auto it = sorted.rbegin(); it != sorted.rend(); ++it)
    if (*it != never)
      return *it;
  return 0;
}

/// 1, 2, 5 · 10^k µs: the first that spans `horizon_s` in at most
/// `max_curve_points` − 1 steps.
uint64_t curve_step_us(double horizon_s) {
  const double horizon_us = std::ceil(horizon_s * 1e6);
  uint64_t step = 1;
  for (int k = 0;; ++k) {
    for (uint64_t m : {1, 2, 5}) {
      uint64_t s = step * m;
      if (horizon_us / static_cast<double>(s)
          <= static_cast<double>(max_curve_points - 1))
        return s;
    }
    step *= 10;
  }
}

/// Fraction of `sorted` at or below `t` (+inf entries never are).
double fraction_by(const std::vector<double>& sorted, double t) {
  if (sorted.empty())
    return unknown;
  auto n = std::upper_bound(sorted.begin(), sorted.end(), t) - sorted.begin();
  return static_cast<double>(n) / static_cast<double>(sorted.size());
}

void build_curve(const std::vector<std::vector<double>>& reach,
                 const std::vector<std::vector<double>>& bounds, report& out) {
  double horizon = 0;
  for (const auto& r : reach)
    horizon = std::max(horizon, largest_finite(r));
  for (const auto& b : bounds)
    horizon = std::max(horizon, largest_finite(b));
  const auto step = curve_step_us(horizon);
  out.curve_step_s = static_cast<double>(step) / 1e6;
  const auto horizon_us = static_cast<uint64_t>(std::ceil(horizon * 1e6));
  const auto steps = (horizon_us + step - 1) / step;
  for (uint64_t i = 0; i <= steps; ++i) {
    curve_point p;
    p.t_s = static_cast<double>(i * step) / 1e6;
    double sum = 0;
    double bound_sum = 0;
    std::size_t bound_n = 0;
    std::size_t counted = 0;
    p.min = 1.0;
    p.max = 0.0;
    for (std::size_t m = 0; m < reach.size(); ++m) {
      if (reach[m].empty())
        continue; // no live node: nothing to reach
      ++counted;
      double f = fraction_by(reach[m], p.t_s);
      sum += f;
      p.min = std::min(p.min, f);
      p.max = std::max(p.max, f);
      if (!bounds[m].empty()) {
        bound_sum += fraction_by(bounds[m], p.t_s);
        ++bound_n;
      }
    }
    if (counted == 0)
      p.min = p.max = unknown;
    p.mean = counted == 0 ? unknown : sum / static_cast<double>(counted);
    p.bound_mean = bound_n == 0 ? unknown
                                : bound_sum / static_cast<double>(bound_n);
    out.curve.push_back(p);
  }
}

void analyze_messages(const run_record& record, report& out) {
  const auto nodes = record.nodes;
  out.per_node.assign(nodes, node_stats{});
  std::vector<std::vector<double>> all_reach;
  std::vector<std::vector<double>> all_bounds;
  std::vector<double> pooled;
  std::vector<double> pooled_bounds;
  std::size_t live_pairs = 0;
  std::size_t reached_pairs = 0;
  uint64_t duplicates = 0;
  bool every_bound = !record.messages.empty();
  for (const auto& m : record.messages) {
    std::vector<double> reach;
    std::vector<double> bounds;
    reach_offsets(m, nodes, reach, bounds);
    message_stats s;
    s.id = m.id;
    s.origin = m.origin;
    s.published_s = m.published_s;
    s.live = reach.size();
    s.reached = finite_count(reach);
    s.reach_s = percentiles(reach);
    s.bound_s = bounds.empty()
                  ? percentile_times{unknown, unknown, unknown, unknown}
                  : percentiles(bounds);
    every_bound = every_bound && !bounds.empty();
    for (std::size_t n = 0; n < nodes; ++n) {
      auto& node = out.per_node[n];
      uint32_t copies = n < m.receipts.size() ? m.receipts[n] : 0;
      uint64_t extra = copies > 1 ? copies - 1 : 0;
      s.duplicates += extra;
      node.duplicates += extra;
      if (n == m.origin)
        continue;
      bool got = offset(entry(m.first_delivery_s, n), m.published_s) != never;
      if (got)
        ++node.deliveries;
      else if (live_at(m.live, n))
        ++node.missed;
    }
    duplicates += s.duplicates;
    live_pairs += s.live;
    reached_pairs += s.reached;
    pooled.insert(pooled.end(), reach.begin(), reach.end());
    pooled_bounds.insert(pooled_bounds.end(), bounds.begin(), bounds.end());
    out.messages.push_back(s);
    all_reach.push_back(std::move(reach));
    all_bounds.push_back(std::move(bounds));
  }
  // Nodes with no copies counted per message: the node's own count.
  for (std::size_t n = 0; n < nodes && n < record.counters.size(); ++n) {
    auto& node = out.per_node[n];
    if (node.duplicates == 0 && record.counters[n].duplicates > 0) {
      node.duplicates = record.counters[n].duplicates;
      duplicates += node.duplicates;
    }
  }
  std::sort(pooled.begin(), pooled.end());
  std::sort(pooled_bounds.begin(), pooled_bounds.end());
  out.reach_s = percentiles(pooled);
  // A bound pooled over some messages only would not compare with the
  // reach times: all or none.
  out.bound_s = every_bound
                  ? percentiles(pooled_bounds)
                  : percentile_times{unknown, unknown, unknown, unknown};
  out.delivered_ratio = live_pairs == 0 ? unknown
                                        : static_cast<double>(reached_pairs)
                                            / static_cast<double>(live_pairs);
  out.duplicates_per_node = nodes == 0 ? 0
                                       : static_cast<double>(duplicates)
                                           / static_cast<double>(nodes);
  build_curve(all_reach, all_bounds, out);
}

void analyze_blocks(const run_record& record, report& out) {
  double slowest = record.blocks.empty() ? unknown : 0.0;
  for (const auto& b : record.blocks) {
    std::vector<double> reach;
    for (std::size_t n = 0; n < record.nodes; ++n) {
      bool producer = n == b.producer;
      if (!producer && !live_at(b.live, n))
        continue;
      reach.push_back(producer ? 0.0
                               : offset(entry(b.reached_s, n), b.generated_s));
    }
    std::sort(reach.begin(), reach.end());
    block_stats s;
    s.height = b.height;
    s.generated_s = b.generated_s;
    s.live = reach.size();
    s.reached = finite_count(reach);
    s.reach_s = percentiles(reach);
    double converged = s.reach_s.back();
    slowest = std::isnan(converged) || std::isnan(slowest)
                ? unknown
                : std::max(slowest, converged);
    out.blocks.push_back(s);
  }
  out.blocks_converged_s = slowest;
  double heal = record.heals.empty() ? unknown : 0.0;
  for (const auto& h : record.heals) {
    double took = offset(h.converged_s, h.healed_s);
    heal = took == never || std::isnan(heal) ? unknown : std::max(heal, took);
  }
  out.heal_converged_s = heal;
}

} // namespace

double nearest_rank(const std::vector<double>& sorted_values, unsigned p) {
  const auto n = sorted_values.size();
  if (n == 0)
    return unknown;
  // ceil(p · n / 100) in integers: exact for every n.
  auto rank = (static_cast<uint64_t>(p) * n + 99) / 100;
  rank = std::clamp<uint64_t>(rank, 1, n);
  double v = sorted_values[rank - 1];
  return v == never ? unknown : v;
}

report analyze(const run_record& record) {
  report out;
  out.nodes = record.nodes;
  analyze_messages(record, out);
  analyze_blocks(record, out);
  for (std::size_t n = 0; n < record.nodes && n < record.counters.size(); ++n)
    out.per_node[n].traffic = record.counters[n];
  return out;
}

} // namespace timecoin::sim
