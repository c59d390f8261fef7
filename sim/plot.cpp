#include "sim/plot.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

extern char** environ;

namespace timecoin::sim {

namespace {

/// gnuplot's output, in the report directory.
constexpr const char* plot_log_name = "gnuplot.log";

bool is_executable_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)
         && ::access(path.c_str(), X_OK) == 0;
}

/// `text` as a gnuplot string in single quotes (where only '' is special).
std::string gnuplot_quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'')
      out += "''";
    else if (c == '\n' || c == '\r')
      out += ' ';
    else
      out += c;
  }
  return out + "'";
}

} // namespace

std::string propagation_script(const std::string& title) {
  return fmt::format(
    R"(# Draws propagation.png from propagation.csv (both in this directory):
# columns t_s, mean, min, max, bound_mean.
if (strstrt(GPVAL_TERMINALS, "pngcairo") > 0) {{
  set terminal pngcairo size 1000,600 noenhanced
}} else {{
  set terminal png size 1000,600 noenhanced
}}
set output '{}'
set datafile separator ','
set key autotitle columnhead bottom right
set title {}
set xlabel 'seconds since publish'
set ylabel 'fraction of live nodes reached'
set yrange [0:1.05]
set grid
plot 'propagation.csv' using 1:3:4 with filledcurves \
       fillcolor rgb '#c6dbef' title 'slowest to fastest message', \
     '' using 1:2 with lines linewidth 2 linecolor rgb '#08519c' \
       title 'mean over messages', \
     '' using 1:5 with lines linewidth 2 dashtype 2 linecolor rgb '#a50f15' \
       title 'lower bound (fastest paths)'
)",
    plot_image_name, gnuplot_quoted(title));
}

std::optional<std::string> find_program(const std::string& program) {
  if (program.empty())
    return std::nullopt;
  if (program.find('/') != std::string::npos)
    return is_executable_file(program) ? std::optional{program} : std::nullopt;
  const char* path = std::getenv("PATH");
  std::string_view dirs = path != nullptr ? path : "/usr/bin:/bin";
  while (true) {
    auto colon = dirs.find(':');
    auto dir = dirs.substr(0, colon);
    // An empty entry is the working directory, as for the shell.
    auto candidate = (dir.empty() ? std::string{"."} : std::string{dir}) + "/"
                     + program;
    if (is_executable_file(candidate))
      return candidate;
    if (colon == std::string_view::npos)
      return std::nullopt;
    dirs.remove_prefix(colon + 1);
  }
}

plot_result run_gnuplot(const std::string& directory,
                        const std::string& program) {
  auto found = find_program(program);
  if (!found)
    return {plot_outcome::no_gnuplot,
            fmt::format("{} not found: no {} (the data and {} are in {})",
                        program, plot_image_name, plot_script_name, directory)};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // chdir first, so the log and the script's relative names are in the
  // report directory (glibc 2.29+).
  posix_spawn_file_actions_addchdir_np(&actions, directory.c_str());
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, plot_log_name,
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null",
                                   O_RDONLY, 0);
  std::string program_path = *found;
  std::string script = plot_script_name;
  std::vector<char*> argv{program_path.data(), script.data(), nullptr};
  pid_t pid = 0;
  int rc = posix_spawn(&pid, program_path.c_str(), &actions, nullptr,
                       argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0)
    return {plot_outcome::failed, fmt::format("{} could not be started: {}",
                                              program_path, std::strerror(rc))};
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR)
      return {plot_outcome::failed,
              fmt::format("waiting for {}: {}", program_path,
                          std::strerror(errno))};
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return {plot_outcome::failed,
            fmt::format("{} failed; see {}/{}", program_path, directory,
                        plot_log_name)};
  return {plot_outcome::drawn,
          fmt::format("plot: {}/{}", directory, plot_image_name)};
}

} // namespace timecoin::sim
