// tls_throughput_bench: frames/s through one TLS connection between two nodes
// in one process, against the memory-BIO TLS baseline of the same frames
// (docs/BENCHMARKS.md).

#include <algorithm>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "actors/node.hpp"
#include "bench/bench_report.hpp"
#include "bench/node_pair.hpp"
#include "bench/tls_baseline.hpp"

using namespace std::chrono_literals;
using namespace timecoin;
using namespace timecoin::bench;

namespace {

/// One payload size and how many frames a node run sends of it: about a
/// second of traffic at the rates measured here (docs/BENCHMARKS.md).
struct workload {
  std::size_t payload_bytes;
  uint64_t node_frames;
};

constexpr workload workloads[] = {
  {256, 1'000'000},
  {4096, 200'000},
};

/// Each baseline runs this long.
constexpr auto baseline_duration = 500ms;
/// Node runs per configuration; the table shows the median (the machine's
/// two cores are shared, single runs vary by some 10 %).
constexpr int node_repeats = 3;
/// A node run that has not delivered everything by then reports what it has.
constexpr auto node_run_timeout = 15s;
/// Frames sent on a fresh connection before measuring, so that buffers and
/// allocators are warm.
constexpr uint64_t warmup_frames = 20'000;

/// Command-line knobs, for profiling one configuration.
struct options {
  std::size_t only_payload = 0; ///< `--payload N`: this payload size only
  bool baseline = true;         ///< `--no-baseline`: node runs only
  bool plain = true;            ///< `--no-plain`: skip the tls=0 runs
};

/// The run with the median rate of `runs` (odd count), its note listing the
/// range.
result_row median_of(std::vector<result_row> runs) {
  std::sort(runs.begin(), runs.end(), [](const auto& x, const auto& y) {
    return x.frames_per_second() < y.frames_per_second();
  });
  auto mid = runs[runs.size() / 2];
  char range[64];
  std::snprintf(range, sizeof range, "median of %zu (%.0fk..%.0fk)",
                runs.size(), runs.front().frames_per_second() / 1e3,
                runs.back().frames_per_second() / 1e3);
  std::string notes = range;
  for (const auto& r : runs)
    if (!r.note.empty())
      notes += "; " + r.note;
  mid.note = notes;
  return mid;
}

void run(std::vector<result_row>& rows, const options& opt) {
  caf::actor_system_config cfg;
  timecoin::configure_actor_system(cfg);
  // As the integration tests: two workers for two cores. Every broker (so
  // both ends of the connection) runs on the one multiplexer thread.
  cfg.set("scheduler.max-threads", 2);
  caf::actor_system sys{cfg};
  for (auto w : workloads) {
    if (opt.only_payload != 0 && w.payload_bytes != opt.only_payload)
      continue;
    auto msg = bench_gossip(w.payload_bytes);
    double base_fps = 0;
    if (opt.baseline) {
      auto batched = run_tls_baseline(msg, write_mode::batched,
                                      baseline_duration);
      base_fps = batched.frames_per_second();
      batched.baseline_fps = base_fps;
      auto per_frame = run_tls_baseline(msg, write_mode::per_frame,
                                        baseline_duration);
      per_frame.baseline_fps = base_fps;
      auto codec = run_codec_baseline(msg, baseline_duration);
      rows.push_back(batched);
      rows.push_back(per_frame);
      rows.push_back(codec);
    }
    for (bool tls : {true, false}) {
      if (!tls && !opt.plain)
        continue;
      std::vector<result_row> runs;
      for (int i = 0; i < node_repeats; ++i) {
        node_pair pair{sys, tls, tls ? "tls" : "plain"};
        run_node_throughput(pair, msg, warmup_frames, node_run_timeout);
        runs.push_back(
          run_node_throughput(pair, msg, w.node_frames, node_run_timeout));
      }
      auto row = median_of(std::move(runs));
      row.baseline_fps = base_fps;
      rows.push_back(row);
    }
  }
}

} // namespace

int main(int argc, char** argv) {
  options opt;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--payload" && i + 1 < argc) {
      opt.only_payload = std::stoul(argv[++i]);
    } else if (arg == "--no-baseline") {
      opt.baseline = false;
    } else if (arg == "--no-plain") {
      opt.plain = false;
    } else {
      std::fprintf(stderr,
                   "usage: %s [--payload 256|4096] [--no-baseline] "
                   "[--no-plain]\n",
                   argv[0]);
      return 2;
    }
  }
  std::vector<result_row> rows;
  auto start = bench_clock::now();
  try {
    run(rows, opt);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tls_throughput_bench: %s\n", e.what());
    print_table(rows);
    return 1;
  }
  print_table(rows);
  std::printf(
    "\nMB/s: frame bytes (4-byte length + msgpack GOSSIP), TLS overhead not "
    "counted.\nvs base: frames/s over the batched memory-BIO row of the same "
    "payload.\nTotal %.1f s.\n",
    std::chrono::duration<double>(bench_clock::now() - start).count());
  return 0;
}
