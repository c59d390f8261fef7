#pragma once

// The pure parts of time-cli: splitting its command line, building the
// request, printing the answer.

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "apps/rpc/json_rpc.hpp"
#include "apps/rpc/methods.hpp"

namespace timecoin::rpc {

/// time-cli's command line: `[--option...] METHOD [ARG...]`.
struct cli_call {
  std::vector<std::string> options; ///< the leading `--...` arguments
  std::string method;               ///< empty if none was given
  std::vector<std::string> args;    ///< everything after the method, as is
};

/// Splits `argv`: options up to the first argument not starting with "-",
/// which is the method.
cli_call split_cli_args(int argc, const char* const* argv);

/// time-cli's own options, which timed does not know. Each may also be
/// written with one dash (`-rpcwait`), as bitcoin-cli's are.
struct cli_options {
  bool version = false; ///< `--version`: print it and exit
  /// `--rpcwait`: while the node is not up (no cookie yet, connection
  /// refused), ask again until it answers.
  bool rpcwait = false;
  /// `--rpcwaittimeout=N`: with `--rpcwait`, give up after N seconds;
  /// 0 (the default) waits forever.
  std::chrono::seconds rpcwait_timeout{0};
  /// The other options, timed's (`--datadir=...`), for parse_command_line.
  std::vector<std::string> node_options;
};

/// A longer `--rpcwaittimeout` is a typo: a year, and 0 waits forever.
constexpr auto max_rpcwait_timeout = std::chrono::hours{24 * 365};

/// Takes time-cli's own options out of `options` (split_cli_args's), or
/// names the one that is wrong.
result<cli_options, std::string>
read_cli_options(const std::vector<std::string>& options);

/// The service's configuration, as the package installs it: its
/// `datadir=` tells time-cli where the service's cookie is.
constexpr std::string_view system_conf_file = "/etc/timecoin/time.conf";

/// Whether time-cli reads `system_conf_file`, as bitcoin-cli reads its
/// bitcoin.conf unasked: only when `node_options` name neither `--conf`
/// nor `--datadir`, the default data directory (`./data/<network>`) does
/// not exist, and the file is readable. Run by the service's user (or
/// root), `time-cli getnetworkinfo` then talks to the service; anyone with
/// a `./data/<network>` of their own talks to their node, as before.
bool use_system_conf(const std::vector<std::string>& node_options,
                     bool default_datadir_exists, bool system_conf_readable);

/// The JSON-RPC 2.0 request for `method(args)`. An argument is sent as a
/// number or boolean where the method's parameter is one (it must then
/// parse as such; a boolean or flag may be 0 or 1); as a number where a
/// hash or height is expected and it is a height (digits); otherwise, and
/// for methods time-cli does not know, as a string. `methods` is the table
/// consulted (all_methods() but in tests).
result<json, std::string>
make_call(const std::string& method, const std::vector<std::string>& args,
          int id, const std::vector<method_spec>& methods = all_methods());

/// How long time-cli waits for the answer to `method`: a little longer than
/// the server waits for the node (minutes for `generate`).
std::chrono::milliseconds cli_read_timeout(const std::string& method);

/// How time-cli prints a result: strings raw, null as nothing, everything
/// else as JSON indented by 2.
std::string format_result(const json& result);

/// One line for an error object: `error -32601: method not found: 'x'`.
std::string format_error(const json& error);

/// time-cli's `--help` text.
std::string cli_usage();

} // namespace timecoin::rpc
