#pragma once

// JSON-RPC over HTTP: a cpp-httplib server on its own threads. POST / with
// HTTP Basic auth; the body goes to a handler (the dispatcher).

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "apps/rpc/json_rpc.hpp"
#include "protocol/result.hpp"

namespace httplib {
class Server;
} // namespace httplib

namespace timecoin::rpc {

/// Request bodies larger than this are refused (HTTP 413).
constexpr std::size_t max_body_bytes = 1024 * 1024;
/// Threads serving requests; each may block for a node round trip.
constexpr std::size_t http_threads = 4;

/// Why the server did not start.
struct server_error {
  std::string message;
};

/// A running JSON-RPC HTTP server.
class http_server {
public:
  /// `credentials` is the cookie ("__cookie__:<hex>") every request must
  /// present; `handler` answers validated requests.
  http_server(std::string credentials, rpc_handler handler);
  ~http_server();

  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// Binds `host:port` (0: any free port) and starts serving; returns the
  /// port bound. A port in use is an error: no SO_REUSEPORT, so a second
  /// daemon cannot share it.
  result<uint16_t, server_error> start(const std::string& host, uint16_t port);

  /// Stops accepting, finishes requests in flight, joins the threads.
  /// Idempotent.
  void stop();

private:
  std::string credentials_;
  rpc_handler handler_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  /// Set by the serving thread when `listen_after_bind` returns.
  std::atomic<bool> finished_{false};
};

} // namespace timecoin::rpc
