#pragma once

// time.conf and command-line parsing.
//
// time.conf: one `key=value` a line; `#` starts a comment anywhere on a line
// (so values cannot contain `#`); blanks around keys and values are trimmed;
// blank lines are skipped; values are taken literally (no quotes). Unknown
// keys, bad values, lines without `=` and a non-repeatable key given twice are
// errors naming the file and line. Repeatable keys (addnode, masternodepeer,
// producer) accumulate; an empty value clears the ones before it.
//
// Command line: `--key=value` for every key; `--key` alone for booleans.
// It wins over the file: a key given there replaces the file's value, and
// repeatable keys are appended to the file's (as bitcoind does).

#include <cstddef>
#include <string>
#include <vector>

#include "config/node_config.hpp"
#include "protocol/result.hpp"

namespace timecoin {

/// A configuration error: names the file and line, or the flag.
struct config_error {
  std::string message;
};

/// Lines longer than this are refused: no key or value needs a tenth of it.
constexpr std::size_t max_config_line_bytes = 4096;
/// A time.conf larger than this is not a configuration file.
constexpr std::size_t max_config_file_bytes = 1024 * 1024;

/// One `key=value` as read, checked but not yet applied.
struct config_entry {
  std::string key;
  std::string value;
  std::string location; ///< "time.conf:7" or "--port"
  std::string where;    ///< "time.conf:7: port" or "--port": prefixes errors
};

/// The outcome of parsing the command line.
struct parsed_args {
  node_config config;
  bool help = false;     ///< `--help` was given: print `usage()` and exit 0
  bool version = false;  ///< `--version` was given: print it and exit 0
  std::string conf_file; ///< the time.conf read, if any
};

/// Parses `time.conf` text. `origin` names it in errors ("time.conf").
/// Applies every `key=value` onto `cfg`.
result<void, config_error> apply_config_text(const std::string& text,
                                             const std::string& origin,
                                             node_config& cfg);

/// Reads `time.conf` text into checked entries without applying them: every
/// line's syntax, key and value are checked, and a non-repeatable key given
/// twice is an error. `origin` names the text in errors.
result<std::vector<config_entry>, config_error>
parse_config_text(const std::string& text, const std::string& origin);

/// Reads a configuration file (at most `max_config_file_bytes`).
result<std::string, config_error> read_config_file(const std::string& path);

/// Applies one `key=value` setting; `where` prefixes errors ("time.conf:7:
/// port", "--port"). Command-line-only keys (`conf`, `help`) are errors.
result<void, config_error> apply_setting(const std::string& key,
                                         const std::string& value,
                                         const std::string& where,
                                         node_config& cfg);

/// Parses the command line: `--conf=FILE`, `--datadir=DIR`, `--devnet`,
/// `--testnet`, `--help`, `--version`, and every time.conf key as
/// `--key=value`. The config file is `--conf`, else `<datadir>/time.conf` if
/// it exists; the command line wins over the file. `--help`, then
/// `--version`, win over everything else: nothing more is read.
result<parsed_args, config_error> parse_command_line(int argc,
                                                     const char* const* argv);

/// The `--help` text.
std::string usage();

} // namespace timecoin
