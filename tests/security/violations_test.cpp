#include "security/violations.hpp"

#include <doctest/doctest.h>

#include <set>
#include <string>

using namespace timecoin::security;
using namespace std::chrono_literals;

namespace {

const violation_tracker::time_point t0 = violation_tracker::clock::now();

ip_address ip(const char* text) {
  return *ip_address::parse(text);
}

} // namespace

TEST_CASE("every violation has a distinct name") {
  std::set<std::string> names;
  for (auto v : {violation::malformed_frame, violation::oversized_frame,
                 violation::bad_signature, violation::handshake_timeout,
                 violation::message_before_handshake, violation::flood,
                 violation::protocol})
    names.insert(std::string(to_string(v)));
  CHECK(names.size() == 7);
  CHECK(to_string(violation::flood) == "flood");
  CHECK(to_string(static_cast<violation>(200)) == "unknown");
}

TEST_CASE("3, 5 and 10 violations within an hour ban for 5 min, 1 h, 24 h") {
  violation_tracker tr;
  auto a = ip("1.2.3.4");
  std::optional<std::chrono::seconds> bans[11];
  for (int i = 1; i <= 10; ++i)
    bans[i] = tr.record(a, violation::malformed_frame, t0 + i * 1s);
  CHECK_FALSE(bans[1]);
  CHECK_FALSE(bans[2]);
  CHECK(bans[3] == std::chrono::seconds{5min});
  CHECK_FALSE(bans[4]);
  CHECK(bans[5] == std::chrono::seconds{1h});
  for (int i = 6; i <= 9; ++i)
    CHECK_FALSE(bans[i]);
  CHECK(bans[10] == std::chrono::seconds{24h});
  CHECK(tr.count(a, t0 + 10s) == 10);
  // Past the highest threshold every violation bans for the longest time.
  CHECK(tr.record(a, violation::flood, t0 + 11s) == std::chrono::seconds{24h});
  CHECK(tr.count(a, t0 + 11s) == 10); // saturates
}

TEST_CASE("violations are counted per address, mapped IPv4 as IPv4") {
  violation_tracker tr;
  tr.record(ip("1.2.3.4"), violation::protocol, t0);
  tr.record(ip("::ffff:1.2.3.4"), violation::protocol, t0);
  CHECK(tr.count(ip("1.2.3.4"), t0) == 2);
  CHECK(tr.count(ip("1.2.3.5"), t0) == 0);
  CHECK(tr.record(ip("2001:db8::1"), violation::protocol, t0) == std::nullopt);
  CHECK(tr.size() == 2);
}

TEST_CASE("a violation exactly an hour old no longer counts") {
  violation_tracker tr;
  auto a = ip("1.2.3.4");
  tr.record(a, violation::bad_signature, t0);
  tr.record(a, violation::bad_signature, t0 + 10min);
  CHECK(tr.count(a, t0 + 1h - 1ns) == 2);
  CHECK(tr.count(a, t0 + 1h) == 1);
  // The third one, at the instant the first expires, makes two: no ban.
  CHECK_FALSE(tr.record(a, violation::bad_signature, t0 + 1h));
  // One nanosecond earlier it would have been three.
  violation_tracker tr2;
  tr2.record(a, violation::bad_signature, t0);
  tr2.record(a, violation::bad_signature, t0 + 10min);
  CHECK(tr2.record(a, violation::bad_signature, t0 + 1h - 1ns)
        == std::chrono::seconds{5min});
}

TEST_CASE("escalation after a ban: counts keep their one-hour window") {
  violation_tracker tr;
  auto a = ip("1.2.3.4");
  auto t = t0;
  CHECK_FALSE(tr.record(a, violation::flood, t));
  CHECK_FALSE(tr.record(a, violation::flood, t));
  CHECK(tr.record(a, violation::flood, t) == std::chrono::seconds{5min});
  // The 5-minute ban ends; the 4th violation within the hour bans nothing.
  t += 6min;
  CHECK_FALSE(tr.record(a, violation::flood, t));
  // The 5th bans for an hour.
  CHECK(tr.record(a, violation::flood, t + 1min) == std::chrono::seconds{1h});
  // After that hour every violation has aged out: escalation starts over.
  t += 1min + 1h;
  CHECK(tr.count(a, t) == 0);
  CHECK_FALSE(tr.record(a, violation::flood, t));
  CHECK_FALSE(tr.record(a, violation::flood, t));
  CHECK(tr.record(a, violation::flood, t) == std::chrono::seconds{5min});
}

TEST_CASE("expire forgets old violations and empty addresses") {
  violation_tracker tr;
  tr.record(ip("1.1.1.1"), violation::flood, t0);
  tr.record(ip("2.2.2.2"), violation::flood, t0 + 30min);
  tr.expire(t0 + 1h - 1ns);
  CHECK(tr.size() == 2);
  tr.expire(t0 + 1h);
  CHECK(tr.size() == 1);
  CHECK(tr.count(ip("1.1.1.1"), t0 + 1h) == 0);
  tr.expire(t0 + 90min);
  CHECK(tr.size() == 0);
}

TEST_CASE("next_expiry is when the oldest violation leaves the window") {
  violation_tracker tr;
  CHECK_FALSE(tr.next_expiry());
  tr.record(ip("2.2.2.2"), violation::flood, t0 + 30min);
  tr.record(ip("1.1.1.1"), violation::flood, t0);
  tr.record(ip("1.1.1.1"), violation::flood, t0 + 10min);
  CHECK(tr.next_expiry() == t0 + 1h);
  tr.expire(t0 + 1h);
  CHECK(tr.next_expiry() == t0 + 70min);
  tr.expire(t0 + 70min);
  CHECK(tr.next_expiry() == t0 + 90min);
  tr.expire(t0 + 90min);
  CHECK_FALSE(tr.next_expiry());
}

TEST_CASE("the number of tracked addresses is bounded") {
  violation_tracker tr({default_ban_thresholds.begin(),
                        default_ban_thresholds.end()},
                       violation_window, 3);
  tr.record(ip("1.1.1.1"), violation::flood, t0);
  tr.record(ip("2.2.2.2"), violation::flood, t0 + 1s);
  tr.record(ip("3.3.3.3"), violation::flood, t0 + 2s);
  tr.record(ip("1.1.1.1"), violation::flood, t0 + 3s); // 1.1.1.1 is now newest
  tr.record(ip("4.4.4.4"), violation::flood, t0 + 4s);
  CHECK(tr.size() == 3);
  CHECK(tr.count(ip("2.2.2.2"), t0 + 4s) == 0); // evicted: oldest latest
  CHECK(tr.count(ip("1.1.1.1"), t0 + 4s) == 2);
  // Expired entries go first, before anyone is evicted.
  tr.record(ip("5.5.5.5"), violation::flood, t0 + 1h + 2s);
  CHECK(tr.count(ip("4.4.4.4"), t0 + 1h + 2s) == 1);
  CHECK(tr.count(ip("1.1.1.1"), t0 + 1h + 2s) == 1);
}

TEST_CASE("custom thresholds and none at all") {
  violation_tracker one({{1, std::chrono::seconds{60}}});
  CHECK(one.record(ip("1.1.1.1"), violation::flood, t0)
        == std::chrono::seconds{60});
  CHECK(one.record(ip("1.1.1.1"), violation::flood, t0)
        == std::chrono::seconds{60});
  violation_tracker none(std::vector<ban_threshold>{});
  CHECK_FALSE(none.record(ip("1.1.1.1"), violation::flood, t0));
}
