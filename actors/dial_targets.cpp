#include "actors/dial_targets.hpp"

#include <algorithm>

namespace timecoin {

const char* to_string(dial_phase ph) {
  switch (ph) {
    case dial_phase::waiting: return "reconnecting";
    case dial_phase::dialing: return "connecting";
    case dial_phase::connected: return "connected";
    case dial_phase::stopped: return "disconnected";
  }
  return "?";
}

dial_targets::dial_targets() : rng_(std::random_device{}()) {}

dial_targets::dial_targets(std::mt19937_64 rng) : rng_(std::move(rng)) {}

dial_action dial_targets::start_dial(const std::string& addr, target& t,
                                     const is_connected_fn& is_connected) {
  if (!t.node_id.empty() && is_connected(t.node_id)) {
    t.ph = dial_phase::connected;
    return {};
  }
  t.ph = dial_phase::dialing;
  ++t.generation;
  dial_action a;
  a.kind = dial_action::dial;
  a.addr = addr;
  a.where = t.where;
  return a;
}

dial_action dial_targets::schedule_retry(const std::string& addr,
                                         time_point now) {
  auto i = targets_.find(addr);
  if (i == targets_.end() || stopping_)
    return {};
  auto& t = i->second;
  if (!t.persistent) {
    if (t.removed)
      targets_.erase(i);
    else
      t.ph = dial_phase::stopped;
    return {};
  }
  t.ph = dial_phase::waiting;
  dial_action a;
  a.kind = dial_action::retry_later;
  a.addr = addr;
  a.delay = t.delays.next();
  a.generation = ++t.generation;
  t.next_attempt = now + a.delay;
  return a;
}

dial_action dial_targets::add(const std::string& addr, bool persistent,
                              bool masternode,
                              const is_connected_fn& is_connected) {
  auto where = parse_peer_address(addr);
  if (!where)
    return {};
  auto [i, added] = targets_.try_emplace(addr);
  auto& t = i->second;
  if (!added) {
    t.persistent = t.persistent || persistent;
    t.removed = false;
    if (t.ph == dial_phase::waiting || t.ph == dial_phase::stopped)
      return start_dial(addr, t, is_connected);
    return {};
  }
  t.where = std::move(*where);
  t.delays = backoff{rng_()};
  t.persistent = persistent;
  t.masternode = masternode;
  return start_dial(addr, t, is_connected);
}

bool dial_targets::remove(const std::string& addr) {
  auto i = targets_.find(addr);
  if (i == targets_.end() || !i->second.persistent)
    return false;
  auto& t = i->second;
  if (t.ph == dial_phase::connected || t.ph == dial_phase::dialing) {
    t.persistent = false;
    t.removed = true;
  } else {
    targets_.erase(i);
  }
  return true;
}

dial_action dial_targets::timer_fired(const std::string& addr,
                                      uint64_t generation,
                                      const is_connected_fn& is_connected) {
  auto i = targets_.find(addr);
  if (i == targets_.end() || stopping_ || i->second.generation != generation
      || i->second.ph != dial_phase::waiting)
    return {};
  return start_dial(addr, i->second, is_connected);
}

bool dial_targets::contains(const std::string& addr) const {
  return targets_.count(addr) != 0;
}

dial_action dial_targets::dial_failed(const std::string& addr, time_point now) {
  return schedule_retry(addr, now);
}

void dial_targets::up(const std::string& node_id, const std::string& addr) {
  for (auto& [a, t] : targets_) {
    if (a == addr)
      t.node_id = node_id;
    if (a == addr || (!t.node_id.empty() && t.node_id == node_id)) {
      t.ph = dial_phase::connected;
      ++t.generation;
    }
  }
}

std::vector<dial_action> dial_targets::lost(const std::string& node_id,
                                            const std::string& addr,
                                            int64_t lasted_seconds,
                                            const is_connected_fn& is_connected,
                                            time_point now) {
  std::vector<std::string> retry;
  for (auto& [a, t] : targets_) {
    bool own = a == addr;
    bool same_peer = !node_id.empty() && t.node_id == node_id;
    if (!own && !(same_peer && t.ph == dial_phase::connected))
      continue;
    if (own && !node_id.empty())
      t.node_id = node_id;
    if (!node_id.empty() && is_connected(node_id)) {
      t.ph = dial_phase::connected; // another connection serves the pair
      continue;
    }
    if (lasted_seconds >= backoff_stable_connection.count())
      t.delays.reset();
    retry.push_back(a);
  }
  std::vector<dial_action> out;
  for (const auto& a : retry) {
    auto act = schedule_retry(a, now);
    if (act.kind != dial_action::none)
      out.push_back(std::move(act));
  }
  return out;
}

std::vector<dial_target_info> dial_targets::info(time_point now) const {
  std::vector<dial_target_info> out;
  out.reserve(targets_.size());
  for (const auto& [addr, t] : targets_) {
    dial_target_info i;
    i.address = addr;
    i.phase = t.ph;
    i.node_id = t.node_id;
    i.persistent = t.persistent;
    i.masternode = t.masternode;
    i.attempts = t.delays.attempts();
    if (t.ph == dial_phase::waiting)
      i.next_attempt
        = std::max(std::chrono::milliseconds{0},
                   std::chrono::duration_cast<std::chrono::milliseconds>(
                     t.next_attempt - now));
    out.push_back(std::move(i));
  }
  return out;
}

} // namespace timecoin
