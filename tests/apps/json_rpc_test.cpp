#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

#include "apps/rpc/json_rpc.hpp"

using namespace timecoin;
using namespace timecoin::rpc;

namespace {

/// Answers "echo" with its params, "boom" by throwing, else an error.
result<json, rpc_error> echo(const rpc_request& req) {
  if (req.method == "echo")
    return req.params;
  if (req.method == "boom")
    throw std::runtime_error("kaboom");
  return rpc_error{rpc_code::method_not_found, "no " + req.method};
}

json call(std::string_view body) {
  auto out = handle_body(body, echo);
  REQUIRE(out);
  return *out;
}

int error_code(const json& response) {
  REQUIRE(response.contains("error"));
  return response["error"]["code"].get<int>();
}

} // namespace

TEST_CASE("a valid request gets its result and id back") {
  auto r = call(R"({"jsonrpc":"2.0","id":7,"method":"echo","params":[1,"a"]})");
  CHECK(r["jsonrpc"] == "2.0");
  CHECK(r["id"] == 7);
  CHECK(r["result"] == json::array({1, "a"}));
  CHECK_FALSE(r.contains("error"));

  auto s = call(R"({"jsonrpc":"2.0","id":"x","method":"echo"})");
  CHECK(s["id"] == "x");
  CHECK(s["result"].is_null());
  auto n = call(R"({"jsonrpc":"2.0","id":null,"method":"echo","params":{}})");
  CHECK(n["id"].is_null());
  CHECK(n["result"] == json::object());
}

TEST_CASE("handler errors become error objects") {
  auto r = call(R"({"jsonrpc":"2.0","id":1,"method":"nope"})");
  CHECK(error_code(r) == -32601);
  CHECK(r["error"]["message"] == "no nope");
  CHECK(r["id"] == 1);
  CHECK_FALSE(r.contains("result"));
  auto boom = call(R"({"jsonrpc":"2.0","id":2,"method":"boom"})");
  CHECK(error_code(boom) == -32603);
}

TEST_CASE("parse errors") {
  for (auto body : {"", "{", "not json", "{\"jsonrpc\":\"2.0\",}", "\x01"}) {
    auto r = call(body);
    CHECK(error_code(r) == -32700);
    CHECK(r["id"].is_null());
  }
}

TEST_CASE("invalid requests") {
  for (auto body : {
         R"(1)",
         R"("x")",
         R"(null)",
         R"({"id":1,"method":"echo"})",                 // no jsonrpc
         R"({"jsonrpc":"1.0","id":1,"method":"echo"})", // wrong version
         R"({"jsonrpc":2.0,"id":1,"method":"echo"})",
         R"({"jsonrpc":"2.0","id":1})", // no method
         R"({"jsonrpc":"2.0","id":1,"method":5})",
         R"({"jsonrpc":"2.0","id":1,"method":"echo","params":"x"})",
         R"({"jsonrpc":"2.0","id":1,"method":"echo","params":3})",
         R"({"jsonrpc":"2.0","id":[1],"method":"echo"})",
         R"({"jsonrpc":"2.0","id":{},"method":"echo"})",
         R"({"jsonrpc":"2.0","id":true,"method":"echo"})",
       })
    CHECK_MESSAGE(error_code(call(body)) == -32600, body);
  // The id is echoed when usable, even for an invalid request.
  CHECK(call(R"({"jsonrpc":"2.0","id":9,"method":5})")["id"] == 9);
  CHECK(call(R"({"jsonrpc":"2.0","id":[1],"method":"x"})")["id"].is_null());
}

TEST_CASE("notifications get no response") {
  CHECK_FALSE(handle_body(R"({"jsonrpc":"2.0","method":"echo"})", echo));
  // ... even when they fail.
  CHECK_FALSE(handle_body(R"({"jsonrpc":"2.0","method":"nope"})", echo));
  CHECK_FALSE(handle_body(R"([{"jsonrpc":"2.0","method":"echo"}])", echo));
}

TEST_CASE("batches") {
  auto r = call(R"([
    {"jsonrpc":"2.0","id":1,"method":"echo","params":[1]},
    {"jsonrpc":"2.0","method":"echo"},
    {"jsonrpc":"2.0","id":2,"method":"nope"},
    1,
    {"jsonrpc":"2.0","id":3,"method":"echo","params":[3]}
  ])");
  REQUIRE(r.is_array());
  REQUIRE(r.size() == 4); // the notification has no entry
  CHECK(r[0]["result"] == json::array({1}));
  CHECK(error_code(r[1]) == -32601);
  CHECK(error_code(r[2]) == -32600);
  CHECK(r[3]["id"] == 3);

  auto empty = call("[]");
  CHECK(empty.is_object());
  CHECK(error_code(empty) == -32600);

  std::string big = "[";
  for (std::size_t i = 0; i <= max_batch_requests; ++i)
    big += std::string{i ? "," : ""}
           + R"({"jsonrpc":"2.0","id":1,"method":"echo"})";
  big += "]";
  CHECK(error_code(call(big)) == -32600);
}

TEST_CASE("hostile bodies") {
  // Deep nesting: parsed and destroyed without exhausting the stack.
  std::string deep(100'000, '[');
  deep += std::string(100'000, ']');
  auto r = call(deep);
  CHECK(r.is_array());
  CHECK(error_code(r[0]) == -32600);
  // NUL bytes and invalid UTF-8 inside strings are parse errors or values,
  // never crashes.
  CHECK(error_code(call(std::string("{\"jsonrpc\":\"2\0\"}", 16))) == -32700);
  CHECK(error_code(call("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\xff\"}"))
        == -32700);
}
