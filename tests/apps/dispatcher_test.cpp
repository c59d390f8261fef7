#include <doctest/doctest.h>

#include <chrono>
#include <string>
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
