#include "apps/metrics/metrics_server.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <vector>

#include "apps/metrics/prometheus.hpp"
#include "apps/rpc/http_head.hpp"
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
/// Out of file descriptors, accepting pauses this long instead of spinning on
/// a listening socket that stays readable.
constexpr auto accept_backoff = std::chrono::milliseconds{100};

/// Milliseconds from `now` until `t` for poll, rounded up, never negative.
int poll_ms(clock_type::time_point now, clock_type::time_point t) {
  auto left = std::chrono::ceil<std::chrono::milliseconds>(t - now);
  return static_cast<int>(std::max<int64_t>(0, left.count()));
}

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

/// A connection the reading thread holds.
struct connection {
  int fd = -1;
  clock_type::time_point accepted;
  /// When it is dropped: the request deadline, or the end of lingering.
  clock_type::time_point deadline;
  std::string received;
  bool lingering = false; ///< refused; discarding input until closed
  std::size_t discarded = 0;
};

/// What to do with a complete head: nothing (serve it) or a refusal.
std::optional<http_status> check_head(const rpc::http_head& head) {
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
  return std::nullopt;
}

} // namespace

struct metrics_server::impl {
  const scrape_fn& scrape;
  const server_limits& limits;
  int listen_fd = -1;
  int wake_fd = -1;
  std::atomic<bool> stopping{false};
  clock_type::time_point accept_paused_until; // reading thread only
  std::thread reader;
  std::thread scraper;

  std::mutex mtx;
  std::condition_variable cv;
  std::deque<int> queue; // guarded by mtx: connections awaiting a scrape
  bool closing = false;  // guarded by mtx

  // Scrape thread only.
  std::string last_text;
  std::optional<clock_type::time_point> last_time;

  impl(const scrape_fn& s, const server_limits& l) : scrape(s), limits(l) {
    // nop
  }

  // -- reading thread -------------------------------------------------------

  void read_loop() {
    std::vector<connection> conns;
    std::vector<pollfd> fds;
    while (!stopping) {
      auto now = clock_type::now();
      for (auto& c : conns)
        if (c.fd >= 0 && now >= c.deadline) {
          if (!c.lingering)
            rpc::send_now(c.fd, refusal_text(http_status::request_timeout));
          drop(c);
        }
      erase_dropped(conns);
      fds.clear();
      fds.push_back({wake_fd, POLLIN, 0});
      int timeout_ms = -1;
      auto wait_for = [&](clock_type::time_point t) {
        auto ms = poll_ms(now, t);
        timeout_ms = timeout_ms < 0 ? ms : std::min(timeout_ms, ms);
      };
      if (now >= accept_paused_until) {
        fds.push_back({listen_fd, POLLIN, 0});
      } else {
        fds.push_back({listen_fd, 0, 0});
        wait_for(accept_paused_until);
      }
      for (auto& c : conns) {
        fds.push_back({c.fd, POLLIN, 0});
        wait_for(c.deadline);
      }
      if (::poll(fds.data(), fds.size(), timeout_ms) < 0 && errno != EINTR)
        break;
      if (stopping)
        break;
      for (std::size_t i = 0; i < conns.size(); ++i)
        if (fds[i + 2].revents != 0)
          on_readable(conns[i]);
      erase_dropped(conns);
      if (fds[1].revents & POLLIN)
        accept_all(conns);
    }
    for (auto& c : conns)
      drop(c);
  }

  static void drop(connection& c) {
    close_fd(c.fd);
    c.fd = -1;
  }

  static void erase_dropped(std::vector<connection>& conns) {
    conns.erase(std::remove_if(conns.begin(), conns.end(),
                               [](const connection& c) { return c.fd < 0; }),
                conns.end());
  }

  void accept_all(std::vector<connection>& conns) {
    // At most one table's worth per wake-up, so the others get served too.
    for (std::size_t n = 0; n < limits.max_open_connections; ++n) {
      int fd = ::accept4(listen_fd, nullptr, nullptr,
                         SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS
            || errno == ENOMEM)
          accept_paused_until = clock_type::now() + accept_backoff;
        return;
      }
      if (!conns.empty() && conns.size() >= limits.max_open_connections) {
        auto oldest = std::min_element(conns.begin(), conns.end(),
                                       [](const auto& a, const auto& b) {
                                         return a.accepted < b.accepted;
                                       });
        close_fd(oldest->fd);
        conns.erase(oldest);
      }
      connection c;
      c.fd = fd;
      c.accepted = clock_type::now();
      c.deadline = c.accepted + limits.request_deadline;
      conns.push_back(std::move(c));
    }
  }

  /// Answers `status` now and lingers: the client reads the refusal, and
  /// whatever it still sends is discarded, within bounds, unread.
  void refuse(connection& c, http_status status) {
    rpc::send_now(c.fd, status == http_status::not_found
                          ? refusal_text(status, "metrics are at /metrics")
                          : refusal_text(status));
    ::shutdown(c.fd, SHUT_WR);
    c.lingering = true;
    c.deadline = clock_type::now() + limits.linger_time;
    std::string{}.swap(c.received);
  }

  void on_readable(connection& c) {
    char chunk[read_chunk_bytes];
    auto n = ::recv(c.fd, chunk, sizeof(chunk), 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
      return;
    if (n <= 0) { // closed by the client, or an error
      drop(c);
      return;
    }
    auto got = static_cast<std::size_t>(n);
    if (c.lingering) {
      c.discarded += got;
      if (c.discarded > limits.max_linger_bytes)
        drop(c);
      return;
    }
    c.received.append(chunk, got);
    auto parsed = rpc::parse_head(c.received);
    if (parsed.st == rpc::head_parse::state::incomplete)
      return;
    if (parsed.st == rpc::head_parse::state::refused) {
      refuse(c, parsed.refusal);
      return;
    }
    if (auto refusal = check_head(parsed.head)) {
      refuse(c, *refusal);
      return;
    }
    if (!enqueue(c.fd)) {
      refuse(c, http_status::service_unavailable);
      return;
    }
    c.fd = -1; // the scrape thread owns it now
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
    auto where = host.find(':') != std::string::npos ? "[" + host + "]"
                                                      : host;
    return rpc::server_error{"cannot bind the metrics server to " + where + ":"
                             + std::to_string(port)
                             + " (address in use, or not an address of this "
                               "host)"};
  }
  int wake = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake < 0) {
    close_fd(fd);
    return rpc::server_error{"cannot start the metrics server: eventfd "
                             "failed"};
  }
  impl_ = std::make_unique<impl>(scrape_, limits_);
  impl_->listen_fd = fd;
  impl_->wake_fd = wake;
  impl_->scraper = std::thread{[p = impl_.get()] { p->scrape_loop(); }};
  impl_->reader = std::thread{[p = impl_.get()] { p->read_loop(); }};
  return bound;
}

void metrics_server::stop() {
  if (!impl_)
    return;
  impl_->stopping = true;
  uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(impl_->wake_fd, &one, sizeof(one));
  impl_->reader.join();
  close_fd(impl_->listen_fd);
  {
    std::lock_guard<std::mutex> guard{impl_->mtx};
    impl_->closing = true;
  }
  impl_->cv.notify_all();
  impl_->scraper.join();
  for (int fd : impl_->queue)
    close_fd(fd);
  close_fd(impl_->wake_fd);
  impl_.reset();
}

} // namespace timecoin::metrics
