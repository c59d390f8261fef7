#include "sim/report_files.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/sim/report_fixture.hpp"

namespace fs = std::filesystem;
using namespace timecoin::sim;
using timecoin::sim::test::hand_made_record;

namespace {

/// A fresh directory under the system temp dir, removed on scope exit.
struct temp_dir {
  fs::path path;
  temp_dir() {
    auto tmpl = (fs::temp_directory_path() / "timecoin-sim-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
};

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

/// Options that never run gnuplot and collect the log.
report_options quiet(const fs::path& dir, std::vector<std::string>& log) {
  report_options o;
  o.directory = dir.string();
  o.plot = false;
  o.log = [&log](const std::string& line) { log.push_back(line); };
  return o;
}

/// `text` without its lines containing any of `keys`.
std::string without_lines(const std::string& text,
                          std::initializer_list<const char*> keys) {
  std::istringstream in(text);
  std::string out;
  std::string line;
  while (std::getline(in, line)) {
    bool drop = false;
    for (auto key : keys)
      drop = drop || line.find(key) != std::string::npos;
    if (!drop)
      out += line + "\n";
  }
  return out;
}

const char* const data_files[] = {"report.txt",      "messages.csv",
                                  "propagation.csv", "nodes.csv",
                                  "blocks.csv",      "heals.csv",
                                  "propagation.gp"};

} // namespace

TEST_CASE("every file is written, and summary.json has the keys") {
  temp_dir tmp;
  std::vector<std::string> log;
  auto files = write_report(hand_made_record(), quiet(tmp.path / "out", log));
  REQUIRE_MESSAGE(files.has_value(), files.error().message);
  CHECK(files->written.size() == 8);
  CHECK(files->plot.outcome == plot_outcome::skipped);
  for (auto name : data_files)
    CHECK(fs::exists(tmp.path / "out" / name));

  auto summary = nlohmann::json::parse(slurp(tmp.path / "out/summary.json"));
  for (auto key :
       {"nodes", "messages", "p50_s", "p90_s", "p99_s", "p100_s", "bound_p99_s",
        "delivered_ratio", "duplicates_per_node", "wall_s", "peak_rss_bytes",
        "blocks_converged_s", "heal_converged_s", "seed", "mode"}) {
    CAPTURE(key);
    CHECK(summary.contains(key));
  }
  CHECK(summary["nodes"] == 5);
  CHECK(summary["messages"] == 2);
  CHECK(summary["p50_s"].get<double>() == doctest::Approx(0.15));
  CHECK(summary["p90_s"].is_null()); // never
  CHECK(summary["delivered_ratio"].get<double>() == doctest::Approx(8.0 / 9.0));
  CHECK(summary["seed"] == 42);
  CHECK(summary["mode"] == "virtual");
  CHECK(summary["peak_rss_bytes"] == 123456789);
  CHECK(summary["scenario"]["name"] == "hand-made");
  // Fixed decimals.
  CHECK(slurp(tmp.path / "out/summary.json").find("\"p50_s\": 0.150000,")
        != std::string::npos);
}

TEST_CASE("the CSV files: headers, fixed decimals, empty for never") {
  temp_dir tmp;
  std::vector<std::string> log;
  REQUIRE(write_report(hand_made_record(), quiet(tmp.path, log)).has_value());
  auto messages = slurp(tmp.path / "messages.csv");
  CHECK(messages
        == "id,origin,published_s,live,reached,p50_s,p90_s,p99_s,p100_s,"
           "bound_p50_s,bound_p90_s,bound_p99_s,bound_p100_s,duplicates\n"
           "1,0,10.000000,5,4,0.200000,,,,0.100000,0.200000,0.200000,"
           "0.200000,3\n"
           "2,1,20.000000,4,4,0.050000,0.300000,0.300000,0.300000,0.020000,"
           "0.100000,0.100000,0.100000,1\n");
  auto nodes = slurp(tmp.path / "nodes.csv");
  CHECK(nodes.rfind("node,deliveries,duplicates,missed,bytes_in,bytes_out,"
                    "msgs_in,msgs_out\n0,1,0,0,100,200,1,2\n",
                    0)
        == 0);
  CHECK(slurp(tmp.path / "blocks.csv")
        == "height,generated_s,live,reached,p50_s,p90_s,p99_s,converged_s\n"
           "1,30.000000,5,5,0.500000,1.000000,1.000000,1.000000\n");
  CHECK(slurp(tmp.path / "heals.csv")
        == "healed_s,converged_s,took_s\n50.000000,52.500000,2.500000\n");
  auto curve = slurp(tmp.path / "propagation.csv");
  CHECK(curve.rfind("t_s,mean,min,max,bound_mean\n"
                    "0.000000,0.225000,0.200000,0.250000,0.225000\n",
                    0)
        == 0);
  auto table = slurp(tmp.path / "report.txt");
  CHECK(table.find("5 nodes, virtual mode, seed 42") != std::string::npos);
  CHECK(table.find("never") != std::string::npos);
  CHECK(table.find("wall") == std::string::npos); // no machine values
  CHECK(format_table(hand_made_record(), analyze(hand_made_record()), true)
          .find("wall time 1.250 s")
        != std::string::npos);
}

TEST_CASE("the same record gives byte-identical files") {
  temp_dir tmp;
  std::vector<std::string> log;
  auto record = hand_made_record();
  REQUIRE(write_report(record, quiet(tmp.path / "a", log)).has_value());
  REQUIRE(write_report(record, quiet(tmp.path / "b", log)).has_value());
  // Only the machine values differ between runs of one simulation.
  record.wall_s = 99.5;
  record.peak_rss_bytes = 1;
  REQUIRE(write_report(record, quiet(tmp.path / "c", log)).has_value());
  for (auto name : data_files) {
    CAPTURE(name);
    CHECK(slurp(tmp.path / "a" / name) == slurp(tmp.path / "b" / name));
    CHECK(slurp(tmp.path / "a" / name) == slurp(tmp.path / "c" / name));
  }
  auto a = slurp(tmp.path / "a/summary.json");
  CHECK(a == slurp(tmp.path / "b/summary.json"));
  auto c = slurp(tmp.path / "c/summary.json");
  CHECK(a != c);
  CHECK(without_lines(a, {"\"wall_s\"", "\"peak_rss_bytes\""})
        == without_lines(c, {"\"wall_s\"", "\"peak_rss_bytes\""}));
}

TEST_CASE("a missing gnuplot is logged and the report still succeeds") {
  temp_dir tmp;
  std::vector<std::string> log;
  auto options = quiet(tmp.path, log);
  options.plot = true;
  options.gnuplot = "timecoin-no-such-gnuplot";
  auto files = write_report(hand_made_record(), options);
  REQUIRE(files.has_value());
  CHECK(files->plot.outcome == plot_outcome::no_gnuplot);
  REQUIRE(log.size() == 1);
  CHECK(log[0].find("not found") != std::string::npos);
  CHECK(fs::exists(tmp.path / "propagation.gp"));
  CHECK_FALSE(fs::exists(tmp.path / "propagation.png"));

  options.gnuplot = "/nonexistent/gnuplot";
  CHECK(write_report(hand_made_record(), options)->plot.outcome
        == plot_outcome::no_gnuplot);
}

TEST_CASE("gnuplot draws the PNG in a directory with a hostile name") {
  if (!find_program("gnuplot")) {
    MESSAGE("gnuplot is not installed: the PNG is not tested");
    return;
  }
  temp_dir tmp;
  // Quotes, blanks, a command substitution: nothing may run but gnuplot.
  auto dir = tmp.path / "out $(touch pwned) 'x' \"y\"; touch pwned2";
  std::vector<std::string> log;
  auto options = quiet(dir, log);
  options.plot = true;
  auto record = hand_made_record();
  record.mode = "it's \"quoted\"\nset output '/tmp/x'";
  auto files = write_report(record, options);
  REQUIRE(files.has_value());
  CHECK_MESSAGE(files->plot.outcome == plot_outcome::drawn, files->plot.message,
                "\n", slurp(dir / "gnuplot.log"));
  auto png = slurp(dir / "propagation.png");
  REQUIRE(png.size() > 8);
  CHECK(png.substr(1, 3) == "PNG");
  CHECK_FALSE(fs::exists("pwned"));
  CHECK_FALSE(fs::exists(tmp.path / "pwned"));
  CHECK_FALSE(fs::exists(dir / "pwned2"));
  CHECK(files->written.back() == (dir / "propagation.png").string());
}

TEST_CASE("a directory that cannot be made is an error, not a crash") {
  temp_dir tmp;
  std::ofstream(tmp.path / "file") << "x";
  std::vector<std::string> log;
  auto files = write_report(hand_made_record(),
                            quiet(tmp.path / "file" / "sub", log));
  REQUIRE_FALSE(files.has_value());
  CHECK(files.error().code == report_errc::no_directory);
}

TEST_CASE("find_program looks on PATH") {
  CHECK(find_program("sh").has_value());
  CHECK_FALSE(find_program("").has_value());
  CHECK_FALSE(find_program("timecoin-no-such-program").has_value());
  CHECK(find_program("/bin/sh") == std::optional<std::string>{"/bin/sh"});
  CHECK_FALSE(find_program("/etc/passwd").has_value()); // not executable
}
