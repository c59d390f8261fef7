#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "sim/duration.hpp"
#include "sim/json_read.hpp"
#include "sim/limits.hpp"
#include "sim/scenario.hpp"
#include "sim/scenario_events.hpp"

namespace timecoin::sim {

using namespace detail;

namespace {

result<network_spec, scenario_error> read_network(const json& v) {
  const std::string where = "network";
  if (auto ok = check_object(
        v, where, {"nodes", "degree", "latency", "jitter", "bandwidth"});
      !ok)
    return ok.error();
  network_spec net;
  if (v.contains("nodes")) {
    auto n = read_uint(v["nodes"], "network.nodes", 1, max_sim_nodes);
    if (!n)
      return n.error();
    net.nodes = static_cast<uint32_t>(*n);
  }
  if (v.contains("degree")) {
    auto d = read_uint(v["degree"], "network.degree", 1, max_sim_degree);
    if (!d)
      return d.error();
    net.degree = static_cast<uint32_t>(*d);
  }
  if (v.contains("latency")) {
    auto d = read_duration(v["latency"], "network.latency", max_link_latency);
    if (!d)
      return d.error();
    net.latency = *d;
  }
  if (v.contains("jitter")) {
    auto d = read_duration(v["jitter"], "network.jitter", max_link_latency);
    if (!d)
      return d.error();
    net.jitter = *d;
  }
  if (net.latency && net.jitter && *net.jitter > *net.latency)
    return fail(scenario_errc::out_of_range, "network.jitter",
                "must not exceed the latency (a link's delay is never "
                "negative)");
  if (v.contains("bandwidth")) {
    auto b = read_bandwidth(v["bandwidth"], "network.bandwidth");
    if (!b)
      return b.error();
    net.bandwidth_bps = *b;
  }
  return net;
}

/// `events` sorted by time, those at the same time in file order. Sorts
/// (time, place) keys and moves each event once: sorting the events
/// themselves swaps variants, which GCC 12 warns about wrongly.
std::vector<event> in_time_order(std::vector<event> events) {
  std::vector<std::pair<std::chrono::microseconds, std::size_t>> keys;
  keys.reserve(events.size());
  for (std::size_t i = 0; i < events.size(); ++i)
    keys.emplace_back(events[i].at, i);
  std::sort(keys.begin(), keys.end());
  std::vector<event> sorted;
  sorted.reserve(events.size());
  for (const auto& key : keys)
    sorted.push_back(std::move(events[key.second]));
  return sorted;
}

} // namespace

result<scenario, scenario_error> parse_scenario(std::string_view text) {
  if (text.size() > max_scenario_file_bytes)
    return fail(scenario_errc::too_large, "",
                fmt::format("larger than {} bytes", max_scenario_file_bytes));
  auto parsed = parse_json(text);
  if (!parsed)
    return parsed.error();
  const json& doc = *parsed;
  if (!doc.is_object())
    return fail(scenario_errc::bad_type, "",
                fmt::format("a scenario is a JSON object, not {}",
                            doc.type_name()));
  if (auto ok = check_object(doc, "",
                             {"name", "description", "duration", "seed",
                              "network", "events"});
      !ok)
    return ok.error();
  scenario s;
  for (auto key : {"name", "description"}) {
    if (!doc.contains(key))
      continue;
    auto text_value = read_text(doc[key], key, max_scenario_text_chars);
    if (!text_value)
      return text_value.error();
    (key == std::string_view{"name"} ? s.name : s.description) = *text_value;
  }
  if (!doc.contains("duration"))
    return fail(scenario_errc::missing_key, "duration",
                "missing: how long the run lasts, such as \"60s\"");
  auto duration = read_duration(doc["duration"], "duration",
                                max_scenario_duration);
  if (!duration)
    return duration.error();
  if (duration->count() == 0)
    return fail(scenario_errc::out_of_range, "duration", "must be above zero");
  s.duration = *duration;
  if (doc.contains("seed")) {
    auto seed = read_uint(doc["seed"], "seed", 0, UINT64_MAX);
    if (!seed)
      return seed.error();
    s.seed = *seed;
  }
  if (doc.contains("network")) {
    auto net = read_network(doc["network"]);
    if (!net)
      return net.error();
    s.network = *net;
  }
  if (doc.contains("events")) {
    const auto& events = doc["events"];
    if (!events.is_array())
      return fail(scenario_errc::bad_type, "events",
                  fmt::format("must be an array, not {}", events.type_name()));
    if (events.size() > max_scenario_events)
      return fail(scenario_errc::out_of_range, "events",
                  fmt::format("{} events, over the limit of {}", events.size(),
                              max_scenario_events));
    event_totals sum;
    for (std::size_t i = 0; i < events.size(); ++i) {
      auto ev = read_event(events[i], i, s.duration, sum);
      if (!ev)
        return ev.error();
      s.events.push_back(std::move(*ev));
    }
    s.events = in_time_order(std::move(s.events));
  }
  if (s.network.nodes) {
    if (auto ok = check_nodes(s, *s.network.nodes); !ok)
      return ok.error();
  }
  return s;
}

result<scenario, scenario_error> load_scenario(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    return fail(scenario_errc::unreadable, "",
                fmt::format("{}: is a directory", path));
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return fail(scenario_errc::unreadable, "",
                fmt::format("{}: cannot be read", path));
  // Read one byte past the limit to tell "exactly at" from "over".
  std::string text(max_scenario_file_bytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad())
    return fail(scenario_errc::unreadable, "",
                fmt::format("{}: cannot be read", path));
  text.resize(static_cast<std::size_t>(in.gcount()));
  auto s = parse_scenario(text);
  if (!s) {
    auto err = s.error();
    err.message = path + ": " + err.message;
    return err;
  }
  return s;
}

} // namespace timecoin::sim
