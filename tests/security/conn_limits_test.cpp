#include "security/conn_limits.hpp"

#include <doctest/doctest.h>

using namespace timecoin;
using namespace timecoin::security;
using namespace std::chrono_literals;
using admit = conn_limits::admit_result;

namespace {

const conn_limits::time_point t0 = conn_limits::clock::now();

ip_address ip(const char* text) {
  return *ip_address::parse(text);
}

/// Address number `n` in 10.0.0.0/8.
ip_address nth(uint32_t n) {
  return ip_address::from_v4(0x0a000000 + n);
}

/// Address number `n` of 10.0.0.0/8, each in a /24 of its own.
ip_address spread(uint32_t n) {
  return ip_address::from_v4(0x0a000000 + (n << 8) + 1);
}

} // namespace

TEST_CASE("at most 3 inbound connections from one address") {
  conn_limits limits(125);
  auto a = ip("1.2.3.4");
  for (int i = 0; i < 3; ++i)
    REQUIRE(limits.try_open(a, true, t0) == admit::ok);
  CHECK(limits.try_open(a, true, t0) == admit::too_many_from_ip);
  CHECK(limits.try_open(ip("::ffff:1.2.3.4"), true, t0)
        == admit::too_many_from_ip);
  CHECK(limits.inbound_from(a) == 3);
  CHECK(limits.try_open(ip("1.2.3.5"), true, t0) == admit::ok);
  limits.close(a, true);
  CHECK(limits.inbound_from(a) == 2);
  CHECK(limits.try_open(a, true, t0) == admit::ok);
  CHECK(limits.total() == 4);
}

TEST_CASE("outbound connections are not limited per address") {
  conn_limits limits(125);
  auto a = ip("1.2.3.4");
  for (int i = 0; i < 5; ++i)
    REQUIRE(limits.try_open(a, false, t0) == admit::ok);
  CHECK(limits.outbound() == 5);
  CHECK(limits.inbound_from(a) == 0);
  for (int i = 0; i < 3; ++i)
    REQUIRE(limits.try_open(a, true, t0) == admit::ok);
  CHECK(limits.total() == 8);
}

TEST_CASE("at most 10 new inbound connections per address per minute") {
  conn_limits limits(125, 100);
  auto a = ip("1.2.3.4");
  for (int i = 0; i < 10; ++i) {
    REQUIRE(limits.try_open(a, true, t0 + i * 1s) == admit::ok);
    limits.close(a, true);
  }
  CHECK(limits.try_open(a, true, t0 + 10s) == admit::too_frequent);
  CHECK(limits.try_open(ip("1.2.3.5"), true, t0 + 10s) == admit::ok);
  // Refused attempts count as well: one minute after the first ten is not
  // enough, since the refused one at 10 s is still within its minute.
  CHECK(limits.try_open(a, true, t0 + 60s) == admit::too_frequent);
  // Once fewer than ten attempts fall within the last minute, it may again.
  CHECK(limits.try_open(a, true, t0 + 70s) == admit::ok);
}

TEST_CASE("an attempt exactly a minute old no longer counts") {
  conn_limits limits(125, 100, 2);
  auto a = ip("1.2.3.4");
  CHECK(limits.try_open(a, true, t0) == admit::ok);
  CHECK(limits.try_open(a, true, t0 + 1s) == admit::ok);
  CHECK(limits.try_open(a, true, t0 + 60s - 1ns) == admit::too_frequent);
  conn_limits fresh(125, 100, 2);
  CHECK(fresh.try_open(a, true, t0) == admit::ok);
  CHECK(fresh.try_open(a, true, t0 + 1s) == admit::ok);
  // At t0 + 60 s the attempt at t0 has aged out: one left, room for one.
  CHECK(fresh.try_open(a, true, t0 + 60s) == admit::ok);
  CHECK(fresh.try_open(a, true, t0 + 60s) == admit::too_frequent);
}

TEST_CASE("a full node answers no free slot; outbound slots are reserved") {
  conn_limits limits(20, 3, 10, 8); // 12 inbound at most
  CHECK(limits.max_inbound() == 12);
  for (uint32_t i = 0; i < 12; ++i)
    REQUIRE(limits.try_open(spread(i), true, t0) == admit::ok);
  CHECK(limits.try_open(spread(100), true, t0) == admit::no_free_slot);
  for (uint32_t i = 0; i < 8; ++i)
    REQUIRE(limits.try_open(spread(i), false, t0) == admit::ok);
  CHECK(limits.total() == 20);
  CHECK(limits.try_open(spread(200), false, t0) == admit::no_free_slot);
  // Outbound beyond the reservation uses inbound's slots.
  limits.close(spread(0), true);
  limits.close(spread(1), true);
  CHECK(limits.try_open(spread(300), false, t0) == admit::ok);
  CHECK(limits.try_open(spread(400), true, t0) == admit::ok);
  CHECK(limits.try_open(spread(500), true, t0) == admit::no_free_slot);
  CHECK(limits.total() == 20);
}

TEST_CASE("the outbound reservation is at most half the slots") {
  CHECK(conn_limits(10, 3, 10, 8).max_inbound() == 5);
  CHECK(conn_limits(1, 3, 10, 8).max_inbound() == 1);
  conn_limits none(0);
  CHECK(none.try_open(nth(1), true, t0) == admit::no_free_slot);
  CHECK(none.try_open(nth(1), false, t0) == admit::no_free_slot);
}

TEST_CASE("no free slot is said first") {
  conn_limits limits(2, 3, 10, 0);
  auto a = ip("1.2.3.4");
  REQUIRE(limits.try_open(a, true, t0) == admit::ok);
  REQUIRE(limits.try_open(a, true, t0) == admit::ok);
  CHECK(limits.try_open(a, true, t0) == admit::no_free_slot);
  CHECK(to_string(admit::too_frequent) == "too_frequent");
  CHECK(to_string(admit::ok) == "ok");
}

TEST_CASE("whitelisted addresses skip per-address limits, not the total") {
  conn_limits limits(5, 1, 1, 0);
  auto a = ip("1.2.3.4");
  for (int i = 0; i < 5; ++i)
    REQUIRE(limits.try_open(a, true, t0, true) == admit::ok);
  CHECK(limits.try_open(a, true, t0, true) == admit::no_free_slot);
  CHECK(limits.inbound_from(a) == 5);
  for (int i = 0; i < 5; ++i)
    limits.close(a, true);
  CHECK(limits.tracked() == 0);
}

TEST_CASE("unmatched closes never underflow") {
  conn_limits limits(10);
  limits.close(ip("1.2.3.4"), true);
  limits.close(ip("1.2.3.4"), false);
  CHECK(limits.total() == 0);
  REQUIRE(limits.try_open(ip("1.2.3.4"), true, t0) == admit::ok);
  limits.close(ip("1.2.3.4"), true);
  limits.close(ip("1.2.3.4"), true);
  CHECK(limits.inbound() == 0);
  CHECK(limits.try_open(ip("1.2.3.4"), true, t0) == admit::ok);
  CHECK(limits.inbound() == 1);
}

TEST_CASE("expire forgets addresses with no connection and no recent try") {
  conn_limits limits(2000, 3, 10, 0);
  for (uint32_t i = 0; i < 1000; ++i)
    REQUIRE(limits.try_open(spread(i), true, t0 + i * 1ms) == admit::ok);
  for (uint32_t i = 0; i < 999; ++i)
    limits.close(spread(i), true);
  CHECK(limits.tracked() == 2000); // recent attempts (address, network)
  limits.expire(t0 + 60s);         // exactly a minute after the first attempt
  CHECK(limits.tracked() == 1998);
  limits.expire(t0 + 60s + 500ms); // attempts up to 500 ms have aged out
  CHECK(limits.tracked() == 998);
  limits.expire(t0 + 2min);
  CHECK(limits.tracked() == 2); // spread(999) and its network: connected
  CHECK(limits.inbound_from(spread(999)) == 1);
}

TEST_CASE("one network (/24, /48) holds at most 8 inbound connections") {
  conn_limits limits(125);
  // 3 per address, from 4 addresses of 10.0.0.0/24: the ninth is refused.
  int ok = 0;
  for (uint32_t n = 1; n <= 4; ++n)
    for (int i = 0; i < 3; ++i)
      ok += limits.try_open(nth(n), true, t0) == admit::ok ? 1 : 0;
  CHECK(ok == 8);
  CHECK(limits.inbound_from_group(nth(200)) == 8);
  CHECK(limits.try_open(nth(9), true, t0) == admit::too_many_from_group);
  // Another /24 is not affected.
  CHECK(limits.try_open(nth(256 + 1), true, t0) == admit::ok);
  limits.close(nth(1), true);
  CHECK(limits.try_open(nth(9), true, t0) == admit::ok);
  // IPv6: the /48.
  conn_limits v6(125, 3, 10, 0, 4);
  CHECK(v6.try_open(ip("2001:db8:1::1"), true, t0) == admit::ok);
  CHECK(v6.try_open(ip("2001:db8:1:ffff::2"), true, t0) == admit::ok);
  CHECK(v6.try_open(ip("2001:db8:1:2::3"), true, t0) == admit::ok);
  CHECK(v6.try_open(ip("2001:db8:1:3::4"), true, t0) == admit::ok);
  CHECK(v6.try_open(ip("2001:db8:1:4::5"), true, t0)
        == admit::too_many_from_group);
  CHECK(v6.try_open(ip("2001:db8:2::1"), true, t0) == admit::ok);
  CHECK(network_of(ip("2001:db8:1:4::5")) == ip("2001:db8:1::"));
  CHECK(network_of(ip("10.1.2.3")) == ip("10.1.2.0"));
}

TEST_CASE("one network opens at most 40 inbound connections a minute") {
  conn_limits limits(10'000, 3, 10, 0, 10'000);
  int ok = 0;
  // 60 addresses of one /24, one attempt each, closed at once.
  for (uint32_t n = 1; n <= 60; ++n) {
    auto r = limits.try_open(nth(n), true, t0);
    if (r == admit::ok) {
      ++ok;
      limits.close(nth(n), true);
    } else {
      CHECK(r == admit::group_too_frequent);
    }
  }
  CHECK(ok == 40);
  CHECK(limits.try_open(nth(256 + 1), true, t0) == admit::ok);
  // A minute later the network may connect again, and the records of the
  // quiet addresses are gone.
  CHECK(limits.try_open(nth(61), true, t0 + 61s) == admit::ok);
  limits.close(nth(61), true);
  limits.close(nth(256 + 1), true);
  limits.expire(t0 + 61s);
  CHECK(limits.tracked() == 2); // nth(61) and its /24, tried just now
  limits.expire(t0 + 122s);
  CHECK(limits.tracked() == 0);
}
