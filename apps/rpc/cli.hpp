#pragma once

// The pure parts of time-cli: splitting its command line, building the
// request, printing the answer.

#include <chrono>
#include <string>
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
