#pragma once

// The Prometheus endpoint: `GET /metrics` over HTTP/1.1, without
// authentication (as Prometheus scrapes exporters), bounded against hostile
// clients like the JSON-RPC server. One thread reads request heads from
// every connection without blocking (apps/rpc/request_reader.hpp, as the
// JSON-RPC server does); one thread takes the scrape, which may block for a
// node round trip, and writes the answer. Every response closes its connection.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "apps/rpc/http_server.hpp"
#include "protocol/result.hpp"

namespace timecoin::metrics {

/// Why a scrape has no text; answered with 503 and this message.
struct scrape_error {
  std::string message;
};

/// Takes a scrape: the exposition text (see prometheus.hpp). Runs on the
/// server's scrape thread only, one call at a time.
using scrape_fn = std::function<result<std::string, scrape_error>()>;

/// Connections held at once; when full, the one held longest is dropped for
/// the newcomer. One Prometheus server and an operator's curl need two.
constexpr std::size_t max_open_connections = 8;
/// The request head must arrive within this of connecting (one packet from
/// a real scraper), or the client gets 408 and is dropped.
constexpr auto request_deadline = std::chrono::seconds{5};
/// Complete requests waiting for the scrape thread; more are answered 503,
/// so a flood of scrapes does not queue without bound.
constexpr std::size_t max_queued_scrapes = 4;
/// A scrape younger than this is served again instead of asking the node:
/// however many clients scrape, the node answers at most about once a second
/// (Prometheus scrapes every 15 s by default).
constexpr auto scrape_reuse_time = std::chrono::seconds{1};
/// After a refusal, at most this many further bytes are discarded, for at
/// most `linger_time`, so that the client reads the refusal.
constexpr std::size_t max_linger_bytes = 16 * 1024;
constexpr auto linger_time = std::chrono::seconds{1};
/// An answer the client does not take within this is abandoned.
constexpr auto write_timeout = std::chrono::seconds{10};

/// The bounds one server applies; the defaults are the constants above,
/// tests shorten the times.
struct server_limits {
  std::size_t max_open_connections = metrics::max_open_connections;
  std::chrono::milliseconds request_deadline = metrics::request_deadline;
  std::size_t max_queued_scrapes = metrics::max_queued_scrapes;
  std::chrono::milliseconds scrape_reuse_time = metrics::scrape_reuse_time;
  std::size_t max_linger_bytes = metrics::max_linger_bytes;
  std::chrono::milliseconds linger_time = metrics::linger_time;
  std::chrono::milliseconds write_timeout = metrics::write_timeout;
};

/// A running metrics endpoint. `GET /metrics` (a query string is ignored)
/// gets 200 with the scrape, or 503 if the scrape failed; other paths 404,
/// other methods on /metrics 405, a request with a body 400, a head over
/// rpc::max_head_bytes or rpc::max_header_fields 431, a head not complete
/// within the deadline 408.
class metrics_server {
public:
  explicit metrics_server(scrape_fn scrape, server_limits limits = {});
  ~metrics_server();

  metrics_server(const metrics_server&) = delete;
  metrics_server& operator=(const metrics_server&) = delete;

  /// Binds `host:port` (0: any free port) and starts serving; returns the
  /// port bound. A port in use is an error.
  result<uint16_t, rpc::server_error> start(const std::string& host,
                                            uint16_t port);

  /// Stops accepting, closes every connection (requests waiting for a scrape
  /// are dropped unanswered), joins the threads. Idempotent.
  void stop();

private:
  struct impl;
  scrape_fn scrape_;
  server_limits limits_;
  std::unique_ptr<impl> impl_;
};

} // namespace timecoin::metrics
