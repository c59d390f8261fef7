#pragma once

// The table of RPC methods. Each entry holds everything about one method:
// its name, its parameters (name, type, required or default, description),
// its help text, examples and handler. `help`, `help <method>`, time-cli's
// argument conversion and the parameter checks all read this table, so they
// cannot disagree.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "apps/rpc/backend.hpp"
#include "apps/rpc/json_rpc.hpp"
#include "security/ban_list.hpp"

namespace timecoin::rpc {

/// What `stop` answers, as bitcoind's "Bitcoin Core stopping".
constexpr std::string_view stop_reply = "timed stopping";

/// `setban add` without a bantime (or with 0) bans for the node's default.
constexpr int64_t default_ban_seconds
  = std::chrono::seconds{security::default_ban_duration}.count();
/// The longest `setban` bantime: 100 years. Longer is a typo, and the node's
/// `now + bantime` must stay far from overflowing.
constexpr int64_t max_ban_seconds = int64_t{100} * 365 * 24 * 60 * 60;

/// `generate` produces 1 to this many blocks per call.
constexpr uint32_t max_generate_blocks = 10000;
/// `generate`'s txs_per_block is at most this (default 0).
constexpr uint32_t max_generate_txs = 1000;

/// The JSON type a parameter takes.
enum class param_type {
  string,
  number,
  boolean,
  /// A block hash (string) or height (number, or a decimal string).
  hash_or_height,
  /// A boolean, or 0 / 1 (as bitcoind's verbosity).
  flag,
};

/// One parameter of a method.
struct param_spec {
  std::string_view name;
  param_type type = param_type::string;
  bool required = true;
  /// What an optional parameter is when absent or null: a value of `type`,
  /// or null for "no value" (the handler then sees null).
  json default_value = nullptr;
  /// One or two sentences for `help <method>`.
  std::string_view description = {};
};

struct method_spec;

/// One call of a method, as its handler sees it.
struct method_call {
  const method_spec& method;
  /// The parameters in the table's order; absent optional ones are their
  /// default. Their JSON types are already checked against the table.
  const std::vector<json>& args;
  node_backend& backend;
  /// When the daemon started, for `uptime`.
  std::chrono::steady_clock::time_point started;
};

/// Runs one method. Expected failures are errors, never exceptions.
using method_handler = result<json, rpc_error> (*)(const method_call& call);

/// One method.
struct method_spec {
  std::string_view name;
  std::vector<param_spec> params;
  std::string_view summary; ///< one line, for `help`
  /// What the method does and returns, below the signature and above the
  /// parameters in `help <method>`.
  std::string_view help;
  /// time-cli arguments that call the method ("10.0.0.1:24200 add"), shown
  /// under "Examples" as `time-cli <method> <example>`.
  std::vector<std::string_view> examples = {};
  method_handler handler = nullptr;
};

/// Every method, in the order `help` lists them.
const std::vector<method_spec>& all_methods();

/// The method named `name` in `methods`, or null.
const method_spec*
find_method(std::string_view name,
            const std::vector<method_spec>& methods = all_methods());

/// The `invalid_params` (-32602) error every method reports, with one
/// wording: "Invalid params: <method>: <problem>".
rpc_error invalid_params(const method_spec& method, std::string_view problem);

/// True if `value` is of `type` (null is of none).
bool has_type(const json& value, param_type type);

/// `type` as an error message names it: "a number".
std::string_view type_name(param_type type);

/// The table's one check of a request's parameters, positional (array) or
/// named (object): returns them as an array in the method's order, absent
/// (or null) optional ones as their default. A missing required parameter,
/// an extra or unknown one, and a value of the wrong type are
/// `invalid_params`, worded alike for every method:
///   "Invalid params: <method>: missing parameter 'x' (usage: ...)"
///   "Invalid params: <method>: unexpected parameter 'x' (usage: ...)"
///   "Invalid params: <method>: unexpected parameter #3 (usage: ...)"
///   "Invalid params: <method>: parameter 'x' must be <type> (usage: ...)"
result<std::vector<json>, rpc_error> bind_params(const method_spec& method,
                                                 const json& params);

} // namespace timecoin::rpc
