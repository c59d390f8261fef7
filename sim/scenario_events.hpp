#pragma once

// Internal to sim/: reading one event of a scenario file.

#include <chrono>
#include <cstddef>

#include "protocol/result.hpp"
#include "sim/json_read.hpp"
#include "sim/scenario.hpp"

namespace timecoin::sim::detail {

/// Running totals while events are read, for the scenario-wide bounds.
struct event_totals {
  std::size_t messages = 0;
  std::size_t blocks = 0;
};

/// Reads `events[index]` of a scenario lasting `duration`, adding its
/// messages and blocks to `sum` and checking them against the limits.
result<event, scenario_error> read_event(const json& v, std::size_t index,
                                         std::chrono::microseconds duration,
                                         event_totals& sum);

} // namespace timecoin::sim::detail
