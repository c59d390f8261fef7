// Idle nodes keep quiet: once a network has settled, the only timers that
// fire are those of protocol obligations, counted in virtual time.

#include <doctest/doctest.h>

#include <vector>

#include "sim/simulation.hpp"

namespace timecoin::sim {

namespace {

using namespace std::chrono_literals;

/// Nodes of the idle network.
constexpr std::size_t idle_nodes = 20;
/// How long the network runs before the count starts: connections made,
/// addresses exchanged, every feeler done (two minutes apart, one for each
/// address a node has not connected to yet).
constexpr auto settle_time = 45min;
/// How long the timers are counted.
constexpr auto idle_minutes = 10;

} // namespace

TEST_CASE("idle nodes: the only timers that fire are PING ticks") {
  sim_options o;
  o.link.latency = 10ms;
  o.seed = 11;
  simulation net{o};
  for (std::size_t i = 0; i < idle_nodes; ++i)
    net.add_node();
  // A ring to start from; discovery fills the outbound slots from there.
  for (std::size_t i = 0; i < idle_nodes; ++i)
    net.connect(i, (i + 1) % idle_nodes);
  net.run_for(settle_time);
  std::vector<std::size_t> before;
  std::size_t connection_ends = 0;
  for (std::size_t i = 0; i < idle_nodes; ++i) {
    before.push_back(net.node(i).connected_count());
    connection_ends += before.back();
  }
  REQUIRE(connection_ends >= idle_nodes * 2);
  auto fired_before = net.timers_fired();
  net.run_for(std::chrono::minutes{idle_minutes});
  auto fired = net.timers_fired() - fired_before;
  // Nothing happened: the same connections throughout.
  for (std::size_t i = 0; i < idle_nodes; ++i) {
    CAPTURE(i);
    REQUIRE(net.node(i).connected_count() == before[i]);
  }
  // The obligation: each end of a connection sends a PING every 30 s, two
  // ticks a minute; one more for a tick that falls on the window's edge.
  auto allowed = connection_ends * (2 * idle_minutes + 1);
  MESSAGE(fired << " timers fired in " << idle_minutes << " idle minutes at "
                << idle_nodes << " nodes with " << connection_ends
                << " connection ends (PING ticks allowed: " << allowed
                << "); per node per minute: "
                << static_cast<double>(fired) / idle_nodes / idle_minutes);
  CHECK(fired <= allowed);
}

} // namespace timecoin::sim
