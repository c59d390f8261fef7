// spawn_node's options for simulations: a seeded identity, workers on the
// scheduler, and the actor system's clock, under CAF's test coordinator.

#include <doctest/doctest.h>

#include <filesystem>
#include <optional>

#include "actors/node_clock.hpp"
#include "actors/node_internal.hpp"
#include "fixture.hpp"

using namespace std::chrono_literals;
using namespace timecoin;

namespace {

/// A unix time for the simulated clock.
constexpr int64_t sim_start = 1'800'000'000;

struct sim_fixture : test::net_fixture {
  std::vector<node_handle> nodes;
  std::vector<std::string> datadirs;

  /// Spawns a node in a data directory of its own (`name`).
  node_handle spawn(const std::string& name, node_options opts) {
    node_config cfg;
    cfg.tls = false;
    cfg.listen = false;
    cfg.datadir = test::temp_dir("node-" + name);
    opts.dial_via_backend = true;
    opts.log = test::quiet_logger();
    auto h = spawn_node(sys, cfg, opts);
    REQUIRE(h);
    nodes.push_back(*h);
    datadirs.push_back(cfg.datadir);
    settle();
    return *h;
  }

  /// The node's answer to `xs...` (the test coordinator runs it to the end).
  template <class T, class... Ts>
  T ask(const node_handle& node, Ts... xs) {
    auto out = std::make_shared<std::optional<T>>();
    sys.spawn([=](caf::event_based_actor* self) {
      self->request(node.actor(), caf::infinite, xs...).then([=](T& x) {
        *out = std::move(x);
      });
    });
    settle();
    REQUIRE(out->has_value());
    return std::move(**out);
  }

  ~sim_fixture() {
    for (const auto& n : nodes)
      caf::anon_send(n.actor(), stop_atom::value);
    settle();
    advance(5s);
  }
};

node_options seeded(uint64_t seed) {
  node_options opts;
  opts.seed = seed;
  opts.scheduled_workers = true;
  opts.chain_map_bytes = std::size_t{16} << 20;
  return opts;
}

} // namespace

TEST_CASE("nodes spawned with the same seed have the same node id") {
  sim_fixture f;
  auto a = f.spawn("seed-a", seeded(7));
  auto b = f.spawn("seed-b", seeded(7));
  auto c = f.spawn("seed-c", seeded(8));
  CHECK(a.node_id().size() == 64);
  CHECK(a.node_id() == b.node_id());
  CHECK(a.node_id() != c.node_id());
  // The key comes from the seed: no key file is read or written.
  for (const auto& dir : f.datadirs)
    CHECK(!std::filesystem::exists(dir + "/node_key"));
}

TEST_CASE("an unseeded node keeps its key in the data directory") {
  sim_fixture f;
  auto a = f.spawn("unseeded", node_options{});
  CHECK(a.node_id().size() == 64);
  CHECK(std::filesystem::exists(f.datadirs.back() + "/node_key"));
}

TEST_CASE("with scheduled workers a node spawns no detached actor") {
  sim_fixture f;
  f.spawn("scheduled", seeded(1));
  CHECK(f.sys.detached_actors() == 0);
  // The chain actors answer under the test coordinator.
  auto info = f.ask<chain_info>(f.nodes.back(), chaininfo_atom::value);
  CHECK(info.blocks == 0);
}

TEST_CASE("by default the chain actors and verifiers have threads") {
  sim_fixture f;
  f.spawn("detached", node_options{});
  CHECK(f.sys.detached_actors() > 0);
}

TEST_CASE("ban expiries follow the node's clock") {
  sim_fixture f;
  auto opts = seeded(3);
  opts.clock = actor_system_clock(f.sys, sim_start);
  auto node = f.spawn("bans", opts);
  REQUIRE(f.ask<bool>(node, setban_atom::value, std::string{"10.1.2.3"}, true,
                      int64_t{600}));
  f.advance(100s);
  REQUIRE(f.ask<bool>(node, setban_atom::value, std::string{"10.9.9.9"}, true,
                      int64_t{600}));
  auto bans = f.ask<std::vector<ban_info>>(node, listbans_atom::value);
  REQUIRE(bans.size() == 2);
  std::sort(bans.begin(), bans.end(), [](const ban_info& x, const ban_info& y) {
    return x.created < y.created;
  });
  CHECK(bans[0].created == sim_start);
  CHECK(bans[0].banned_until == sim_start + 600);
  CHECK(bans[1].created == sim_start + 100);
  CHECK(bans[1].banned_until == sim_start + 700);
  // The first ban ends in virtual time; the second one is still there.
  f.advance(560s);
  bans = f.ask<std::vector<ban_info>>(node, listbans_atom::value);
  REQUIRE(bans.size() == 1);
  CHECK(bans[0].subnet == "10.9.9.9");
}
