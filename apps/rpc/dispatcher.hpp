#pragma once

// Method dispatch: a validated request in, a result or an error out. Calls
// the node through a node_backend, so it is tested without actors.

#include <chrono>

#include "apps/rpc/backend.hpp"
#include "apps/rpc/json_rpc.hpp"
#include "apps/rpc/methods.hpp"

namespace timecoin::rpc {

/// What `stop` answers, as bitcoind's "Bitcoin Core stopping".
constexpr std::string_view stop_reply = "timed stopping";

/// Runs the methods of `all_methods()` against a node. Thread-safe if the
/// backend is.
class dispatcher {
public:
  /// `started` is when the daemon started, for `uptime`.
  dispatcher(node_backend& backend,
             std::chrono::steady_clock::time_point started);

  /// Answers one request.
  result<json, rpc_error> operator()(const rpc_request& req) const;

private:
  using args = std::vector<json>;
  result<json, rpc_error> call(const method_spec& method,
                               const args& params) const;
  result<json, rpc_error> addnode(const args& params) const;
  result<json, rpc_error> disconnectnode(const args& params) const;
  result<json, rpc_error> help(const args& params) const;

  node_backend& backend_;
  std::chrono::steady_clock::time_point started_;
};

} // namespace timecoin::rpc
