// The allowance of unsolicited addresses a connection keeps for its peer:
// a burst of 100, then one every 10 seconds.

#include <doctest/doctest.h>

#include "actors/discovery.hpp"

using namespace timecoin;

TEST_CASE("address allowance: a burst of 100, then one per 10 s") {
  address_allowance al;
  CHECK(al.take(60, 0) == 60);
  CHECK(al.take(60, 0) == 40);
  CHECK(al.take(1000, 0) == 0);
  CHECK(al.take(5, 9'999) == 0);
  CHECK(al.take(5, 10'000) == 1);
  CHECK(al.take(5, 60'000) == 5);
  // A long silence refills the burst, no more.
  CHECK(al.take(1000, 100'000'000) == 100);
  // A clock that goes back grants nothing extra.
  CHECK(al.take(10, 50'000'000) == 0);
}
