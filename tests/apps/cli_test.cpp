#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

#include "apps/rpc/cli.hpp"

using namespace timecoin;
using namespace timecoin::rpc;

TEST_CASE("split_cli_args") {
  const char* argv[] = {"time-cli",   "--datadir=/x",    "--testnet", "addnode",
                        "10.0.0.1:1", "--not-an-option", "-5"};
  auto call = split_cli_args(7, argv);
  CHECK(call.options == std::vector<std::string>{"--datadir=/x", "--testnet"});
  CHECK(call.method == "addnode");
  CHECK(call.args
        == std::vector<std::string>{"10.0.0.1:1", "--not-an-option", "-5"});

  const char* only_opts[] = {"time-cli", "--devnet"};
  CHECK(split_cli_args(2, only_opts).method.empty());
}

TEST_CASE("make_call sends strings, or numbers where expected") {
  auto r = make_call("addnode", {"10.0.0.1:1", "add"}, 1);
  REQUIRE(r);
  CHECK((*r)["jsonrpc"] == "2.0");
  CHECK((*r)["id"] == 1);
  CHECK((*r)["method"] == "addnode");
  CHECK((*r)["params"] == json::array({"10.0.0.1:1", "add"}));

  // A numeric-looking argument stays a string where a string is expected.
  auto s = make_call("disconnectnode", {"12345"}, 1);
  REQUIRE(s);
  CHECK((*s)["params"][0] == "12345");

  std::vector<method_spec> table{
    {"getblockhash",
     {param_spec{"height", param_type::number, true},
      param_spec{"verbose", param_type::boolean, false},
      param_spec{"label", param_type::string, false}},
     "",
     ""}};
  auto n = make_call("getblockhash", {"42", "1", "7"}, 3, table);
  REQUIRE(n);
  CHECK((*n)["params"] == json::array({42, true, "7"}));
  auto b = make_call("getblockhash", {"1.5", "false"}, 3, table);
  REQUIRE(b);
  CHECK((*b)["params"] == json::array({1.5, false}));
  auto bad = make_call("getblockhash", {"tall"}, 3, table);
  REQUIRE_FALSE(bad);
  CHECK(bad.error()
        == "argument 1 ('height') of getblockhash must be a number");
  CHECK_FALSE(make_call("getblockhash", {"1", "maybe"}, 3, table));

  // setban's bantime is declared a number: sent as one, or refused here.
  auto ban = make_call("setban", {"10.0.0.0/8", "add", "3600"}, 4);
  REQUIRE(ban);
  CHECK((*ban)["params"] == json::array({"10.0.0.0/8", "add", 3600}));
  CHECK((*ban)["params"][2].is_number_integer());
  auto unban = make_call("setban", {"::1", "remove"}, 4);
  REQUIRE(unban);
  CHECK((*unban)["params"] == json::array({"::1", "remove"}));
  auto day = make_call("setban", {"1.2.3.4", "add", "1d"}, 4);
  REQUIRE_FALSE(day);
  CHECK(day.error() == "argument 3 ('bantime') of setban must be a number");

  // Unknown methods: everything as strings; the server decides.
  auto u = make_call("frobnicate", {"1", "x"}, 1);
  REQUIRE(u);
  CHECK((*u)["params"] == json::array({"1", "x"}));
}

TEST_CASE("make_call types the chain methods' arguments") {
  auto params = [](const std::string& method,
                   const std::vector<std::string>& args) {
    auto r = make_call(method, args, 1);
    REQUIRE(r);
    return (*r)["params"];
  };
  const std::string hash(64, 'a');
  CHECK(params("generate", {"5", "10"}) == json::array({5, 10}));
  CHECK(params("generate", {"5", "10"})[0].is_number_integer());
  CHECK(params("generate", {"100"}) == json::array({100}));
  CHECK(params("getblockhash", {"3"}) == json::array({3}));
  CHECK(params("getblock", {hash, "false"}) == json::array({hash, false}));
  CHECK(params("getblock", {hash, "0"}) == json::array({hash, false}));
  CHECK(params("getblock", {hash, "1"}) == json::array({hash, true}));
  CHECK(params("getblock", {hash}) == json::array({hash}));
  // A height: digits, sent as a number.
  CHECK(params("getblock", {"3", "true"}) == json::array({3, true}));
  CHECK(params("getblock", {"3"})[0].is_number_unsigned());
  // An all-digit hash does not fit 64 bits: it stays a string.
  const std::string digits(64, '1');
  CHECK(params("getblock", {digits}) == json::array({digits}));
  // Anything else goes as a string for the server to refuse (-32602).
  CHECK(params("getblock", {"-1"}) == json::array({"-1"}));
  CHECK(params("getblock", {"abc"}) == json::array({"abc"}));

  auto bad = make_call("generate", {"five"}, 1);
  REQUIRE_FALSE(bad);
  CHECK(bad.error() == "argument 1 ('nblocks') of generate must be a number");
  CHECK_FALSE(make_call("getblock", {hash, "maybe"}, 1));
  CHECK_FALSE(make_call("getblockhash", {"x"}, 1));
}

TEST_CASE("cli_read_timeout: minutes for generate") {
  CHECK(cli_read_timeout("getblockcount") == std::chrono::seconds{15});
  CHECK(cli_read_timeout("generate") > std::chrono::minutes{10});
}

TEST_CASE("format_result and format_error") {
  CHECK(format_result("timed stopping") == "timed stopping");
  CHECK(format_result(nullptr) == "");
  CHECK(format_result(json{{"a", 1}}) == "{\n  \"a\": 1\n}");
  CHECK(format_result(42) == "42");
  CHECK(format_error({{"code", -32601}, {"message", "method not found"}})
        == "error -32601: method not found");
  CHECK(format_error("weird") == "error: \"weird\"");
}

TEST_CASE("cli_usage lists every method") {
  auto text = cli_usage();
  for (const auto& m : all_methods())
    CHECK(text.find(std::string{m.name}) != std::string::npos);
}

TEST_CASE("read_cli_options takes time-cli's own options, one dash or two") {
  auto r = read_cli_options(
    {"--datadir=/x", "-rpcwait", "--rpcwaittimeout=30", "--testnet"});
  REQUIRE(r);
  CHECK(r->rpcwait);
  CHECK(r->rpcwait_timeout == std::chrono::seconds{30});
  CHECK_FALSE(r->version);
  CHECK(r->node_options
        == std::vector<std::string>{"--datadir=/x", "--testnet"});

  auto v = read_cli_options({"-version"});
  REQUIRE(v);
  CHECK(v->version);
  CHECK(v->node_options.empty());
  auto w = read_cli_options({"--rpcwait", "-rpcwaittimeout=0"});
  REQUIRE(w);
  CHECK(w->rpcwait);
  CHECK(w->rpcwait_timeout == std::chrono::seconds{0});

  // By default --rpcwait waits forever.
  auto d = read_cli_options({});
  REQUIRE(d);
  CHECK_FALSE(d->rpcwait);
  CHECK(d->rpcwait_timeout == std::chrono::seconds{0});

  CHECK(read_cli_options({"--rpcwaittimeout=-1"}).error()
        == "--rpcwaittimeout: '-1' is not a whole number of seconds from 0 "
           "to 31536000");
  CHECK_FALSE(read_cli_options({"-rpcwaittimeout=1s"}));
  CHECK_FALSE(read_cli_options({"--rpcwaittimeout=31536001"}));
  CHECK_FALSE(read_cli_options({"--rpcwaittimeout"}));
  CHECK(read_cli_options({"--rpcwait=1"}).error()
        == "--rpcwait takes no value (--rpcwaittimeout=N sets how long)");
  // Lookalikes are timed's options, for its parser to judge.
  auto other = read_cli_options({"--rpcwaiting", "--versions"});
  REQUIRE(other);
  CHECK(other->node_options
        == std::vector<std::string>{"--rpcwaiting", "--versions"});
}

TEST_CASE("use_system_conf: only when nothing else says where the node is") {
  CHECK(use_system_conf({}, false, true));
  CHECK(use_system_conf({"--rpcport=1", "--testnet"}, false, true));
  // A ./data/<network> of the caller's own, or an unreadable file: as before.
  CHECK_FALSE(use_system_conf({}, true, true));
  CHECK_FALSE(use_system_conf({}, false, false));
  CHECK_FALSE(use_system_conf({"--datadir=/srv/node"}, false, true));
  CHECK_FALSE(use_system_conf({"--conf=my.conf"}, false, true));
  CHECK_FALSE(use_system_conf({"--datadir"}, false, true));
}
