#pragma once

// The re-dial schedule of the supervisor (pure, no CAF).

#include <chrono>
#include <cstdint>
#include <random>

namespace timecoin {

/// First re-dial delay after a lost or failed connection.
constexpr auto backoff_initial = std::chrono::seconds{1};
/// Delays double up to this cap; `addnode` peers are retried at the cap
/// forever.
constexpr auto backoff_cap = std::chrono::seconds{32};
/// Each delay is randomised by ±20 % so that many nodes do not re-dial in step.
constexpr double backoff_jitter = 0.2;
/// A connection that lasted this long resets the schedule to its start.
constexpr auto backoff_stable_connection = std::chrono::seconds{60};

/// Exponential backoff: 1, 2, 4, 8, 16, 32, 32, ... seconds, each ±20 %.
class backoff {
public:
  backoff() : rng_(std::random_device{}()) {}
  explicit backoff(uint64_t seed) : rng_(seed) {}

  /// The delay before the next attempt; advances the schedule.
  std::chrono::milliseconds next();

  /// The un-jittered delay of attempt `n` (0-based).
  static std::chrono::milliseconds base_delay(uint32_t n);

  /// Back to the first delay (after a connection that lasted).
  void reset() { attempt_ = 0; }

  /// Attempts scheduled since the last reset.
  uint32_t attempts() const { return attempt_; }

private:
  std::mt19937_64 rng_;
  uint32_t attempt_ = 0;
};

} // namespace timecoin
