#pragma once

// The RPC methods: names, parameters and help, shared by the server (which
// checks parameters) and time-cli (which converts its arguments).

#include <string_view>
#include <vector>

#include "apps/rpc/json_rpc.hpp"

namespace timecoin::rpc {

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
};

/// One method.
struct method_spec {
  std::string_view name;
  std::vector<param_spec> params;
  std::string_view summary; ///< one line, for `help`
  std::string_view help;    ///< the full text, for `help <method>`
};

/// Every method, in the order `help` lists them.
const std::vector<method_spec>& all_methods();

/// The method named `name`, or null.
const method_spec* find_method(std::string_view name);

/// The request's parameters, positional (array) or named (object), as an
/// array in the method's order, absent optional ones as null. Too many,
/// missing, unknown or mistyped parameters are `invalid_params`.
result<std::vector<json>, rpc_error> bind_params(const method_spec& method,
                                                 const json& params);

/// The one-line signature: `addnode "addr" "add|remove|onetry"`.
std::string signature(const method_spec& method);

} // namespace timecoin::rpc
