#pragma once

// The benchmarks' scale: libsodium's crypto_sign_verify_detached rate on
// this machine, measured in the same run as the node.

#include <chrono>
#include <vector>

#include "protocol/types.hpp"

namespace timecoin::bench {

/// One Ed25519 signature to check: `sig` (64 B) by `pk` (32 B) over `bytes`.
struct signed_bytes {
  proto::bytes bytes;
  proto::bytes sig;
  proto::bytes pk;
};

/// Verifications per second, measured by `measure_verify`.
struct verify_rate {
  double cpu = 0;    ///< per CPU-second of the verifying threads: one core
  double wall = 0;   ///< per wall second, all threads together
  double others = 0; ///< cores other processes used meanwhile
  /// Microseconds of CPU time one verification takes.
  double us() const { return 1e6 / cpu; }
};

/// `threads` threads verifying `in` round-robin at once for about
/// `duration`. Throws `std::runtime_error` if a signature does not verify.
verify_rate measure_verify(const std::vector<signed_bytes>& in,
                           unsigned threads,
                           std::chrono::milliseconds duration);

} // namespace timecoin::bench
