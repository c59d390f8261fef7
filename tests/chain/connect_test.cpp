// The steps of connect_block, each on its own: check_block refuses without
// reading the store, compute_utxo_delta refuses without writing it, and
// write_block stores a block the two accepted.

#include <doctest/doctest.h>

#include "chain/store_impl.hpp"
#include "tests/chain/helpers.hpp"

using namespace timecoin;
using namespace timecoin::chain;
using namespace timecoin::chain::test;

namespace {

/// A store with some history; blocks of 2 transactions by default.
struct fixture : store_with_history {
  proto::block valid(uint32_t txs = 2) { return next(txs); }
};

/// What a step must leave as it was: the tip and the UTXO set's LtHash.
struct observed {
  tip_info tip;
  proto::lthash16 utxos;

  explicit observed(const store& s) {
    auto st = ok(s.current_state());
    tip = st.tip;
    utxos = st.utxos;
  }
};

void check_unchanged(const store& s, const observed& before) {
  const observed after{s};
  CHECK(after.tip.height == before.tip.height);
  CHECK(after.tip.hash == before.tip.hash);
  CHECK(after.tip.utxos == before.tip.utxos);
  CHECK(after.utxos == before.utxos);
  CHECK(!s.verify());
}

/// compute_utxo_delta for `b` on the store's tip, in a read transaction.
result<utxo_delta, chain_error> delta_of(store& s, const proto::block& b) {
  auto checked = check_block(s.params(), s.tip(), b);
  REQUIRE(checked);
  const store::impl& impl = internals_of(s);
  const lmdb::txn t = begin_read(impl);
  const chain_state st = load_state(impl, t);
  return compute_utxo_delta(impl, t, st, b, *checked);
}

} // namespace

TEST_CASE("check_block: the rules that need no UTXO set") {
  fixture f;
  const auto params = f.s->params();
  const tip_info parent = f.s->tip();

  SUBCASE("a valid block: its hash and txids") {
    const auto b = f.valid();
    const auto r = check_block(params, parent, b);
    REQUIRE(r);
    CHECK(r->hash == proto::block_hash(b.header));
    REQUIRE(r->txids.size() == b.transactions.size());
    for (std::size_t i = 0; i < b.transactions.size(); ++i)
      CHECK(r->txids[i] == proto::txid(b.transactions[i]));
  }
  SUBCASE("only the parent's height and hash count, not a store") {
    const auto b = f.valid();
    tip_info other;
    other.height = parent.height;
    other.hash = parent.hash;
    CHECK(check_block(params, other, b));
    other.hash[0] ^= 1;
    const auto r = check_block(params, other, b);
    REQUIRE(!r);
    CHECK(r.error().reason == reject_reason::bad_prev_hash);
  }
  SUBCASE("a bad merkle root is refused, nothing stored") {
    const observed before{*f.s};
    auto b = f.valid();
    b.header.merkle_root[0] ^= 1;
    b.producer_signature = f.key.sign(
      proto::block_signing_bytes(proto::block_hash(b.header)));
    const auto r = check_block(params, parent, b);
    REQUIRE(!r);
    CHECK(r.error().reason == reject_reason::bad_merkle_root);
    CHECK(r.error().height == parent.height + 1);
    CHECK(r.error().detail == "merkle_root does not match the transactions");
    check_unchanged(*f.s, before);
  }
  SUBCASE("header rules come before the body's") {
    auto b = f.valid();
    b.header.height += 1;
    b.transactions.clear();
    const auto r = check_block(params, parent, b);
    REQUIRE(!r);
    CHECK(r.error().reason == reject_reason::bad_height);
  }
  SUBCASE("a bad producer signature, checked or deferred") {
    auto b = f.valid();
    b.producer_signature[3] ^= 1;
    const auto r = check_block(params, parent, b);
    REQUIRE(!r);
    CHECK(r.error().reason == reject_reason::bad_producer_signature);

    std::vector<deferred_sig> sigs;
    CHECK(check_block(params, parent, b, false, &sigs));
    REQUIRE(sigs.size() == 1);
    CHECK(verify_all(sigs, 1) == std::optional<std::size_t>{0});
  }
  SUBCASE("genesis: height 0, producer not checked") {
    const auto& g = params.genesis;
    CHECK(check_block(params, tip_info{}, g, true));
    auto later = g;
    later.header.height = 1;
    const auto r = check_block(params, tip_info{}, later, true);
    REQUIRE(!r);
    CHECK(r.error().reason == reject_reason::bad_height);
  }
}

TEST_CASE("compute_utxo_delta: refusals leave the store unchanged") {
  fixture f;
  const observed before{*f.s};

  SUBCASE("double spend in one block") {
    auto b = f.valid();
    auto twin = b.transactions[1];
    twin.lock_time = 99; // another txid, same input
    sign_inputs(twin, f.key);
    b.transactions.push_back(twin);
    finish(*f.s, b, f.key);
    const auto spent = b.transactions[1].inputs[0];
    const auto r = delta_of(*f.s, b);
    REQUIRE(!r);
    CHECK(r.error().reason == reject_reason::missing_input);
    CHECK(r.error().detail
          == "tx 3 input 0 spends an output spent earlier in the block");
    check_unchanged(*f.s, before);
    CHECK(ok(f.s->find_coin(spent.prev_txid, spent.vout)));
  }
  SUBCASE("missing input") {
    auto b = f.valid();
    b.transactions[1].inputs[0].vout = 77;
    sign_inputs(b.transactions[1], f.key);
    finish(*f.s, b, f.key);
    const auto r = delta_of(*f.s, b);
    REQUIRE(!r);
    CHECK(r.error().reason == reject_reason::missing_input);
    CHECK(r.error().detail.find("which is not unspent") != std::string::npos);
    check_unchanged(*f.s, before);
  }
  SUBCASE("bad utxo_root") {
    auto b = f.valid();
    b.header.utxo_root[0] ^= 1;
    resign(b, f.key);
    const auto r = delta_of(*f.s, b);
    REQUIRE(!r);
    CHECK(r.error().reason == reject_reason::bad_utxo_root);
    check_unchanged(*f.s, before);
  }
}

TEST_CASE("compute_utxo_delta then write_block store a valid block") {
  fixture f;
  const observed before{*f.s};
  // A transaction spending an output made earlier in the block: created and
  // spent within it, in neither the delta's spends nor its creations.
  auto b = f.valid(2);
  proto::transaction tx;
  const auto parent = proto::txid(b.transactions[2]);
  tx.inputs.push_back({parent, 1, {}});
  tx.outputs.push_back(
    {b.transactions[2].outputs[1].value, f.key.public_key()});
  sign_inputs(tx, f.key);
  b.transactions.push_back(tx);
  finish(*f.s, b, f.key);

  auto checked = check_block(f.s->params(), f.s->tip(), b);
  REQUIRE(checked);
  auto delta = delta_of(*f.s, b);
  REQUIRE(delta);
  // Two coins from the store; outputs 1 + 2 + 2 + 1, one spent again.
  CHECK(delta->spent.size() == 2);
  CHECK(delta->created.size() == 5);
  CHECK(delta->undo.size() == 2 * enc::element_size);
  CHECK(delta->lthash.digest() == b.header.utxo_root);
  check_unchanged(*f.s, before); // computed, not written

  store::impl& impl = internals_of(*f.s);
  lmdb::txn t{impl.env.get(), false};
  chain_state st = load_state(impl, t);
  write_block(impl, t, st, b, *checked, std::move(delta).value());
  CHECK(st.height == before.tip.height + 1);
  CHECK(st.hash == checked->hash);
  CHECK(st.utxos == before.tip.utxos - 2 + 5);
  save_state(impl, t, st);
  t.commit();
  impl.set_tip(st.tip());

  CHECK(f.s->tip().hash == proto::block_hash(b.header));
  CHECK(!ok(f.s->find_coin(parent, 1)));
  CHECK(ok(f.s->find_coin(proto::txid(tx), 0)));
  CHECK(!f.s->verify());
}
