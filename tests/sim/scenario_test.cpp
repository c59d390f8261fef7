#include "sim/scenario.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <string>

using namespace timecoin::sim;
using namespace std::chrono_literals;

namespace {

/// The example of sim/scenario.hpp, comments and all.
const char* example = R"({
  "name": "partition-heal",
  "description": "the example of the header",
  "duration": "60s",
  "seed": 42,
  "network": {
    "nodes": 1000, "degree": 8,
    "latency": "50ms", "jitter": "10ms", "bandwidth": "100Mbit"
  },
  "events": [
    {"at": "35s", "add": {"nodes": 20, "bootstrap": "seed"}},
    {"at": "5s",  "publish": {"count": 100, "interval": "10ms",
                              "kind": 1, "bytes": 200, "from": 3}},
    {"at": "10s", "generate": {"blocks": 3}},   // one a second
    {"at": "12s", "partition": {"groups": 2}},
    /* a block comment */
    {"at": "20s", "heal": {}},
    {"at": "25s", "stop": {"nodes": 10}},
    {"at": "30s", "start": {"nodes": 10}},
    {"at": "12s", "partition": {"sizes": [100, 200]}},
    {"at": "12s", "partition": {"ids": [[0, 1], [2]]}},
    {"at": "26s", "stop": {"ids": [5, 6]}},
    {"at": 0, "publish": {}}
  ]
})";

} // namespace

TEST_CASE("the header's example parses into typed events in time order") {
  auto parsed = parse_scenario(example);
  REQUIRE_MESSAGE(parsed.has_value(), parsed.error().message);
  const auto& s = *parsed;
  CHECK(s.name == "partition-heal");
  CHECK(s.duration == 60s);
  CHECK(s.seed == 42u);
  CHECK(s.network.nodes == 1000u);
  CHECK(s.network.degree == 8u);
  CHECK(s.network.latency == 50ms);
  CHECK(s.network.jitter == 10ms);
  CHECK(s.network.bandwidth_bps == 100'000'000u);
  REQUIRE(s.events.size() == 11);
  for (std::size_t i = 1; i < s.events.size(); ++i)
    CHECK(s.events[i - 1].at <= s.events[i].at);

  // {"at": 0, "publish": {}}: every default.
  CHECK(s.events[0].at == 0s);
  CHECK(s.events[0].index == 10);
  auto p0 = std::get<publish_event>(s.events[0].what);
  CHECK(p0.count == 1);
  CHECK(p0.interval == default_publish_interval);
  CHECK(p0.kind == default_publish_kind);
  CHECK(p0.bytes == default_publish_bytes);
  CHECK_FALSE(p0.from.has_value());

  auto p = std::get<publish_event>(s.events[1].what);
  CHECK(p.count == 100);
  CHECK(p.interval == 10ms);
  CHECK(p.kind == 1);
  CHECK(p.bytes == 200);
  CHECK(p.from == 3u);

  auto g = std::get<generate_event>(s.events[2].what);
  CHECK(g.blocks == 3);
  CHECK(g.interval == default_block_interval);

  // Three partitions at 12 s keep their order in the file (a stable sort).
  CHECK(std::get<partition_event>(s.events[3].what).groups == 2);
  CHECK(std::get<partition_event>(s.events[4].what).sizes
        == std::vector<uint32_t>{100, 200});
  CHECK(std::get<partition_event>(s.events[5].what).ids.size() == 2);
  CHECK(s.events[3].index == 3);
  CHECK(s.events[4].index == 7);
  CHECK(s.events[5].index == 8);

  CHECK(std::holds_alternative<heal_event>(s.events[6].what));
  CHECK(std::get<stop_event>(s.events[7].what).nodes.count == 10);
  CHECK(std::get<stop_event>(s.events[8].what).nodes.ids
        == std::vector<uint32_t>{5, 6});
  CHECK(std::get<start_event>(s.events[9].what).nodes.count == 10);
  auto a = std::get<add_event>(s.events[10].what);
  CHECK(a.nodes == 20);
  CHECK(a.bootstrap == bootstrap_mode::seed);
  CHECK(action_name(s.events[10].what) == "add");

  CHECK(message_count(s) == 101);
  CHECK(block_count(s) == 3);
}

TEST_CASE("a minimal scenario: a duration and nothing else") {
  auto s = parse_scenario(R"({"duration": "1s"})");
  REQUIRE(s.has_value());
  CHECK(s->events.empty());
  CHECK_FALSE(s->seed.has_value());
  CHECK_FALSE(s->network.nodes.has_value());
  CHECK(s->name.empty());
}

TEST_CASE("to_json writes a scenario that reads back the same") {
  auto s = parse_scenario(example);
  REQUIRE(s.has_value());
  auto j = to_json(*s);
  CHECK(j["duration"] == "1m"); // the largest exact unit
  CHECK(j["network"]["bandwidth"] == "100Mbit");
  CHECK(j["events"][0]["at"] == "0");
  CHECK(j["events"][0]["publish"]["interval"] == "10ms");
  auto again = parse_scenario(j.dump());
  REQUIRE_MESSAGE(again.has_value(), again.error().message);
  CHECK(to_json(*again) == j);

  auto d = default_scenario();
  CHECK(message_count(d) == 100);
  auto dj = to_json(d);
  auto d2 = parse_scenario(dj.dump(2));
  REQUIRE_MESSAGE(d2.has_value(), d2.error().message);
  CHECK(to_json(*d2) == dj);
  CHECK(d2->duration == 60s);
}

TEST_CASE("load_scenario reads a file and names it in errors") {
  auto missing = load_scenario("/nonexistent/scenario.json");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code == scenario_errc::unreadable);
  CHECK(missing.error().message.find("/nonexistent/scenario.json")
        != std::string::npos);
  auto dir = load_scenario("/");
  REQUIRE_FALSE(dir.has_value());
  CHECK(dir.error().code == scenario_errc::unreadable);
}

TEST_CASE("check_nodes follows the network as nodes are added") {
  auto s = parse_scenario(R"({"duration": "10s", "events": [
    {"at": "1s", "stop": {"ids": [12]}},
    {"at": "0s", "add": {"nodes": 5}}
  ]})");
  REQUIRE(s.has_value());
  CHECK(check_nodes(*s, 8).has_value()); // 8 + 5 = 13 nodes by 1 s
  auto too_few = check_nodes(*s, 7);
  REQUIRE_FALSE(too_few.has_value());
  CHECK(too_few.error().code == scenario_errc::bad_node);
  CHECK(too_few.error().where == "events[0].stop.ids");
  CHECK_FALSE(check_nodes(*s, 0).has_value());
  CHECK_FALSE(check_nodes(*s, 10'001).has_value());

  auto stop_all = parse_scenario(R"({"duration": "10s", "events": [
    {"at": "1s", "stop": {"nodes": 4}}]})");
  REQUIRE(stop_all.has_value());
  CHECK(check_nodes(*stop_all, 5).has_value());
  CHECK_FALSE(check_nodes(*stop_all, 4).has_value()); // the producer stays
}
