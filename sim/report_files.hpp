#pragma once

// The report's files, written into one directory:
//
//   summary.json      the run's aggregates (sim/report.hpp says how each is
//                     taken), the seed and mode, the machine values and the
//                     scenario
//   report.txt        the table `format_table` prints, without the machine
//                     values
//   messages.csv      one row per message: times to reach 50/90/99/100 % of
//                     the live nodes and the same for the lower bound
//   propagation.csv   the fraction of live nodes reached against time since
//                     publish: mean, min and max over messages, bound mean
//   nodes.csv         one row per node: deliveries, duplicates, missed,
//                     traffic
//   blocks.csv        one row per block: times to reach the live nodes
//   heals.csv         one row per heal: time to converge
//   propagation.gp    the gnuplot script; propagation.png if gnuplot ran
//
// Numbers are written with fixed decimals (seconds and ratios to 6 places),
// so the same record gives byte-identical files, except for summary.json's
// "wall_s" and "peak_rss_bytes" (each on a line of its own) and the PNG.
// A time that was never reached is an empty CSV field and null in JSON.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "protocol/result.hpp"
#include "sim/plot.hpp"
#include "sim/report.hpp"

namespace timecoin::sim {

/// Where and how to write the report.
struct report_options {
  std::string directory; ///< created if missing
  bool plot = true;      ///< run gnuplot when it is on PATH
  std::string gnuplot = "gnuplot";
  /// Receives the line about the plot; unset: written to stderr.
  std::function<void(const std::string&)> log;
};

/// Why the report could not be written.
enum class report_errc : uint8_t {
  no_directory = 1, ///< the directory cannot be created
  write_failed = 2, ///< a file cannot be written
};

/// A failed write, naming the path.
struct report_error {
  report_errc code = report_errc::write_failed;
  std::string message;
};

/// What was written.
struct report_files {
  std::vector<std::string> written; ///< paths, in the order written
  plot_result plot;
};

/// Analyzes `record` and writes every file above into
/// `options.directory`. Fails only if a file cannot be written: a missing
/// or failing gnuplot is logged and reported in `plot`.
result<report_files, report_error> write_report(const run_record& record,
                                                const report_options& options);

/// The human table: the run, the reach percentiles against the bound,
/// deliveries, duplicates, blocks and heals; with `machine`, the wall time
/// and peak memory too.
std::string format_table(const run_record& record, const report& rep,
                         bool machine);

/// summary.json's text.
std::string summary_json(const run_record& record, const report& rep);

/// messages.csv's text.
std::string messages_csv(const report& rep);
/// propagation.csv's text.
std::string propagation_csv(const report& rep);
/// nodes.csv's text.
std::string nodes_csv(const report& rep);
/// blocks.csv's text.
std::string blocks_csv(const report& rep);
/// heals.csv's text.
std::string heals_csv(const run_record& record);

} // namespace timecoin::sim
