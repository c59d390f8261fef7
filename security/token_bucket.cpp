#include "security/token_bucket.hpp"

#include <algorithm>
#include <cmath>

namespace timecoin::security {

uint32_t adaptive_gossip_rate(uint32_t base_rate,
                              uint32_t connected_masternodes) noexcept {
  // Masternodes past the cap change nothing; cutting them first keeps
  // base × (step + masternodes) well inside 64 bits.
  uint64_t masternodes = std::min<uint64_t>(
    connected_masternodes,
    uint64_t{masternodes_per_gossip_step} * (max_gossip_rate_multiplier - 1));
  uint64_t base = base_rate;
  uint64_t cap = base * max_gossip_rate_multiplier;
  uint64_t grown = base * (masternodes_per_gossip_step + masternodes)
                   / masternodes_per_gossip_step;
  uint64_t rate = std::min(grown, cap);
  return static_cast<uint32_t>(std::min<uint64_t>(rate, UINT32_MAX));
}

token_bucket::token_bucket(uint32_t rate_per_second, uint32_t burst) noexcept {
  apply_rate(rate_per_second, burst);
  tokens_nano_ = burst_nano_;
}

void token_bucket::apply_rate(uint32_t rate_per_second,
                              uint32_t burst) noexcept {
  rate_ = std::min<uint64_t>(rate_per_second, max_tokens);
  uint64_t cap = burst != 0 ? burst : rate_ * burst_seconds;
  burst_nano_ = std::min<uint64_t>(cap, max_tokens) * nano;
  tokens_nano_ = std::min(tokens_nano_, burst_nano_);
}

void token_bucket::set_rate(time_point now, uint32_t rate_per_second,
                            uint32_t burst) noexcept {
  refill(now);
  apply_rate(rate_per_second, burst);
}

void token_bucket::refill(time_point now) noexcept {
  if (!started_) {
    // The bucket starts full; the first call only fixes the time origin.
    started_ = true;
    last_ = now;
    return;
  }
  if (now <= last_)
    return; // a clock going backwards must neither refill nor move `last_`
  auto missing = burst_nano_ - tokens_nano_;
  auto elapsed_ns = static_cast<uint64_t>(
    std::chrono::duration_cast<std::chrono::nanoseconds>(now - last_).count());
  last_ = now;
  if (rate_ == 0 || missing == 0)
    return;
  // Time that refills the bucket completely: past it, the bucket is full,
  // and the product below is never formed (no overflow after a long idle).
  uint64_t fill_ns = (missing + rate_ - 1) / rate_;
  if (elapsed_ns >= fill_ns) {
    tokens_nano_ = burst_nano_;
    return;
  }
  tokens_nano_ += elapsed_ns * rate_;
}

bool token_bucket::try_consume(time_point now, double tokens) noexcept {
  refill(now);
  if (!(tokens >= 0) || !std::isfinite(tokens))
    return false;
  if (tokens > static_cast<double>(burst_nano_ / nano))
    return false;
  // Round the cost up, so that tiny fractional costs cannot be free.
  auto cost = static_cast<uint64_t>(std::ceil(tokens * nano));
  if (cost > tokens_nano_)
    return false;
  tokens_nano_ -= cost;
  return true;
}

double token_bucket::available(time_point now) noexcept {
  refill(now);
  return static_cast<double>(tokens_nano_) / nano;
}

bool token_bucket::full(time_point now) noexcept {
  refill(now);
  return tokens_nano_ == burst_nano_;
}

bool drop_streak::on_drop(time_point now) noexcept {
  if (current(now) == 0)
    current_ = 0;
  last_drop_ = now;
  ++total_;
  if (current_ < limit_)
    ++current_;
  return current_ >= limit_;
}

uint32_t drop_streak::current(time_point now) const noexcept {
  if (current_ == 0 || now - last_drop_ >= drop_streak_quiet_period)
    return 0;
  return current_;
}

bool address_buckets::try_consume(const ip_address& ip, time_point now,
                                  double tokens) {
  auto it = buckets_.try_emplace(ip, rate_, burst_).first;
  return it->second.try_consume(now, tokens);
}

std::size_t address_buckets::expire(time_point now) {
  std::size_t removed = 0;
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    if (it->second.full(now)) {
      it = buckets_.erase(it);
      ++removed;
    } else {
      ++it;
    }
  }
  return removed;
}

} // namespace timecoin::security
