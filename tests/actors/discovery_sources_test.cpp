// Where addresses come from besides peers: the discovery service's JSON
// (hostile input), DNS seeds, and the checks on PEERS entries.

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "actors/discovery_sources.hpp"

using namespace timecoin;

namespace {

constexpr int64_t now = 1'800'000'000;

} // namespace

TEST_CASE("discovery service JSON: good answers") {
  auto r = parse_discovery_json(
    R"({"network": "testnet", "peers": [
         {"host": "1.2.3.4", "port": 24100,
          "node_id": ")"
      + std::string(64, 'A') + R"(", "masternode": true},
         {"host": "2001:db8::1", "port": 1}]})",
    "testnet", now);
  REQUIRE(r);
  REQUIRE(r->size() == 2);
  CHECK((*r)[0].host == "1.2.3.4");
  CHECK((*r)[0].port == 24100);
  CHECK((*r)[0].node_id == std::string(64, 'a'));
  CHECK((*r)[0].masternode_hint);
  CHECK((*r)[0].last_seen == now);
  CHECK((*r)[1].host == "2001:db8::1");
  CHECK(!(*r)[1].masternode_hint);
}

TEST_CASE("discovery service JSON: hostile answers are refused or skipped") {
  // Refused as a whole.
  const std::vector<std::string> refused{
    "",
    "null",
    "[]",
    "\"x\"",
    "{",
    "{\"network\": 5}",
    "{\"peers\": []}",
    "{\"network\": \"devnet\", \"peers\": []}",
    "{\"network\": \"testnet\"}",
    "{\"network\": \"testnet\", \"peers\": {}}",
    std::string("{\"network\": \"testnet") + '\0' + "\", \"peers\": []}",
    std::string(100000, '['),
  };
  for (const auto& bad : refused) {
    CAPTURE(bad.substr(0, 60));
    CHECK(!parse_discovery_json(bad, "testnet", now));
  }
  // Entries that are not addresses are skipped, the others kept.
  auto r = parse_discovery_json(
    R"({"network": "testnet", "peers": [
         1, "x", null, {}, {"host": "1.2.3.4"}, {"port": 1},
         {"host": "seed.example.org", "port": 1},
         {"host": "1.2.3.4", "port": 0}, {"host": "1.2.3.4", "port": 65536},
         {"host": "1.2.3.4", "port": -1}, {"host": "1.2.3.4", "port": 1.5},
         {"host": "1.2.3.4", "port": "1"},
         {"host": "1.2.3.4", "port": 1, "node_id": "abc"},
         {"host": "1.2.3.4", "port": 1, "node_id": 7},
         {"host": "1.2.3.4:5", "port": 1}, {"host": "[::1]", "port": 1},
         {"host": "5.6.7.8", "port": 2, "masternode": "yes"}]})",
    "testnet", now);
  REQUIRE(r);
  REQUIRE(r->size() == 1);
  CHECK((*r)[0].host == "5.6.7.8");
  CHECK(!(*r)[0].masternode_hint);
  // At most 1,000 entries are taken.
  std::string many = R"({"network": "testnet", "peers": [)";
  for (int i = 0; i < 1500; ++i)
    many += std::string(i ? "," : "") + R"({"host": "1.2.)"
            + std::to_string(i / 250) + "." + std::to_string(i % 250)
            + R"(", "port": 1})";
  many += "]}";
  auto capped = parse_discovery_json(many, "testnet", now);
  REQUIRE(capped);
  CHECK(capped->size() == max_discoveryurl_peers);
}

TEST_CASE("discovery service: a URL that cannot be fetched is an error") {
  // Nothing listens on port 1 of the loopback: refused at once.
  auto r = fetch_discovery_url("http://127.0.0.1:1/peers", "devnet", now);
  CHECK(!r);
  CHECK(!fetch_discovery_url("ftp://127.0.0.1/", "devnet", now));
}

TEST_CASE("DNS seeds: the records of a name at the given port") {
  auto r = resolve_dns_seed("localhost", 24200, now);
  REQUIRE(r);
  REQUIRE(!r->empty());
  for (const auto& a : *r) {
    CHECK((a.host == "127.0.0.1" || a.host == "::1"));
    CHECK(a.port == 24200);
  }
  CHECK(!resolve_dns_seed("no-such-name.invalid", 24200, now));
}

TEST_CASE("PEERS entries: malformed ones are skipped") {
  proto::peer_address ok{"1.2.3.4", 24100, proto::bytes(32, 0xab), 5, now};
  auto a = from_wire(ok, now);
  REQUIRE(a);
  CHECK(a->node_id == proto::to_hex(ok.node_id));
  CHECK(to_wire(*a).node_id == ok.node_id);
  auto bad = ok;
  bad.host = "seed.example.org";
  CHECK(!from_wire(bad, now));
  bad = ok;
  bad.port = 0;
  CHECK(!from_wire(bad, now));
  bad = ok;
  bad.node_id.resize(31);
  CHECK(!from_wire(bad, now));
  bad = ok;
  bad.last_seen = now + max_address_future_seconds + 1;
  CHECK(!from_wire(bad, now));
  bad = ok;
  bad.last_seen = -1;
  CHECK(!from_wire(bad, now));
  auto empty_id = ok;
  empty_id.node_id.clear();
  auto e = from_wire(empty_id, now);
  REQUIRE(e);
  CHECK(e->node_id.empty());
}
