// The scenario parser under hostile and mistaken input: every error class,
// named by its path in the file.

#include <doctest/doctest.h>

#include <string>

#include "sim/scenario.hpp"

using namespace timecoin::sim;

namespace {

/// Parses `text`, which must fail; returns the error.
scenario_error refused(const std::string& text) {
  auto r = parse_scenario(text);
  REQUIRE_MESSAGE(!r.has_value(), "accepted: ", text.substr(0, 200));
  // The message starts with the path, so a user finds the place.
  CHECK(r.error().message.rfind(r.error().where, 0) == 0);
  return r.error();
}

/// A scenario of 60 s with `events` as its events array.
std::string with_events(const std::string& events) {
  return R"({"duration": "60s", "events": )" + events + "}";
}

/// A scenario of 60 s with one event of `body` at 1 s.
std::string with_event(const std::string& body) {
  return with_events(R"([{"at": "1s", )" + body + "}]");
}

} // namespace

TEST_CASE("not JSON: empty, blank, truncated, binary, bad UTF-8") {
  for (std::string text :
       {std::string{}, std::string{"   \n"}, std::string{"{"},
        std::string{"{\"duration\": \"1s\""}, std::string{"\x00\x01", 2},
        std::string{"{\"duration\": \"1s\"} trailing"},
        std::string{"{\"name\": \"\xff\", \"duration\": \"1s\"}"},
        std::string{"{'duration': '1s'}"}, std::string{"{\"a\":1,}"}}) {
    CAPTURE(text);
    CHECK(refused(text).code == scenario_errc::bad_json);
  }
}

TEST_CASE("not an object at the top") {
  for (auto text : {"[]", "42", "null", "\"60s\"", "true"})
    CHECK(refused(text).code == scenario_errc::bad_type);
}

TEST_CASE("too large and too deep, checked before parsing") {
  std::string big = R"({"duration": "1s", "name": ")";
  big += std::string(max_scenario_file_bytes, 'x') + "\"}";
  CHECK(refused(big).code == scenario_errc::too_large);

  CHECK(refused(std::string(100'000, '[')).code == scenario_errc::too_deep);
  std::string deep = "[";
  for (int i = 0; i < 20; ++i)
    deep = "[" + deep + "]";
  CHECK(refused(with_events(deep)).code == scenario_errc::too_deep);
  // Brackets in strings and comments are not nesting.
  auto fine = parse_scenario(R"({"duration": "1s",
    "name": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"[[[[[[",
    // [[[[[[[[[[[[[[[[[[[[[[[[[[[[[
    /* {{{{{{{{{{{{{{{{{{{{{{{{{{{{{ */
    "events": []})");
  CHECK_MESSAGE(fine.has_value(),
                (fine.has_value() ? "" : fine.error().message));
}

TEST_CASE("a key given twice is refused") {
  CHECK(refused(R"({"duration": "1s", "duration": "2s"})").code
        == scenario_errc::duplicate_key);
  CHECK(refused(with_events(R"([{"at": "1s", "at": "2s", "heal": {}}])")).code
        == scenario_errc::duplicate_key);
  // The same key in two objects is fine.
  CHECK(parse_scenario(with_events(R"([{"at": "1s", "heal": {}},
                                        {"at": "2s", "heal": {}}])"))
          .has_value());
}

TEST_CASE("unknown keys (typos) are refused where they are") {
  auto top = refused(R"({"durration": "60s"})");
  CHECK(top.code == scenario_errc::unknown_key);
  CHECK(top.where == "\"durration\"");
  auto in_publish = refused(with_event(R"("publish": {"cuont": 5})"));
  CHECK(in_publish.code == scenario_errc::unknown_key);
  CHECK(in_publish.where == "events[0].publish.\"cuont\"");
  CHECK(in_publish.message.find("count") != std::string::npos); // the list
  CHECK(refused(R"({"duration": "1s", "network": {"latnecy": "5ms"}})").code
        == scenario_errc::unknown_key);
  CHECK(refused(with_event(R"("heal": {"now": true})")).code
        == scenario_errc::unknown_key);
  CHECK(refused(with_event(R"("publish": {}, "note": "x")")).code
        == scenario_errc::unknown_key);
  CHECK(refused(with_event(R"("explode": {})")).code
        == scenario_errc::unknown_key);
}

TEST_CASE("missing keys") {
  CHECK(refused(R"({"events": []})").where == "duration");
  auto no_at = refused(with_events(R"([{"heal": {}}])"));
  CHECK(no_at.code == scenario_errc::missing_key);
  CHECK(no_at.where == "events[0].at");
  auto no_action = refused(with_events(R"([{"at": "1s"}])"));
  CHECK(no_action.code == scenario_errc::missing_key);
  CHECK(no_action.where == "events[0]");
  CHECK(refused(with_event(R"("partition": {})")).code
        == scenario_errc::missing_key);
  CHECK(refused(with_event(R"("stop": {})")).code
        == scenario_errc::missing_key);
}

TEST_CASE("wrong types") {
  CHECK(refused(R"({"duration": 60})").code == scenario_errc::bad_type);
  CHECK(refused(R"({"duration": "1s", "events": {}})").code
        == scenario_errc::bad_type);
  CHECK(refused(R"({"duration": "1s", "network": []})").code
        == scenario_errc::bad_type);
  CHECK(refused(R"({"duration": "1s", "name": 5})").code
        == scenario_errc::bad_type);
  CHECK(refused(with_events("[1]")).code == scenario_errc::bad_type);
  CHECK(refused(with_events("[null]")).code == scenario_errc::bad_type);
  for (auto count : {R"("5")", "5.5", "true", "null", "[5]", "1e30",
                     "99999999999999999999999"}) {
    CAPTURE(count);
    auto e = refused(
      with_event(std::string{R"("publish": {"count": )"} + count + "}"));
    CHECK(e.code == scenario_errc::bad_type);
    CHECK(e.where == "events[0].publish.count");
  }
  CHECK(refused(with_event(R"("publish": [])")).code
        == scenario_errc::bad_type);
  CHECK(refused(with_event(R"("add": {"bootstrap": 1})")).code
        == scenario_errc::bad_type);
  CHECK(refused(with_event(R"("partition": {"sizes": 3})")).code
        == scenario_errc::bad_type);
  CHECK(refused(with_event(R"("partition": {"ids": [1, 2]})")).code
        == scenario_errc::bad_type);
  CHECK(refused(with_events(R"([{"at": 5, "heal": {}}])")).code
        == scenario_errc::bad_type);
}

TEST_CASE("malformed values") {
  auto unitless = refused(R"({"duration": "60"})");
  CHECK(unitless.code == scenario_errc::bad_value);
  CHECK(unitless.message.find("unit") != std::string::npos);
  CHECK(refused(R"({"duration": "-5s"})").code == scenario_errc::bad_value);
  CHECK(refused(with_event(R"("add": {"bootstrap": "seeds"})")).code
        == scenario_errc::bad_value);
  CHECK(refused(with_event(R"("publish": {}, "heal": {})")).code
        == scenario_errc::bad_value);
  CHECK(refused(with_event(R"("partition": {"groups": 2, "sizes": [1]})")).code
        == scenario_errc::bad_value);
  CHECK(refused(R"({"duration": "1s", "network": {"bandwidth": "fast"}})").code
        == scenario_errc::bad_value);
}

TEST_CASE("numbers and counts out of bounds") {
  auto over = [](const std::string& body) {
    return refused(with_event(body)).code == scenario_errc::out_of_range;
  };
  CHECK(over(R"("publish": {"count": 0})"));
  CHECK(over(R"("publish": {"count": -1})"));
  CHECK(over(R"("publish": {"count": 10001})"));
  CHECK(over(R"("publish": {"bytes": 0})"));
  CHECK(over(R"("publish": {"bytes": 8387585})"));
  CHECK(over(R"("publish": {"kind": 65536})"));
  CHECK(over(R"("publish": {"from": 10000})"));
  CHECK(over(R"("publish": {"interval": "25h"})"));
  CHECK(over(R"("generate": {"blocks": 10001})"));
  CHECK(over(R"("partition": {"groups": 1})"));
  CHECK(over(R"("partition": {"sizes": []})"));
  CHECK(over(R"("partition": {"sizes": [0]})"));
  CHECK(over(R"("partition": {"sizes": [6000, 6000]})"));
  CHECK(over(R"("partition": {"ids": [[]]})"));
  CHECK(over(R"("stop": {"nodes": 0})"));
  CHECK(over(R"("stop": {"ids": []})"));
  CHECK(over(R"("add": {"nodes": 4294967296})"));
  CHECK(refused(R"({"duration": "25h"})").code == scenario_errc::out_of_range);
  CHECK(refused(R"({"duration": "0"})").code == scenario_errc::out_of_range);
  CHECK(refused(R"({"duration": "1s", "seed": -1})").code
        == scenario_errc::out_of_range);
  CHECK(
    refused(R"({"duration": "1s", "name": ")" + std::string(5000, 'n') + "\"}")
      .code
    == scenario_errc::out_of_range);
  for (auto net :
       {R"({"nodes": 0})", R"({"nodes": 10001})", R"({"degree": 0})",
        R"({"latency": "11s"})", R"({"latency": "5ms", "jitter": "6ms"})",
        R"({"bandwidth": "0"})"}) {
    CAPTURE(net);
    CHECK(
      refused(std::string{R"({"duration": "1s", "network": )"} + net + "}").code
      == scenario_errc::out_of_range);
  }
}

TEST_CASE("totals over the whole scenario are bounded") {
  std::string events = "[";
  for (int i = 0; i < 3; ++i)
    events += std::string{i ? "," : ""}
              + R"({"at": "1s", "publish": {"count": 4000, "interval": "0"}})";
  auto e = refused(with_events(events + "]"));
  CHECK(e.code == scenario_errc::out_of_range);
  CHECK(e.where == "events[2].publish.count");

  std::string many = "[";
  for (std::size_t i = 0; i <= max_scenario_events; ++i)
    many += std::string{i ? "," : ""} + R"({"at": "1s", "heal": {}})";
  auto m = refused(with_events(many + "]"));
  CHECK(m.code == scenario_errc::out_of_range);
  CHECK(m.where == "events");
}

TEST_CASE("events after the end of the run") {
  auto late = refused(with_events(R"([{"at": "61s", "heal": {}}])"));
  CHECK(late.code == scenario_errc::past_duration);
  CHECK(late.where == "events[0].at");
  CHECK(
    parse_scenario(with_events(R"([{"at": "60s", "heal": {}}])")).has_value());
  auto publish = refused(
    with_event(R"("publish": {"count": 100, "interval": "1s"})"));
  CHECK(publish.code == scenario_errc::past_duration);
  CHECK(publish.where == "events[0].publish.interval");
  CHECK(refused(with_event(R"("generate": {"blocks": 61})")).code
        == scenario_errc::past_duration);
  CHECK(parse_scenario(with_event(R"("generate": {"blocks": 60})"))
          .has_value()); // the last at exactly 60 s
}

TEST_CASE("node ids checked against the network when the file gives it") {
  auto net = [](const std::string& events) {
    return R"({"duration": "60s", "network": {"nodes": 10}, "events": )"
           + events + "}";
  };
  auto stop = refused(net(R"([{"at": "1s", "stop": {"ids": [10]}}])"));
  CHECK(stop.code == scenario_errc::bad_node);
  CHECK(stop.where == "events[0].stop.ids");
  CHECK(refused(net(R"([{"at": "1s", "publish": {"from": 10}}])")).code
        == scenario_errc::bad_node);
  CHECK(refused(net(R"([{"at": "1s", "partition": {"groups": 11}}])")).code
        == scenario_errc::bad_node);
  CHECK(refused(net(R"([{"at": "1s", "stop": {"nodes": 10}}])")).code
        == scenario_errc::bad_node);
  CHECK(parse_scenario(net(R"([{"at": "1s", "add": {"nodes": 1}},
                               {"at": "2s", "stop": {"ids": [10]}}])"))
          .has_value());
  // Listed twice, in one group or in two: refused without the node count.
  CHECK(refused(with_event(R"("stop": {"ids": [1, 1]})")).code
        == scenario_errc::bad_node);
  CHECK(refused(with_event(R"("partition": {"ids": [[1], [2, 1]]})")).code
        == scenario_errc::bad_node);
}
