#pragma once

// time.conf and command-line parsing.

#include <string>
#include <vector>

#include "config/node_config.hpp"
#include "protocol/result.hpp"

namespace timecoin {

/// A configuration error: names the file and line, or the flag.
struct config_error {
  std::string message;
};

/// The outcome of parsing the command line.
struct parsed_args {
  node_config config;
  bool help = false;          ///< `--help` was given: print `usage()` and exit 0
  std::string conf_file;      ///< the time.conf read, if any
};

/// Parses `time.conf` text. `origin` names it in errors ("time.conf").
/// Applies every `key=value` onto `cfg`.
result<void, config_error> apply_config_text(const std::string& text,
                                             const std::string& origin,
                                             node_config& cfg);

/// Applies one `key=value` setting; `where` names it in errors.
result<void, config_error> apply_setting(const std::string& key,
                                         const std::string& value,
                                         const std::string& where,
                                         node_config& cfg);

/// Parses the command line: `--conf=FILE`, `--datadir=DIR`, `--devnet`,
/// `--testnet`, `--help`, and every time.conf key as `--key=value`. The
/// config file is `--conf`, else `<datadir>/time.conf` if it exists; the
/// command line wins over the file.
result<parsed_args, config_error> parse_command_line(int argc,
                                                      const char* const* argv);

/// The `--help` text.
std::string usage();

} // namespace timecoin
