#include <doctest/doctest.h>

#include "actors/address_book.hpp"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

using timecoin::address_book;
using timecoin::address_book_limits;
using timecoin::address_horizon;
using timecoin::book_address;
using timecoin::is_local_address;
using timecoin::network_group;

namespace {

constexpr int64_t t0 = 1'700'000'000;
constexpr uint16_t port = 24100;

std::array<uint8_t, 32> test_key(uint8_t fill = 7) {
  std::array<uint8_t, 32> k{};
  k.fill(fill);
  return k;
}

book_address addr(const std::string& host, uint16_t p = port,
                  int64_t last_seen = t0) {
  book_address a;
  a.host = host;
  a.port = p;
  a.last_seen = last_seen;
  return a;
}

/// A public IPv4 address for each `i` below 20,000, each in a /16 of its
/// own (first octet 20..99 avoids every private and loopback range).
std::string public_v4(uint32_t i) {
  return std::to_string(20 + i % 80) + "." + std::to_string(i / 80) + "."
         + std::to_string(i % 250) + ".1";
}

} // namespace

TEST_CASE("network_group: /16 for IPv4, /32 for IPv6, host:port for local") {
  CHECK(network_group("44.55.66.77", port, false) == "4:44.55");
  CHECK(network_group("44.55.1.2", 1, false) == "4:44.55");
  CHECK(network_group("2001:db8:abcd:12::1", port, false) == "6:2001:0db8");
  CHECK(network_group("2A01:4F8::1", port, false) == "6:2a01:04f8");
  CHECK(network_group("::ffff:44.55.66.77", port, false) == "4:44.55");
  CHECK(network_group("127.0.0.1", port, false) == "h:127.0.0.1:24100");
  CHECK(network_group("192.168.1.5", 9, false) == "h:192.168.1.5:9");
  CHECK(network_group("::ffff:10.0.0.1", port, false) == "h:10.0.0.1:24100");
  CHECK(network_group("fe80::1", port, false) == "h:fe80::1:24100");
  CHECK(network_group("44.55.66.77", port, true) == "h:44.55.66.77:24100");
  CHECK(network_group("example.com", port, false).empty());
  CHECK(network_group("1.2.3", port, false).empty());
  CHECK(network_group("[::1]", port, false).empty());
  CHECK(network_group("", port, true).empty());
}

TEST_CASE("is_local_address covers loopback, private, link-local, any") {
  for (const char* h :
       {"127.0.0.1", "127.255.0.9", "10.1.2.3", "172.16.0.1", "172.31.255.255",
        "192.168.0.1", "169.254.3.4", "0.0.0.0", "::1", "::", "fc00::1",
        "fd12:3456::1", "fe80::1", "febf::1", "::ffff:192.168.1.1"})
    CHECK_MESSAGE(is_local_address(h), h);
  for (const char* h :
       {"172.15.0.1", "172.32.0.1", "8.8.8.8", "192.169.0.1", "169.253.0.1",
        "fec0::1", "2001:db8::1", "::2", "::ffff:8.8.8.8", "localhost"})
    CHECK_MESSAGE(!is_local_address(h), h);
}

TEST_CASE("address_book add, find and refresh") {
  address_book b{test_key(), false, 1};
  auto a = addr("44.55.66.77");
  a.services = 1;
  CHECK(b.add(a, "33.1.1.1", t0));
  CHECK(b.size() == 1);
  CHECK(b.new_count() == 1);
  CHECK(b.tried_count() == 0);
  CHECK(b.key() == test_key());

  // Known: refreshed, not added again.
  auto again = addr("44.55.66.77", port, t0 + 100);
  again.services = 5;
  again.node_id = std::string(64, 'A');
  again.masternode_hint = true;
  CHECK_FALSE(b.add(again, "34.1.1.1", t0 + 100));
  auto f = b.find("44.55.66.77", port);
  REQUIRE(f);
  CHECK(f->last_seen == t0 + 100);
  CHECK(f->services == 5);
  CHECK(f->node_id == std::string(64, 'a'));
  CHECK(f->masternode_hint);
  CHECK(b.size() == 1);

  // An older sighting does not move last_seen back, an empty node id and a
  // missing hint do not erase what is known.
  CHECK_FALSE(b.add(addr("44.55.66.77", port, t0 - 500), "", t0 + 200));
  f = b.find("44.55.66.77", port);
  CHECK(f->last_seen == t0 + 100);
  CHECK(f->node_id == std::string(64, 'a'));
  CHECK(f->masternode_hint);

  // Another port is another address; IPv6 is normalised and bracketed.
  CHECK(b.add(addr("44.55.66.77", 24101), "", t0));
  CHECK(b.add(addr("2001:DB8:0::1"), "", t0));
  auto v6 = b.find("2001:db8::1", port);
  REQUIRE(v6);
  CHECK(v6->host == "2001:db8::1");
  CHECK(v6->key() == "[2001:db8::1]:24100");
  CHECK(b.add(addr("::ffff:45.1.2.3"), "", t0));
  CHECK(b.find("45.1.2.3", port));
  CHECK(b.size() == 4);
  CHECK_FALSE(b.find("44.55.66.78", port));

  b.remove("44.55.66.77", 24101);
  CHECK_FALSE(b.find("44.55.66.77", 24101));
  CHECK(b.size() == 3);
}

TEST_CASE("address_book rejects malformed addresses") {
  address_book b{test_key(), false, 1};
  CHECK_FALSE(b.add(addr("example.com"), "", t0));
  CHECK_FALSE(b.add(addr(""), "", t0));
  CHECK_FALSE(b.add(addr("1.2.3.4.5"), "", t0));
  CHECK_FALSE(b.add(addr("44.55.66.77", 0), "", t0));
  auto short_id = addr("44.55.66.77");
  short_id.node_id = std::string(62, 'a'); // 31 bytes
  CHECK_FALSE(b.add(short_id, "", t0));
  auto bad_hex = addr("44.55.66.77");
  bad_hex.node_id = std::string(63, 'a') + "g";
  CHECK_FALSE(b.add(bad_hex, "", t0));
  CHECK_FALSE(b.add(addr("44.55.66.77", port, t0 + 601), "", t0));
  CHECK(b.size() == 0);
  auto good_id = addr("44.55.66.77");
  good_id.node_id = std::string(64, 'b');
  CHECK(b.add(good_id, "", t0));
}

TEST_CASE("address_book: one source cannot fill the book or evict others") {
  address_book b{test_key(), false, 42};
  // Honest addresses first, from many groups and many sources.
  std::vector<std::string> honest;
  for (uint32_t i = 0; i < 1000; ++i) {
    honest.push_back(public_v4(i + 5000));
    std::string source = std::to_string(100 + i % 50) + ".9."
                         + std::to_string(i % 7) + ".1";
    CHECK(b.add(addr(honest.back()), source, t0));
  }
  REQUIRE(b.size() == 1000);

  // One source floods one /16.
  for (uint32_t i = 0; i < 10000; ++i) {
    std::string host = "44.55." + std::to_string(i / 250) + "."
                       + std::to_string(1 + i % 250);
    b.add(addr(host), "66.77.1.1", t0 + 10);
  }
  auto flooded = b.count_group("4:44.55");
  CHECK(flooded <= 64);
  CHECK(flooded > 0);
  for (const auto& h : honest)
    CHECK_MESSAGE(b.find(h, port), h);

  // The same source over many /16s reaches its 8 buckets at most.
  address_book c{test_key(), false, 42};
  for (uint32_t i = 0; i < 10000; ++i)
    c.add(addr(public_v4(i)), "66.77.1.1", t0);
  CHECK(c.size() <= 8 * 64);
  CHECK(c.size() > 64);
}

TEST_CASE("address_book: a full bucket keeps good addresses, drops terrible") {
  // One bucket of 4 slots: every address lands in it.
  address_book_limits lim{1, 1, 4, 1, 1};
  address_book b{test_key(), false, 3, lim};
  for (int i = 1; i <= 4; ++i)
    CHECK(b.add(addr("44.55.0." + std::to_string(i)), "", t0));
  CHECK_FALSE(b.add(addr("44.55.0.9"), "", t0));
  CHECK(b.size() == 4);
  // Three failed attempts, never a success: terrible once not just tried.
  for (int i = 0; i < 3; ++i)
    b.attempt("44.55.0.2", port, t0 + i);
  CHECK(b.find("44.55.0.2", port)->attempts == 3);
  CHECK_FALSE(b.add(addr("44.55.0.9"), "", t0 + 30)); // tried 28 s ago
  CHECK(b.add(addr("44.55.0.9"), "", t0 + 100));
  CHECK_FALSE(b.find("44.55.0.2", port));
  // Older than the horizon: terrible too.
  CHECK(b.add(addr("44.55.0.10", port, t0 + address_horizon), "",
              t0 + address_horizon + 10));
  CHECK(b.size() == 4);
  CHECK(b.find("44.55.0.10", port));
}

TEST_CASE("address_book good moves to tried, and a tried collision back") {
  address_book_limits lim{4, 1, 2, 2, 1}; // the tried table: 1 bucket of 2
  address_book b{test_key(), false, 5, lim};
  CHECK(b.add(addr("44.55.66.77"), "33.1.1.1", t0));
  b.attempt("44.55.66.77", port, t0 + 5);
  b.good("44.55.66.77", port, std::string(64, 'c'), 9, t0 + 10);
  auto f = b.find("44.55.66.77", port);
  REQUIRE(f);
  CHECK(f->tried);
  CHECK(f->attempts == 0);
  CHECK(f->last_success == t0 + 10);
  CHECK(f->last_seen == t0 + 10);
  CHECK(f->node_id == std::string(64, 'c'));
  CHECK(f->services == 9);
  CHECK(b.tried_count() == 1);
  CHECK(b.new_count() == 0);

  // Heard of again: stays tried.
  CHECK_FALSE(b.add(addr("44.55.66.77", port, t0 + 20), "34.1.1.1", t0 + 20));
  CHECK(b.find("44.55.66.77", port)->tried);
  CHECK(b.tried_count() == 1);

  // good() of an unknown address adds it straight to tried.
  b.good("45.1.1.1", port, "", 1, t0 + 30);
  CHECK(b.find("45.1.1.1", port)->tried);
  CHECK(b.tried_count() == 2);
  CHECK(b.all().front().tried);

  // The tried table is full: a third one sends an occupant back to new.
  b.good("46.1.1.1", port, "", 1, t0 + 40);
  CHECK(b.find("46.1.1.1", port)->tried);
  CHECK(b.tried_count() == 2);
  CHECK(b.new_count() == 1);
  CHECK(b.size() == 3);
  std::size_t back = 0;
  for (const auto& a : b.all())
    back += !a.tried;
  CHECK(back == 1);
  CHECK_FALSE(b.all().back().tried); // tried first
}

TEST_CASE("address_book select") {
  address_book b{test_key(), false, 11};
  auto none = [](const book_address&) { return false; };
  auto all = [](const book_address&) { return true; };
  CHECK_FALSE(b.select(false, none, t0));
  CHECK_FALSE(b.select(true, none, t0));

  for (uint32_t i = 0; i < 20; ++i)
    b.add(addr(public_v4(i)), "33.1.1.1", t0);
  b.good("50.1.1.1", port, "", 1, t0);
  CHECK_FALSE(b.select(false, all, t0));
  CHECK_FALSE(b.select(true, all, t0));

  // new_only never gives the tried address; without it, both tables come up.
  bool saw_tried = false;
  bool saw_new = false;
  for (int i = 0; i < 200; ++i) {
    auto n = b.select(true, none, t0 + 1000);
    REQUIRE(n);
    CHECK_FALSE(n->tried);
    auto any = b.select(false, none, t0 + 1000);
    REQUIRE(any);
    (any->tried ? saw_tried : saw_new) = true;
  }
  CHECK(saw_tried);
  CHECK(saw_new);

  // When skip rules out one table, the other one answers.
  auto only_tried = [](const book_address& a) { return !a.tried; };
  auto s = b.select(false, only_tried, t0 + 1000);
  REQUIRE(s);
  CHECK(s->host == "50.1.1.1");
  CHECK_FALSE(b.select(true, only_tried, t0 + 1000));
  auto skip_one = [](const book_address& a) { return a.host != "20.0.0.1"; };
  CHECK(b.select(true, skip_one, t0 + 1000)->host == "20.0.0.1");
}

TEST_CASE("address_book select prefers addresses with fewer failures") {
  address_book b{test_key(), false, 13};
  CHECK(b.add(addr("44.1.1.1"), "", t0));
  CHECK(b.add(addr("45.1.1.1"), "", t0));
  for (int i = 0; i < 8; ++i)
    b.attempt("45.1.1.1", port, t0); // chance 0.66^8 = 0.036
  auto none = [](const book_address&) { return false; };
  int fresh = 0;
  for (int i = 0; i < 1000; ++i)
    fresh += b.select(true, none, t0 + 3600)->host == "44.1.1.1";
  // Expected ~94 %; a uniform choice would give 50 %.
  CHECK(fresh > 800);

  // A dial within 10 minutes counts 100 times less than no failures.
  address_book c{test_key(), false, 17};
  CHECK(c.add(addr("44.1.1.1"), "", t0));
  CHECK(c.add(addr("45.1.1.1"), "", t0));
  c.attempt("45.1.1.1", port, t0 + 3590);
  int other = 0;
  for (int i = 0; i < 1000; ++i)
    other += c.select(true, none, t0 + 3600)->host == "44.1.1.1";
  CHECK(other > 900);
}

TEST_CASE("address_book sample: max, age and distinct") {
  address_book b{test_key(), false, 19};
  for (uint32_t i = 0; i < 300; ++i)
    CHECK(b.add(addr(public_v4(i), port, t0 - (i % 2 ? 4 * 3600 : 60)),
                "33.1.1." + std::to_string(i % 10), t0));
  REQUIRE(b.size() == 300);
  auto s = b.sample(1000, t0, timecoin::address_answer_max_age);
  CHECK(s.size() == 150);
  std::set<std::string> keys;
  for (const auto& a : s) {
    CHECK(t0 - a.last_seen <= timecoin::address_answer_max_age);
    keys.insert(a.key());
  }
  CHECK(keys.size() == s.size());
  auto few = b.sample(10, t0, timecoin::address_answer_max_age);
  CHECK(few.size() == 10);
  std::set<std::string> few_keys;
  for (const auto& a : few)
    few_keys.insert(a.key());
  CHECK(few_keys.size() == 10);
  CHECK(b.sample(10, t0, 0).empty());
  // Two samples of 10 from 150 are not the same (random, not the first 10).
  auto other = b.sample(10, t0, timecoin::address_answer_max_age);
  std::set<std::string> other_keys;
  for (const auto& a : other)
    other_keys.insert(a.key());
  CHECK(other_keys != few_keys);
}

TEST_CASE("address_book JSON round trip keeps entries, tables and buckets") {
  // Small buckets, so that a changed bucket would show.
  address_book_limits lim{16, 4, 4, 2, 2};
  address_book b{test_key(9), false, 23, lim};
  // One (group, source) pair fills its one bucket.
  for (int i = 1; i <= 10; ++i)
    b.add(addr("44.55.9." + std::to_string(i)), "66.77.1.1", t0);
  for (uint32_t i = 0; i < 40; ++i) {
    auto a = addr(public_v4(i * 13));
    a.services = i;
    a.masternode_hint = i % 3 == 0;
    if (i % 4 == 0)
      a.node_id = std::string(64, 'd');
    b.add(a, std::to_string(30 + i % 5) + ".2.2.2", t0);
  }
  b.good(public_v4(0), port, std::string(64, 'e'), 3, t0 + 5);
  b.good(public_v4(13), port, "", 3, t0 + 5);
  b.attempt(public_v4(26), port, t0 + 6);
  REQUIRE(b.count_group("4:44.55") == 4);

  std::string err;
  auto r = address_book::from_json(b.to_json(), false, 23, err, t0 + 10, lim);
  REQUIRE_MESSAGE(r, err);
  CHECK(r->key() == test_key(9));
  CHECK(r->size() == b.size());
  CHECK(r->new_count() == b.new_count());
  CHECK(r->tried_count() == b.tried_count());
  CHECK(r->count_group("4:44.55") == 4);
  auto before = b.all();
  auto after = r->all();
  auto by_key = [](const book_address& x, const book_address& y) {
    return x.key() < y.key();
  };
  std::sort(before.begin(), before.end(), by_key);
  std::sort(after.begin(), after.end(), by_key);
  REQUIRE(before.size() == after.size());
  for (std::size_t i = 0; i < before.size(); ++i) {
    const auto& x = before[i];
    const auto& y = after[i];
    CHECK(x.key() == y.key());
    CHECK(x.node_id == y.node_id);
    CHECK(x.services == y.services);
    CHECK(x.last_seen == y.last_seen);
    CHECK(x.attempts == y.attempts);
    CHECK(x.last_try == y.last_try);
    CHECK(x.last_success == y.last_success);
    CHECK(x.tried == y.tried);
    CHECK(x.masternode_hint == y.masternode_hint);
  }
  // The flooding pair's bucket is still full after the load: its source
  // group was kept.
  CHECK_FALSE(r->add(addr("44.55.9.200"), "66.77.1.1", t0 + 10));
  CHECK_FALSE(r->find("44.55.9.200", port));
}

TEST_CASE("address_book from_json rejects corrupt files") {
  address_book b{test_key(), false, 29};
  CHECK(b.add(addr("44.55.66.77"), "", t0));
  auto text = b.to_json();
  auto bad = [](const std::string& t) {
    std::string err;
    auto r = address_book::from_json(t, false, 1, err, t0);
    CHECK_FALSE(r);
    CHECK_FALSE(err.empty());
  };
  bad(text.substr(0, text.size() / 2));
  bad(text.substr(0, text.size() - 1));
  bad("");
  bad("garbage");
  bad("[1,2,3]");
  std::string k(64, 'a');
  bad(R"({"version":2,"key":")" + k + R"(","addresses":[]})");
  bad(R"({"version":"1","key":")" + k + R"(","addresses":[]})");
  bad(R"({"key":")" + k + R"(","addresses":[]})");
  bad(R"({"version":1,"key":"abc","addresses":[]})");
  bad(R"({"version":1,"key":")" + std::string(64, 'z')
      + R"(","addresses":[]})");
  bad(R"({"version":1,"key":7,"addresses":[]})");
  bad(R"({"version":1,"key":")" + k + R"(","addresses":{}})");

  std::string err;
  auto ok = address_book::from_json(
    R"({"version":1,"key":")" + k + R"(","addresses":[]})", false, 1, err, t0);
  REQUIRE(ok);
  CHECK(ok->size() == 0);
  CHECK(ok->key()[0] == 0xaa);
}

TEST_CASE("address_book from_json skips malformed and expired entries") {
  std::string k(64, 'b');
  auto entry = [](const std::string& host, const std::string& port_json,
                  int64_t last_seen, const std::string& extra = "") {
    return R"({"host":")" + host + R"(","port":)" + port_json
           + R"(,"node_id":"","services":1,"last_seen":)"
           + std::to_string(last_seen)
           + R"(,"attempts":0,"last_try":0,"last_success":0,"tried":false,)"
           + R"("source_group":"4:33.1","masternode_hint":false)" + extra + "}";
  };
  int64_t now = t0 + address_horizon + 100;
  std::string text
    = R"({"version":1,"key":")" + k + R"(","addresses":[)"
      + entry("44.1.1.1", "24100", now - 10) + ","        // kept
      + entry("44.1.1.2", "24100", t0) + ","              // too old
      + entry("44.1.1.3", "\"24100\"", now - 10) + ","    // port as text
      + entry("44.1.1.4", "70000", now - 10) + ","        // port too large
      + entry("44.1.1.5", "0", now - 10) + ","            // port 0
      + entry("host.example", "24100", now - 10) + ","    // not an IP
      + entry("44.1.1.6", "-1", now - 10) + ","           // negative
      + entry("44.1.1.7", "24100", now + 3600) + ","      // future
      + R"({"host":"44.1.1.8"},7,"x",null,)"              // not entries
      + entry("44.1.1.9", "24100", now - address_horizon) // kept, just in time
      + "]}";
  std::string err;
  auto r = address_book::from_json(text, false, 1, err, now);
  REQUIRE_MESSAGE(r, err);
  CHECK(r->size() == 2);
  CHECK(r->find("44.1.1.1", port));
  CHECK(r->find("44.1.1.9", port));
  CHECK(r->find("44.1.1.1", port)->services == 1);
}

TEST_CASE("address_book local mode: one host's nodes are separate groups") {
  address_book b{test_key(), true, 31};
  for (uint16_t i = 0; i < 30; ++i)
    CHECK(b.add(addr("127.0.0.1", static_cast<uint16_t>(24100 + i)),
                "127.0.0.1", t0));
  CHECK(b.size() == 30);
  CHECK(b.count_group("h:127.0.0.1:24100") == 1);
  CHECK(b.count_group("h:127.0.0.1:24129") == 1);
  // Public addresses are per host and port too in local mode.
  CHECK(b.add(addr("44.55.66.77"), "", t0));
  CHECK(b.count_group("h:44.55.66.77:24100") == 1);
  CHECK(b.count_group("4:44.55") == 0);
}
