// Scenarios run end to end by the driver, in virtual time: determinism,
// and a partition healed.

#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "sim/driver.hpp"
#include "sim/report_files.hpp"

namespace timecoin::sim {

namespace {

using namespace std::chrono_literals;

/// Everything the report says that does not depend on the machine.
std::string deterministic_report(const run_record& r) {
  auto rep = analyze(r);
  return format_table(r, rep, false) + messages_csv(rep) + propagation_csv(rep)
         + nodes_csv(rep) + blocks_csv(rep) + heals_csv(r);
}

scenario parse(const std::string& json) {
  auto sc = parse_scenario(json);
  REQUIRE_MESSAGE(sc, (sc ? "" : sc.error().message));
  return *sc;
}

} // namespace

TEST_CASE("scenario run: the same scenario and seed give the same report, "
          "byte for byte") {
  // Every kind of event: messages from random nodes, blocks, a partition
  // and its heal, churn, and new nodes that find the network from a seed.
  auto sc = parse(R"({
    "duration": "30s",
    "events": [
      {"at": "1s", "publish": {"count": 5, "interval": "20ms"}},
      {"at": "2s", "partition": {"groups": 2}},
      {"at": "2500ms", "publish": {"count": 5, "interval": "20ms"}},
      {"at": "3s", "generate": {"blocks": 2, "interval": "500ms"}},
      {"at": "5s", "heal": {}},
      {"at": "8s", "stop": {"nodes": 3}},
      {"at": "9s", "publish": {"count": 5, "interval": "20ms"}},
      {"at": "10s", "start": {"nodes": 2}},
      {"at": "11s", "add": {"nodes": 3, "bootstrap": "seed"}},
      {"at": "20s", "publish": {"count": 5, "interval": "20ms"}}
    ]})");
  run_options o;
  o.nodes = 30;
  o.degree = 4;
  o.latency = 20ms;
  o.jitter = 5ms;
  o.bandwidth_bps = 10'000'000;
  o.seed = 11;
  auto a = run_scenario(o, sc);
  REQUIRE_MESSAGE(a, (a ? "" : a.error().message));
  auto b = run_scenario(o, sc);
  REQUIRE(b);
  CHECK(deterministic_report(*a) == deterministic_report(*b));
  // And the run did something worth comparing.
  auto rep = analyze(*a);
  CHECK(rep.messages.size() == 20);
  CHECK(a->nodes == 33);
  CHECK(rep.duplicates_per_node > 0);
  REQUIRE(a->heals.size() == 1);
  CHECK(std::isfinite(a->heals[0].converged_s));
  // Another seed, another run.
  o.seed = 12;
  auto c = run_scenario(o, sc);
  REQUIRE(c);
  CHECK(deterministic_report(*a) != deterministic_report(*c));
}

TEST_CASE("scenario run: 200 nodes split in halves converge on the "
          "producer's tip after the heal") {
  auto sc = load_scenario(std::string{TIMECOIN_SOURCE_DIR}
                          + "/sim/scenarios/partition-heal.json");
  REQUIRE_MESSAGE(sc, (sc ? "" : sc.error().message));
  run_options o;
  auto r = run_scenario(o, *sc);
  REQUIRE_MESSAGE(r, (r ? "" : r.error().message));
  auto rep = analyze(*r);
  REQUIRE(rep.messages.size() == 30);
  // While split, each side's messages reach its own half: every node of it
  // that links within the half reach (one whose links all crossed the
  // split is cut off), and nothing beyond.
  for (std::size_t m = 0; m < 20; ++m) {
    const auto& trace = r->messages[m];
    std::size_t reachable = 0;
    for (double b : trace.bound_s)
      reachable += std::isfinite(b) ? 1 : 0;
    CHECK(rep.messages[m].live == 200);
    CHECK(reachable >= 90);
    CHECK(reachable <= 100);
    CHECK(rep.messages[m].reached == reachable);
  }
  // After the heal, everyone again.
  for (std::size_t m = 20; m < 30; ++m)
    CHECK(rep.messages[m].reached == 200);
  // The blocks made on the producer's side reach every node, and the heal
  // converged: every node on the producer's tip with its UTXO root.
  REQUIRE(r->blocks.size() == 3);
  CHECK(std::isfinite(rep.blocks_converged_s));
  CHECK(rep.blocks_converged_s > 5.0); // not before the heal
  REQUIRE(r->heals.size() == 1);
  CHECK(std::isfinite(r->heals[0].converged_s));
  CHECK(r->heals[0].converged_s > r->heals[0].healed_s);
}

} // namespace timecoin::sim
