#include <doctest/doctest.h>

#include "apps/rpc/render.hpp"

using namespace timecoin;
using namespace timecoin::rpc;

TEST_CASE("network_info") {
  network_info info;
  info.node_id = std::string(64, 'a');
  info.network = "devnet";
  info.protocol_version = 1;
  info.user_agent = "/timecoin:0.1.0/";
  info.connections_in = 2;
  info.connections_out = 3;
  info.local_addresses = {"127.0.0.1:24200"};
  info.best_height = 42;
  info.best_hash = std::string(64, 'b');
  auto j = render_network_info(info);
  CHECK(j["nodeid"] == info.node_id);
  CHECK(j["network"] == "devnet");
  CHECK(j["protocolversion"] == 1);
  CHECK(j["subversion"] == "/timecoin:0.1.0/");
  CHECK(j["connections"] == 5);
  CHECK(j["connections_in"] == 2);
  CHECK(j["connections_out"] == 3);
  CHECK(j["localaddresses"] == json::array({"127.0.0.1:24200"}));
  CHECK(j["blocks"] == 42);
  CHECK(j["bestblockhash"] == info.best_hash);
}

TEST_CASE("peer_info") {
  peer_info p;
  p.node_id = std::string(64, 'c');
  p.address = "10.0.0.1:24200";
  p.inbound = true;
  p.services = service_masternode | service_utxo_snapshots;
  p.user_agent = "/timecoin:0.1.0/";
  p.listen_port = 24200;
  p.connected_since = 1767225600;
  p.ping_rtt_us = 1500;
  p.best_height = 7;
  p.bytes_sent = 100;
  p.bytes_received = 200;
  p.messages_sent = 3;
  p.messages_received = 4;
  p.violations = 5;
  p.rate_limited = 6;
  auto j = render_peer_info(p);
  CHECK(j["id"] == p.node_id);
  CHECK(j["addr"] == "10.0.0.1:24200");
  CHECK(j["inbound"] == true);
  CHECK(j["services"] == "00000005");
  CHECK(j["servicesnum"] == 5);
  CHECK(j["servicesnames"] == json::array({"MASTERNODE", "UTXO_SNAPSHOTS"}));
  CHECK(j["subver"] == "/timecoin:0.1.0/");
  CHECK(j["listenport"] == 24200);
  CHECK(j["conntime"] == 1767225600);
  CHECK(j["pingtime"].get<double>() == doctest::Approx(0.0015));
  CHECK(j["bytessent"] == 100);
  CHECK(j["bytesrecv"] == 200);
  CHECK(j["msgssent"] == 3);
  CHECK(j["msgsrecv"] == 4);
  CHECK(j["bestheight"] == 7);
  CHECK(j["violations"] == 5);
  CHECK(j["ratelimited"] == 6);

  p.ping_rtt_us = -1;
  CHECK_FALSE(render_peer_info(p).contains("pingtime"));
}

TEST_CASE("ban_info") {
  ban_info b;
  b.subnet = "2001:db8::/32";
  b.created = 1767225600;
  b.banned_until = 1767225600 + 86400;
  b.reason = "3 violations: bad frame";
  auto j = render_ban_info(b, 1767225600 + 400);
  CHECK(j == json{{"address", "2001:db8::/32"},
                  {"ban_created", 1767225600},
                  {"banned_until", 1767225600 + 86400},
                  {"ban_duration", 86400},
                  {"time_remaining", 86000},
                  {"ban_reason", "3 violations: bad frame"}});
  // Ended but not yet expired by the node: nothing remains, not less.
  CHECK(render_ban_info(b, b.banned_until + 5)["time_remaining"] == 0);
}

TEST_CASE("services_hex") {
  CHECK(services_hex(0) == "00000000");
  CHECK(services_hex(0xdeadbeef) == "deadbeef");
}
