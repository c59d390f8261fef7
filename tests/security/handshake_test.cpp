#include "security/handshake.hpp"

#include <doctest/doctest.h>
#include <sodium.h>

#include <deque>
#include <limits>

#include "security/tls.hpp"

using namespace timecoin;
using namespace timecoin::security;
using proto::reject_code;

namespace {

constexpr int64_t t0 = 1767225600;
constexpr uint32_t devnet_magic = 0x44455654;

local_info devnet_info() {
  local_info info;
  info.magic = devnet_magic;
  info.network = "devnet";
  info.listen_port = 24200;
  info.user_agent = "timecoin-test/0.1";
  return info;
}

hash256 random_hash() {
  hash256 h{};
  randombytes_buf(h.data(), h.size());
  return h;
}

template <class T>
const T* as(const proto::message& m) {
  return std::get_if<T>(&m.content);
}

/// One side: its key and its handshake.
struct side {
  node_key key = node_key::generate();
  handshake hs;
  std::vector<handshake_step> steps;

  side(conn_role role, hash256 binding, local_info info = devnet_info(),
       handshake::admit_fn admit = {}, std::optional<hash256> tls_key = {})
    : hs(key, std::move(info), role, binding, tls_key, std::move(admit)) {}

  /// Feeds `m`, returns what to send.
  std::vector<proto::message> feed(const proto::message& m, int64_t now = t0) {
    steps.push_back(hs.on_message(m, now));
    return steps.back().send;
  }
  const handshake_step& last() const { return steps.back(); }
};

/// Runs a whole exchange, both HELLOs first as on the wire, optionally
/// rewriting each message in flight. Returns when neither side has more.
template <class Tamper>
void run(side& a, side& b, Tamper tamper, int64_t now_a = t0,
         int64_t now_b = t0) {
  std::deque<proto::message> to_a, to_b;
  to_b.push_back(a.hs.make_hello(now_a));
  to_a.push_back(b.hs.make_hello(now_b));
  while (!to_a.empty() || !to_b.empty()) {
    if (!to_b.empty()) {
      auto m = to_b.front();
      to_b.pop_front();
      tamper(m, true);
      for (auto& out : b.feed(m, now_b))
        to_a.push_back(out);
    }
    if (!to_a.empty()) {
      auto m = to_a.front();
      to_a.pop_front();
      tamper(m, false);
      for (auto& out : a.feed(m, now_a))
        to_b.push_back(out);
    }
  }
}

void run(side& a, side& b) {
  run(a, b, [](proto::message&, bool) {});
}

/// `s` failed with `code`, sent exactly that REJECT, and flagged a
/// violation iff `violation`.
void expect_rejected(const side& s, reject_code code, bool violation) {
  REQUIRE(s.hs.failed());
  const handshake_step* failing = nullptr;
  for (auto& st : s.steps)
    if (st.failure && !failing)
      failing = &st;
  REQUIRE(failing);
  CHECK(failing->failure->code == code);
  CHECK(failing->failure->violation == violation);
  REQUIRE(failing->send.size() == 1);
  auto* rej = as<proto::reject>(failing->send[0]);
  REQUIRE(rej);
  CHECK(rej->code == code);
  CHECK_FALSE(failing->connected);
}

proto::hello valid_peer_hello() {
  proto::hello h;
  h.magic = devnet_magic;
  h.version = 1;
  h.min_version = 1;
  h.network = "devnet";
  h.node_id = random_hash();
  h.nonce = random_hash();
  h.timestamp = t0;
  return h;
}

} // namespace

TEST_CASE("handshake: hello_auth_bytes layout") {
  hash256 nonce, own, peer, binding;
  nonce.fill(1);
  own.fill(2);
  peer.fill(3);
  binding.fill(4);
  auto b = hello_auth_bytes(nonce, own, peer, binding, conn_role::acceptor);
  REQUIRE(b.size() == 16 + 4 * 32 + 1);
  CHECK(std::string(b.begin(), b.begin() + 16) == "timecoin/1 hello");
  for (std::size_t part = 0; part < 4; ++part)
    for (std::size_t i = 0; i < 32; ++i)
      CHECK(b[16 + part * 32 + i] == part + 1);
  CHECK(b.back() == 2);
  CHECK(hello_auth_bytes(nonce, own, peer, binding, conn_role::dialer).back()
        == 1);
}

TEST_CASE("handshake: a full exchange connects both sides") {
  auto binding = random_hash();
  side dialer{conn_role::dialer, binding};
  side acceptor{conn_role::acceptor, binding};
  run(dialer, acceptor);
  CHECK(dialer.hs.connected());
  CHECK(acceptor.hs.connected());
  CHECK(dialer.last().connected);
  CHECK(acceptor.last().connected);
  REQUIRE(dialer.hs.peer_hello());
  CHECK(dialer.hs.peer_hello()->node_id == acceptor.key.public_key());
  CHECK(acceptor.hs.peer_hello()->user_agent == "timecoin-test/0.1");
  for (auto& st : dialer.steps)
    CHECK_FALSE(st.warning);
}

TEST_CASE("handshake: make_hello fills our fields, fresh nonce per "
          "connection") {
  side a{conn_role::dialer, hash256{}};
  side b{conn_role::dialer, hash256{}};
  auto m = a.hs.make_hello(t0);
  auto* h = as<proto::hello>(m);
  REQUIRE(h);
  CHECK(m.id == 0);
  CHECK(h->magic == devnet_magic);
  CHECK(h->network == "devnet");
  CHECK(h->version == proto::protocol_version);
  CHECK(h->min_version == proto::min_protocol_version);
  CHECK(h->node_id == a.key.public_key());
  CHECK(h->listen_port == 24200);
  CHECK(h->timestamp == t0);
  CHECK(h->nonce != hash256{});
  CHECK(as<proto::hello>(b.hs.make_hello(t0))->nonce != h->nonce);
}

TEST_CASE("handshake: over real TLS sessions with their binding and keys") {
  auto ka = node_key::generate();
  auto kb = node_key::generate();
  tls_session client{*tls_context::make(ka), tls_role::client};
  tls_session server{*tls_context::make(kb), tls_role::server};
  client.start();
  bytes plain;
  for (int i = 0; i < 10; ++i) {
    bytes ab, ba;
    client.take_output(ab);
    server.take_output(ba);
    server.receive(ab.data(), ab.size(), plain);
    client.receive(ba.data(), ba.size(), plain);
  }
  REQUIRE(client.established());
  REQUIRE(server.established());
  handshake ha{ka, devnet_info(), conn_role::dialer, *client.exporter_binding(),
               client.peer_public_key()};
  handshake hb{kb, devnet_info(), conn_role::acceptor,
               *server.exporter_binding(), server.peer_public_key()};
  auto hello_a = ha.make_hello(t0);
  auto hello_b = hb.make_hello(t0);
  auto sb = hb.on_message(hello_a, t0);
  auto sa = ha.on_message(hello_b, t0);
  REQUIRE(sa.send.size() == 1);
  REQUIRE(sb.send.size() == 1);
  CHECK(hb.on_message(sa.send[0], t0).connected);
  CHECK(ha.on_message(sb.send[0], t0).connected);
}

TEST_CASE("handshake: check_hello refusals") {
  auto info = devnet_info();
  auto own = random_hash();
  auto h = valid_peer_hello();
  CHECK_FALSE(check_hello(info, own, h));
  std::optional<refusal> r;
  SUBCASE("wrong magic") {
    h.magic = 0x54494D45;
    r = check_hello(info, own, h);
    REQUIRE(r);
    CHECK(r->code == reject_code::wrong_network);
    CHECK_FALSE(r->violation);
  }
  SUBCASE("wrong network name") {
    h.network = "testnet";
    r = check_hello(info, own, h);
    REQUIRE(r);
    CHECK(r->code == reject_code::wrong_network);
  }
  SUBCASE("versions disjoint (newer peer)") {
    h.min_version = 2;
    h.version = 5;
    r = check_hello(info, own, h);
    REQUIRE(r);
    CHECK(r->code == reject_code::incompatible_version);
    CHECK_FALSE(r->violation);
  }
  SUBCASE("versions disjoint (older peer)") {
    h.min_version = 0;
    h.version = 0;
    r = check_hello(info, own, h);
    REQUIRE(r);
    CHECK(r->code == reject_code::incompatible_version);
  }
  SUBCASE("overlapping wider range is fine") {
    h.min_version = 0;
    h.version = 7;
    CHECK_FALSE(check_hello(info, own, h));
  }
  SUBCASE("inverted version range is malformed") {
    h.min_version = 3;
    h.version = 1;
    r = check_hello(info, own, h);
    REQUIRE(r);
    CHECK(r->code == reject_code::protocol_violation);
    CHECK(r->violation);
  }
  SUBCASE("self") {
    h.node_id = own;
    r = check_hello(info, own, h);
    REQUIRE(r);
    CHECK(r->code == reject_code::self_connection);
    CHECK_FALSE(r->violation);
  }
  SUBCASE("user agent at the limit") {
    h.user_agent.assign(proto::max_user_agent_bytes, 'u');
    CHECK_FALSE(check_hello(info, own, h));
  }
  SUBCASE("user agent too long") {
    h.user_agent.assign(proto::max_user_agent_bytes + 1, 'u');
    r = check_hello(info, own, h);
    REQUIRE(r);
    CHECK(r->code == reject_code::protocol_violation);
    CHECK(r->violation);
  }
  SUBCASE("hostile network name is cut and escaped in the reason") {
    h.network = std::string(100000, '\n');
    r = check_hello(info, own, h);
    REQUIRE(r);
    CHECK(r->reason.size() < 1000);
    CHECK(r->reason.find('\n') == std::string::npos);
  }
}

TEST_CASE("handshake: refusals end the exchange with a REJECT") {
  auto binding = random_hash();
  side a{conn_role::dialer, binding};
  SUBCASE("wrong magic: code 1") {
    auto info = devnet_info();
    info.magic = 0xC01D7E4D;
    side b{conn_role::acceptor, binding, info};
    run(a, b);
    expect_rejected(b, reject_code::wrong_network, false);
    expect_rejected(a, reject_code::wrong_network, false);
  }
  SUBCASE("wrong network name: code 1") {
    auto info = devnet_info();
    info.network = "testnet";
    side b{conn_role::acceptor, binding, info};
    run(a, b);
    expect_rejected(b, reject_code::wrong_network, false);
  }
  SUBCASE("version ranges disjoint: code 2") {
    side b{conn_role::acceptor, binding};
    run(a, b, [](proto::message& m, bool to_b) {
      if (auto* h = std::get_if<proto::hello>(&m.content); h && to_b) {
        h->min_version = 2;
        h->version = 3;
      }
    });
    expect_rejected(b, reject_code::incompatible_version, false);
  }
  SUBCASE("self connection: code 4") {
    handshake self_hs{a.key, devnet_info(), conn_role::acceptor, binding, {}};
    auto st = self_hs.on_message(a.hs.make_hello(t0), t0);
    REQUIRE(st.failure);
    CHECK(st.failure->code == reject_code::self_connection);
    REQUIRE(st.send.size() == 1);
    CHECK(as<proto::reject>(st.send[0])->code == reject_code::self_connection);
  }
  SUBCASE("banned via admit: code 5") {
    std::optional<hash256> asked;
    side b{conn_role::acceptor, binding, devnet_info(),
           [&](const proto::hello& h) -> std::optional<refusal> {
             asked = h.node_id;
             return refusal{reject_code::banned, "banned", false};
           }};
    run(a, b);
    CHECK(asked == a.key.public_key());
    expect_rejected(b, reject_code::banned, false);
  }
  SUBCASE("duplicate via admit: code 3") {
    side b{conn_role::acceptor, binding, devnet_info(),
           [](const proto::hello&) -> std::optional<refusal> {
             return refusal{reject_code::duplicate, "already connected", false};
           }};
    run(a, b);
    expect_rejected(b, reject_code::duplicate, false);
    REQUIRE(a.hs.failed());
    CHECK(a.last().failure->code == reject_code::duplicate);
  }
  SUBCASE("user agent too long: code 8, violation") {
    auto info = devnet_info();
    info.user_agent.assign(300, 'x');
    side b{conn_role::acceptor, binding, info};
    run(a, b);
    expect_rejected(a, reject_code::protocol_violation, true);
  }
  SUBCASE("TLS key differs from HELLO node id: code 8, violation") {
    side b{conn_role::acceptor, binding, devnet_info(), {}, random_hash()};
    run(a, b);
    expect_rejected(b, reject_code::protocol_violation, true);
  }
}

TEST_CASE("handshake: admit is not asked when check_hello already refused") {
  bool asked = false;
  auto info = devnet_info();
  info.network = "other";
  side a{conn_role::dialer, hash256{}};
  side b{conn_role::acceptor, hash256{}, info,
         [&](const proto::hello&) -> std::optional<refusal> {
           asked = true;
           return std::nullopt;
         }};
  run(a, b);
  CHECK_FALSE(asked);
}

TEST_CASE("handshake: matching TLS key passes") {
  auto binding = random_hash();
  side a{conn_role::dialer, binding};
  side b{conn_role::acceptor, binding, devnet_info(), {}, a.key.public_key()};
  run(a, b);
  CHECK(b.hs.connected());
}

TEST_CASE("handshake: forged or misbound HELLO_AUTH is refused") {
  auto binding = random_hash();
  side a{conn_role::dialer, binding};
  side b{conn_role::acceptor, binding};
  hash256 b_nonce{};
  auto forge = [&](conn_role role, const hash256& with_binding) {
    return proto::hello_auth{a.key.sign(hello_auth_bytes(
      b_nonce, a.key.public_key(), b.key.public_key(), with_binding, role))};
  };
  std::function<void(proto::message&)> rewrite;
  bool should_pass = false;
  auto tamper = [&](proto::message& m, bool to_b) {
    if (to_b && std::holds_alternative<proto::hello_auth>(m.content))
      rewrite(m);
  };
  SUBCASE("one bit flipped") {
    rewrite = [](proto::message& m) {
      std::get<proto::hello_auth>(m.content).signature[17] ^= 0x04;
    };
  }
  SUBCASE("signed with the wrong role byte") {
    rewrite = [&](proto::message& m) {
      m.content = forge(conn_role::acceptor, binding);
    };
  }
  SUBCASE("bound to another TLS session") {
    rewrite = [&](proto::message& m) {
      m.content = forge(conn_role::dialer, random_hash());
    };
  }
  SUBCASE("control: re-signed correctly, passes") {
    should_pass = true;
    rewrite = [&](proto::message& m) {
      m.content = forge(conn_role::dialer, binding);
    };
  }
  b_nonce = as<proto::hello>(b.hs.make_hello(t0))->nonce;
  run(a, b, tamper);
  if (should_pass) {
    CHECK(b.hs.connected());
    CHECK(a.hs.connected());
  } else {
    expect_rejected(b, reject_code::protocol_violation, true);
  }
}

TEST_CASE("handshake: HELLO_AUTH replayed from another session is refused") {
  auto ka = node_key::generate();
  auto kb = node_key::generate();
  // Session 1 completes; its HELLO_AUTH from a is recorded.
  auto binding1 = random_hash();
  handshake a1{ka, devnet_info(), conn_role::dialer, binding1, {}};
  handshake b1{kb, devnet_info(), conn_role::acceptor, binding1, {}};
  auto hello_a1 = a1.make_hello(t0);
  auto hello_b1 = b1.make_hello(t0);
  auto auth_a1 = a1.on_message(hello_b1, t0).send.at(0);
  REQUIRE(as<proto::hello_auth>(auth_a1));
  b1.on_message(hello_a1, t0);
  CHECK(b1.on_message(auth_a1, t0).connected);
  // Session 2: an attacker replays session 1's HELLO and HELLO_AUTH.
  handshake b2{kb, devnet_info(), conn_role::acceptor, random_hash(), {}};
  b2.make_hello(t0);
  CHECK_FALSE(b2.on_message(hello_a1, t0).failure);
  auto st = b2.on_message(auth_a1, t0);
  REQUIRE(st.failure);
  CHECK(st.failure->code == reject_code::protocol_violation);
  CHECK(st.failure->violation);
  CHECK(b2.failed());
}

TEST_CASE("handshake: out-of-order messages are violations") {
  side a{conn_role::dialer, hash256{}};
  side b{conn_role::acceptor, hash256{}};
  b.hs.make_hello(t0);
  SUBCASE("PING before HELLO") {
    b.feed(proto::message{0, proto::ping{1, 2}});
  }
  SUBCASE("HELLO_AUTH before HELLO") {
    b.feed(proto::message{0, proto::hello_auth{}});
  }
  SUBCASE("PING between HELLO and HELLO_AUTH") {
    b.feed(a.hs.make_hello(t0));
    CHECK_FALSE(b.last().failure);
    b.feed(proto::message{0, proto::ping{}});
  }
  SUBCASE("a second HELLO") {
    b.feed(a.hs.make_hello(t0));
    b.feed(a.hs.make_hello(t0));
  }
  expect_rejected(b, reject_code::protocol_violation, true);
  auto again = b.feed(a.hs.make_hello(t0));
  CHECK(again.empty()); // a failed handshake says nothing more
  CHECK(b.last().failure);
}

TEST_CASE("handshake: HELLO or HELLO_AUTH after connected is a violation") {
  auto binding = random_hash();
  side a{conn_role::dialer, binding};
  side b{conn_role::acceptor, binding};
  run(a, b);
  REQUIRE(b.hs.connected());
  b.feed(proto::message{0, proto::ping{}});
  CHECK(b.last().connected);
  CHECK_FALSE(b.last().failure);
  b.feed(proto::message{0, proto::hello_auth{}});
  expect_rejected(b, reject_code::protocol_violation, true);
}

TEST_CASE("handshake: a REJECT received fails without a reply") {
  side b{conn_role::acceptor, hash256{}};
  b.hs.make_hello(t0);
  auto out = b.feed(
    proto::message{0, proto::reject{reject_code::banned, "you are banned"}});
  CHECK(out.empty());
  REQUIRE(b.last().failure);
  CHECK(b.last().failure->code == reject_code::banned);
  CHECK_FALSE(b.last().failure->violation);
  CHECK(b.last().failure->reason == "peer rejected: code 5: you are banned");
  CHECK(b.hs.failed());
}

TEST_CASE("handshake: HELLO before make_hello sends ours first") {
  auto binding = random_hash();
  side a{conn_role::dialer, binding};
  side b{conn_role::acceptor, binding};
  auto out = b.feed(a.hs.make_hello(t0));
  REQUIRE(out.size() == 2);
  REQUIRE(as<proto::hello>(out[0]));
  REQUIRE(as<proto::hello_auth>(out[1]));
  auto back = a.feed(out[0]);
  a.feed(out[1]);
  CHECK(a.hs.connected());
  b.feed(back.at(0));
  CHECK(b.hs.connected());
}

TEST_CASE("handshake: clock skew over 60 s is a warning, not a refusal") {
  auto binding = random_hash();
  side a{conn_role::dialer, binding};
  side b{conn_role::acceptor, binding};
  run(
    a, b, [](proto::message&, bool) {}, t0, t0 + 61);
  CHECK(a.hs.connected());
  CHECK(b.hs.connected());
  CHECK(a.steps.front().warning);
  CHECK(b.steps.front().warning);

  side c{conn_role::dialer, binding};
  side d{conn_role::acceptor, binding};
  run(
    c, d, [](proto::message&, bool) {}, t0, t0 + 60);
  CHECK_FALSE(c.steps.front().warning);
  CHECK(d.hs.connected());
}

TEST_CASE("handshake: extreme timestamps do not overflow") {
  side b{conn_role::acceptor, hash256{}};
  auto h = valid_peer_hello();
  h.timestamp = std::numeric_limits<int64_t>::min();
  b.feed(proto::message{0, h}, std::numeric_limits<int64_t>::max());
  CHECK(b.last().warning);
  CHECK_FALSE(b.last().failure);
}

TEST_CASE("handshake: random messages never crash it") {
  for (int i = 0; i < 500; ++i) {
    side b{conn_role::acceptor, hash256{}};
    b.hs.make_hello(t0);
    for (int j = 0; j < 4 && !b.hs.failed(); ++j) {
      proto::message m;
      switch (randombytes_uniform(4)) {
        case 0: {
          auto h = valid_peer_hello();
          h.magic = randombytes_random() % 2 ? devnet_magic
                                             : randombytes_random();
          h.version = randombytes_uniform(3);
          h.min_version = randombytes_uniform(3);
          h.timestamp = static_cast<int64_t>(
            (uint64_t{randombytes_random()} << 32) | randombytes_random());
          h.user_agent.assign(randombytes_uniform(300), '\xff');
          m.content = h;
          break;
        }
        case 1: {
          proto::hello_auth auth;
          randombytes_buf(auth.signature.data(), auth.signature.size());
          m.content = auth;
          break;
        }
        case 2:
          m.content = proto::reject{
            static_cast<reject_code>(randombytes_uniform(65536)),
            std::string(randombytes_uniform(1000), '\0')};
          break;
        default: m.content = proto::get_tip{};
      }
      b.feed(m, t0);
    }
    CHECK_FALSE(b.hs.connected());
  }
}
