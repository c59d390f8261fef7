#pragma once

// Harness for peer_session tests: a recorder of its events, one node's end
// of a connection, two sessions back to back, and a peer played by hand
// with the plain TLS and handshake classes. No socket, no CAF; time moves
// by hand.

#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "actors/session.hpp"
#include "protocol/codec.hpp"
#include "protocol/network.hpp"

namespace timecoin::test {

using proto::msg_type;
using proto::reject_code;
using security::conn_role;
using security::violation;

using time_point = std::chrono::steady_clock::time_point;

/// The wall clock of both ends (HELLO timestamps), unless a test moves one.
constexpr int64_t unix_t0 = 1767225600;
/// Bound on pump rounds: a handshake takes a few, so this is a livelock.
constexpr int max_pump_rounds = 100;
/// The steady clock where every test starts.
inline const time_point t0 = time_point{} + std::chrono::hours{1};

inline security::node_key key_of(uint8_t seed) {
  proto::hash256 s{};
  s.fill(seed);
  return security::node_key::from_seed(s);
}

/// The TLS context of `key_of(seed)`, made once: the split test runs
/// hundreds of handshakes.
inline std::shared_ptr<security::tls_context> tls_of(uint8_t seed) {
  static std::map<uint8_t, std::shared_ptr<security::tls_context>> made;
  auto& ctx = made[seed];
  if (!ctx) {
    auto r = security::tls_context::make(key_of(seed));
    REQUIRE_MESSAGE(r, (r ? "" : r.error()));
    ctx = *r;
  }
  return ctx;
}

inline security::local_info devnet_local(uint64_t height) {
  const auto& net = proto::params(proto::network::devnet);
  security::local_info info;
  info.magic = net.magic;
  info.network = net.name;
  info.listen_port = net.p2p_port;
  info.best_height = height;
  info.user_agent = "/timecoin-test/";
  return info;
}

template <class T>
const T* as(const proto::message& m) {
  return std::get_if<T>(&m.content);
}

inline std::vector<msg_type> types_of(const std::vector<proto::message>& msgs) {
  std::vector<msg_type> out;
  for (const auto& m : msgs)
    out.push_back(m.type());
  return out;
}

/// Decodes the frames of plaintext wire bytes.
inline std::vector<proto::message> frames_of(const proto::bytes& wire) {
  std::vector<proto::message> out;
  proto::frame_decoder dec{proto::max_frame_bytes};
  dec.feed(wire.data(), wire.size());
  proto::bytes payload;
  while (dec.next(payload) == proto::frame_status::frame) {
    auto msg = proto::decode(payload);
    REQUIRE(msg);
    out.push_back(*msg);
  }
  return out;
}

/// Everything a session reports, recorded.
struct recorder : session_events {
  /// Bytes for the peer, not yet delivered.
  proto::bytes wire;
  /// What `on_wire_flush` reports as still unsent (congestion).
  std::size_t unsent = 0;
  /// What `on_frame` decides.
  frame_verdict verdict = frame_verdict::pass;
  /// `on_frame`'s `answer`, per frame.
  std::vector<bool> frame_answers;
  std::vector<proto::hello> connected;
  std::vector<proto::message> messages;
  std::vector<std::pair<uint64_t, proto::message>> answers;
  std::vector<uint64_t> heights;
  std::vector<std::pair<violation, std::string>> violations;
  std::vector<std::string> warnings;
  std::optional<close_reason> closed;
  std::string closed_reason;
  int closes = 0;

  void on_wire(const uint8_t* data, std::size_t size) override {
    wire.insert(wire.end(), data, data + size);
  }
  std::size_t on_wire_flush() override { return unsent; }
  frame_verdict on_frame(const proto::bytes&, bool answer,
                         time_point) override {
    frame_answers.push_back(answer);
    return verdict;
  }
  void on_connected(const proto::hello& peer) override {
    connected.push_back(peer);
  }
  void on_message(proto::message& msg) override { messages.push_back(msg); }
  void on_answer(uint64_t id, proto::message& msg) override {
    answers.emplace_back(id, msg);
  }
  void on_height(uint64_t height) override { heights.push_back(height); }
  void on_violation(violation v, const std::string& what) override {
    violations.emplace_back(v, what);
  }
  void on_warning(const std::string& what) override {
    warnings.push_back(what);
  }
  void on_closed(close_reason why, const std::string& reason) override {
    ++closes;
    closed = why;
    closed_reason = reason;
  }
};

/// One node's end of a connection: its key, what it announces, its session
/// and what the session reported.
struct node_end {
  security::node_key key;
  security::local_info local;
  /// The wall clock in unix seconds.
  int64_t unix_now = unix_t0;
  /// What admission answers to the peer's HELLO.
  std::optional<security::refusal> refuse;
  /// The node ids admission was asked about.
  std::vector<proto::hash256> admitted;
  uint64_t next_nonce = 100;
  recorder ev;
  conn_stats stats;
  std::unique_ptr<peer_session> session;

  node_end(uint8_t seed, conn_role role, bool tls)
    : key(key_of(seed)), local(devnet_local(seed * 100u)) {
    session_config cfg;
    cfg.role = role;
    if (tls)
      cfg.tls = tls_of(seed);
    cfg.key = &key;
    cfg.local = [this] { return local; };
    cfg.admit = [this](const proto::hello& h) {
      admitted.push_back(h.node_id);
      return refuse;
    };
    cfg.height = [this] { return local.best_height; };
    cfg.unix_now = [this] { return unix_now; };
    cfg.nonce = [this] { return next_nonce++; };
    session = std::make_unique<peer_session>(std::move(cfg), ev, stats);
  }

  peer_session& s() { return *session; }
  /// Sends `msg` and flushes, as the connection does.
  void send(const proto::message& msg) {
    s().send(msg);
    s().flush();
  }
  proto::bytes take_wire() {
    proto::bytes out;
    out.swap(ev.wire);
    return out;
  }
  std::vector<violation> violation_kinds() const {
    std::vector<violation> out;
    for (const auto& v : ev.violations)
      out.push_back(v.first);
    return out;
  }
  bool closed_for(close_reason why) const {
    return ev.closed && *ev.closed == why && ev.closes == 1;
  }
};

/// The session closed for the violation `v`, charged once.
inline void check_violation(const node_end& e, violation v) {
  CHECK(e.closed_for(close_reason::violation));
  CHECK(e.violation_kinds() == std::vector<violation>{v});
  CHECK(e.stats.violations.load() == 1);
}

/// How bytes cross between the ends.
struct delivery {
  /// 0: each batch whole; else the first piece of every batch is at most
  /// this long, and the rest follows as a second piece.
  std::size_t split_at = 0;
  /// Every byte on its own.
  bool byte_by_byte = false;
};

inline void feed(peer_session& to, const proto::bytes& data, delivery how,
                 time_point now) {
  if (data.empty())
    return;
  if (how.byte_by_byte) {
    for (std::size_t i = 0; i < data.size(); ++i)
      to.receive(data.data() + i, 1, now);
    return;
  }
  auto first = how.split_at == 0 ? data.size()
                                 : std::min(how.split_at, data.size());
  to.receive(data.data(), first, now);
  if (first < data.size())
    to.receive(data.data() + first, data.size() - first, now);
}

/// Two sessions back to back: the dialer's bytes are the acceptor's input
/// and the other way round.
struct session_pair {
  time_point now = t0;
  node_end dialer;
  node_end acceptor;
  delivery how;
  /// The largest batch of bytes delivered at once.
  std::size_t largest_batch = 0;

  explicit session_pair(bool tls) : session_pair(tls, tls) {}
  session_pair(bool dialer_tls, bool acceptor_tls)
    : dialer(1, conn_role::dialer, dialer_tls),
      acceptor(2, conn_role::acceptor, acceptor_tls) {}

  void start(bool dialer_first = true) {
    if (dialer_first) {
      dialer.s().start();
      acceptor.s().start();
    } else {
      acceptor.s().start();
      dialer.s().start();
    }
  }

  /// Moves bytes both ways until neither end has any; `dialer_first`: the
  /// dialer's bytes cross first in each round.
  void pump(bool dialer_first = true) {
    for (int round = 0; round < max_pump_rounds; ++round) {
      bool moved = false;
      if (dialer_first) {
        moved |= deliver(dialer, acceptor);
        moved |= deliver(acceptor, dialer);
      } else {
        moved |= deliver(acceptor, dialer);
        moved |= deliver(dialer, acceptor);
      }
      if (!moved)
        return;
    }
    FAIL("the sessions did not settle");
  }

  bool deliver(node_end& from, node_end& to) {
    auto data = from.take_wire();
    if (data.empty())
      return false;
    largest_batch = std::max(largest_batch, data.size());
    feed(to.s(), data, how, now);
    return true;
  }

  void connect() {
    start();
    pump();
    REQUIRE(dialer.s().connected());
    REQUIRE(acceptor.s().connected());
  }
};

/// The remote end played by hand with the plain TLS session and handshake
/// classes: it writes whatever a test says, which a peer_session never
/// would.
struct scripted_peer {
  security::node_key key;
  conn_role role;
  std::unique_ptr<security::tls_session> tls; ///< null: plaintext
  std::optional<security::handshake> hs;
  proto::frame_decoder decoder{proto::max_frame_bytes};
  /// Bytes for the session under test.
  proto::bytes out;
  /// What the session sent, decoded.
  std::vector<proto::message> got;
  /// The session sent a TLS close_notify.
  bool close_notify = false;

  scripted_peer(uint8_t seed, conn_role r, bool with_tls)
    : key(key_of(seed)), role(r) {
    if (with_tls)
      tls = std::make_unique<security::tls_session>(
        tls_of(seed), r == conn_role::dialer ? security::tls_role::client
                                             : security::tls_role::server);
  }

  void start() {
    if (tls) {
      tls->start();
      tls->take_output(out);
    }
  }

  /// Plaintext for the session, encrypted with TLS on.
  void write(const proto::bytes& plain) {
    if (!tls) {
      out.insert(out.end(), plain.begin(), plain.end());
      return;
    }
    REQUIRE(tls->established());
    REQUIRE(tls->send(plain.data(), plain.size()));
    tls->take_output(out);
  }

  /// Bytes from the session.
  void deliver(const proto::bytes& wire) {
    if (wire.empty())
      return;
    proto::bytes plain;
    if (!tls) {
      plain = wire;
    } else {
      auto status = tls->receive(wire.data(), wire.size(), plain);
      REQUIRE(status != security::tls_status::failed);
      close_notify |= status == security::tls_status::closed;
      tls->take_output(out);
    }
    decoder.feed(plain.data(), plain.size());
    proto::bytes payload;
    while (decoder.next(payload) == proto::frame_status::frame) {
      auto msg = proto::decode(payload);
      REQUIRE(msg);
      got.push_back(*msg);
    }
  }

  /// Starts the handshake class once TLS is up: bound to this TLS session
  /// and in this role, unless a test says otherwise.
  security::handshake& begin(const security::local_info& local,
                             std::optional<conn_role> as_role = {},
                             std::optional<proto::hash256> binding = {}) {
    proto::hash256 b{};
    std::optional<proto::hash256> peer_key;
    if (tls) {
      REQUIRE(tls->established());
      b = *tls->exporter_binding();
      peer_key = tls->peer_public_key();
    }
    hs.emplace(key, local, as_role.value_or(role), binding.value_or(b),
               peer_key);
    return *hs;
  }
};

/// A session under test and a scripted peer on the other end.
struct scripted_pair {
  time_point now = t0;
  node_end end;
  scripted_peer peer;

  explicit scripted_pair(bool tls, conn_role role = conn_role::acceptor)
    : end(2, role, tls),
      peer(1,
           role == conn_role::acceptor ? conn_role::dialer
                                       : conn_role::acceptor,
           tls) {}

  /// Starts both: TLS is up (without TLS: the session's HELLO is out).
  void start() {
    peer.start();
    end.s().start();
    pump();
  }

  void pump() {
    for (int round = 0; round < max_pump_rounds; ++round) {
      if (peer.out.empty() && end.ev.wire.empty())
        return;
      proto::bytes data;
      data.swap(peer.out);
      if (!data.empty())
        end.s().receive(data.data(), data.size(), now);
      peer.deliver(end.take_wire());
    }
    FAIL("the session and the script did not settle");
  }

  void write(const proto::bytes& plain) {
    peer.write(plain);
    pump();
  }
  void write(const proto::message& msg) { write(proto::encode_frame(msg)); }

  /// The peer's handshake class answers what the session sent, in order,
  /// until neither has more to say.
  void run_handshake() {
    for (std::size_t i = 0; i < peer.got.size() && !end.s().closing(); ++i) {
      auto step = peer.hs->on_message(peer.got[i], unix_t0);
      for (const auto& m : step.send)
        peer.write(proto::encode_frame(m));
      pump();
    }
  }

  void connect() {
    start();
    auto& hs = peer.begin(devnet_local(7));
    write(hs.make_hello(unix_t0));
    run_handshake();
    REQUIRE(end.s().connected());
    REQUIRE(peer.hs->connected());
    peer.got.clear();
  }

  /// The session refused the handshake with REJECT `code` as its last
  /// message.
  void check_rejected(reject_code code) {
    REQUIRE_FALSE(peer.got.empty());
    auto* r = as<proto::reject>(peer.got.back());
    REQUIRE(r);
    CHECK(r->code == code);
    if (peer.tls)
      CHECK(peer.close_notify);
  }
};

} // namespace timecoin::test
