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

} // namespace

TEST_CASE("slot limits: the reservations of maxconnections") {
  auto l = slot_limits::for_max(125);
  CHECK(l.reserved_outbound == 8);
  CHECK(l.reserved_masternode == 50); // ceil(40 %)
  CHECK(l.max_inbound() == 117);
  CHECK(l.max_regular() == 75);
  CHECK(l.max_regular_inbound() == 67);
  auto ten = slot_limits::for_max(10);
  CHECK(ten.reserved_outbound == 5);
  CHECK(ten.reserved_masternode == 4);
  CHECK(ten.max_regular_inbound() == 1);
  // Small nodes keep a slot for ordinary peers.
  auto one = slot_limits::for_max(1);
  CHECK(one.reserved_outbound == 0);
  CHECK(one.reserved_masternode == 0);
  CHECK(one.max_regular_inbound() == 1);
  auto none = slot_limits::for_max(0);
  CHECK(none.max_total == 0);
  CHECK(none.reserved_masternode == 0);
}

TEST_CASE("slot policy: regular inbound peers stop at their share; "
          "masternodes still get in") {
  auto l = slot_limits::for_max(125);
  std::vector<slot_peer> peers;
  int refused = 0;
  for (int i = 0; i < 125; ++i)
    if (!join(l, peers, peer("in" + std::to_string(i), true, i)).admit)
      ++refused;
  CHECK(peers.size() == 67);
  CHECK(refused == 125 - 67);
  // Masternodes, inbound, take the reserved slots up to the inbound limit.
  for (int i = 0; i < 60; ++i)
    join(l, peers, peer("mn" + std::to_string(i), true, 1000 + i, true));
  CHECK(peers.size() == 117);
  // No inbound peer of any class takes the outbound reservation.
  CHECK(!decide_slot(l, peers, peer("late-mn", true, 2000, true)).admit);
  CHECK(!decide_slot(l, peers, peer("white", true, 2000, false, true)).admit);
  // Outbound: 8 free slots, then eviction of the youngest regular inbound.
  for (int i = 0; i < 8; ++i)
    CHECK(
      join(l, peers, peer("out" + std::to_string(i), false, 3000, false, true))
        .admit);
  CHECK(peers.size() == 125);
  auto d = join(l, peers, peer("out-more", false, 4000, false, true));
  CHECK(d.admit);
  REQUIRE(d.evict);
  CHECK(*d.evict == "in66");
  CHECK(peers.size() == 125);
}

TEST_CASE("slot policy: masternodes and manual peers are never evicted") {
  auto l = slot_limits::for_max(10); // 5 outbound, 4 masternode reserved
  std::vector<slot_peer> peers;
  CHECK(join(l, peers, peer("in", true, 1)).admit);
  CHECK(!join(l, peers, peer("in2", true, 2)).admit); // 1 regular inbound
  CHECK(join(l, peers, peer("mn1", true, 3, true)).admit);
  CHECK(join(l, peers, peer("mn2", true, 4, true)).admit);
  CHECK(join(l, peers, peer("white", true, 5, false, true)).admit);
  CHECK(join(l, peers, peer("mn3", true, 6, true)).admit);
  // Inbound full (5 of 10); five outbound fill the node, the sixth evicts
  // the one regular inbound peer, the seventh finds nobody to evict.
  for (int i = 0; i < 5; ++i)
    CHECK(
      join(l, peers, peer("out" + std::to_string(i), false, 10, false, true))
        .admit);
  auto d = join(l, peers, peer("out5", false, 11, false, true));
  CHECK(d.admit);
  REQUIRE(d.evict);
  CHECK(*d.evict == "in");
  d = decide_slot(l, peers, peer("out6", false, 12, false, true));
  CHECK(!d.admit);
  CHECK(!d.evict);
}

TEST_CASE("slot policy: a regular outbound peer takes a regular slot") {
  auto l = slot_limits::for_max(20); // 8 outbound, 8 masternode: 12 regular
  std::vector<slot_peer> peers;
  for (int i = 0; i < 10; ++i)
    join(l, peers, peer("in" + std::to_string(i), true, i));
  CHECK(peers.size() == 4); // 12 regular less 8 for outbound
  for (int i = 0; i < 8; ++i)
    CHECK(
      join(l, peers, peer("out" + std::to_string(i), false, 100 + i)).admit);
  CHECK(peers.size() == 12);
  // The regular class is full: one more regular outbound evicts a regular
  // inbound peer; a masternode needs no eviction.
  auto d = join(l, peers, peer("out8", false, 200));
  CHECK(d.admit);
  REQUIRE(d.evict);
  CHECK(*d.evict == "in3");
  d = join(l, peers, peer("mn", false, 300, true));
  CHECK(d.admit);
  CHECK(!d.evict);
  // Nothing left to evict: refused.
  for (int i = 0; i < 3; ++i)
    join(l, peers, peer("o" + std::to_string(i), false, 400));
  CHECK(!decide_slot(l, peers, peer("last", false, 500)).admit);
}
