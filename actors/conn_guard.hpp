#pragma once

// The per-connection half of rate limiting (pure, no CAF): a token bucket
// charged per frame before decoding, the address's shared budget, and the
// streak of drops that turns into a flood violation (internal header).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include "actors/abuse.hpp"
#include "security/subnet.hpp"
#include "security/token_bucket.hpp"

namespace timecoin {

struct node_context;

/// Bytes of frames a connection may send per second, sustained: rate limits
/// count bytes as well as frames, so that 1,000 frames of 64 KiB a second
/// are not "within the limit". Answers to our own requests are not charged
/// (we asked for them, and their number is ours to bound).
constexpr uint32_t max_bytes_per_second = 4 * 1024 * 1024;
/// The byte bucket's depth: two frames of the largest size.
constexpr uint32_t max_bytes_burst = 16 * 1024 * 1024;

/// Decides, frame by frame, whether a connection is within its budget.
class conn_guard {
public:
  using time_point = std::chrono::steady_clock::time_point;

  /// What to do with one frame.
  enum class verdict : uint8_t {
    pass,  ///< within budget: decode it
    drop,  ///< over budget: drop it, count it
    flood, ///< over budget for too long: disconnect, violation `flood`
  };

  /// `ip`: the peer's address (none if unparsable: never exempt).
  conn_guard(const node_context& ctx, std::optional<security::ip_address> ip);

  /// Charges one frame at `now`, and `bytes` to the byte budget.
  verdict charge(time_point now, std::size_t bytes = 0);

  /// Whether the last refusal was for bytes (else for frames).
  bool last_over_bytes() const { return over_bytes_; }

  /// Re-derives the budget from the number of connected masternodes
  /// (`security::adaptive_gossip_rate`).
  void set_masternodes(uint32_t count, time_point now);

  /// Rate limiting is off, or the address is whitelisted.
  bool exempt() const { return exempt_; }

  /// Frames dropped over the connection's life.
  uint64_t dropped() const { return streak_.total(); }

private:
  uint32_t base_rate_;
  bool exempt_;
  std::optional<security::ip_address> ip_;
  std::shared_ptr<address_budgets> budgets_;
  security::token_bucket bucket_;
  security::token_bucket bytes_;
  bool over_bytes_ = false;
  security::drop_streak streak_;
};

} // namespace timecoin
