// The chain store: opening, producing and appending, the docs/PROTOCOL.md,
// "Chain data" reads.

#include <doctest/doctest.h>

#include <limits>

#include "protocol/codec.hpp"
#include "tests/chain/helpers.hpp"

using namespace timecoin;
using namespace timecoin::chain;
using namespace timecoin::chain::test;

TEST_CASE("a new store holds the devnet genesis and keeps its tip") {
  temp_dir d;
  const auto genesis = proto::devnet_genesis();
  {
    auto s = open_store(d.sub("s"));
    const auto t = s->tip();
    CHECK(t.height == 0);
    CHECK(t.hash == proto::devnet_genesis_hash());
    CHECK(proto::to_hex(t.hash).rfind("4d768f89", 0) == 0);
    CHECK(proto::to_hex(t.hash).substr(60) == "f28a");
    CHECK(t.utxo_root == genesis.header.utxo_root);
    CHECK(t.utxos == 1);
    CHECK(t.base_height == 0);
    CHECK(t.timestamp == proto::devnet_genesis_timestamp);
    const auto c = ok(s->find_coin(proto::txid(genesis.transactions[0]), 0));
    REQUIRE(c);
    CHECK(c->value == proto::devnet_block_reward);
    CHECK(c->owner == proto::devnet_producer_public_key());
    CHECK(!s->verify());
    CHECK(ok(s->height_of(t.hash)) == std::optional<uint64_t>{0});
    REQUIRE(ok(s->block_at(0)));
    CHECK(proto::encode_block(*ok(s->block_at(0)))
          == proto::encode_block(genesis));

    producer p{devnet_key()};
    REQUIRE(p.generate(*s, 3, 1, test_time));
  }
  auto s = open_store(d.sub("s"));
  CHECK(s->tip().height == 3);
  CHECK(!s->verify());

  // Another genesis: the store refuses to open.
  auto other = devnet_params();
  other.genesis.header.timestamp += 1;
  auto r = store::open(d.sub("s2"), devnet_params());
  REQUIRE(r);
  r.value().reset();
  auto r2 = store::open(d.sub("s2"), other);
  CHECK(!r2);
}

TEST_CASE("produced blocks carry transactions and replay on a fresh store") {
  temp_dir d;
  auto a = open_store(d.sub("a"));
  producer p{devnet_key()};
  auto blocks = p.generate(*a, 20, 5, test_time);
  REQUIRE(blocks.has_value());
  REQUIRE(blocks->size() == 20);
  for (const auto& b : *blocks)
    CHECK(b.transactions.size() == 6);
  const auto t = a->tip();
  CHECK(t.height == 20);
  // Genesis output, then per block a coinbase output and, per transaction,
  // one coin spent and two made.
  CHECK(t.utxos == 1 + 20 * (1 + 5));
  CHECK(!a->verify());
  CHECK(t.timestamp == test_time);
  // A timestamp below the parent's is raised to it.
  auto low = p.next_block(*a, 0, 5);
  REQUIRE(low);
  CHECK(low->header.timestamp == test_time);

  auto b = open_store(d.sub("b"));
  copy_chain(*a, *b);
  CHECK(b->tip().hash == t.hash);
  CHECK(b->tip().utxo_root == t.utxo_root);
  CHECK(b->tip().utxos == t.utxos);
  CHECK(!b->verify());

  // A producer on the copy continues from its UTXO set (its pool is built
  // from the store, not from blocks it made).
  producer q{devnet_key()};
  REQUIRE(q.generate(*b, 2, 5, test_time));
  CHECK(b->tip().height == 22);
  CHECK(!b->verify());
}

TEST_CASE("a store opens with a small map and verifies on one thread") {
  temp_dir d;
  store_options small;
  small.map_bytes = std::size_t{1} << 20; // 1 MiB, as a simulation's nodes
  small.verify_threads = 1;
  const std::vector<std::string> dirs{d.sub("a"), d.sub("b")};
  {
    auto a = store::open(dirs[0], devnet_params(), small);
    REQUIRE(a);
    producer p{devnet_key()};
    REQUIRE(p.generate(*a.value(), 20, 5, test_time));
    CHECK(!a.value()->verify());
    // A batch of blocks, verified without threads of its own.
    auto b = store::open(dirs[1], devnet_params(), small);
    REQUIRE(b);
    copy_chain(*a.value(), *b.value());
    CHECK(b.value()->tip().hash == a.value()->tip().hash);
    CHECK(!b.value()->verify());
  }
  // Reopened with the default map, the data is all there.
  auto again = open_store(dirs[0]);
  CHECK(again->tip().height == 20);
  CHECK(!again->verify());
}

TEST_CASE("get_blocks, get_hashes and get_headers") {
  temp_dir d;
  auto s = open_store(d.sub("s"));
  producer p{devnet_key()};
  auto blocks = p.generate(*s, 30, 2, test_time);
  REQUIRE(blocks);

  auto bs = ok(s->get_blocks(5, 10));
  REQUIRE(bs.items.size() == 10);
  for (std::size_t i = 0; i < 10; ++i)
    CHECK(proto::block_hash(bs.items[i].header)
          == proto::block_hash((*blocks)[4 + i].header));
  CHECK(ok(s->get_blocks(25, 100)).items.size() == 6);
  CHECK(ok(s->get_blocks(31, 10)).items.empty());
  CHECK(ok(s->get_blocks(5, 0)).items.empty());
  CHECK(ok(s->get_blocks(0, 1)).items.size() == 1);

  auto hs = ok(s->get_hashes(0, 50));
  REQUIRE(hs.items.size() == 31);
  CHECK(hs.items[0] == proto::devnet_genesis_hash());
  CHECK(hs.items[30] == s->tip().hash);
  CHECK(ok(s->get_hashes(31, 5)).items.empty());
  CHECK(ok(s->get_hashes(3, 2)).items.size() == 2);
  auto hd = ok(s->get_headers(1, 30));
  REQUIRE(hd.items.size() == 30);
  for (std::size_t i = 0; i < 30; ++i) {
    CHECK(hd.items[i].header.height == i + 1);
    CHECK(proto::block_hash(hd.items[i].header) == hs.items[i + 1]);
    CHECK(hd.items[i].producer_signature == (*blocks)[i].producer_signature);
  }
  CHECK(ok(s->hash_at(30)) == s->tip().hash);
  CHECK(!ok(s->hash_at(31)));
  CHECK(ok(s->height_of(hs.items[17])) == std::optional<uint64_t>{17});
  CHECK(!ok(s->height_of(proto::hash256{})));
  CHECK(!ok(s->block_at(31)));
  CHECK(!ok(s->header_at(31)));

  // Hostile ranges: at the end of u64, and counts over the limits.
  constexpr auto top = std::numeric_limits<uint64_t>::max();
  CHECK(ok(s->get_blocks(top, 500)).items.empty());
  CHECK(ok(s->get_blocks(top - 1, 65535)).items.empty());
  CHECK(ok(s->get_hashes(top, 2000)).items.empty());
  CHECK(ok(s->get_headers(top - 3, 65535)).items.empty());
  CHECK(ok(s->get_hashes(0, 65535)).items.size() == 31);
  CHECK(!ok(s->snapshot_chunk(top, 0)));
  CHECK(!ok(s->snapshot_chunk(0, std::numeric_limits<uint32_t>::max())));
}

TEST_CASE("get_blocks stops at 4 MiB but always sends the first block") {
  temp_dir d;
  auto s = open_store(d.sub("s"));
  const auto key = devnet_key();
  // Coinbases of many 1-unit outputs make blocks of a known size cheaply.
  auto big = [&](uint32_t outputs) {
    proto::block b;
    b.header.height = s->tip().height + 1;
    b.header.prev_hash = s->tip().hash;
    b.header.timestamp = test_time;
    proto::transaction cb;
    cb.lock_time = static_cast<uint32_t>(b.header.height);
    cb.outputs.assign(outputs, proto::tx_output{1, key.public_key()});
    b.transactions.push_back(std::move(cb));
    finish(*s, b, key);
    auto r = s->append({b});
    REQUIRE(!r.error);
    return proto::encode_block(b).size();
  };
  const std::size_t a = big(118'000); // alone above 4 MiB
  const std::size_t b = big(59'000);  // b + c above 4 MiB
  const std::size_t c = big(59'000);
  const std::size_t e = big(10);
  REQUIRE(a > proto::max_blocks_answer_bytes);
  REQUIRE(b + c > proto::max_blocks_answer_bytes);
  REQUIRE(c + e <= proto::max_blocks_answer_bytes);
  CHECK(ok(s->get_blocks(1, 4)).items.size() == 1);
  CHECK(ok(s->get_blocks(2, 3)).items.size() == 1);
  CHECK(ok(s->get_blocks(3, 2)).items.size() == 2);
  CHECK(ok(s->get_blocks(3, 1)).items.size() == 1);
  CHECK(s->tip().utxos == 1 + 118'000 + 59'000 * 2 + 10);
  CHECK(!s->verify());
}

TEST_CASE("a store reopened after many appends is consistent") {
  temp_dir d;
  proto::hash256 tip{};
  {
    auto s = open_store(d.sub("s"));
    producer p{devnet_key()};
    REQUIRE(p.generate(*s, 120, 1, test_time));
    tip = s->tip().hash;
  }
  auto s = open_store(d.sub("s"));
  CHECK(s->tip().height == 120);
  CHECK(s->tip().hash == tip);
  CHECK(!s->verify());
}

TEST_CASE("a fresh store replays 1-tx and 50-tx blocks in batches of 500") {
  // (Rates are measured by bench/sync_bench, not here.)
  temp_dir d;
  auto src = open_store(d.sub("src"));
  producer p{devnet_key()};
  for (const uint32_t txs : {0u, 49u}) {
    const uint32_t n = txs == 0 ? 1000 : 100;
    REQUIRE(p.generate(*src, n, txs, test_time));
  }
  auto dst = open_store(d.sub("dst"));
  while (dst->tip().height < src->tip().height) {
    auto bs = ok(src->get_blocks(dst->tip().height + 1, 500));
    REQUIRE(!bs.items.empty());
    auto r = dst->append(bs.items);
    REQUIRE(!r.error);
    CHECK(r.applied == bs.items.size());
  }
  CHECK(dst->tip().hash == src->tip().hash);
  CHECK(dst->tip().utxo_root == src->tip().utxo_root);
  CHECK(!dst->verify());
}

TEST_CASE("the producer pays an owner in its next block, with change") {
  temp_dir d;
  auto a = open_store(d.sub("a"));
  producer p{devnet_key()};
  // 21 coinbases of 100 TIME: 2,100 TIME to spend.
  REQUIRE(p.generate(*a, 20, 2, test_time));
  proto::hash256 owner{};
  owner.fill(0x42);
  const uint64_t amount = 150'000'000'000ULL; // 1,500 TIME: several coins
  auto txid = p.pay(*a, owner, amount);
  REQUIRE_MESSAGE(txid, (txid ? "" : txid.error()));
  // Not spendable twice: a second payment takes other coins.
  auto second = p.pay(*a, owner, 1);
  REQUIRE(second);
  CHECK(*second != *txid);
  // The next block carries both, and more transactions besides.
  auto blocks = p.generate(*a, 1, 3, test_time);
  REQUIRE(blocks);
  const auto& b = blocks->front();
  REQUIRE(b.transactions.size() >= 3);
  CHECK(proto::txid(b.transactions[1]) == *txid);
  CHECK(proto::txid(b.transactions[2]) == *second);
  auto coin = ok(a->find_coin(*txid, 0));
  REQUIRE(coin);
  CHECK(coin->value == amount);
  CHECK(coin->owner == owner);
  auto change = ok(a->find_coin(*txid, 1));
  REQUIRE(change);
  CHECK(change->owner == proto::devnet_producer_public_key());
  CHECK(!a->verify());
  // Refused: nothing, or more than the producer holds.
  CHECK(!p.pay(*a, owner, 0));
  CHECK(!p.pay(*a, owner, UINT64_MAX));
  // After a refusal the producer still builds valid blocks.
  REQUIRE(p.generate(*a, 2, 4, test_time));
  CHECK(!a->verify());
}
