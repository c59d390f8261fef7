#pragma once

// The table's entries, by topic; all_methods() joins them in this order.
// Each group's file keeps a method's parameters, help and handler together.

#include <string_view>
#include <vector>

#include "apps/rpc/methods.hpp"

namespace timecoin::rpc {

/// A failed backend call: -32000 if the node did not answer, else
/// `refused` with the node's own text.
rpc_error node_error(const backend_error& err,
                     rpc_code refused = rpc_code::misc_error);

/// `value` as a whole number from `min` to `max` (1.5, -1 and 1e30 are not);
/// else -32602 "<name> must be a whole number from <min> to <max>".
result<uint64_t, rpc_error> whole_number(const method_call& call,
                                         const json& value,
                                         std::string_view name, uint64_t min,
                                         uint64_t max);

/// Peers, added nodes and bans (network_methods.cpp).
std::vector<method_spec> network_methods();

/// The chain: info, blocks, generate, verifychain (chain_methods.cpp).
std::vector<method_spec> chain_methods();

/// uptime, stop and help (control_methods.cpp).
std::vector<method_spec> control_methods();

} // namespace timecoin::rpc
