#include "security/bloom.hpp"

#include <doctest/doctest.h>

#include <functional>
#include <limits>
#include <queue>
#include <random>
#include <stdexcept>
#include <utility>
#include <vector>

using namespace timecoin;
using namespace timecoin::security;

namespace {

constexpr uint32_t max_age = 300;
constexpr int64_t t0 = 1767225600;
const bloom_key test_key{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

/// Uniformly random ids from a fixed seed, like message ids.
struct id_source {
  std::mt19937_64 rng;
  explicit id_source(uint64_t seed) : rng(seed) {}
  proto::hash256 next() {
    proto::hash256 id;
    for (std::size_t i = 0; i < id.size(); i += 8) {
      auto v = rng();
      for (std::size_t j = 0; j < 8; ++j)
        id[i + j] = static_cast<uint8_t>(v >> (8 * j));
    }
    return id;
  }
};

bloom_params small(std::size_t capacity, std::size_t max_generations) {
  bloom_params p;
  p.capacity_per_generation = capacity;
  p.max_age = std::chrono::seconds{max_age};
  p.grace = std::chrono::seconds{0};
  p.max_generations = max_generations;
  return p;
}

/// Default sizes, no grace: windows end exactly where docs/PROTOCOL.md,
/// "Gossip" says.
bloom_params exact() {
  bloom_params p;
  p.max_age = std::chrono::seconds{max_age};
  p.grace = std::chrono::seconds{0};
  return p;
}

/// False positives among `queries` fresh ids after `inserted` ids.
double measured_fp(rotating_bloom& bloom, std::size_t inserted,
                   std::size_t queries) {
  id_source in(1), out(2);
  for (std::size_t i = 0; i < inserted; ++i)
    bloom.insert_if_new(in.next(), t0, t0);
  std::size_t hits = 0;
  for (std::size_t i = 0; i < queries; ++i)
    hits += bloom.contains(out.next()) ? 1 : 0;
  return static_cast<double>(hits) / static_cast<double>(queries);
}

} // namespace

TEST_CASE("bloom sizing follows the formulas") {
  rotating_bloom bloom(bloom_params{}, test_key);
  // -n ln(p/2) / ln2^2 = 2,060,421 bits for n = 100,000 and p = 1e-4,
  // rounded up to 2^21; k = m/n ln 2 = 14.5 -> 14 or 15 (equal rates).
  CHECK(bloom.bits_per_generation() == (std::size_t{1} << 21));
  CHECK(bloom.hash_count() >= 14);
  CHECK(bloom.hash_count() <= 15);
  CHECK(bloom.predicted_fp_rate(bloom_default_capacity) <= 0.5e-4);
  auto s = bloom.stats();
  CHECK(s.generations == 1);
  CHECK(s.memory_bytes == 256 * 1024);
}

TEST_CASE("bloom rejects parameters out of range") {
  auto with = [](auto change) {
    bloom_params p;
    change(p);
    return p;
  };
  CHECK_THROWS_AS(rotating_bloom(
                    with([](auto& p) { p.capacity_per_generation = 0; })),
                  std::invalid_argument);
  CHECK_THROWS_AS(rotating_bloom(with([](auto& p) { p.fp_rate = 0; })),
                  std::invalid_argument);
  CHECK_THROWS_AS(rotating_bloom(with([](auto& p) { p.fp_rate = 1; })),
                  std::invalid_argument);
  CHECK_THROWS_AS(rotating_bloom(
                    with([](auto& p) { p.max_age = std::chrono::seconds{0}; })),
                  std::invalid_argument);
  CHECK_THROWS_AS(rotating_bloom(
                    with([](auto& p) { p.grace = std::chrono::seconds{-1}; })),
                  std::invalid_argument);
  CHECK_THROWS_AS(rotating_bloom(with([](auto& p) { p.max_generations = 1; })),
                  std::invalid_argument);
}

TEST_CASE("bloom: insert_if_new reports new ids once") {
  rotating_bloom bloom(bloom_params{}, test_key);
  id_source ids(7);
  auto a = ids.next();
  auto b = ids.next();
  CHECK_FALSE(bloom.contains(a));
  CHECK(bloom.insert_if_new(a, t0, t0));
  CHECK(bloom.contains(a));
  CHECK_FALSE(bloom.insert_if_new(a, t0, t0 + 1));
  CHECK(bloom.insert_if_new(b, t0, t0 + 1));
  auto s = bloom.stats();
  CHECK(s.inserted == 2);
  CHECK(s.duplicates == 1);
  CHECK(s.open_count == 2);
}

TEST_CASE("bloom: no false negatives over 300,000 ids in one window") {
  rotating_bloom bloom(bloom_params{}, test_key);
  id_source ids(11);
  std::vector<proto::hash256> all;
  all.reserve(300'000);
  for (std::size_t i = 0; i < 300'000; ++i) {
    all.push_back(ids.next());
    // Spread over the window, never past it.
    auto now = t0 + static_cast<int64_t>(i / 1000);
    bloom.insert_if_new(all.back(), now, now);
  }
  auto now = t0 + 299;
  bloom.tick(now);
  std::size_t missing = 0;
  for (const auto& id : all)
    missing += bloom.contains(id) ? 0 : 1;
  CHECK(missing == 0);
  CHECK(bloom.stats().count_rotations == 2);
  CHECK(bloom.stats().evicted_live == 0);
}

TEST_CASE("bloom: measured false-positive rate meets the target") {
  constexpr std::size_t queries = 1'000'000;
  // Slack for sampling noise: the expected counts are about 42 and 84.
  constexpr double slack = 1.5;
  SUBCASE("one full generation, keyed") {
    rotating_bloom bloom(bloom_params{}, test_key);
    double fp = measured_fp(bloom, bloom_default_capacity, queries);
    MESSAGE("fp rate, one generation: " << fp);
    CHECK(fp <= bloom_default_fp_rate / 2 * slack);
  }
  SUBCASE("two full generations (steady state), keyed") {
    rotating_bloom bloom(bloom_params{}, test_key);
    double fp = measured_fp(bloom, 2 * bloom_default_capacity, queries);
    MESSAGE("fp rate, two generations: " << fp);
    CHECK(bloom.stats().generations == 2);
    CHECK(fp <= bloom_default_fp_rate * slack);
  }
  SUBCASE("two full generations, unkeyed (the id's own bytes)") {
    bloom_params p;
    p.keyed = false;
    rotating_bloom bloom(p, test_key);
    double fp = measured_fp(bloom, 2 * bloom_default_capacity, queries);
    MESSAGE("fp rate, two generations, unkeyed: " << fp);
    CHECK(fp <= bloom_default_fp_rate * slack);
  }
}

TEST_CASE("bloom: an id is remembered for its whole window, any pattern") {
  // Small generations so that rotations on count happen often. Each id is
  // checked at the last step at which a replay still passes the timestamp
  // check (clock <= T + max_age): bits are only ever set and generations
  // only dropped, so an id found then was found at every step before.
  rotating_bloom bloom(small(1000, 1024), test_key);
  id_source ids(23);
  std::mt19937_64 rng(99);
  using recorded = std::pair<int64_t, proto::hash256>; // last second, id
  std::priority_queue<recorded, std::vector<recorded>, std::greater<>> live;
  std::size_t checked = 0, missing = 0;
  int64_t now = t0;
  for (int step = 0; step < 3000; ++step) {
    // Bursts: mostly a few ids a step, sometimes a flood.
    std::size_t burst = rng() % 50 == 0 ? 2000 : rng() % 8;
    for (std::size_t i = 0; i < burst; ++i) {
      // Timestamps anywhere inside the accepted window.
      auto ts = now - max_age + static_cast<int64_t>(rng() % (2 * max_age + 1));
      auto id = ids.next();
      if (bloom.insert_if_new(id, ts, now))
        live.emplace(ts + max_age, id);
    }
    bloom.tick(now);
    // 0..2 s per step; now and then a quiet spell of up to 400 s.
    auto next
      = now + static_cast<int64_t>(rng() % 100 == 0 ? rng() % 400 : rng() % 3);
    while (!live.empty() && live.top().first < next) {
      missing += bloom.contains(live.top().second) ? 0 : 1;
      ++checked;
      live.pop();
    }
    now = next;
  }
  CHECK(missing == 0);
  CHECK(checked > 50'000);
  auto s = bloom.stats();
  MESSAGE("generations at the end: " << s.generations);
  CHECK(s.evicted_live == 0);
  CHECK(s.count_rotations > 50);
  CHECK(s.time_rotations > 0);
  CHECK(s.expired_dropped > 0);
}

TEST_CASE("bloom: a flood of 1M ids in one window forgets nothing young") {
  rotating_bloom bloom(bloom_params{}, test_key);
  id_source ids(31);
  auto first = ids.next();
  REQUIRE(bloom.insert_if_new(first, t0, t0));
  id_source flood(32);
  for (std::size_t i = 0; i < 1'000'000; ++i) {
    auto now = t0 + static_cast<int64_t>(i / 4000); // within 250 s
    bloom.insert_if_new(flood.next(), now, now);
  }
  bloom.tick(t0 + max_age);
  CHECK(bloom.contains(first));
  id_source again(32);
  std::size_t missing = 0;
  for (std::size_t i = 0; i < 1'000'000; ++i)
    missing += bloom.contains(again.next()) ? 0 : 1;
  CHECK(missing == 0);
  auto s = bloom.stats();
  CHECK(s.generations >= 10);
  CHECK(s.evicted_live == 0);
  // Once the window (and the grace) has passed, only the open generation
  // remains.
  bloom.tick(t0 + 250 + max_age + bloom_default_grace.count() + 1);
  CHECK_FALSE(bloom.contains(first));
  CHECK(bloom.stats().generations <= 2);
}

TEST_CASE("bloom: quiet traffic forgets an id after two windows") {
  rotating_bloom bloom(exact(), test_key);
  id_source ids(41);
  auto id = ids.next();
  REQUIRE(bloom.insert_if_new(id, t0, t0));
  int64_t now = t0;
  for (; now <= t0 + max_age; ++now) {
    bloom.tick(now);
    REQUIRE(bloom.contains(id));
    // A trickle of other ids, timestamped when they arrive.
    if (now % 10 == 0)
      bloom.insert_if_new(ids.next(), now, now);
  }
  for (; now <= t0 + 2 * max_age; ++now) {
    bloom.tick(now);
    if (now % 10 == 0)
      bloom.insert_if_new(ids.next(), now, now);
  }
  CHECK_FALSE(bloom.contains(id));
  auto s = bloom.stats();
  CHECK(s.generations <= 3);
  CHECK(s.time_rotations >= 1);
  CHECK(s.count_rotations == 0);
}

TEST_CASE("bloom: the grace keeps a window open a little longer") {
  // The registry may see an envelope a moment after a verifier checked its
  // timestamp; the grace covers that.
  rotating_bloom bloom(bloom_params{}, test_key);
  id_source ids(43);
  auto id = ids.next();
  REQUIRE(bloom.insert_if_new(id, t0, t0));
  bloom.tick(t0 + max_age); // closes the generation on time
  const auto grace = bloom_default_grace.count();
  bloom.tick(t0 + max_age + grace);
  CHECK(bloom.contains(id));
  bloom.tick(t0 + max_age + grace + 1);
  CHECK_FALSE(bloom.contains(id));
}

TEST_CASE("bloom: the memory cap drops the oldest live generation") {
  rotating_bloom bloom(small(1000, 4), test_key);
  id_source ids(51);
  std::vector<proto::hash256> all;
  for (std::size_t i = 0; i < 10'000; ++i) {
    all.push_back(ids.next());
    bloom.insert_if_new(all.back(), t0, t0);
  }
  auto s = bloom.stats();
  CHECK(s.generations == 4);
  CHECK(s.memory_bytes == 4 * bloom.bits_per_generation() / 8);
  CHECK(s.evicted_live == 6);
  // The newest 3,000 (three full generations and the open one) remain.
  for (std::size_t i = 7'000; i < all.size(); ++i)
    REQUIRE(bloom.contains(all[i]));
  std::size_t old_found = 0;
  for (std::size_t i = 0; i < 6'000; ++i)
    old_found += bloom.contains(all[i]) ? 1 : 0;
  CHECK(old_found < 10); // only false positives
}

TEST_CASE("bloom: hostile timestamps and clocks") {
  rotating_bloom bloom(small(1000, 8), test_key);
  id_source ids(61);
  constexpr auto lo = std::numeric_limits<int64_t>::min();
  constexpr auto hi = std::numeric_limits<int64_t>::max();
  auto future = ids.next();
  SUBCASE("a far-future timestamp is clamped to now + max_age") {
    REQUIRE(bloom.insert_if_new(future, hi, t0));
    bloom.tick(t0 + max_age); // closes the generation on time
    bloom.tick(t0 + 2 * max_age);
    CHECK(bloom.contains(future));
    bloom.tick(t0 + 2 * max_age + 1);
    CHECK_FALSE(bloom.contains(future));
  }
  SUBCASE("extreme values do not overflow") {
    CHECK(bloom.insert_if_new(ids.next(), lo, lo));
    CHECK(bloom.insert_if_new(ids.next(), hi, hi));
    CHECK(bloom.insert_if_new(ids.next(), lo, hi));
    CHECK(bloom.insert_if_new(ids.next(), hi, lo));
    bloom.tick(lo);
    bloom.tick(hi);
  }
  SUBCASE("a clock stepping back keeps generations") {
    REQUIRE(bloom.insert_if_new(future, t0, t0));
    bloom.tick(t0 - 10'000);
    bloom.tick(t0 - 20'000);
    CHECK(bloom.contains(future));
    CHECK(bloom.stats().generations == 1);
  }
}

TEST_CASE("bloom: keyed indices resist ids ground to collide") {
  // Two ids that agree in the bytes the unkeyed filter reads (0..15) share
  // all their bits there: one hides the other. With a key they do not.
  proto::hash256 a{};
  proto::hash256 b{};
  b[31] = 1;
  bloom_params raw;
  raw.keyed = false;
  rotating_bloom unkeyed(raw, test_key);
  REQUIRE(unkeyed.insert_if_new(a, t0, t0));
  CHECK_FALSE(unkeyed.insert_if_new(b, t0, t0));

  rotating_bloom keyed(bloom_params{}, test_key);
  REQUIRE(keyed.insert_if_new(a, t0, t0));
  CHECK(keyed.insert_if_new(b, t0, t0));
}
