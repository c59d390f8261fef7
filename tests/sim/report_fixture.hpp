#pragma once

// A hand-made run record with answers worked out by hand, for the report
// tests.

#include <cmath>

#include "sim/report.hpp"

namespace timecoin::sim::test {

/// A time that never came (a node that never received).
constexpr double never = NAN;

/// Five nodes, two messages, two blocks, two heals.
///
/// Message 1 from node 0 at 10 s: nodes 1, 2, 3 at +0.1, +0.2, +0.4 s, node
/// 4 never. Live offsets [0, .1, .2, .4, never]: p50 .2, p90..p100 never.
/// Message 2 from node 1 at 20 s, node 3 stopped: nodes 0, 2, 4 at +0.05,
/// +0.3, +0.15. Live offsets [0, .05, .15, .3]: p50 .05, p90..p100 .3.
/// Pooled [0, 0, .05, .1, .15, .2, .3, .4, never]: p50 .15, p90 never.
/// Delivered 8 of 9. Duplicates 3 + 1 over 5 nodes: 0.8 per node.
inline run_record hand_made_record() {
  run_record r;
  r.mode = "virtual";
  r.seed = 42;
  r.nodes = 5;
  message_trace m1;
  m1.id = 1;
  m1.origin = 0;
  m1.published_s = 10.0;
  m1.first_delivery_s = {never, 10.1, 10.2, 10.4, never};
  m1.receipts = {0, 2, 1, 3, 0};
  m1.live = {true, true, true, true, true};
  m1.bound_s = {0, 0.05, 0.1, 0.1, 0.2};
  message_trace m2;
  m2.id = 2;
  m2.origin = 1;
  m2.published_s = 20.0;
  m2.first_delivery_s = {20.05, -1, 20.3, never, 20.15};
  m2.receipts = {1, 1, 1, 0, 2};
  m2.live = {true, true, true, false, true};
  m2.bound_s = {0.02, 0, 0.1, 0.05, 0.07};
  r.messages = {m1, m2};
  r.counters = {{100, 200, 1, 2}, {10, 20, 3, 4}};
  block_trace b1;
  b1.height = 1;
  b1.generated_s = 30;
  b1.reached_s = {30, 30.5, 31, 30.2, 30.7};
  b1.live = {true, true, true, true, true};
  r.blocks = {b1};
  r.heals = {{50, 52.5}};
  r.scenario = nlohmann::json{{"name", "hand-made"}, {"duration", "60s"}};
  r.wall_s = 1.25;
  r.peak_rss_bytes = 123456789;
  return r;
}

} // namespace timecoin::sim::test
