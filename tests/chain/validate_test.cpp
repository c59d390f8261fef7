// The validity rules of docs/PROTOCOL.md, "Block validity": each invalid block
// is refused with its reason, and nothing of it is applied.

#include <functional>

#include <doctest/doctest.h>

#include "tests/chain/helpers.hpp"

using namespace timecoin;
using namespace timecoin::chain;
using namespace timecoin::chain::test;

namespace {

/// A store with some history; blocks of 3 transactions by default.
struct fixture : store_with_history {
  proto::block valid(uint32_t txs = 3) { return next(txs); }

  /// Appends `b`, expects refusal for `reason`, and checks nothing changed.
  void refused(const proto::block& b, reject_reason reason) {
    const auto before = s->tip();
    const auto r = s->append({b});
    CHECK(r.applied == 0);
    REQUIRE(r.error);
    CHECK(to_string(r.error->reason) == std::string{to_string(reason)});
    CHECK(r.error->height == b.header.height);
    CHECK(!r.error->detail.empty());
    const auto after = s->tip();
    CHECK(after.height == before.height);
    CHECK(after.hash == before.hash);
    CHECK(after.utxos == before.utxos);
    CHECK(!s->verify());
  }
};

} // namespace

TEST_CASE("a valid block is applied") {
  fixture f;
  const auto b = f.valid();
  const auto r = f.s->append({b});
  CHECK(r.applied == 1);
  CHECK(!r.error);
  CHECK(f.s->tip().height == 4);
}

TEST_CASE("invalid blocks are refused with their reason") {
  fixture f;
  const auto other = security::node_key::from_seed(proto::hash256{7});

  SUBCASE("bad height") {
    auto b = f.valid();
    b.header.height += 1;
    finish(*f.s, b, f.key);
    f.refused(b, reject_reason::bad_height);
  }
  SUBCASE("bad prev_hash") {
    auto b = f.valid();
    b.header.prev_hash[0] ^= 1;
    finish(*f.s, b, f.key);
    f.refused(b, reject_reason::bad_prev_hash);
  }
  SUBCASE("unauthorised producer") {
    auto b = f.valid();
    finish(*f.s, b, other);
    f.refused(b, reject_reason::bad_producer);
  }
  SUBCASE("bad producer signature") {
    auto b = f.valid();
    b.producer_signature[5] ^= 1;
    f.refused(b, reject_reason::bad_producer_signature);
  }
  SUBCASE("signature of another block") {
    auto b = f.valid();
    b.header.timestamp += 1; // signature no longer covers the header
    f.refused(b, reject_reason::bad_producer_signature);
  }
  SUBCASE("no transactions") {
    auto b = f.valid();
    b.transactions.clear();
    finish(*f.s, b, f.key);
    f.refused(b, reject_reason::no_coinbase);
  }
  SUBCASE("first transaction has inputs") {
    auto b = f.valid();
    b.transactions.erase(b.transactions.begin());
    finish(*f.s, b, f.key);
    f.refused(b, reject_reason::no_coinbase);
  }
  SUBCASE("second coinbase") {
    auto b = f.valid();
    auto cb = b.transactions[0];
    cb.lock_time += 1000;
    b.transactions.push_back(cb);
    finish(*f.s, b, f.key);
    f.refused(b, reject_reason::misplaced_coinbase);
  }
  SUBCASE("bad merkle root") {
    auto b = f.valid();
    b.header.merkle_root[0] ^= 1;
    b.producer_signature = f.key.sign(
      proto::block_signing_bytes(proto::block_hash(b.header)));
    f.refused(b, reject_reason::bad_merkle_root);
  }
  SUBCASE("missing input") {
    auto b = f.valid();
    b.transactions[1].inputs[0].prev_txid[3] ^= 1;
    sign_inputs(b.transactions[1], f.key);
    finish(*f.s, b, f.key);
    f.refused(b, reject_reason::missing_input);
  }
  SUBCASE("double spend in one block") {
    auto b = f.valid();
    auto twin = b.transactions[1];
    twin.lock_time = 99; // another txid, same input
    sign_inputs(twin, f.key);
    b.transactions.push_back(twin);
    finish(*f.s, b, f.key);
    f.refused(b, reject_reason::missing_input);
  }
  SUBCASE("spending the same output twice in one transaction") {
    auto b = f.valid();
    auto& tx = b.transactions[1];
    tx.inputs.push_back(tx.inputs[0]);
    sign_inputs(tx, f.key);
    finish(*f.s, b, f.key);
    f.refused(b, reject_reason::missing_input);
  }
  SUBCASE("bad input signature") {
    auto b = f.valid();
    b.transactions[2].inputs[0].signature[0] ^= 1;
    f.refused(b, reject_reason::bad_input_signature);
  }
  SUBCASE("input signed by a key that does not own the coin") {
    auto b = f.valid();
    sign_inputs(b.transactions[1], other);
    f.refused(b, reject_reason::bad_input_signature);
  }
  SUBCASE("overspend") {
    auto b = f.valid();
    b.transactions[1].outputs[0].value += 1;
    sign_inputs(b.transactions[1], f.key);
    finish(*f.s, b, f.key);
    f.refused(b, reject_reason::overspend);
  }
  SUBCASE("coinbase pays more than the reward") {
    auto b = f.valid();
    b.transactions[0].outputs[0].value += 1;
    finish(*f.s, b, f.key);
    f.refused(b, reject_reason::bad_coinbase_value);
  }
  SUBCASE("output sum overflows") {
    auto b = f.valid();
    auto& tx = b.transactions[1];
    tx.outputs[0].value = UINT64_MAX;
    tx.outputs.push_back({2, f.key.public_key()});
    sign_inputs(tx, f.key);
    finish(*f.s, b, f.key);
    f.refused(b, reject_reason::value_overflow);
  }
  SUBCASE("bad utxo_root") {
    auto b = f.valid();
    b.header.utxo_root[0] ^= 1;
    resign(b, f.key);
    f.refused(b, reject_reason::bad_utxo_root);
  }
  SUBCASE("duplicate txid") {
    // The coinbase of block 1 (lock_time 1) again: its outputs are unspent
    // only if nothing spent them, so use a fresh store where block 1 has no
    // other transactions and block 2 none either.
    temp_dir d;
    auto s = open_store(d.sub("dup"));
    producer p{f.key};
    REQUIRE(p.generate(*s, 1, 0, test_time));
    auto b = p.next_block(*s, 0, test_time);
    REQUIRE(b);
    b->transactions[0].lock_time = 1;
    finish(*s, *b, f.key);
    const auto r = s->append({*b});
    REQUIRE(r.error);
    CHECK(r.error->reason == reject_reason::duplicate_txid);
    CHECK(s->tip().height == 1);
    CHECK(!s->verify());
  }
}

TEST_CASE("fees may go to the coinbase") {
  fixture f;
  auto b = f.valid(2);
  b.transactions[1].outputs[0].value -= 10;
  sign_inputs(b.transactions[1], f.key);
  b.transactions[0].outputs[0].value += 10;
  finish(*f.s, b, f.key);
  auto r = f.s->append({b});
  CHECK(!r.error);
  CHECK(f.s->tip().height == 4);
  CHECK(!f.s->verify());
}

TEST_CASE("a transaction may spend an output made earlier in its block") {
  fixture f;
  auto b = f.valid(2);
  proto::transaction tx;
  const auto parent = proto::txid(b.transactions[2]);
  tx.inputs.push_back({parent, 1, {}});
  tx.outputs.push_back(
    {b.transactions[2].outputs[1].value, f.key.public_key()});
  sign_inputs(tx, f.key);
  b.transactions.push_back(tx);
  finish(*f.s, b, f.key);
  auto r = f.s->append({b});
  CHECK(!r.error);
  CHECK(!ok(f.s->find_coin(parent, 1)));
  CHECK(ok(f.s->find_coin(proto::txid(tx), 0)));
  CHECK(!f.s->verify());
}

TEST_CASE("a batch commits the valid prefix") {
  temp_dir d;
  auto a = open_store(d.sub("a"));
  producer p{devnet_key()};
  auto blocks = p.generate(*a, 5, 2, test_time);
  REQUIRE(blocks);
  auto batch = *blocks;
  batch[2].transactions[1].inputs[0].signature[1] ^= 1;

  auto b = open_store(d.sub("b"));
  const auto r = b->append(batch);
  CHECK(r.applied == 2);
  REQUIRE(r.error);
  CHECK(r.error->reason == reject_reason::bad_input_signature);
  CHECK(r.error->height == 3);
  CHECK(b->tip().height == 2);
  CHECK(b->tip().hash == proto::block_hash((*blocks)[1].header));
  CHECK(!b->verify());

  // The rest follows once the good block 3 arrives.
  const auto r2 = b->append({(*blocks)[2], (*blocks)[3], (*blocks)[4]});
  CHECK(r2.applied == 3);
  CHECK(!r2.error);
  CHECK(b->tip().hash == a->tip().hash);

  // A first invalid block commits nothing.
  const auto r3 = b->append({batch[2]});
  CHECK(r3.applied == 0);
  CHECK(r3.error);
  CHECK(b->append({}).applied == 0);
}

TEST_CASE("a batch's signatures are checked in parallel, failures exactly") {
  temp_dir d;
  auto a = open_store(d.sub("a"));
  producer p{devnet_key()};
  // 12 blocks of 21 signatures: a batch large enough for several threads.
  auto blocks = p.generate(*a, 12, 20, test_time);
  REQUIRE(blocks);
  SUBCASE("all valid") {
    auto b = open_store(d.sub("b"));
    const auto r = b->append(*blocks);
    CHECK(r.applied == 12);
    CHECK(!r.error);
    CHECK(b->tip().hash == a->tip().hash);
  }
  SUBCASE("an input signature of block 8 is bad") {
    auto batch = *blocks;
    batch[7].transactions[13].inputs[0].signature[5] ^= 1;
    auto b = open_store(d.sub("b"));
    const auto r = b->append(batch);
    CHECK(r.applied == 7);
    REQUIRE(r.error);
    CHECK(r.error->reason == reject_reason::bad_input_signature);
    CHECK(r.error->height == 8);
    CHECK(b->tip().height == 7);
    CHECK(!b->verify());
  }
  SUBCASE("the producer signature of block 11 is bad") {
    auto batch = *blocks;
    batch[10].producer_signature[0] ^= 1;
    auto b = open_store(d.sub("b"));
    const auto r = b->append(batch);
    CHECK(r.applied == 10);
    REQUIRE(r.error);
    CHECK(r.error->reason == reject_reason::bad_producer_signature);
    CHECK(r.error->height == 11);
  }
  SUBCASE("a bad signature before another broken rule: the first wins") {
    auto batch = *blocks;
    batch[2].transactions[3].inputs[0].signature[9] ^= 1;
    batch[5].header.merkle_root[0] ^= 1;
    auto b = open_store(d.sub("b"));
    const auto r = b->append(batch);
    CHECK(r.applied == 2);
    REQUIRE(r.error);
    CHECK(r.error->reason == reject_reason::bad_input_signature);
    CHECK(r.error->height == 3);
  }
}
