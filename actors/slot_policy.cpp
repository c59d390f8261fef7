#include "actors/slot_policy.hpp"

#include <algorithm>

#include "security/conn_limits.hpp"

namespace timecoin {

slot_limits slot_limits::for_max(uint32_t max_total) {
  slot_limits l;
  l.max_total = max_total;
  l.reserved_outbound = std::min(security::default_reserved_outbound,
                                 max_total / 2);
  auto masternode = (max_total * reserved_masternode_percent + 99)
                    / 100; // rounded up
  l.reserved_masternode = max_total > 0 ? std::min(masternode, max_total - 1)
                                        : 0;
  return l;
}

namespace {

/// Peers that can be evicted: inbound, not masternodes, not manual.
bool evictable(const slot_peer& p) {
  return p.inbound && !p.masternode && !p.manual;
}

/// The youngest evictable peer, if any.
const slot_peer* youngest_evictable(const std::vector<slot_peer>& peers) {
  const slot_peer* out = nullptr;
  for (const auto& p : peers)
    if (evictable(p) && (!out || p.since > out->since))
      out = &p;
  return out;
}

} // namespace

slot_decision decide_slot(const slot_limits& limits,
                          const std::vector<slot_peer>& peers,
                          const slot_peer& newcomer) {
  uint32_t total = 0;
  uint32_t inbound = 0;
  uint32_t regular = 0;
  uint32_t regular_inbound = 0;
  for (const auto& p : peers) {
    ++total;
    inbound += p.inbound ? 1 : 0;
    if (!p.masternode && !p.manual) {
      ++regular;
      regular_inbound += p.inbound ? 1 : 0;
    }
  }
  const bool regular_newcomer = !newcomer.masternode && !newcomer.manual;
  slot_decision out;
  if (newcomer.inbound) {
    if (inbound >= limits.max_inbound())
      return out;
    if (regular_newcomer
        && (regular >= limits.max_regular()
            || regular_inbound >= limits.max_regular_inbound()))
      return out;
  }
  // An outbound regular peer whose class is full takes the slot of a regular
  // inbound one. Room in its class but not in the node: only the node's own
  // choices (outbound, masternodes, manual peers) make room by eviction.
  const bool class_full = !newcomer.inbound && regular_newcomer
                          && regular >= limits.max_regular();
  const bool node_full = total >= limits.max_total;
  if (class_full || node_full) {
    if (newcomer.inbound && regular_newcomer)
      return out;
    auto victim = youngest_evictable(peers);
    if (!victim)
      return out;
    out.evict = victim->id;
  }
  out.admit = true;
  return out;
}

} // namespace timecoin
