#pragma once

// timed's logging: spdlog to stderr and, with `debuglogfile=`, to a file.

#include <string>

#include "config/node_config.hpp"
#include "protocol/result.hpp"

namespace timecoin {

/// Why logging could not be set up (the log file cannot be opened).
struct logging_error {
  std::string message;
};

/// Installs the default spdlog logger at the level `cfg.debug` names:
/// stderr, plus `cfg.debuglogfile` (relative to the data directory) if set.
result<void, logging_error> setup_logging(const node_config& cfg);

} // namespace timecoin
