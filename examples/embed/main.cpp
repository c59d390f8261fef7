// Two nodes in one actor system: b dials a over TLS, a publishes a gossip
// message, b receives it. Exits 0 when it did, 1 with the reason otherwise.

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <timecoin/node.hpp>

namespace {

using namespace std::chrono_literals;

/// A gossip kind free for applications (kinds from 1024 up).
constexpr uint16_t app_kind = 1024;
/// Connecting on loopback (TCP, TLS, HELLO both ways) takes milliseconds;
/// the margin is for loaded machines and sanitizer builds.
constexpr auto connect_timeout = std::chrono::seconds{30};
/// A relayed gossip message arrives within milliseconds as well.
constexpr auto delivery_timeout = std::chrono::seconds{30};
/// A node answers a request at once.
constexpr auto reply_timeout = std::chrono::seconds{5};
/// A node says BYE to its peers and exits at once.
constexpr auto stop_timeout = std::chrono::seconds{10};
/// How often a condition is polled.
constexpr auto poll_interval = std::chrono::milliseconds{10};

/// Polls `cond` until it holds or `limit` passes.
bool eventually(const std::function<bool()>& cond,
                std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!cond()) {
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(poll_interval);
  }
  return true;
}

/// A fresh directory under the system's temporary directory, removed with
/// its contents when this goes out of scope.
class temp_dir {
public:
  explicit temp_dir(const std::string& name) {
    auto pattern = (std::filesystem::temp_directory_path()
                    / ("timecoin-embed-" + name + "-XXXXXX"))
                     .string();
    if (::mkdtemp(pattern.data()) == nullptr)
      throw std::runtime_error("cannot create a directory like " + pattern);
    path_ = pattern;
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  ~temp_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }

  const std::string& path() const { return path_; }

private:
  std::string path_;
};

/// A devnet node with its data in `dir`, on any free loopback port, TLS on.
timecoin::node_config node_in(const temp_dir& dir) {
  timecoin::node_config conf;
  conf.datadir = dir.path();
  conf.port = 0;
  conf.port_set = true;
  conf.tls = true;
  return conf;
}

/// Stops `node` and waits until its actor is gone.
bool stop(caf::actor_system& sys, const timecoin::node_handle& node) {
  caf::scoped_actor self{sys};
  self->monitor(node.actor());
  self->send(node.actor(), timecoin::stop_atom::value);
  bool down = false;
  self->receive([&](const caf::down_msg&) { down = true; },
                caf::after(stop_timeout) >> [] {});
  return down;
}

/// Connects b to a, publishes on a and waits for b to deliver it; the
/// reason on failure.
std::string exchange(caf::actor_system& sys, const timecoin::node_handle& a,
                     const timecoin::node_handle& b) {
  if (!eventually(
        [&] {
          return a.is_connected(b.node_id()) && b.is_connected(a.node_id());
        },
        connect_timeout))
    return "a and b did not connect";

  caf::scoped_actor self{sys};
  self->send(b.actor(), timecoin::subscribe_atom::value, app_kind,
             caf::actor_cast<caf::actor>(self.ptr()));
  // Messages from one sender to one actor arrive in order: once b answers
  // this, it holds the subscription.
  self->request(b.actor(), reply_timeout, timecoin::status_atom::value)
    .receive([](timecoin::network_info&) {}, [](caf::error&) {});

  const std::vector<uint8_t> payload{'h', 'e', 'l', 'l', 'o'};
  std::string failure;
  self
    ->request(a.actor(), reply_timeout, timecoin::publish_atom::value, app_kind,
              payload)
    .receive(
      [&](bool accepted) {
        if (!accepted)
          failure = "a refused to publish";
      },
      [&](caf::error& err) {
        failure = "publish: " + timecoin::error_message(sys, err);
      });
  if (!failure.empty())
    return failure;

  failure = "b received nothing";
  self->receive(
    [&](timecoin::gossip_atom, const timecoin::gossip_message& m) {
      if (m.kind != app_kind || m.payload != payload)
        failure = "b received another message";
      else if (m.sender != a.node_id())
        failure = "b received the message signed by " + m.sender;
      else
        failure.clear();
    },
    caf::after(delivery_timeout) >> [] {});
  return failure;
}

int run(caf::actor_system& sys) {
  temp_dir dir_a{"a"};
  temp_dir dir_b{"b"};
  auto a = timecoin::spawn_node(sys, node_in(dir_a));
  if (!a) {
    std::cerr << "embed: node a: " << timecoin::error_message(sys, a.error())
              << '\n';
    return EXIT_FAILURE;
  }
  auto conf_b = node_in(dir_b);
  conf_b.addnode = {"127.0.0.1:" + std::to_string(a->p2p_port())};
  auto b = timecoin::spawn_node(sys, conf_b);
  std::string failure;
  if (b)
    failure = exchange(sys, *a, *b);
  else
    failure = "node b: " + timecoin::error_message(sys, b.error());
  // The actor system waits for every actor: each node must be stopped, and
  // gone before its data directory is removed.
  if (b && !stop(sys, *b) && failure.empty())
    failure = "b did not stop";
  if (!stop(sys, *a) && failure.empty())
    failure = "a did not stop";
  if (!failure.empty()) {
    std::cerr << "embed: " << failure << '\n';
    return EXIT_FAILURE;
  }
  std::cout << "embed: " << b->node_id().substr(0, 8) << " received '"
            << "hello' from " << a->node_id().substr(0, 8) << '\n';
  return EXIT_SUCCESS;
}

} // namespace

int main() {
  caf::actor_system_config cfg;
  timecoin::configure_actor_system(cfg); // the middleman, fair reads
  caf::actor_system sys{cfg};
  try {
    return run(sys);
  } catch (const std::exception& e) {
    std::cerr << "embed: " << e.what() << '\n';
    return EXIT_FAILURE;
  }
}
