#pragma once

// Several nodes in one actor system over real loopback sockets, and polling
// helpers (no sleeps: conditions are polled until a deadline).

#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "actors/node.hpp"
#include "actors/node_internal.hpp"

namespace timecoin::test {

using namespace std::chrono_literals;

/// A gossip kind free for applications (docs/PROTOCOL.md, "Gossip"): the
/// node checks only its size and delivers it as bytes.
constexpr uint16_t app_kind = 1024;

/// Polls `cond` until it holds or `limit` passes.
inline bool eventually(const std::function<bool()>& cond,
                       std::chrono::milliseconds limit = 20s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond())
      return true;
    std::this_thread::yield();
  }
  return cond();
}

/// True if `cond` holds throughout `window` (checked continuously).
inline bool throughout(const std::function<bool()>& cond,
                       std::chrono::milliseconds window) {
  auto end = std::chrono::steady_clock::now() + window;
  while (std::chrono::steady_clock::now() < end)
    if (!cond())
      return false;
  return true;
}

inline std::string dir_of(const std::string& name) {
  return (std::filesystem::temp_directory_path()
          / ("timecoin-it-" + name + "-" + std::to_string(::getpid())))
    .string();
}

inline std::string fresh_dir(const std::string& name) {
  auto dir = dir_of(name);
  std::filesystem::remove_all(dir);
  return dir;
}

/// A node of a local cluster: its own fresh data directory, any free port,
/// and, since every node is at 127.0.0.1, limits per address that allow the
/// whole cluster (docs/OPERATIONS.md, "A local cluster on one host").
inline node_config local_cluster_node(const std::string& name) {
  node_config c;
  c.datadir = fresh_dir(name);
  c.port = 0;
  c.port_set = true;
  c.maxconnectionsperip = 64;
  return c;
}

struct cluster {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::vector<node_handle> nodes;
  /// Nodes make automatic outbound connections (discovery tests).
  bool discovery = false;

  cluster() {
    timecoin::configure_actor_system(cfg);
    cfg.set("scheduler.max-threads", 2);
    sys = std::make_unique<caf::actor_system>(cfg);
  }

  ~cluster() {
    for (auto& n : nodes)
      stop(n);
  }

  node_handle start(const std::string& name, std::vector<std::string> addnode,
                    uint16_t port = 0) {
    node_config c;
    c.datadir = fresh_dir(name);
    c.port = port;
    c.port_set = true;
    c.addnode = std::move(addnode);
    return start_with(c);
  }

  /// Starts a node; `tamper`, if given, alters or swallows every chain
  /// answer it serves (a test double for a corrupt or silent source).
  node_handle start_with(const node_config& config,
                         std::function<bool(proto::message&)> tamper = {}) {
    auto c = config;
    // The suites that test other things keep the topology they configure:
    // no automatic outbound connections unless the test asks for discovery.
    if (!discovery)
      c.connect_only = true;
    node_options opts;
    opts.tamper_answers = std::move(tamper);
    // TIMECOIN_TEST_LOG=1 shows the nodes' debug logs on stderr.
    if (std::getenv("TIMECOIN_TEST_LOG") != nullptr) {
      opts.log = std::make_shared<spdlog::logger>(
        "node" + std::to_string(nodes.size()),
        std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
      opts.log->set_level(spdlog::level::debug);
    } else {
      opts.log = std::make_shared<spdlog::logger>(
        "test", std::make_shared<spdlog::sinks::null_sink_mt>());
    }
    auto h = spawn_node(*sys, c, opts);
    REQUIRE_MESSAGE(h, sys->render(h.error()));
    nodes.push_back(*h);
    return *h;
  }

  /// Stops `n` and waits until its actor is gone.
  void stop(node_handle& n) {
    if (!n.actor())
      return;
    caf::scoped_actor self{*sys};
    self->monitor(n.actor());
    self->send(n.actor(), stop_atom::value);
    bool down = false;
    self->receive([&](caf::down_msg&) { down = true; },
                  caf::after(std::chrono::seconds(10)) >> [] {});
    CHECK(down);
    n = node_handle{};
  }

  std::vector<added_node_info> added(const node_handle& n) {
    caf::scoped_actor self{*sys};
    std::vector<added_node_info> out;
    self->request(n.actor(), 5s, addednodes_atom::value)
      .receive([&](std::vector<added_node_info>& v) { out = std::move(v); },
               [](caf::error&) {});
    return out;
  }

  /// Every configured peer of `n` is connected, through its own dial or the
  /// other side's.
  bool dials_settled(const node_handle& n) {
    auto v = added(n);
    for (const auto& a : v)
      if (a.state != "connected")
        return false;
    return !v.empty();
  }

  std::vector<peer_info> peers(const node_handle& n) {
    caf::scoped_actor self{*sys};
    std::vector<peer_info> out;
    self->request(n.actor(), 5s, peers_atom::value)
      .receive([&](std::vector<peer_info>& v) { out = std::move(v); },
               [](caf::error&) {});
    return out;
  }
};

/// Subscribes to a gossip kind and keeps what arrives, for any thread to
/// read.
class collector {
public:
  collector(caf::actor_system& sys, const node_handle& node, uint16_t kind)
    : state_(std::make_shared<shared>()) {
    auto st = state_;
    actor_ = sys.spawn([st](caf::event_based_actor*) -> caf::behavior {
      return {[st](gossip_atom, gossip_message& m) {
        std::lock_guard<std::mutex> guard{st->mtx};
        st->got.push_back(std::move(m));
      }};
    });
    // A request after the subscription, from the same sender, takes the same
    // path through the node: once it is answered, the subscription holds.
    caf::scoped_actor self{sys};
    self->send(node.actor(), subscribe_atom::value, kind, actor_);
    self->request(node.actor(), 5s, peers_atom::value)
      .receive([](std::vector<peer_info>&) {}, [](caf::error&) {});
  }

  ~collector() { caf::anon_send_exit(actor_, caf::exit_reason::user_shutdown); }

  std::size_t count() const {
    std::lock_guard<std::mutex> guard{state_->mtx};
    return state_->got.size();
  }

  std::vector<gossip_message> messages() const {
    std::lock_guard<std::mutex> guard{state_->mtx};
    return state_->got;
  }

private:
  struct shared {
    mutable std::mutex mtx;
    std::vector<gossip_message> got;
  };
  std::shared_ptr<shared> state_;
  caf::actor actor_;
};

/// `n`'s chain as it reports it (empty on no answer).
inline chain_info info_of(cluster& c, const node_handle& n) {
  caf::scoped_actor self{*c.sys};
  chain_info out;
  self->request(n.actor(), 10s, chaininfo_atom::value)
    .receive([&](chain_info& i) { out = std::move(i); }, [](caf::error&) {});
  return out;
}

/// Produces `blocks` blocks of up to `txs` transactions on devnet node `n`.
inline std::vector<std::string> generate(cluster& c, const node_handle& n,
                                         uint32_t blocks, uint32_t txs) {
  caf::scoped_actor self{*c.sys};
  std::vector<std::string> out;
  self->request(n.actor(), 300s, generate_atom::value, blocks, txs)
    .receive([&](std::vector<std::string>& v) { out = std::move(v); },
             [&](caf::error& e) { FAIL(c.sys->render(e)); });
  return out;
}

/// True once `n` has the same tip and utxo_root as `ref`.
inline bool same_tip(cluster& c, const node_handle& n, const chain_info& ref) {
  auto i = info_of(c, n);
  return i.blocks == ref.blocks && i.best_hash == ref.best_hash
         && i.utxo_root == ref.utxo_root;
}

inline std::string addr(const node_handle& n) {
  return "127.0.0.1:" + std::to_string(n.p2p_port());
}

} // namespace timecoin::test
