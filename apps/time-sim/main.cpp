// time-sim: runs many nodes in one process on a simulated network (virtual
// time, deterministic for a seed) or over loopback sockets (real time),
// plays a scenario, and reports how gossip and blocks spread.

#include <cstdio>
#include <iostream>
#include <string>
#include <variant>

#include <CLI/CLI.hpp>

#include "apps/timed/fd_limit.hpp"
#include "sim/driver.hpp"
#include "sim/duration.hpp"
#include "sim/report_files.hpp"
#include "timecoin/version.hpp"

namespace {

using namespace timecoin;

/// Files a simulated node holds open: its chain store's data and lock
/// files, its data directory's lock, and one while it writes a file.
constexpr uint64_t fds_per_sim_node = 4;

/// Reads a duration option ("50ms"), or says why not.
bool read_duration(const std::string& text, const char* what,
                   std::chrono::microseconds& out) {
  auto d = sim::parse_duration(text);
  if (!d) {
    std::cerr << "time-sim: --" << what << " " << text << ": "
              << d.error().message << "\n";
    return false;
  }
  out = *d;
  return true;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"time-sim: a cluster of TIME Coin nodes in one process, on a "
               "simulated network or loopback sockets, playing a scenario"};
  sim::run_options opts;
  std::string latency = "50ms";
  std::string jitter = "0";
  std::string bandwidth = "0";
  std::string scenario_file;
  std::string out_dir = "time-sim-report";
  bool real = false;
  bool no_tls = false;
  bool no_plot = false;
  bool quiet = false;
  bool version = false;
  app.add_option("--nodes", opts.nodes, "Nodes at the start")
    ->capture_default_str();
  app.add_option("--degree", opts.degree, "Links per node")
    ->capture_default_str();
  app.add_option("--latency", latency, "One-way latency of a link")
    ->capture_default_str();
  app
    .add_option("--jitter", jitter,
                "Each link's latency is drawn from latency ± jitter")
    ->capture_default_str();
  app
    .add_option("--bandwidth", bandwidth,
                "Per link, e.g. 100Mbit (0: unlimited)")
    ->capture_default_str();
  app.add_option("--seed", opts.seed, "Seed of the topology, keys and choices")
    ->capture_default_str();
  app.add_option("--fanout", opts.gossip_fanout, "gossip_fanout of every node")
    ->capture_default_str();
  app.add_option("--scenario", scenario_file,
                 "Scenario file (JSON); default: 100 messages in 60 s");
  app.add_option("--out", out_dir, "Directory for the report")
    ->capture_default_str();
  app.add_flag("--real", real,
               "Real time over loopback TLS sockets (up to ~100 nodes): "
               "every write is held for --latency; no jitter, bandwidth "
               "limit or partitions");
  app.add_flag("--no-tls", no_tls, "Plaintext connections");
  app.add_flag("--no-plot", no_plot, "Do not run gnuplot");
  app
    .add_option("--log-level", opts.log_level,
                "Nodes' log level: off, warn, info, debug")
    ->capture_default_str();
  app.add_flag("-q,--quiet", quiet, "No progress lines");
  app.add_flag("--version", version, "Print the version and exit");
  CLI11_PARSE(app, argc, argv);
  if (version) {
    std::cout << "time-sim " << timecoin::version << "\n";
    return 0;
  }
  if (!read_duration(latency, "latency", opts.latency)
      || !read_duration(jitter, "jitter", opts.jitter))
    return 2;
  auto bps = sim::parse_bandwidth(bandwidth);
  if (!bps) {
    std::cerr << "time-sim: --bandwidth " << bandwidth << ": "
              << bps.error().message << "\n";
    return 2;
  }
  opts.bandwidth_bps = *bps;
  opts.mode = real ? sim::clock_mode::real_time : sim::clock_mode::virtual_time;
  opts.tls = !no_tls;
  if (!quiet)
    opts.progress = [](const std::string& line) {
      std::cerr << "time-sim: " << line << "\n";
    };
  sim::scenario sc = sim::default_scenario();
  if (!scenario_file.empty()) {
    auto loaded = sim::load_scenario(scenario_file);
    if (!loaded) {
      std::cerr << "time-sim: " << scenario_file << ": "
                << loaded.error().message << "\n";
      return 2;
    }
    sc = std::move(*loaded);
  }
  auto nodes = sc.network.nodes ? *sc.network.nodes : opts.nodes;
  if (auto ok = sim::check_nodes(sc, nodes); !ok) {
    std::cerr << "time-sim: " << ok.error().message << "\n";
    return 2;
  }
  // Each node holds its chain store's two LMDB files and its data
  // directory's lock; in real time, a socket per connection too.
  uint64_t total_nodes = nodes;
  for (const auto& ev : sc.events)
    if (auto* add = std::get_if<sim::add_event>(&ev.what))
      total_nodes += add->nodes;
  uint64_t per_node = fds_per_sim_node + (real ? 2 * opts.degree + 2 : 0);
  auto wanted = reserved_fds + total_nodes * per_node;
  auto limit = raise_fd_limit(wanted);
  if (limit.soft < wanted) {
    std::cerr << "time-sim: " << total_nodes << " nodes need " << wanted
              << " open files, and the limit is " << limit.soft
              << " (hard limit " << limit.hard << "): raise it (ulimit -n)\n";
    return 1;
  }
  auto record = sim::run_scenario(opts, sc);
  if (!record) {
    std::cerr << "time-sim: " << record.error().message << "\n";
    return 1;
  }
  sim::report_options ro;
  ro.directory = out_dir;
  ro.plot = !no_plot;
  ro.log = [](const std::string& line) {
    std::cerr << "time-sim: " << line << "\n";
  };
  auto files = sim::write_report(*record, ro);
  if (!files) {
    std::cerr << "time-sim: " << files.error().message << "\n";
    return 1;
  }
  std::cout << sim::format_table(*record, sim::analyze(*record), true);
  std::cout << "report in " << out_dir << "\n";
  return 0;
}
