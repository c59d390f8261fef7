#pragma once

// The table of time.conf keys: names, defaults, help, and how each value is
// validated and applied to a node_config. The parser, `--help` and the
// documentation all follow this one table.

#include <string>
#include <string_view>
#include <vector>

#include "config/node_config.hpp"
#include "config/parser.hpp"

namespace timecoin {

/// Applies a validated value to the configuration, or names what is wrong.
/// `where` prefixes the message ("time.conf:7: port", "--port").
using setting_applier = result<void, config_error> (*)(const std::string& value,
                                                       const std::string& where,
                                                       node_config& cfg);

/// One key of time.conf (and its `--key=value` twin).
struct setting_info {
  std::string_view key;
  std::string_view value_hint;   ///< "<port>", "<0|1>", ... for `--help`
  std::string_view default_text; ///< the default, as `--help` shows it
  std::string_view help;         ///< one line
  /// May be given many times; the values accumulate, and an empty value
  /// clears those given before it.
  bool repeatable = false;
  /// `--key` alone on the command line means `--key=1`.
  bool bare_flag = false;
  /// Command line only (`conf`, `help`): an error in time.conf.
  bool cli_only = false;
  /// Null for command-line-only keys.
  setting_applier apply = nullptr;
};

/// Every key, in the order `--help` lists them.
const std::vector<setting_info>& all_settings();

/// The key named `key` (exact, lowercase), or null.
const setting_info* find_setting(std::string_view key);

/// The error `<where>: '<value>' is not <what>`, with `value` made printable.
config_error bad_value(const std::string& where, const std::string& value,
                       std::string_view what);

} // namespace timecoin
