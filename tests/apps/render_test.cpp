#include <doctest/doctest.h>

#include "apps/rpc/render.hpp"
#include "protocol/chain.hpp"
#include "protocol/codec.hpp"
#include "protocol/network.hpp"
#include "protocol/types.hpp"

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
  CHECK(j
        == json{{"address", "2001:db8::/32"},
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

TEST_CASE("chain_info") {
  chain_info info;
  info.chain = "devnet";
  info.blocks = 12;
  info.best_hash = std::string(64, 'A');
  info.utxo_root = std::string(64, 'B');
  info.utxos = 13;
  info.time = 1767225720;
  info.base_height = 10;
  info.snapshot_heights = {0, 10};
  info.sync.state = "idle";
  info.sync.progress = 1.0;
  info.sync.peers_best_height = 12;
  auto j = render_chain_info(info);
  CHECK(j
        == json{{"chain", "devnet"},
                {"blocks", 12},
                {"bestblockhash", std::string(64, 'a')},
                {"utxo_root", std::string(64, 'b')},
                {"utxos", 13},
                {"time", 1767225720},
                {"pruneheight", 10},
                {"snapshots", {0, 10}},
                {"sync",
                 {{"state", "idle"},
                  {"progress", 1.0},
                  {"peers_best_height", 12},
                  {"peers", 0},
                  {"blocks_per_second", 0},
                  {"rejected_blocks", 0},
                  {"rejected_snapshots", 0},
                  {"reorgs", 0}}}});
  info.snapshot_heights.clear();
  CHECK(render_chain_info(info)["snapshots"] == json::array());
}

TEST_CASE("render_block: the devnet genesis") {
  auto g = proto::devnet_genesis();
  block_info info;
  info.height = 0;
  info.hash = proto::to_hex(proto::block_hash(g.header));
  info.confirmations = 3;
  info.encoded = proto::encode_block(g);
  auto r = render_block(info);
  REQUIRE(r);
  const auto& j = *r;
  CHECK(j["hash"]
        == "4d768f896f882cb87baba4d63b2a92b6f1756bfc67a9bc2964009525264ff28a");
  CHECK(j["height"] == 0);
  CHECK(j["confirmations"] == 3);
  CHECK(j["version"] == g.header.version);
  CHECK(j["previousblockhash"] == std::string(64, '0'));
  CHECK(j["merkleroot"] == proto::to_hex(g.header.merkle_root));
  CHECK(j["utxo_root"] == proto::to_hex(g.header.utxo_root));
  CHECK(j["time"] == proto::devnet_genesis_timestamp);
  CHECK(j["producer"] == proto::to_hex(proto::devnet_producer_public_key()));
  CHECK(j["producer_signature"] == proto::to_hex(g.producer_signature));
  CHECK(j["producer_signature"].get<std::string>().size() == 128);
  CHECK(j["size"] == info.encoded.size());
  REQUIRE(j["tx"].size() == 1);
  const auto& coinbase = j["tx"][0];
  // One transaction: the merkle root is its txid.
  CHECK(coinbase["txid"] == j["merkleroot"]);
  CHECK(coinbase["txid"] == proto::to_hex(proto::txid(g.transactions[0])));
  CHECK(coinbase["version"] == g.transactions[0].version);
  CHECK(coinbase["locktime"] == g.transactions[0].lock_time);
  CHECK(coinbase["vin"] == json::array());
  REQUIRE(coinbase["vout"].size() == g.transactions[0].outputs.size());
  CHECK(coinbase["vout"][0]["n"] == 0);
  CHECK(coinbase["vout"][0]["value"] == 10000000000ULL);
  CHECK(coinbase["vout"][0]["owner"]
        == proto::to_hex(g.transactions[0].outputs[0].owner));
  CHECK(j.size() == 12);
}

TEST_CASE("render_block: inputs, and blocks that do not decode") {
  auto g = proto::devnet_genesis();
  proto::transaction spend;
  proto::tx_input in;
  in.prev_txid = proto::txid(g.transactions[0]);
  in.vout = 0;
  in.signature.fill(0xab);
  spend.inputs.push_back(in);
  proto::tx_output a;
  a.value = 6;
  a.owner.fill(0x01);
  proto::tx_output b;
  b.value = 4;
  b.owner.fill(0x02);
  spend.outputs = {a, b};
  spend.lock_time = 9;
  auto t = render_transaction(spend);
  CHECK(t["txid"] == proto::to_hex(proto::txid(spend)));
  CHECK(t["locktime"] == 9);
  REQUIRE(t["vin"].size() == 1);
  CHECK(t["vin"][0]["txid"] == proto::to_hex(in.prev_txid));
  CHECK(t["vin"][0]["vout"] == 0);
  CHECK(t["vin"][0]["signature"] == proto::to_hex(in.signature));
  std::string abab;
  for (int i = 0; i < 64; ++i)
    abab += "ab";
  CHECK(t["vin"][0]["signature"] == abab);
  auto out0 = json{{"n", 0}, {"value", 6}, {"owner", proto::to_hex(a.owner)}};
  auto out1 = json{{"n", 1}, {"value", 4}, {"owner", proto::to_hex(b.owner)}};
  CHECK(t["vout"] == json::array({out0, out1}));

  g.transactions.push_back(spend);
  block_info info;
  info.encoded = proto::encode_block(g);
  auto r = render_block(info);
  REQUIRE(r);
  REQUIRE((*r)["tx"].size() == 2);
  CHECK((*r)["tx"][1] == t);

  info.encoded = {0x93, 0x01};
  auto bad = render_block(info);
  REQUIRE_FALSE(bad);
  CHECK_FALSE(bad.error().empty());
  info.encoded.clear();
  CHECK_FALSE(render_block(info));
}

TEST_CASE("strings from peers that are not UTF-8 render, escaped") {
  using namespace std::string_literals;
  const char* const replacement = "\xEF\xBF\xBD"; // U+FFFD
  // What a hostile peer may put in a HELLO user agent or a BYE reason.
  const std::string hostile[] = {
    "\x80",             // lone continuation byte
    "/a\xBF\xBF/",      // continuation bytes after ASCII
    "\xC0\x80",         // overlong NUL
    "\xE0\x80\xAF",     // overlong '/'
    "\xF0\x82\x82\xAC", // overlong euro sign
    "\xE2\x82",         // truncated three-byte sequence
    "x\xF0\x9F\x98",    // truncated four-byte sequence at the end
    "\xED\xA0\x80",     // UTF-16 surrogate
    "\xF4\x90\x80\x80", // beyond U+10FFFF
    "\xFE\xFF",         // never valid
  };
  for (const auto& s : hostile) {
    peer_info p;
    p.user_agent = s;
    auto j = render_peer_info(p);
    CHECK_THROWS(j.dump()); // the trap: nlohmann's default is to throw
    std::string wire;
    REQUIRE_NOTHROW(wire = to_wire(make_result_response(1, json::array({j}))));
    auto back = json::parse(wire);
    auto subver = back["result"][0]["subver"].get<std::string>();
    CHECK_MESSAGE(subver.find(replacement) != std::string::npos, wire);
  }
  // NUL and valid multi-byte text are UTF-8: kept as they are.
  peer_info p;
  p.user_agent = "a\0b/\xE2\x82\xAC/\xF0\x9F\x98\x80"s;
  auto wire = to_wire(render_peer_info(p));
  CHECK(wire.find("\\u0000") != std::string::npos);
  CHECK(json::parse(wire)["subver"] == p.user_agent);
  // Every other rendered string goes through the same serialiser.
  ban_info ban;
  ban.reason = "\xC3";
  auto ban_wire = to_wire(render_ban_info(ban, 0));
  CHECK(json::parse(ban_wire)["ban_reason"] == replacement);
  network_info info;
  info.user_agent = "\xFF";
  CHECK(json::parse(to_wire(render_network_info(info)))["subversion"]
        == replacement);
}
