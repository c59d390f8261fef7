#include "apps/timed/logging.hpp"

#include <filesystem>
#include <memory>
#include <vector>

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace timecoin {

namespace {

/// The log file is rotated at this size ...
constexpr std::size_t log_file_max_bytes = 10 * 1024 * 1024;
/// ... keeping this many old files (debug.log.1 ... .3).
constexpr std::size_t log_file_max_files = 3;
/// ISO 8601 local time with milliseconds, level, thread, message.
constexpr auto log_pattern = "%Y-%m-%dT%H:%M:%S.%e %l [%t] %v";

} // namespace

result<void, logging_error> setup_logging(const node_config& cfg) {
  std::vector<spdlog::sink_ptr> sinks;
  sinks.push_back(std::make_shared<spdlog::sinks::stderr_sink_mt>());
  if (!cfg.debuglogfile.empty()) {
    std::filesystem::path file{cfg.debuglogfile};
    if (file.is_relative())
      file = std::filesystem::path{cfg.data_dir()} / file;
    try {
      sinks.push_back(std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
        file.string(), log_file_max_bytes, log_file_max_files));
    } catch (const spdlog::spdlog_ex& e) {
      return logging_error{"cannot open the log file " + file.string() + ": "
                           + e.what()};
    }
  }
  auto logger = std::make_shared<spdlog::logger>("timed", sinks.begin(),
                                                 sinks.end());
  logger->set_pattern(log_pattern);
  logger->set_level(spdlog::level::from_str(cfg.debug));
  // Warnings reach the file at once; info lines may wait for the next flush.
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(std::move(logger));
  spdlog::flush_every(std::chrono::seconds{1});
  return {};
}

} // namespace timecoin
