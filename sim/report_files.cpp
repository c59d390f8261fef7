#include "sim/report_files.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace timecoin::sim {

namespace {

namespace fs = std::filesystem;

result<void, report_error>
write_file(const fs::path& path, const std::string& text, report_files& files) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out)
    return report_error{report_errc::write_failed,
                        fmt::format("{}: cannot be written", path.string())};
  files.written.push_back(path.string());
  return {};
}

} // namespace

result<report_files, report_error> write_report(const run_record& record,
                                                const report_options& options) {
  const fs::path dir = options.directory;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir))
    return report_error{report_errc::no_directory,
                        fmt::format("{}: cannot create the directory: {}",
                                    dir.string(),
                                    ec ? ec.message() : "not a directory")};
  const auto rep = analyze(record);
  std::string title = fmt::format("{} nodes, {} mode, seed {}", rep.nodes,
                                  record.mode, record.seed);
  const std::pair<const char*, std::string> texts[] = {
    {"summary.json", summary_json(record, rep)},
    {"report.txt", format_table(record, rep, false)},
    {"messages.csv", messages_csv(rep)},
    {"propagation.csv", propagation_csv(rep)},
    {"nodes.csv", nodes_csv(rep)},
    {"blocks.csv", blocks_csv(rep)},
    {"heals.csv", heals_csv(record)},
    {plot_script_name, propagation_script(title)},
  };
  report_files files;
  for (const auto& [name, text] : texts)
    if (auto ok = write_file(dir / name, text, files); !ok)
      return ok.error();

  if (!options.plot) {
    files.plot = {plot_outcome::skipped, "plot: not drawn (turned off)"};
    return files;
  }
  files.plot = run_gnuplot(dir.string(), options.gnuplot);
  if (files.plot.outcome == plot_outcome::drawn)
    files.written.push_back((dir / plot_image_name).string());
  if (options.log)
    options.log(files.plot.message);
  else
    std::fprintf(stderr, "%s\n", files.plot.message.c_str());
  return files;
}

} // namespace timecoin::sim
