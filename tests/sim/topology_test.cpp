#include "sim/topology.hpp"

#include <doctest/doctest.h>

#include <algorithm>

#include "sim/random.hpp"

using namespace timecoin::sim;
using namespace std::chrono_literals;
using std::chrono::microseconds;

namespace {

topology make(std::size_t nodes, std::size_t degree, uint64_t seed,
              microseconds latency = 50ms, microseconds jitter = 10ms) {
  auto t = make_topology({nodes, degree, latency, jitter, seed});
  REQUIRE_MESSAGE(t.has_value(), t.error().message);
  return std::move(*t);
}

bool same_graph(const topology& a, const topology& b) {
  if (a.node_count() != b.node_count() || a.links().size() != b.links().size())
    return false;
  for (std::size_t i = 0; i < a.links().size(); ++i) {
    const auto& x = a.links()[i];
    const auto& y = b.links()[i];
    if (x.a != y.a || x.b != y.b || x.latency != y.latency)
      return false;
  }
  return true;
}

} // namespace

TEST_CASE("the same seed gives the same graph and latencies") {
  auto a = make(1000, 8, 7);
  auto b = make(1000, 8, 7);
  auto c = make(1000, 8, 8);
  CHECK(same_graph(a, b));
  CHECK_FALSE(same_graph(a, c));
}

TEST_CASE("a pinned small graph: generation is part of the format") {
  // If this changes, every recorded run's topology changes with it.
  auto t = make(6, 2, 1, 1ms, 0ms);
  std::string edges;
  for (const auto& l : t.links())
    edges += std::to_string(l.a) + "-" + std::to_string(l.b) + " ";
  CHECK(edges == "0-1 0-2 1-5 2-3 3-4 4-5 ");
  for (const auto& l : t.links())
    CHECK(l.latency == 1ms);
}

TEST_CASE("connected, degrees at least d and d on average") {
  for (uint64_t seed = 0; seed < 5; ++seed) {
    for (auto [nodes, degree] : {std::pair<std::size_t, std::size_t>{1000, 8},
                                 {50, 8},
                                 {7, 3},
                                 {10, 9},
                                 {10, 20},
                                 {2, 1},
                                 {100, 1},
                                 {100, 2},
                                 {31, 5}}) {
      CAPTURE(seed);
      CAPTURE(nodes);
      CAPTURE(degree);
      auto t = make(nodes, degree, seed);
      CHECK(component_count(t) == 1);
      const auto target = std::min(degree, nodes - 1);
      std::size_t total = 0;
      std::size_t above = 0;
      for (uint32_t n = 0; n < nodes; ++n) {
        CHECK(t.degree(n) >= target);
        total += t.degree(n);
        above += t.degree(n) > target ? 1 : 0;
      }
      // All but a few exactly d (odd stub counts, joined components); with
      // d < 3 the random graph falls apart in many pieces, each joined by a
      // link more.
      if (degree >= 3)
        CHECK(above <= 2 + nodes / 20);
      CHECK(total == 2 * t.links().size());
      for (const auto& l : t.links()) {
        CHECK(l.a < l.b);
        CHECK(l.latency >= 40ms);
        CHECK(l.latency <= 60ms);
      }
    }
  }
}

TEST_CASE("no self-links or repeated links; links sorted") {
  auto t = make(300, 12, 3);
  for (std::size_t i = 1; i < t.links().size(); ++i) {
    const auto& p = t.links()[i - 1];
    const auto& q = t.links()[i];
    CHECK((p.a < q.a || (p.a == q.a && p.b < q.b)));
  }
}

TEST_CASE("one node, and the parameters' bounds") {
  auto one = make(1, 8, 0);
  CHECK(one.links().empty());
  CHECK(component_count(one) == 1);
  CHECK(make_topology({0, 8, 50ms, 0ms, 0}).error().code
        == topology_errc::bad_node_count);
  CHECK(make_topology({10'001, 8, 50ms, 0ms, 0}).error().code
        == topology_errc::bad_node_count);
  CHECK(make_topology({10, 0, 50ms, 0ms, 0}).error().code
        == topology_errc::bad_degree);
  CHECK(make_topology({10, 1001, 50ms, 0ms, 0}).error().code
        == topology_errc::bad_degree);
  CHECK(make_topology({10, 2, 5ms, 6ms, 0}).error().code
        == topology_errc::bad_latency);
  CHECK(make_topology({10, 2, -1ms, 0ms, 0}).error().code
        == topology_errc::bad_latency);
  CHECK(make_topology({10, 2, 11s, 0ms, 0}).error().code
        == topology_errc::bad_latency);
}

TEST_CASE("nodes and links added by hand") {
  topology t{3};
  CHECK(t.add_link(0, 1, 5ms));
  CHECK_FALSE(t.add_link(1, 0, 5ms)); // exists
  CHECK_FALSE(t.add_link(2, 2, 5ms)); // self
  CHECK_FALSE(t.add_link(0, 3, 5ms)); // no node 3
  CHECK_FALSE(t.add_link(0, 2, -1ms));
  CHECK(t.linked(1, 0));
  CHECK_FALSE(t.linked(0, 2));
  CHECK_FALSE(t.linked(0, 99));
  CHECK(component_count(t) == 2);
  CHECK(t.add_node() == 3);
  CHECK(t.add_link(3, 2, 1ms));
  CHECK(t.links().back().a == 2);
  CHECK(t.links().back().b == 3);
  CHECK(t.neighbours(3).front().node == 2);
  CHECK(t.neighbours(3).front().link == 1);

  rng r{1};
  for (int i = 0; i < 100; ++i) {
    auto d = draw_latency(r, 2ms, 2ms);
    CHECK(d >= 0ms);
    CHECK(d <= 4ms);
  }
  CHECK(draw_latency(r, 1ms, 5ms) >= 0ms); // never negative
}
