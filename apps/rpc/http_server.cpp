#include "apps/rpc/http_server.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "apps/rpc/auth.hpp"
#include "apps/rpc/request_reader.hpp"
#include "apps/rpc/socket_io.hpp"

namespace timecoin::rpc {

namespace {

/// Bytes taken from a socket per read; also the most a head buffer can
/// overshoot `max_head_bytes` by before it is refused.
constexpr std::size_t read_chunk_bytes = 16 * 1024;
/// Connections the kernel queues before the reading thread accepts them.
constexpr int listen_backlog = 64;

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
  std::vector<std::thread> workers;

  std::mutex mtx;
  std::condition_variable cv;
  std::deque<ready_request> queue; // guarded by mtx
  bool closing = false;            // guarded by mtx

  // Last, so that it stops before what its hooks use goes away.
  request_reader reader;

  impl(const std::string& c, const rpc_handler& h, const http_limits& l)
    : credentials(c),
      handler(h),
      limits(l),
      reader(reading_options(l),
             {[](http_status status) { return response_text(status); },
              [this](const http_head& head) { return check_head(head); },
              [this](int fd, std::string body) {
                return enqueue(ready_request{fd, std::move(body)});
              }}) {
    // nop
  }

  static reader_options reading_options(const http_limits& l) {
    reader_options o;
    o.max_open_connections = l.max_open_connections;
    o.request_deadline = l.request_deadline;
    o.max_linger_bytes = l.max_linger_bytes;
    o.linger_time = l.linger_time;
    o.read_chunk_bytes = read_chunk_bytes;
    o.answer_continue = true;
    return o;
  }

  // -- reading thread -------------------------------------------------------

  /// Looks at a complete head: the length of the body to read, or a refusal.
  result<std::size_t, http_status> check_head(const http_head& head) const {
    // Credentials first: an unauthenticated client learns nothing else and
    // never gets its body read.
    auto auth = head.values("authorization");
    if (auth.size() != 1 || !check_basic_auth(auth[0], credentials))
      return http_status::unauthorized;
    if (head.target != "/")
      return http_status::not_found;
    if (head.method != "POST")
      return http_status::method_not_allowed;
    return body_length(head, limits.max_body_bytes);
  }

  // -- handler threads ------------------------------------------------------

  bool enqueue(ready_request r) {
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
  impl_ = std::make_unique<impl>(credentials_, handler_, limits_);
  if (!impl_->reader.start(fd)) {
    impl_.reset();
    return server_error{"cannot start the RPC server: eventfd failed"};
  }
  for (std::size_t i = 0; i < std::max<std::size_t>(1, limits_.threads); ++i)
    impl_->workers.emplace_back([p = impl_.get()] { p->work_loop(); });
  return bound;
}

void http_server::stop() {
  if (!impl_)
    return;
  impl_->reader.stop();
  {
    std::lock_guard<std::mutex> guard{impl_->mtx};
    impl_->closing = true;
  }
  impl_->cv.notify_all();
  for (auto& t : impl_->workers)
    t.join();
  impl_.reset();
}

} // namespace timecoin::rpc
