#include "actors/backoff.hpp"

#include <algorithm>

namespace timecoin {

std::chrono::milliseconds backoff::base_delay(uint32_t n) {
  using std::chrono::milliseconds;
  auto cap = std::chrono::duration_cast<milliseconds>(backoff_cap);
  auto d = std::chrono::duration_cast<milliseconds>(backoff_initial);
  for (uint32_t i = 0; i < n && d < cap; ++i)
    d *= 2;
  return std::min(d, cap);
}

std::chrono::milliseconds backoff::next() {
  auto base = base_delay(attempt_);
  if (attempt_ < UINT32_MAX)
    ++attempt_;
  std::uniform_real_distribution<double> dist{1.0 - backoff_jitter,
                                              1.0 + backoff_jitter};
  auto ms = static_cast<double>(base.count()) * dist(rng_);
  return std::chrono::milliseconds{static_cast<int64_t>(ms)};
}

} // namespace timecoin
