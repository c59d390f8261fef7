#include "actors/slot_policy.hpp"

#include <algorithm>
#include <functional>
#include <map>

namespace timecoin {

slot_limits slot_limits::for_max(uint32_t max_total) {
  slot_limits l;
  l.max_total = max_total;
  auto masternode = (max_total * reserved_masternode_percent + 99)
                    / 100; // rounded up
  l.reserved_masternode = max_total > 0 ? std::min(masternode, max_total - 1)
                                        : 0;
  return l;
}

const char* to_string(conn_type t) {
  switch (t) {
    case conn_type::inbound: return "inbound";
    case conn_type::outbound: return "outbound";
    case conn_type::masternode: return "masternode";
    case conn_type::addnode: return "addnode";
    case conn_type::feeler: return "feeler";
    case conn_type::seed: return "seed";
  }
  return "unknown";
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

/// Orders the younger (then the greater id) first: among equals the
/// older peers are protected.
bool younger(const slot_peer* a, const slot_peer* b) {
  return a->since != b->since ? a->since > b->since : a->id > b->id;
}

/// Removes the last `k` of `c` once sorted by `less` (the `k` best).
template <class Less>
void protect_best(std::vector<const slot_peer*>& c, std::size_t k, Less less) {
  std::sort(c.begin(), c.end(), less);
  c.resize(c.size() > k ? c.size() - k : 0);
}

/// The keyed hash of a network group.
uint64_t group_rank(const std::string& group, uint64_t salt) {
  auto h = std::hash<std::string>{}(group);
  // splitmix64 of the salted hash: the order depends on the whole salt.
  uint64_t x = h ^ salt;
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

} // namespace

std::optional<std::string> select_eviction(const std::vector<slot_peer>& peers,
                                           uint64_t salt) {
  std::vector<const slot_peer*> c;
  for (const auto& p : peers)
    if (evictable(p))
      c.push_back(&p);
  // Sorted so that the protected ones come last.
  protect_best(c, evict_protect_groups,
               [salt](const slot_peer* a, const slot_peer* b) {
                 auto ra = group_rank(a->group, salt);
                 auto rb = group_rank(b->group, salt);
                 return ra != rb ? ra < rb : younger(a, b);
               });
  protect_best(c, evict_protect_ping,
               [](const slot_peer* a, const slot_peer* b) {
                 auto pa = a->ping_us < 0 ? INT64_MAX : a->ping_us;
                 auto pb = b->ping_us < 0 ? INT64_MAX : b->ping_us;
                 return pa != pb ? pa > pb : younger(a, b);
               });
  auto recent = [](int64_t slot_peer::*field) {
    return [field](const slot_peer* a, const slot_peer* b) {
      if (a->*field != b->*field)
        return a->*field < b->*field;
      return younger(a, b);
    };
  };
  protect_best(c, evict_protect_gossip, recent(&slot_peer::last_gossip));
  protect_best(c, evict_protect_blocks, recent(&slot_peer::last_block));
  protect_best(c, c.size() / 2, younger); // the longest connected last
  if (c.empty())
    return std::nullopt;
  // The group with the most candidates; a tie goes to the group whose
  // youngest member is youngest.
  std::map<std::string, std::vector<const slot_peer*>> groups;
  for (const auto* p : c)
    groups[p->group].push_back(p);
  const std::vector<const slot_peer*>* best = nullptr;
  int64_t best_young = 0;
  for (const auto& kv : groups) {
    int64_t young = 0;
    for (const auto* p : kv.second)
      young = std::max(young, p->since);
    if (!best || kv.second.size() > best->size()
        || (kv.second.size() == best->size() && young > best_young)) {
      best = &kv.second;
      best_young = young;
    }
  }
  const slot_peer* victim = nullptr;
  for (const auto* p : *best)
    if (!victim || p->since > victim->since
        || (p->since == victim->since && p->id > victim->id))
      victim = p;
  return victim->id;
}

slot_decision decide_slot(const slot_limits& limits,
                          const std::vector<slot_peer>& peers,
                          const slot_peer& newcomer, uint64_t salt) {
  uint32_t total = 0;
  uint32_t regular = 0;
  for (const auto& p : peers) {
    ++total;
    if (!p.masternode && !p.manual)
      ++regular;
  }
  const bool regular_newcomer = !newcomer.masternode && !newcomer.manual;
  const bool class_full = regular_newcomer && regular >= limits.max_regular();
  const bool node_full = total >= limits.max_total;
  slot_decision out;
  if (class_full || node_full) {
    auto victim = select_eviction(peers, salt);
    if (!victim && !(newcomer.inbound && regular_newcomer)) {
      // The node's own choices, masternodes and manual peers take the slot
      // of an inbound peer even if every inbound peer is protected.
      if (const auto* y = youngest_evictable(peers))
        victim = y->id;
    }
    if (!victim)
      return out;
    out.evict = victim;
  }
  out.admit = true;
  return out;
}

} // namespace timecoin
