// sync_bench: full sync of a fresh node from another over loopback TLS, both
// in one process, in blocks, transactions and signatures verified per
// second; next to libsodium's crypto_sign_verify_detached rate on one core,
// measured in the same run (docs/BENCHMARKS.md, "Full sync").

#include <sodium.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "actors/node.hpp"
#include "bench/bench_node.hpp"
#include "bench/cpu_usage.hpp"
#include "bench/verify_baseline.hpp"
#include "protocol/chain.hpp"
#include "security/node_key.hpp"

using namespace std::chrono_literals;
using namespace timecoin;
using namespace timecoin::bench;

namespace {

using bench_clock = std::chrono::steady_clock;

/// Each baseline measurement runs this long.
constexpr auto baseline_duration = 1500ms;
/// Requests to a node that is not busy: chain_info, stop.
constexpr auto request_timeout = 10s;
/// Producing the chain on node A.
constexpr auto generate_timeout = 600s;
/// A sync that has not reached A's tip by then reports what it has.
constexpr auto sync_timeout = 300s;
/// Between two looks at B's tip the benchmark thread sleeps this long.
constexpr auto poll_interval = 1ms;

struct workload {
  std::string name;
  uint32_t blocks = 0;
  uint32_t spends = 0; ///< txs_per_block of `generate`: besides the coinbase

  uint32_t txs_per_block() const { return 1 + spends; }
  /// The producer's signature and one per spending transaction (the
  /// coinbase has no input).
  uint32_t sigs_per_block() const { return 1 + spends; }
};

struct options {
  uint32_t n1 = 5000;  ///< `--n1 N`, SYNC_BENCH_N1: 1-transaction blocks
  uint32_t n50 = 1000; ///< `--n50 N`, SYNC_BENCH_N50: 50-transaction blocks
  int runs = 3;        ///< `--runs N`, SYNC_BENCH_RUNS
};

double seconds_between(bench_clock::time_point a, bench_clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// ---------------------------------------------------------------------------
// CPU accounting (bench/cpu_usage.hpp), to say which thread was busy during a
// sync.

/// Cores used over a window, by whom.
struct cpu_split {
  double process = 0;     ///< every thread of this process
  double busiest = 0;     ///< the busiest detached thread: B's chain writer
  double multiplexer = 0; ///< every broker: TLS, framing, msgpack
  double others = 0;      ///< other processes on the machine
};

cpu_split cpu_between(const cpu_mark& a, const cpu_mark& b, int mux_tid) {
  cpu_split s;
  auto spent = cpu_spent_between(a, b);
  double wall = std::max(1e-9, spent.wall);
  const bool show = std::getenv("TIMECOIN_BENCH_THREADS") != nullptr;
  for (const auto& [tid, v] : spent.threads) {
    double d = v.second;
    if (show && d > 0.001)
      std::printf("    thread %d %-16s %6.2f s CPU%s\n", tid, v.first.c_str(),
                  d, tid == mux_tid ? " (multiplexer)" : "");
    if (tid == mux_tid)
      s.multiplexer = d / wall;
    else if (v.first == "caf.actor")
      s.busiest = std::max(s.busiest, d / wall);
  }
  s.process = spent.process / wall;
  s.others = spent.others / wall;
  return s;
}

// ---------------------------------------------------------------------------
// Baseline: crypto_sign_verify_detached over the bytes a chain signs.

/// `count` real signatures, alternating between a producer's over
/// `"timecoin/1 block" || hash` (48 B) and an owner's over
/// `"timecoin/1 tx" || txid` (45 B), over distinct hashes.
std::vector<signed_bytes> verify_inputs(std::size_t count) {
  auto producer = security::node_key::generate();
  auto owner = security::node_key::generate();
  std::vector<signed_bytes> out;
  for (std::size_t i = 0; i < count; ++i) {
    proto::hash256 h{};
    randombytes_buf(h.data(), h.size());
    bool block = i % 2 == 0;
    const auto& key = block ? producer : owner;
    auto msg = block ? proto::block_signing_bytes(h)
                     : proto::tx_signing_bytes(h);
    auto sig = key.sign(msg);
    const auto& pk = key.public_key();
    out.push_back({msg, {sig.begin(), sig.end()}, {pk.begin(), pk.end()}});
  }
  return out;
}

// ---------------------------------------------------------------------------
// The nodes.

struct bench_system {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;

  bench_system() {
    bench::configure_node_system(cfg);
    sys = std::make_unique<caf::actor_system>(cfg);
  }
};

std::string fresh_dir(const std::string& name) {
  return bench::fresh_datadir("timecoin-syncbench", name);
}

node_handle start_node(caf::actor_system& sys, const std::string& dir,
                       std::vector<std::string> addnode,
                       const std::string& name) {
  node_config conf;
  conf.datadir = dir;
  conf.addnode = std::move(addnode);
  auto h = bench::spawn_bench_node(sys, conf, name);
  if (!h)
    throw std::runtime_error("node " + name + ": " + sys.render(h.error()));
  return *h;
}

/// Sends stop and waits until the node's actor is gone.
void stop_node(caf::actor_system& sys, node_handle& n) {
  if (!bench::stop_node(sys, n, request_timeout))
    std::fprintf(stderr, "sync_bench: a node did not stop within 10 s\n");
}

chain_info info_of(caf::scoped_actor& self, const node_handle& n) {
  chain_info out;
  self->request(n.actor(), request_timeout, chaininfo_atom::value)
    .receive([&](chain_info& i) { out = std::move(i); }, [](caf::error&) {});
  return out;
}

// ---------------------------------------------------------------------------
// One sync.

struct run_result {
  double seconds = 0;       ///< spawning B .. B's tip is A's
  double first_seconds = 0; ///< spawning B .. B's first block
  uint64_t blocks = 0;      ///< B's height at the end
  bool complete = false;
  cpu_split cpu;
  sync_info sync; ///< B's sync state at the end
  std::string note;
};

run_result run_sync(caf::actor_system& sys, const node_handle& a,
                    const chain_info& ref, const std::string& tag,
                    int mux_tid) {
  run_result r;
  auto dir = fresh_dir(tag);
  caf::scoped_actor self{sys};
  auto cpu0 = mark_cpu();
  auto start = cpu0.at;
  auto b = start_node(sys, dir, {"127.0.0.1:" + std::to_string(a.p2p_port())},
                      tag);
  auto deadline = start + sync_timeout;
  chain_info ib;
  while (true) {
    ib = info_of(self, b);
    auto now = bench_clock::now();
    if (r.first_seconds == 0 && ib.blocks > 0)
      r.first_seconds = seconds_between(start, now);
    if (ib.best_hash == ref.best_hash) {
      r.complete = true;
      break;
    }
    if (now > deadline) {
      r.note = "timeout: partial";
      break;
    }
    std::this_thread::sleep_for(poll_interval);
  }
  auto cpu1 = mark_cpu();
  r.seconds = seconds_between(start, cpu1.at);
  r.cpu = cpu_between(cpu0, cpu1, mux_tid);
  r.blocks = ib.blocks;
  r.sync = ib.sync;
  if (r.complete && ib.utxo_root != ref.utxo_root)
    r.note = "utxo_root differs from A's";
  if (ib.sync.rejected_blocks != 0)
    r.note += (r.note.empty() ? "" : "; ")
              + std::to_string(ib.sync.rejected_blocks) + " blocks rejected";
  stop_node(sys, b);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return r;
}

// ---------------------------------------------------------------------------
// Report.

struct baseline {
  verify_rate before;
  verify_rate after;
  /// Verifications per second of one core: the mean of the measurements
  /// taken so far (the vCPUs' speed drifts with the host's load).
  double rate() const {
    return after.cpu > 0 ? (before.cpu + after.cpu) / 2 : before.cpu;
  }
};

void print_baseline(const char* when, const verify_rate& r) {
  std::printf("  %-7s 1 thread: %8.0f verifications per CPU-second (%.1f us "
              "each); %8.0f per wall second; other processes %.2f cores\n",
              when, r.cpu, r.us(), r.wall, r.others);
}

void print_header() {
  std::printf("\n  %-8s %8s %9s %9s %10s %6s | %5s %5s %5s %5s | %6s  %s\n",
              "run", "secs", "blocks/s", "txs/s", "sigs/s", "vs bnd", "proc",
              "wrtr", "mux", "other", "1st s", "note");
  std::printf("  %s\n", std::string(104, '-').c_str());
}

struct figures {
  double blocks_s = 0, txs_s = 0, sigs_s = 0;
};

figures figures_of(const run_result& r, const workload& w) {
  figures f;
  if (r.seconds <= 0)
    return f;
  f.blocks_s = static_cast<double>(r.blocks) / r.seconds;
  f.txs_s = f.blocks_s * w.txs_per_block();
  f.sigs_s = f.blocks_s * w.sigs_per_block();
  return f;
}

void print_run(const std::string& label, const run_result& r, const workload& w,
               double bound) {
  auto f = figures_of(r, w);
  std::printf("  %-8s %8.2f %9.0f %9.0f %10.0f %6.2f | %5.2f %5.2f %5.2f "
              "%5.2f | %6.3f  %s\n",
              label.c_str(), r.seconds, f.blocks_s, f.txs_s, f.sigs_s,
              f.blocks_s / bound, r.cpu.process, r.cpu.busiest,
              r.cpu.multiplexer, r.cpu.others, r.first_seconds, r.note.c_str());
  std::fflush(stdout);
}

/// The run of median wall time.
run_result median_of(std::vector<run_result> runs) {
  std::sort(runs.begin(), runs.end(),
            [](const auto& x, const auto& y) { return x.seconds < y.seconds; });
  return runs[runs.size() / 2];
}

struct workload_result {
  workload w;
  double generate_seconds = 0;
  std::vector<run_result> runs;
};

workload_result run_workload(const workload& w, int runs) {
  workload_result out;
  out.w = w;
  bench_system bs;
  auto& sys = *bs.sys;
  auto a_dir = fresh_dir("a-" + std::to_string(w.spends));
  auto a = start_node(sys, a_dir, {}, "a");
  auto mux_tid = multiplexer_tid(sys);
  caf::scoped_actor self{sys};
  std::printf("\n%s: %u blocks, %u transactions and %u signatures per block\n",
              w.name.c_str(), w.blocks, w.txs_per_block(), w.sigs_per_block());
  auto t0 = bench_clock::now();
  std::size_t made = 0;
  std::string failure;
  self
    ->request(a.actor(), generate_timeout, generate_atom::value, w.blocks,
              w.spends)
    .receive([&](std::vector<std::string>& v) { made = v.size(); },
             [&](caf::error& e) { failure = sys.render(e); });
  out.generate_seconds = seconds_between(t0, bench_clock::now());
  if (made != w.blocks)
    throw std::runtime_error("generate: " + std::to_string(made) + " blocks; "
                             + failure);
  auto ref = info_of(self, a);
  std::printf("  node A generated them in %.2f s (%.0f blocks/s, %.0f "
              "signatures/s: signing, validating, storing on one thread); "
              "tip %s..., %llu UTXOs\n",
              out.generate_seconds, w.blocks / out.generate_seconds,
              w.blocks * static_cast<double>(w.sigs_per_block())
                / out.generate_seconds,
              ref.best_hash.substr(0, 16).c_str(),
              static_cast<unsigned long long>(ref.utxos));
  print_header();
  for (int i = 0; i < runs; ++i) {
    out.runs.push_back(run_sync(
      sys, a, ref, "b" + std::to_string(w.spends) + "-" + std::to_string(i),
      mux_tid));
    // The bound is printed after the closing baseline; here: the opening one.
    std::printf("  run %d    %8.2f s  %llu blocks%s%s\n", i + 1,
                out.runs.back().seconds,
                static_cast<unsigned long long>(out.runs.back().blocks),
                out.runs.back().note.empty() ? "" : "  ",
                out.runs.back().note.c_str());
    std::fflush(stdout);
  }
  stop_node(sys, a);
  std::error_code ec;
  std::filesystem::remove_all(a_dir, ec);
  return out;
}

void report(const workload_result& wr, const baseline& b) {
  const auto& w = wr.w;
  double bound = b.rate() / w.sigs_per_block();
  std::printf("\n%s (%u blocks; bound = %.0f verifications/s / %u "
              "signatures per block = %.0f blocks/s)\n",
              w.name.c_str(), w.blocks, b.rate(), w.sigs_per_block(), bound);
  print_header();
  for (std::size_t i = 0; i < wr.runs.size(); ++i)
    print_run("run " + std::to_string(i + 1), wr.runs[i], w, bound);
  if (wr.runs.size() > 1)
    print_run("median", median_of(wr.runs), w, bound);
  std::printf("  %-8s %8s %9.0f %9.0f %10.0f %6.2f   (one core verifying "
              "every signature, nothing else)\n",
              "bound", "", bound, bound * w.txs_per_block(), b.rate(), 1.0);
  std::printf(
    "  %-8s %8.2f %9.0f %9.0f %10.0f %6s   (node A, for scale)\n", "generate",
    wr.generate_seconds, w.blocks / wr.generate_seconds,
    w.blocks * static_cast<double>(w.txs_per_block()) / wr.generate_seconds,
    w.blocks * static_cast<double>(w.sigs_per_block()) / wr.generate_seconds,
    "");
}

int usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s [--n1 BLOCKS] [--n50 BLOCKS] [--runs N]\n"
               "  (or SYNC_BENCH_N1, SYNC_BENCH_N50, SYNC_BENCH_RUNS; "
               "0 blocks skips a workload)\n",
               argv0);
  return 2;
}

} // namespace

int main(int argc, char** argv) {
  options opt;
  try {
    if (auto* e = std::getenv("SYNC_BENCH_N1"))
      opt.n1 = static_cast<uint32_t>(std::stoul(e));
    if (auto* e = std::getenv("SYNC_BENCH_N50"))
      opt.n50 = static_cast<uint32_t>(std::stoul(e));
    if (auto* e = std::getenv("SYNC_BENCH_RUNS"))
      opt.runs = std::stoi(e);
    for (int i = 1; i < argc; ++i) {
      std::string arg = argv[i];
      if (arg == "--n1" && i + 1 < argc)
        opt.n1 = static_cast<uint32_t>(std::stoul(argv[++i]));
      else if (arg == "--n50" && i + 1 < argc)
        opt.n50 = static_cast<uint32_t>(std::stoul(argv[++i]));
      else if (arg == "--runs" && i + 1 < argc)
        opt.runs = std::stoi(argv[++i]);
      else
        return usage(argv[0]);
    }
  } catch (const std::exception&) {
    return usage(argv[0]);
  }
  if (opt.runs < 1)
    return usage(argv[0]);
  if (sodium_init() < 0) {
    std::fprintf(stderr, "sync_bench: sodium_init failed\n");
    return 1;
  }
  auto total = bench_clock::now();
  try {
    std::printf("sync_bench: full sync of a fresh node B from node A over "
                "loopback TLS, one process, scheduler.max-threads=%zu; "
                "%u cores (hardware_concurrency)\n",
                scheduler_threads, std::thread::hardware_concurrency());
    baseline b;
    auto inputs = verify_inputs(1024);
    b.before = measure_verify(inputs, 1, baseline_duration);
    std::printf("\nbaseline: crypto_sign_verify_detached, real signatures "
                "over \"timecoin/1 block\"||hash (48 B) and \"timecoin/1 "
                "tx\"||txid (45 B), %.1f s on one thread\n",
                std::chrono::duration<double>(baseline_duration).count());
    print_baseline("before", b.before);

    std::vector<workload> loads;
    if (opt.n1 > 0)
      loads.push_back({"1-transaction blocks", opt.n1, 0});
    if (opt.n50 > 0)
      loads.push_back({"50-transaction blocks", opt.n50, 49});
    std::vector<workload_result> results;
    for (const auto& w : loads)
      results.push_back(run_workload(w, opt.runs));

    b.after = measure_verify(inputs, 1, baseline_duration);
    std::printf("\nbaseline again, after the syncs\n");
    print_baseline("after", b.after);
    std::printf("  bound: %.0f verifications/s (mean of both), one core\n",
                b.rate());
    for (const auto& wr : results)
      report(wr, b);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sync_bench: %s\n", e.what());
    return 1;
  }
  std::printf(
    "\nsecs: spawning B until B's best_hash is A's (chain_info polled "
    "every 1 ms). blocks/s, txs/s, sigs/s: A's chain over secs.\n"
    "vs bnd: blocks/s over the bound = one core's verifications/s / "
    "signatures per block.\n"
    "proc, wrtr, mux, other: cores used during the sync by this process, "
    "its busiest detached thread (B's chain writer),\n"
    "  the multiplexer (TLS, framing, msgpack of both nodes) and other "
    "processes. 1st s: time to B's first block.\n"
    "Total %.1f s.\n",
    seconds_between(total, bench_clock::now()));
  return 0;
}
