#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "actors/slot_policy.hpp"

using namespace timecoin;

namespace {

slot_peer peer(const std::string& id, bool inbound, int64_t since = 0,
               bool masternode = false, bool manual = false) {
  slot_peer p;
  p.id = id;
  p.inbound = inbound;
  p.masternode = masternode;
  p.manual = manual;
  p.since = since;
  return p;
}

/// Admits `p` into `peers` as the policy says (evicting first); returns the
/// decision.
slot_decision join(const slot_limits& l, std::vector<slot_peer>& peers,
                   const slot_peer& p) {
  auto d = decide_slot(l, peers, p);
  if (d.evict)
    peers.erase(
      std::remove_if(peers.begin(), peers.end(),
                     [&](const slot_peer& x) { return x.id == *d.evict; }),
      peers.end());
  if (d.admit)
    peers.push_back(p);
  return d;
}

slot_peer with_group(slot_peer p, const std::string& group,
                     int64_t ping_us = -1) {
  p.group = group;
  p.ping_us = ping_us;
  return p;
}

} // namespace

TEST_CASE("slot limits: the reservations of maxconnections") {
  auto l = slot_limits::for_max(125);
  CHECK(l.reserved_masternode == 50); // ceil(40 %)
  CHECK(l.max_inbound() == 125);
  CHECK(l.max_regular() == 75);
  auto ten = slot_limits::for_max(10);
  CHECK(ten.reserved_masternode == 4);
  CHECK(ten.max_regular() == 6);
  // Small nodes keep a slot for ordinary peers.
  auto one = slot_limits::for_max(1);
  CHECK(one.reserved_masternode == 0);
  CHECK(one.max_regular() == 1);
  auto none = slot_limits::for_max(0);
  CHECK(none.max_total == 0);
  CHECK(none.reserved_masternode == 0);
}

TEST_CASE("slot policy: maxconnections=10, six regular inbound, then "
          "eviction or REJECT 6; masternodes still get in") {
  auto l = slot_limits::for_max(10);
  std::vector<slot_peer> peers;
  // Six regular inbound peers from six groups, all with fast pings: every
  // one is protected (4 by group, then by ping), so the seventh is refused.
  for (int i = 0; i < 6; ++i)
    CHECK(join(l, peers,
               with_group(peer("in" + std::to_string(i), true, i),
                          "g" + std::to_string(i), 1000))
            .admit);
  auto d = decide_slot(l, peers, with_group(peer("in6", true, 10), "g6"));
  CHECK(!d.admit);
  CHECK(!d.evict);
  // A masternode takes a reserved slot, four of them.
  for (int i = 0; i < 4; ++i)
    CHECK(
      join(l, peers, peer("mn" + std::to_string(i), true, 20 + i, true)).admit);
  CHECK(peers.size() == 10);
  // A fifth masternode finds the node full: it evicts a regular inbound peer
  // (protected or not: masternodes come first), never a masternode.
  d = join(l, peers, peer("mn4", true, 30, true));
  CHECK(d.admit);
  REQUIRE(d.evict);
  CHECK(d.evict->rfind("in", 0) == 0);
}

TEST_CASE("slot policy: regular inbound peers stop at their share; "
          "outbound connections evict them") {
  auto l = slot_limits::for_max(125);
  std::vector<slot_peer> peers;
  // Inbound peers all from one group, with no pings: once the regular slots
  // are full, each newcomer evicts the youngest of the group.
  for (int i = 0; i < 75; ++i)
    CHECK(join(l, peers,
               with_group(peer("in" + std::to_string(i), true, i), "attacker"))
            .admit);
  auto d = join(l, peers, with_group(peer("late", true, 100), "attacker"));
  CHECK(d.admit);
  REQUIRE(d.evict);
  CHECK(*d.evict == "in74");
  CHECK(peers.size() == 75);
  // A regular outbound connection evicts an inbound one.
  d = join(l, peers, with_group(peer("out", false, 200), "far"));
  CHECK(d.admit);
  REQUIRE(d.evict);
  CHECK(peers.size() == 75);
  // Masternodes fill the reservation without evicting anyone.
  for (int i = 0; i < 50; ++i) {
    d = join(l, peers, peer("mn" + std::to_string(i), true, 300 + i, true));
    CHECK(d.admit);
    CHECK(!d.evict);
  }
  CHECK(peers.size() == 125);
}

TEST_CASE("slot policy: masternodes and manual peers are never evicted") {
  auto l = slot_limits::for_max(4); // 2 masternode reserved, 2 regular
  std::vector<slot_peer> peers;
  CHECK(join(l, peers, peer("mn1", true, 1, true)).admit);
  CHECK(join(l, peers, peer("mn2", true, 2, true)).admit);
  CHECK(join(l, peers, peer("white", true, 3, false, true)).admit);
  CHECK(join(l, peers, peer("in", true, 4)).admit);
  auto d = join(l, peers, peer("out", false, 5, false, true));
  CHECK(d.admit);
  REQUIRE(d.evict);
  CHECK(*d.evict == "in");
  // Nobody left to evict: refused, whoever asks.
  CHECK(!decide_slot(l, peers, peer("out2", false, 6, false, true)).admit);
  CHECK(!decide_slot(l, peers, peer("mn3", true, 7, true)).admit);
  CHECK(!decide_slot(l, peers, peer("in2", true, 8)).admit);
}

TEST_CASE("eviction: protections, then the youngest of the largest group") {
  std::vector<slot_peer> peers;
  // 30 candidates: 20 in group "big", 10 in their own groups.
  for (int i = 0; i < 20; ++i)
    peers.push_back(with_group(peer("big" + std::to_string(i), true, 100 + i),
                               "big", 50'000));
  for (int i = 0; i < 10; ++i)
    peers.push_back(with_group(peer("own" + std::to_string(i), true, i),
                               "own" + std::to_string(i), 50'000));
  // Never candidates.
  peers.push_back(with_group(peer("mn", true, 1000, true), "big"));
  peers.push_back(with_group(peer("white", true, 1000, false, true), "big"));
  peers.push_back(with_group(peer("out", false, 1000), "big"));
  auto victim = select_eviction(peers, 7);
  REQUIRE(victim);
  // The youngest of "big" not protected. The fastest pings are protected:
  // give big19 (the youngest) the best ping, so big18 is next.
  CHECK(victim->rfind("big", 0) == 0);
  peers[19].ping_us = 10;
  victim = select_eviction(peers, 7);
  REQUIRE(victim);
  CHECK(*victim != "big19");
  CHECK(victim->rfind("big", 0) == 0);
  // A peer that just delivered new gossip is protected too.
  auto protected_id = *victim;
  for (auto& p : peers)
    if (p.id == protected_id)
      p.last_gossip = 5000;
  victim = select_eviction(peers, 7);
  REQUIRE(victim);
  CHECK(*victim != protected_id);
  CHECK(*victim != "big19");
}

TEST_CASE("eviction: nothing to evict when every candidate is protected") {
  std::vector<slot_peer> peers;
  CHECK(!select_eviction(peers, 1));
  for (int i = 0; i < 20; ++i)
    peers.push_back(with_group(peer("p" + std::to_string(i), true, i),
                               "g" + std::to_string(i), 100 + i));
  // 4 by group, 8 by ping, 4 by gossip, 4 by blocks: all 20 protected.
  CHECK(!select_eviction(peers, 1));
  peers.push_back(with_group(peer("p20", true, 20), "g20"));
  peers.push_back(with_group(peer("p21", true, 21), "g21"));
  // Two left after those (the youngest that no group protects); the older
  // of them is protected by uptime.
  auto v = select_eviction(peers, 1);
  REQUIRE(v);
  CHECK((*v == "p21" || *v == "p20" || *v == "p19"));
}

TEST_CASE("eviction: the group salt decides which groups are protected") {
  // Without a key an attacker would pick groups that sort first; with two
  // salts, the protected groups differ at least once over many tries.
  std::vector<slot_peer> peers;
  for (int i = 0; i < 40; ++i)
    peers.push_back(with_group(peer("p" + std::to_string(i), true, i),
                               "g" + std::to_string(i)));
  bool differ = false;
  for (uint64_t s = 0; s < 64 && !differ; ++s)
    differ = select_eviction(peers, s) != select_eviction(peers, s + 1000);
  CHECK(differ);
}

TEST_CASE("connection types have their getpeerinfo names") {
  CHECK(std::string{to_string(conn_type::inbound)} == "inbound");
  CHECK(std::string{to_string(conn_type::outbound)} == "outbound");
  CHECK(std::string{to_string(conn_type::masternode)} == "masternode");
  CHECK(std::string{to_string(conn_type::addnode)} == "addnode");
  CHECK(std::string{to_string(conn_type::feeler)} == "feeler");
  CHECK(std::string{to_string(conn_type::seed)} == "seed");
}
