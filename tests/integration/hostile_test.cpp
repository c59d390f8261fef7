// Hostile peers over real loopback TLS: floods, garbage, silence, replays,
// forgeries; bans that hold across restarts; honest peers unharmed.

#include "cluster.hpp"
#include "raw_peer.hpp"
#include "security/envelope.hpp"

using namespace std::chrono_literals;
using namespace timecoin;
using namespace timecoin::test;

namespace {

node_config hostile_config(const std::string& name) {
  node_config c;
  c.datadir = fresh_dir(name);
  c.port = 0;
  c.port_set = true;
  return c;
}

proto::message gossip_frame(const security::node_key& key, int64_t timestamp,
                            const std::string& text) {
  auto msg = security::make_gossip(&key,
                                   proto::params(proto::network::devnet).magic,
                                   app_kind, timestamp,
                                   proto::bytes(text.begin(), text.end()));
  return proto::message{0, std::move(msg)};
}

uint64_t violations_of(cluster& c, const node_handle& n,
                       const std::string& id) {
  for (const auto& p : c.peers(n))
    if (p.node_id == id)
      return p.violations;
  return 0;
}

std::size_t bans_of(cluster& c, const node_handle& n) {
  caf::scoped_actor self{*c.sys};
  std::size_t count = 0;
  self->request(n.actor(), 5s, listbans_atom::value)
    .receive([&](std::vector<ban_info>& v) { count = v.size(); },
             [](caf::error&) {});
  return count;
}

} // namespace

TEST_CASE("a flood is throttled, then disconnected") {
  cluster c;
  auto conf = hostile_config("flood");
  conf.max_requests_per_second = 50;
  auto a = c.start_with(conf);
  raw_peer p;
  REQUIRE(p.connect(a.p2p_port()));
  REQUIRE(p.start_tls());
  REQUIRE(p.handshake());
  auto id = proto::to_hex(p.key().public_key());
  REQUIRE(eventually([&] { return a.is_connected(id); }));
  // Far over 50 frames/s for well over the second it takes to count as a
  // flood; the node must drop, then cut us off.
  proto::bytes burst;
  for (int i = 0; i < 2000; ++i)
    proto::append_frame(burst, proto::message{0, proto::ping{1, 0}});
  bool cut = false;
  for (int round = 0; round < 40 && !cut; ++round) {
    p.send_bytes(burst);
    cut = p.closed_by_node(100ms);
  }
  CHECK(cut);
  CHECK(eventually([&] { return !a.is_connected(id); }));
}

TEST_CASE("garbage and oversized frames close the connection and count") {
  cluster c;
  auto a = c.start_with(hostile_config("garbage"));
  {
    raw_peer p;
    REQUIRE(p.connect(a.p2p_port()));
    REQUIRE(p.start_tls());
    REQUIRE(p.handshake());
    p.send_bytes(proto::bytes{0x00, 0x00, 0x00, 0x03, 0xc1, 0xc1, 0xc1});
    CHECK(p.closed_by_node());
  }
  {
    raw_peer p;
    REQUIRE(p.connect(a.p2p_port()));
    REQUIRE(p.start_tls());
    // Before the handshake the bound is 64 KiB: announce 1 MiB.
    p.send_bytes(proto::bytes{0x00, 0x10, 0x00, 0x00});
    CHECK(p.closed_by_node());
  }
  // Two violations from 127.0.0.1: not yet a ban.
  CHECK(bans_of(c, a) == 0);
}

TEST_CASE("a silent socket is cut at 2 s, a stalled handshake at 10 s") {
  cluster c;
  auto a = c.start_with(hostile_config("silent"));
  {
    // Not even a TLS ClientHello: the pre-handshake slot is freed quickly.
    raw_peer p;
    REQUIRE(p.connect(a.p2p_port()));
    auto start = std::chrono::steady_clock::now();
    CHECK(p.closed_by_node(15s));
    auto took = std::chrono::steady_clock::now() - start;
    CHECK(took >= 1500ms);
    CHECK(took <= 5s);
  }
  {
    // A ClientHello, then nothing: the handshake deadline.
    raw_peer p;
    REQUIRE(p.connect(a.p2p_port()));
    p.send_client_hello();
    auto start = std::chrono::steady_clock::now();
    CHECK(p.closed_by_node(15s));
    auto took = std::chrono::steady_clock::now() - start;
    CHECK(took >= 9s);
    CHECK(took <= 12s);
  }
}

TEST_CASE("three violations ban the address; the ban survives a restart") {
  cluster c;
  auto conf = hostile_config("ban");
  auto a = c.start_with(conf);
  for (int i = 0; i < 3; ++i) {
    raw_peer p;
    REQUIRE(p.connect(a.p2p_port()));
    REQUIRE(p.start_tls());
    p.send_bytes(proto::bytes{0x00, 0x10, 0x00, 0x00}); // oversized
    REQUIRE(p.closed_by_node());
  }
  REQUIRE(eventually([&] { return bans_of(c, a) == 1; }));
  {
    // The fourth is refused before any TLS work: not a byte comes back.
    raw_peer p;
    if (p.connect(a.p2p_port()))
      CHECK(p.refused_silently());
  }
  c.stop(c.nodes[0]);
  auto again = conf;
  again.datadir = dir_of("ban");
  auto a2 = c.start_with(again);
  CHECK(bans_of(c, a2) == 1);
  raw_peer p;
  if (p.connect(a2.p2p_port()))
    CHECK(p.refused_silently());
  // The operator lifts it.
  caf::scoped_actor self{*c.sys};
  bool cleared = false;
  self->request(a2.actor(), 5s, clearbans_atom::value)
    .receive([&](bool ok) { cleared = ok; }, [](caf::error&) {});
  CHECK(cleared);
  raw_peer q;
  REQUIRE(q.connect(a2.p2p_port()));
  CHECK(q.start_tls());
}

TEST_CASE("gossip: a replay is delivered once; stale and forged are dropped") {
  cluster c;
  auto a = c.start_with(hostile_config("gossip-a"));
  // An honest peer of `a`, connected throughout.
  auto bc = hostile_config("gossip-b");
  bc.addnode = {addr(a)};
  auto b = c.start_with(bc);
  REQUIRE(eventually([&] { return a.is_connected(b.node_id()); }));
  collector at_a{*c.sys, a, app_kind};
  collector at_b{*c.sys, b, app_kind};

  raw_peer p;
  REQUIRE(p.connect(a.p2p_port()));
  REQUIRE(p.start_tls());
  REQUIRE(p.handshake());
  auto id = proto::to_hex(p.key().public_key());
  REQUIRE(eventually([&] { return a.is_connected(id); }));

  auto now = unix_now();
  auto fresh = gossip_frame(p.key(), now, "hello");
  p.send(fresh);
  p.send(fresh); // replay
  REQUIRE(eventually([&] { return at_a.count() >= 1; }));
  // Relayed to the honest peer, once.
  REQUIRE(eventually([&] { return at_b.count() >= 1; }));
  auto got = at_a.messages();
  CHECK(got[0].sender == id);
  CHECK(got[0].from_peer == id);
  CHECK(std::string(got[0].payload.begin(), got[0].payload.end()) == "hello");

  // Stale: older than message_max_age_seconds (300).
  p.send(gossip_frame(p.key(), now - 301, "stale"));
  // Forged: the payload changed after signing.
  auto forged = gossip_frame(p.key(), now, "genuine");
  std::get<proto::gossip>(forged.content).payload[0] ^= 1;
  p.send(forged);
  // A marker sent last: once it is in, everything before it was handled.
  p.send(gossip_frame(p.key(), now, "marker"));
  REQUIRE(eventually([&] { return at_a.count() >= 2; }));
  got = at_a.messages();
  REQUIRE(got.size() == 2);
  CHECK(std::string(got[1].payload.begin(), got[1].payload.end()) == "marker");
  CHECK(eventually([&] { return violations_of(c, a, id) == 1; }));
  // Relayed: the first message and the marker, nothing between.
  CHECK(eventually([&] { return at_b.count() == 2; }));
  auto relayed = at_b.messages();
  CHECK(
    std::string(relayed.back().payload.begin(), relayed.back().payload.end())
    == "marker");
  // The honest peer never lost its connection.
  CHECK(a.is_connected(b.node_id()));
}

TEST_CASE("publish reaches subscribers on other nodes, signed by the sender") {
  cluster c;
  auto a = c.start_with(hostile_config("pub-a"));
  auto bc = hostile_config("pub-b");
  bc.addnode = {addr(a)};
  auto b = c.start_with(bc);
  auto dc = hostile_config("pub-c");
  dc.addnode = {addr(b)};
  auto d = c.start_with(dc);
  REQUIRE(eventually([&] {
    return a.connected_count() == 1 && b.connected_count() == 2
           && d.connected_count() == 1;
  }));
  collector at_d{*c.sys, d, app_kind};
  caf::scoped_actor self{*c.sys};
  bool ok = false;
  self
    ->request(a.actor(), 5s, publish_atom::value, app_kind,
              std::vector<uint8_t>{1, 2, 3})
    .receive([&](bool r) { ok = r; }, [](caf::error&) {});
  CHECK(ok);
  // a -> b -> d: relayed across a node.
  REQUIRE(eventually([&] { return at_d.count() == 1; }));
  auto m = at_d.messages()[0];
  CHECK(m.sender == a.node_id());
  CHECK(m.from_peer == b.node_id());
  CHECK(m.payload == std::vector<uint8_t>{1, 2, 3});
  // Kind 1 must be a transaction.
  bool bad = true;
  self
    ->request(a.actor(), 5s, publish_atom::value, uint16_t{1},
              std::vector<uint8_t>{0xc1})
    .receive([&](bool r) { bad = r; }, [](caf::error&) {});
  CHECK(!bad);
}
