#include "apps/rpc/request_reader.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>

#include "apps/rpc/socket_io.hpp"

namespace timecoin::rpc {

namespace {

/// Out of file descriptors, accepting pauses this long instead of spinning on
/// a listening socket that stays readable.
constexpr auto accept_backoff = std::chrono::milliseconds{100};

/// Milliseconds from `now` until `t` for poll, rounded up, never negative.
int poll_ms(std::chrono::steady_clock::time_point now,
            std::chrono::steady_clock::time_point t) {
  auto left = std::chrono::ceil<std::chrono::milliseconds>(t - now);
  return static_cast<int>(std::max<int64_t>(0, left.count()));
}

} // namespace

request_reader::request_reader(reader_options options, reader_hooks hooks)
  : options_(options),
    hooks_(std::move(hooks)),
    chunk_(std::max<std::size_t>(1, options.read_chunk_bytes)) {
  // nop
}

request_reader::~request_reader() {
  stop();
}

bool request_reader::start(int listen_fd) {
  int wake = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake < 0) {
    close_fd(listen_fd);
    return false;
  }
  listen_fd_ = listen_fd;
  wake_fd_ = wake;
  thread_ = std::thread{[this] { read_loop(); }};
  return true;
}

void request_reader::stop() {
  if (!thread_.joinable())
    return;
  stopping_ = true;
  uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof(one));
  thread_.join();
  close_fd(listen_fd_);
  close_fd(wake_fd_);
  listen_fd_ = -1;
  wake_fd_ = -1;
}

void request_reader::read_loop() {
  std::vector<connection> conns;
  std::vector<pollfd> fds;
  while (!stopping_) {
    auto now = clock_type::now();
    for (auto& c : conns)
      if (c.fd >= 0 && now >= c.deadline) {
        if (!c.lingering)
          send_now(c.fd, hooks_.refusal(http_status::request_timeout));
        drop(c);
      }
    erase_dropped(conns);
    fds.clear();
    fds.push_back({wake_fd_, POLLIN, 0});
    int timeout_ms = -1;
    auto wait_for = [&](clock_type::time_point t) {
      auto ms = poll_ms(now, t);
      timeout_ms = timeout_ms < 0 ? ms : std::min(timeout_ms, ms);
    };
    if (now >= accept_paused_until_) {
      fds.push_back({listen_fd_, POLLIN, 0});
    } else {
      fds.push_back({listen_fd_, 0, 0});
      wait_for(accept_paused_until_);
    }
    for (auto& c : conns) {
      fds.push_back({c.fd, POLLIN, 0});
      wait_for(c.deadline);
    }
    if (::poll(fds.data(), fds.size(), timeout_ms) < 0 && errno != EINTR)
      break;
    if (stopping_)
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

void request_reader::drop(connection& c) {
  close_fd(c.fd);
  c.fd = -1;
}

void request_reader::erase_dropped(std::vector<connection>& conns) {
  conns.erase(std::remove_if(conns.begin(), conns.end(),
                             [](const connection& c) { return c.fd < 0; }),
              conns.end());
}

void request_reader::accept_all(std::vector<connection>& conns) {
  // At most one table's worth per wake-up, so the others get served too.
  for (std::size_t n = 0; n < options_.max_open_connections; ++n) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr,
                       SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS
          || errno == ENOMEM)
        accept_paused_until_ = clock_type::now() + accept_backoff;
      return;
    }
    if (!conns.empty() && conns.size() >= options_.max_open_connections) {
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
    c.deadline = c.accepted + options_.request_deadline;
    conns.push_back(std::move(c));
  }
}

/// Answers `status` now and lingers: the client reads the refusal, and
/// whatever it still sends is discarded, within bounds, unread.
void request_reader::refuse(connection& c, http_status status) {
  send_now(c.fd, hooks_.refusal(status));
  ::shutdown(c.fd, SHUT_WR);
  c.lingering = true;
  c.deadline = clock_type::now() + options_.linger_time;
  std::string{}.swap(c.received);
}

void request_reader::on_readable(connection& c) {
  auto want = chunk_.size();
  if (!c.lingering && c.head_size > 0)
    want = std::min(want, c.head_size + c.body_size - c.received.size());
  auto n = ::recv(c.fd, chunk_.data(), want, 0);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
    return;
  if (n <= 0) { // closed by the client, or an error
    drop(c);
    return;
  }
  auto got = static_cast<std::size_t>(n);
  if (c.lingering) {
    c.discarded += got;
    if (c.discarded > options_.max_linger_bytes)
      drop(c);
    return;
  }
  c.received.append(chunk_.data(), got);
  if (c.head_size == 0 && !on_head(c))
    return;
  if (c.received.size() < c.head_size + c.body_size)
    return;
  int fd = c.fd;
  c.fd = -1; // the server owns it now
  if (!hooks_.take(fd, c.received.substr(c.head_size, c.body_size))) {
    c.fd = fd;
    refuse(c, http_status::service_unavailable);
  }
}

/// Looks at the head once it is complete: true if the body is to be read.
bool request_reader::on_head(connection& c) {
  auto parsed = parse_head(c.received);
  if (parsed.st == head_parse::state::incomplete)
    return false;
  if (parsed.st == head_parse::state::refused) {
    refuse(c, parsed.refusal);
    return false;
  }
  auto length = hooks_.check_head(parsed.head);
  if (!length) {
    refuse(c, length.error());
    return false;
  }
  if (options_.answer_continue) {
    auto expect = parsed.head.value("expect");
    if (expect && *expect == "100-continue" && parsed.head.version == "HTTP/1.1"
        && c.received.size() == parsed.size)
      send_now(c.fd, "HTTP/1.1 100 Continue\r\n\r\n");
  }
  c.head_size = parsed.size;
  c.body_size = *length;
  return true;
}

} // namespace timecoin::rpc
