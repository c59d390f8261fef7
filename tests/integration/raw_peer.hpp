#pragma once

// A hostile (or merely hand-driven) peer for integration tests and
// benchmarks: a socket, TLS through the node's own tls_session, raw frames,
// and the HELLO exchange played with the plain handshake class.

#include <chrono>
#include <optional>
#include <string>

#include <cerrno>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "actors/connector.hpp"
#include "protocol/codec.hpp"
#include "protocol/framing.hpp"
#include "protocol/network.hpp"
#include "protocol/unix_time.hpp"
#include "security/handshake.hpp"
#include "security/tls.hpp"

namespace timecoin::test {

using namespace std::chrono_literals;

class raw_peer {
public:
  using clock = std::chrono::steady_clock;

  explicit raw_peer(security::node_key key = security::node_key::generate())
    : key_(std::move(key)) {}

  ~raw_peer() {
    if (fd_ >= 0)
      ::close(fd_);
  }

  const security::node_key& key() const { return key_; }

  /// TCP connect to 127.0.0.1:port; false if refused.
  bool connect(uint16_t port) {
    peer_address where;
    where.host = "127.0.0.1";
    where.port = port;
    auto fd = connect_with_timeout(where, 5s);
    if (!fd)
      return false;
    fd_ = *fd;
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return true;
  }

  /// TCP connect to 127.0.0.1:port from the loopback address `source`
  /// (127.x.y.z: many addresses and networks on one host). `rcvbuf`, if
  /// not 0, shrinks the receive buffer first (a peer that reads nothing
  /// fills the node's send path sooner). False if refused.
  bool connect_from(uint16_t port, const std::string& source, int rcvbuf = 0) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
      return false;
    if (rcvbuf > 0)
      ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    sockaddr_in local{};
    local.sin_family = AF_INET;
    ::inet_pton(AF_INET, source.c_str(), &local.sin_addr);
    sockaddr_in remote{};
    remote.sin_family = AF_INET;
    remote.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0
        || ::connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof remote)
             != 0) {
      ::close(fd);
      return false;
    }
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fd_ = fd;
    return true;
  }

  /// False once a write failed (the node closed the connection).
  bool writable() const { return !write_failed_; }

  /// Closes the socket now.
  void close_now() {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = -1;
  }

  /// Round trip of one PING, skipping other messages; none if no PONG
  /// came back within `limit`.
  std::optional<std::chrono::microseconds>
  ping_rtt(std::chrono::milliseconds limit = 5s) {
    auto nonce = static_cast<uint64_t>(clock::now().time_since_epoch().count());
    auto start = clock::now();
    send(proto::message{0, proto::ping{nonce, 0}});
    auto deadline = start + limit;
    while (clock::now() < deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - clock::now());
      auto msg = receive(left);
      if (!msg)
        return std::nullopt;
      if (auto* p = std::get_if<proto::pong>(&msg->content);
          p && p->nonce == nonce)
        return std::chrono::duration_cast<std::chrono::microseconds>(
          clock::now() - start);
    }
    return std::nullopt;
  }

  /// Runs the TLS handshake; false if the node closed or failed it.
  bool start_tls() {
    auto ctx = security::tls_context::make(key_);
    if (!ctx)
      return false;
    tls_ = std::make_unique<security::tls_session>(*ctx,
                                                   security::tls_role::client);
    tls_->start();
    flush();
    auto deadline = clock::now() + 10s;
    while (!tls_->established()) {
      if (!pump(deadline))
        return false;
    }
    return true;
  }

  /// Sends the TLS ClientHello and nothing more (a stalled handshake).
  void send_client_hello() {
    auto ctx = security::tls_context::make(key_);
    tls_ = std::make_unique<security::tls_session>(*ctx,
                                                   security::tls_role::client);
    tls_->start();
    flush();
  }

  /// Sends raw plaintext bytes (through TLS if started).
  void send_bytes(const proto::bytes& data) {
    if (tls_) {
      tls_->send(data.data(), data.size());
      flush();
    } else {
      write_all(data);
    }
  }

  void send(const proto::message& msg) { send_bytes(proto::encode_frame(msg)); }

  /// `plain` encrypted as the next TLS records of this connection, without
  /// writing it (benchmarks encrypt before the clock starts).
  proto::bytes seal(const proto::bytes& plain) {
    constexpr std::size_t chunk = 64 * 1024;
    proto::bytes wire;
    wire.reserve(plain.size() + plain.size() / 16 + 4096);
    for (std::size_t off = 0; off < plain.size(); off += chunk) {
      tls_->send(plain.data() + off, std::min(chunk, plain.size() - off));
      tls_->take_output(wire);
    }
    return wire;
  }

  /// Writes bytes as they are (ciphertext from `seal`, or anything hostile).
  void write_raw(const proto::bytes& wire) { write_all(wire); }

  /// The next whole message, or none if the deadline passes or the node
  /// closes the connection.
  std::optional<proto::message> receive(std::chrono::milliseconds limit = 10s) {
    auto deadline = clock::now() + limit;
    proto::bytes payload;
    while (true) {
      if (decoder_.next(payload) == proto::frame_status::frame) {
        auto msg = proto::decode(payload);
        if (msg)
          return *msg;
        continue;
      }
      if (!pump(deadline))
        return std::nullopt;
    }
  }

  /// Plays the dialling side's HELLO exchange; true once connected.
  bool handshake(uint32_t magic = proto::params(proto::network::devnet).magic,
                 const std::string& network = "devnet",
                 const std::string& user_agent = "/raw-peer/",
                 uint16_t listen_port = 0) {
    security::local_info local;
    local.listen_port = listen_port;
    local.magic = magic;
    local.network = network;
    local.user_agent = user_agent;
    proto::hash256 binding{};
    if (tls_)
      binding = *tls_->exporter_binding();
    security::handshake hs{key_, local, security::conn_role::dialer, binding,
                           tls_ ? tls_->peer_public_key() : std::nullopt};
    send(hs.make_hello(unix_now()));
    while (true) {
      auto msg = receive();
      if (!msg)
        return false;
      auto step = hs.on_message(*msg, unix_now());
      for (auto& m : step.send)
        send(m);
      if (step.failure)
        return false;
      if (step.connected) {
        decoder_.set_max_payload(proto::max_frame_bytes);
        return true;
      }
    }
  }

  /// Waits until the node closes the connection; false at the deadline.
  bool closed_by_node(std::chrono::milliseconds limit = 10s) {
    auto deadline = clock::now() + limit;
    while (clock::now() < deadline)
      if (!pump(deadline))
        return eof_;
    return false;
  }

  /// True if the node closed before sending a single byte (refused before
  /// any TLS work).
  bool refused_silently(std::chrono::milliseconds limit = 5s) {
    auto deadline = clock::now() + limit;
    while (clock::now() < deadline && !eof_)
      pump(deadline);
    return eof_ && bytes_received_ == 0;
  }

private:
  /// Writes all of `data`, waiting while the (non-blocking) socket is full;
  /// stops at a hard error (the node closed the connection).
  void write_all(const proto::bytes& data) {
    size_t off = 0;
    while (off < data.size()) {
      auto n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n > 0) {
        off += static_cast<size_t>(n);
        continue;
      }
      if (n < 0
          && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        pollfd pfd{fd_, POLLOUT, 0};
        ::poll(&pfd, 1, 1000);
        continue;
      }
      write_failed_ = true;
      return;
    }
  }

  void flush() {
    proto::bytes out;
    tls_->take_output(out);
    write_all(out);
  }

  /// Reads what arrives before `deadline`; false on EOF, error or deadline.
  bool pump(clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - clock::now());
    if (left.count() <= 0 || eof_)
      return false;
    pollfd pfd{fd_, POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(left.count())) <= 0)
      return false;
    uint8_t buf[65536];
    auto n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    bytes_received_ += static_cast<size_t>(n);
    if (!tls_) {
      decoder_.feed(buf, static_cast<size_t>(n));
      return true;
    }
    proto::bytes plain;
    auto st = tls_->receive(buf, static_cast<size_t>(n), plain);
    flush();
    decoder_.feed(plain.data(), plain.size());
    if (st == security::tls_status::closed
        || st == security::tls_status::failed) {
      eof_ = true;
      return !plain.empty();
    }
    return true;
  }

  security::node_key key_;
  int fd_ = -1;
  std::unique_ptr<security::tls_session> tls_;
  proto::frame_decoder decoder_;
  bool eof_ = false;
  bool write_failed_ = false;
  size_t bytes_received_ = 0;
};

/// An authenticated raw peer from `source`, or null if the node refused it.
inline std::unique_ptr<raw_peer> authenticated(uint16_t port,
                                               const std::string& source,
                                               int rcvbuf = 0,
                                               uint16_t listen_port = 0) {
  auto p = std::make_unique<raw_peer>();
  if (!p->connect_from(port, source, rcvbuf) || !p->start_tls()
      || !p->handshake(proto::params(proto::network::devnet).magic, "devnet",
                       "/raw-peer/", listen_port))
    return nullptr;
  return p;
}

} // namespace timecoin::test
