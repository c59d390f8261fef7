// State sync over loopback TLS: full sync, several sources, a corrupt
// source, forks, fast sync from a snapshot.

#include "tests/integration/cluster.hpp"
#include "tests/integration/raw_peer.hpp"

#include "protocol/codec.hpp"
#include "security/envelope.hpp"

using namespace timecoin;
using namespace timecoin::test;

namespace {

/// Blocks of the main test chain and their transactions.
constexpr uint32_t chain_blocks = 2000;
constexpr uint32_t chain_txs = 5;

std::string verify_chain(cluster& c, const node_handle& n) {
  caf::scoped_actor self{*c.sys};
  std::string out = "no answer";
  self->request(n.actor(), 120s, verifychain_atom::value)
    .receive([&](std::string& s) { out = std::move(s); },
             [&](caf::error& e) { out = c.sys->render(e); });
  return out;
}

node_config config_for(const std::string& name,
                       std::vector<std::string> addnode = {}) {
  node_config c;
  c.datadir = fresh_dir(name);
  c.port = 0;
  c.port_set = true;
  c.addnode = std::move(addnode);
  // Every node shares 127.0.0.1: a ban after the violations this suite
  // provokes on purpose would cut honest nodes too.
  c.whitelist = {"127.0.0.1"};
  return c;
}

/// Alters the first block of every BLOCKS answer above height 500 (a
/// changed output value: merkle root and signature no longer match).
bool corrupt_blocks(proto::message& m) {
  auto* b = std::get_if<proto::blocks>(&m.content);
  if (!b || b->items.empty() || b->items.front().header.height <= 500)
    return true;
  auto& txs = b->items.front().transactions;
  if (!txs.empty() && !txs.front().outputs.empty())
    txs.front().outputs.front().value += 1;
  return true;
}

/// Never answers GET_BLOCKS (a peer that stalls).
bool swallow_blocks(proto::message& m) {
  return !std::holds_alternative<proto::blocks>(m.content);
}

/// Serves every window but the first (1-128): holds the gap a fresh node
/// waits for, while filling the windows after it.
bool hold_gap(proto::message& m) {
  auto* b = std::get_if<proto::blocks>(&m.content);
  return !(b && !b->items.empty() && b->items.front().header.height == 1);
}

/// Alters one entry of every UTXO snapshot chunk served.
bool alter_snapshot(proto::message& m) {
  auto* chunk = std::get_if<proto::utxo_chunk>(&m.content);
  if (chunk && !chunk->entries.empty())
    chunk->entries.front().value += 1;
  return true;
}

} // namespace

TEST_CASE("a fresh node syncs 2,000 blocks with transactions") {
  cluster c;
  auto a = c.start_with(config_for("sync-a"));
  auto hashes = generate(c, a, chain_blocks, chain_txs);
  REQUIRE(hashes.size() == chain_blocks);
  auto ref = info_of(c, a);
  CHECK(ref.blocks == chain_blocks);
  CHECK(ref.utxos > chain_blocks);
  auto b = c.start_with(config_for("sync-b", {addr(a)}));
  CHECK(eventually([&] { return same_tip(c, b, ref); }, 180s));
  CHECK(verify_chain(c, b).empty());
  auto ib = info_of(c, b);
  CHECK(ib.utxos == ref.utxos);
  CHECK(ib.base_height == 0);
  CHECK(ib.sync.state == "idle");
  CHECK(ib.sync.rejected_blocks == 0);
}

TEST_CASE("three sources, one stopped mid-sync: the download completes") {
  cluster c;
  auto a = c.start_with(config_for("three-a"));
  generate(c, a, chain_blocks, chain_txs);
  auto ref = info_of(c, a);
  auto s1 = c.start_with(config_for("three-s1", {addr(a)}));
  auto s2 = c.start_with(config_for("three-s2", {addr(a)}));
  REQUIRE(eventually([&] { return same_tip(c, s1, ref); }, 180s));
  REQUIRE(eventually([&] { return same_tip(c, s2, ref); }, 180s));
  auto b = c.start_with(config_for("three-b", {addr(a), addr(s1), addr(s2)}));
  REQUIRE(eventually([&] { return info_of(c, b).blocks > 0; }, 60s));
  c.stop(s1);
  CHECK(eventually([&] { return same_tip(c, b, ref); }, 180s));
  CHECK(verify_chain(c, b).empty());
}

TEST_CASE("a source serving a corrupt block is charged; sync completes") {
  cluster c;
  auto good = c.start_with(config_for("corrupt-good"));
  generate(c, good, 1500, 2);
  auto ref = info_of(c, good);
  // The bad source holds the same chain and alters what it serves.
  auto bad = c.start_with(config_for("corrupt-bad", {addr(good)}),
                          corrupt_blocks);
  REQUIRE(eventually([&] { return same_tip(c, bad, ref); }, 180s));
  auto b = c.start_with(config_for("corrupt-b", {addr(bad), addr(good)}));
  CHECK(eventually([&] { return same_tip(c, b, ref); }, 180s));
  auto ib = info_of(c, b);
  CHECK(ib.sync.rejected_blocks >= 1);
  CHECK(verify_chain(c, b).empty());
}

TEST_CASE("a 5-block fork resolves to the longer chain on every node") {
  cluster c;
  auto a = c.start_with(config_for("fork-a"));
  auto cc = c.start_with(config_for("fork-c", {addr(a)}));
  generate(c, a, 10, 3);
  auto base = info_of(c, a);
  REQUIRE(eventually([&] { return same_tip(c, cc, base); }, 60s));
  auto b_cfg = config_for("fork-b", {addr(a)});
  auto b = c.start_with(b_cfg);
  REQUIRE(eventually([&] { return same_tip(c, b, base); }, 60s));
  c.stop(b);
  // A (and C with it) goes 5 blocks one way ...
  generate(c, a, 5, 1);
  auto short_branch = info_of(c, a);
  REQUIRE(eventually([&] { return same_tip(c, cc, short_branch); }, 60s));
  // ... B, alone, 6 blocks another way.
  b_cfg.addnode.clear();
  b = c.start_with(b_cfg);
  generate(c, b, 6, 2);
  auto long_branch = info_of(c, b);
  REQUIRE(long_branch.blocks == 16);
  REQUIRE(long_branch.best_hash != short_branch.best_hash);
  {
    caf::scoped_actor self{*c.sys};
    self
      ->request(b.actor(), 5s, addnode_atom::value, addr(a),
                static_cast<uint8_t>(addnode_mode::add))
      .receive([](bool ok) { CHECK(ok); }, [](caf::error&) {});
  }
  CHECK(eventually([&] { return same_tip(c, a, long_branch); }, 60s));
  CHECK(eventually([&] { return same_tip(c, cc, long_branch); }, 60s));
  CHECK(info_of(c, a).sync.reorgs == 1);
  CHECK(info_of(c, a).utxos == long_branch.utxos);
  CHECK(verify_chain(c, a).empty());
  CHECK(verify_chain(c, cc).empty());
}

TEST_CASE("fast sync reaches the full-sync tip from a snapshot") {
  cluster c;
  auto a = c.start_with(config_for("fast-a"));
  // 31 outputs more per block: the snapshot at 400 spans two chunks.
  generate(c, a, 450, 30);
  auto ref = info_of(c, a);
  REQUIRE(ref.snapshot_heights == std::vector<uint64_t>{300, 400});
  auto fcfg = config_for("fast-f", {addr(a)});
  fcfg.fastsync = true;
  auto f = c.start_with(fcfg);
  CHECK(eventually([&] { return same_tip(c, f, ref); }, 120s));
  auto fi = info_of(c, f);
  CHECK(fi.base_height == 400);
  CHECK(fi.utxos == ref.utxos);
  CHECK(fi.sync.rejected_snapshots == 0);
  CHECK(verify_chain(c, f).empty());
  // Below its base it keeps headers, not blocks.
  caf::scoped_actor self{*c.sys};
  bool refused = false;
  self->request(f.actor(), 5s, getblock_atom::value, std::string{"5"})
    .receive([](block_info&) {}, [&](caf::error&) { refused = true; });
  CHECK(refused);
  // The same chain as a full sync: a node syncing every block agrees. It
  // also dials the fast-synced node, which no longer offers full history
  // (services bit 2) although it started with it.
  auto full = c.start_with(config_for("fast-full", {addr(a), addr(f)}));
  CHECK(eventually([&] { return same_tip(c, full, ref); }, 120s));
  std::optional<uint32_t> f_services;
  CHECK(eventually([&] {
    self->request(full.actor(), 5s, peers_atom::value)
      .receive(
        [&](const std::vector<peer_info>& peers) {
          for (const auto& p : peers)
            if (p.node_id == f.node_id())
              f_services = p.services;
        },
        [](caf::error&) {});
    return f_services.has_value();
  }));
  REQUIRE(f_services);
  CHECK((*f_services & proto::service_full_history) == 0);
  CHECK((*f_services & proto::service_utxo_snapshots) != 0);
}

TEST_CASE("a snapshot with one altered entry is refused") {
  cluster c;
  auto src = c.start_with(config_for("alter-src"), alter_snapshot);
  generate(c, src, 250, 3);
  auto ref = info_of(c, src);
  auto fcfg = config_for("alter-f", {addr(src)});
  fcfg.fastsync = true;
  auto f = c.start_with(fcfg);
  CHECK(eventually([&] { return info_of(c, f).sync.rejected_snapshots >= 1; },
                   60s));
  // It falls back to downloading every block, and gets the real state.
  CHECK(eventually([&] { return same_tip(c, f, ref); }, 120s));
  CHECK(info_of(c, f).base_height == 0);
}

TEST_CASE("gossiped blocks that are not the producer's move no heights") {
  cluster c;
  auto a = c.start_with(config_for("fake-a"));
  generate(c, a, 3, 1);
  auto ref = info_of(c, a);
  raw_peer p;
  REQUIRE(p.connect(a.p2p_port()));
  REQUIRE(p.start_tls());
  REQUIRE(p.handshake());
  auto id = proto::to_hex(p.key().public_key());
  REQUIRE(eventually([&] { return a.is_connected(id); }));
  auto gossip_block = [&](const proto::block& b) {
    p.send(proto::message{
      0, security::make_gossip(
           &p.key(), proto::params(proto::network::devnet).magic,
           proto::gossip_kind_block, unix_now(), proto::encode_block(b))});
  };
  // Far ahead, produced by the peer itself (not authorised).
  proto::block far;
  far.header.height = 1'000'000;
  far.header.producer = p.key().public_key();
  far.producer_signature = p.key().sign(
    proto::block_signing_bytes(proto::block_hash(far.header)));
  far.transactions.resize(1);
  gossip_block(far);
  // The next height on another parent, claiming the devnet producer with a
  // signature that is not its.
  proto::block fork;
  fork.header.height = ref.blocks + 1;
  fork.header.prev_hash[0] = 0x42;
  fork.header.producer = proto::devnet_producer_public_key();
  fork.transactions.resize(1);
  gossip_block(fork);
  CHECK(throughout(
    [&] {
      auto i = info_of(c, a);
      return i.sync.peers_best_height <= ref.blocks && i.sync.state == "idle"
             && i.best_hash == ref.best_hash;
    },
    1500ms));
  CHECK(info_of(c, a).sync.reorgs == 0);
  CHECK(a.is_connected(id));
}

TEST_CASE("windows unanswered for 30 s are asked of another source") {
  cluster c;
  auto good = c.start_with(config_for("silent-good"));
  generate(c, good, 600, 1);
  auto ref = info_of(c, good);
  auto silent = c.start_with(config_for("silent-src", {addr(good)}),
                             swallow_blocks);
  // It holds the chain (it downloaded it) but serves no block.
  REQUIRE(eventually([&] { return same_tip(c, silent, ref); }, 60s));
  auto b = c.start_with(config_for("silent-b", {addr(silent), addr(good)}));
  // Windows sent to the silent source time out after 30 s and are asked of
  // the honest one; without that, the download would stall for good.
  CHECK(eventually([&] { return same_tip(c, b, ref); }, 120s));
  CHECK(verify_chain(c, b).empty());
}

TEST_CASE("a peer that holds the gap and stuffs the other windows is charged") {
  cluster c;
  auto good = c.start_with(config_for("stuff-good"));
  generate(c, good, 600, 1);
  auto ref = info_of(c, good);
  auto b = c.start_with(config_for("stuff-b"));
  // The measured attack: announce height 1,000,000, leave 1-128 unanswered,
  // answer every other window with one 8 MB block of 1.6 M empty
  // transactions (64 bytes each once decoded), signed by nobody.
  raw_peer p;
  REQUIRE(p.connect(b.p2p_port()));
  REQUIRE(p.start_tls());
  REQUIRE(p.handshake());
  auto id = proto::to_hex(p.key().public_key());
  REQUIRE(eventually([&] { return b.is_connected(id); }));
  int stuffed = 0;
  bool held_gap = false;
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto msg = p.receive(1s);
    if (!msg) {
      if (!b.is_connected(id))
        break;
      continue;
    }
    if (std::holds_alternative<proto::get_tip>(msg->content)) {
      p.send(proto::message{msg->id, proto::tip{1'000'000, {}, {}}});
    } else if (auto* gb = std::get_if<proto::get_blocks>(&msg->content)) {
      if (gb->start == 1) {
        held_gap = true;
        continue;
      }
      proto::blocks answer;
      answer.items.resize(1);
      answer.items[0].header.height = gb->start;
      answer.items[0].header.producer = proto::devnet_producer_public_key();
      answer.items[0].transactions.resize(1'600'000);
      p.send(proto::message{msg->id, std::move(answer)});
      ++stuffed;
    }
  }
  CHECK(held_gap);
  CHECK(stuffed >= 1);
  // Charged at its first stuffed window: the node closed the connection.
  CHECK_FALSE(b.is_connected(id));
  auto before = info_of(c, b);
  CHECK(before.sync.rejected_blocks >= 1);
  // Its 1,000,000 no longer counts; the honest source brings the chain.
  {
    caf::scoped_actor self{*c.sys};
    self
      ->request(b.actor(), 5s, addnode_atom::value, addr(good),
                static_cast<uint8_t>(addnode_mode::add))
      .receive([](bool ok) { CHECK(ok); }, [](caf::error&) {});
  }
  CHECK(eventually([&] { return same_tip(c, b, ref); }, 120s));
  auto after = info_of(c, b);
  CHECK(after.sync.peers_best_height == ref.blocks);
  CHECK(verify_chain(c, b).empty());
}

TEST_CASE(
  "a source holding the gap times out there; the gap is asked elsewhere") {
  cluster c;
  auto good = c.start_with(config_for("gap-good"));
  generate(c, good, 1000, 1);
  auto ref = info_of(c, good);
  auto holder = c.start_with(config_for("gap-holder", {addr(good)}), hold_gap);
  REQUIRE(eventually([&] { return same_tip(c, holder, ref); }, 60s));
  auto b = c.start_with(config_for("gap-b", {addr(holder)}));
  // The windows after the gap arrive (held within the buffer budget); the
  // gap does not, so nothing is applied.
  CHECK(throughout([&] { return info_of(c, b).blocks == 0; }, 5s));
  {
    caf::scoped_actor self{*c.sys};
    self
      ->request(b.actor(), 5s, addnode_atom::value, addr(good),
                static_cast<uint8_t>(addnode_mode::add))
      .receive([](bool ok) { CHECK(ok); }, [](caf::error&) {});
  }
  // The gap's request times out at 30 s and goes to the honest source.
  CHECK(eventually([&] { return same_tip(c, b, ref); }, 120s));
  CHECK(info_of(c, b).sync.rejected_blocks == 0);
  CHECK(verify_chain(c, b).empty());
}
