#include "security/violations.hpp"

#include <cassert>

namespace timecoin::security {

std::string_view to_string(violation v) noexcept {
  switch (v) {
    case violation::malformed_frame: return "malformed_frame";
    case violation::oversized_frame: return "oversized_frame";
    case violation::bad_signature: return "bad_signature";
    case violation::handshake_timeout: return "handshake_timeout";
    case violation::message_before_handshake: return "message_before_handshake";
    case violation::flood: return "flood";
    case violation::invalid_block: return "invalid_block";
    case violation::protocol: return "protocol";
  }
  return "unknown";
}

violation_tracker::violation_tracker(std::vector<ban_threshold> thresholds,
                                     std::chrono::seconds window,
                                     std::size_t max_addresses)
  : thresholds_(std::move(thresholds)),
    window_(window),
    max_addresses_(max_addresses == 0 ? 1 : max_addresses) {
  for (std::size_t i = 0; i < thresholds_.size(); ++i)
    assert(thresholds_[i].count > 0
           && (i == 0 || thresholds_[i - 1].count < thresholds_[i].count));
}

bool violation_tracker::in_window(time_point t, time_point now) const noexcept {
  // Within the hour means strictly less than an hour old.
  return now - t < window_;
}

std::optional<std::chrono::seconds>
violation_tracker::record(const ip_address& ip, violation, time_point now) {
  if (thresholds_.empty())
    return std::nullopt;
  auto it = by_address_.find(ip);
  if (it == by_address_.end()) {
    if (by_address_.size() >= max_addresses_) {
      expire(now);
      if (by_address_.size() >= max_addresses_)
        evict_oldest();
    }
    it = by_address_.emplace(ip, std::deque<time_point>{}).first;
  }
  auto& times = it->second;
  while (!times.empty() && !in_window(times.front(), now))
    times.pop_front();
  times.push_back(now);
  // Past the highest threshold only "at least that many" matters.
  auto keep = thresholds_.back().count;
  while (times.size() > keep)
    times.pop_front();

  auto n = static_cast<uint32_t>(times.size());
  for (const auto& t : thresholds_)
    if (t.count == n)
      return t.duration;
  return std::nullopt;
}

uint32_t violation_tracker::count(const ip_address& ip, time_point now) const {
  auto it = by_address_.find(ip);
  if (it == by_address_.end())
    return 0;
  uint32_t n = 0;
  for (auto t : it->second)
    if (in_window(t, now))
      ++n;
  return n;
}

void violation_tracker::expire(time_point now) {
  for (auto it = by_address_.begin(); it != by_address_.end();) {
    auto& times = it->second;
    while (!times.empty() && !in_window(times.front(), now))
      times.pop_front();
    if (times.empty())
      it = by_address_.erase(it);
    else
      ++it;
  }
}

std::optional<violation_tracker::time_point>
violation_tracker::next_expiry() const {
  std::optional<time_point> oldest;
  for (const auto& kv : by_address_)
    if (!kv.second.empty() && (!oldest || kv.second.front() < *oldest))
      oldest = kv.second.front();
  if (!oldest)
    return std::nullopt;
  return *oldest + window_;
}

void violation_tracker::evict_oldest() {
  auto victim = by_address_.end();
  for (auto it = by_address_.begin(); it != by_address_.end(); ++it)
    if (victim == by_address_.end()
        || it->second.back() < victim->second.back())
      victim = it;
  if (victim != by_address_.end())
    by_address_.erase(victim);
}

} // namespace timecoin::security
