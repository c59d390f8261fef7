#pragma once

// Rate limits for frames (docs/PROTOCOL.md, "Violations and bans", "flood"): a
// token bucket per connection and per address, charged before a frame is
// decoded, and the gossip budget that grows with the number of connected
// masternodes.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <unordered_map>

#include "security/subnet.hpp"

namespace timecoin::security {

/// Frames a connection may send per second, sustained (`maxrequestspersecond`).
constexpr uint32_t default_max_requests_per_second = 1000;
/// The bucket holds this many seconds of the rate, so a peer that was quiet
/// may send a short burst (a block with its transactions, a sync batch).
constexpr uint32_t burst_seconds = 2;
/// Several connections from one address share a bucket of this many times the
/// per-connection rate. The protocol keeps one connection per pair of nodes,
/// so more than one from an address are several nodes behind one NAT: two of
/// them still get their full budget, but opening more connections never buys
/// an address more than twice one connection's budget.
constexpr uint32_t per_address_rate_multiplier = 2;
/// A connection that has this many frames dropped in a row (see
/// `drop_streak`) is not bursting but flooding: it is disconnected and
/// charged a `violation::flood`.
constexpr uint32_t max_consecutive_drops = 500;
/// A second with no frame dropped ends a streak of drops. Frames let through
/// do not: a sender over budget still gets frames through at the refill rate,
/// so "in a row" cannot mean "with no frame accepted in between".
constexpr auto drop_streak_quiet_period = std::chrono::seconds{1};

/// Each this many connected masternodes add one base rate to the gossip
/// budget (see `adaptive_gossip_rate`).
constexpr uint32_t masternodes_per_gossip_step = 10;
/// The gossip budget never exceeds this many times its base rate.
constexpr uint32_t max_gossip_rate_multiplier = 4;

/// The gossip budget (frames per second) with `connected_masternodes`
/// masternodes connected: `base × (1 + masternodes / 10)`, in exact integer
/// arithmetic (so +10 % of base per masternode), capped at `4 × base`
/// (reached at 30 masternodes). Never less than `base`; never overflows.
uint32_t adaptive_gossip_rate(uint32_t base_rate,
                              uint32_t connected_masternodes) noexcept;

/// A token bucket: `rate_per_second` tokens flow in continuously up to
/// `burst`; taking a token (or a fraction, or several) succeeds only while
/// the bucket holds enough. Starts full. Time is injected (steady clock), so
/// the class is exact and testable without sleeping.
///
/// Tokens are counted in integer nano-tokens and time in nanoseconds, so a
/// refill is `elapsed_ns × rate` with no rounding: no drift however many
/// calls, fractional refill after short gaps, and no overflow after a long
/// idle (the elapsed time is capped at what fills the bucket). A clock that
/// goes backwards refills nothing.
class token_bucket {
public:
  using clock = std::chrono::steady_clock;
  using time_point = clock::time_point;

  /// Rates and bursts above this are clamped, which keeps every product in
  /// 64 bits (1e9 tokens/s is far beyond any network).
  static constexpr uint64_t max_tokens = 1'000'000'000;

  /// `burst` 0 means `burst_seconds × rate_per_second`. The bucket starts full.
  explicit token_bucket(uint32_t rate_per_second, uint32_t burst = 0) noexcept;

  /// Refills for the time since the last call, then takes `tokens` if the
  /// bucket holds that many. A cost that is negative, not finite or larger
  /// than the burst never succeeds; a cost of 0 always does.
  bool try_consume(time_point now, double tokens = 1) noexcept;

  /// Tokens available at `now` (refills, consumes nothing).
  double available(time_point now) noexcept;

  /// True if the bucket is full at `now`: it then behaves exactly like a
  /// new one, so a map of buckets may drop it.
  bool full(time_point now) noexcept;

  /// Changes the rate (adaptive gossip budget): refills at the old rate up to
  /// `now`, then keeps the tokens, cut to the new burst.
  void set_rate(time_point now, uint32_t rate_per_second,
                uint32_t burst = 0) noexcept;

  uint32_t rate_per_second() const noexcept {
    return static_cast<uint32_t>(rate_);
  }
  uint32_t burst() const noexcept {
    return static_cast<uint32_t>(burst_nano_ / nano);
  }

private:
  static constexpr uint64_t nano = 1'000'000'000;

  void refill(time_point now) noexcept;
  void apply_rate(uint32_t rate_per_second, uint32_t burst) noexcept;

  uint64_t rate_ = 0;       ///< tokens per second = nano-tokens per ns
  uint64_t burst_nano_ = 0; ///< capacity in nano-tokens
  uint64_t tokens_nano_ = 0;
  time_point last_{};
  bool started_ = false; ///< `last_` holds a real time
};

/// Counts a connection's dropped frames in a row, that is with less than
/// `drop_streak_quiet_period` between one drop and the next, and says when to
/// disconnect for flooding. A peer at ten times its rate reaches 500 within
/// about 60 ms after its burst; one 1 % over its rate within about four
/// minutes (its burst drains first); one that bursts and then behaves, never.
class drop_streak {
public:
  using time_point = std::chrono::steady_clock::time_point;

  explicit drop_streak(uint32_t limit = max_consecutive_drops) noexcept
    : limit_(limit) {}

  /// A frame was dropped at `now`. True once the streak reaches the limit
  /// (and on every drop of the streak after): disconnect, charge `flood`.
  bool on_drop(time_point now) noexcept;

  /// The current streak as of `now` (0 after a quiet period).
  uint32_t current(time_point now) const noexcept;
  /// Frames dropped over the connection's life, for `getpeerinfo`.
  uint64_t total() const noexcept { return total_; }

private:
  uint32_t limit_;
  uint32_t current_ = 0;
  uint64_t total_ = 0;
  time_point last_drop_{};
};

/// One bucket per address: the aggregate budget across all connections from
/// it. Buckets that have refilled completely are dropped by `expire`; that
/// loses nothing, as a full bucket is the same as a new one.
class address_buckets {
public:
  using time_point = token_bucket::time_point;

  explicit address_buckets(uint32_t rate_per_second,
                           uint32_t burst = 0) noexcept
    : rate_(rate_per_second), burst_(burst) {}

  /// Charges `tokens` to the bucket of `ip` (created full if absent).
  bool try_consume(const ip_address& ip, time_point now, double tokens = 1);

  /// Drops the buckets that are full at `now`; returns how many.
  std::size_t expire(time_point now);

  std::size_t size() const noexcept { return buckets_.size(); }

private:
  uint32_t rate_;
  uint32_t burst_;
  std::unordered_map<ip_address, token_bucket, ip_address_hash> buckets_;
};

} // namespace timecoin::security
