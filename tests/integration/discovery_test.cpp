// Discovery over real loopback sockets: nodes that know one seed find each
// other and fill their outbound slots; the address book survives restarts
// (peers.json, anchors); a corrupt book never stops a node; the HTTP
// discovery service is used, and a bad one falls back.

#include <doctest/doctest.h>

#include <fstream>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "cluster.hpp"
#include "raw_peer.hpp"

using namespace timecoin;
using namespace timecoin::test;

namespace {

/// Outbound connections of `n` of the automatic kinds.
std::size_t automatic_outbound(cluster& c, const node_handle& n) {
  std::size_t out = 0;
  for (const auto& p : c.peers(n))
    if (p.connection_type == "outbound" || p.connection_type == "masternode")
      ++out;
  return out;
}

/// Every address in the book of `n` (`getnodeaddresses 0`).
std::vector<node_address_info> book_of(cluster& c, const node_handle& n) {
  caf::scoped_actor self{*c.sys};
  std::vector<node_address_info> out;
  self->request(n.actor(), 5s, nodeaddrs_atom::value, uint32_t{2500})
    .receive([&](std::vector<node_address_info>& v) { out = std::move(v); },
             [](caf::error&) {});
  return out;
}

/// Tried addresses in the book of `n` (`getnodeaddresses 0`).
std::size_t tried(cluster& c, const node_handle& n) {
  caf::scoped_actor self{*c.sys};
  std::size_t out = 0;
  self->request(n.actor(), 5s, nodeaddrs_atom::value, uint32_t{2500})
    .receive(
      [&](std::vector<node_address_info>& v) {
        for (const auto& a : v)
          out += a.tried ? 1 : 0;
      },
      [](caf::error&) {});
  return out;
}

#ifdef TIMECOIN_SANITIZED
constexpr auto fill_limit = 180s;
#else
constexpr auto fill_limit = 60s;
#endif

} // namespace

TEST_CASE("30 nodes that know one seed node reach their outbound target") {
  cluster c;
  c.discovery = true;
  auto seed = c.start_with(local_cluster_node("seed"));
  std::vector<node_handle> nodes;
  for (int i = 0; i < 30; ++i) {
    auto cfg = local_cluster_node("n" + std::to_string(i));
    cfg.seednode = {addr(seed)};
    nodes.push_back(c.start_with(cfg));
  }
  // A node is done at 8 outbound, or below them once it is connected to
  // every other node: one connection per pair of nodes, and the seed is
  // never an automatic peer. The first nodes are in every book from the
  // start and many dial them: now and then more than 21 of the other 29
  // dial one of them, which then has fewer than 8 left to dial.
  auto done = [&](std::size_t i) {
    if (automatic_outbound(c, nodes[i]) >= 8)
      return true;
    for (std::size_t j = 0; j < nodes.size(); ++j)
      if (j != i && !nodes[i].is_connected(nodes[j].node_id()))
        return false;
    return true;
  };
  auto started = std::chrono::steady_clock::now();
  bool filled = eventually(
    [&] {
      for (std::size_t i = 0; i < nodes.size(); ++i)
        if (!done(i))
          return false;
      return true;
    },
    fill_limit);
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
    std::chrono::steady_clock::now() - started);
  std::size_t full = 0;
  for (const auto& n : nodes)
    full += automatic_outbound(c, n) == 8 ? 1 : 0;
  MESSAGE("30 nodes done after " << took.count() << " ms, " << full
                                 << " of them at 8 outbound, the others "
                                    "connected to every node");
  CHECK(filled);
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    CAPTURE(i);
    CHECK(done(i));
    CHECK(automatic_outbound(c, nodes[i]) <= 8);
  }
  // The seed's own inbound stays within its limits.
  CHECK(seed.connected_count() <= 125);
}

TEST_CASE("a node restarted with its seed down reconnects from peers.json "
          "and its anchors") {
  cluster c;
  c.discovery = true;
  auto seed = c.start_with(local_cluster_node("rs-seed"));
  std::vector<node_handle> others;
  for (int i = 0; i < 4; ++i) {
    auto cfg = local_cluster_node("rs" + std::to_string(i));
    cfg.seednode = {addr(seed)};
    // They do not dial: the node under test finds them, not they it.
    cfg.maxoutbound = 0;
    others.push_back(c.start_with(cfg));
  }
  auto cfg = local_cluster_node("rs-a");
  cfg.seednode = {addr(seed)};
  cfg.maxoutbound = 3;
  auto a = c.start_with(cfg);
  REQUIRE(eventually([&] { return automatic_outbound(c, a) >= 3; }, 30s));
  // Discovery has seen them come up: they are tried addresses now.
  REQUIRE(eventually([&] { return tried(c, a) >= 3; }, 10s));
  c.stop(a);
  CHECK(std::filesystem::exists(cfg.datadir + "/peers.json"));
  {
    std::ifstream f{cfg.datadir + "/anchors.json"};
    std::string text{std::istreambuf_iterator<char>{f}, {}};
    auto doc = nlohmann::json::parse(text, nullptr, false);
    REQUIRE(!doc.is_discarded());
    CHECK(doc["anchors"].size() == 2);
  }
  c.stop(seed);
  // The same data directory, the seed gone.
  auto again = c.start_with(cfg);
  CHECK(eventually([&] { return automatic_outbound(c, again) >= 3; }, 30s));
  // The anchors file is read once and removed.
  CHECK(!std::filesystem::exists(cfg.datadir + "/anchors.json"));
}

TEST_CASE("a corrupt peers.json is moved aside and the node starts") {
  cluster c;
  c.discovery = true;
  auto cfg = local_cluster_node("corrupt");
  std::filesystem::create_directories(cfg.datadir);
  {
    std::ofstream f{cfg.datadir + "/peers.json"};
    f << "{\"version\": 1, \"key\": \"00\", \"addre";
  }
  auto n = c.start_with(cfg);
  CHECK(n.actor());
  CHECK(eventually(
    [&] {
      return std::filesystem::exists(cfg.datadir + "/peers.json.corrupt");
    },
    5s));
  c.stop(n);
  // Written anew at shutdown, and read back at the next start.
  CHECK(std::filesystem::exists(cfg.datadir + "/peers.json"));
  auto again = c.start_with(cfg);
  CHECK(again.actor());
}

TEST_CASE("discoveryurl: the node dials what the service lists; a bad "
          "service falls back to the configured peers") {
  cluster c;
  c.discovery = true;
  auto listed = c.start_with(local_cluster_node("du-listed"));
  auto fallback = c.start_with(local_cluster_node("du-fallback"));
  httplib::Server http;
  std::string body = "{\"network\": \"devnet\", \"peers\": [{\"host\": "
                     "\"127.0.0.1\", \"port\": "
                     + std::to_string(listed.p2p_port()) + ", \"node_id\": \""
                     + listed.node_id() + "\"}]}";
  http.Get("/good", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(body, "application/json");
  });
  http.Get("/garbage", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("<html>not json", "text/html");
  });
  http.Get("/testnet", [&](const httplib::Request&, httplib::Response& res) {
    auto other = body;
    other.replace(other.find("devnet"), 6, "testnet");
    res.set_content(other, "application/json");
  });
  auto port = http.bind_to_any_port("127.0.0.1");
  REQUIRE(port > 0);
  std::thread server{[&] { http.listen_after_bind(); }};
  auto base = "http://127.0.0.1:" + std::to_string(port);
  {
    auto cfg = local_cluster_node("du-good");
    cfg.discoveryurl = base + "/good";
    auto n = c.start_with(cfg);
    CHECK(eventually([&] { return n.is_connected(listed.node_id()); }, 20s));
    c.stop(n);
  }
  for (const char* path : {"/garbage", "/testnet", "/missing"}) {
    CAPTURE(path);
    auto cfg = local_cluster_node("du-bad");
    cfg.discoveryurl = base + path;
    cfg.addnode = {addr(fallback)};
    auto n = c.start_with(cfg);
    CHECK(eventually([&] { return n.is_connected(fallback.node_id()); }, 20s));
    CHECK(!n.is_connected(listed.node_id()));
    c.stop(n);
  }
  http.stop();
  server.join();
  {
    // The service down: the configured peer all the same.
    auto cfg = local_cluster_node("du-down");
    cfg.discoveryurl = base + "/good";
    cfg.addnode = {addr(fallback)};
    auto n = c.start_with(cfg);
    CHECK(eventually([&] { return n.is_connected(fallback.node_id()); }, 20s));
    CHECK(!n.is_connected(listed.node_id()));
    c.stop(n);
  }
}

TEST_CASE("an attacker's 10,000 addresses from one /16 take a small, bounded "
          "share of the book and evict no honest address") {
  cluster c;
  c.discovery = true;
  auto conf = local_cluster_node("flood");
  conf.connect_only = true; // the book only, no dialling
  auto a = c.start_with(conf);
  // 300 honest addresses, one per /16, added by the operator.
  caf::scoped_actor self{*c.sys};
  for (int i = 0; i < 300; ++i) {
    auto host = std::to_string(11 + i / 200) + "." + std::to_string(i % 200)
                + ".1.1";
    self->request(a.actor(), 5s, addpeeradr_atom::value, host, uint16_t{24200})
      .receive([](bool) {}, [](caf::error&) {});
  }
  REQUIRE(book_of(c, a).size() == 300);
  auto attacker = authenticated(a.p2p_port(), "127.0.0.1");
  REQUIRE(attacker);
  auto now = unix_now();
  for (int m = 0; m < 10; ++m) {
    proto::peers flood;
    for (int k = 0; k < 1000; ++k) {
      auto n = m * 1000 + k;
      flood.entries.push_back(proto::peer_address{
        "44.55." + std::to_string(n / 250) + "." + std::to_string(n % 250 + 1),
        24200,
        {},
        0,
        now});
    }
    attacker->send(proto::message{0, std::move(flood)});
  }
  // Sent, read and handled: a ping round trip after the flood.
  REQUIRE(attacker->ping_rtt(10s));
  auto book = book_of(c, a);
  std::size_t from_attacker = 0, honest = 0;
  for (const auto& e : book)
    (e.host.rfind("44.55.", 0) == 0 ? from_attacker : honest) += 1;
  MESSAGE("book: " << honest << " honest, " << from_attacker
                   << " from the attacker's /16");
  CHECK(honest == 300);
  // The allowance (a burst of 100 unsolicited addresses) and, behind it,
  // the buckets of one source (512) bound the share.
  CHECK(from_attacker <= 100);
  // Still connected: a PEERS of 1,000 entries is allowed.
  CHECK(a.is_connected(proto::to_hex(attacker->key().public_key())));
  // Over 1,000 entries is a violation: the connection is closed.
  proto::peers too_many;
  too_many.entries.resize(1001,
                          proto::peer_address{"44.56.0.1", 24200, {}, 0, now});
  attacker->send(proto::message{0, std::move(too_many)});
  CHECK(attacker->closed_by_node());
}
