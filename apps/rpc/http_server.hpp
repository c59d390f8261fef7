#pragma once

// JSON-RPC over HTTP/1.1, bounded against hostile clients. One thread reads
// requests from every connection without blocking; a request whose head
// carries the cookie and whose body has arrived goes to a small pool of
// handler threads (the dispatcher may block for a node round trip). Only
// `POST /` with HTTP Basic auth and a Content-Length body is served; every
// response closes its connection.
//
// cpp-httplib 0.11 (Debian 12) reads the whole body before any handler can
// refuse it and bounds neither header count nor request time, so the server
// side does not use it (time-cli still uses its client).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "apps/rpc/http_head.hpp"
#include "apps/rpc/json_rpc.hpp"
#include "protocol/result.hpp"

namespace timecoin::rpc {

/// Request bodies larger than this are refused (413) from the head alone.
/// The largest legitimate request is a batch of `max_batch_requests` small
/// calls.
constexpr std::size_t max_body_bytes = 1024 * 1024;
/// Threads running handlers; each may block for a node round trip.
constexpr std::size_t http_threads = 4;
/// Authenticated requests waiting for a handler thread; more are answered
/// 503 (bitcoind's -rpcworkqueue default). Keeps a flood of valid calls from
/// queueing without bound.
constexpr std::size_t max_queued_requests = 16;
/// Connections the reading thread holds at once (still sending their request,
/// or being closed after a refusal). When full, the one held longest is
/// dropped for the newcomer: slow clients age out first, a fresh
/// authenticated call gets in, and file descriptors stay bounded.
constexpr std::size_t max_open_connections = 32;
/// A client must deliver its whole request, head and body, within this of
/// connecting, or it is answered 408 and dropped: a slow-byte client cannot
/// hold a connection longer.
constexpr auto request_deadline = std::chrono::seconds{10};
/// After refusing a request whose body was not read, the server discards at
/// most this many further bytes, for at most `linger_time`, before closing,
/// so that the client reads the refusal instead of a connection reset.
constexpr std::size_t max_linger_bytes = 64 * 1024;
constexpr auto linger_time = std::chrono::seconds{2};
/// A response the client does not take within this is abandoned.
constexpr auto write_timeout = std::chrono::seconds{10};

/// The bounds one server applies. The defaults are the constants above;
/// tests shorten the times.
struct http_limits {
  std::size_t max_body_bytes = rpc::max_body_bytes;
  std::size_t threads = http_threads;
  std::size_t max_queued_requests = rpc::max_queued_requests;
  std::size_t max_open_connections = rpc::max_open_connections;
  std::chrono::milliseconds request_deadline = rpc::request_deadline;
  std::size_t max_linger_bytes = rpc::max_linger_bytes;
  std::chrono::milliseconds linger_time = rpc::linger_time;
  std::chrono::milliseconds write_timeout = rpc::write_timeout;
};

/// Why the server did not start.
struct server_error {
  std::string message;
};

/// A running JSON-RPC HTTP server.
class http_server {
public:
  /// `credentials` is the cookie ("__cookie__:<hex>") every request must
  /// present; `handler` answers validated requests.
  http_server(std::string credentials, rpc_handler handler,
              http_limits limits = {});
  ~http_server();

  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// Binds `host:port` (0: any free port) and starts serving; returns the
  /// port bound. A port in use is an error: no SO_REUSEPORT, so a second
  /// daemon cannot share it.
  result<uint16_t, server_error> start(const std::string& host, uint16_t port);

  /// Stops accepting, drops requests still arriving, answers those already
  /// received, joins the threads. Idempotent.
  void stop();

private:
  struct impl;
  std::string credentials_;
  rpc_handler handler_;
  http_limits limits_;
  std::unique_ptr<impl> impl_;
};

} // namespace timecoin::rpc
