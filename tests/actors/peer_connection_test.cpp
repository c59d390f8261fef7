// peer_connection under virtual time: handshake deadline, ping timeout,
// request timeout, hostile frames. The remote side is played by the test
// with the plain handshake class (tls=0).

#include <doctest/doctest.h>

#include "actors/node_clock.hpp"
#include "actors/peer_connection.hpp"
#include "fixture.hpp"
#include "protocol/unix_time.hpp"
#include "security/handshake.hpp"

using namespace std::chrono_literals;
using namespace timecoin;
using timecoin::test::frames_of;

namespace {

struct conn_fixture : test::net_fixture {
  std::shared_ptr<node_context> ctx = test::make_context();
  caf::io::connection_handle hdl = caf::io::connection_handle::from_int(1);
  std::shared_ptr<int> registrations = std::make_shared<int>(0);
  caf::actor registry;
  caf::actor conn;
  // The remote peer.
  security::node_key peer_key = security::node_key::generate();
  security::local_info peer_local;

  conn_fixture() {
    // The connection reads the time the test moves: PING ages, deadlines.
    ctx->clock = actor_system_clock(sys, unix_now());
    auto regs = registrations;
    registry = sys.spawn([regs](caf::event_based_actor*) -> caf::behavior {
      return {
        [regs](register_atom, const conn_record&) {
          ++*regs;
          return uint16_t{0};
        },
        [](track_atom, const caf::actor&, const std::string&) {},
      };
    });
    peer_local = ctx->local;
    mpx.provide_scribe("peer", 4000, hdl);
    conn_params params;
    params.role = security::conn_role::dialer;
    params.target = "peer:4000";
    params.registry = registry;
    params.node = registry;
    auto c = spawn_via_backend(sys, "peer", 4000, ctx, params);
    REQUIRE(c);
    conn = *c;
    settle();
  }

  ~conn_fixture() {
    caf::anon_send_exit(conn, caf::exit_reason::kill);
    caf::anon_send_exit(registry, caf::exit_reason::kill);
    settle();
  }

  /// The connection actor has terminated.
  bool closed() const {
    return caf::actor_cast<caf::abstract_actor*>(conn)->getf(
      caf::abstract_actor::is_terminated_flag);
  }

  /// Plays the accepting side's handshake to completion.
  void complete_handshake() {
    security::handshake hs{peer_key, peer_local, security::conn_role::acceptor,
                           proto::hash256{}, std::nullopt};
    proto::bytes wire;
    proto::append_frame(wire, hs.make_hello(unix_now()));
    auto sent = frames_of(written(hdl));
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].type() == proto::msg_type::hello);
    auto step = hs.on_message(sent[0], unix_now());
    REQUIRE(!step.failure);
    for (auto& m : step.send)
      proto::append_frame(wire, m);
    deliver(hdl, wire);
    auto auth = frames_of(written(hdl));
    REQUIRE(auth.size() == 1);
    auto done = hs.on_message(auth[0], unix_now());
    REQUIRE(done.connected);
    CHECK(*registrations == 1);
  }

  /// Sends `msg` through the connection as a request of this node's; its
  /// answer, once the peer sends it, lands in `*got`.
  void ask(proto::message msg, std::optional<proto::message>& got) {
    auto target = conn;
    sys.spawn([&got, target, msg](caf::event_based_actor* self) {
      self->request(target, caf::infinite, request_atom::value, msg)
        .then([&got](proto::message& m) { got = m; }, [](caf::error&) {});
    });
    settle();
  }
};

} // namespace

TEST_CASE_FIXTURE(conn_fixture, "an incomplete handshake is cut at 10 s") {
  auto hello = frames_of(written(hdl));
  REQUIRE(hello.size() == 1);
  CHECK(hello[0].type() == proto::msg_type::hello);
  advance(9900ms);
  CHECK(!closed());
  advance(100ms);
  CHECK(closed());
  CHECK(*registrations == 0);
}

TEST_CASE_FIXTURE(conn_fixture, "a completed handshake is not cut at 10 s") {
  complete_handshake();
  advance(10s);
  CHECK(!closed());
}

TEST_CASE_FIXTURE(conn_fixture,
                  "a peer that never answers PING is cut at 90 s") {
  complete_handshake();
  advance(30s);
  auto ping = frames_of(written(hdl));
  REQUIRE(ping.size() == 1);
  CHECK(ping[0].type() == proto::msg_type::ping);
  advance(60s); // 90 s after connect, 60 s after the PING
  CHECK(!closed());
  advance(29s); // 119 s
  CHECK(!closed());
  advance(1s); // the PING is now 90 s old
  CHECK(closed());
}

TEST_CASE_FIXTURE(conn_fixture, "a peer that answers PING stays") {
  complete_handshake();
  for (int i = 0; i < 10; ++i) {
    advance(30s);
    auto sent = frames_of(written(hdl));
    REQUIRE(sent.size() == 1);
    REQUIRE(sent[0].type() == proto::msg_type::ping);
    auto nonce = std::get<proto::ping>(sent[0].content).nonce;
    proto::bytes wire;
    proto::append_frame(wire, proto::message{0, proto::pong{nonce, 0}});
    deliver(hdl, wire);
  }
  CHECK(!closed());
}

TEST_CASE_FIXTURE(conn_fixture,
                  "PING is answered with PONG echoing the nonce") {
  complete_handshake();
  proto::bytes wire;
  proto::append_frame(wire, proto::message{0, proto::ping{0xfeedULL, 7}});
  deliver(hdl, wire);
  auto sent = frames_of(written(hdl));
  REQUIRE(sent.size() == 1);
  REQUIRE(sent[0].type() == proto::msg_type::pong);
  CHECK(std::get<proto::pong>(sent[0].content).nonce == 0xfeedULL);
}

TEST_CASE_FIXTURE(conn_fixture, "GET_TIP is answered with the local tip") {
  chain_tip tip;
  tip.hash[0] = 0xab;
  ctx->tip_cell->publish(std::make_unique<chain_tip>(tip));
  complete_handshake();
  proto::bytes wire;
  proto::append_frame(wire, proto::message{42, proto::get_tip{}});
  deliver(hdl, wire);
  auto sent = frames_of(written(hdl));
  REQUIRE(sent.size() == 1);
  REQUIRE(sent[0].type() == proto::msg_type::tip);
  CHECK(sent[0].id == 42);
  CHECK(std::get<proto::tip>(sent[0].content).hash[0] == 0xab);
}

TEST_CASE_FIXTURE(conn_fixture,
                  "GET_MASTERNODES is answered with an empty MASTERNODES") {
  complete_handshake();
  proto::bytes wire;
  proto::append_frame(wire, proto::message{43, proto::get_masternodes{}});
  // An unsolicited MASTERNODES is ignored: no answer, no violation.
  proto::gossip ann;
  ann.kind = 9;
  ann.payload = {1, 2, 3};
  proto::append_frame(wire, proto::message{0, proto::masternodes{{ann}}});
  proto::append_frame(wire, proto::message{44, proto::masternodes{{ann}}});
  deliver(hdl, wire);
  auto sent = frames_of(written(hdl));
  REQUIRE(sent.size() == 1);
  REQUIRE(sent[0].type() == proto::msg_type::masternodes);
  CHECK(sent[0].id == 43);
  CHECK(std::get<proto::masternodes>(sent[0].content).entries.empty());
  CHECK_FALSE(closed());
}

TEST_CASE_FIXTURE(conn_fixture, "MASTERNODES answers our GET_MASTERNODES") {
  complete_handshake();
  std::optional<proto::message> got;
  ask(proto::message{0, proto::get_masternodes{}}, got);
  auto sent = frames_of(written(hdl));
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].type() == proto::msg_type::get_masternodes);
  proto::gossip ann;
  ann.kind = 9;
  ann.timestamp = 5;
  proto::bytes wire;
  proto::append_frame(wire,
                      proto::message{sent[0].id, proto::masternodes{{ann}}});
  deliver(hdl, wire);
  REQUIRE(got);
  const auto& entries = std::get<proto::masternodes>(got->content).entries;
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].timestamp == 5);
}

TEST_CASE_FIXTURE(conn_fixture, "a request unanswered for 30 s times out") {
  complete_handshake();
  caf::error err;
  bool answered = false;
  auto target = conn;
  sys.spawn([&, target](caf::event_based_actor* self) {
    self
      ->request(target, caf::infinite, request_atom::value,
                proto::message{0, proto::get_tip{}})
      .then([&](proto::message&) { answered = true; },
            [&](caf::error& e) { err = e; });
  });
  settle();
  auto sent = frames_of(written(hdl));
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].type() == proto::msg_type::get_tip);
  CHECK(sent[0].id != 0);
  advance(29s);
  CHECK(!err);
  advance(1s);
  CHECK(err == caf::sec::request_timeout);
  CHECK(!answered);
}

TEST_CASE_FIXTURE(conn_fixture, "a response carries the request's id back") {
  complete_handshake();
  std::optional<proto::message> got;
  ask(proto::message{0, proto::get_tip{}}, got);
  auto sent = frames_of(written(hdl));
  REQUIRE(sent.size() == 1);
  proto::bytes wire;
  proto::append_frame(wire, proto::message{sent[0].id, proto::tip{5, {}, {}}});
  deliver(hdl, wire);
  REQUIRE(got);
  CHECK(std::get<proto::tip>(got->content).height == 5);
}

TEST_CASE_FIXTURE(conn_fixture,
                  "a peer's request with the id of one of ours is a request") {
  complete_handshake();
  std::optional<proto::message> got;
  ask(proto::message{0, proto::get_tip{}}, got);
  auto sent = frames_of(written(hdl));
  REQUIRE(sent.size() == 1);
  // Both sides number their requests from 1: the peer's GET_TIP carries the
  // id of ours. It is answered, and does not answer ours.
  proto::bytes wire;
  proto::append_frame(wire, proto::message{sent[0].id, proto::get_tip{}});
  deliver(hdl, wire);
  CHECK(!got);
  auto answers = frames_of(written(hdl));
  REQUIRE(answers.size() == 1);
  CHECK(answers[0].type() == proto::msg_type::tip);
  CHECK(answers[0].id == sent[0].id);
  // The real answer still reaches our request.
  wire.clear();
  proto::append_frame(wire, proto::message{sent[0].id, proto::tip{7, {}, {}}});
  deliver(hdl, wire);
  REQUIRE(got);
  CHECK(std::get<proto::tip>(got->content).height == 7);
}

TEST_CASE_FIXTURE(conn_fixture, "a message before the handshake is refused") {
  written(hdl);
  proto::bytes wire;
  proto::append_frame(wire, proto::message{0, proto::ping{1, 1}});
  deliver(hdl, wire);
  auto sent = frames_of(written(hdl));
  REQUIRE(sent.size() == 1);
  REQUIRE(sent[0].type() == proto::msg_type::reject);
  CHECK(std::get<proto::reject>(sent[0].content).code
        == proto::reject_code::protocol_violation);
  CHECK(closed());
}

TEST_CASE_FIXTURE(conn_fixture, "an oversized length prefix closes at once") {
  written(hdl);
  // 64 KiB + 1 before the handshake: only the 4 header bytes are sent.
  deliver(hdl, proto::bytes{0x00, 0x01, 0x00, 0x01});
  CHECK(closed());
}

TEST_CASE_FIXTURE(conn_fixture, "garbage instead of a frame closes") {
  written(hdl);
  deliver(hdl, proto::bytes{0x00, 0x00, 0x00, 0x03, 0xc1, 0xc1, 0xc1});
  CHECK(closed());
}

TEST_CASE_FIXTURE(conn_fixture, "BYE closes the connection") {
  complete_handshake();
  proto::bytes wire;
  proto::append_frame(wire, proto::message{0, proto::bye{"going away"}});
  deliver(hdl, wire);
  CHECK(closed());
}

TEST_CASE_FIXTURE(conn_fixture,
                  "frames wait while the socket is congested, in order") {
  complete_handshake();
  written(hdl);
  // 64 frames of 64 KiB: four times the connection's write high-water mark
  // (1 MiB). The test multiplexer's output buffer stands for the socket's
  // write buffer: it only empties when the test reads it.
  constexpr int frames = 64;
  for (int i = 0; i < frames; ++i) {
    proto::gossip g;
    g.kind = 1024;
    g.payload.assign(64 * 1024, static_cast<uint8_t>(i));
    g.timestamp = i;
    caf::anon_send(conn, send_atom::value,
                   std::make_shared<const proto::message>(
                     proto::message{0, std::move(g)}));
  }
  settle();
  auto sent = frames_of(written(hdl));
  // Encoding stopped at the mark; the rest waits unencoded.
  CHECK(sent.size() >= 16);
  CHECK(sent.size() < static_cast<size_t>(frames));
  // The socket reports its buffer written: the backlog drains to the mark.
  auto before = sent.size();
  caf::anon_send(conn, caf::io::data_transferred_msg{hdl, 0, 0});
  settle();
  for (auto& m : frames_of(written(hdl)))
    sent.push_back(std::move(m));
  CHECK(sent.size() > before);
  // BYE: everything still waiting goes out first, then BYE.
  caf::anon_send(conn, bye_atom::value, std::string{"done"});
  settle();
  for (auto& m : frames_of(written(hdl)))
    sent.push_back(std::move(m));
  CHECK(closed());
  REQUIRE(sent.size() == frames + 1);
  for (int i = 0; i < frames; ++i) {
    REQUIRE(sent[i].type() == proto::msg_type::gossip);
    CHECK(std::get<proto::gossip>(sent[i].content).timestamp == i);
  }
  CHECK(sent[frames].type() == proto::msg_type::bye);
}
