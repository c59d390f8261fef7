#pragma once

// Bytes held for a fixed time before they go on, in order (pure, no CAF):
// the latency a real-time simulation adds to loopback sockets
// (`node_options::send_delay`).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

namespace timecoin {

/// A FIFO of (due time, bytes): every byte written at `t` is due at
/// `t + delay`, and leaves in the order written. The owner supplies the
/// time, and a timer for `next_due`.
class delay_line {
public:
  using time_point = std::chrono::steady_clock::time_point;

  explicit delay_line(std::chrono::microseconds delay) : delay_(delay) {}

  /// Holds `size` bytes written at `now`. Until `seal`, they and the bytes
  /// written after them form one batch, due at the first write's time plus
  /// the delay.
  void write(const uint8_t* data, std::size_t size, time_point now);
  /// Ends the open batch: later bytes start a batch of their own.
  void seal() { open_ = false; }
  /// The first batch if it is due at `now`, removed; else nothing.
  std::optional<std::vector<uint8_t>> pop_due(time_point now);
  /// Drops everything held.
  void clear();

  bool empty() const { return batches_.empty(); }
  /// Bytes held, not yet popped.
  std::size_t held_bytes() const { return held_; }
  /// When the first batch is due (only if not `empty`).
  time_point next_due() const { return batches_.front().due; }
  std::chrono::microseconds delay() const { return delay_; }

private:
  struct batch {
    time_point due;
    std::vector<uint8_t> bytes;
  };

  std::chrono::microseconds delay_;
  std::deque<batch> batches_;
  std::size_t held_ = 0;
  /// The last batch still takes writes.
  bool open_ = false;
};

} // namespace timecoin
