#pragma once

// The one clock a node reads time from: the machine's clocks for a node that
// runs alone, the actor system's clock for nodes simulated together in
// virtual time (CAF's test coordinator).

#include <chrono>
#include <cstdint>
#include <memory>

namespace caf {
class actor_system;
} // namespace caf

namespace timecoin {

/// Where a node's actors, and the plain code they call, read the time. Every
/// reading of a node goes through its clock, so that a simulation that
/// controls the clock controls every timer, timeout and timestamp.
class node_clock {
public:
  using time_point = std::chrono::steady_clock::time_point;

  virtual ~node_clock() = default;

  /// Monotonic time: timers, timeouts, rate limits. Never goes back.
  virtual time_point now() const = 0;

  /// Wall time in whole seconds since the unix epoch: protocol timestamps,
  /// ban expiries, the ages of addresses.
  virtual int64_t unix_now() const = 0;
};

/// The machine's clocks: `now()` from `std::chrono::steady_clock`,
/// `unix_now()` from `std::chrono::system_clock`. One shared instance.
std::shared_ptr<const node_clock> real_clock();

/// The clock of `sys` (virtual under CAF's test coordinator, which moves only
/// when the test advances it): `now()` is `sys.clock().now()`, `unix_now()`
/// is `unix_at_start` plus the whole seconds `sys.clock()` has advanced since
/// this call. It refers to `sys`, which must outlive it.
std::shared_ptr<const node_clock> actor_system_clock(caf::actor_system& sys,
                                                     int64_t unix_at_start);

} // namespace timecoin
