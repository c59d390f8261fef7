#pragma once

// Violations charged to a peer's address and the bans they lead to
// (docs/PROTOCOL.md, "Violations and bans"): 3 within an hour ban for 5
// minutes, 5 for an hour, 10 for 24 hours.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "security/subnet.hpp"

namespace timecoin::security {

/// What a peer did wrong. Values are stable (they appear in logs and stats).
enum class violation : uint8_t {
  malformed_frame
  = 1, ///< payload not a valid message (docs/PROTOCOL.md, "Frames")
  oversized_frame = 2,   ///< length over 8 MiB, or 64 KiB before the handshake
  bad_signature = 3,     ///< HELLO_AUTH or a gossip envelope fails to verify
  handshake_timeout = 4, ///< inbound handshake not done within 10 s
                         ///< (docs/PROTOCOL.md, "Handshake")
  message_before_handshake = 5, ///< anything but HELLO/AUTH/REJECT too early
  flood = 6,         ///< stayed over its rate limit (`max_consecutive_drops`)
  protocol = 7,      ///< any other breach of the protocol (REJECT 8)
  invalid_block = 8, ///< served a block, header or snapshot that fails
                     ///< docs/PROTOCOL.md, "Block validity"
};

/// "malformed_frame", "oversized_frame", ...; "unknown" for other values.
std::string_view to_string(violation v) noexcept;

/// Reaching `count` violations within the window bans for `duration`.
struct ban_threshold {
  uint32_t count;
  std::chrono::seconds duration;
};

/// Violations count towards a ban for this long after they happened.
constexpr auto violation_window = std::chrono::hours{1};
/// docs/PROTOCOL.md, "Violations and bans" defaults, in increasing order of
/// count.
constexpr std::array<ban_threshold, 3> default_ban_thresholds{{
  {3, std::chrono::minutes{5}},
  {5, std::chrono::hours{1}},
  {10, std::chrono::hours{24}},
}};
/// Addresses tracked at once. Each needs a TCP connection and a violation
/// within the last hour; past this, the entry whose latest violation is the
/// oldest is forgotten, so memory stays bounded under an IPv6 address spray.
constexpr std::size_t max_tracked_addresses = 65536;

/// Counts violations per address over a sliding window and says when an
/// address must be banned. Time is injected (steady clock).
///
/// Escalation: `record` returns a ban when the count within the window
/// reaches a threshold exactly (3 → 5 min, 5 → 1 h, 10 → 24 h), and the
/// highest ban again for any violation past the highest threshold. A ban does
/// not reset the count: each violation stays counted for one hour. So after a
/// 5-minute ban a 4th violation within the hour bans nothing, the 5th bans for
/// an hour; once every violation is older than an hour, the count (and the
/// escalation) starts again from zero.
class violation_tracker {
public:
  using clock = std::chrono::steady_clock;
  using time_point = clock::time_point;

  /// `thresholds` must be in increasing order of count, with counts > 0.
  explicit violation_tracker(std::vector<ban_threshold> thresholds
                             = {default_ban_thresholds.begin(),
                                default_ban_thresholds.end()},
                             std::chrono::seconds window = violation_window,
                             std::size_t max_addresses = max_tracked_addresses);

  /// Charges `v` to `ip` at `now`. Returns the ban duration if this violation
  /// reaches a threshold, none otherwise.
  std::optional<std::chrono::seconds> record(const ip_address& ip, violation v,
                                             time_point now);

  /// Violations of `ip` within the window ending at `now` (a violation
  /// exactly one window old no longer counts). Saturates at the highest
  /// threshold's count, which is all the tracker keeps.
  uint32_t count(const ip_address& ip, time_point now) const;

  /// Forgets violations older than the window, and addresses with none left.
  void expire(time_point now);

  /// When the oldest violation kept leaves the window: from then on `expire`
  /// has one to forget. None without violations.
  std::optional<time_point> next_expiry() const;

  /// Addresses with at least one violation kept.
  std::size_t size() const noexcept { return by_address_.size(); }

private:
  bool in_window(time_point t, time_point now) const noexcept;
  void evict_oldest();

  std::vector<ban_threshold> thresholds_;
  std::chrono::seconds window_;
  std::size_t max_addresses_;
  /// Times of the latest violations, oldest first, at most the highest
  /// threshold's count of them.
  std::unordered_map<ip_address, std::deque<time_point>, ip_address_hash>
    by_address_;
};

} // namespace timecoin::security
