#include "apps/rpc/http_server.hpp"

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
#include <thread>
#include <vector>

#include "apps/rpc/auth.hpp"
#include "apps/rpc/socket_io.hpp"

namespace timecoin::rpc {

namespace {

using clock_type = std::chrono::steady_clock;

/// Bytes taken from a socket per read; also the most a head buffer can
/// overshoot `max_head_bytes` by before it is refused.
constexpr std::size_t read_chunk_bytes = 16 * 1024;
/// Connections the kernel queues before the reading thread accepts them.
constexpr int listen_backlog = 64;
/// Out of file descriptors, accepting pauses this long instead of spinning on
/// a listening socket that stays readable.
constexpr auto accept_backoff = std::chrono::milliseconds{100};

/// Milliseconds from `now` until `t` for poll, rounded up, never negative.
int poll_ms(clock_type::time_point now, clock_type::time_point t) {
  auto left = std::chrono::ceil<std::chrono::milliseconds>(t - now);
  return static_cast<int>(std::max<int64_t>(0, left.count()));
}

/// A complete response that closes the connection; `body` is JSON if any.
std::string response_text(http_status status, const std::string& body = {}) {
  std::string out = "HTTP/1.1 " + std::to_string(static_cast<int>(status)) + " "
                    + reason_phrase(status) + "\r\n";
  if (status == http_status::unauthorized)
    out += "WWW-Authenticate: Basic realm=\"jsonrpc\"\r\n";
  if (status == http_status::method_not_allowed)
    out += "Allow: POST\r\n";
  if (status != http_status::no_content) {
    if (!body.empty())
      out += "Content-Type: application/json\r\n";
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  out += "Connection: close\r\n\r\n";
  out += body;
  return out;
}

/// A connection the reading thread holds.
struct connection {
  int fd = -1;
  clock_type::time_point accepted;
  /// When it is dropped: the request deadline, or the end of lingering.
  clock_type::time_point deadline;
  std::string received;
  std::size_t head_size = 0; ///< 0 until the head is complete
  std::size_t body_size = 0;
  bool lingering = false; ///< refused; discarding input until closed
  std::size_t discarded = 0;
};

/// A request ready for a handler: the connection and its body.
struct ready_request {
  int fd = -1;
  std::string body;
};

} // namespace

struct http_server::impl {
  const std::string& credentials;
  const rpc_handler& handler;
  const http_limits& limits;
  int listen_fd = -1;
  int wake_fd = -1;
  std::atomic<bool> stopping{false};
  clock_type::time_point accept_paused_until; // reading thread only
  std::thread reader;
  std::vector<std::thread> workers;

  std::mutex mtx;
  std::condition_variable cv;
  std::deque<ready_request> queue; // guarded by mtx
  bool closing = false;            // guarded by mtx

  impl(const std::string& c, const rpc_handler& h, const http_limits& l)
    : credentials(c), handler(h), limits(l) {
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
            send_now(c.fd, response_text(http_status::request_timeout));
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
    send_now(c.fd, response_text(status));
    ::shutdown(c.fd, SHUT_WR);
    c.lingering = true;
    c.deadline = clock_type::now() + limits.linger_time;
    std::string{}.swap(c.received);
  }

  void on_readable(connection& c) {
    char chunk[read_chunk_bytes];
    auto want = sizeof(chunk);
    if (!c.lingering && c.head_size > 0)
      want = std::min(want, c.head_size + c.body_size - c.received.size());
    auto n = ::recv(c.fd, chunk, want, 0);
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
    if (c.head_size == 0 && !on_head(c))
      return;
    if (c.received.size() < c.head_size + c.body_size)
      return;
    ready_request r{c.fd, c.received.substr(c.head_size, c.body_size)};
    c.fd = -1; // a worker owns it now
    if (!enqueue(r)) {
      c.fd = r.fd;
      refuse(c, http_status::service_unavailable);
    }
  }

  /// Looks at the head once it is complete: true if the body is to be read.
  bool on_head(connection& c) {
    auto parsed = parse_head(c.received);
    if (parsed.st == head_parse::state::incomplete)
      return false;
    if (parsed.st == head_parse::state::refused) {
      refuse(c, parsed.refusal);
      return false;
    }
    const auto& head = parsed.head;
    // Credentials first: an unauthenticated client learns nothing else and
    // never gets its body read.
    auto auth = head.values("authorization");
    if (auth.size() != 1 || !check_basic_auth(auth[0], credentials)) {
      refuse(c, http_status::unauthorized);
      return false;
    }
    if (head.target != "/") {
      refuse(c, http_status::not_found);
      return false;
    }
    if (head.method != "POST") {
      refuse(c, http_status::method_not_allowed);
      return false;
    }
    auto length = body_length(head, limits.max_body_bytes);
    if (!length) {
      refuse(c, length.error());
      return false;
    }
    auto expect = head.value("expect");
    if (expect && *expect == "100-continue" && head.version == "HTTP/1.1"
        && c.received.size() == parsed.size)
      send_now(c.fd, "HTTP/1.1 100 Continue\r\n\r\n");
    c.head_size = parsed.size;
    c.body_size = *length;
    return true;
  }

  // -- handler threads ------------------------------------------------------

  bool enqueue(ready_request& r) {
    {
      std::lock_guard<std::mutex> guard{mtx};
      if (queue.size() >= limits.max_queued_requests)
        return false;
      queue.push_back(std::move(r));
    }
    cv.notify_one();
    return true;
  }

  void work_loop() {
    for (;;) {
      ready_request r;
      {
        std::unique_lock<std::mutex> lock{mtx};
        cv.wait(lock, [this] { return closing || !queue.empty(); });
        if (queue.empty())
          return;
        r = std::move(queue.front());
        queue.pop_front();
      }
      answer(r);
    }
  }

  void answer(const ready_request& r) {
    std::string text;
    try {
      auto reply = handle_body(r.body, handler);
      text = reply ? response_text(http_status::ok, to_wire(*reply))
                   : response_text(http_status::no_content);
    } catch (const std::exception&) {
      // Rendering does not throw on hostile strings; this is memory
      // exhaustion or a bug, and must not end the thread.
      text = response_text(http_status::internal_error);
    }
    // Blocking from here on, with a send timeout.
    send_all(r.fd, text, limits.write_timeout);
    ::shutdown(r.fd, SHUT_WR);
    close_fd(r.fd);
  }
};

http_server::http_server(std::string credentials, rpc_handler handler,
                         http_limits limits)
  : credentials_(std::move(credentials)),
    handler_(std::move(handler)),
    limits_(limits) {
  // nop
}

http_server::~http_server() {
  stop();
}

result<uint16_t, server_error> http_server::start(const std::string& host,
                                                  uint16_t port) {
  if (impl_)
    return server_error{"the RPC server is already running"};
  int fd = listen_on(host, port, listen_backlog);
  uint16_t bound = fd >= 0 ? bound_port(fd) : 0;
  if (bound == 0) {
    close_fd(fd);
    return server_error{"cannot bind the RPC server to " + host + ":"
                        + std::to_string(port)
                        + " (address in use, or not an address of this "
                          "host)"};
  }
  int wake = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake < 0) {
    close_fd(fd);
    return server_error{"cannot start the RPC server: eventfd failed"};
  }
  impl_ = std::make_unique<impl>(credentials_, handler_, limits_);
  impl_->listen_fd = fd;
  impl_->wake_fd = wake;
  for (std::size_t i = 0; i < std::max<std::size_t>(1, limits_.threads); ++i)
    impl_->workers.emplace_back([p = impl_.get()] { p->work_loop(); });
  impl_->reader = std::thread{[p = impl_.get()] { p->read_loop(); }};
  return bound;
}

void http_server::stop() {
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
  for (auto& t : impl_->workers)
    t.join();
  close_fd(impl_->wake_fd);
  impl_.reset();
}

} // namespace timecoin::rpc
