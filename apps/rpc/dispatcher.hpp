#pragma once

// Method dispatch: a validated request in, a result or an error out. Looks
// the method up in the table (methods.hpp), checks its parameters against
// the table and runs the table's handler. Calls the node through a
// node_backend, so it is tested without actors.

#include <chrono>

#include "apps/rpc/backend.hpp"
#include "apps/rpc/help.hpp"
#include "apps/rpc/json_rpc.hpp"
#include "apps/rpc/methods.hpp"

namespace timecoin::rpc {

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
  node_backend& backend_;
  std::chrono::steady_clock::time_point started_;
};

} // namespace timecoin::rpc
