// Several nodes in one process over real loopback TLS.

#include "cluster.hpp"
#include "timecoin/version.hpp"

using namespace std::chrono_literals;
using namespace timecoin;
using namespace timecoin::test;

TEST_CASE("three nodes connect to each other over TLS") {
  cluster c;
  auto a = c.start("a", {});
  auto b = c.start("b", {addr(a)});
  auto d = c.start("c", {addr(a), addr(b)});
  CHECK(eventually([&] {
    return a.connected_count() == 2 && b.connected_count() == 2
           && d.connected_count() == 2;
  }));
  CHECK(a.is_connected(b.node_id()));
  CHECK(a.is_connected(d.node_id()));
  CHECK(b.is_connected(d.node_id()));
  auto info = c.peers(a);
  REQUIRE(info.size() == 2);
  for (const auto& p : info) {
    CHECK(p.inbound);
    CHECK(p.user_agent == timecoin::user_agent);
    CHECK(p.bytes_received > 0);
    CHECK(p.messages_received >= 2); // HELLO and HELLO_AUTH at least
  }
}

TEST_CASE("a stopped node that comes back is re-dialled") {
  cluster c;
  auto a = c.start("a", {});
  auto port = a.p2p_port();
  auto a_dir = dir_of("a");
  auto b = c.start("b", {addr(a)});
  REQUIRE(eventually([&] { return b.connected_count() == 1; }));
  auto a_id = a.node_id();
  c.stop(c.nodes[0]);
  CHECK(eventually([&] { return b.connected_count() == 0; }));
  // The same node (same data directory, so the same id) on the same port.
  node_config again;
  again.datadir = a_dir;
  again.port = port;
  again.port_set = true;
  auto a2 = c.start_with(again);
  CHECK(a2.node_id() == a_id);
  CHECK(eventually([&] { return b.is_connected(a_id); }, 30s));
}

TEST_CASE("a simultaneous dial ends in exactly one connection") {
  cluster c;
  node_config ca;
  ca.datadir = fresh_dir("sa");
  ca.port = 0;
  ca.port_set = true;
  auto a = c.start_with(ca);
  node_config cb = ca;
  cb.datadir = fresh_dir("sb");
  cb.addnode = {addr(a)};
  auto b = c.start_with(cb);
  // a dials b while b dials a.
  caf::anon_send(a.actor(), addnode_atom::value, addr(b),
                 static_cast<uint8_t>(addnode_mode::add));
  // Both dials have run their course: one won, the other was refused as a
  // duplicate (REJECT 3), and both ends keep the same connection (outbound
  // at one end is inbound at the other).
  REQUIRE(eventually([&] {
    if (!c.dials_settled(a) || !c.dials_settled(b))
      return false;
    auto pa = c.peers(a);
    auto pb = c.peers(b);
    return pa.size() == 1 && pb.size() == 1 && pa[0].inbound != pb[0].inbound;
  }));
  auto before = c.peers(a);
  REQUIRE(before.size() == 1);
  // The kept connection is the one the smaller node id dialled.
  CHECK(before[0].inbound == (b.node_id() < a.node_id()));
  // No reconnect loop: the connection stays, the same one.
  CHECK(throughout(
    [&] { return a.connected_count() == 1 && b.connected_count() == 1; }, 3s));
  auto after = c.peers(a);
  REQUIRE(after.size() == 1);
  CHECK(after[0].address == before[0].address);
  CHECK(after[0].connected_since == before[0].connected_since);
}

TEST_CASE("a taken port is an error, not a crash") {
  cluster c;
  auto a = c.start("a", {});
  node_config dup;
  dup.datadir = fresh_dir("dup");
  dup.port = a.p2p_port();
  dup.port_set = true;
  auto h = spawn_node(*c.sys, dup);
  CHECK(!h);
}

TEST_CASE("stop says BYE and the peer notices at once") {
  cluster c;
  auto a = c.start("a", {});
  auto b = c.start("b", {addr(a)});
  REQUIRE(eventually([&] { return a.connected_count() == 1; }));
  c.stop(c.nodes[1]);
  // Well before any ping timeout: the BYE (or close) was seen.
  CHECK(eventually([&] { return a.connected_count() == 0; }, 5s));
}

TEST_CASE("two nodes cannot share a data directory") {
  cluster c;
  auto a = c.start("shared", {});
  node_config again;
  again.datadir = dir_of("shared");
  again.port = 0;
  again.port_set = true;
  auto h = spawn_node(*c.sys, again);
  REQUIRE(!h);
  CHECK(error_message(*c.sys, h.error()).find("in use by another node")
        != std::string::npos);
}
