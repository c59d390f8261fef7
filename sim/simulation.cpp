#include "sim/simulation.hpp"

#include <filesystem>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <unistd.h>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/io/network/test_multiplexer.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "actors/node_clock.hpp"
#include "actors/node_internal.hpp"

namespace timecoin::sim {

namespace {

/// Unix time at the start of every virtual-time run: fixed, so that the
/// same seed gives the same timestamps, signatures and report.
constexpr int64_t virtual_unix_start = 1'767'225'600; // 2026-01-01

/// Steps of virtual time `run_until` takes between checks at most, and
/// timers fired in one `run_for` at most before it gives up (a runaway).
constexpr uint64_t max_timer_steps = uint64_t{1} << 40;

/// An actor system for virtual time: the test coordinator and the test
/// multiplexer (no sockets, no threads of CAF's own).
struct virtual_config : caf::actor_system_config {
  virtual_config() {
    set("scheduler.policy", caf::atom("testing"));
    set("middleman.network-backend", caf::atom("testing"));
    set("middleman.manual-multiplexing", true);
    set("middleman.workers", size_t{0});
    load<caf::io::middleman, caf::io::network::test_multiplexer>();
  }
};

struct real_config : caf::actor_system_config {
  real_config() { configure_actor_system(*this); }
};

std::string virtual_host(std::size_t i) {
  // 10.0.0.0/8: private, so network groups are host:port and every node
  // is its own group, as the nodes of a real network mostly are.
  return "10." + std::to_string((i >> 16) & 0xff) + "."
         + std::to_string((i >> 8) & 0xff) + "." + std::to_string(i & 0xff);
}

} // namespace

struct simulation::impl {
  sim_options opts;
  std::unique_ptr<caf::actor_system_config> cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::scheduler::test_coordinator* sched = nullptr;
  std::chrono::steady_clock::time_point real_start;
  caf::actor_clock::time_point virtual_start;
  std::shared_ptr<const node_clock> clock;
  caf::actor network;
  std::unique_ptr<caf::scoped_actor> self;
  bool own_dir = false;
  std::shared_ptr<spdlog::logger> log;

  struct node_slot {
    node_config cfg;
    node_handle handle;
    bool alive = false;
    std::string address;
    std::vector<caf::actor> watchers;
  };
  std::vector<node_slot> nodes;

  std::mutex watch_mutex;
  std::map<uint16_t, std::vector<std::function<void(const delivery&)>>> watch;

  /// Timers of the nodes fired so far (see `simulation::timers_fired`).
  uint64_t node_timers = 0;

  bool virtual_time() const { return opts.mode == clock_mode::virtual_time; }

  std::chrono::nanoseconds now() const {
    if (virtual_time())
      return sched->clock().now() - virtual_start;
    return std::chrono::steady_clock::now() - real_start;
  }

  /// Refuses what only the simulated network can do.
  void need_virtual_time(const char* what) const {
    if (!virtual_time())
      throw std::logic_error(std::string{"simulation: "} + what
                             + " needs virtual time: real time has one "
                               "latency for every link");
  }

  /// Runs every job that is ready, without advancing time.
  void settle() {
    if (virtual_time())
      while (sched->run() > 0) {
      }
  }

  /// Fires the next timer of the schedule; counts it unless it is the
  /// simulated network delivering bytes.
  void fire_timer() {
    using clock_type = caf::detail::simple_actor_clock;
    auto& clk = sched->clock();
    const auto& ev = *clk.schedule().begin()->second;
    bool delivery = ev.subtype == clock_type::actor_msg_type
                    && static_cast<const clock_type::actor_msg&>(ev).receiver
                         == caf::actor_cast<caf::strong_actor_ptr>(network);
    if (!delivery)
      ++node_timers;
    clk.trigger_timeout();
  }

  /// Runs jobs and timers up to `end` of virtual time.
  void run_virtual_until(caf::actor_clock::time_point end) {
    auto& clk = sched->clock();
    for (uint64_t i = 0; i < max_timer_steps; ++i) {
      settle();
      const auto& schedule = clk.schedule();
      if (schedule.empty() || schedule.begin()->first > end)
        break;
      fire_timer();
    }
    if (clk.current_time < end)
      clk.current_time = end;
    settle();
  }

  /// Asks `dest` and waits for the answer (virtual time: runs the actors,
  /// and timers if they must fire for it, up to a minute of it).
  template <class T, class Dest, class... Ts>
  T ask(const Dest& dest, Ts&&... xs) {
    auto& s = *self;
    std::optional<T> result;
    std::string failure;
    auto hdl = s->request(dest, caf::infinite, std::forward<Ts>(xs)...);
    if (virtual_time()) {
      auto limit = sched->clock().now() + std::chrono::minutes{1};
      settle();
      while (s->mailbox().empty() && sched->clock().now() < limit
             && !sched->clock().schedule().empty()) {
        fire_timer();
        settle();
      }
      if (s->mailbox().empty())
        throw std::runtime_error("simulation: no answer within a minute");
    }
    hdl.receive([&](T& x) { result = std::move(x); },
                [&](caf::error& e) { failure = sys->render(e); });
    if (!result)
      throw std::runtime_error("simulation: " + failure);
    return std::move(*result);
  }

  void spawn(std::size_t i) {
    auto& n = nodes[i];
    node_options o;
    o.log = log->clone("node " + std::to_string(i));
    o.seed = opts.seed * 1'000'003 + i;
    o.chain_map_bytes = opts.chain_map_bytes;
    if (virtual_time()) {
      o.sim_network = network;
      o.clock = clock;
      o.scheduled_workers = true;
    } else {
      o.send_delay = opts.link.latency;
    }
    auto h = spawn_node(*sys, n.cfg, o);
    if (!h)
      throw std::runtime_error("simulation: node " + std::to_string(i) + ": "
                               + error_message(*sys, h.error()));
    n.handle = *h;
    n.alive = true;
    if (!virtual_time())
      n.address = "127.0.0.1:" + std::to_string(h->p2p_port());
    n.watchers.clear();
    std::lock_guard<std::mutex> guard{watch_mutex};
    for (auto& kv : watch)
      subscribe(i, kv.first);
    settle();
  }

  /// A watcher of `kind` at node `i`: every delivery to the callbacks.
  void subscribe(std::size_t i, uint16_t kind) {
    auto* me = this;
    auto w = sys->spawn(
      [me, i, kind](caf::event_based_actor*) -> caf::behavior {
        return {
          [me, i, kind](gossip_atom, gossip_message& m) {
            delivery d{i, std::move(m), me->now()};
            std::lock_guard<std::mutex> guard{me->watch_mutex};
            for (auto& f : me->watch[kind])
              f(d);
          },
        };
      });
    caf::anon_send(nodes[i].handle.actor(), subscribe_atom::value, kind, w);
    nodes[i].watchers.push_back(w);
  }

  /// Stops every node at once (their BYEs cross), and waits until all are
  /// down.
  void stop_all() {
    auto& s = *self;
    std::size_t waiting = 0;
    for (auto& n : nodes) {
      if (!n.alive)
        continue;
      n.alive = false;
      s->monitor(n.handle.actor());
      s->send(n.handle.actor(), stop_atom::value);
      for (auto& w : n.watchers)
        caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
      n.watchers.clear();
      ++waiting;
    }
    auto take_downs = [&] {
      while (waiting > 0 && !s->mailbox().empty())
        s->receive([&](caf::down_msg&) { --waiting; }, [](caf::message&) {});
    };
    if (virtual_time()) {
      for (uint64_t k = 0; k < max_timer_steps && waiting > 0; ++k) {
        settle();
        take_downs();
        if (waiting == 0 || sched->clock().schedule().empty())
          break;
        sched->clock().trigger_timeout();
      }
    } else {
      auto deadline = std::chrono::steady_clock::now()
                      + std::chrono::minutes{1};
      while (waiting > 0 && std::chrono::steady_clock::now() < deadline)
        s->receive([&](caf::down_msg&) { --waiting; }, [](caf::message&) {},
                   caf::after(std::chrono::seconds{1}) >> [] {});
    }
    take_downs();
    if (waiting > 0)
      throw std::runtime_error("simulation: " + std::to_string(waiting)
                               + " nodes did not stop");
  }

  void stop_node(std::size_t i) {
    auto& n = nodes[i];
    if (!n.alive)
      return;
    n.alive = false;
    auto& s = *self;
    s->monitor(n.handle.actor());
    s->send(n.handle.actor(), stop_atom::value);
    for (auto& w : n.watchers)
      caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
    n.watchers.clear();
    bool down = false;
    if (virtual_time()) {
      for (int k = 0; k < 100000 && !down; ++k) {
        settle();
        if (!s->mailbox().empty())
          s->receive([&](caf::down_msg&) { down = true; },
                     [&](caf::message&) {});
        else if (!sched->clock().schedule().empty())
          sched->clock().trigger_timeout();
        else
          break;
      }
    } else {
      s->receive([&](caf::down_msg&) { down = true; },
                 caf::after(std::chrono::seconds{30}) >> [] {});
    }
    if (!down)
      throw std::runtime_error("simulation: node " + std::to_string(i)
                               + " did not stop");
  }
};

simulation::simulation(sim_options opts) : impl_(std::make_unique<impl>()) {
  auto& d = *impl_;
  d.opts = std::move(opts);
  if (!d.virtual_time()
      && (d.opts.link.jitter.count() != 0 || d.opts.link.bits_per_second != 0))
    throw std::invalid_argument("simulation: real time has one latency for "
                                "every link: no jitter, no bandwidth limit");
  if (d.opts.dir.empty()) {
    d.opts.dir = (std::filesystem::temp_directory_path()
                  / ("timecoin-sim-" + std::to_string(::getpid()) + "-"
                     + std::to_string(reinterpret_cast<uintptr_t>(this))))
                   .string();
    d.own_dir = true;
  }
  std::filesystem::remove_all(d.opts.dir);
  std::filesystem::create_directories(d.opts.dir);
  if (d.opts.log_level == "off") {
    d.log = std::make_shared<spdlog::logger>(
      "sim", std::make_shared<spdlog::sinks::null_sink_mt>());
  } else {
    d.log = std::make_shared<spdlog::logger>(
      "sim", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
    d.log->set_level(spdlog::level::from_str(d.opts.log_level));
  }
  if (d.virtual_time()) {
    d.cfg = std::make_unique<virtual_config>();
    d.sys = std::make_unique<caf::actor_system>(*d.cfg);
    d.sched = &dynamic_cast<caf::scheduler::test_coordinator&>(
      d.sys->scheduler());
    d.virtual_start = d.sched->clock().now();
    d.clock = actor_system_clock(*d.sys, virtual_unix_start);
    d.network = spawn_sim_network(*d.sys, d.opts.link, d.opts.seed);
  } else {
    d.cfg = std::make_unique<real_config>();
    d.sys = std::make_unique<caf::actor_system>(*d.cfg);
    d.real_start = std::chrono::steady_clock::now();
  }
  d.self = std::make_unique<caf::scoped_actor>(*d.sys);
}

simulation::~simulation() {
  auto& d = *impl_;
  try {
    d.stop_all();
  } catch (const std::exception& e) {
    d.log->warn("{}", e.what());
  }
  if (d.network)
    caf::anon_send_exit(d.network, caf::exit_reason::user_shutdown);
  if (d.virtual_time()) {
    // Every timer still pending fires (its message reaches a dead actor and
    // is dropped), so that none outlives the system holding its actor.
    auto& clk = d.sched->clock();
    for (uint64_t k = 0; k < max_timer_steps && !clk.schedule().empty(); ++k) {
      d.settle();
      clk.trigger_timeout();
    }
    d.settle();
  }
  d.self.reset();
  d.network = nullptr;
  d.sys.reset();
  if (d.own_dir) {
    std::error_code ec;
    std::filesystem::remove_all(d.opts.dir, ec);
  }
}

std::size_t simulation::add_node(node_config cfg) {
  auto& d = *impl_;
  auto i = d.nodes.size();
  d.nodes.emplace_back();
  auto& n = d.nodes.back();
  cfg.datadir = d.opts.dir + "/node" + std::to_string(i);
  cfg.tls = d.opts.tls;
  if (d.virtual_time()) {
    cfg.bind = virtual_host(i);
    n.address = cfg.bind + ":" + std::to_string(cfg.p2p_port());
  } else {
    cfg.bind = "127.0.0.1";
    cfg.port = d.opts.first_port == 0
                 ? 0
                 : static_cast<uint16_t>(d.opts.first_port + i);
    cfg.port_set = true;
  }
  n.cfg = std::move(cfg);
  d.spawn(i);
  return i;
}

std::size_t simulation::size() const {
  return impl_->nodes.size();
}

std::string simulation::address(std::size_t i) const {
  return impl_->nodes.at(i).address;
}

const node_handle& simulation::node(std::size_t i) const {
  return impl_->nodes.at(i).handle;
}

bool simulation::alive(std::size_t i) const {
  return impl_->nodes.at(i).alive;
}

void simulation::connect(std::size_t from, std::size_t to) {
  auto& d = *impl_;
  auto& n = d.nodes.at(from);
  auto target = address(to);
  // Kept for restarts: a stopped node dials its peers again.
  n.cfg.addnode.push_back(target);
  if (n.alive)
    caf::anon_send(n.handle.actor(), addnode_atom::value, target,
                   static_cast<uint8_t>(addnode_mode::add));
  d.settle();
}

void simulation::set_link(std::size_t a, std::size_t b, link_params p) {
  auto& d = *impl_;
  d.need_virtual_time("set_link");
  caf::anon_send(d.network, sim_params_atom::value, address(a), address(b),
                 static_cast<int64_t>(p.latency.count()),
                 static_cast<int64_t>(p.jitter.count()), p.bits_per_second);
  d.settle();
}

void simulation::partition(const std::vector<int>& group) {
  auto& d = *impl_;
  d.need_virtual_time("partition");
  std::map<std::string, int> groups;
  for (std::size_t i = 0; i < group.size() && i < d.nodes.size(); ++i)
    groups[address(i)] = group[i];
  caf::anon_send(d.network, sim_part_atom::value, std::move(groups));
  d.settle();
}

void simulation::heal() {
  auto& d = *impl_;
  d.need_virtual_time("heal");
  caf::anon_send(d.network, sim_heal_atom::value);
  d.settle();
}

void simulation::stop(std::size_t i) {
  impl_->stop_node(i);
}

void simulation::start(std::size_t i) {
  auto& d = *impl_;
  if (d.nodes.at(i).alive)
    return;
  d.spawn(i);
}

bool simulation::publish(std::size_t i, uint16_t kind,
                         std::vector<uint8_t> payload) {
  auto& d = *impl_;
  auto& n = d.nodes.at(i);
  if (!n.alive)
    return false;
  return d.ask<bool>(n.handle.actor(), publish_atom::value, kind,
                     std::move(payload));
}

void simulation::watch(uint16_t kind, std::function<void(const delivery&)> f) {
  auto& d = *impl_;
  bool fresh = false;
  {
    std::lock_guard<std::mutex> guard{d.watch_mutex};
    fresh = d.watch.count(kind) == 0;
    d.watch[kind].push_back(std::move(f));
  }
  if (fresh)
    for (std::size_t i = 0; i < d.nodes.size(); ++i)
      if (d.nodes[i].alive)
        d.subscribe(i, kind);
  d.settle();
}

std::vector<std::string> simulation::generate(std::size_t i, uint32_t n) {
  auto& d = *impl_;
  return d.ask<std::vector<std::string>>(d.nodes.at(i).handle.actor(),
                                         generate_atom::value, n, uint32_t{0});
}

void simulation::run_for(std::chrono::nanoseconds dur) {
  auto& d = *impl_;
  if (d.virtual_time()) {
    d.run_virtual_until(d.sched->clock().now() + dur);
    return;
  }
  std::this_thread::sleep_for(dur);
}

bool simulation::run_until(const std::function<bool()>& cond,
                           std::chrono::nanoseconds limit,
                           std::chrono::nanoseconds step) {
  auto& d = *impl_;
  auto end = now() + limit;
  d.settle();
  while (!cond()) {
    if (now() >= end)
      return false;
    if (d.virtual_time()) {
      auto& clk = d.sched->clock();
      // To the next timer, or a step, whichever comes first: nothing
      // changes in between.
      auto next = clk.now() + step;
      if (!clk.schedule().empty())
        next = std::min(next, clk.schedule().begin()->first);
      next = std::min(next, d.virtual_start + end);
      d.run_virtual_until(std::max(next, clk.now()));
    } else {
      std::this_thread::sleep_for(std::min<std::chrono::nanoseconds>(
        step, std::chrono::milliseconds{10}));
    }
  }
  return true;
}

std::chrono::nanoseconds simulation::now() const {
  return impl_->now();
}

std::vector<peer_info> simulation::peers(std::size_t i) {
  auto& d = *impl_;
  return d.ask<std::vector<peer_info>>(d.nodes.at(i).handle.actor(),
                                       peers_atom::value);
}

chain_info simulation::chain(std::size_t i) {
  auto& d = *impl_;
  return d.ask<chain_info>(d.nodes.at(i).handle.actor(), chaininfo_atom::value);
}

metrics_snapshot simulation::metrics(std::size_t i) {
  auto& d = *impl_;
  return d.ask<metrics_snapshot>(d.nodes.at(i).handle.actor(),
                                 metrics_atom::value);
}

sim_network_stats simulation::network_stats() {
  auto& d = *impl_;
  if (!d.network)
    return {};
  return d.ask<sim_network_stats>(d.network, sim_stats_atom::value);
}

uint64_t simulation::timers_fired() const {
  return impl_->node_timers;
}

const sim_options& simulation::options() const {
  return impl_->opts;
}

} // namespace timecoin::sim
