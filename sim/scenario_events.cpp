#include "sim/scenario_events.hpp"

#include <fmt/format.h>

#include <set>

#include "sim/duration.hpp"
#include "sim/limits.hpp"

namespace timecoin::sim::detail {

namespace {

using std::chrono::microseconds;

/// Fails if the last of `count` things, one every `interval` from `at`,
/// falls after `duration`.
result<void, scenario_error> check_end(microseconds at, uint64_t count,
                                       microseconds interval,
                                       microseconds duration,
                                       const std::string& where,
                                       std::string_view what) {
  // Bounded: count ≤ 10,000 and interval ≤ a day, so no overflow.
  auto last = at + interval * static_cast<int64_t>(count - 1);
  if (last > duration)
    return fail(scenario_errc::past_duration, where,
                fmt::format("the last of {} {} would come at {}, after the "
                            "duration {}",
                            count, what, format_duration(last),
                            format_duration(duration)));
  return {};
}

result<action, scenario_error>
read_publish(const json& v, const std::string& where, microseconds at,
             microseconds duration, event_totals& sum) {
  if (auto ok = check_object(v, where,
                             {"count", "interval", "kind", "bytes", "from"});
      !ok)
    return ok.error();
  publish_event p;
  if (v.contains("count")) {
    auto n = read_uint(v["count"], member_path(where, "count"), 1,
                       max_sim_messages);
    if (!n)
      return n.error();
    p.count = static_cast<uint32_t>(*n);
  }
  if (v.contains("interval")) {
    auto d = read_duration(v["interval"], member_path(where, "interval"),
                           max_scenario_duration);
    if (!d)
      return d.error();
    p.interval = *d;
  }
  if (v.contains("kind")) {
    auto k = read_uint(v["kind"], member_path(where, "kind"), 0, UINT16_MAX);
    if (!k)
      return k.error();
    p.kind = static_cast<uint16_t>(*k);
  }
  if (v.contains("bytes")) {
    auto b = read_uint(v["bytes"], member_path(where, "bytes"), 1,
                       max_publish_bytes);
    if (!b)
      return b.error();
    p.bytes = static_cast<uint32_t>(*b);
  }
  if (v.contains("from")) {
    auto f = read_uint(v["from"], member_path(where, "from"), 0,
                       max_sim_nodes - 1);
    if (!f)
      return f.error();
    p.from = static_cast<uint32_t>(*f);
  }
  sum.messages += p.count;
  if (sum.messages > max_sim_messages)
    return fail(scenario_errc::out_of_range, member_path(where, "count"),
                fmt::format("{} messages in all, over the limit of {}",
                            sum.messages, max_sim_messages));
  if (auto ok = check_end(at, p.count, p.interval, duration,
                          member_path(where, "interval"), "messages");
      !ok)
    return ok.error();
  return action{p};
}

result<action, scenario_error>
read_generate(const json& v, const std::string& where, microseconds at,
              microseconds duration, event_totals& sum) {
  if (auto ok = check_object(v, where, {"blocks", "interval"}); !ok)
    return ok.error();
  generate_event g;
  if (v.contains("blocks")) {
    auto n = read_uint(v["blocks"], member_path(where, "blocks"), 1,
                       max_sim_blocks);
    if (!n)
      return n.error();
    g.blocks = static_cast<uint32_t>(*n);
  }
  if (v.contains("interval")) {
    auto d = read_duration(v["interval"], member_path(where, "interval"),
                           max_scenario_duration);
    if (!d)
      return d.error();
    g.interval = *d;
  }
  sum.blocks += g.blocks;
  if (sum.blocks > max_sim_blocks)
    return fail(scenario_errc::out_of_range, member_path(where, "blocks"),
                fmt::format("{} blocks in all, over the limit of {}",
                            sum.blocks, max_sim_blocks));
  if (auto ok = check_end(at, g.blocks, g.interval, duration,
                          member_path(where, "interval"), "blocks");
      !ok)
    return ok.error();
  return action{g};
}

/// The one key of `names` that `v` has; an error if none or several.
result<std::string_view, scenario_error>
one_of(const json& v, const std::string& where,
       std::initializer_list<std::string_view> names) {
  std::string_view found;
  for (auto name : names) {
    if (!v.contains(name))
      continue;
    if (!found.empty())
      return fail(scenario_errc::bad_value, where,
                  fmt::format("give one of {} and {}, not both", found, name));
    found = name;
  }
  if (found.empty()) {
    std::string list;
    for (auto name : names)
      list += list.empty() ? std::string{name} : ", " + std::string{name};
    return fail(scenario_errc::missing_key, where,
                fmt::format("needs one of: {}", list));
  }
  return found;
}

result<action, scenario_error> read_partition(const json& v,
                                              const std::string& where) {
  if (auto ok = check_object(v, where, {"groups", "sizes", "ids"}); !ok)
    return ok.error();
  auto form = one_of(v, where, {"groups", "sizes", "ids"});
  if (!form)
    return form.error();
  partition_event p;
  auto path = member_path(where, *form);
  const auto& value = v[std::string{*form}];
  if (*form == "groups") {
    auto k = read_uint(value, path, 2, max_sim_nodes);
    if (!k)
      return k.error();
    p.groups = static_cast<uint32_t>(*k);
    return action{p};
  }
  if (!value.is_array())
    return fail(scenario_errc::bad_type, path,
                fmt::format("must be an array, not {}", value.type_name()));
  if (value.empty() || value.size() > max_sim_nodes)
    return fail(scenario_errc::out_of_range, path,
                fmt::format("must have 1 to {} groups", max_sim_nodes));
  std::size_t placed = 0;
  std::set<uint32_t> seen;
  for (std::size_t i = 0; i < value.size(); ++i) {
    auto entry = index_path(path, i);
    if (*form == "sizes") {
      auto n = read_uint(value[i], entry, 1, max_sim_nodes);
      if (!n)
        return n.error();
      placed += *n;
      p.sizes.push_back(static_cast<uint32_t>(*n));
    } else {
      auto ids = read_ids(value[i], entry, max_sim_nodes);
      if (!ids)
        return ids.error();
      for (auto id : *ids)
        if (!seen.insert(id).second)
          return fail(scenario_errc::bad_node, entry,
                      fmt::format("node {} is in two groups", id));
      placed += ids->size();
      p.ids.push_back(std::move(*ids));
    }
    if (placed > max_sim_nodes)
      return fail(scenario_errc::out_of_range, path,
                  fmt::format("places more than {} nodes", max_sim_nodes));
  }
  return action{p};
}

result<node_selection, scenario_error>
read_selection(const json& v, const std::string& where) {
  if (auto ok = check_object(v, where, {"nodes", "ids"}); !ok)
    return ok.error();
  auto form = one_of(v, where, {"nodes", "ids"});
  if (!form)
    return form.error();
  node_selection s;
  if (*form == "nodes") {
    auto n = read_uint(v["nodes"], member_path(where, "nodes"), 1,
                       max_sim_nodes - 1);
    if (!n)
      return n.error();
    s.count = static_cast<uint32_t>(*n);
  } else {
    auto ids = read_ids(v["ids"], member_path(where, "ids"), max_sim_nodes);
    if (!ids)
      return ids.error();
    s.ids = std::move(*ids);
  }
  return s;
}

result<action, scenario_error> read_add(const json& v,
                                        const std::string& where) {
  if (auto ok = check_object(v, where, {"nodes", "bootstrap"}); !ok)
    return ok.error();
  add_event a;
  if (v.contains("nodes")) {
    auto n = read_uint(v["nodes"], member_path(where, "nodes"), 1,
                       max_sim_nodes);
    if (!n)
      return n.error();
    a.nodes = static_cast<uint32_t>(*n);
  }
  if (v.contains("bootstrap")) {
    auto path = member_path(where, "bootstrap");
    const auto& b = v["bootstrap"];
    if (!b.is_string())
      return fail(scenario_errc::bad_type, path,
                  fmt::format("must be \"seed\" or \"random\", not {}",
                              b.type_name()));
    if (b == "seed")
      a.bootstrap = bootstrap_mode::seed;
    else if (b == "random")
      a.bootstrap = bootstrap_mode::random;
    else
      return fail(scenario_errc::bad_value, path,
                  "must be \"seed\" or \"random\"");
  }
  return action{a};
}

} // namespace

result<event, scenario_error> read_event(const json& v, std::size_t index,
                                         microseconds duration,
                                         event_totals& sum) {
  auto where = index_path("events", index);
  if (auto ok = check_object(v, where,
                             {"at", "publish", "generate", "partition", "heal",
                              "stop", "start", "add"});
      !ok)
    return ok.error();
  if (!v.contains("at"))
    return fail(scenario_errc::missing_key, member_path(where, "at"),
                "missing: every event needs a time");
  auto at = read_duration(v["at"], member_path(where, "at"),
                          max_scenario_duration);
  if (!at)
    return at.error();
  if (*at > duration)
    return fail(scenario_errc::past_duration, member_path(where, "at"),
                fmt::format("{} is after the duration {}", format_duration(*at),
                            format_duration(duration)));
  auto key = one_of(v, where,
                    {"publish", "generate", "partition", "heal", "stop",
                     "start", "add"});
  if (!key)
    return key.error();
  auto path = member_path(where, *key);
  const auto& body = v[std::string{*key}];
  event ev;
  ev.at = *at;
  ev.index = index;
  result<action, scenario_error> what = action{heal_event{}};
  if (*key == "publish") {
    what = read_publish(body, path, *at, duration, sum);
  } else if (*key == "generate") {
    what = read_generate(body, path, *at, duration, sum);
  } else if (*key == "partition") {
    what = read_partition(body, path);
  } else if (*key == "heal") {
    if (auto ok = check_object(body, path, {}); !ok)
      return ok.error();
  } else if (*key == "stop" || *key == "start") {
    auto nodes = read_selection(body, path);
    if (!nodes)
      return nodes.error();
    if (*key == "stop")
      what = action{stop_event{std::move(*nodes)}};
    else
      what = action{start_event{std::move(*nodes)}};
  } else {
    what = read_add(body, path);
  }
  if (!what)
    return what.error();
  ev.what = std::move(*what);
  return ev;
}

} // namespace timecoin::sim::detail
