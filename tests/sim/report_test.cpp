#include "sim/report.hpp"

#include <doctest/doctest.h>

#include <cmath>

#include "tests/sim/report_fixture.hpp"

using namespace timecoin::sim;
using timecoin::sim::test::hand_made_record;
using timecoin::sim::test::never;

TEST_CASE("nearest_rank") {
  std::vector<double> v{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  CHECK(nearest_rank(v, 50) == 5);
  CHECK(nearest_rank(v, 90) == 9);
  CHECK(nearest_rank(v, 99) == 10);
  CHECK(nearest_rank(v, 100) == 10);
  CHECK(nearest_rank(v, 0) == 1);
  CHECK(nearest_rank({7}, 50) == 7);
  CHECK(std::isnan(nearest_rank({}, 50)));
  CHECK(std::isnan(nearest_rank({1, INFINITY}, 100)));
  CHECK(nearest_rank({1, INFINITY}, 50) == 1);
}

TEST_CASE("per-message percentiles on a hand-made trace") {
  auto rep = analyze(hand_made_record());
  REQUIRE(rep.messages.size() == 2);
  const auto& m1 = rep.messages[0];
  CHECK(m1.live == 5);
  CHECK(m1.reached == 4);
  CHECK(m1.reach_s[0] == doctest::Approx(0.2));
  CHECK(std::isnan(m1.reach_s[1]));
  CHECK(std::isnan(m1.reach_s[3]));
  CHECK(m1.bound_s[0] == doctest::Approx(0.1));
  CHECK(m1.bound_s[3] == doctest::Approx(0.2));
  CHECK(m1.duplicates == 3);

  const auto& m2 = rep.messages[1];
  CHECK(m2.live == 4); // node 3 was stopped
  CHECK(m2.reached == 4);
  CHECK(m2.reach_s[0] == doctest::Approx(0.05));
  CHECK(m2.reach_s[1] == doctest::Approx(0.3));
  CHECK(m2.reach_s[2] == doctest::Approx(0.3));
  CHECK(m2.reach_s[3] == doctest::Approx(0.3));
  CHECK(m2.bound_s[0] == doctest::Approx(0.02));
  CHECK(m2.bound_s[1] == doctest::Approx(0.1));
  CHECK(m2.duplicates == 1);
}

TEST_CASE("pooled aggregates; a node that never received counts against") {
  auto rep = analyze(hand_made_record());
  CHECK(rep.reach_s[0] == doctest::Approx(0.15));
  CHECK(std::isnan(rep.reach_s[1])); // 1 of 9 pairs missed: p90 is never
  CHECK(rep.bound_s[0] == doctest::Approx(0.07));
  CHECK(rep.bound_s[1] == doctest::Approx(0.2));
  CHECK(rep.delivered_ratio == doctest::Approx(8.0 / 9.0));
  CHECK(rep.duplicates_per_node == doctest::Approx(0.8));

  auto all_delivered = hand_made_record();
  all_delivered.messages[0].first_delivery_s[4] = 10.3;
  auto full = analyze(all_delivered);
  CHECK(full.delivered_ratio == 1.0);
  CHECK(full.reach_s[3] == doctest::Approx(0.4));
  CHECK(full.reach_s[1] == doctest::Approx(0.4)); // rank 9 of 9
}

TEST_CASE("per-node counts") {
  auto rep = analyze(hand_made_record());
  REQUIRE(rep.per_node.size() == 5);
  CHECK(rep.per_node[0].deliveries == 1); // its own message not counted
  CHECK(rep.per_node[1].duplicates == 1);
  CHECK(rep.per_node[3].deliveries == 1);
  CHECK(rep.per_node[3].duplicates == 2);
  CHECK(rep.per_node[3].missed == 0); // stopped for message 2
  CHECK(rep.per_node[4].missed == 1);
  CHECK(rep.per_node[4].duplicates == 1);
  CHECK(rep.per_node[0].traffic.bytes_out == 200);
  CHECK(rep.per_node[1].traffic.msgs_out == 4);
  CHECK(rep.per_node[2].traffic.bytes_in == 0); // no counters given
}

TEST_CASE("the propagation curve") {
  auto rep = analyze(hand_made_record());
  CHECK(rep.curve_step_s == doctest::Approx(0.002)); // 0.4 s in ≤ 399 steps
  REQUIRE(rep.curve.size() >= 200);
  CHECK(rep.curve.size() <= max_curve_points);
  const auto& first = rep.curve.front();
  CHECK(first.t_s == 0);
  CHECK(first.mean == doctest::Approx((0.2 + 0.25) / 2));
  CHECK(first.min == doctest::Approx(0.2));
  CHECK(first.max == doctest::Approx(0.25));
  const auto& last = rep.curve.back();
  CHECK(last.mean == doctest::Approx(0.9));
  CHECK(last.min == doctest::Approx(0.8));
  CHECK(last.bound_mean == doctest::Approx(1.0));
  for (std::size_t i = 1; i < rep.curve.size(); ++i)
    CHECK(rep.curve[i].mean >= rep.curve[i - 1].mean);

  run_record empty;
  empty.nodes = 3;
  auto none = analyze(empty);
  REQUIRE(none.curve.size() == 1);
  CHECK(std::isnan(none.curve[0].mean));
  CHECK(std::isnan(none.delivered_ratio));
  CHECK(std::isnan(none.reach_s[0]));
}

TEST_CASE("blocks and heals converge, or never") {
  auto record = hand_made_record();
  auto rep = analyze(record);
  REQUIRE(rep.blocks.size() == 1);
  CHECK(rep.blocks[0].reach_s[3] == doctest::Approx(1.0));
  CHECK(rep.blocks_converged_s == doctest::Approx(1.0));
  CHECK(rep.heal_converged_s == doctest::Approx(2.5));

  block_trace b2;
  b2.height = 2;
  b2.generated_s = 40;
  b2.reached_s = {40, 40.1, never, 40.3, 40.2};
  b2.live = {true, true, true, true, true};
  record.blocks.push_back(b2);
  record.heals.push_back({55, never});
  rep = analyze(record);
  CHECK(rep.blocks[1].reached == 4);
  CHECK(std::isnan(rep.blocks_converged_s));
  CHECK(std::isnan(rep.heal_converged_s));

  record.blocks[1].live[2] = false; // node 2 was down: not waited for
  CHECK(analyze(record).blocks_converged_s == doctest::Approx(1.0));

  run_record none;
  none.nodes = 2;
  CHECK(std::isnan(analyze(none).blocks_converged_s));
  CHECK(std::isnan(analyze(none).heal_converged_s));
}

TEST_CASE("hostile records: short vectors, origins out of range") {
  run_record r;
  r.nodes = 4;
  message_trace m;
  m.origin = 9; // not a node
  m.live = {true, true};
  m.first_delivery_s = {1.0};
  r.messages = {m};
  r.counters.resize(10); // longer than the nodes: not read past them
  auto rep = analyze(r);
  CHECK(rep.messages[0].live == 2);
  CHECK(rep.messages[0].reached == 1);
  CHECK(rep.per_node.size() == 4);
  CHECK(std::isnan(rep.bound_s[0])); // no bound given
}
