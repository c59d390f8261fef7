#include "security/conn_limits.hpp"

#include <algorithm>

namespace timecoin::security {

conn_limits::conn_limits(uint32_t max_total, uint32_t max_per_ip,
                         uint32_t max_new_per_ip_per_minute,
                         uint32_t reserved_outbound, uint32_t max_per_group,
                         uint32_t max_new_per_group_per_minute)
  : max_total_(max_total),
    max_inbound_(max_total - std::min(reserved_outbound, max_total / 2)),
    max_per_ip_(max_per_ip),
    max_new_per_minute_(max_new_per_ip_per_minute),
    max_per_group_(std::max(max_per_group, max_per_ip)),
    max_new_per_group_(
      std::max(max_new_per_group_per_minute, max_new_per_ip_per_minute)) {}

ip_address network_of(const ip_address& ip) {
  auto b = ip.bytes();
  // IPv4 sits in the last 4 bytes of the mapped form: keep 3 of them.
  const std::size_t keep = ip.is_v4() ? 15 : 6;
  for (std::size_t i = keep; i < b.size(); ++i)
    b[i] = 0;
  return ip_address{b};
}

bool conn_limits::note_try(address_state& s, time_point now,
                           uint32_t max) const {
  drop_old_tries(s, now);
  // Refused attempts count too; only the latest `max` of them matter.
  bool too_frequent = s.tries.size() >= max;
  s.tries.push_back(now);
  if (s.tries.size() > max)
    s.tries.erase(s.tries.begin(),
                  s.tries.begin()
                    + static_cast<std::ptrdiff_t>(s.tries.size() - max));
  return too_frequent;
}

void conn_limits::release(
  std::unordered_map<ip_address, address_state, ip_address_hash>& map,
  const ip_address& key) {
  auto it = map.find(key);
  if (it == map.end() || it->second.open == 0)
    return;
  --it->second.open;
  if (it->second.open == 0 && it->second.tries.empty())
    map.erase(it);
}

void conn_limits::drop_old_tries(address_state& s, time_point now) const {
  auto keep = std::find_if(s.tries.begin(), s.tries.end(), [&](time_point t) {
    return now - t < new_connection_window;
  });
  s.tries.erase(s.tries.begin(), keep);
  if (s.tries.empty())
    s.tries.shrink_to_fit();
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
  address_state* group = nullptr;
  if (!exempt) {
    state = &by_address_[ip];
    group = &by_group_[network_of(ip)];
    bool too_frequent = note_try(*state, now, max_new_per_minute_);
    bool group_too_frequent = note_try(*group, now, max_new_per_group_);
    // A full node says so first: REJECT 6 tells an honest peer to look
    // elsewhere, whatever else is wrong.
    if (total() >= max_total_ || inbound_ >= max_inbound_)
      return admit_result::no_free_slot;
    if (too_frequent)
      return admit_result::too_frequent;
    if (group_too_frequent)
      return admit_result::group_too_frequent;
    if (state->open >= max_per_ip_)
      return admit_result::too_many_from_ip;
    if (group->open >= max_per_group_)
      return admit_result::too_many_from_group;
  } else if (total() >= max_total_ || inbound_ >= max_inbound_) {
    return admit_result::no_free_slot;
  }
  if (state == nullptr)
    state = &by_address_[ip];
  if (group == nullptr)
    group = &by_group_[network_of(ip)];
  ++state->open;
  ++group->open;
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
  release(by_address_, ip);
  release(by_group_, network_of(ip));
  --inbound_;
}

void conn_limits::expire(time_point now) {
  for (auto* map : {&by_address_, &by_group_}) {
    for (auto it = map->begin(); it != map->end();) {
      drop_old_tries(it->second, now);
      if (it->second.open == 0 && it->second.tries.empty())
        it = map->erase(it);
      else
        ++it;
    }
  }
}

uint32_t conn_limits::inbound_from_group(const ip_address& ip) const {
  auto it = by_group_.find(network_of(ip));
  return it == by_group_.end() ? 0 : it->second.open;
}

uint32_t conn_limits::inbound_from(const ip_address& ip) const {
  auto it = by_address_.find(ip);
  return it == by_address_.end() ? 0 : it->second.open;
}

std::string_view to_string(conn_limits::admit_result r) noexcept {
  switch (r) {
    case conn_limits::admit_result::ok: return "ok";
    case conn_limits::admit_result::no_free_slot: return "no_free_slot";
    case conn_limits::admit_result::too_many_from_ip: return "too_many_from_ip";
    case conn_limits::admit_result::too_frequent: return "too_frequent";
    case conn_limits::admit_result::too_many_from_group:
      return "too_many_from_group";
    case conn_limits::admit_result::group_too_frequent:
      return "group_too_frequent";
  }
  return "unknown";
}

} // namespace timecoin::security
