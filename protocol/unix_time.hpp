#pragma once

// Wall-clock time as the protocol counts it: whole seconds since the unix
// epoch (HELLO timestamps, gossip envelopes, ban expiries).

#include <chrono>
#include <cstdint>

namespace timecoin {

/// The unix time now, in seconds.
inline int64_t unix_now() {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

} // namespace timecoin
