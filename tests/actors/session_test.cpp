// peer_session without a socket or CAF: two sessions back to back, or one
// session and a peer played by hand (session_harness.hpp). Bytes cross
// whole, split or byte by byte; time moves by hand.

#include "actors/session.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <random>

#include "protocol/big_endian.hpp"
#include "session_harness.hpp"

using namespace std::chrono_literals;
using namespace timecoin;
using namespace timecoin::test;

namespace {

/// A length prefix announcing `n` bytes, then `payload`, which may be
/// shorter or longer.
proto::bytes frame_head(uint32_t n, const proto::bytes& payload = {}) {
  proto::bytes out(proto::frame_header_bytes + payload.size());
  proto::put_be32(out.data(), n);
  std::copy(payload.begin(), payload.end(),
            out.begin() + proto::frame_header_bytes);
  return out;
}

/// A frame around `payload`, whatever it holds.
proto::bytes raw_frame(const proto::bytes& payload) {
  return frame_head(static_cast<uint32_t>(payload.size()), payload);
}

/// A well-formed envelope of a type this node does not know: [999, 0, []].
const proto::bytes unknown_type_payload{0x93, 0xcd, 0x03, 0xe7, 0x00, 0x90};

proto::bytes random_bytes(std::mt19937& rng, std::size_t n) {
  proto::bytes out(n);
  for (auto& b : out)
    b = static_cast<uint8_t>(rng());
  return out;
}

proto::message tip_at(uint64_t height, uint64_t id = 0) {
  return proto::message{id, proto::tip{height, {}, {}}};
}

/// A HEADERS answer over the 64 KiB that an answer nobody waits for may
/// have, within the limit of HEADERS.
proto::message big_headers(uint64_t id) {
  proto::headers h;
  h.items.resize(400);
  for (std::size_t i = 0; i < h.items.size(); ++i)
    h.items[i].header.height = i;
  proto::message msg{id, std::move(h)};
  auto size = proto::encode(msg).size();
  REQUIRE(size > proto::type_limits::other);
  REQUIRE(size < proto::type_limits::headers);
  return msg;
}

} // namespace

// ---------------------------------------------------------------- handshake

TEST_CASE("session: dialer and acceptor connect, with and without TLS") {
  for (bool tls : {false, true})
    for (bool dialer_first : {true, false})
      for (bool byte_by_byte : {false, true}) {
        CAPTURE(tls);
        CAPTURE(dialer_first);
        CAPTURE(byte_by_byte);
        session_pair p{tls};
        p.how.byte_by_byte = byte_by_byte;
        p.start(dialer_first);
        p.pump(dialer_first);
        REQUIRE(p.dialer.ev.connected.size() == 1);
        REQUIRE(p.acceptor.ev.connected.size() == 1);
        CHECK(p.dialer.ev.connected[0].node_id == p.acceptor.key.public_key());
        CHECK(p.acceptor.ev.connected[0].node_id == p.dialer.key.public_key());
        CHECK(p.dialer.ev.connected[0].best_height
              == p.acceptor.local.best_height);
        CHECK(p.dialer.s().peer()->node_id == p.acceptor.key.public_key());
        CHECK(p.acceptor.admitted
              == std::vector<proto::hash256>{p.dialer.key.public_key()});
        for (auto* e : {&p.dialer, &p.acceptor}) {
          CHECK(e->s().connected());
          CHECK_FALSE(e->ev.closed);
          CHECK(e->ev.violations.empty());
          CHECK(e->ev.warnings.empty());
          CHECK(e->ev.messages.empty());
          CHECK(e->stats.messages_sent.load() == 2); // HELLO, HELLO_AUTH
          CHECK(e->stats.messages_received.load() == 2);
        }
        CHECK(p.dialer.stats.bytes_sent.load()
              == p.acceptor.stats.bytes_received.load());
        CHECK(p.acceptor.stats.bytes_sent.load()
              == p.dialer.stats.bytes_received.load());
        // Connected, the pair carries messages.
        p.dialer.send(tip_at(5));
        p.pump();
        REQUIRE(p.acceptor.ev.messages.size() == 1);
        CHECK(as<proto::tip>(p.acceptor.ev.messages[0])->height == 5);
      }
}

TEST_CASE("session: frames and TLS records split at every byte") {
  for (bool tls : {false, true}) {
    CAPTURE(tls);
    session_pair whole{tls};
    whole.connect();
    const auto largest = whole.largest_batch;
    REQUIRE(largest > 1);
    for (std::size_t k = 1; k < largest; ++k) {
      CAPTURE(k);
      session_pair p{tls};
      p.how.split_at = k;
      p.start();
      p.pump();
      REQUIRE(p.dialer.s().connected());
      REQUIRE(p.acceptor.s().connected());
    }
  }
}

TEST_CASE("session: a peer's clock far off is a warning, not a refusal") {
  session_pair p{false};
  p.dialer.unix_now = unix_t0 + 3600;
  p.connect();
  REQUIRE(p.acceptor.ev.warnings.size() == 1);
  CHECK(p.acceptor.ev.warnings[0].find("3600 s") != std::string::npos);
  CHECK(p.dialer.ev.warnings.size() == 1);
}

TEST_CASE("session: a second HELLO is a violation") {
  for (bool tls : {false, true}) {
    CAPTURE(tls);
    scripted_pair s{tls};
    s.start();
    auto hello = s.peer.begin(devnet_local(7)).make_hello(unix_t0);
    s.write(hello);
    s.write(hello);
    check_violation(s.end, violation::protocol);
    CHECK(types_of(s.peer.got)
          == std::vector<msg_type>{msg_type::hello, msg_type::hello_auth,
                                   msg_type::reject});
    s.check_rejected(reject_code::protocol_violation);
    CHECK_FALSE(s.end.s().connected());
  }
}

TEST_CASE("session: HELLO_AUTH before HELLO is a violation") {
  for (bool tls : {false, true}) {
    CAPTURE(tls);
    scripted_pair s{tls};
    s.start();
    proto::sig64 sig{};
    sig.fill(0x5a);
    s.write(proto::message{0, proto::hello_auth{sig}});
    // Out of order, not a signature that failed: nothing was checked.
    check_violation(s.end, violation::protocol);
    CHECK(types_of(s.peer.got)
          == std::vector<msg_type>{msg_type::hello, msg_type::reject});
    s.check_rejected(reject_code::protocol_violation);
  }
}

TEST_CASE("session: a message other than HELLO before the handshake") {
  for (bool tls : {false, true}) {
    CAPTURE(tls);
    scripted_pair s{tls};
    s.start();
    s.write(proto::message{1, proto::get_tip{}});
    check_violation(s.end, violation::message_before_handshake);
    CHECK(types_of(s.peer.got)
          == std::vector<msg_type>{msg_type::hello, msg_type::reject});
    s.check_rejected(reject_code::protocol_violation);
    CHECK(s.end.ev.messages.empty());
  }
}

TEST_CASE("session: a HELLO of another network is refused, not charged") {
  for (bool tls : {false, true})
    for (bool other_magic : {true, false}) {
      CAPTURE(tls);
      CAPTURE(other_magic);
      scripted_pair s{tls};
      s.start();
      auto local = devnet_local(7);
      if (other_magic)
        local.magic ^= 1;
      else
        local.network = "testnet";
      s.write(s.peer.begin(local).make_hello(unix_t0));
      CHECK(s.end.closed_for(close_reason::local));
      CHECK(s.end.ev.violations.empty());
      CHECK(s.end.stats.violations.load() == 0);
      CHECK(s.end.admitted.empty());
      CHECK(types_of(s.peer.got)
            == std::vector<msg_type>{msg_type::hello, msg_type::reject});
      s.check_rejected(reject_code::wrong_network);
    }
}

TEST_CASE("session: a HELLO_AUTH that does not verify is bad_signature") {
  SUBCASE("a garbage signature") {
    for (bool tls : {false, true}) {
      CAPTURE(tls);
      scripted_pair s{tls};
      s.start();
      s.write(s.peer.begin(devnet_local(7)).make_hello(unix_t0));
      proto::sig64 sig{};
      sig.fill(0x5a);
      s.write(proto::message{0, proto::hello_auth{sig}});
      check_violation(s.end, violation::bad_signature);
      CHECK(types_of(s.peer.got)
            == std::vector<msg_type>{msg_type::hello, msg_type::hello_auth,
                                     msg_type::reject});
      s.check_rejected(reject_code::protocol_violation);
    }
  }
  SUBCASE("signed for the other role") {
    for (bool tls : {false, true}) {
      CAPTURE(tls);
      scripted_pair s{tls};
      s.start();
      auto& hs = s.peer.begin(devnet_local(7), conn_role::acceptor);
      s.write(hs.make_hello(unix_t0));
      s.run_handshake();
      check_violation(s.end, violation::bad_signature);
      CHECK_FALSE(s.end.s().connected());
    }
  }
  SUBCASE("signed for another TLS session") {
    scripted_pair s{true};
    s.start();
    auto& hs = s.peer.begin(devnet_local(7), {}, proto::hash256{});
    s.write(hs.make_hello(unix_t0));
    s.run_handshake();
    check_violation(s.end, violation::bad_signature);
  }
}

TEST_CASE("session: admission refuses a banned peer without a violation") {
  const security::refusal banned{reject_code::banned, "node id banned", false};
  SUBCASE("a scripted peer") {
    for (bool tls : {false, true}) {
      CAPTURE(tls);
      scripted_pair s{tls};
      s.end.refuse = banned;
      s.start();
      s.write(s.peer.begin(devnet_local(7)).make_hello(unix_t0));
      CHECK(s.end.admitted
            == std::vector<proto::hash256>{s.peer.key.public_key()});
      CHECK(s.end.closed_for(close_reason::local));
      CHECK(s.end.ev.violations.empty());
      CHECK(types_of(s.peer.got)
            == std::vector<msg_type>{msg_type::hello, msg_type::reject});
      s.check_rejected(reject_code::banned);
    }
  }
  SUBCASE("two sessions: the dialer sees the peer's REJECT") {
    for (bool tls : {false, true}) {
      CAPTURE(tls);
      session_pair p{tls};
      p.acceptor.refuse = banned;
      p.start();
      p.pump();
      CHECK(p.acceptor.closed_for(close_reason::local));
      CHECK(p.dialer.closed_for(close_reason::peer_reject));
      CHECK(p.dialer.ev.closed_reason.find("code 5") != std::string::npos);
      CHECK(p.dialer.ev.connected.empty());
      CHECK(p.acceptor.ev.connected.empty());
      CHECK(p.dialer.ev.violations.empty());
      CHECK(p.acceptor.ev.violations.empty());
    }
  }
}

TEST_CASE("session: a REJECT from the peer ends the handshake") {
  for (bool tls : {false, true})
    for (bool after_hello : {false, true}) {
      CAPTURE(tls);
      CAPTURE(after_hello);
      scripted_pair s{tls};
      s.start();
      std::vector<msg_type> sent{msg_type::hello};
      if (after_hello) {
        s.write(s.peer.begin(devnet_local(7)).make_hello(unix_t0));
        sent.push_back(msg_type::hello_auth);
      }
      s.write(proto::message{0, proto::reject{reject_code::duplicate, "dup"}});
      CHECK(s.end.closed_for(close_reason::peer_reject));
      CHECK(s.end.ev.closed_reason.find("dup") != std::string::npos);
      CHECK(s.end.ev.violations.empty());
      // Nothing is sent back.
      CHECK(types_of(s.peer.got) == sent);
      if (tls)
        CHECK(s.peer.close_notify);
    }
}

// ------------------------------------------------------------ hostile bytes

TEST_CASE("session: garbage instead of a TLS handshake fails TLS") {
  std::mt19937 rng{7};
  const std::string http = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  for (auto role : {conn_role::acceptor, conn_role::dialer})
    for (int i = 0; i < 32; ++i) {
      CAPTURE(static_cast<int>(role));
      CAPTURE(i);
      proto::bytes garbage;
      if (i == 0)
        garbage.assign(http.begin(), http.end());
      else
        garbage = random_bytes(rng, 5 + rng() % 4096);
      // A whole record header whose type is not one of 0x14..0x18 fails at
      // once.
      if (garbage[0] >= 0x14 && garbage[0] <= 0x18)
        garbage[0] = 0x00;
      node_end e{2, role, true};
      e.s().start();
      e.take_wire();
      e.s().receive(garbage.data(), garbage.size(), t0);
      CHECK(e.closed_for(close_reason::tls_failure));
      CHECK(e.ev.closed_reason.find("TLS") != std::string::npos);
      CHECK(e.ev.violations.empty());
      CHECK_FALSE(e.s().connected());
      // Closed: later bytes are ignored.
      e.s().receive(garbage.data(), garbage.size(), t0);
      CHECK(e.ev.closes == 1);
    }
}

TEST_CASE("session: bad ciphertext after the TLS handshake fails TLS") {
  std::mt19937 rng{11};
  for (bool record_header : {false, true}) {
    CAPTURE(record_header);
    session_pair p{true};
    p.connect();
    auto garbage = random_bytes(rng, 64);
    if (record_header) {
      // Application data whose MAC cannot verify.
      const proto::bytes head{0x17, 0x03, 0x03, 0x00, 64 - 5};
      std::copy(head.begin(), head.end(), garbage.begin());
    } else {
      garbage[0] = 0x01; // no record type
    }
    p.acceptor.s().receive(garbage.data(), garbage.size(), p.now);
    CHECK(p.acceptor.closed_for(close_reason::tls_failure));
    CHECK(p.acceptor.ev.violations.empty());
  }
}

TEST_CASE("session: a plaintext dialer and a TLS acceptor do not connect") {
  session_pair p{false, true};
  p.start();
  p.pump();
  CHECK(p.acceptor.closed_for(close_reason::tls_failure));
  CHECK(p.acceptor.ev.violations.empty());
  // The dialer hears nothing it could take for a frame: its handshake
  // deadline ends it.
  CHECK_FALSE(p.dialer.ev.closed);
  p.dialer.s().handshake_deadline();
  CHECK(p.dialer.closed_for(close_reason::handshake_timeout));
  CHECK(p.dialer.ev.violations.empty());
}

TEST_CASE("session: bad frame lengths before the handshake") {
  for (bool tls : {false, true}) {
    CAPTURE(tls);
    {
      scripted_pair s{tls};
      s.start();
      s.write(frame_head(0));
      check_violation(s.end, violation::malformed_frame);
      s.check_rejected(reject_code::protocol_violation);
    }
    {
      scripted_pair s{tls};
      s.start();
      s.write(frame_head(proto::max_handshake_frame_bytes + 1));
      check_violation(s.end, violation::oversized_frame);
      s.check_rejected(reject_code::protocol_violation);
    }
    {
      // 64 KiB itself is allowed: the rest is awaited.
      scripted_pair s{tls};
      s.start();
      s.write(
        frame_head(proto::max_handshake_frame_bytes, proto::bytes(1000, 0x90)));
      CHECK_FALSE(s.end.ev.closed);
    }
  }
}

TEST_CASE("session: bad frame lengths after the handshake") {
  // Only the first bytes of the large frames: enough to refuse them.
  const proto::bytes ping_head{0x93, 0x04, 0x00, 0x92, 0xcf, 0, 0,
                               0,    0,    0,    0,    0,    0, 0};
  auto unknown_head = unknown_type_payload;
  unknown_head.resize(100);
  const std::vector<std::pair<proto::bytes, violation>> cases{
    {frame_head(0), violation::malformed_frame},
    {frame_head(proto::max_frame_bytes + 1), violation::oversized_frame},
    // Refused from its first bytes: over the 1 KiB of a PING.
    {frame_head(2000, ping_head), violation::oversized_frame},
    {frame_head(proto::type_limits::other + 1, unknown_head),
     violation::oversized_frame},
  };
  for (bool tls : {false, true})
    for (std::size_t i = 0; i < cases.size(); ++i) {
      CAPTURE(tls);
      CAPTURE(i);
      scripted_pair s{tls};
      s.connect();
      s.write(cases[i].first);
      check_violation(s.end, cases[i].second);
      // Connected: closed without a REJECT.
      CHECK(s.peer.got.empty());
      if (tls)
        CHECK(s.peer.close_notify);
      if (i == 2)
        CHECK(s.end.ev.violations[0].second.find("1024") != std::string::npos);
    }
}

TEST_CASE("session: a payload that is not a message is malformed_frame") {
  const std::vector<proto::bytes> payloads{
    {0xc1},                               // no MessagePack object
    {0x90},                               // not [type, id, body]
    {0x93, 0x04},                         // cut short
    {0x93, 0x04, 0x00, 0x91, 0xa1, 'x'},  // PING with a string nonce
    {0x93, 0x04, 0x00, 0x90, 0x90, 0x90}, // trailing bytes
  };
  for (bool tls : {false, true})
    for (bool connected : {false, true})
      for (std::size_t i = 0; i < payloads.size(); ++i) {
        CAPTURE(tls);
        CAPTURE(connected);
        CAPTURE(i);
        scripted_pair s{tls};
        if (connected)
          s.connect();
        else
          s.start();
        s.write(raw_frame(payloads[i]));
        check_violation(s.end, violation::malformed_frame);
        if (connected)
          CHECK(s.peer.got.empty());
        else
          s.check_rejected(reject_code::protocol_violation);
      }
}

TEST_CASE("session: an unknown message type is ignored once connected") {
  for (bool tls : {false, true}) {
    CAPTURE(tls);
    {
      scripted_pair s{tls};
      s.connect();
      s.write(raw_frame(unknown_type_payload));
      s.write(raw_frame(unknown_type_payload));
      CHECK(s.end.stats.unknown_messages.load() == 2);
      CHECK(s.end.ev.violations.empty());
      CHECK(s.end.ev.messages.empty());
      CHECK_FALSE(s.end.ev.closed);
      // Still served.
      s.write(proto::message{0, proto::ping{42, 9}});
      REQUIRE(s.peer.got.size() == 1);
      CHECK(as<proto::pong>(s.peer.got[0])->nonce == 42);
    }
    {
      // Before the handshake: a violation.
      scripted_pair s{tls};
      s.start();
      s.write(raw_frame(unknown_type_payload));
      check_violation(s.end, violation::malformed_frame);
      CHECK(s.end.stats.unknown_messages.load() == 0);
      s.check_rejected(reject_code::protocol_violation);
    }
  }
}

TEST_CASE("session: a handshake message after the handshake") {
  for (bool tls : {false, true})
    for (bool auth : {false, true}) {
      CAPTURE(tls);
      CAPTURE(auth);
      scripted_pair s{tls};
      s.connect();
      if (auth)
        s.write(proto::message{0, proto::hello_auth{}});
      else
        s.write(s.peer.hs->make_hello(unix_t0));
      check_violation(s.end, violation::protocol);
      CHECK(s.peer.got.empty());
    }
}

TEST_CASE("session: frames the rate limits drop, or call a flood") {
  for (bool tls : {false, true}) {
    CAPTURE(tls);
    session_pair p{tls};
    p.connect();
    p.acceptor.ev.verdict = frame_verdict::drop;
    p.dialer.send(tip_at(1));
    p.pump();
    CHECK(p.acceptor.ev.messages.empty());
    CHECK_FALSE(p.acceptor.ev.closed);
    p.acceptor.ev.verdict = frame_verdict::flood;
    p.dialer.send(tip_at(2));
    p.pump();
    CHECK(p.acceptor.ev.messages.empty());
    check_violation(p.acceptor, violation::flood);
    // Connected: the dialer gets no REJECT.
    CHECK(p.dialer.ev.messages.empty());
    CHECK_FALSE(p.dialer.ev.closed == close_reason::peer_reject);
  }
}

TEST_CASE("session: a violation found above the session, once connected") {
  for (bool tls : {false, true}) {
    CAPTURE(tls);
    session_pair p{tls};
    p.connect();
    p.dialer.s().violation(violation::invalid_block, "a bad block");
    check_violation(p.dialer, violation::invalid_block);
    p.pump();
    CHECK(p.acceptor.ev.messages.empty());
    if (tls)
      CHECK(p.acceptor.closed_for(close_reason::peer_closed));
    else
      CHECK_FALSE(p.acceptor.ev.closed);
  }
}

// --------------------------------------------------------------------- ping

TEST_CASE("session: PING and PONG measure the round trip") {
  for (bool tls : {false, true}) {
    CAPTURE(tls);
    session_pair p{tls};
    // Not connected yet: no PING.
    p.start();
    p.dialer.s().ping_tick(p.now);
    CHECK(p.dialer.stats.messages_sent.load() == (tls ? 0 : 1));
    p.pump();
    REQUIRE(p.dialer.s().connected());
    CHECK(p.dialer.stats.ping_rtt_us.load() == -1);
    p.dialer.s().ping_tick(p.now);
    p.now += 250ms;
    p.pump();
    CHECK(p.dialer.stats.ping_rtt_us.load() == 250'000);
    CHECK(p.acceptor.ev.heights
          == std::vector<uint64_t>{p.dialer.local.best_height});
    CHECK(p.dialer.ev.heights
          == std::vector<uint64_t>{p.acceptor.local.best_height});
    CHECK(p.dialer.ev.messages.empty());
    CHECK(p.acceptor.ev.messages.empty());
    CHECK(p.dialer.ev.answers.empty());
    // Answered: the next tick sends the next PING.
    p.now += ping_interval;
    p.dialer.s().ping_tick(p.now);
    p.now += 1ms;
    p.pump();
    CHECK(p.dialer.stats.ping_rtt_us.load() == 1'000);
    CHECK(p.dialer.next_nonce == 102);
    CHECK_FALSE(p.dialer.ev.closed);
  }
}

TEST_CASE("session: a PING unanswered for ping_timeout closes") {
  for (bool tls : {false, true}) {
    CAPTURE(tls);
    session_pair p{tls};
    p.connect();
    const auto sent = p.dialer.stats.messages_sent.load();
    p.dialer.s().ping_tick(p.now);
    CHECK(p.dialer.stats.messages_sent.load() == sent + 1);
    p.dialer.take_wire(); // the PING is lost
    // One PING outstanding: no second one, and no close before the timeout.
    p.dialer.s().ping_tick(p.now + ping_interval);
    p.dialer.s().ping_tick(p.now + ping_timeout - 1ms);
    CHECK(p.dialer.stats.messages_sent.load() == sent + 1);
    CHECK_FALSE(p.dialer.ev.closed);
    p.dialer.s().ping_tick(p.now + ping_timeout);
    CHECK(p.dialer.closed_for(close_reason::ping_timeout));
    CHECK(p.dialer.ev.violations.empty());
  }
}

TEST_CASE("session: a PONG with another nonce only tells the height") {
  scripted_pair s{false};
  s.connect();
  s.end.s().ping_tick(s.now);
  s.pump();
  REQUIRE(s.peer.got.size() == 1);
  auto* ping = as<proto::ping>(s.peer.got[0]);
  REQUIRE(ping);
  CHECK(ping->nonce == 100);
  CHECK(ping->best_height == s.end.local.best_height);
  s.now += 2s;
  s.write(proto::message{0, proto::pong{999, 77}});
  CHECK(s.end.ev.heights == std::vector<uint64_t>{77});
  CHECK(s.end.stats.ping_rtt_us.load() == -1);
  s.write(proto::message{0, proto::pong{100, 78}});
  CHECK(s.end.ev.heights == std::vector<uint64_t>{77, 78});
  CHECK(s.end.stats.ping_rtt_us.load() == 2'000'000);
}

// ------------------------------------------------------------------ timers

TEST_CASE("session: the handshake deadline") {
  for (bool tls : {false, true})
    for (auto role : {conn_role::acceptor, conn_role::dialer}) {
      CAPTURE(tls);
      CAPTURE(static_cast<int>(role));
      node_end e{2, role, tls};
      e.s().start();
      auto before = e.take_wire();
      e.s().handshake_deadline();
      CHECK(e.closed_for(close_reason::handshake_timeout));
      // A peer that dialled us and stalls is charged; one we dialled not.
      if (role == conn_role::acceptor) {
        CHECK(e.violation_kinds()
              == std::vector<violation>{violation::handshake_timeout});
        CHECK(e.stats.violations.load() == 1);
      } else {
        CHECK(e.ev.violations.empty());
      }
      // No REJECT when the deadline passes.
      if (!tls)
        CHECK(types_of(frames_of(before))
              == std::vector<msg_type>{msg_type::hello});
      CHECK(e.ev.wire.empty());
    }
  // Connected: nothing happens.
  session_pair p{true};
  p.connect();
  p.acceptor.s().handshake_deadline();
  p.dialer.s().handshake_deadline();
  CHECK_FALSE(p.acceptor.ev.closed);
  CHECK_FALSE(p.dialer.ev.closed);
}

TEST_CASE("session: the first-bytes deadline") {
  for (bool tls : {false, true}) {
    CAPTURE(tls);
    {
      node_end e{2, conn_role::acceptor, tls};
      e.s().start();
      CHECK_FALSE(e.s().got_bytes());
      e.s().first_bytes_deadline();
      CHECK(e.closed_for(close_reason::no_first_bytes));
      CHECK(e.ev.violations.empty());
    }
    {
      // One byte is enough.
      session_pair p{tls};
      p.start();
      auto wire = p.dialer.take_wire();
      REQUIRE_FALSE(wire.empty());
      p.acceptor.s().receive(wire.data(), 1, p.now);
      CHECK(p.acceptor.s().got_bytes());
      p.acceptor.s().first_bytes_deadline();
      CHECK_FALSE(p.acceptor.ev.closed);
      // The rest still makes a connection.
      p.acceptor.s().receive(wire.data() + 1, wire.size() - 1, p.now);
      p.pump();
      CHECK(p.acceptor.s().connected());
    }
  }
}

// ---------------------------------------------------------------- requests

TEST_CASE("session: requests get increasing ids; answers come to on_answer") {
  for (bool tls : {false, true}) {
    CAPTURE(tls);
    session_pair p{tls};
    p.connect();
    auto& a = p.dialer;
    proto::message tip_req{0, proto::get_tip{}};
    proto::message hdr_req{0, proto::get_headers{0, 10}};
    CHECK(a.s().request(tip_req, p.now) == 1);
    CHECK(tip_req.id == 1);
    CHECK(a.s().request(hdr_req, p.now) == 2);
    CHECK(hdr_req.id == 2);
    a.s().send(tip_req);
    a.s().send(hdr_req);
    a.s().flush();
    CHECK(a.s().pending() == 2);
    p.pump();
    auto& b = p.acceptor;
    CHECK(types_of(b.ev.messages)
          == std::vector<msg_type>{msg_type::get_tip, msg_type::get_headers});
    CHECK(b.ev.frame_answers.back() == false);
    // Answered out of order.
    b.s().send(proto::message{2, proto::headers{}});
    b.s().send(tip_at(9, 1));
    b.s().flush();
    p.pump();
    REQUIRE(a.ev.answers.size() == 2);
    CHECK(a.ev.answers[0].first == 2);
    CHECK(a.ev.answers[0].second.type() == msg_type::headers);
    CHECK(a.ev.answers[1].first == 1);
    CHECK(as<proto::tip>(a.ev.answers[1].second)->height == 9);
    CHECK(a.ev.messages.empty());
    CHECK(a.s().pending() == 0);
    // Answers are not charged to the byte budget.
    const auto n = a.ev.frame_answers.size();
    CHECK(a.ev.frame_answers[n - 2]);
    CHECK(a.ev.frame_answers[n - 1]);
    // An id from `new_request_id` comes from the same counter; its answer
    // is a message.
    CHECK(a.s().new_request_id(p.now) == 3);
    CHECK(a.s().pending() == 0);
    b.send(proto::message{3, proto::peers{}});
    p.pump();
    CHECK(types_of(a.ev.messages) == std::vector<msg_type>{msg_type::peers});
    CHECK(a.ev.answers.size() == 2);
  }
}

TEST_CASE("session: an answer after expire comes to on_message") {
  session_pair p{false};
  p.connect();
  proto::message req{0, proto::get_tip{}};
  auto id = p.dialer.s().request(req, p.now);
  p.dialer.send(req);
  p.pump();
  p.now += request_timeout;
  CHECK(p.dialer.s().expire(id));
  CHECK_FALSE(p.dialer.s().expire(id));
  CHECK(p.dialer.s().pending() == 0);
  p.acceptor.send(tip_at(4, id));
  p.pump();
  CHECK(p.dialer.ev.answers.empty());
  REQUIRE(p.dialer.ev.messages.size() == 1);
  CHECK(p.dialer.ev.messages[0].id == id);
  CHECK(as<proto::tip>(p.dialer.ev.messages[0])->height == 4);
  CHECK_FALSE(p.dialer.ev.frame_answers.back());
}

TEST_CASE("session: a peer's request with one of our ids is not an answer") {
  for (bool tls : {false, true}) {
    CAPTURE(tls);
    session_pair p{tls};
    p.connect();
    auto& a = p.dialer;
    auto& b = p.acceptor;
    proto::message ours{0, proto::get_tip{}};
    proto::message theirs{0, proto::get_tip{}};
    REQUIRE(a.s().request(ours, p.now) == 1);
    REQUIRE(b.s().request(theirs, p.now) == 1);
    b.send(theirs);
    p.pump();
    REQUIRE(a.ev.messages.size() == 1);
    CHECK(a.ev.messages[0].type() == msg_type::get_tip);
    CHECK(a.ev.messages[0].id == 1);
    CHECK(a.ev.answers.empty());
    CHECK(a.s().pending() == 1);
    CHECK_FALSE(a.ev.frame_answers.back());
    // Both requests are answered, each at its sender.
    a.send(ours);
    a.send(tip_at(10, 1));
    p.pump();
    REQUIRE(b.ev.answers.size() == 1);
    CHECK(as<proto::tip>(b.ev.answers[0].second)->height == 10);
    b.send(tip_at(20, 1));
    p.pump();
    REQUIRE(a.ev.answers.size() == 1);
    CHECK(as<proto::tip>(a.ev.answers[0].second)->height == 20);
  }
}

TEST_CASE("session: large answers only while a request waits") {
  SUBCASE("unrequested: over the 64 KiB of an answer nobody waits for") {
    scripted_pair s{false};
    s.connect();
    s.write(big_headers(0));
    check_violation(s.end, violation::oversized_frame);
  }
  SUBCASE("requested: the answer's own limit") {
    scripted_pair s{false};
    s.connect();
    proto::message req{0, proto::get_headers{0, 400}};
    auto id = s.end.s().request(req, s.now);
    s.end.send(req);
    s.pump();
    s.write(big_headers(id));
    REQUIRE(s.end.ev.answers.size() == 1);
    CHECK(s.end.ev.answers[0].first == id);
    CHECK_FALSE(s.end.ev.closed);
  }
  SUBCASE("late: ignored for twice the request's time, then refused") {
    scripted_pair s{false};
    s.connect();
    proto::message req{0, proto::get_headers{0, 400}};
    auto id = s.end.s().request(req, s.now);
    s.end.send(req);
    s.pump();
    s.now += request_timeout;
    s.end.s().expire(id);
    s.now += request_timeout - 1s;
    s.write(big_headers(id));
    CHECK(s.end.ev.answers.empty());
    CHECK(s.end.ev.messages.size() == 1);
    CHECK_FALSE(s.end.ev.closed);
    s.now += 1s;
    s.write(big_headers(id));
    check_violation(s.end, violation::oversized_frame);
  }
}

// -------------------------------------------------------------- send queue

TEST_CASE("session: send asks for one flush per batch") {
  for (bool tls : {false, true}) {
    CAPTURE(tls);
    session_pair p{tls};
    p.connect();
    auto& a = p.dialer;
    CHECK(a.s().send(tip_at(1)));
    CHECK_FALSE(a.s().send(tip_at(2)));
    CHECK(a.ev.wire.empty());
    a.s().flush();
    CHECK_FALSE(a.ev.wire.empty());
    CHECK(a.s().send(tip_at(3)));
    a.s().flush();
    p.pump();
    // Past `flush_threshold_bytes` a frame leaves at once.
    proto::gossip g;
    g.kind = proto::gossip_kind_block;
    g.payload.assign(flush_threshold_bytes, 0x42);
    CHECK_FALSE(a.s().send(proto::message{0, g}));
    CHECK(a.ev.wire.size() > flush_threshold_bytes);
    p.pump();
    CHECK(types_of(p.acceptor.ev.messages)
          == std::vector<msg_type>{msg_type::tip, msg_type::tip, msg_type::tip,
                                   msg_type::gossip});
  }
}

TEST_CASE("session: a congested transport keeps messages in order") {
  for (bool tls : {false, true}) {
    CAPTURE(tls);
    session_pair p{tls};
    p.connect();
    auto& a = p.dialer;
    a.ev.unsent = write_high_water_bytes;
    a.s().flush();
    CHECK(a.s().congested());
    for (uint64_t h = 1; h <= 3; ++h) {
      CHECK_FALSE(a.s().send(tip_at(h)));
      a.s().flush();
    }
    CHECK(a.s().backlog_messages() == 3);
    CHECK(a.s().queued_bytes() > write_high_water_bytes);
    CHECK(a.stats.send_queue_bytes.load() == a.s().queued_bytes());
    CHECK(a.ev.wire.empty());
    // Still over the mark: nothing moves.
    a.s().transport_drained(write_high_water_bytes);
    CHECK(a.s().backlog_messages() == 3);
    CHECK(a.ev.wire.empty());
    a.ev.unsent = 0;
    a.s().transport_drained(0);
    CHECK(a.s().backlog_messages() == 0);
    CHECK_FALSE(a.s().congested());
    CHECK(a.s().queued_bytes() == 0);
    a.send(tip_at(4));
    p.pump();
    auto& got = p.acceptor.ev.messages;
    REQUIRE(got.size() == 4);
    for (uint64_t h = 1; h <= 4; ++h)
      CHECK(as<proto::tip>(got[h - 1])->height == h);
  }
}

TEST_CASE("session: a send queue over its bound closes") {
  SUBCASE("messages") {
    session_pair p{false};
    p.connect();
    auto& a = p.dialer;
    a.ev.unsent = write_high_water_bytes;
    a.s().flush();
    for (std::size_t i = 0; i < max_send_queue_messages; ++i)
      a.s().send(tip_at(i));
    CHECK(a.s().backlog_messages() == max_send_queue_messages);
    CHECK_FALSE(a.ev.closed);
    a.s().send(tip_at(0));
    CHECK(a.closed_for(close_reason::send_queue_full));
    CHECK(a.stats.send_overflows.load() == 1);
    CHECK(a.s().backlog_messages() == 0);
    CHECK(a.ev.violations.empty());
    // The queue was dropped, not sent.
    p.pump();
    CHECK(p.acceptor.ev.messages.empty());
  }
  SUBCASE("bytes") {
    session_pair p{false};
    p.connect();
    auto& a = p.dialer;
    a.ev.unsent = max_send_queue_bytes;
    a.s().flush();
    a.s().send(tip_at(1));
    CHECK(a.closed_for(close_reason::send_queue_full));
  }
}

TEST_CASE("session: close sends what waits, then close_notify") {
  for (bool tls : {false, true}) {
    CAPTURE(tls);
    session_pair p{tls};
    p.connect();
    auto& a = p.dialer;
    proto::message req{0, proto::get_tip{}};
    a.s().request(req, p.now);
    a.send(req);
    a.ev.unsent = write_high_water_bytes;
    a.s().flush();
    for (uint64_t h = 1; h <= 3; ++h)
      a.s().send(tip_at(h));
    REQUIRE(a.s().backlog_messages() == 3);
    a.s().close(close_reason::local, "operator");
    CHECK(a.closed_for(close_reason::local));
    CHECK(a.ev.closed_reason == "operator");
    CHECK(a.s().closing());
    CHECK(a.s().backlog_messages() == 0);
    CHECK(a.s().pending() == 0);
    // Closed: nothing more is sent or received.
    a.ev.unsent = 0;
    const auto wire = a.ev.wire.size();
    CHECK_FALSE(a.s().send(tip_at(9)));
    a.s().flush();
    a.s().ping_tick(p.now + ping_interval);
    a.s().close(close_reason::violation, "again");
    CHECK(a.ev.wire.size() == wire);
    CHECK(a.ev.closes == 1);
    p.pump();
    auto& got = p.acceptor.ev.messages;
    REQUIRE(got.size() == 4);
    for (uint64_t h = 1; h <= 3; ++h)
      CHECK(as<proto::tip>(got[h])->height == h);
    if (tls) {
      CHECK(p.acceptor.closed_for(close_reason::peer_closed));
    } else {
      // Without TLS the transport's closed socket tells the peer.
      CHECK_FALSE(p.acceptor.ev.closed);
    }
    // The acceptor's reply to the close is ignored.
    CHECK(a.ev.messages.empty());
  }
}

TEST_CASE("session: BYE and REJECT from a connected peer close") {
  for (bool tls : {false, true}) {
    CAPTURE(tls);
    {
      session_pair p{tls};
      p.connect();
      p.dialer.s().send(proto::message{0, proto::bye{"shutting down"}});
      p.dialer.s().close(close_reason::local, "BYE: shutting down");
      p.pump();
      CHECK(p.acceptor.closed_for(close_reason::peer_bye));
      CHECK(p.acceptor.ev.closed_reason.find("shutting down")
            != std::string::npos);
      CHECK(p.acceptor.ev.messages.empty());
      CHECK(p.acceptor.ev.violations.empty());
    }
    {
      session_pair p{tls};
      p.connect();
      p.dialer.s().reject_and_close(reject_code::no_free_slot, "no free slot");
      CHECK(p.dialer.closed_for(close_reason::local));
      p.pump();
      CHECK(p.acceptor.closed_for(close_reason::peer_reject));
      CHECK(p.acceptor.ev.closed_reason.find("no free slot")
            != std::string::npos);
      CHECK(p.acceptor.ev.violations.empty());
    }
  }
}

TEST_CASE("session: abort ends without a word") {
  for (bool tls : {false, true}) {
    CAPTURE(tls);
    session_pair p{tls};
    p.connect();
    proto::message req{0, proto::get_tip{}};
    p.dialer.s().request(req, p.now);
    p.dialer.s().abort();
    CHECK(p.dialer.s().closing());
    CHECK(p.dialer.s().pending() == 0);
    CHECK_FALSE(p.dialer.ev.closed);
    CHECK_FALSE(p.dialer.s().send(tip_at(1)));
    p.dialer.s().flush();
    CHECK(p.dialer.ev.wire.empty());
    p.acceptor.send(tip_at(2));
    p.pump();
    CHECK(p.dialer.ev.messages.empty());
  }
}
