#include <fmt/format.h>

#include <cmath>
#include <string_view>

#include "sim/report_files.hpp"

namespace timecoin::sim {

namespace {

/// Seconds and ratios: fixed decimals, so the same value is always the same
/// text.
std::string fixed(double v) {
  return fmt::format("{:.6f}", v);
}

/// A CSV field: empty for never or unknown.
std::string csv_number(double v) {
  return std::isfinite(v) ? fixed(v) : std::string{};
}

/// A JSON number: null for never or unknown.
std::string json_number(double v) {
  return std::isfinite(v) ? fixed(v) : std::string{"null"};
}

std::string json_string(const std::string& s) {
  return nlohmann::json(s).dump(-1, ' ', false,
                                nlohmann::json::error_handler_t::replace);
}

void append_times(std::string& row, const percentile_times& t) {
  for (double v : t)
    row += "," + csv_number(v);
}

std::string seconds_cell(double v, std::string_view missing) {
  return std::isfinite(v) ? fixed(v) + " s" : std::string{missing};
}

} // namespace

std::string messages_csv(const report& rep) {
  std::string out = "id,origin,published_s,live,reached,p50_s,p90_s,p99_s,"
                    "p100_s,bound_p50_s,bound_p90_s,bound_p99_s,"
                    "bound_p100_s,duplicates\n";
  for (const auto& m : rep.messages) {
    auto row = fmt::format("{},{},{},{},{}", m.id, m.origin,
                           fixed(m.published_s), m.live, m.reached);
    append_times(row, m.reach_s);
    append_times(row, m.bound_s);
    out += row + fmt::format(",{}\n", m.duplicates);
  }
  return out;
}

std::string propagation_csv(const report& rep) {
  std::string out = "t_s,mean,min,max,bound_mean\n";
  for (const auto& p : rep.curve)
    out += fmt::format("{},{},{},{},{}\n", fixed(p.t_s), csv_number(p.mean),
                       csv_number(p.min), csv_number(p.max),
                       csv_number(p.bound_mean));
  return out;
}

std::string nodes_csv(const report& rep) {
  std::string out = "node,deliveries,duplicates,missed,bytes_in,bytes_out,"
                    "msgs_in,msgs_out\n";
  for (std::size_t n = 0; n < rep.per_node.size(); ++n) {
    const auto& s = rep.per_node[n];
    out += fmt::format("{},{},{},{},{},{},{},{}\n", n, s.deliveries,
                       s.duplicates, s.missed, s.traffic.bytes_in,
                       s.traffic.bytes_out, s.traffic.msgs_in,
                       s.traffic.msgs_out);
  }
  return out;
}

std::string blocks_csv(const report& rep) {
  std::string out
    = "height,generated_s,live,reached,p50_s,p90_s,p99_s,converged_s\n";
  for (const auto& b : rep.blocks) {
    auto row = fmt::format("{},{},{},{}", b.height, fixed(b.generated_s),
                           b.live, b.reached);
    append_times(row, b.reach_s);
    out += row + "\n";
  }
  return out;
}

std::string heals_csv(const run_record& record) {
  std::string out = "healed_s,converged_s,took_s\n";
  for (const auto& h : record.heals) {
    bool done = std::isfinite(h.converged_s) && h.converged_s >= 0;
    double took = done ? std::max(h.converged_s - h.healed_s, 0.0) : NAN;
    out += fmt::format("{},{},{}\n", fixed(h.healed_s),
                       csv_number(done ? h.converged_s : NAN),
                       csv_number(took));
  }
  return out;
}

std::string summary_json(const run_record& record, const report& rep) {
  std::string out = "{\n";
  auto line = [&](std::string_view key, const std::string& value) {
    out += fmt::format("  \"{}\": {},\n", key, value);
  };
  line("nodes", std::to_string(rep.nodes));
  line("messages", std::to_string(rep.messages.size()));
  for (std::size_t i = 0; i < report_percentiles.size(); ++i)
    line(fmt::format("p{}_s", report_percentiles[i]),
         json_number(rep.reach_s[i]));
  for (std::size_t i = 0; i < report_percentiles.size(); ++i)
    line(fmt::format("bound_p{}_s", report_percentiles[i]),
         json_number(rep.bound_s[i]));
  line("delivered_ratio", json_number(rep.delivered_ratio));
  line("duplicates_per_node", json_number(rep.duplicates_per_node));
  line("blocks", std::to_string(rep.blocks.size()));
  line("blocks_converged_s", json_number(rep.blocks_converged_s));
  line("heals", std::to_string(record.heals.size()));
  line("heal_converged_s", json_number(rep.heal_converged_s));
  line("seed", std::to_string(record.seed));
  line("mode", json_string(record.mode));
  line("percentiles", json_string("nearest rank, over every (message, live "
                                  "node) pair"));
  line("wall_s", json_number(record.wall_s));
  line("peak_rss_bytes", std::to_string(record.peak_rss_bytes));
  auto scenario = record.scenario.dump(
    2, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string indented;
  for (char c : scenario)
    indented += c == '\n' ? std::string{"\n  "} : std::string{c};
  out += fmt::format("  \"scenario\": {}\n}}\n", indented);
  return out;
}

std::string format_table(const run_record& record, const report& rep,
                         bool machine) {
  std::string out = fmt::format("time-sim: {} nodes, {} mode, seed {}",
                                rep.nodes, record.mode, record.seed);
  if (record.scenario.is_object() && record.scenario.contains("name")
      && record.scenario["name"].is_string())
    out += fmt::format(", scenario {}",
                       json_string(record.scenario["name"].get<std::string>()));
  out += "\n";
  out += fmt::format("messages: {}, delivered to {} of live nodes, {} "
                     "duplicates per node\n",
                     rep.messages.size(),
                     std::isfinite(rep.delivered_ratio)
                       ? fmt::format("{:.4f} %", rep.delivered_ratio * 100)
                       : std::string{"-"},
                     fixed(rep.duplicates_per_node));
  out += fmt::format("\n{:<8}", "");
  for (auto p : report_percentiles)
    out += fmt::format("{:>14}", fmt::format("p{}", p));
  out += fmt::format("\n{:<8}", "reach");
  for (double v : rep.reach_s)
    out += fmt::format("{:>14}", seconds_cell(v, "never"));
  out += fmt::format("\n{:<8}", "bound");
  for (double v : rep.bound_s)
    out += fmt::format("{:>14}", seconds_cell(v, "-"));
  out += "\n\n";
  out += fmt::format(
    "blocks: {}, slowest to reach every live node: {}\n", rep.blocks.size(),
    seconds_cell(rep.blocks_converged_s, rep.blocks.empty() ? "-" : "never"));
  out += fmt::format(
    "heals: {}, slowest to converge: {}\n", record.heals.size(),
    seconds_cell(rep.heal_converged_s, record.heals.empty() ? "-" : "never"));
  if (machine)
    out += fmt::format(
      "wall time {:.3f} s, peak RSS {:.1f} MiB\n", record.wall_s,
      static_cast<double>(record.peak_rss_bytes) / (1024.0 * 1024.0));
  return out;
}

} // namespace timecoin::sim
