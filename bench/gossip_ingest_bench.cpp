// gossip_ingest_bench: signed GOSSIP envelopes through one node over TLS,
// verified, deduplicated and delivered to a local subscriber, per second;
// next to libsodium's crypto_sign_verify_detached rate on this machine's
// cores, measured in the same run (docs/BENCHMARKS.md, "Gossip ingest").

#include <sodium.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "actors/connector.hpp"
#include "actors/node.hpp"
#include "bench/bench_node.hpp"
#include "bench/bench_report.hpp"
#include "bench/cpu_usage.hpp"
#include "bench/verify_baseline.hpp"
#include "protocol/codec.hpp"
#include "protocol/framing.hpp"
#include "protocol/network.hpp"
#include "protocol/unix_time.hpp"
#include "security/envelope.hpp"
#include "security/handshake.hpp"
#include "security/tls.hpp"
#include "tests/integration/raw_peer.hpp"

using namespace std::chrono_literals;
using namespace timecoin;
using namespace timecoin::bench;

namespace {

/// Each baseline measurement runs this long.
constexpr auto baseline_duration = 1500ms;
/// Connecting, TLS and HELLO take milliseconds on loopback.
constexpr auto setup_timeout = 10s;
/// A run that has delivered nothing new for this long is over: a message
/// the Bloom filter wrongly calls a duplicate never arrives (expected 0.03
/// of them in 80,000 ids, 0.4 in 100,000: docs/BENCHMARKS.md).
constexpr auto stall_timeout = 5s;
/// A run that has not delivered everything by then reports what it has.
constexpr auto run_timeout = 40s;
/// Between two looks at the subscriber's counter the benchmark thread sleeps
/// this long, leaving the cores to the node.
constexpr auto poll_interval = 1ms;
/// During a run the benchmark asks the node for its peers (getpeerinfo,
/// answered by the registry) this often, and reports the slowest answer.
constexpr auto probe_interval = 100ms;
/// Envelopes are re-signed, with a fresh timestamp, once they are this old:
/// the node drops anything more than 300 s off its clock.
constexpr int64_t max_envelope_age_seconds = 200;

struct options {
  std::size_t messages = 80'000;
  std::size_t payload = 256;
  int runs = 3;                    ///< `--runs N`: rate limiting off
  int limited_runs = 1;            ///< `--limited-runs N`: rate limiting on
  uint32_t limited_rate = 100'000; ///< `--rate N`: max_requests_per_second
  /// `--moderate-sleep-us N`: CAF's work-stealing.moderate-sleep-duration
  /// (default 50 us), how long an idle scheduler thread sleeps between looks
  /// for work in its first 25 ms of idleness.
  int moderate_sleep_us = 0;
};

double seconds_between(bench_clock::time_point a, bench_clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

/// The node's verifier count: one per core, as spawn_verifiers.
unsigned worker_count() {
  return std::max(1u, std::thread::hardware_concurrency());
}

// ---------------------------------------------------------------------------
// CPU accounting (bench/cpu_usage.hpp), so that a run can say who used the
// cores: the feeder, the node, or other processes.

/// CPU seconds over a run, by who spent them.
struct cpu_split {
  double feeder = 0;      ///< the benchmark's main thread: feeder, polling
  double multiplexer = 0; ///< every broker: TLS, framing, msgpack decode
  double detached = 0;    ///< threads of detached actors: the verifiers
  double scheduler = 0;   ///< CAF's workers: registry (dedup, delivery,
                          ///< relay), subscriber, idle polling; caf.clock
  double others = 0;      ///< other processes on the machine
  double wall = 0;        ///< length of the window

  double node() const { return multiplexer + detached + scheduler; }
};

cpu_split cpu_between(const cpu_mark& a, const cpu_mark& b, int mux_tid) {
  cpu_split s;
  const int main_tid = static_cast<int>(::getpid());
  const bool show = std::getenv("TIMECOIN_BENCH_THREADS") != nullptr;
  auto spent = cpu_spent_between(a, b);
  for (const auto& [tid, v] : spent.threads) {
    double d = v.second;
    if (show)
      std::printf("  thread %d %-16s %6.2f s CPU%s\n", tid, v.first.c_str(), d,
                  tid == mux_tid ? " (multiplexer)" : "");
    if (tid == main_tid)
      s.feeder += d;
    else if (tid == mux_tid)
      s.multiplexer += d;
    else if (v.first == "caf.actor")
      s.detached += d;
    else
      s.scheduler += d;
  }
  s.others = spent.others;
  s.wall = spent.wall;
  return s;
}

// ---------------------------------------------------------------------------
// The feed: N distinct envelopes signed by the feeder's node key.

struct feed {
  security::node_key key;
  uint32_t magic = proto::params(proto::network::devnet).magic;
  int64_t signed_at = 0;
  std::vector<proto::gossip> envelopes;
  proto::bytes plain; ///< every envelope framed as on the wire, in order

  std::size_t frame_bytes() const { return plain.size() / envelopes.size(); }
};

proto::bytes payload_of(std::size_t index, std::size_t size) {
  proto::bytes p(size);
  for (std::size_t i = 0; i < size; ++i)
    p[i] = static_cast<uint8_t>(i * 31 + 7);
  for (std::size_t i = 0; i < 8 && i < size; ++i)
    p[i] = static_cast<uint8_t>(index >> (8 * i));
  return p;
}

/// Signs `n` envelopes stamped now, on every core.
void sign_feed(feed& f, std::size_t n, std::size_t payload) {
  f.signed_at = unix_now();
  f.envelopes.assign(n, proto::gossip{});
  auto threads = worker_count();
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      for (std::size_t i = t; i < n; i += threads)
        f.envelopes[i] = security::make_gossip(&f.key, f.magic,
                                               bench_gossip_kind, f.signed_at,
                                               payload_of(i, payload));
    });
  for (auto& th : pool)
    th.join();
  f.plain.clear();
  for (const auto& g : f.envelopes)
    proto::append_frame(f.plain, proto::message{0, g});
}

// ---------------------------------------------------------------------------
// Baseline: crypto_sign_verify_detached on the signed bytes of the feed.

std::vector<signed_bytes> verify_inputs(const feed& f, std::size_t count) {
  std::vector<signed_bytes> out;
  for (std::size_t i = 0; i < count && i < f.envelopes.size(); ++i) {
    const auto& g = f.envelopes[i];
    out.push_back(
      {security::gossip_signing_bytes(f.magic, g.kind, g.timestamp, g.payload),
       g.signature, g.sender});
  }
  return out;
}

// ---------------------------------------------------------------------------
// One run: a fresh actor system and node, a subscriber, the feeder.

/// What the subscriber saw, for the benchmark thread to read.
struct deliveries {
  std::atomic<uint64_t> count{0};
  std::atomic<uint64_t> foreign{0}; ///< not signed by the feeder
  std::atomic<int64_t> first_ns{0}; ///< steady clock of the first delivery
  std::atomic<int64_t> last_ns{0};  ///< steady clock of the latest delivery
};

struct run_result {
  std::string mode;
  uint64_t delivered = 0;
  double seconds = 0;       ///< first byte written .. last delivery
  double feed_seconds = 0;  ///< first byte written .. last byte written
  double first_seconds = 0; ///< first byte written .. first delivery
  cpu_split cpu;            ///< first byte written .. all delivered
  uint64_t rate_limited = 0;
  uint64_t violations = 0;
  uint64_t received = 0;   ///< frames the node's connection decoded
  double probe_max_ms = 0; ///< slowest `peers` request during the run
  std::string note;

  double per_second() const {
    return seconds > 0 ? static_cast<double>(delivered) / seconds : 0.0;
  }
  /// CPU microseconds the node spent per delivered envelope.
  double node_us_per_msg() const {
    return delivered > 0 ? cpu.node() * 1e6 / static_cast<double>(delivered)
                         : 0.0;
  }
};

run_result run_node(const feed& f, const options& opt, bool limited,
                    const std::string& tag) {
  caf::actor_system_config cfg;
  bench::configure_node_system(cfg);
  if (opt.moderate_sleep_us > 0)
    cfg.set("work-stealing.moderate-sleep-duration",
            caf::timespan{std::chrono::microseconds{opt.moderate_sleep_us}});
  caf::actor_system sys{cfg};

  auto dir = bench::fresh_datadir("timecoin-ingest", tag);
  node_config conf;
  conf.datadir = dir;
  conf.tls = true;
  conf.enable_rate_limiting = limited;
  if (limited)
    conf.max_requests_per_second = opt.limited_rate;
  auto node = bench::spawn_bench_node(sys, conf, "node");
  if (!node)
    throw std::runtime_error("node: " + sys.render(node.error()));

  // The subscriber counts and stamps every delivery.
  auto seen = std::make_shared<deliveries>();
  auto feeder_id = proto::to_hex(f.key.public_key());
  auto sub = sys.spawn(
    [seen, feeder_id](caf::event_based_actor*) -> caf::behavior {
      return {[seen, feeder_id](gossip_atom, const gossip_message& m) {
        if (m.sender != feeder_id)
          seen->foreign.fetch_add(1, std::memory_order_relaxed);
        auto now = bench_clock::now().time_since_epoch().count();
        if (seen->count.load(std::memory_order_relaxed) == 0)
          seen->first_ns.store(now, std::memory_order_relaxed);
        seen->last_ns.store(now, std::memory_order_relaxed);
        seen->count.fetch_add(1, std::memory_order_release);
      }};
    });
  caf::scoped_actor self{sys};
  self->send(node->actor(), subscribe_atom::value, bench_gossip_kind, sub);
  // Answered after the subscription, which took the same path: it holds.
  self->request(node->actor(), setup_timeout, peers_atom::value)
    .receive([](std::vector<peer_info>&) {}, [](caf::error&) {});

  run_result r;
  r.mode = limited ? "rate limit " + std::to_string(opt.limited_rate) + "/s"
                   : "rate limiting off";
  {
    // The feeder: a peer driven by hand over loopback TLS whose whole feed
    // is encrypted before the clock starts, so that during the run it only
    // writes to the socket.
    test::raw_peer feed_peer{f.key};
    if (!feed_peer.connect(node->p2p_port()) || !feed_peer.start_tls()
        || !feed_peer.handshake(proto::params(proto::network::devnet).magic,
                                "devnet", "/gossip-ingest-bench/"))
      throw std::runtime_error("feeder: connect, TLS or HELLO failed");
    auto setup_deadline = bench_clock::now() + setup_timeout;
    while (!node->is_connected(feeder_id)
           && bench_clock::now() < setup_deadline)
      std::this_thread::sleep_for(poll_interval);
    if (!node->is_connected(feeder_id))
      throw std::runtime_error("the node did not register the feeder");
    auto wire = feed_peer.seal(f.plain);
    const uint64_t n = f.envelopes.size();
    auto mux_tid = multiplexer_tid(sys);

    auto cpu0 = mark_cpu();
    auto start = cpu0.at;
    feed_peer.write_raw(wire);
    auto fed = bench_clock::now();
    auto hard_deadline = start + run_timeout;
    uint64_t last_count = 0;
    auto last_progress = bench_clock::now();
    auto last_probe = bench_clock::time_point{};
    while (true) {
      auto c = seen->count.load(std::memory_order_acquire);
      auto now = bench_clock::now();
      if (c >= n)
        break;
      if (now - last_probe >= probe_interval) {
        self->request(node->actor(), run_timeout, peers_atom::value)
          .receive([](std::vector<peer_info>&) {}, [](caf::error&) {});
        last_probe = bench_clock::now();
        auto took = last_probe - now;
        r.probe_max_ms
          = std::max(r.probe_max_ms,
                     std::chrono::duration<double, std::milli>(took).count());
        // A slow answer means a busy node, not a stalled run.
        if (took > 1s)
          last_progress = last_probe;
        continue;
      }
      if (c != last_count) {
        last_count = c;
        last_progress = now;
      } else if (now - last_progress > stall_timeout) {
        r.note = "stalled: " + std::to_string(n - c) + " never delivered";
        break;
      }
      if (now > hard_deadline) {
        r.note = "timeout: partial";
        break;
      }
      std::this_thread::sleep_for(poll_interval);
    }
    auto cpu1 = mark_cpu();
    auto stamp = [](int64_t ns) {
      return bench_clock::time_point{bench_clock::duration{ns}};
    };
    r.delivered = seen->count.load(std::memory_order_acquire);
    r.seconds = seconds_between(start, stamp(seen->last_ns.load()));
    r.first_seconds = seconds_between(start, stamp(seen->first_ns.load()));
    r.feed_seconds = seconds_between(start, fed);
    r.cpu = cpu_between(cpu0, cpu1, mux_tid);
    if (seen->foreign.load() != 0)
      r.note += (r.note.empty() ? "" : "; ")
                + std::to_string(seen->foreign.load()) + " not from the feeder";
    self->request(node->actor(), setup_timeout, peers_atom::value)
      .receive(
        [&](std::vector<peer_info>& peers) {
          for (const auto& p : peers)
            if (p.node_id == feeder_id) {
              r.rate_limited = p.rate_limited;
              r.violations = p.violations;
              r.received = p.messages_received;
            }
        },
        [](caf::error&) {});
    if (r.delivered < n)
      r.note += "; the connection decoded " + std::to_string(r.received)
                + " frames (2 of the handshake), "
                + std::to_string(r.violations) + " violations";
    if (r.rate_limited != 0)
      r.note += (r.note.empty() ? "" : "; ") + std::to_string(r.rate_limited)
                + " rate-limited";
  } // the feeder hangs up

  bench::stop_node(sys, *node, setup_timeout);
  caf::anon_send_exit(sub, caf::exit_reason::user_shutdown);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return r;
}

// ---------------------------------------------------------------------------
// Report.

struct baseline {
  verify_rate one;      ///< one thread
  verify_rate parallel; ///< `workers` threads at once
  unsigned workers = 1;
  /// The bound of the requirement: one core's rate × the verifier count.
  double bound() const { return one.cpu * workers; }
  double verify_us() const { return one.us(); }
};

void print_header() {
  std::printf("\n%-22s %7s %6s %6s | %6s %5s %6s %5s %5s | %5s %5s %5s | "
              "%5s %6s %5s  %s\n",
              "node, tls=1", "msgs/s", "vs W*1", "vs par", "us/msg", "mux",
              "verif", "sched", "eff", "node", "feed", "other", "1st s",
              "rq ms", "secs", "note");
  std::printf("%s\n", std::string(125, '-').c_str());
}

void print_run(const run_result& r, const baseline& b) {
  auto w = r.cpu.wall > 0 ? r.cpu.wall : 1.0;
  auto per_msg = [&](double cpu) {
    return r.delivered > 0 ? cpu * 1e6 / static_cast<double>(r.delivered) : 0.0;
  };
  std::printf("%-22s %7.0f %6.2f %6.2f | %6.1f %5.1f %6.1f %5.1f %5.2f | "
              "%5.2f %5.2f %5.2f | %5.2f %6.0f %5.2f  %s\n",
              r.mode.c_str(), r.per_second(), r.per_second() / b.bound(),
              r.per_second() / b.parallel.wall, r.node_us_per_msg(),
              per_msg(r.cpu.multiplexer), per_msg(r.cpu.detached),
              per_msg(r.cpu.scheduler),
              r.node_us_per_msg() > 0 ? b.verify_us() / r.node_us_per_msg()
                                      : 0.0,
              r.cpu.node() / w, r.cpu.feeder / w, r.cpu.others / w,
              r.first_seconds, r.probe_max_ms, r.seconds, r.note.c_str());
  if (std::getenv("TIMECOIN_BENCH_THREADS") != nullptr)
    std::printf("  fed in %.2f s\n", r.feed_seconds);
  std::fflush(stdout);
}

/// Median and range of a column over runs.
template <class F>
void print_range(const char* what, const std::vector<run_result>& runs, F f,
                 const char* fmt) {
  std::vector<double> v;
  for (const auto& r : runs)
    v.push_back(f(r));
  std::sort(v.begin(), v.end());
  std::printf("    %-34s", what);
  std::printf(fmt, v[v.size() / 2]);
  std::printf("   (");
  std::printf(fmt, v.front());
  std::printf(" .. ");
  std::printf(fmt, v.back());
  std::printf(")\n");
}

void summary(const std::vector<run_result>& runs, const baseline& b) {
  if (runs.empty())
    return;
  std::printf("  %s, median of %zu (range):\n", runs.front().mode.c_str(),
              runs.size());
  print_range(
    "delivered/s", runs, [](const auto& r) { return r.per_second(); }, "%.0f");
  print_range(
    "vs W*1", runs, [&](const auto& r) { return r.per_second() / b.bound(); },
    "%.2f");
  print_range(
    "vs W threads in parallel", runs,
    [&](const auto& r) { return r.per_second() / b.parallel.wall; }, "%.2f");
  // The cores the verifiers could have had: W less what the feeder, the
  // multiplexer and other processes took during the run.
  print_range(
    "vs cores left (W-feed-mux-other)", runs,
    [&](const auto& r) {
      double taken = (r.cpu.feeder + r.cpu.multiplexer + r.cpu.others)
                     / r.cpu.wall;
      double left = std::max(0.1, b.workers - taken);
      return r.per_second() / (b.one.cpu * left);
    },
    "%.2f");
  print_range(
    "eff (verify us / node us per msg)", runs,
    [&](const auto& r) { return b.verify_us() / r.node_us_per_msg(); }, "%.2f");
  print_range(
    "other processes, cores", runs,
    [](const auto& r) { return r.cpu.others / r.cpu.wall; }, "%.2f");
}

int usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s [--messages N] [--payload BYTES] [--runs N] "
               "[--limited-runs N] [--rate N] [--moderate-sleep-us N]\n",
               argv0);
  return 2;
}

} // namespace

int main(int argc, char** argv) {
  options opt;
  try {
    for (int i = 1; i < argc; ++i) {
      std::string arg = argv[i];
      if (arg == "--messages" && i + 1 < argc)
        opt.messages = std::stoul(argv[++i]);
      else if (arg == "--payload" && i + 1 < argc)
        opt.payload = std::stoul(argv[++i]);
      else if (arg == "--runs" && i + 1 < argc)
        opt.runs = std::stoi(argv[++i]);
      else if (arg == "--limited-runs" && i + 1 < argc)
        opt.limited_runs = std::stoi(argv[++i]);
      else if (arg == "--rate" && i + 1 < argc)
        opt.limited_rate = static_cast<uint32_t>(std::stoul(argv[++i]));
      else if (arg == "--moderate-sleep-us" && i + 1 < argc)
        opt.moderate_sleep_us = std::stoi(argv[++i]);
      else
        return usage(argv[0]);
    }
  } catch (const std::exception&) {
    return usage(argv[0]);
  }
  if (opt.messages == 0 || opt.runs < 0 || opt.limited_runs < 0
      || opt.payload < 8)
    return usage(argv[0]);
  if (sodium_init() < 0) {
    std::fprintf(stderr, "gossip_ingest_bench: sodium_init failed\n");
    return 1;
  }
  auto total = bench_clock::now();
  try {
    feed f;
    f.key = security::node_key::generate();
    auto t = bench_clock::now();
    sign_feed(f, opt.messages, opt.payload);
    std::printf("gossip_ingest_bench: %zu signed GOSSIP envelopes, kind %u, "
                "%zu B payload, %zu B frames (%.1f MB), signed in %.1f s\n",
                f.envelopes.size(), bench_gossip_kind, opt.payload,
                f.frame_bytes(), static_cast<double>(f.plain.size()) / 1e6,
                seconds_between(t, bench_clock::now()));

    baseline b;
    b.workers = worker_count();
    auto inputs = verify_inputs(f, 1024);
    b.one = measure_verify(inputs, 1, baseline_duration);
    b.parallel = measure_verify(inputs, b.workers, baseline_duration);
    std::printf("\nbaseline: crypto_sign_verify_detached over the %zu signed "
                "bytes of an envelope, %.1f s each\n",
                inputs.front().bytes.size(),
                std::chrono::duration<double>(baseline_duration).count());
    std::printf("  1 thread, per CPU-second (one core)  %8.0f /s  (%.1f us "
                "each)\n",
                b.one.cpu, b.verify_us());
    std::printf("  1 thread, per wall second            %8.0f /s  (other "
                "processes: %.2f cores)\n",
                b.one.wall, b.one.others);
    std::printf("  W*1 = one core x %u verifiers         %8.0f /s  (W = "
                "hardware_concurrency, one verifier per core)\n",
                b.workers, b.bound());
    std::printf("  %u threads at once, per wall second   %8.0f /s  (%.2f of "
                "W*1; other processes: %.2f cores)\n",
                b.workers, b.parallel.wall, b.parallel.wall / b.bound(),
                b.parallel.others);
    std::printf("  %u threads at once, per CPU-second    %8.0f /s  (%.1f us "
                "each)\n",
                b.workers, b.parallel.cpu, 1e6 / b.parallel.cpu);

    print_header();
    std::vector<run_result> off, on;
    for (int i = 0; i < opt.runs + opt.limited_runs; ++i) {
      if (unix_now() - f.signed_at > max_envelope_age_seconds)
        sign_feed(f, opt.messages, opt.payload);
      bool limited = i >= opt.runs;
      auto& into = limited ? on : off;
      into.push_back(run_node(f, opt, limited,
                              (limited ? "on" : "off") + std::to_string(i)));
      print_run(into.back(), b);
    }
    std::printf("%s\n", std::string(125, '-').c_str());
    summary(off, b);
    summary(on, b);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gossip_ingest_bench: %s\n", e.what());
    return 1;
  }
  std::printf(
    "\nmsgs/s: envelopes delivered to the subscriber per second, from the "
    "first byte written to the last delivery.\n"
    "vs W*1: over one core's verifications/s x W; vs par: over W threads "
    "verifying at once (wall clock, same machine load).\n"
    "us/msg: the node's CPU time per delivered envelope = mux (multiplexer: "
    "TLS, framing, decode) + verif (verifier threads)\n"
    "  + sched (CAF workers: registry dedup, delivery and relay, the "
    "subscriber, idle polling).\n"
    "eff: one verification's CPU time (1 thread) over us/msg: the share of "
    "W*1 the node would reach with the cores to itself.\n"
    "node, feed, other: cores busy during the run: the node, the feeder "
    "(benchmark's main thread), other processes.\n"
    "1st s: time to the first delivery; rq ms: slowest answer to a "
    "`peers` request (getpeerinfo, from the registry) sent every 100 ms.\n"
    "Total %.1f s.\n",
    seconds_between(total, bench_clock::now()));
  return 0;
}
