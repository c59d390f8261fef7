#pragma once

// timed's data directory: created private (0700), and an existing one that
// group or others may read is reported (docs/SECURITY.md).

#include <string>

namespace timecoin {

/// What `prepare_datadir` found.
struct datadir_state {
  std::string error;   ///< the directory cannot be created or used; fatal
  std::string warning; ///< for the log: group or others have access
};

/// Creates `dir` and its missing parents with mode 0700 (before anything
/// else writes into it: the log file, the node key, the chain). An existing
/// directory keeps its mode: if group or others have any access, `warning`
/// names the mode and the fix; that is not an error (a shared group may be
/// the operator's intent).
datadir_state prepare_datadir(const std::string& dir);

} // namespace timecoin
