#include <doctest/doctest.h>

#include <atomic>
#include <string>

#include <httplib.h>

#include "apps/rpc/auth.hpp"
#include "apps/rpc/http_server.hpp"

using namespace timecoin;
using namespace timecoin::rpc;

namespace {

const std::string creds = "__cookie__:0123";

result<json, rpc_error> answer(const rpc_request& req) {
  if (req.method == "ping")
    return json("pong");
  return rpc_error{rpc_code::method_not_found, "no"};
}

struct running_server {
  http_server server{creds, answer};
  uint16_t port = 0;
  running_server() {
    auto p = server.start("127.0.0.1", 0);
    REQUIRE(p);
    port = *p;
  }
  httplib::Result post(const std::string& body,
                       const std::string& auth = basic_auth_header(creds),
                       const std::string& path = "/") {
    httplib::Client client{"127.0.0.1", port};
    httplib::Headers headers;
    if (!auth.empty())
      headers.emplace("Authorization", auth);
    return client.Post(path.c_str(), headers, body, "application/json");
  }
};

const std::string ping = R"({"jsonrpc":"2.0","id":1,"method":"ping"})";

} // namespace

TEST_CASE_FIXTURE(running_server, "authorised requests are answered") {
  auto res = post(ping);
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->get_header_value("Content-Type") == "application/json");
  auto body = json::parse(res->body);
  CHECK(body["result"] == "pong");

  auto err = post(R"({"jsonrpc":"2.0","id":1,"method":"nope"})");
  REQUIRE(err);
  CHECK(err->status == 200);
  CHECK(json::parse(err->body)["error"]["code"] == -32601);

  auto bad = post("{not json");
  REQUIRE(bad);
  CHECK(json::parse(bad->body)["error"]["code"] == -32700);

  auto note = post(R"({"jsonrpc":"2.0","method":"ping"})");
  REQUIRE(note);
  CHECK(note->status == 204);
  CHECK(note->body.empty());
}

TEST_CASE_FIXTURE(running_server, "no or wrong credentials: 401") {
  for (auto auth : {std::string{}, basic_auth_header("__cookie__:0124"),
                    std::string{"Basic garbage"}}) {
    auto res = post(ping, auth);
    REQUIRE(res);
    CHECK(res->status == 401);
    CHECK(res->get_header_value("WWW-Authenticate").find("Basic")
          != std::string::npos);
    CHECK(res->body.find("pong") == std::string::npos);
  }
}

TEST_CASE_FIXTURE(running_server, "other paths, verbs and huge bodies") {
  auto path = post(ping, basic_auth_header(creds), "/wallet");
  REQUIRE(path);
  CHECK(path->status == 404);
  httplib::Client client{"127.0.0.1", port};
  auto get = client.Get("/");
  REQUIRE(get);
  CHECK(get->status != 200);
  auto huge = post(std::string(max_body_bytes + 1, ' '));
  if (huge) // the server may also just close the connection
    CHECK(huge->status == 413);
}

TEST_CASE("a port in use is a start error; stop is idempotent") {
  running_server first;
  http_server second{creds, answer};
  auto taken = second.start("127.0.0.1", first.port);
  REQUIRE_FALSE(taken);
  CHECK(taken.error().message.find(std::to_string(first.port))
        != std::string::npos);
  CHECK_FALSE(second.start("256.0.0.1", 0));
  first.server.stop();
  first.server.stop();
  // Stopped: connections are refused.
  httplib::Client client{"127.0.0.1", first.port};
  CHECK_FALSE(client.Post("/", ping, "application/json"));
}
