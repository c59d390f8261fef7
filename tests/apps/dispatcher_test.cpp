#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "apps/rpc/dispatcher.hpp"

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
  void request_stop() override {
    ++stops;
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
  CHECK(code("getblock") == -32601);
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
  for (const char* bad : {"", "1.2.3", "1.2.3.4/33", "1.2.3.4/", "1.2.3.4/-1",
                          "1.2.3.4/0024", "1.2.3.4/8/8", "2001:db8::/129",
                          "[::1]", "[::1]/128", "host.example", "1.2.3.4:80",
                          " 1.2.3.4", "1.2.3.4/24 ", "0x01.2.3.4"})
    CHECK_MESSAGE(code("setban", json::array({bad, "add"})) == -32602, bad);
  // Bad commands, bantimes, missing or mistyped parameters.
  CHECK(code("setban", json::array({"1.2.3.4", "ban"})) == -32602);
  CHECK(code("setban", json::array({"1.2.3.4", "ADD"})) == -32602);
  CHECK(code("setban", json::array({"1.2.3.4", "add", -1})) == -32602);
  CHECK(code("setban", json::array({"1.2.3.4", "add", max_ban_seconds + 1}))
        == -32602);
  CHECK(code("setban", json::parse(R"(["1.2.3.4", "add", 1e30])")) == -32602);
  CHECK(code("setban",
             json::parse(R"(["1.2.3.4", "add", 18446744073709551615])"))
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
