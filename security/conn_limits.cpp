#include "security/conn_limits.hpp"

#include <algorithm>

namespace timecoin::security {

conn_limits::conn_limits(uint32_t max_total, uint32_t max_per_ip,
                         uint32_t max_new_per_ip_per_minute,
                         uint32_t reserved_outbound)
    : max_total_(max_total),
      max_inbound_(max_total - std::min(reserved_outbound, max_total / 2)),
      max_per_ip_(max_per_ip), max_new_per_minute_(max_new_per_ip_per_minute) {}

void conn_limits::drop_old_tries(address_state& s, time_point now) const {
  while (!s.tries.empty() && now - s.tries.front() >= new_connection_window)
    s.tries.pop_front();
}

conn_limits::admit_result conn_limits::try_open(const ip_address& ip,
                                                bool inbound, time_point now,
                                                bool exempt) {
  if (!inbound) {
    if (total() >= max_total_)
      return admit_result::no_free_slot;
    ++outbound_;
    return admit_result::ok;
  }
  address_state* state = nullptr;
  if (!exempt) {
    state = &by_address_[ip];
    drop_old_tries(*state, now);
    // Refused attempts count too; only the latest `max` of them matter.
    bool too_frequent = state->tries.size() >= max_new_per_minute_;
    state->tries.push_back(now);
    while (state->tries.size() > max_new_per_minute_)
      state->tries.pop_front();
    // A full node says so first: REJECT 6 tells an honest peer to look
    // elsewhere, whatever else is wrong.
    if (total() >= max_total_ || inbound_ >= max_inbound_)
      return admit_result::no_free_slot;
    if (too_frequent)
      return admit_result::too_frequent;
    if (state->open >= max_per_ip_)
      return admit_result::too_many_from_ip;
  } else if (total() >= max_total_ || inbound_ >= max_inbound_) {
    return admit_result::no_free_slot;
  }
  if (state == nullptr)
    state = &by_address_[ip];
  ++state->open;
  ++inbound_;
  return admit_result::ok;
}

void conn_limits::close(const ip_address& ip, bool inbound) {
  if (!inbound) {
    if (outbound_ > 0)
      --outbound_;
    return;
  }
  auto it = by_address_.find(ip);
  if (it == by_address_.end() || it->second.open == 0)
    return;
  --it->second.open;
  --inbound_;
  if (it->second.open == 0 && it->second.tries.empty())
    by_address_.erase(it);
}

void conn_limits::expire(time_point now) {
  for (auto it = by_address_.begin(); it != by_address_.end();) {
    drop_old_tries(it->second, now);
    if (it->second.open == 0 && it->second.tries.empty())
      it = by_address_.erase(it);
    else
      ++it;
  }
}

uint32_t conn_limits::inbound_from(const ip_address& ip) const {
  auto it = by_address_.find(ip);
  return it == by_address_.end() ? 0 : it->second.open;
}

proto::reject_code to_reject_code(conn_limits::admit_result r) noexcept {
  if (r == conn_limits::admit_result::too_frequent)
    return proto::reject_code::rate_limited;
  return proto::reject_code::no_free_slot;
}

std::string_view to_string(conn_limits::admit_result r) noexcept {
  switch (r) {
  case conn_limits::admit_result::ok:
    return "ok";
  case conn_limits::admit_result::no_free_slot:
    return "no_free_slot";
  case conn_limits::admit_result::too_many_from_ip:
    return "too_many_from_ip";
  case conn_limits::admit_result::too_frequent:
    return "too_frequent";
  }
  return "unknown";
}

} // namespace timecoin::security
