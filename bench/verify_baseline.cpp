#include "bench/verify_baseline.hpp"

#include <sodium.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <stdexcept>
#include <thread>

#include "bench/cpu_usage.hpp"

namespace timecoin::bench {

namespace {

/// What one verifying thread did.
struct verify_count {
  uint64_t ok = 0;
  uint64_t failed = 0;
  double cpu_seconds = 0;
};

/// Verifies `in` round-robin until `stop`.
verify_count verify_loop(const std::vector<signed_bytes>& in,
                         const std::atomic<bool>& stop) {
  verify_count c;
  auto cpu0 = own_cpu_seconds();
  std::size_t i = 0;
  while (!stop.load(std::memory_order_relaxed)) {
    const auto& x = in[i];
    if (crypto_sign_verify_detached(x.sig.data(), x.bytes.data(),
                                    x.bytes.size(), x.pk.data())
        == 0)
      ++c.ok;
    else
      ++c.failed;
    if (++i == in.size())
      i = 0;
  }
  c.cpu_seconds = own_cpu_seconds() - cpu0;
  return c;
}

} // namespace

verify_rate measure_verify(const std::vector<signed_bytes>& in,
                           unsigned threads,
                           std::chrono::milliseconds duration) {
  std::atomic<bool> stop{false};
  std::vector<verify_count> counts(threads);
  std::vector<std::thread> pool;
  auto machine0 = machine_busy_seconds();
  auto start = std::chrono::steady_clock::now();
  for (unsigned t = 0; t < threads; ++t)
    pool.emplace_back([&, t] { counts[t] = verify_loop(in, stop); });
  std::this_thread::sleep_for(duration);
  stop = true;
  for (auto& th : pool)
    th.join();
  auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now()
                                            - start)
                .count();
  auto busy = machine_busy_seconds() - machine0;
  verify_count total;
  for (const auto& c : counts) {
    total.ok += c.ok;
    total.failed += c.failed;
    total.cpu_seconds += c.cpu_seconds;
  }
  if (total.failed != 0)
    throw std::runtime_error("baseline: a signature did not verify");
  verify_rate r;
  r.wall = static_cast<double>(total.ok) / secs;
  r.cpu = static_cast<double>(total.ok) / total.cpu_seconds;
  r.others = std::max(0.0, (busy - total.cpu_seconds) / secs);
  return r;
}

} // namespace timecoin::bench
