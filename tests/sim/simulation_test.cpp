// The tester's API: nodes on a simulated network in virtual time.

#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "sim/simulation.hpp"

namespace timecoin::sim {

namespace {

using namespace std::chrono_literals;

/// A gossip kind free for applications (docs/PROTOCOL.md, "Gossip").
constexpr uint16_t app_kind = 1024;

sim_options line_options() {
  sim_options o;
  o.link.latency = 50ms;
  o.seed = 7;
  return o;
}

/// Everyone connected to at least `n` peers.
bool all_connected(simulation& net, std::size_t n) {
  for (std::size_t i = 0; i < net.size(); ++i)
    if (net.alive(i) && net.node(i).connected_count() < n)
      return false;
  return true;
}

/// A line 0 - 1 - 2 - ... of `n` nodes: when each received message 1.
std::map<std::size_t, std::chrono::nanoseconds> line_run(std::size_t n) {
  simulation net{line_options()};
  node_config only_links;
  // No automatic outbound connections: the line stays a line.
  only_links.connect_only = true;
  for (std::size_t i = 0; i < n; ++i)
    net.add_node(only_links);
  for (std::size_t i = 0; i + 1 < n; ++i)
    net.connect(i, i + 1);
  std::map<std::size_t, std::chrono::nanoseconds> seen;
  net.watch(app_kind, [&](const delivery& d) { seen.emplace(d.node, d.at); });
  REQUIRE(net.run_until([&] { return all_connected(net, 1); }, 10s));
  net.run_for(1s);
  auto published = net.now();
  REQUIRE(net.publish(0, app_kind, {1, 2, 3}));
  REQUIRE(net.run_until([&] { return seen.size() == n - 1; }, 10s));
  for (auto& kv : seen)
    kv.second -= published;
  return seen;
}

} // namespace

TEST_CASE("simulation: gossip crosses each 50 ms link in 50 ms of virtual "
          "time") {
  auto seen = line_run(4);
  REQUIRE(seen.size() == 3);
  for (std::size_t hop = 1; hop <= 3; ++hop) {
    CHECK(seen[hop] >= hop * 50ms);
    // Processing takes no virtual time: only the links delay.
    CHECK(seen[hop] < hop * 50ms + 1ms);
  }
}

TEST_CASE("simulation: the same seed gives the same run") {
  auto a = line_run(3);
  auto b = line_run(3);
  CHECK(a == b);
}

TEST_CASE("simulation: a partition stops gossip, a heal brings it back") {
  sim_options o;
  o.link.latency = 10ms;
  simulation net{o};
  for (int i = 0; i < 4; ++i)
    net.add_node();
  // A ring: 0-1-2-3-0.
  for (std::size_t i = 0; i < 4; ++i)
    net.connect(i, (i + 1) % 4);
  std::map<std::size_t, int> got;
  net.watch(app_kind, [&](const delivery& d) { ++got[d.node]; });
  REQUIRE(net.run_until([&] { return all_connected(net, 2); }, 10s));
  net.partition({0, 0, 1, 1});
  net.run_for(100ms);
  CHECK(net.node(0).connected_count() == 1); // only 1 is left to it
  REQUIRE(net.publish(0, app_kind, {9}));
  net.run_for(5s);
  CHECK(got[1] == 1);
  CHECK(got.count(2) == 0);
  CHECK(got.count(3) == 0);
  net.heal();
  // The nodes dial their peers again (with backoff): the ring closes.
  REQUIRE(net.run_until([&] { return all_connected(net, 2); }, 5min));
  REQUIRE(net.publish(2, app_kind, {10}));
  REQUIRE(net.run_until(
    [&] { return got[0] == 1 && got[1] == 2 && got[3] == 1; }, 10s));
  CHECK(net.network_stats().links_cut >= 2);
}

TEST_CASE("simulation: a stopped node comes back with the same id and peers") {
  simulation net{line_options()};
  net.add_node();
  net.add_node();
  net.connect(0, 1);
  REQUIRE(net.run_until([&] { return all_connected(net, 1); }, 10s));
  auto id = net.node(1).node_id();
  net.stop(1);
  CHECK_FALSE(net.alive(1));
  REQUIRE(
    net.run_until([&] { return net.node(0).connected_count() == 0; }, 10s));
  net.start(1);
  CHECK(net.node(1).node_id() == id);
  REQUIRE(net.run_until([&] { return all_connected(net, 1); }, 5min));
}

} // namespace timecoin::sim

namespace timecoin::sim {

// The example of docs/SIMULATOR.md and the README, as written there.
TEST_CASE("simulation: the documented example") {
  using namespace std::chrono_literals;
  timecoin::sim::sim_options opts;
  opts.link.latency = 50ms;
  timecoin::sim::simulation net{opts}; // virtual time, seed 1

  timecoin::node_config cfg; // as time.conf gives it
  cfg.connect_only = true;   // only the links we make
  auto a = net.add_node(cfg), b = net.add_node(cfg), c = net.add_node(cfg);
  net.connect(a, b); // a dials b (addnode)
  net.connect(b, c);
  REQUIRE(
    net.run_until([&] { return net.node(b).connected_count() == 2; }, 10s));

  std::vector<timecoin::sim::delivery> got;
  net.watch(1024, [&](const timecoin::sim::delivery& d) { got.push_back(d); });
  auto sent = net.now();
  net.publish(a, 1024, {1, 2, 3});
  net.run_for(1s); // virtual: takes milliseconds
  REQUIRE(got.size() == 2);
  CHECK(got[0].node == b);
  CHECK(got[0].at - sent == 50ms);
  CHECK(got[1].node == c);
  CHECK(got[1].at - sent == 100ms);

  net.partition({0, 0, 1}); // c alone
  net.generate(a, 2);       // blocks on a's side
  net.run_for(1s);
  CHECK(net.chain(c).blocks < net.chain(a).blocks);
  net.heal();
  CHECK(net.run_until(
    [&] { return net.chain(c).blocks == net.chain(a).blocks; }, 5min));
  CHECK(net.chain(c).utxo_root == net.chain(a).utxo_root);
}

} // namespace timecoin::sim
