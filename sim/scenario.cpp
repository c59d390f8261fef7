#include "sim/scenario.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <type_traits>

#include "sim/duration.hpp"
#include "sim/json_read.hpp"
#include "sim/limits.hpp"

namespace timecoin::sim {

namespace {

using json = nlohmann::json;
using detail::fail;

template <class... Fs>
struct overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
overloaded(Fs...) -> overloaded<Fs...>;

json selection_json(const node_selection& s) {
  if (!s.ids.empty())
    return {{"ids", s.ids}};
  return {{"nodes", s.count}};
}

json action_json(const action& what) {
  return std::visit(
    overloaded{
      [](const publish_event& p) {
        json j = {{"count", p.count},
                  {"interval", format_duration(p.interval)},
                  {"kind", p.kind},
                  {"bytes", p.bytes}};
        if (p.from)
          j["from"] = *p.from;
        return j;
      },
      [](const generate_event& g) {
        return json{{"blocks", g.blocks},
                    {"interval", format_duration(g.interval)}};
      },
      [](const partition_event& p) {
        if (!p.ids.empty())
          return json{{"ids", p.ids}};
        if (!p.sizes.empty())
          return json{{"sizes", p.sizes}};
        return json{{"groups", p.groups}};
      },
      [](const heal_event&) { return json::object(); },
      [](const stop_event& s) { return selection_json(s.nodes); },
      [](const start_event& s) { return selection_json(s.nodes); },
      [](const add_event& a) {
        return json{{"nodes", a.nodes},
                    {"bootstrap", a.bootstrap == bootstrap_mode::random
                                    ? "random"
                                    : "seed"}};
      },
    },
    what);
}

/// Fails if `id` is not below `count`, the nodes that exist at that time.
result<void, scenario_error> check_id(uint32_t id, std::size_t count,
                                      const std::string& where) {
  if (id >= count)
    return fail(scenario_errc::bad_node, where,
                fmt::format("node {} does not exist: the network has {} "
                            "nodes then",
                            id, count));
  return {};
}

result<void, scenario_error> check_ids(const std::vector<uint32_t>& ids,
                                       std::size_t count,
                                       const std::string& where) {
  for (auto id : ids)
    if (auto ok = check_id(id, count, where); !ok)
      return ok;
  return {};
}

/// Random stops spare the producer; a restart has at most the others.
result<void, scenario_error> check_selection(const node_selection& s,
                                             std::size_t count,
                                             const std::string& where) {
  if (!s.ids.empty())
    return check_ids(s.ids, count, detail::member_path(where, "ids"));
  if (s.count + std::size_t{1} > count)
    return fail(scenario_errc::bad_node, detail::member_path(where, "nodes"),
                fmt::format("{} nodes of {}: the producer is never among "
                            "them",
                            s.count, count));
  return {};
}

} // namespace

std::string_view action_name(const action& what) {
  return std::visit(
    overloaded{
      [](const publish_event&) { return std::string_view{"publish"}; },
      [](const generate_event&) { return std::string_view{"generate"}; },
      [](const partition_event&) { return std::string_view{"partition"}; },
      [](const heal_event&) { return std::string_view{"heal"}; },
      [](const stop_event&) { return std::string_view{"stop"}; },
      [](const start_event&) { return std::string_view{"start"}; },
      [](const add_event&) { return std::string_view{"add"}; },
    },
    what);
}

result<void, scenario_error> check_nodes(const scenario& s, std::size_t nodes) {
  if (nodes == 0 || nodes > max_sim_nodes)
    return fail(scenario_errc::bad_node, "network.nodes",
                fmt::format("must be 1 to {}, not {}", max_sim_nodes, nodes));
  std::size_t count = nodes;
  for (const auto& ev : s.events) {
    auto where = detail::member_path(detail::index_path("events", ev.index),
                                     action_name(ev.what));
    auto ok = std::visit(
      overloaded{
        [&](const publish_event& p) -> result<void, scenario_error> {
          if (p.from)
            return check_id(*p.from, count, detail::member_path(where, "from"));
          return {};
        },
        [&](const partition_event& p) -> result<void, scenario_error> {
          std::size_t placed = 0;
          for (auto n : p.sizes)
            placed += n;
          if (p.groups > count || placed > count)
            return fail(scenario_errc::bad_node, where,
                        fmt::format("more groups or nodes than the {} "
                                    "nodes there are",
                                    count));
          for (std::size_t i = 0; i < p.ids.size(); ++i)
            if (auto ok = check_ids(
                  p.ids[i], count,
                  detail::index_path(detail::member_path(where, "ids"), i));
                !ok)
              return ok;
          return {};
        },
        [&](const stop_event& e) {
          return check_selection(e.nodes, count, where);
        },
        [&](const start_event& e) {
          return check_selection(e.nodes, count, where);
        },
        [&](const add_event& a) -> result<void, scenario_error> {
          count += a.nodes;
          if (count > max_sim_nodes)
            return fail(scenario_errc::bad_node,
                        detail::member_path(where, "nodes"),
                        fmt::format("{} nodes in all, over the limit of {}",
                                    count, max_sim_nodes));
          return {};
        },
        [](const auto&) -> result<void, scenario_error> { return {}; },
      },
      ev.what);
    if (!ok)
      return ok;
  }
  return {};
}

scenario default_scenario() {
  scenario s;
  s.name = "default";
  s.description = "100 messages of 200 bytes, one every 100 ms from 10 s on";
  s.duration = std::chrono::seconds{60};
  publish_event p;
  p.count = 100;
  p.interval = std::chrono::milliseconds{100};
  s.events.push_back(event{std::chrono::seconds{10}, p, 0});
  return s;
}

nlohmann::json to_json(const scenario& s) {
  json doc = json::object();
  if (!s.name.empty())
    doc["name"] = s.name;
  if (!s.description.empty())
    doc["description"] = s.description;
  doc["duration"] = format_duration(s.duration);
  if (s.seed)
    doc["seed"] = *s.seed;
  json net = json::object();
  const auto& n = s.network;
  if (n.nodes)
    net["nodes"] = *n.nodes;
  if (n.degree)
    net["degree"] = *n.degree;
  if (n.latency)
    net["latency"] = format_duration(*n.latency);
  if (n.jitter)
    net["jitter"] = format_duration(*n.jitter);
  if (n.bandwidth_bps)
    net["bandwidth"] = format_bandwidth(*n.bandwidth_bps);
  if (!net.empty())
    doc["network"] = std::move(net);
  json events = json::array();
  for (const auto& ev : s.events)
    events.push_back(
      json{{"at", format_duration(ev.at)},
           {std::string{action_name(ev.what)}, action_json(ev.what)}});
  doc["events"] = std::move(events);
  return doc;
}

std::size_t message_count(const scenario& s) {
  std::size_t n = 0;
  for (const auto& ev : s.events)
    if (const auto* p = std::get_if<publish_event>(&ev.what))
      n += p->count;
  return n;
}

std::size_t block_count(const scenario& s) {
  std::size_t n = 0;
  for (const auto& ev : s.events)
    if (const auto* g = std::get_if<generate_event>(&ev.what))
      n += g->blocks;
  return n;
}

} // namespace timecoin::sim
