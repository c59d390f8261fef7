#pragma once

// What the throughput benchmark measures and how it prints it.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "protocol/messages.hpp"

namespace timecoin::bench {

using bench_clock = std::chrono::steady_clock;

/// The GOSSIP kind the benchmark sends (an application kind nobody acts on).
constexpr uint16_t bench_gossip_kind = 1024;

/// The unsigned GOSSIP message the benchmark moves: kind 1024 and
/// `payload_bytes` of payload.
proto::message bench_gossip(std::size_t payload_bytes);

/// One measured configuration: a line of the results table.
struct result_row {
  std::size_t payload_bytes = 0; ///< GOSSIP payload
  std::size_t frame_bytes = 0;   ///< whole frame: length prefix + msgpack
  std::string mode;
  uint64_t frames = 0; ///< frames received and accounted for
  double seconds = 0;
  /// Frames/s of the reference this row is compared to; 0: no ratio.
  double baseline_fps = 0;
  std::string note; ///< e.g. "timeout: partial"

  double frames_per_second() const;
  /// Frame bytes (plaintext, without TLS overhead) per second, in 10^6 B/s.
  double mb_per_second() const;
};

/// Prints `rows` as an aligned table to stdout.
void print_table(const std::vector<result_row>& rows);

} // namespace timecoin::bench
