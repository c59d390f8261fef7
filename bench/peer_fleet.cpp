#include "bench/peer_fleet.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "protocol/codec.hpp"
#include "protocol/framing.hpp"
#include "protocol/network.hpp"
#include "protocol/unix_time.hpp"
#include "security/handshake.hpp"
#include "security/node_key.hpp"
#include "security/tls.hpp"

namespace timecoin::bench {

namespace {

using clock_type = std::chrono::steady_clock;
using namespace std::chrono_literals;

/// A dial that has not finished TLS and HELLO by then has failed (the node
/// gives up on it after 10 s itself).
constexpr auto dial_timeout = 15s;
/// A PING of the honest peer unanswered this long ends the series.
constexpr auto pong_timeout = 5s;
/// Bytes read from a socket per recv.
constexpr std::size_t recv_chunk_bytes = 16 * 1024;
/// Events handled per epoll_wait.
constexpr int max_events = 256;

enum class phase : uint8_t { dialling, tls, hello, connected, dead };

struct fleet_peer {
  explicit fleet_peer(security::node_key k) : key(std::move(k)) {}

  security::node_key key; // the handshake keeps a reference: never moves
  int fd = -1;
  phase at = phase::dialling;
  bool want_write = true; // EPOLLOUT armed
  clock_type::time_point dialled;
  std::unique_ptr<security::tls_session> tls;
  std::optional<security::handshake> hs;
  proto::frame_decoder decoder;
  proto::bytes out; // ciphertext the socket has not taken yet
};

} // namespace

std::string fleet_source_address(std::size_t index) {
  return "127." + std::to_string(1 + index / 2048) + "."
         + std::to_string(index / 8 % 256) + "."
         + std::to_string(index % 8 + 1);
}

struct peer_fleet::impl {
  uint16_t port;
  int epfd = -1;
  std::vector<std::unique_ptr<fleet_peer>> peers;
  std::size_t connected = 0;
  std::size_t in_flight = 0;
  std::size_t failed = 0;
  std::string first_failure;
  security::local_info local;
  // Peer 0's outstanding PING.
  uint64_t ping_nonce = 0;
  clock_type::time_point ping_sent;
  std::optional<double> last_rtt_us;

  explicit impl(uint16_t p) : port(p) {
    epfd = ::epoll_create1(EPOLL_CLOEXEC);
    local.magic = proto::params(proto::network::devnet).magic;
    local.network = "devnet";
    local.user_agent = "/peers-bench/";
  }

  ~impl() {
    for (auto& p : peers)
      if (p->fd >= 0)
        ::close(p->fd);
    if (epfd >= 0)
      ::close(epfd);
  }

  void kill(std::size_t index, const std::string& why) {
    auto& p = *peers[index];
    if (p.at == phase::dead)
      return;
    if (p.at == phase::connected)
      --connected;
    else
      --in_flight;
    ++failed;
    if (first_failure.empty())
      first_failure = "peer " + std::to_string(index) + ": " + why;
    ::close(p.fd); // also leaves the epoll set
    p.fd = -1;
    p.at = phase::dead;
    p.hs.reset();
    p.tls.reset();
    proto::bytes{}.swap(p.out);
  }

  void arm(std::size_t index, bool write) {
    auto& p = *peers[index];
    if (p.want_write == write)
      return;
    epoll_event ev{};
    ev.events = EPOLLIN | (write ? EPOLLOUT : 0u);
    ev.data.u64 = index;
    ::epoll_ctl(epfd, EPOLL_CTL_MOD, p.fd, &ev);
    p.want_write = write;
  }

  /// Writes what TLS produced and what the socket did not take before.
  void flush(std::size_t index) {
    auto& p = *peers[index];
    p.tls->take_output(p.out);
    std::size_t off = 0;
    while (off < p.out.size()) {
      auto n = ::send(p.fd, p.out.data() + off, p.out.size() - off,
                      MSG_NOSIGNAL);
      if (n > 0) {
        off += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        break;
      kill(index, std::string{"send: "} + std::strerror(errno));
      return;
    }
    p.out.erase(p.out.begin(), p.out.begin() + static_cast<long>(off));
    arm(index, !p.out.empty());
  }

  void send(std::size_t index, const proto::message& msg) {
    auto& p = *peers[index];
    auto frame = proto::encode_frame(msg);
    if (!p.tls->send(frame.data(), frame.size())) {
      kill(index, "TLS send failed");
      return;
    }
    flush(index);
  }

  void open(std::size_t index) {
    peers.push_back(
      std::make_unique<fleet_peer>(security::node_key::generate()));
    auto& p = *peers.back();
    ++in_flight;
    p.dialled = clock_type::now();
    p.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (p.fd < 0) {
      p.at = phase::dead;
      --in_flight;
      ++failed;
      if (first_failure.empty())
        first_failure = std::string{"socket: "} + std::strerror(errno);
      return;
    }
    sockaddr_in src{};
    src.sin_family = AF_INET;
    ::inet_pton(AF_INET, fleet_source_address(index).c_str(), &src.sin_addr);
    sockaddr_in dst{};
    dst.sin_family = AF_INET;
    dst.sin_port = htons(port);
    dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    ::setsockopt(p.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT;
    ev.data.u64 = index;
    if (::bind(p.fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0
        || (::connect(p.fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst) != 0
            && errno != EINPROGRESS)
        || ::epoll_ctl(epfd, EPOLL_CTL_ADD, p.fd, &ev) != 0) {
      kill(index, std::string{"dial: "} + std::strerror(errno));
      return;
    }
  }

  /// The TCP connection is up: starts TLS.
  void on_dialled(std::size_t index) {
    auto& p = *peers[index];
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(p.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      kill(index, std::string{"connect: "} + std::strerror(err));
      return;
    }
    auto ctx = security::tls_context::make(p.key);
    if (!ctx) {
      kill(index, "TLS context: " + ctx.error());
      return;
    }
    p.tls = std::make_unique<security::tls_session>(*ctx,
                                                    security::tls_role::client);
    p.at = phase::tls;
    p.tls->start();
    flush(index);
  }

  void on_message(std::size_t index, const proto::message& msg) {
    auto& p = *peers[index];
    if (p.at == phase::hello) {
      auto step = p.hs->on_message(msg, unix_now());
      for (auto& m : step.send) {
        send(index, m);
        if (p.at == phase::dead)
          return;
      }
      if (step.failure) {
        kill(index, "HELLO refused: " + step.failure->reason);
      } else if (step.connected) {
        p.at = phase::connected;
        p.decoder.set_max_payload(proto::max_frame_bytes);
        --in_flight;
        ++connected;
      }
      return;
    }
    switch (msg.type()) {
      case proto::msg_type::ping:
        send(index,
             proto::message{
               0, proto::pong{std::get<proto::ping>(msg.content).nonce, 0}});
        break;
      case proto::msg_type::pong:
        if (index == 0 && ping_nonce != 0
            && std::get<proto::pong>(msg.content).nonce == ping_nonce) {
          last_rtt_us = std::chrono::duration<double, std::micro>(
                          clock_type::now() - ping_sent)
                          .count();
          ping_nonce = 0;
        }
        break;
      default: break; // an idle peer ignores the rest
    }
  }

  void on_readable(std::size_t index) {
    static uint8_t buf[recv_chunk_bytes];
    auto& p = *peers[index];
    proto::bytes plain;
    proto::bytes payload;
    while (p.at != phase::dead) {
      auto n = ::recv(p.fd, buf, sizeof buf, 0);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return;
      if (n <= 0) {
        kill(index, n == 0 ? "closed by the node"
                           : std::string{"recv: "} + std::strerror(errno));
        return;
      }
      plain.clear();
      auto st = p.tls->receive(buf, static_cast<std::size_t>(n), plain);
      flush(index);
      if (p.at == phase::dead)
        return;
      if (st != security::tls_status::ok) {
        kill(index, "TLS: " + p.tls->last_error());
        return;
      }
      if (p.at == phase::tls && p.tls->established()) {
        p.at = phase::hello;
        p.hs.emplace(p.key, local, security::conn_role::dialer,
                     *p.tls->exporter_binding(), p.tls->peer_public_key());
        send(index, p.hs->make_hello(unix_now()));
        if (p.at == phase::dead)
          return;
      }
      p.decoder.feed(plain.data(), plain.size());
      while (p.at != phase::dead) {
        auto fs = p.decoder.next(payload);
        if (fs == proto::frame_status::need_more)
          break;
        if (fs != proto::frame_status::frame) {
          kill(index, "bad frame from the node");
          return;
        }
        auto msg = proto::decode(payload);
        if (msg)
          on_message(index, *msg);
      }
    }
  }

  /// Handles the events of up to `timeout`.
  void poll_once(std::chrono::milliseconds timeout) {
    epoll_event events[max_events];
    int n = ::epoll_wait(epfd, events, max_events,
                         static_cast<int>(timeout.count()));
    for (int i = 0; i < n; ++i) {
      auto index = static_cast<std::size_t>(events[i].data.u64);
      auto& p = *peers[index];
      if (p.at == phase::dead)
        continue;
      if (p.at == phase::dialling) {
        if (events[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
          on_dialled(index);
        continue;
      }
      if (events[i].events & EPOLLOUT)
        flush(index);
      if (p.at != phase::dead
          && (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
        on_readable(index);
    }
  }

  /// Fails dials older than `dial_timeout`.
  void expire_dials(std::size_t from) {
    auto now = clock_type::now();
    for (auto i = from; i < peers.size(); ++i) {
      auto at = peers[i]->at;
      if (at != phase::connected && at != phase::dead
          && now - peers[i]->dialled > dial_timeout)
        kill(i, "no HELLO within 15 s");
    }
  }
};

peer_fleet::peer_fleet(uint16_t port) : impl_(std::make_unique<impl>(port)) {}

peer_fleet::~peer_fleet() = default;

std::size_t peer_fleet::connect(std::size_t count,
                                std::chrono::milliseconds limit) {
  auto& st = *impl_;
  auto deadline = clock_type::now() + limit;
  auto first = st.peers.size();
  auto next_expiry = clock_type::now() + 1s;
  // Every peer is dialled once; failures are not replaced beyond `count`
  // dials more, so that a node refusing everything ends the loop.
  auto max_dials = first + 2 * count;
  while (st.connected < count && clock_type::now() < deadline) {
    while (st.in_flight < fleet_dials_in_flight
           && st.connected + st.in_flight < count
           && st.peers.size() < max_dials)
      st.open(st.peers.size());
    if (st.in_flight == 0)
      break;
    st.poll_once(10ms);
    if (clock_type::now() >= next_expiry) {
      st.expire_dials(first);
      next_expiry = clock_type::now() + 1s;
    }
  }
  return st.connected;
}

void peer_fleet::serve(std::chrono::milliseconds duration) {
  auto deadline = clock_type::now() + duration;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - clock_type::now());
    if (left.count() <= 0)
      return;
    impl_->poll_once(left);
  }
}

std::vector<double>
peer_fleet::ping_series(std::size_t count, std::chrono::milliseconds interval) {
  auto& st = *impl_;
  std::vector<double> rtts;
  if (st.peers.empty() || st.peers[0]->at != phase::connected)
    return rtts;
  auto next = clock_type::now();
  for (std::size_t i = 0; i < count; ++i) {
    st.last_rtt_us.reset();
    st.ping_nonce = i + 1;
    st.ping_sent = clock_type::now();
    st.send(0, proto::message{0, proto::ping{st.ping_nonce, 0}});
    auto give_up = st.ping_sent + pong_timeout;
    while (!st.last_rtt_us && st.peers[0]->at == phase::connected
           && clock_type::now() < give_up)
      st.poll_once(5ms);
    if (!st.last_rtt_us)
      break;
    rtts.push_back(*st.last_rtt_us);
    next += interval;
    auto now = clock_type::now();
    if (next > now)
      serve(std::chrono::duration_cast<std::chrono::milliseconds>(next - now));
    else
      next = now;
  }
  st.ping_nonce = 0;
  return rtts;
}

std::size_t peer_fleet::connected() const {
  return impl_->connected;
}

std::size_t peer_fleet::failed() const {
  return impl_->failed;
}

const std::string& peer_fleet::first_failure() const {
  return impl_->first_failure;
}

} // namespace timecoin::bench
