// The registry under the test coordinator: the one-connection-per-pair rule
// of docs/PROTOCOL.md, "Handshake" applied on both ends of a simultaneous dial,
// and the published table.

#include <doctest/doctest.h>

#include "actors/node.hpp"
#include "actors/registry.hpp"
#include "fixture.hpp"

using namespace timecoin;

namespace {

/// Stands in for one connection actor: registers, records what it is told.
struct fake_conn {
  std::shared_ptr<std::optional<uint16_t>> reply
    = std::make_shared<std::optional<uint16_t>>();
  std::shared_ptr<std::optional<uint16_t>> rejected
    = std::make_shared<std::optional<uint16_t>>();
  caf::actor self;
};

fake_conn spawn_conn(caf::actor_system& sys, caf::actor registry,
                     conn_record rec) {
  fake_conn fc;
  auto reply = fc.reply;
  auto rejected = fc.rejected;
  fc.self = sys.spawn([=](caf::event_based_actor* self) -> caf::behavior {
    self->request(registry, caf::infinite, register_atom::value, rec)
      .then([=](uint16_t code) { *reply = code; });
    return {
      [=](reject_atom, uint16_t code, const std::string&) {
        *rejected = code;
        self->quit();
      },
      [=](bye_atom, const std::string&) { self->quit(); },
    };
  });
  return fc;
}

conn_record record(const std::string& peer_id, const std::string& dialer,
                   bool inbound) {
  conn_record rec;
  rec.entry.node_id = peer_id;
  rec.entry.inbound = inbound;
  rec.entry.host = "127.0.0.1";
  rec.stats = std::make_shared<conn_stats>();
  rec.dialer_id = dialer;
  rec.target = inbound ? "" : "127.0.0.1:1";
  return rec;
}

struct registry_fixture : test::net_fixture {
  std::shared_ptr<node_context> ctx = test::make_context();
  caf::actor sup = sys.spawn([](caf::event_based_actor*) -> caf::behavior {
    return {
      [](up_atom, const std::string&, const std::string&, bool) {},
      [](lost_atom, const std::string&, const std::string&, int64_t) {},
    };
  });
  caf::actor registry = spawn_registry(sys, ctx, sup);

  /// The registry's `getpeerinfo` answer.
  std::vector<peer_info> request_peers() {
    auto out = std::make_shared<std::vector<peer_info>>();
    auto reg = registry;
    sys.spawn([=](caf::event_based_actor* self) {
      self->request(reg, caf::infinite, peers_atom::value)
        .then([=](std::vector<peer_info>& p) { *out = std::move(p); });
    });
    settle();
    return *out;
  }

  ~registry_fixture() {
    caf::anon_send_exit(registry, caf::exit_reason::kill);
    caf::anon_send_exit(sup, caf::exit_reason::kill);
    settle();
  }
};

} // namespace

// Node "0a" (smaller) and node "0b" dial each other at once. On each node the
// two connections register in some order; both nodes must keep the one that
// "0a" dialled.
TEST_CASE(
  "simultaneous dial converges on the connection the smaller id dialled") {
  const std::string a = "0a", b = "0b";
  for (bool a_first : {true, false}) {
    CAPTURE(a_first);
    registry_fixture f;
    // Seen from the node with id `b`: peer a, one connection dialled by a
    // (inbound) and one dialled by b (outbound).
    auto in = record(a, a, true);
    auto out = record(a, b, false);
    auto first = spawn_conn(f.sys, f.registry, a_first ? in : out);
    f.settle();
    auto second = spawn_conn(f.sys, f.registry, a_first ? out : in);
    f.settle();
    auto& kept = a_first ? first : second;
    auto& dropped = a_first ? second : first;
    REQUIRE(first.reply->has_value());
    REQUIRE(second.reply->has_value());
    CHECK(**kept.reply == 0);
    CHECK(!kept.rejected->has_value());
    // The loser is refused at registration or told afterwards.
    bool refused = **dropped.reply == 3 || *dropped.rejected == uint16_t{3};
    CHECK(refused);
    CHECK(f.ctx->table->connected_count() == 1);
    auto entry_inbound = f.ctx->table->read(
      [&](const peer_snapshot& s) { return s.by_id.at(a).inbound; });
    CHECK(entry_inbound); // the connection a dialled
    caf::anon_send_exit(first.self, caf::exit_reason::kill);
    caf::anon_send_exit(second.self, caf::exit_reason::kill);
    f.settle();
  }
}

TEST_CASE("two connections dialled by the same side: the newer is kept") {
  registry_fixture f;
  auto older = spawn_conn(f.sys, f.registry, record("0c", "0a", false));
  f.settle();
  auto newer = spawn_conn(f.sys, f.registry, record("0c", "0a", false));
  f.settle();
  CHECK(**older.reply == 0);
  CHECK(*older.rejected == uint16_t{3});
  CHECK(**newer.reply == 0);
  CHECK(!newer.rejected->has_value());
  CHECK(f.ctx->table->connected_count() == 1);
  caf::anon_send_exit(newer.self, caf::exit_reason::kill);
  f.settle();
  CHECK(f.ctx->table->connected_count() == 0);
}

TEST_CASE("an automatic outbound connection evicts a regular inbound peer; "
          "a feeler never does") {
  registry_fixture f;
  f.ctx->cfg.maxconnections = 2; // 1 masternode slot, 1 regular
  auto in = spawn_conn(f.sys, f.registry, record("01", "01", true));
  f.settle();
  CHECK(**in.reply == 0);
  auto feeler_rec = record("02", "00", false);
  feeler_rec.type = conn_type::feeler;
  auto feeler = spawn_conn(f.sys, f.registry, feeler_rec);
  f.settle();
  CHECK(**feeler.reply == 6);
  CHECK(!in.rejected->has_value());
  auto out_rec = record("03", "00", false);
  out_rec.type = conn_type::outbound;
  auto out = spawn_conn(f.sys, f.registry, out_rec);
  f.settle();
  CHECK(**out.reply == 0);
  CHECK(*in.rejected == uint16_t{6});
  auto peers = f.request_peers();
  REQUIRE(peers.size() == 1);
  CHECK(peers[0].connection_type == "outbound");
  CHECK(!peers[0].masternode);
  for (auto* c : {&in, &feeler, &out})
    caf::anon_send_exit(c->self, caf::exit_reason::kill);
  f.settle();
}

TEST_CASE("a node with no free slot refuses with REJECT 6") {
  registry_fixture f;
  f.ctx->cfg.maxconnections = 1;
  auto one = spawn_conn(f.sys, f.registry, record("01", "01", true));
  f.settle();
  auto two = spawn_conn(f.sys, f.registry, record("02", "02", true));
  f.settle();
  CHECK(**one.reply == 0);
  CHECK(**two.reply == 6);
  caf::anon_send_exit(one.self, caf::exit_reason::kill);
  caf::anon_send_exit(two.self, caf::exit_reason::kill);
  f.settle();
}
using namespace timecoin;

TEST_CASE("slots: regular inbound peers stop at their share, a known "
          "masternode still gets in, the HELLO bit counts for nothing, "
          "outbound evicts the youngest regular inbound peer") {
  registry_fixture f;
  // 4 reserved for masternodes: 6 regular slots, in or out.
  f.ctx->cfg.maxconnections = 10;
  f.ctx->cfg.masternode_peers = {"10.0.0.7:24100"};
  auto with_since = [](conn_record rec, int64_t since) {
    rec.entry.connected_since = since;
    return rec;
  };
  std::vector<fake_conn> in;
  for (int i = 0; i < 8; ++i) {
    char id[8];
    std::snprintf(id, sizeof id, "1%02d", i);
    auto rec = with_since(record(id, id, true), 1000 + i);
    // Claims to be a masternode: no reserved slot for that.
    rec.entry.services = proto::service_masternode;
    in.push_back(spawn_conn(f.sys, f.registry, rec));
    f.settle();
  }
  // Six fill the regular slots; the others find every one protected from
  // eviction (fewer than Bitcoin Core's 20 protected) and get REJECT 6.
  for (int i = 0; i < 6; ++i)
    CHECK(**in[i].reply == 0);
  CHECK(**in[6].reply == 6);
  CHECK(**in[7].reply == 6);
  CHECK(f.ctx->table->read([](const peer_snapshot& s) { return s.masternodes; })
        == 0);
  // The operator's masternode, inbound from its address, gets a reserved
  // slot and counts for the rate limits.
  auto mn_rec = with_since(record("300", "300", true), 1100);
  mn_rec.entry.host = "10.0.0.7";
  auto mn = spawn_conn(f.sys, f.registry, mn_rec);
  f.settle();
  CHECK(**mn.reply == 0);
  CHECK(f.ctx->table->read([](const peer_snapshot& s) { return s.masternodes; })
        == 1);
  std::vector<fake_conn> out;
  for (int i = 0; i < 4; ++i) {
    char id[8];
    std::snprintf(id, sizeof id, "2%02d", i);
    // The operator's peers (addnode): they take any slot.
    auto rec = with_since(record(id, "00", false), 2000 + i);
    rec.type = conn_type::addnode;
    out.push_back(spawn_conn(f.sys, f.registry, rec));
    f.settle();
  }
  // 3 free slots, then the fourth outbound connection evicts the youngest
  // regular inbound peer (connected at 1005), never the masternode.
  for (auto& o : out)
    CHECK(**o.reply == 0);
  CHECK(*in[5].rejected == uint16_t{6});
  for (int i = 0; i < 5; ++i)
    CHECK(!in[i].rejected->has_value());
  CHECK(!mn.rejected->has_value());
  CHECK(f.ctx->table->connected_count() == 10);
  for (auto& c : in)
    caf::anon_send_exit(c.self, caf::exit_reason::kill);
  for (auto& c : out)
    caf::anon_send_exit(c.self, caf::exit_reason::kill);
  caf::anon_send_exit(mn.self, caf::exit_reason::kill);
  f.settle();
}
