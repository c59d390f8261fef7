#include <doctest/doctest.h>

#include <string>

#include "config/values.hpp"

using namespace timecoin;

TEST_CASE("parse_bool accepts 0 1 true false only") {
  CHECK(parse_bool("1") == true);
  CHECK(parse_bool("true") == true);
  CHECK(parse_bool("0") == false);
  CHECK(parse_bool("false") == false);
  for (auto bad : {"", "yes", "TRUE", "2", " 1", "1 ", "on", "-1"})
    CHECK_FALSE(parse_bool(bad).has_value());
}

TEST_CASE("parse_uint checks digits, range and overflow") {
  CHECK(parse_uint("0", 0, 10) == 0u);
  CHECK(parse_uint("10", 0, 10) == 10u);
  CHECK_FALSE(parse_uint("11", 0, 10));
  CHECK_FALSE(parse_uint("0", 1, 10));
  CHECK(parse_uint("18446744073709551615", 0, UINT64_MAX) == UINT64_MAX);
  CHECK_FALSE(parse_uint("18446744073709551616", 0, UINT64_MAX));
  CHECK_FALSE(parse_uint("99999999999999999999999", 0, UINT64_MAX));
  for (auto bad : {"", "-1", "+1", " 1", "1 ", "1e3", "0x10", "1.0", "abc"})
    CHECK_FALSE(parse_uint(bad, 0, UINT64_MAX));
}

TEST_CASE("parse_port") {
  CHECK(parse_port("1") == 1);
  CHECK(parse_port("65535") == 65535);
  CHECK_FALSE(parse_port("0"));
  CHECK(parse_port("0", true) == 0);
  CHECK_FALSE(parse_port("65536"));
  CHECK_FALSE(parse_port("70000"));
  CHECK_FALSE(parse_port("abc"));
  CHECK_FALSE(parse_port(""));
}

TEST_CASE("IP literals and host names") {
  CHECK(is_ipv4_literal("127.0.0.1"));
  CHECK(is_ipv4_literal("0.0.0.0"));
  CHECK_FALSE(is_ipv4_literal("256.0.0.1"));
  CHECK_FALSE(is_ipv4_literal("1.2.3"));
  CHECK_FALSE(is_ipv4_literal("01.2.3.4"));
  CHECK(is_ipv6_literal("::1"));
  CHECK(is_ipv6_literal("2001:db8::7"));
  CHECK_FALSE(is_ipv6_literal("[::1]"));
  CHECK_FALSE(is_ipv6_literal(std::string("::1\0", 4)));
  CHECK(is_hostname("localhost"));
  CHECK(is_hostname("seed-1.timecoin.example"));
  CHECK_FALSE(is_hostname("-bad.example"));
  CHECK_FALSE(is_hostname("bad-.example"));
  CHECK_FALSE(is_hostname("a..b"));
  CHECK_FALSE(is_hostname("under_score"));
  CHECK_FALSE(is_hostname("999.1.1.1")); // digits and dots: IPv4 or nothing
  CHECK_FALSE(is_hostname(std::string(64, 'a') + ".example"));
  CHECK(is_hostname(std::string(63, 'a') + ".example"));
  std::string long_name;
  while (long_name.size() < 260)
    long_name += "abcdefgh.";
  long_name += "x";
  CHECK_FALSE(is_hostname(long_name));
  CHECK_FALSE(is_hostname(""));
}

TEST_CASE("parse_peer_address") {
  auto v4 = parse_peer_address("10.0.0.1:24200");
  REQUIRE(v4);
  CHECK(v4->host == "10.0.0.1");
  CHECK(v4->port == 24200);
  CHECK_FALSE(v4->ipv6);
  CHECK(v4->to_string() == "10.0.0.1:24200");

  auto v6 = parse_peer_address("[2001:db8::1]:24100");
  REQUIRE(v6);
  CHECK(v6->host == "2001:db8::1");
  CHECK(v6->ipv6);
  CHECK(v6->to_string() == "[2001:db8::1]:24100");

  auto name = parse_peer_address("seed.example:1");
  REQUIRE(name);
  CHECK(name->host == "seed.example");

  for (auto bad :
       {"", "10.0.0.1", "10.0.0.1:", "10.0.0.1:0", ":24200", "10.0.0.1:70000",
        "10.0.0.1:abc", "::1:24200", "[::1]", "[::1]24200", "[nothost]:1",
        "[::1:1", "bad_host:1", "300.1.1.1:1", "host:1:2", " host:1"})
    CHECK_MESSAGE(!parse_peer_address(bad), bad);
}

TEST_CASE("parse_hex_key") {
  std::string key(64, 'a');
  CHECK(parse_hex_key(key) == key);
  CHECK(parse_hex_key(std::string(64, 'F')) == std::string(64, 'f'));
  CHECK_FALSE(parse_hex_key(std::string(63, 'a')));
  CHECK_FALSE(parse_hex_key(std::string(65, 'a')));
  CHECK_FALSE(parse_hex_key(std::string(63, 'a') + "g"));
}

TEST_CASE("parse_log_level") {
  CHECK(parse_log_level("trace") == "trace");
  CHECK(parse_log_level("warn") == "warn");
  CHECK(parse_log_level("off") == "off");
  CHECK(parse_log_level("0") == "info");
  CHECK(parse_log_level("1") == "debug");
  CHECK_FALSE(parse_log_level("verbose"));
  CHECK_FALSE(parse_log_level("INFO"));
  CHECK_FALSE(parse_log_level(""));
}

TEST_CASE("parse_http_url") {
  auto u = parse_http_url("https://peers.example.org/devnet?x=1");
  REQUIRE(u);
  CHECK(u->https);
  CHECK(u->where.host == "peers.example.org");
  CHECK(u->where.port == 443);
  CHECK(u->path == "/devnet?x=1");
  auto v = parse_http_url("http://127.0.0.1:8080");
  REQUIRE(v);
  CHECK_FALSE(v->https);
  CHECK(v->where.port == 8080);
  CHECK(v->path == "/");
  auto w = parse_http_url("http://[::1]:9/p");
  REQUIRE(w);
  CHECK(w->where.host == "::1");
  CHECK(w->where.port == 9);
  for (const char* bad :
       {"", "http://", "ftp://a.org/", "http://a.org:0/", "http://a.org:99999/",
        "http://u@a.org/", "http://a.org/x y", "http://a.org/#f",
        "http://[::1/", "http://[1.2.3.4]/", "https://-a.org/"})
    CHECK_MESSAGE(!parse_http_url(bad), bad);
}

TEST_CASE("parse_outpoint") {
  auto o = parse_outpoint(std::string(64, 'A') + ":7");
  REQUIRE(o);
  CHECK(o->txid == std::string(64, 'a'));
  CHECK(o->vout == 7);
  CHECK_FALSE(parse_outpoint(std::string(64, 'a')));
  CHECK_FALSE(parse_outpoint(std::string(63, 'a') + ":1"));
  CHECK_FALSE(parse_outpoint(std::string(64, 'a') + ":"));
  CHECK_FALSE(parse_outpoint(std::string(64, 'a') + ":-1"));
  CHECK_FALSE(parse_outpoint(std::string(64, 'g') + ":1"));
}
