#pragma once

// The JSON-RPC 2.0 envelope: request validation, responses, error objects and
// batches. Knows nothing of HTTP, methods or the node.

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "protocol/result.hpp"

namespace timecoin::rpc {

using json = nlohmann::json;

/// Error codes: JSON-RPC 2.0's, then bitcoind's where one fits.
enum class rpc_code : int {
  parse_error = -32700,     ///< the body is not JSON
  invalid_request = -32600, ///< JSON, but not a JSON-RPC 2.0 request
  method_not_found = -32601,
  invalid_params = -32602,
  internal_error = -32603,
  node_unavailable = -32000, ///< the node did not answer in time
  misc_error = -1,           ///< bitcoind's RPC_MISC_ERROR
  /// bitcoind's RPC_INVALID_ADDRESS_OR_KEY: getblock of an unknown hash
  not_found = -5,
  /// bitcoind's RPC_INVALID_PARAMETER: a height the node has no block at
  invalid_parameter = -8,
  node_not_added = -24,     ///< bitcoind: addnode remove of an unknown peer
  node_not_connected = -29, ///< bitcoind: disconnectnode of an unknown peer
  address_unusable = -30,   ///< the node refused an addnode address
  /// bitcoind's RPC_CLIENT_INVALID_IP_OR_SUBNET: the node refused a setban
  /// subnet, or a setban remove of a subnet that is not banned
  invalid_subnet = -30,
};

/// An error as the `error` member of a response carries it.
struct rpc_error {
  rpc_code code = rpc_code::internal_error;
  std::string message;
};

/// A request that passed validation.
struct rpc_request {
  json id;                   ///< string, number or null
  bool notification = false; ///< no `id` member: no response is sent
  std::string method;
  json params; ///< array, object or null (absent)
};

/// A batch holding more requests than this is refused whole.
constexpr std::size_t max_batch_requests = 100;

/// Validates one request object (JSON-RPC 2.0 §4).
result<rpc_request, rpc_error> parse_request(const json& j);

/// `{"jsonrpc":"2.0","result":...,"id":...}`
json make_result_response(const json& id, json result);
/// `{"jsonrpc":"2.0","error":{"code":...,"message":...},"id":...}`
json make_error_response(const json& id, const rpc_error& err);

/// Answers one validated request: its result or an error.
using rpc_handler = std::function<result<json, rpc_error>(const rpc_request&)>;

/// Handles an HTTP body: one request or a batch (array). Returns the
/// response document, or nothing when only notifications were sent (the
/// HTTP layer then answers 204).
std::optional<json> handle_body(std::string_view body,
                                const rpc_handler& handler);

/// `doc` as the server sends it: compact JSON and a newline. Strings from
/// peers (user agents, BYE and ban reasons, anything relayed) need not be
/// UTF-8; every invalid byte sequence in any string becomes U+FFFD here, so
/// that no response fails to render. The one place responses are serialised.
std::string to_wire(const json& doc);

} // namespace timecoin::rpc
