#include "sim/paths.hpp"

#include <doctest/doctest.h>

#include <cmath>

#include "sim/partition.hpp"

using namespace timecoin::sim;
using namespace std::chrono_literals;

namespace {

/// 0 —10ms— 1 —10ms— 2
/// |                  |
/// 1ms               1ms
/// |                  |
/// 3 —1ms— 4 —1ms— 5 —1ms— (2)       6 alone
///
/// Fastest 0→2: 0-3-4-5-2 = 4 ms over 4 hops; fewest hops: 0-1-2 (2 hops).
topology hand_made() {
  topology t{7};
  t.add_link(0, 1, 10ms);
  t.add_link(1, 2, 10ms);
  t.add_link(0, 3, 1ms);
  t.add_link(3, 4, 1ms);
  t.add_link(4, 5, 1ms);
  t.add_link(5, 2, 1ms);
  return t;
}

} // namespace

TEST_CASE("Dijkstra on latencies and BFS on hops, on a hand-made graph") {
  auto p = shortest_paths(hand_made(), 0);
  CHECK(p.delay
        == std::vector<std::chrono::microseconds>{0ms, 10ms, 4ms, 1ms, 2ms, 3ms,
                                                  unreachable});
  CHECK(p.hops == std::vector<uint32_t>{0, 1, 2, 1, 2, 3, unreachable_hops});
  auto s = delay_seconds(p);
  CHECK(s[2] == doctest::Approx(0.004));
  CHECK(std::isinf(s[6]));
}

TEST_CASE("a per-hop cost favours fewer hops") {
  // 0-1-2 costs 20 + 2·5 = 30 ms; 0-3-4-5-2 costs 4 + 4·5 = 24 ms; with a
  // 10 ms hop: 40 against 44.
  CHECK(shortest_paths(hand_made(), 0, {}, 5ms).delay[2] == 24ms);
  CHECK(shortest_paths(hand_made(), 0, {}, 10ms).delay[2] == 40ms);
}

TEST_CASE("stopped nodes relay nothing") {
  network_state state;
  state.alive = {true, true, true, true, false, true, true};
  auto p = shortest_paths(hand_made(), 0, state);
  CHECK(p.delay[2] == 20ms); // around node 4 through node 1
  CHECK(p.delay[4] == unreachable);
  CHECK(p.delay[5] == 21ms); // 0-1-2-5
  CHECK(p.hops[5] == 3);

  state.alive[0] = false; // a stopped source reaches nothing
  auto none = shortest_paths(hand_made(), 0, state);
  CHECK(none.delay[0] == unreachable);
  CHECK(none.hops[1] == unreachable_hops);
  CHECK(shortest_paths(hand_made(), 99).delay[0] == unreachable);

  network_state short_list; // nodes past the end are stopped
  short_list.alive = {true, true, true};
  auto p2 = shortest_paths(hand_made(), 0, short_list);
  CHECK(p2.delay[2] == 20ms);
  CHECK(p2.delay[3] == unreachable);
}

TEST_CASE("links across a partition are cut") {
  network_state state;
  state.group = *partition_lists(7, {{0, 1, 2}});
  auto p = shortest_paths(hand_made(), 0, state);
  CHECK(p.delay[2] == 20ms);
  CHECK(p.delay[3] == unreachable);
  auto other_side = shortest_paths(hand_made(), 3, state);
  CHECK(other_side.delay[5] == 2ms);
  CHECK(other_side.delay[0] == unreachable);
  CHECK(other_side.delay[2] == unreachable);
}

TEST_CASE("transmission time") {
  CHECK(transmission_time(200, 0) == 0us);
  CHECK(transmission_time(125, 1'000'000) == 1000us); // 1,000 bits at 1 Mbit
  CHECK(transmission_time(1, 3) == 2'666'667us);      // rounded up
  CHECK(transmission_time(UINT64_MAX, 1).count() == INT64_MAX);
}
