#include <doctest/doctest.h>

#include "actors/backoff.hpp"

using namespace std::chrono_literals;
using timecoin::backoff;

TEST_CASE("backoff doubles from 1 s and is capped at 32 s") {
  CHECK(backoff::base_delay(0) == 1000ms);
  CHECK(backoff::base_delay(1) == 2000ms);
  CHECK(backoff::base_delay(2) == 4000ms);
  CHECK(backoff::base_delay(3) == 8000ms);
  CHECK(backoff::base_delay(4) == 16000ms);
  CHECK(backoff::base_delay(5) == 32000ms);
  CHECK(backoff::base_delay(6) == 32000ms);
  CHECK(backoff::base_delay(1000) == 32000ms);
}

TEST_CASE("backoff delays stay within 20 % of the schedule") {
  for (uint64_t seed = 0; seed < 50; ++seed) {
    backoff b{seed};
    for (uint32_t n = 0; n < 12; ++n) {
      auto base = backoff::base_delay(n).count();
      auto d = b.next().count();
      CHECK(d >= base * 8 / 10);
      CHECK(d <= base * 12 / 10);
    }
  }
}

TEST_CASE("backoff jitter actually varies the delays") {
  backoff a{1};
  backoff b{2};
  bool differ = false;
  for (int i = 0; i < 6; ++i)
    differ |= a.next() != b.next();
  CHECK(differ);
}

TEST_CASE("backoff reset starts the schedule again") {
  backoff b{7};
  for (int i = 0; i < 6; ++i)
    b.next();
  CHECK(b.attempts() == 6);
  b.reset();
  CHECK(b.attempts() == 0);
  auto d = b.next();
  CHECK(d >= 800ms);
  CHECK(d <= 1200ms);
}
