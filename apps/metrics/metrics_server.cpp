#include "apps/metrics/metrics_server.hpp"

#include <sys/socket.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <vector>

#include "apps/metrics/prometheus.hpp"
#include "apps/rpc/http_head.hpp"
#include "apps/rpc/request_reader.hpp"
#include "apps/rpc/socket_io.hpp"

namespace timecoin::metrics {

namespace {

using clock_type = std::chrono::steady_clock;
using rpc::close_fd;
using rpc::http_status;

/// The one path served.
constexpr std::string_view metrics_path = "/metrics";
/// Bytes taken from a socket per read; a request head is at most
/// rpc::max_head_bytes.
constexpr std::size_t read_chunk_bytes = 4 * 1024;
/// Connections the kernel queues before the reading thread accepts them.
constexpr int listen_backlog = 16;

/// A complete response that closes the connection.
std::string response_text(http_status status, std::string_view content_type,
                          std::string_view body) {
  std::string out = "HTTP/1.1 " + std::to_string(static_cast<int>(status)) + " "
                    + rpc::reason_phrase(status) + "\r\n";
  if (status == http_status::method_not_allowed)
    out += "Allow: GET\r\n";
  out += "Content-Type: ";
  out += content_type;
  out += "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  out += "Connection: close\r\n\r\n";
  out += body;
  return out;
}

/// A refusal, with its reason as a line of text for a human with curl.
std::string refusal_text(http_status status, std::string_view detail = {}) {
  std::string body = rpc::reason_phrase(status);
  if (!detail.empty())
    body += ": " + std::string{detail};
  body += "\n";
  return response_text(status, "text/plain; charset=utf-8", body);
}

/// Looks at a complete head: the length of the body to read (always none),
/// or a refusal.
result<std::size_t, http_status> check_head(const rpc::http_head& head) {
  auto path = std::string_view{head.target};
  path = path.substr(0, path.find('?'));
  if (path != metrics_path)
    return http_status::not_found;
  if (head.method != "GET")
    return http_status::method_not_allowed;
  // A body would be read as the next request; a scraper never sends one.
  if (head.value("transfer-encoding"))
    return http_status::bad_request;
  for (auto length : head.values("content-length"))
    if (length != "0")
      return http_status::bad_request;
  return std::size_t{0};
}

/// A refusal by the reading thread; a wrong path is told where to look.
std::string reader_refusal(http_status status) {
  return status == http_status::not_found
           ? refusal_text(status, "metrics are at /metrics")
           : refusal_text(status);
}

} // namespace

struct metrics_server::impl {
  const scrape_fn& scrape;
  const server_limits& limits;
  std::thread scraper;

  std::mutex mtx;
  std::condition_variable cv;
  std::deque<int> queue; // guarded by mtx: connections awaiting a scrape
  bool closing = false;  // guarded by mtx

  // Scrape thread only.
  std::string last_text;
  std::optional<clock_type::time_point> last_time;

  // Last, so that it stops before what its hooks use goes away.
  rpc::request_reader reader;

  impl(const scrape_fn& s, const server_limits& l)
    : scrape(s),
      limits(l),
      reader(reading_options(l),
             {reader_refusal, check_head,
              [this](int fd, std::string) { return enqueue(fd); }}) {
    // nop
  }

  static rpc::reader_options reading_options(const server_limits& l) {
    rpc::reader_options o;
    o.max_open_connections = l.max_open_connections;
    o.request_deadline = l.request_deadline;
    o.max_linger_bytes = l.max_linger_bytes;
    o.linger_time = l.linger_time;
    o.read_chunk_bytes = read_chunk_bytes;
    return o;
  }

  // -- scrape thread --------------------------------------------------------

  bool enqueue(int fd) {
    {
      std::lock_guard<std::mutex> guard{mtx};
      if (queue.size() >= limits.max_queued_scrapes)
        return false;
      queue.push_back(fd);
    }
    cv.notify_one();
    return true;
  }

  void scrape_loop() {
    for (;;) {
      int fd = -1;
      {
        std::unique_lock<std::mutex> lock{mtx};
        cv.wait(lock, [this] { return closing || !queue.empty(); });
        if (closing)
          return;
        fd = queue.front();
        queue.pop_front();
      }
      rpc::send_all(fd, answer(), limits.write_timeout);
      ::shutdown(fd, SHUT_WR);
      close_fd(fd);
    }
  }

  std::string answer() {
    auto now = clock_type::now();
    if (!last_time || now - *last_time >= limits.scrape_reuse_time) {
      result<std::string, scrape_error> text = scrape_error{"no scrape"};
      try {
        text = scrape();
      } catch (const std::exception& e) {
        // Memory exhaustion or a bug; the thread must go on.
        text = scrape_error{e.what()};
      }
      if (!text)
        return refusal_text(http_status::service_unavailable,
                            text.error().message);
      last_text = std::move(*text);
      last_time = now;
    }
    return response_text(http_status::ok, prometheus_content_type, last_text);
  }
};

metrics_server::metrics_server(scrape_fn scrape, server_limits limits)
  : scrape_(std::move(scrape)), limits_(limits) {
  // nop
}

metrics_server::~metrics_server() {
  stop();
}

result<uint16_t, rpc::server_error>
metrics_server::start(const std::string& host, uint16_t port) {
  if (impl_)
    return rpc::server_error{"the metrics server is already running"};
  int fd = rpc::listen_on(host, port, listen_backlog);
  uint16_t bound = fd >= 0 ? rpc::bound_port(fd) : 0;
  if (bound == 0) {
    close_fd(fd);
    auto where = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    return rpc::server_error{"cannot bind the metrics server to " + where + ":"
                             + std::to_string(port)
                             + " (address in use, or not an address of this "
                               "host)"};
  }
  impl_ = std::make_unique<impl>(scrape_, limits_);
  if (!impl_->reader.start(fd)) {
    impl_.reset();
    return rpc::server_error{"cannot start the metrics server: eventfd "
                             "failed"};
  }
  impl_->scraper = std::thread{[p = impl_.get()] { p->scrape_loop(); }};
  return bound;
}

void metrics_server::stop() {
  if (!impl_)
    return;
  impl_->reader.stop();
  {
    std::lock_guard<std::mutex> guard{impl_->mtx};
    impl_->closing = true;
  }
  impl_->cv.notify_all();
  impl_->scraper.join();
  for (int fd : impl_->queue)
    close_fd(fd);
  impl_.reset();
}

} // namespace timecoin::metrics
