#include "security/token_bucket.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <optional>

using namespace timecoin::security;
using namespace std::chrono_literals;

namespace {

const token_bucket::time_point t0 = token_bucket::clock::now();

/// Takes single tokens until one is refused; returns how many were taken.
int drain(token_bucket& b, token_bucket::time_point now) {
  int n = 0;
  while (b.try_consume(now))
    ++n;
  return n;
}

} // namespace

TEST_CASE("a new bucket is full and holds twice the rate by default") {
  token_bucket b(default_max_requests_per_second);
  CHECK(b.rate_per_second() == 1000);
  CHECK(b.burst() == 2000);
  CHECK(drain(b, t0) == 2000);
  CHECK_FALSE(b.try_consume(t0));
  token_bucket c(10, 15);
  CHECK(c.burst() == 15);
  CHECK(drain(c, t0) == 15);
}

TEST_CASE("refill is exact, fractional and capped at the burst") {
  token_bucket b(1000);
  drain(b, t0);
  CHECK(b.available(t0) == 0);
  // 1 ms refills exactly one token; half a millisecond half of one.
  CHECK_FALSE(b.try_consume(t0 + 500us));
  CHECK(b.available(t0 + 500us) == doctest::Approx(0.5));
  CHECK(b.try_consume(t0 + 1ms));
  CHECK_FALSE(b.try_consume(t0 + 1ms));
  // One nanosecond short of a token is not a token.
  CHECK_FALSE(b.try_consume(t0 + 2ms - 1ns));
  CHECK(b.try_consume(t0 + 2ms));
  // A second refills 1000; an hour refills only the burst.
  CHECK(drain(b, t0 + 2ms + 1s) == 1000);
  CHECK(drain(b, t0 + 1h) == 2000);
}

TEST_CASE("many small refills add up with no drift") {
  token_bucket b(1000);
  drain(b, t0);
  // A peer sending exactly at the rate, one frame every millisecond, for ten
  // minutes: never refused, and nothing left over or lacking at the end.
  auto t = t0;
  int refused = 0;
  for (int i = 0; i < 600'000; ++i) {
    t += 1ms;
    refused += b.try_consume(t) ? 0 : 1;
  }
  CHECK(refused == 0);
  CHECK(b.available(t) == 0);
  // Odd steps: 7 tokens every 7 ms at 1000/s over a long run.
  token_bucket c(1000);
  drain(c, t0);
  auto u = t0;
  for (int i = 0; i < 100'000; ++i) {
    u += 7ms;
    refused += c.try_consume(u, 7) ? 0 : 1;
  }
  CHECK(refused == 0);
  CHECK(c.available(u) == 0);
}

TEST_CASE("a long idle neither overflows nor goes past the burst") {
  token_bucket big(UINT32_MAX, UINT32_MAX); // clamped to max_tokens
  CHECK(big.burst() == token_bucket::max_tokens);
  CHECK(big.try_consume(t0, 1e9));
  CHECK_FALSE(big.try_consume(t0, 1));
  auto far = token_bucket::time_point::max();
  CHECK(big.available(far) == 1e9);
  CHECK(big.try_consume(far, 1e9));

  token_bucket b(1000);
  drain(b, token_bucket::time_point{});
  CHECK(b.available(token_bucket::time_point::max()) == 2000);
}

TEST_CASE("a clock going backwards refills nothing") {
  token_bucket b(1000);
  drain(b, t0 + 10s);
  CHECK_FALSE(b.try_consume(t0));
  CHECK(b.available(t0 + 5s) == 0);
  // Time resumes from the latest point seen, not from the earlier one.
  CHECK(b.available(t0 + 10s + 1ms) == doctest::Approx(1));
}

TEST_CASE("costs: fractional, zero, too large, hostile") {
  token_bucket b(10);
  CHECK(b.try_consume(t0, 0.5));
  CHECK(b.available(t0) == doctest::Approx(19.5));
  CHECK(b.try_consume(t0, 0));
  CHECK_FALSE(b.try_consume(t0, 21));
  CHECK_FALSE(b.try_consume(t0, -1));
  CHECK_FALSE(b.try_consume(t0, std::nan("")));
  CHECK_FALSE(b.try_consume(t0, std::numeric_limits<double>::infinity()));
  CHECK_FALSE(b.try_consume(t0, 1e300));
  CHECK(b.available(t0) == doctest::Approx(19.5));
  // Tiny costs are rounded up to a nano-token, never free.
  token_bucket c(0, 1);
  CHECK(c.try_consume(t0, 1e-12));
  CHECK(c.available(t0) < 1);
  CHECK_FALSE(c.try_consume(t0, 1));
  CHECK(c.try_consume(t0, 0.5));
  CHECK_FALSE(c.try_consume(t0, 0.5)); // a nano-token short
  CHECK(c.available(t0) == doctest::Approx(0.5));
}

TEST_CASE("a zero rate never refills") {
  token_bucket b(0, 5);
  CHECK(drain(b, t0) == 5);
  CHECK_FALSE(b.try_consume(t0 + 24h));
  token_bucket none(0);
  CHECK_FALSE(none.try_consume(t0));
  CHECK(none.try_consume(t0, 0));
}

TEST_CASE("full() tells when a bucket is as good as new") {
  token_bucket b(100);
  CHECK(b.full(t0));
  CHECK(b.try_consume(t0, 50));
  CHECK_FALSE(b.full(t0 + 499ms));
  CHECK(b.full(t0 + 500ms));
}

TEST_CASE("set_rate refills at the old rate, then cuts to the new burst") {
  token_bucket b(100);
  drain(b, t0);
  b.set_rate(t0 + 1s, 1000); // 100 tokens accrued at the old rate
  CHECK(b.rate_per_second() == 1000);
  CHECK(b.burst() == 2000);
  CHECK(b.available(t0 + 1s) == 100);
  CHECK(b.available(t0 + 1s + 1ms) == doctest::Approx(101));
  b.set_rate(t0 + 10s, 10);
  CHECK(b.available(t0 + 10s) == 20);
}

TEST_CASE("adaptive gossip rate: +10 % of base per masternode, at most 4x") {
  CHECK(adaptive_gossip_rate(1000, 0) == 1000);
  CHECK(adaptive_gossip_rate(1000, 1) == 1100);
  CHECK(adaptive_gossip_rate(1000, 10) == 2000);
  CHECK(adaptive_gossip_rate(1000, 25) == 3500);
  CHECK(adaptive_gossip_rate(1000, 30) == 4000);
  CHECK(adaptive_gossip_rate(1000, 31) == 4000);
  CHECK(adaptive_gossip_rate(1000, UINT32_MAX) == 4000);
  CHECK(adaptive_gossip_rate(7, 5) == 10); // 7 * 15 / 10, rounded down
  CHECK(adaptive_gossip_rate(0, 100) == 0);
  CHECK(adaptive_gossip_rate(UINT32_MAX, UINT32_MAX) == UINT32_MAX);
  for (uint32_t m = 0; m < 100; ++m)
    CHECK(adaptive_gossip_rate(1000, m + 1) >= adaptive_gossip_rate(1000, m));
}

TEST_CASE("drop_streak: 500 drops without a quiet second disconnect") {
  drop_streak s;
  auto t = t0;
  for (uint32_t i = 1; i < max_consecutive_drops; ++i) {
    t += 1ms;
    REQUIRE_FALSE(s.on_drop(t));
  }
  CHECK(s.current(t) == max_consecutive_drops - 1);
  // Just under a second of quiet keeps the streak; the drop continues it.
  t += drop_streak_quiet_period - 1ns;
  CHECK(s.current(t) == max_consecutive_drops - 1);
  CHECK(s.on_drop(t));
  CHECK(s.on_drop(t + 1ms)); // and stays so
  // Exactly a quiet second ends it.
  t += 1ms + drop_streak_quiet_period;
  CHECK(s.current(t) == 0);
  CHECK_FALSE(s.on_drop(t));
  CHECK(s.current(t) == 1);
  CHECK(s.total() == max_consecutive_drops + 2);
}

namespace {

/// Feeds frames every `gap` through a default bucket and streak; returns the
/// time until disconnection, or none within `limit`.
std::optional<std::chrono::nanoseconds> flood(std::chrono::nanoseconds gap,
                                              std::chrono::nanoseconds limit) {
  token_bucket b(default_max_requests_per_second);
  drop_streak s;
  for (auto t = t0; t - t0 < limit; t += gap)
    if (!b.try_consume(t) && s.on_drop(t))
      return t - t0;
  return std::nullopt;
}

} // namespace

TEST_CASE("a flooding peer is disconnected, a bursting one is not") {
  // Ten times the rate: the 2000 burst, then 9 of 10 dropped.
  auto ten_x = flood(100us, 10s);
  REQUIRE(ten_x.has_value());
  CHECK(*ten_x < 300ms);
  // 1 % over the rate: disconnected within about a minute.
  auto one_pct = flood(std::chrono::nanoseconds{990'099}, 5min);
  REQUIRE(one_pct.has_value());
  CHECK(*one_pct > 30s);
  CHECK(*one_pct < 5min);
  // Exactly at the rate: never.
  CHECK_FALSE(flood(1ms, 5min).has_value());
}

TEST_CASE("address_buckets share one budget per address and forget full ones") {
  auto a = *ip_address::parse("10.0.0.1");
  auto b = *ip_address::parse("10.0.0.2");
  address_buckets buckets(10); // burst 20
  for (int i = 0; i < 20; ++i)
    REQUIRE(buckets.try_consume(a, t0));
  CHECK_FALSE(buckets.try_consume(a, t0));
  CHECK(buckets.try_consume(b, t0));
  CHECK(buckets.size() == 2);
  CHECK(buckets.expire(t0 + 1s) == 1); // b is full again, a half
  CHECK(buckets.size() == 1);
  CHECK(buckets.expire(t0 + 2s) == 1);
  CHECK(buckets.size() == 0);
  CHECK(buckets.try_consume(a, t0 + 2s));
}
