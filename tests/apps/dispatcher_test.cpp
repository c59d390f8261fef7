#include <doctest/doctest.h>

#include <cctype>
#include <chrono>
#include <cstdint>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "apps/rpc/dispatcher.hpp"
#include "protocol/chain.hpp"
#include "protocol/codec.hpp"
#include "protocol/network.hpp"
#include "protocol/types.hpp"

using namespace timecoin;
using namespace timecoin::rpc;

namespace {

/// Records calls; answers with canned values.
struct fake_backend final : node_backend {
  bool fail = false; ///< every call fails as if the node timed out
  bool answer = true;
  std::vector<std::pair<std::string, addnode_mode>> added;
  std::vector<std::string> disconnected;
  /// setban calls: subnet, add?, seconds
  std::vector<std::tuple<std::string, bool, int64_t>> bans;
  int clears = 0;
  int stops = 0;

  result<network_info, backend_error> status() override {
    if (fail)
      return backend_error{"timeout"};
    network_info info;
    info.node_id = "ab";
    info.network = "devnet";
    return info;
  }
  result<std::vector<peer_info>, backend_error> peers() override {
    if (fail)
      return backend_error{"timeout"};
    peer_info p;
    p.node_id = "cd";
    return std::vector<peer_info>{p, p};
  }
  result<bool, backend_error> addnode(const std::string& addr,
                                      addnode_mode mode) override {
    if (fail)
      return backend_error{"timeout"};
    added.emplace_back(addr, mode);
    return answer;
  }
  result<std::vector<added_node_info>, backend_error> added_nodes() override {
    if (fail)
      return backend_error{"timeout"};
    added_node_info n;
    n.address = "10.0.0.1:24200";
    n.state = "reconnecting";
    n.attempts = 3;
    n.next_attempt_ms = 4000;
    return std::vector<added_node_info>{n};
  }
  result<std::vector<node_address_info>, backend_error>
  node_addresses(uint32_t count) override {
    std::vector<node_address_info> out;
    for (uint32_t i = 0; i < count && i < 3; ++i)
      out.push_back(node_address_info{"10.0.0." + std::to_string(i + 1), 24200,
                                      "", 0, 1767225600, i == 0});
    return out;
  }
  result<bool, backend_error> add_peer_address(const std::string& host,
                                               uint16_t port) override {
    added_addresses.push_back(host + ":" + std::to_string(port));
    return added_addresses.size() == 1;
  }
  std::vector<std::string> added_addresses;
  result<std::string, backend_error> send_to(const std::string& owner,
                                             uint64_t units) override {
    sent.emplace_back(owner, units);
    return std::string(64, 'c');
  }
  std::vector<std::pair<std::string, uint64_t>> sent;
  result<std::vector<masternode_info>, backend_error> masternodes() override {
    return std::vector<masternode_info>{
      masternode_info{std::string(64, 'a'), "10.0.0.9", 24200,
                      std::string(64, 'b') + ":0", 1767225600, 1767225500}};
  }
  result<bool, backend_error> disconnect(const std::string& target) override {
    if (fail)
      return backend_error{"timeout"};
    disconnected.push_back(target);
    return answer;
  }
  result<bool, backend_error> setban(const std::string& subnet, bool add,
                                     int64_t seconds) override {
    if (fail)
      return backend_error{"timeout"};
    bans.emplace_back(subnet, add, seconds);
    return answer;
  }
  result<std::vector<ban_info>, backend_error> list_banned() override {
    if (fail)
      return backend_error{"timeout"};
    ban_info b;
    b.subnet = "10.0.0.0/8";
    b.created = 1767225600;
    b.banned_until = 1767225600 + 3600; // long over: time_remaining is 0
    b.reason = "manual";
    return std::vector<ban_info>{b};
  }
  result<bool, backend_error> clear_banned() override {
    if (fail)
      return backend_error{"timeout"};
    ++clears;
    return answer;
  }
  void request_stop() override { ++stops; }

  // The chain: a tip at 2000; only the genesis block is stored.
  std::vector<uint64_t> heights_asked;
  std::vector<std::string> blocks_asked;
  std::vector<std::pair<uint32_t, uint32_t>> generated;
  bool devnet = true;
  std::string problem; ///< what verify_chain reports

  static block_info genesis_info() {
    auto g = proto::devnet_genesis();
    block_info info;
    info.height = 0;
    info.hash = proto::to_hex(proto::block_hash(g.header));
    info.confirmations = 2001;
    info.encoded = proto::encode_block(g);
    return info;
  }

  result<chain_info, backend_error> chain() override {
    if (fail)
      return backend_error{"timeout"};
    chain_info info;
    info.chain = "devnet";
    info.blocks = 2000;
    info.best_hash = std::string(64, 'A'); // rendered in lowercase
    info.utxo_root = std::string(64, 'b');
    info.utxos = 2100;
    info.time = 1767229600;
    info.base_height = 0;
    info.snapshot_heights = {1000, 2000};
    info.sync.state = "blocks";
    info.sync.progress = 0.5;
    info.sync.peers_best_height = 4000;
    info.sync.peers = 3;
    info.sync.blocks_per_second = 250;
    info.sync.rejected_blocks = 1;
    info.sync.rejected_snapshots = 2;
    info.sync.reorgs = 4;
    return info;
  }
  result<std::string, backend_error> block_hash(uint64_t height) override {
    if (fail)
      return backend_error{"timeout"};
    heights_asked.push_back(height);
    if (height > 2000)
      return backend_error{"height " + std::to_string(height)
                             + " is above the tip 2000",
                           backend_errc::refused};
    return std::string(64, 'c');
  }
  result<block_info, backend_error>
  block(const std::string& hash_or_height) override {
    if (fail)
      return backend_error{"timeout"};
    blocks_asked.push_back(hash_or_height);
    auto g = genesis_info();
    if (hash_or_height == "0" || hash_or_height == g.hash)
      return g;
    if (hash_or_height == "7") { // stored, but not a block
      g.encoded = {0xc1};
      return g;
    }
    return backend_error{"block not found", backend_errc::refused};
  }
  result<std::vector<std::string>, backend_error>
  generate(uint32_t n, uint32_t txs) override {
    if (fail)
      return backend_error{"timeout"};
    if (!devnet)
      return backend_error{"generate is devnet only", backend_errc::refused};
    generated.emplace_back(n, txs);
    return std::vector<std::string>(n, std::string(64, 'd'));
  }
  result<std::string, backend_error> verify_chain() override {
    if (fail)
      return backend_error{"timeout"};
    return problem;
  }
  result<metrics_snapshot, backend_error> metrics() override {
    if (fail)
      return backend_error{"timeout"};
    return metrics_snapshot{};
  }
};

struct fixture {
  fake_backend backend;
  dispatcher dispatch{backend, std::chrono::steady_clock::now()
                                 - std::chrono::seconds{90}};

  result<json, rpc_error> call(const std::string& method,
                               json params = json::array()) {
    rpc_request req;
    req.id = 1;
    req.method = method;
    req.params = std::move(params);
    return dispatch(req);
  }

  int code(const std::string& method, json params = json::array()) {
    auto r = call(method, std::move(params));
    REQUIRE_FALSE(r.has_value());
    return static_cast<int>(r.error().code);
  }
};

const std::string node_id(64, 'e');

} // namespace

TEST_CASE_FIXTURE(fixture, "unknown methods") {
  CHECK(code("getblocktemplate") == -32601);
  CHECK(code("") == -32601);
}

TEST_CASE_FIXTURE(fixture, "getnetworkinfo and getpeerinfo") {
  auto info = call("getnetworkinfo");
  REQUIRE(info);
  CHECK((*info)["nodeid"] == "ab");
  auto peers = call("getpeerinfo");
  REQUIRE(peers);
  CHECK(peers->size() == 2);
  CHECK((*peers)[0]["id"] == "cd");
  // params may be absent (null) or an empty object too
  CHECK(call("getpeerinfo", nullptr));
  CHECK(call("getpeerinfo", json::object()));
  CHECK(code("getpeerinfo", json::array({1})) == -32602);
  backend.fail = true;
  CHECK(code("getnetworkinfo") == -32000);
  CHECK(code("getpeerinfo") == -32000);
}

TEST_CASE_FIXTURE(fixture, "addnode") {
  CHECK(call("addnode", json::array({"10.0.0.1:24200", "add"})));
  CHECK(call("addnode", json::array({"[2001:DB8::1]:1", "onetry"})));
  CHECK(call("addnode", {{"node", "seed.example:2"}, {"command", "remove"}}));
  REQUIRE(backend.added.size() == 3);
  CHECK(backend.added[0].first == "10.0.0.1:24200");
  CHECK(backend.added[0].second == addnode_mode::add);
  CHECK(backend.added[1].first == "[2001:DB8::1]:1");
  CHECK(backend.added[1].second == addnode_mode::onetry);
  CHECK(backend.added[2].second == addnode_mode::remove);

  CHECK(code("addnode", json::array({"10.0.0.1", "add"})) == -32602);
  CHECK(code("addnode", json::array({"10.0.0.1:1", "sometimes"})) == -32602);
  CHECK(code("addnode", json::array({"10.0.0.1:1"})) == -32602);
  CHECK(code("addnode", json::array({"10.0.0.1:1", "add", 3})) == -32602);
  CHECK(code("addnode", json::array({24200, "add"})) == -32602);
  CHECK(code("addnode", {{"node", "10.0.0.1:1"}, {"cmd", "add"}}) == -32602);
  CHECK(backend.added.size() == 3); // none of those reached the node

  backend.answer = false;
  CHECK(code("addnode", json::array({"10.0.0.1:1", "remove"})) == -24);
  CHECK(code("addnode", json::array({"10.0.0.1:1", "add"})) == -30);
  backend.fail = true;
  CHECK(code("addnode", json::array({"10.0.0.1:1", "add"})) == -32000);
}

TEST_CASE_FIXTURE(fixture, "getaddednodeinfo") {
  auto r = call("getaddednodeinfo", json::array());
  REQUIRE(r);
  REQUIRE(r->size() == 1);
  CHECK((*r)[0]["addednode"] == "10.0.0.1:24200");
  CHECK((*r)[0]["state"] == "reconnecting");
  CHECK((*r)[0]["connected"] == false);
  CHECK((*r)[0]["attempts"] == 3);
  CHECK((*r)[0]["nextattempt"] == 4.0);
  CHECK(!(*r)[0].contains("id"));
}

TEST_CASE_FIXTURE(fixture, "disconnectnode") {
  CHECK(call("disconnectnode", json::array({"10.0.0.1:24200"})));
  std::string upper(64, 'E');
  CHECK(call("disconnectnode", json::array({upper})));
  REQUIRE(backend.disconnected.size() == 2);
  CHECK(backend.disconnected[1] == node_id); // ids are sent in lowercase

  CHECK(code("disconnectnode", json::array({"nobody"})) == -32602);
  CHECK(code("disconnectnode", json::array()) == -32602);
  backend.answer = false;
  CHECK(code("disconnectnode", json::array({node_id})) == -29);
}

TEST_CASE_FIXTURE(fixture, "setban") {
  using ban = std::tuple<std::string, bool, int64_t>;
  CHECK(call("setban", json::array({"1.2.3.4", "add"})));
  CHECK(call("setban", json::array({"10.0.0.0/8", "add", 3600})));
  CHECK(call("setban", json::array({"2001:db8::/32", "add", 0})));
  CHECK(call("setban", json::array({"::1", "remove"})));
  CHECK(call("setban", {{"subnet", "1.2.3.0/24"},
                        {"command", "add"},
                        {"bantime", max_ban_seconds}}));
  // As a JSON body parses it: a non-negative integer is unsigned.
  CHECK(call("setban", json::parse(R"(["1.2.3.4/032", "add", 60])")));
  REQUIRE(backend.bans.size() == 6);
  CHECK(backend.bans[0] == ban{"1.2.3.4", true, default_ban_seconds});
  CHECK(backend.bans[1] == ban{"10.0.0.0/8", true, 3600});
  CHECK(backend.bans[2] == ban{"2001:db8::/32", true, default_ban_seconds});
  CHECK(std::get<1>(backend.bans[3]) == false);
  CHECK(backend.bans[4] == ban{"1.2.3.0/24", true, max_ban_seconds});
  CHECK(backend.bans[5] == ban{"1.2.3.4/032", true, 60});

  // Bad subnets.
  for (const char* bad :
       {"", "1.2.3", "1.2.3.4/33", "1.2.3.4/", "1.2.3.4/-1", "1.2.3.4/0024",
        "1.2.3.4/8/8", "2001:db8::/129", "[::1]", "[::1]/128", "host.example",
        "1.2.3.4:80", " 1.2.3.4", "1.2.3.4/24 ", "0x01.2.3.4"})
    CHECK_MESSAGE(code("setban", json::array({bad, "add"})) == -32602, bad);
  // Bad commands, bantimes, missing or mistyped parameters.
  CHECK(code("setban", json::array({"1.2.3.4", "ban"})) == -32602);
  CHECK(code("setban", json::array({"1.2.3.4", "ADD"})) == -32602);
  CHECK(code("setban", json::array({"1.2.3.4", "add", -1})) == -32602);
  CHECK(code("setban", json::array({"1.2.3.4", "add", max_ban_seconds + 1}))
        == -32602);
  CHECK(code("setban", json::parse(R"(["1.2.3.4", "add", 1e30])")) == -32602);
  CHECK(
    code("setban", json::parse(R"(["1.2.3.4", "add", 18446744073709551615])"))
    == -32602);
  CHECK(code("setban", json::array({"1.2.3.4", "add", 1.5})) == -32602);
  CHECK(code("setban", json::array({"1.2.3.4", "add", "3600"})) == -32602);
  CHECK(code("setban", json::array({"1.2.3.4", "remove", -1})) == -32602);
  CHECK(code("setban", json::array({"1.2.3.4"})) == -32602);
  CHECK(code("setban", json::array()) == -32602);
  CHECK(code("setban", json::array({"1.2.3.4", "add", 1, true})) == -32602);
  CHECK(code("setban", json::array({1234, "add"})) == -32602);
  CHECK(code("setban", {{"subnet", "1.2.3.4"}, {"time", 1}}) == -32602);
  CHECK(backend.bans.size() == 6); // none of those reached the node

  backend.answer = false;
  auto unban = call("setban", json::array({"1.2.3.4", "remove"}));
  REQUIRE_FALSE(unban);
  CHECK(unban.error().code == rpc_code::invalid_subnet);
  CHECK(static_cast<int>(unban.error().code) == -30);
  CHECK(unban.error().message.find("unban failed") != std::string::npos);
  CHECK(code("setban", json::array({"1.2.3.4", "add"})) == -30);
  backend.fail = true;
  CHECK(code("setban", json::array({"1.2.3.4", "add"})) == -32000);
}

TEST_CASE_FIXTURE(fixture, "listbanned and clearbanned") {
  auto r = call("listbanned");
  REQUIRE(r);
  REQUIRE(r->size() == 1);
  CHECK((*r)[0]["address"] == "10.0.0.0/8");
  CHECK((*r)[0]["ban_created"] == 1767225600);
  CHECK((*r)[0]["banned_until"] == 1767225600 + 3600);
  CHECK((*r)[0]["ban_duration"] == 3600);
  CHECK((*r)[0]["time_remaining"] == 0);
  CHECK((*r)[0]["ban_reason"] == "manual");
  CHECK(code("listbanned", json::array({1})) == -32602);

  auto c = call("clearbanned");
  REQUIRE(c);
  CHECK(c->is_null());
  CHECK(backend.clears == 1);
  CHECK(code("clearbanned", json::array({"all"})) == -32602);
  backend.answer = false;
  CHECK(code("clearbanned") == -1);

  backend.fail = true;
  CHECK(code("listbanned") == -32000);
  CHECK(code("clearbanned") == -32000);
}

TEST_CASE_FIXTURE(fixture, "stop, uptime, help") {
  auto stop = call("stop");
  REQUIRE(stop);
  CHECK(*stop == "timed stopping");
  CHECK(backend.stops == 1);

  auto up = call("uptime");
  REQUIRE(up);
  CHECK(up->get<int64_t>() >= 90);

  auto help = call("help");
  REQUIRE(help);
  for (const auto& m : all_methods())
    CHECK(help->get<std::string>().find(std::string{m.name})
          != std::string::npos);
  auto one = call("help", json::array({"addnode"}));
  REQUIRE(one);
  CHECK(one->get<std::string>().find("onetry") != std::string::npos);
  auto ban = call("help", json::array({"setban"}));
  REQUIRE(ban);
  CHECK(ban->get<std::string>().find("bantime") != std::string::npos);
  CHECK(code("help", json::array({"nope"})) == -32602);
  CHECK(code("help", json::array({1})) == -32602);
}

const std::string genesis_hash
  = "4d768f896f882cb87baba4d63b2a92b6f1756bfc67a9bc2964009525264ff28a";

TEST_CASE_FIXTURE(fixture, "getblockchaininfo, getblockcount, "
                           "getbestblockhash") {
  auto r = call("getblockchaininfo");
  REQUIRE(r);
  CHECK((*r)["chain"] == "devnet");
  CHECK((*r)["blocks"] == 2000);
  CHECK((*r)["bestblockhash"] == std::string(64, 'a'));
  CHECK((*r)["utxo_root"] == std::string(64, 'b'));
  CHECK((*r)["utxos"] == 2100);
  CHECK((*r)["time"] == 1767229600);
  CHECK((*r)["pruneheight"] == 0);
  CHECK((*r)["snapshots"] == json::array({1000, 2000}));
  const auto& sync = (*r)["sync"];
  CHECK(sync["state"] == "blocks");
  CHECK(sync["progress"] == 0.5);
  CHECK(sync["peers_best_height"] == 4000);
  CHECK(sync["peers"] == 3);
  CHECK(sync["blocks_per_second"] == 250);
  CHECK(sync["rejected_blocks"] == 1);
  CHECK(sync["rejected_snapshots"] == 2);
  CHECK(sync["reorgs"] == 4);
  CHECK(sync.size() == 8);
  CHECK(r->size() == 9);

  auto count = call("getblockcount");
  REQUIRE(count);
  CHECK(*count == 2000);
  CHECK(count->is_number_unsigned());
  auto best = call("getbestblockhash");
  REQUIRE(best);
  CHECK(*best == std::string(64, 'a'));

  CHECK(code("getblockchaininfo", json::array({1})) == -32602);
  CHECK(code("getblockcount", json::array({true})) == -32602);
  backend.fail = true;
  CHECK(code("getblockchaininfo") == -32000);
  CHECK(code("getblockcount") == -32000);
  CHECK(code("getbestblockhash") == -32000);
}

TEST_CASE_FIXTURE(fixture, "getblockhash") {
  auto r = call("getblockhash", json::array({5}));
  REQUIRE(r);
  CHECK(*r == std::string(64, 'c'));
  CHECK(call("getblockhash", json::parse("[0]")));
  CHECK(call("getblockhash", {{"height", 2000}}));
  CHECK(backend.heights_asked == std::vector<uint64_t>{5, 0, 2000});

  // Above the tip: the node's text, as bitcoind's -8 "out of range".
  auto high = call("getblockhash", json::array({5000}));
  REQUIRE_FALSE(high);
  CHECK(high.error().code == rpc_code::invalid_parameter);
  CHECK(static_cast<int>(high.error().code) == -8);
  CHECK(high.error().message == "height 5000 is above the tip 2000");

  backend.heights_asked.clear();
  CHECK(code("getblockhash", json::array({-1})) == -32602);
  CHECK(code("getblockhash", json::array({1.5})) == -32602);
  CHECK(code("getblockhash", json::parse("[1e30]")) == -32602);
  CHECK(code("getblockhash", json::array({"5"})) == -32602);
  CHECK(code("getblockhash", json::array()) == -32602);
  CHECK(code("getblockhash", json::array({1, 2})) == -32602);
  CHECK(backend.heights_asked.empty()); // none of those reached the node
  auto neg = call("getblockhash", json::array({-1}));
  REQUIRE_FALSE(neg);
  CHECK(neg.error().message.find("whole number") != std::string::npos);

  backend.fail = true;
  CHECK(code("getblockhash", json::array({5})) == -32000);
}

TEST_CASE_FIXTURE(fixture, "getblock") {
  auto g = proto::devnet_genesis();
  auto encoded = proto::encode_block(g);

  // By hash, verbose by default.
  auto r = call("getblock", json::array({genesis_hash}));
  REQUIRE(r);
  CHECK((*r)["hash"] == genesis_hash);
  CHECK((*r)["height"] == 0);
  CHECK((*r)["confirmations"] == 2001);
  CHECK((*r)["merkleroot"] == proto::to_hex(g.header.merkle_root));
  CHECK((*r)["size"] == encoded.size());
  REQUIRE((*r)["tx"].size() == 1);
  CHECK((*r)["tx"][0]["vout"][0]["value"] == 10000000000ULL);

  // Hashes in either case; heights as numbers or decimal strings.
  std::string upper = genesis_hash;
  for (auto& c : upper)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  CHECK(call("getblock", json::array({upper})));
  CHECK(call("getblock", json::array({0})));
  CHECK(call("getblock", json::array({"0"})));
  CHECK(call("getblock", json::array({"000"})));
  CHECK(call("getblock", {{"blockhash", 0}, {"verbose", true}}));
  CHECK(backend.blocks_asked
        == std::vector<std::string>{genesis_hash, genesis_hash, "0", "0", "0",
                                    "0"});

  // verbose false or 0: the encoding as hex.
  for (auto verbose : {json(false), json(0)}) {
    auto hex = call("getblock", json::array({genesis_hash, verbose}));
    REQUIRE(hex);
    CHECK(*hex == proto::to_hex(encoded));
  }
  auto one = call("getblock", json::array({0, 1}));
  REQUIRE(one);
  CHECK(one->is_object());

  // Unknown: -5 for a hash, -8 for a height, with the node's text.
  auto missing = call("getblock", json::array({std::string(64, 'f')}));
  REQUIRE_FALSE(missing);
  CHECK(static_cast<int>(missing.error().code) == -5);
  CHECK(missing.error().message == "block not found");
  CHECK(code("getblock", json::array({5})) == -8);
  CHECK(code("getblock", json::array({"5"})) == -8);
  // A stored block that does not decode is the node's fault.
  CHECK(code("getblock", json::array({7})) == -32603);

  // Bad parameters never reach the node.
  backend.blocks_asked.clear();
  for (const auto& bad :
       {json("zz"), json(std::string(63, 'a')), json(std::string(65, 'a')),
        json(std::string(63, 'a') + "g"), json(""), json("-1"), json(" 1"),
        json("0x10"), json(-1), json(1.5), json(true), json(nullptr),
        json::array()})
    CHECK_MESSAGE(code("getblock", json::array({bad})) == -32602, bad.dump());
  for (const auto& bad : {json(2), json(-1), json("true"), json(0.5)})
    CHECK_MESSAGE(code("getblock", json::array({0, bad})) == -32602,
                  bad.dump());
  CHECK(code("getblock", json::array()) == -32602);
  CHECK(code("getblock", json::array({0, true, 1})) == -32602);
  CHECK(backend.blocks_asked.empty());

  backend.fail = true;
  CHECK(code("getblock", json::array({0})) == -32000);
}

TEST_CASE_FIXTURE(fixture, "generate") {
  auto r = call("generate", json::array({5, 10}));
  REQUIRE(r);
  CHECK(*r
        == json::array({std::string(64, 'd'), std::string(64, 'd'),
                        std::string(64, 'd'), std::string(64, 'd'),
                        std::string(64, 'd')}));
  CHECK(call("generate", json::array({1})));
  CHECK(call("generate", json::array({max_generate_blocks, max_generate_txs})));
  CHECK(call("generate", {{"nblocks", 2}, {"txs_per_block", 0}}));
  using gen = std::pair<uint32_t, uint32_t>;
  CHECK(backend.generated
        == std::vector<gen>{{5, 10}, {1, 0}, {10000, 1000}, {2, 0}});

  backend.generated.clear();
  for (const auto& bad :
       {json::array({0}), json::array({10001}), json::array({-1}),
        json::array({1.5}), json::array({"5"}), json::array({5, 1001}),
        json::array({5, -1}), json::array({5, true}), json::array(),
        json::array({1, 1, 1})})
    CHECK_MESSAGE(code("generate", bad) == -32602, bad.dump());
  CHECK(backend.generated.empty());
  auto many = call("generate", json::array({10001}));
  REQUIRE_FALSE(many);
  CHECK(many.error().message.find("1 to 10000") != std::string::npos);

  backend.devnet = false;
  auto refused = call("generate", json::array({1}));
  REQUIRE_FALSE(refused);
  CHECK(static_cast<int>(refused.error().code) == -1);
  CHECK(refused.error().message == "generate is devnet only");
  backend.fail = true;
  CHECK(code("generate", json::array({1})) == -32000);
}

TEST_CASE_FIXTURE(fixture, "verifychain") {
  auto r = call("verifychain");
  REQUIRE(r);
  CHECK(*r == true);
  backend.problem = "utxo_root mismatch at height 12";
  auto bad = call("verifychain");
  REQUIRE_FALSE(bad);
  CHECK(static_cast<int>(bad.error().code) == -1);
  CHECK(bad.error().message.find("utxo_root mismatch at height 12")
        != std::string::npos);
  CHECK(code("verifychain", json::array({1})) == -32602);
  backend.fail = true;
  CHECK(code("verifychain") == -32000);
}

TEST_CASE_FIXTURE(fixture, "help for the chain methods") {
  auto block = call("help", json::array({"getblock"}));
  REQUIRE(block);
  CHECK(block->get<std::string>().find("verbose") != std::string::npos);
  auto list = call("help");
  REQUIRE(list);
  CHECK(list->get<std::string>().find("getblock \"blockhash\"|height [verbose]")
        != std::string::npos);
  CHECK(list->get<std::string>().find("generate nblocks [txs_per_block]")
        != std::string::npos);
}

TEST_CASE("bind_params") {
  method_spec m{"m",
                {param_spec{"a", param_type::number, true},
                 param_spec{"b", param_type::boolean, false}},
                "",
                ""};
  auto ok = bind_params(m, json::array({1}));
  REQUIRE(ok);
  CHECK(ok->size() == 2);
  CHECK((*ok)[1].is_null());
  CHECK(bind_params(m, {{"b", true}, {"a", 2}}));
  CHECK_FALSE(bind_params(m, json::array({"1"})));
  CHECK_FALSE(bind_params(m, json::array({1, 1})));
  CHECK_FALSE(bind_params(m, json::array({1, true, 3})));
  CHECK_FALSE(bind_params(m, {{"b", true}}));
  CHECK(signature(m) == "m a [b]");
}

TEST_CASE_FIXTURE(fixture, "help answers from the table") {
  auto list = call("help");
  REQUIRE(list);
  CHECK(*list == method_list());
  for (const auto& m : all_methods()) {
    auto one = call("help", json::array({std::string{m.name}}));
    REQUIRE(one);
    CHECK(*one == method_help(m));
  }
  auto unknown = call("help", json::array({"nope"}));
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().message
        == "Invalid params: help: unknown method 'nope'");
}

TEST_CASE_FIXTURE(fixture, "every -32602 reads 'Invalid params: <method>: '") {
  auto message = [&](const std::string& method, json params) {
    auto r = call(method, std::move(params));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == rpc_code::invalid_params);
    return r.error().message;
  };
  // The table's checks, alike for every method.
  CHECK(message("getpeerinfo", json::array({1}))
        == "Invalid params: getpeerinfo: unexpected parameter #1 (usage: "
           "getpeerinfo)");
  CHECK(message("addnode", json::array({"10.0.0.1:1"}))
        == "Invalid params: addnode: missing parameter 'command' (usage: "
           "addnode \"node\" \"command\")");
  CHECK(message("addnode", {{"node", "10.0.0.1:1"}, {"cmd", "add"}})
        == "Invalid params: addnode: unexpected parameter 'cmd' (usage: "
           "addnode \"node\" \"command\")");
  CHECK(message("setban", json::array({"1.2.3.4", "add", "3600"}))
        == "Invalid params: setban: parameter 'bantime' must be a number "
           "(usage: setban \"subnet\" \"command\" [bantime])");
  CHECK(message("getblockhash", json::array({"5"}))
        == "Invalid params: getblockhash: parameter 'height' must be a "
           "number (usage: getblockhash height)");
  CHECK(message("getblock", json::array({0, 2}))
        == "Invalid params: getblock: parameter 'verbose' must be a boolean, "
           "0 or 1 (usage: getblock \"blockhash\"|height [verbose])");
  // The handlers' own checks of values, with the same prefix.
  CHECK(message("addnode", json::array({"10.0.0.1", "add"}))
          .rfind("Invalid params: addnode: '10.0.0.1' is not host:port", 0)
        == 0);
  CHECK(message("generate", json::array({0}))
        == "Invalid params: generate: nblocks must be a whole number from 1 "
           "to 10000");
  CHECK(message("getblockhash", json::array({-1}))
        == "Invalid params: getblockhash: height must be a whole number "
           "from 0");
  CHECK(message("setban", json::array({"1.2.3.4", "ban"}))
        == "Invalid params: setban: command must be add or remove, not "
           "'ban'");
}

TEST_CASE_FIXTURE(fixture, "getconnectioncount, getnodeaddresses, "
                           "addpeeraddress") {
  auto n = call("getconnectioncount");
  REQUIRE(n);
  CHECK(n->is_number_unsigned());
  auto addrs = call("getnodeaddresses");
  REQUIRE(addrs);
  CHECK(addrs->size() == 1); // the default count
  auto all = call("getnodeaddresses", json::array({0}));
  REQUIRE(all);
  REQUIRE(all->size() == 3);
  CHECK((*all)[0]["address"] == "10.0.0.1");
  CHECK((*all)[0]["port"] == 24200);
  CHECK((*all)[0]["tried"] == true);
  CHECK(!(*all)[0].contains("id"));
  for (const auto& bad : {json::array({-1}), json::array({2501}),
                          json::array({1.5}), json::array({"3"})})
    CHECK_MESSAGE(code("getnodeaddresses", bad) == -32602, bad.dump());

  auto added = call("addpeeraddress", json::array({"10.0.0.5", 24200}));
  REQUIRE(added);
  CHECK((*added)["success"] == true);
  auto again = call("addpeeraddress", json::array({"2001:db8::1", 1}));
  REQUIRE(again);
  CHECK((*again)["success"] == false);
  CHECK(backend.added_addresses
        == std::vector<std::string>{"10.0.0.5:24200", "2001:db8::1:1"});
  for (const auto& bad :
       {json::array({"seed.example", 1}), json::array({"10.0.0.5", 0}),
        json::array({"10.0.0.5", 65536}), json::array({"10.0.0.5", -1}),
        json::array({"10.0.0.5"}), json::array({"10.0.0.5:1", 1})})
    CHECK_MESSAGE(code("addpeeraddress", bad) == -32602, bad.dump());
  CHECK(backend.added_addresses.size() == 2);
}

TEST_CASE_FIXTURE(fixture, "masternodelist and sendtoaddress") {
  auto list = call("masternodelist");
  REQUIRE(list);
  REQUIRE(list->size() == 1);
  CHECK((*list)[0]["id"] == std::string(64, 'a'));
  CHECK((*list)[0]["collateral"] == std::string(64, 'b') + ":0");
  CHECK((*list)[0]["lastannounced"] == 1767225600);

  auto txid = call("sendtoaddress", json::array({node_id, 1000}));
  REQUIRE(txid);
  CHECK(*txid == std::string(64, 'c'));
  CHECK(call("sendtoaddress", json::array({node_id, 0.5})));
  CHECK(call("sendtoaddress", json::array({node_id, 0.00000001})));
  using sent = std::pair<std::string, uint64_t>;
  CHECK(backend.sent
        == std::vector<sent>{{node_id, 100'000'000'000ULL},
                             {node_id, 50'000'000ULL},
                             {node_id, 1ULL}});
  for (const auto& bad :
       {json::array({node_id, 0}), json::array({node_id, -5}),
        json::array({node_id, 0.000000001}), json::array({node_id, "1000"}),
        json::array({"abc", 1000}), json::array({node_id, 1e12}),
        json::array({node_id})})
    CHECK_MESSAGE(code("sendtoaddress", bad) == -32602, bad.dump());
  CHECK(backend.sent.size() == 3);
}
