// Masternodes over real loopback sockets: a funded node announces itself,
// the others list it after checking its collateral in their chains, and it
// gets a reserved slot on a node whose regular slots are full; a node that
// only claims to be one gets nothing.

#include <doctest/doctest.h>

#include "cluster.hpp"
#include "raw_peer.hpp"

using namespace timecoin;
using namespace timecoin::test;

namespace {

std::vector<masternode_info> listed(cluster& c, const node_handle& n) {
  caf::scoped_actor self{*c.sys};
  std::vector<masternode_info> out;
  self->request(n.actor(), 5s, mnlist_atom::value)
    .receive([&](std::vector<masternode_info>& v) { out = std::move(v); },
             [](caf::error&) {});
  return out;
}

bool lists(cluster& c, const node_handle& n, const std::string& id) {
  for (const auto& m : listed(c, n))
    if (m.node_id == id)
      return true;
  return false;
}

std::string send_to(cluster& c, const node_handle& n, const std::string& owner,
                    uint64_t units) {
  caf::scoped_actor self{*c.sys};
  std::string out;
  self->request(n.actor(), 10s, sendto_atom::value, owner, units)
    .receive([&](std::string& txid) { out = std::move(txid); },
             [&](caf::error& e) { FAIL(c.sys->render(e)); });
  return out;
}

/// `n`'s view of the peer `id`, if connected.
std::optional<peer_info> peer_of(cluster& c, const node_handle& n,
                                 const std::string& id) {
  for (auto& p : c.peers(n))
    if (p.node_id == id)
      return p;
  return std::nullopt;
}

constexpr uint64_t collateral_units = 100'000'000'000ULL; // 1,000 TIME

} // namespace

TEST_CASE("a funded, announced masternode gets a reserved slot; a node that "
          "only claims to be one does not") {
  cluster c;
  auto aconf = local_cluster_node("mn-a");
  aconf.maxconnections = 10; // 4 reserved for masternodes, 6 regular
  auto a = c.start_with(aconf);
  // The masternode's id first: start it once, alone.
  auto mconf = local_cluster_node("mn-m");
  mconf.listen = true;
  auto m0 = c.start_with(mconf);
  auto mid = m0.node_id();
  c.stop(m0);
  // Its collateral: 1,000 TIME from the devnet producer, in a block.
  generate(c, a, 12, 0); // the producer needs 1,000 TIME of coins
  auto txid = send_to(c, a, mid, collateral_units);
  REQUIRE(txid.size() == 64);
  generate(c, a, 1, 0);
  auto tip = info_of(c, a);
  // Six regular peers fill a's regular slots; each syncs a's chain.
  std::vector<node_handle> regular;
  for (int i = 0; i < 6; ++i) {
    auto conf = local_cluster_node("mn-r" + std::to_string(i));
    conf.addnode = {addr(a)};
    regular.push_back(c.start_with(conf));
  }
  REQUIRE(eventually([&] { return a.connected_count() == 6; }));
  for (auto& r : regular)
    REQUIRE(eventually([&] { return same_tip(c, r, tip); }, 30s));
  // A seventh regular peer finds no slot (the six are protected from
  // eviction): REJECT 6, again and again.
  auto extra_conf = local_cluster_node("mn-extra");
  extra_conf.addnode = {addr(a)};
  auto extra = c.start_with(extra_conf);
  // A node that says it is a masternode but has no collateral.
  auto liar_conf = local_cluster_node("mn-liar");
  liar_conf.masternode = true;
  liar_conf.addnode = {addr(a)};
  auto liar = c.start_with(liar_conf);
  CHECK(throughout(
    [&] {
      return !a.is_connected(extra.node_id())
             && !a.is_connected(liar.node_id());
    },
    2s));
  CHECK(!lists(c, a, liar.node_id()));
  // The masternode, funded, reaches a through a regular peer: it announces
  // itself there, the peer checks the collateral and relays, a lists it.
  mconf.masternode = true;
  mconf.masternodecollateral = txid + ":0";
  mconf.addnode = {addr(regular[0])};
  auto m = c.start_with(mconf);
  REQUIRE(m.node_id() == mid);
  CHECK(eventually([&] { return lists(c, m, mid); }, 30s));
  CHECK(eventually([&] { return lists(c, a, mid); }, 30s));
  // Now it dials a and gets a slot the regular peers cannot have.
  caf::scoped_actor self{*c.sys};
  self
    ->request(m.actor(), 5s, addnode_atom::value, addr(a),
              static_cast<uint8_t>(addnode_mode::add))
    .receive([](bool) {}, [](caf::error&) {});
  CHECK(eventually([&] { return a.is_connected(mid); }, 20s));
  auto seen = peer_of(c, a, mid);
  REQUIRE(seen);
  CHECK(seen->masternode);
  for (auto& p : c.peers(a))
    if (p.node_id != mid)
      CHECK(!p.masternode);
  CHECK(!a.is_connected(liar.node_id()));
  // masternodelist shows the collateral.
  auto list = listed(c, a);
  REQUIRE(list.size() == 1);
  CHECK(list[0].collateral == txid + ":0");
  // A new peer learns the list at once with GET_MASTERNODES, answered once
  // per connection.
  auto asker = authenticated(regular[0].p2p_port(), "127.0.0.1");
  REQUIRE(asker);
  auto ask = [&](uint64_t id) -> std::optional<proto::masternodes> {
    asker->send(proto::message{id, proto::get_masternodes{}});
    while (auto msg = asker->receive(10s))
      if (auto* m = std::get_if<proto::masternodes>(&msg->content);
          m && msg->id == id)
        return *m;
    return std::nullopt;
  };
  auto first = ask(7);
  REQUIRE(first);
  REQUIRE(first->entries.size() == 1);
  CHECK(proto::to_hex(first->entries[0].sender) == mid);
  auto second = ask(8);
  REQUIRE(second);
  CHECK(second->entries.empty());
  // Kind 9 cannot be published through the library: the node makes its
  // own announcement.
  bool published = true;
  self
    ->request(a.actor(), 5s, publish_atom::value, uint16_t{9},
              std::vector<uint8_t>{1, 2, 3})
    .receive([&](bool ok) { published = ok; }, [](caf::error&) {});
  CHECK(!published);
}

TEST_CASE("a masternode without its collateral says so and is not listed") {
  cluster c;
  auto a = c.start_with(local_cluster_node("nocol-a"));
  auto conf = local_cluster_node("nocol-m");
  conf.masternode = true;
  conf.masternodecollateral = std::string(64, 'e') + ":0";
  conf.addnode = {addr(a)};
  auto m = c.start_with(conf);
  REQUIRE(eventually([&] { return a.is_connected(m.node_id()); }));
  CHECK(throughout([&] { return listed(c, a).empty(); }, 1s));
  CHECK(listed(c, m).empty());
}
