#pragma once

// Many nodes in one process, for testers: on a simulated network in virtual
// time (deterministic for a seed: CAF's test coordinator runs every actor
// on one thread and jumps from one timer to the next), or over real
// loopback sockets in real time, to check what the simulation says.
//
//   timecoin::sim::sim_options opts;
//   opts.link.latency = std::chrono::milliseconds{50};
//   timecoin::sim::simulation net{opts};
//   auto a = net.add_node();
//   auto b = net.add_node();
//   net.connect(a, b);
//   net.run_for(std::chrono::seconds{1});
//   net.publish(a, 1024, {1, 2, 3});
//   net.run_for(std::chrono::seconds{1});

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "actors/node.hpp"
#include "actors/sim_network.hpp"
#include "config/node_config.hpp"

namespace timecoin::sim {

/// How a simulation keeps time and carries bytes.
enum class clock_mode : uint8_t {
  /// Simulated links, CAF's virtual time: deterministic, as fast as the
  /// CPU allows.
  virtual_time,
  /// Real TLS sockets on 127.0.0.1, the wall clock: what the simulation
  /// leaves out (TLS records, signature checks, scheduling on real threads)
  /// shows. One latency for every link, `link.latency`, added by holding
  /// each write that long in the sender (`node_options::send_delay`); no
  /// jitter, no bandwidth limit, no partitions.
  real_time,
};

/// What a simulation is, fixed at construction.
struct sim_options {
  clock_mode mode = clock_mode::virtual_time;
  /// Every link's parameters, unless `set_link` says otherwise. Real time
  /// takes the latency only: a jitter or bandwidth there is refused
  /// (`std::invalid_argument` from the constructor).
  link_params link;
  /// Node keys, jitter, and every random choice of the nodes.
  uint64_t seed = 1;
  /// TLS on every connection (as in production).
  bool tls = true;
  /// Where the nodes keep their data; empty: a fresh temporary directory,
  /// removed at the end.
  std::string dir;
  /// Each node's chain store map (LMDB): small, since a thousand share one
  /// address space.
  std::size_t chain_map_bytes = std::size_t{64} << 20;
  /// Log level of the nodes ("off", "warn", "info", "debug").
  std::string log_level = "off";
  /// The first P2P port in real-time mode (nodes take the next ones).
  uint16_t first_port = 0;
};

/// A gossip message as a node received it, and when (since the start).
struct delivery {
  std::size_t node = 0;
  gossip_message msg;
  std::chrono::nanoseconds at{0};
};

/// A cluster of nodes under one clock.
class simulation {
public:
  explicit simulation(sim_options opts);
  ~simulation();
  simulation(const simulation&) = delete;
  simulation& operator=(const simulation&) = delete;

  /// Adds and starts a node. `cfg` as time.conf would give it; the network
  /// (devnet by default), its address, data directory and port are set
  /// here. Returns its index.
  std::size_t add_node(node_config cfg = {});
  /// Nodes added so far.
  std::size_t size() const;
  /// Where node `i` is reached ("10.0.0.7:24100", or "127.0.0.1:port").
  std::string address(std::size_t i) const;
  /// Node `i`'s handle (its typed actor, connection table, id).
  const node_handle& node(std::size_t i) const;
  /// Whether node `i` runs.
  bool alive(std::size_t i) const;

  /// `from` dials `to` and keeps the connection (`addnode`).
  void connect(std::size_t from, std::size_t to);
  /// The link between `a` and `b` from now on. Virtual time only: real
  /// time throws `std::logic_error` (its links all have `link.latency`).
  void set_link(std::size_t a, std::size_t b, link_params p);
  /// Cuts the links between nodes of different groups (`group[i]` for node
  /// i; missing: group 0) until `heal`. Virtual time only: real time
  /// throws `std::logic_error`, as `heal` does.
  void partition(const std::vector<int>& group);
  void heal();
  /// Stops node `i` (BYE to its peers); `start` runs it again, with the
  /// same data, key and peers.
  void stop(std::size_t i);
  void start(std::size_t i);

  /// Node `i` signs and gossips `payload` as `kind`.
  bool publish(std::size_t i, uint16_t kind, std::vector<uint8_t> payload);
  /// Every delivery of `kind` at every node (present and future) goes to
  /// `f`, as it happens.
  void watch(uint16_t kind, std::function<void(const delivery&)> f);
  /// Node `i` makes `n` blocks (devnet); their hashes.
  std::vector<std::string> generate(std::size_t i, uint32_t n);

  /// Runs the nodes for `d` of the simulation's time.
  void run_for(std::chrono::nanoseconds d);
  /// Runs until `cond` holds (checked after every step of at most `step`)
  /// or `limit` passed; whether it holds.
  bool run_until(const std::function<bool()>& cond,
                 std::chrono::nanoseconds limit,
                 std::chrono::nanoseconds step = std::chrono::milliseconds{1});
  /// Time since the simulation started.
  std::chrono::nanoseconds now() const;

  /// Node `i`'s peers, chain and metrics (as the RPCs show them).
  std::vector<peer_info> peers(std::size_t i);
  chain_info chain(std::size_t i);
  metrics_snapshot metrics(std::size_t i);
  /// What the simulated network carried (zeros in real time).
  sim_network_stats network_stats();

  /// Timers of the nodes that fired so far in virtual time (a PING tick, a
  /// retry, a request's deadline); the simulated network delivering bytes
  /// is not counted. Zero in real time.
  uint64_t timers_fired() const;

  const sim_options& options() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace timecoin::sim
