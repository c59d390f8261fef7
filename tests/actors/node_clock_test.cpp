// The node's clock: the machine's clocks, or the actor system's clock that
// CAF's test coordinator moves only when a test advances it.

#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include "actors/node_clock.hpp"
#include "fixture.hpp"

using namespace std::chrono_literals;
using namespace timecoin;

namespace {

/// Lets `d` of real time pass, polling the machine's steady clock.
void let_real_time_pass(std::chrono::nanoseconds d) {
  auto end = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < end)
    std::this_thread::yield();
}

} // namespace

TEST_CASE("the real clock advances and tells unix time") {
  auto clock = real_clock();
  CHECK(clock == real_clock()); // one shared instance
  auto t0 = clock->now();
  let_real_time_pass(2ms);
  CHECK(clock->now() > t0);
  using std::chrono::system_clock;
  auto before = std::chrono::duration_cast<std::chrono::seconds>(
                  system_clock::now().time_since_epoch())
                  .count();
  auto unix = clock->unix_now();
  auto after = std::chrono::duration_cast<std::chrono::seconds>(
                 system_clock::now().time_since_epoch())
                 .count();
  CHECK(unix >= before);
  CHECK(unix <= after);
}

TEST_CASE("the actor system's clock follows the test coordinator") {
  test::net_fixture f;
  constexpr int64_t start = 1'800'000'000;
  auto clock = actor_system_clock(f.sys, start);
  auto t0 = clock->now();
  CHECK(t0 == f.sched.clock().current_time);
  CHECK(clock->unix_now() == start);
  // Virtual time stands still until the test moves it.
  let_real_time_pass(2ms);
  CHECK(clock->now() == t0);
  f.sched.clock().advance_time(999ms);
  CHECK(clock->now() == t0 + 999ms);
  CHECK(clock->unix_now() == start); // whole seconds only
  f.sched.clock().advance_time(1ms);
  CHECK(clock->unix_now() == start + 1);
  f.sched.clock().advance_time(3600s);
  CHECK(clock->now() == f.sched.clock().current_time);
  CHECK(clock->unix_now() == start + 3601);
}
