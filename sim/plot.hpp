#pragma once

// The propagation plot: a gnuplot script beside propagation.csv, and
// propagation.png when gnuplot is installed.

#include <optional>
#include <string>

namespace timecoin::sim {

/// The script's file name in the report directory.
constexpr const char* plot_script_name = "propagation.gp";
/// The picture's file name in the report directory.
constexpr const char* plot_image_name = "propagation.png";

/// A gnuplot script that reads propagation.csv and draws propagation.png,
/// both in its working directory: the mean fraction of live nodes reached
/// against time since publish, the band between the slowest and fastest
/// message, and the lower bound's mean.
std::string propagation_script(const std::string& title);

/// How drawing went.
enum class plot_outcome : uint8_t {
  drawn = 1,      ///< propagation.png written
  skipped = 2,    ///< not asked for
  no_gnuplot = 3, ///< the program is not on PATH
  failed = 4,     ///< gnuplot ran and failed (its output in gnuplot.log)
};

/// The outcome and one line saying it, for the log.
struct plot_result {
  plot_outcome outcome = plot_outcome::skipped;
  std::string message;
};

/// `program` itself if it contains a '/', else the first executable file of
/// that name in a PATH directory; nothing if there is none.
std::optional<std::string> find_program(const std::string& program);

/// Runs `program script` with `directory` as its working directory, stdout
/// and stderr into gnuplot.log there, and waits for it. No shell is
/// involved, so the directory's name may hold any character.
plot_result run_gnuplot(const std::string& directory,
                        const std::string& program = "gnuplot");

} // namespace timecoin::sim
