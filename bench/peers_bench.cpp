// peers_bench: the memory one node spends per idle authenticated TLS peer,
// and the PING round trip of one honest peer among them
// (docs/BENCHMARKS.md, "Idle peers").
//
// The process forks before anything starts a thread: the parent runs the
// node (one actor system, as timed), the child holds the peers
// (bench/peer_fleet.hpp), so that the parent's resident memory is the
// node's alone. They talk over two pipes, a line per step.

#include <sodium.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <poll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "actors/node.hpp"
#include "bench/bench_node.hpp"
#include "bench/peer_fleet.hpp"
#include "bench/process_memory.hpp"

using namespace std::chrono_literals;
using namespace timecoin;
using namespace timecoin::bench;

namespace {

using bench_clock = std::chrono::steady_clock;

/// Connection slots beyond the peers: the node reserves 8 for outbound.
constexpr uint32_t spare_connections = 64;

/// `maxconnections` for `peers` ordinary inbound peers: 40 % of the slots are
/// reserved for masternodes (actors/slot_policy.hpp), so the peers and the
/// spare slots must fit in the other 60 %.
uint32_t max_connections_for(int peers) {
  auto regular = static_cast<uint32_t>(peers) + spare_connections;
  return (regular * 10 + 5) / 6;
}
/// File descriptors of each process beyond one per peer (epoll, pipes,
/// LMDB, the listener, CAF's own).
constexpr rlim_t spare_fds = 128;
/// Connecting every peer may take this long at most.
constexpr auto connect_limit = 600s;

struct options {
  std::size_t peers = 5000;  ///< `--peers N`, the honest one included
  std::size_t pings = 300;   ///< `--pings N` per series
  int ping_interval_ms = 10; ///< `--ping-interval-ms N`
  int settle_ms = 3000;      ///< `--settle-ms N` before each RSS reading
  bool whitelist = false;    ///< `--whitelist`: 127.0.0.0/8 exempt
};

// -- pipe protocol -----------------------------------------------------------

void send_line(int fd, const std::string& line) {
  auto text = line + "\n";
  std::size_t off = 0;
  while (off < text.size()) {
    auto n = ::write(fd, text.data() + off, text.size() - off);
    if (n <= 0)
      return;
    off += static_cast<std::size_t>(n);
  }
}

/// The next line from `fd`; none at end of file.
std::optional<std::string> read_line(int fd) {
  std::string line;
  char c = 0;
  while (true) {
    auto n = ::read(fd, &c, 1);
    if (n <= 0)
      return line.empty() ? std::nullopt : std::optional<std::string>{line};
    if (c == '\n')
      return line;
    line.push_back(c);
  }
}

double percentile(std::vector<double> v, double p) {
  if (v.empty())
    return 0;
  std::sort(v.begin(), v.end());
  auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1)
                                    + 0.5);
  return v[std::min(i, v.size() - 1)];
}

/// "count p50 p99 max" of round trips in microseconds.
std::string summarize(const std::vector<double>& rtts) {
  std::ostringstream out;
  out << rtts.size() << ' ' << percentile(rtts, 0.5) << ' '
      << percentile(rtts, 0.99) << ' '
      << (rtts.empty() ? 0 : *std::max_element(rtts.begin(), rtts.end()));
  return out.str();
}

// -- the child: the peers ----------------------------------------------------

/// Serves the fleet until the parent sends a line; returns it.
std::string await_command(peer_fleet& fleet, int in) {
  while (true) {
    pollfd pfd{in, POLLIN, 0};
    if (::poll(&pfd, 1, 0) > 0)
      return read_line(in).value_or("quit");
    fleet.serve(20ms);
  }
}

int run_peers(const options& opt, int in, int out) {
  if (sodium_init() < 0)
    return 1;
  auto port_line = read_line(in);
  if (!port_line)
    return 1;
  peer_fleet fleet{static_cast<uint16_t>(std::stoul(*port_line))};
  auto interval = std::chrono::milliseconds{opt.ping_interval_ms};
  if (fleet.connect(1, 15s) != 1) {
    send_line(out, "error " + fleet.first_failure());
    return 1;
  }
  fleet.serve(500ms);
  send_line(out, "alone " + summarize(fleet.ping_series(opt.pings, interval)));
  if (await_command(fleet, in) != "connect")
    return 0;
  auto start = bench_clock::now();
  fleet.connect(opt.peers, connect_limit);
  auto secs = std::chrono::duration<double>(bench_clock::now() - start).count();
  send_line(out, "connected " + std::to_string(fleet.connected()) + " "
                   + std::to_string(fleet.failed()) + " " + std::to_string(secs)
                   + " " + fleet.first_failure());
  if (await_command(fleet, in) != "ping")
    return 0;
  auto loaded = summarize(fleet.ping_series(opt.pings, interval));
  send_line(out, "among " + loaded + " "
                   + std::to_string(read_resident_memory().rss) + " "
                   + std::to_string(fleet.connected()));
  await_command(fleet, in);
  return 0;
}

// -- the parent: the node ----------------------------------------------------

struct ping_stats {
  std::size_t count = 0;
  double p50 = 0, p99 = 0, max = 0;
};

ping_stats parse_pings(std::istringstream& in) {
  ping_stats s;
  in >> s.count >> s.p50 >> s.p99 >> s.max;
  return s;
}

/// The node process's memory at one moment.
struct node_memory {
  resident_memory resident;
  uint64_t heap = 0;    ///< malloc's live allocations
  uint64_t openssl = 0; ///< of which OpenSSL's
};

node_memory read_node_memory() {
  return {read_resident_memory(), heap_in_use(), openssl_in_use()};
}

double mib(uint64_t bytes) {
  return static_cast<double>(bytes) / (1024.0 * 1024.0);
}

/// Waits until `n` reports `want` connections, for `limit` at most.
std::size_t await_connected(const node_handle& n, std::size_t want,
                            std::chrono::milliseconds limit) {
  auto deadline = bench_clock::now() + limit;
  while (n.connected_count() < want && bench_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  return n.connected_count();
}

int run_node(const options& opt, int in, int out) {
  caf::actor_system_config cfg;
  configure_node_system(cfg);
  caf::actor_system sys{cfg};
  node_config conf;
  conf.datadir = fresh_datadir("peers_bench", "node");
  conf.maxconnections = max_connections_for(opt.peers);
  if (opt.whitelist)
    conf.whitelist = {"127.0.0.0/8"};
  auto node = spawn_bench_node(sys, conf, "node");
  if (!node) {
    std::fprintf(stderr, "cannot start the node: %s\n",
                 error_message(sys, node.error()).c_str());
    return 1;
  }
  auto settle = std::chrono::milliseconds{opt.settle_ms};
  std::this_thread::sleep_for(settle);
  auto started = read_node_memory();
  send_line(out, std::to_string(node->p2p_port()));

  auto line = read_line(in).value_or("error the peers' process ended");
  std::istringstream alone_in{line};
  std::string tag;
  alone_in >> tag;
  if (tag != "alone") {
    std::fprintf(stderr, "first peer: %s\n", line.c_str());
    stop_node(sys, *node, 10s);
    return 1;
  }
  auto alone = parse_pings(alone_in);
  std::this_thread::sleep_for(settle);
  auto one_peer = read_node_memory();

  send_line(out, "connect");
  line = read_line(in).value_or("");
  std::istringstream conn_in{line};
  std::size_t connected = 0, failed = 0;
  double connect_secs = 0;
  std::string first_failure;
  conn_in >> tag >> connected >> failed >> connect_secs;
  std::getline(conn_in >> std::ws, first_failure);
  // The registry publishes each registration in a new snapshot of the whole
  // peer table, so it may trail the handshakes by seconds.
  auto node_count = await_connected(*node, connected, 60s);
  std::this_thread::sleep_for(settle);
  auto held = read_node_memory();

  send_line(out, "ping");
  line = read_line(in).value_or("");
  std::istringstream among_in{line};
  among_in >> tag;
  auto among = parse_pings(among_in);
  uint64_t peers_rss = 0;
  std::size_t still_connected = 0;
  among_in >> peers_rss >> still_connected;
  auto after_pings = read_node_memory();
  send_line(out, "quit");

  auto added = connected > 1 ? connected - 1 : 1;
  auto per_peer = [&](uint64_t a, uint64_t b) {
    return (static_cast<double>(b) - static_cast<double>(a)) / 1024.0
           / static_cast<double>(added);
  };
  std::printf("peers: %zu connected (%zu failed) in %.1f s, %.0f per second; "
              "the node counts %zu\n",
              connected, failed, connect_secs,
              static_cast<double>(connected) / connect_secs, node_count);
  if (!first_failure.empty())
    std::printf("first failure: %s\n", first_failure.c_str());
  std::printf(
    "\nnode memory (MiB)            VmRSS   RssAnon  heap used   OpenSSL\n");
  auto row = [](const char* what, const node_memory& m) {
    std::printf("  %-24s %9.1f %9.1f  %9.1f %9.1f\n", what, mib(m.resident.rss),
                mib(m.resident.anon), mib(m.heap), mib(m.openssl));
  };
  row("started, no peer", started);
  row("1 peer (before)", one_peer);
  auto held_label = std::to_string(connected) + " peers (after)";
  row(held_label.c_str(), held);
  row("after the ping series", after_pings);
  std::printf("  per peer (KiB)           %9.1f %9.1f  %9.1f %9.1f"
              "   (after - before) / %zu\n",
              per_peer(one_peer.resident.rss, held.resident.rss),
              per_peer(one_peer.resident.anon, held.resident.anon),
              per_peer(one_peer.heap, held.heap),
              per_peer(one_peer.openssl, held.openssl), added);
  std::printf("peers' process RSS      %9.1f MiB, %.1f KiB per peer "
              "(not counted above)\n",
              mib(peers_rss),
              static_cast<double>(peers_rss) / 1024.0
                / static_cast<double>(std::max<std::size_t>(connected, 1)));
  std::printf(
    "\nPING round trip of peer 0 (us)   n     p50      p99      max\n");
  std::printf("  alone                    %7zu %8.0f %8.0f %8.0f\n",
              alone.count, alone.p50, alone.p99, alone.max);
  std::printf("  among %6zu peers       %7zu %8.0f %8.0f %8.0f\n", connected,
              among.count, among.p50, among.p99, among.max);
  if (alone.p50 > 0 && alone.p99 > 0)
    std::printf("  ratio                            %8.2f %8.2f\n",
                among.p50 / alone.p50, among.p99 / alone.p99);
  std::printf("peers still connected after the pings: %zu\n", still_connected);
  std::fflush(stdout);
  stop_node(sys, *node, 30s);
  return connected == opt.peers ? 0 : 2;
}

/// Raises RLIMIT_NOFILE to the hard limit; false if that is below `need`.
bool raise_fd_limit(rlim_t need) {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0)
    return false;
  lim.rlim_cur = lim.rlim_max;
  if (::setrlimit(RLIMIT_NOFILE, &lim) != 0)
    return false;
  return lim.rlim_cur >= need;
}

int usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s [--peers N] [--pings N] [--ping-interval-ms N] "
               "[--settle-ms N] [--whitelist]\n",
               argv0);
  return 2;
}

} // namespace

int main(int argc, char** argv) {
  // Before anything allocates through OpenSSL (the node's TLS contexts).
  bool openssl_counted = count_openssl_memory();
  options opt;
  try {
    for (int i = 1; i < argc; ++i) {
      std::string arg = argv[i];
      if (arg == "--peers" && i + 1 < argc)
        opt.peers = std::stoul(argv[++i]);
      else if (arg == "--pings" && i + 1 < argc)
        opt.pings = std::stoul(argv[++i]);
      else if (arg == "--ping-interval-ms" && i + 1 < argc)
        opt.ping_interval_ms = std::stoi(argv[++i]);
      else if (arg == "--settle-ms" && i + 1 < argc)
        opt.settle_ms = std::stoi(argv[++i]);
      else if (arg == "--whitelist")
        opt.whitelist = true;
      else
        return usage(argv[0]);
    }
  } catch (const std::exception&) {
    return usage(argv[0]);
  }
  if (opt.peers < 2 || opt.peers > 500'000)
    return usage(argv[0]);
  if (!raise_fd_limit(opt.peers + spare_fds)) {
    rlimit lim{};
    ::getrlimit(RLIMIT_NOFILE, &lim);
    std::fprintf(stderr, "RLIMIT_NOFILE is %llu, %zu peers need %llu\n",
                 static_cast<unsigned long long>(lim.rlim_max), opt.peers,
                 static_cast<unsigned long long>(opt.peers + spare_fds));
    return 1;
  }
  int to_peers[2], to_node[2];
  if (::pipe(to_peers) != 0 || ::pipe(to_node) != 0)
    return 1;
  auto child = ::fork();
  if (child < 0)
    return 1;
  if (child == 0) {
    ::close(to_peers[1]);
    ::close(to_node[0]);
    std::_Exit(run_peers(opt, to_peers[0], to_node[1]));
  }
  ::close(to_peers[0]);
  ::close(to_node[1]);
  std::printf("peers_bench: %zu peers, %zu pings every %d ms per series\n",
              opt.peers, opt.pings, opt.ping_interval_ms);
  if (!openssl_counted)
    std::printf("(OpenSSL's allocations are not counted: too late)\n");
  std::fflush(stdout);
  auto rc = run_node(opt, to_node[0], to_peers[1]);
  ::close(to_peers[1]);
  int status = 0;
  ::waitpid(child, &status, 0);
  return rc;
}
