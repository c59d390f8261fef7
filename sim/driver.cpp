#include "sim/driver.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <unordered_map>
#include <variant>

#include <fmt/format.h>

#include "sim/duration.hpp"
#include "sim/partition.hpp"
#include "sim/paths.hpp"
#include "sim/process.hpp"
#include "sim/random.hpp"
#include "sim/topology.hpp"

namespace timecoin::sim {

namespace {

using std::chrono::microseconds;
using std::chrono::nanoseconds;

constexpr double never = std::numeric_limits<double>::quiet_NaN();

/// Random streams of one run, each from the run's seed.
enum stream : uint64_t {
  stream_topology = 1,
  stream_choices = 2,
  stream_partition = 3,
};

double seconds(nanoseconds d) {
  return std::chrono::duration<double>(d).count();
}

/// One thing to do at one time: an event, or one message or block of it.
struct step {
  microseconds at{0};
  const event* ev = nullptr;
};

/// The scenario's events with every message and block at its own time, in
/// time order (the file's order for equal times).
std::vector<step> timeline(const scenario& sc) {
  std::vector<step> out;
  for (const auto& ev : sc.events) {
    if (auto* p = std::get_if<publish_event>(&ev.what)) {
      for (uint32_t k = 0; k < p->count; ++k)
        out.push_back({ev.at + k * p->interval, &ev});
    } else if (auto* g = std::get_if<generate_event>(&ev.what)) {
      for (uint32_t k = 0; k < g->blocks; ++k)
        out.push_back({ev.at + k * g->interval, &ev});
    } else {
      out.push_back({ev.at, &ev});
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const step& a, const step& b) { return a.at < b.at; });
  return out;
}

/// A message's payload: its id (8 bytes, little endian), then filler.
std::vector<uint8_t> payload_of(uint64_t id, uint32_t bytes) {
  std::vector<uint8_t> out(std::max<uint32_t>(bytes, 8));
  for (int i = 0; i < 8; ++i)
    out[i] = static_cast<uint8_t>(id >> (8 * i));
  for (std::size_t i = 8; i < out.size(); ++i)
    out[i] = static_cast<uint8_t>(id * 131 + i);
  return out;
}

uint64_t id_of(const std::vector<uint8_t>& payload) {
  uint64_t id = 0;
  for (int i = 0; i < 8 && i < static_cast<int>(payload.size()); ++i)
    id |= uint64_t{payload[i]} << (8 * i);
  return id;
}

double metric(const metrics_snapshot& m, const std::string& name,
              const std::string& label = {}, const std::string& value = {}) {
  double sum = 0;
  for (const auto& s : m) {
    if (s.name != name)
      continue;
    if (!label.empty()) {
      auto match = std::any_of(s.labels.begin(), s.labels.end(),
                               [&](const auto& kv) {
                                 return kv.first == label && kv.second == value;
                               });
      if (!match)
        continue;
    }
    sum += s.value;
  }
  return sum;
}

class runner {
public:
  runner(const run_options& o, const scenario& sc, topology topo)
    : o_(o),
      sc_(sc),
      topo_(std::move(topo)),
      choices_(derive_seed(o.seed, stream_choices)),
      net_(sim_opts(o)) {}

  run_record run() {
    auto wall = std::chrono::steady_clock::now();
    rec_.mode = o_.mode == clock_mode::virtual_time ? "virtual" : "real";
    rec_.seed = o_.seed;
    rec_.scenario = to_json(sc_);
    build();
    for (const auto& ev : sc_.events)
      if (auto* p = std::get_if<publish_event>(&ev.what))
        watch_kind(p->kind);
    t0_ = net_.now();
    say(fmt::format("connected: {} nodes, {} links, in {:.3f} s of network "
                    "time",
                    net_.size(), topo_.links().size(), seconds(t0_)));
    for (const auto& s : timeline(sc_)) {
      advance_to(s.at);
      apply(s);
    }
    advance_to(sc_.duration);
    // Messages still under way when the run ends count as missed.
    collect_counters();
    rec_.nodes = net_.size();
    rec_.wall_s = seconds(std::chrono::steady_clock::now() - wall);
    rec_.peak_rss_bytes = peak_rss_bytes();
    return std::move(rec_);
  }

private:
  static sim_options sim_opts(const run_options& o) {
    sim_options s;
    s.mode = o.mode;
    s.link.latency = o.latency;
    s.link.bits_per_second = o.bandwidth_bps;
    s.seed = o.seed;
    s.tls = o.tls;
    s.log_level = o.log_level;
    return s;
  }

  void say(const std::string& line) {
    if (o_.progress)
      o_.progress(line);
  }

  node_config base_config() const {
    node_config cfg;
    cfg.gossip_fanout = o_.gossip_fanout;
    // Only the links the topology says: no automatic outbound connections
    // (they would make paths the lower bound does not know).
    cfg.connect_only = true;
    // Real time: every node is on 127.0.0.1.
    cfg.maxconnectionsperip = 4 * o_.degree + 16;
    cfg.maxconnections = std::max<uint32_t>(125, 4 * o_.degree + 16);
    return cfg;
  }

  void build() {
    for (std::size_t i = 0; i < topo_.node_count(); ++i) {
      add(base_config());
      if (i % 100 == 99)
        say(fmt::format("started {} nodes", i + 1));
    }
    for (const auto& l : topo_.links()) {
      // Real time: every link has `o_.latency` already (no jitter there).
      if (o_.mode == clock_mode::virtual_time)
        net_.set_link(
          l.a, l.b, link_params{l.latency, microseconds{0}, o_.bandwidth_bps});
      latency_[key(l.a, l.b)] = l.latency;
    }
    for (const auto& l : topo_.links())
      net_.connect(l.a, l.b);
    bool ok = net_.run_until(
      [&] {
        for (uint32_t i = 0; i < topo_.node_count(); ++i)
          if (net_.node(i).connected_count() < topo_.degree(i))
            return false;
        return true;
      },
      o_.connect_limit, std::chrono::milliseconds{100});
    if (!ok)
      throw std::runtime_error(
        "the nodes did not all connect within the connect limit");
  }

  std::size_t add(node_config cfg) {
    auto i = net_.add_node(std::move(cfg));
    ids_[net_.node(i).node_id()] = static_cast<uint32_t>(i);
    alive_.push_back(true);
    return i;
  }

  static uint64_t key(uint32_t a, uint32_t b) {
    if (a > b)
      std::swap(a, b);
    return (uint64_t{a} << 32) | b;
  }

  void watch_kind(uint16_t kind) {
    if (!watched_.insert(kind).second)
      return;
    net_.watch(kind, [this](const delivery& d) {
      auto i = index_.find(id_of(d.msg.payload));
      if (i == index_.end())
        return;
      auto& m = rec_.messages[i->second];
      if (d.node >= m.first_delivery_s.size())
        m.first_delivery_s.resize(d.node + 1, never);
      if (std::isnan(m.first_delivery_s[d.node]))
        m.first_delivery_s[d.node] = seconds(d.at);
    });
  }

  /// Runs the network to `at` after the scenario's start, checking block
  /// and heal convergence on the way.
  void advance_to(microseconds at) {
    auto target = t0_ + nanoseconds{at};
    while (net_.now() < target) {
      if (!polling()) {
        net_.run_for(target - net_.now());
        break;
      }
      net_.run_for(std::min<nanoseconds>(o_.poll_step, target - net_.now()));
      poll();
    }
  }

  bool polling() const { return !open_blocks_.empty() || open_heal_; }

  /// The actual links now (what the nodes are connected to), with the
  /// latency of each: the topology the lower bound is taken over.
  topology actual_links() const {
    topology g{net_.size()};
    for (uint32_t i = 0; i < net_.size(); ++i) {
      if (!alive_[i])
        continue;
      for (const auto& id : net_.node(i).connected_peers()) {
        auto j = ids_.find(id);
        if (j == ids_.end() || j->second <= i)
          continue;
        auto l = latency_.find(key(i, j->second));
        g.add_link(i, j->second, l == latency_.end() ? o_.latency : l->second);
      }
    }
    return g;
  }

  network_state state() const {
    network_state s;
    s.alive = alive_;
    s.group = groups_;
    return s;
  }

  std::vector<uint32_t> live_nodes(bool producer) const {
    std::vector<uint32_t> out;
    for (uint32_t i = 0; i < alive_.size(); ++i)
      if (alive_[i] && (producer || i != 0))
        out.push_back(i);
    return out;
  }

  void apply(const step& s) {
    std::visit([&](const auto& a) { apply(a, *s.ev); }, s.ev->what);
  }

  void apply(const publish_event& p, const event&) {
    uint32_t origin = 0;
    if (p.from) {
      origin = *p.from;
    } else {
      auto live = live_nodes(true);
      if (live.empty())
        return;
      origin = live[choices_.below(live.size())];
    }
    if (origin >= net_.size() || !alive_[origin])
      return;
    message_trace m;
    m.id = rec_.messages.size() + 1;
    m.origin = origin;
    m.published_s = seconds(net_.now() - t0_);
    m.live = alive_;
    m.first_delivery_s.assign(net_.size(), never);
    auto paths = shortest_paths(actual_links(), origin, state(),
                                transmission_time(p.bytes, o_.bandwidth_bps));
    m.bound_s = delay_seconds(paths);
    index_[m.id] = rec_.messages.size();
    rec_.messages.push_back(std::move(m));
    // Deliveries are recorded against the run's start; made relative to
    // the scenario's start below, in `collect_counters`.
    if (!net_.publish(origin, p.kind,
                      payload_of(rec_.messages.back().id, p.bytes)))
      say(fmt::format("node {} refused to publish message {}", origin,
                      rec_.messages.back().id));
  }

  void apply(const generate_event&, const event&) {
    if (!alive_[0])
      return;
    auto hashes = net_.generate(0, 1);
    if (hashes.empty())
      return;
    auto tip = net_.chain(0);
    block_trace b;
    b.height = tip.blocks;
    b.producer = 0;
    b.generated_s = seconds(net_.now() - t0_);
    b.live = alive_;
    b.reached_s.assign(net_.size(), never);
    b.reached_s[0] = b.generated_s;
    block_hashes_.push_back(hashes.front());
    open_blocks_.push_back(rec_.blocks.size());
    rec_.blocks.push_back(std::move(b));
  }

  void apply(const partition_event& p, const event& ev) {
    auto groups = make_partition(
      net_.size(), p, derive_seed(o_.seed, stream_partition + ev.index));
    if (!groups) {
      say("partition refused: " + groups.error().message);
      return;
    }
    groups_ = *groups;
    std::vector<int> g(groups_.begin(), groups_.end());
    net_.partition(g);
    say(fmt::format("{:.3f} s: partition into {} groups", now_s(),
                    1 + *std::max_element(groups_.begin(), groups_.end())));
  }

  void apply(const heal_event&, const event&) {
    if (groups_.empty())
      return;
    groups_.clear();
    net_.heal();
    heal_trace h;
    h.healed_s = now_s();
    h.converged_s = never;
    rec_.heals.push_back(h);
    open_heal_ = true;
    say(fmt::format("{:.3f} s: heal", now_s()));
  }

  void apply(const stop_event& s, const event&) {
    auto chosen = s.nodes.ids;
    if (chosen.empty())
      chosen = choices_.sample(live_nodes(false), s.nodes.count);
    for (auto i : chosen)
      if (i < net_.size() && alive_[i]) {
        net_.stop(i);
        alive_[i] = false;
      }
  }

  void apply(const start_event& s, const event&) {
    auto chosen = s.nodes.ids;
    if (chosen.empty()) {
      std::vector<uint32_t> stopped;
      for (uint32_t i = 0; i < alive_.size(); ++i)
        if (!alive_[i])
          stopped.push_back(i);
      chosen = choices_.sample(stopped, s.nodes.count);
    }
    for (auto i : chosen)
      if (i < net_.size() && !alive_[i]) {
        net_.start(i);
        alive_[i] = true;
      }
  }

  void apply(const add_event& a, const event&) {
    for (uint32_t k = 0; k < a.nodes; ++k) {
      auto cfg = base_config();
      std::vector<uint32_t> peers;
      if (a.bootstrap == bootstrap_mode::seed) {
        // Knows the seed only, and finds the rest (discovery).
        cfg.connect_only = false;
        cfg.maxoutbound = o_.degree;
        cfg.seednode.push_back(net_.address(0));
      } else {
        peers = choices_.sample(live_nodes(true), o_.degree);
      }
      auto i = add(std::move(cfg));
      for (auto p : peers)
        net_.connect(i, p);
    }
  }

  double now_s() const { return seconds(net_.now() - t0_); }

  /// Checks which nodes have the open blocks, and whether a heal converged.
  void poll() {
    auto producer = net_.chain(0);
    std::vector<std::optional<chain_info>> tips(net_.size());
    auto tip_of = [&](uint32_t i) -> const chain_info& {
      if (!tips[i])
        tips[i] = i == 0 ? producer : net_.chain(i);
      return *tips[i];
    };
    auto now = now_s();
    for (auto it = open_blocks_.begin(); it != open_blocks_.end();) {
      auto& b = rec_.blocks[*it];
      const auto& hash = block_hashes_[*it];
      bool done = true;
      for (uint32_t i = 0; i < b.live.size(); ++i) {
        if (!b.live[i] || !alive_[i] || !std::isnan(b.reached_s[i]))
          continue;
        const auto& t = tip_of(i);
        if (t.best_hash == hash || t.blocks > b.height)
          b.reached_s[i] = now;
        else
          done = false;
      }
      it = done ? open_blocks_.erase(it) : it + 1;
    }
    if (open_heal_) {
      bool same = true;
      for (uint32_t i = 0; i < net_.size() && same; ++i)
        if (alive_[i])
          same = tip_of(i).best_hash == producer.best_hash
                 && tip_of(i).utxo_root == producer.utxo_root;
      if (same) {
        rec_.heals.back().converged_s = now;
        open_heal_ = false;
      }
    }
  }

  void collect_counters() {
    for (auto& m : rec_.messages)
      for (auto& t : m.first_delivery_s)
        if (!std::isnan(t))
          t -= seconds(t0_);
    rec_.counters.assign(net_.size(), node_counters{});
    for (uint32_t i = 0; i < net_.size(); ++i) {
      if (!alive_[i])
        continue;
      auto m = net_.metrics(i);
      auto& c = rec_.counters[i];
      c.bytes_in = static_cast<uint64_t>(
        metric(m, "timecoin_traffic_bytes_total", "direction", "in"));
      c.bytes_out = static_cast<uint64_t>(
        metric(m, "timecoin_traffic_bytes_total", "direction", "out"));
      c.msgs_in = static_cast<uint64_t>(
        metric(m, "timecoin_traffic_messages_total", "direction", "in"));
      c.msgs_out = static_cast<uint64_t>(
        metric(m, "timecoin_traffic_messages_total", "direction", "out"));
      c.duplicates = static_cast<uint64_t>(
        metric(m, "timecoin_gossip_received_total", "result", "duplicate"));
    }
  }

  const run_options& o_;
  const scenario& sc_;
  topology topo_;
  rng choices_;
  simulation net_;
  run_record rec_;
  nanoseconds t0_{0};
  std::vector<bool> alive_;
  group_map groups_;
  std::unordered_map<std::string, uint32_t> ids_;
  std::unordered_map<uint64_t, microseconds> latency_;
  std::unordered_map<uint64_t, std::size_t> index_;
  std::set<uint16_t> watched_;
  std::vector<std::string> block_hashes_;
  std::vector<std::size_t> open_blocks_;
  bool open_heal_ = false;
};

/// Why real time cannot play `sc`: partitions need the simulated network.
std::optional<std::string> real_time_refusal(const scenario& sc) {
  for (const auto& ev : sc.events)
    if (std::holds_alternative<partition_event>(ev.what)
        || std::holds_alternative<heal_event>(ev.what))
      return std::string{"real time has no partitions: the scenario "
                         "partitions the network (run it in virtual time)"};
  return std::nullopt;
}

/// Real time has one latency for every link (the nodes' `send_delay`): the
/// topology is made without jitter, so that the lower bound takes the
/// latency the nodes apply, and without a bandwidth limit, which real time
/// does not model. Says so if the options asked for either.
void real_time_links(run_options& o) {
  auto say = [&](const std::string& line) {
    if (o.progress)
      o.progress(line);
  };
  if (o.jitter.count() != 0) {
    say(fmt::format("real time: every link has the latency {}, the jitter "
                    "{} is not applied",
                    format_duration(o.latency), format_duration(o.jitter)));
    o.jitter = microseconds{0};
  }
  if (o.bandwidth_bps != 0) {
    say(fmt::format("real time: no bandwidth limit, the {} asked for is "
                    "not applied",
                    format_bandwidth(o.bandwidth_bps)));
    o.bandwidth_bps = 0;
  }
}

} // namespace

result<run_record, run_error> run_scenario(const run_options& opts,
                                           const scenario& sc) {
  run_options o = opts;
  const auto& n = sc.network;
  if (n.nodes)
    o.nodes = *n.nodes;
  if (n.degree)
    o.degree = *n.degree;
  if (n.latency)
    o.latency = *n.latency;
  if (n.jitter)
    o.jitter = *n.jitter;
  if (n.bandwidth_bps)
    o.bandwidth_bps = *n.bandwidth_bps;
  if (sc.seed)
    o.seed = *sc.seed;
  if (o.mode == clock_mode::real_time) {
    if (auto why = real_time_refusal(sc))
      return run_error{*why};
    real_time_links(o);
  }
  topology_params tp;
  tp.nodes = o.nodes;
  tp.degree = o.degree;
  tp.latency = o.latency;
  tp.jitter = o.jitter;
  tp.seed = derive_seed(o.seed, stream_topology);
  auto topo = make_topology(tp);
  if (!topo)
    return run_error{"topology: " + topo.error().message};
  try {
    runner r{o, sc, std::move(*topo)};
    return r.run();
  } catch (const std::exception& e) {
    return run_error{e.what()};
  }
}

} // namespace timecoin::sim
