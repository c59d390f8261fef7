// Reorganisation: all or nothing, bounded depth, only to longer branches.

#include <doctest/doctest.h>

#include "tests/chain/helpers.hpp"

using namespace timecoin;
using namespace timecoin::chain;
using namespace timecoin::chain::test;

namespace {

std::vector<proto::block> blocks_of(const store& s, uint64_t from,
                                    uint64_t to) {
  auto bs = ok(s.get_blocks(from, static_cast<uint16_t>(to - from + 1)));
  REQUIRE(bs.items.size() == to - from + 1);
  return bs.items;
}

} // namespace

TEST_CASE("reorganize switches to a longer branch and back") {
  temp_dir d;
  auto a = open_store(d.sub("a"));
  auto b = open_store(d.sub("b"));
  auto c = open_store(d.sub("c"));
  producer pa{devnet_key()}, pb{devnet_key()}, pc{devnet_key()};
  REQUIRE(pa.generate(*a, 10, 3, test_time));
  copy_chain(*a, *b);
  copy_chain(*a, *c);
  REQUIRE(b->tip().hash == a->tip().hash);

  REQUIRE(pa.generate(*a, 5, 2, test_time)); // a: 11..15
  REQUIRE(pb.generate(*b, 6, 4, test_time)); // b: 11..16, other txs
  copy_chain(*a, *c);                        // c: a's branch
  REQUIRE(ok(a->hash_at(11)) != ok(b->hash_at(11)));
  const auto a_tip = a->tip();

  // A branch that is not longer, or starts too high, changes nothing.
  auto r = a->reorganize(10, blocks_of(*b, 11, 15));
  REQUIRE(!r);
  CHECK(r.error().reason == reject_reason::not_longer);
  CHECK(a->tip().hash == a_tip.hash);

  // An invalid block in the branch: nothing changes, not even the
  // disconnection.
  auto broken = blocks_of(*b, 11, 16);
  broken[4].transactions[1].inputs[0].signature[0] ^= 1;
  r = a->reorganize(10, broken);
  REQUIRE(!r);
  CHECK(r.error().reason == reject_reason::bad_input_signature);
  CHECK(r.error().height == 15);
  CHECK(a->tip().hash == a_tip.hash);
  CHECK(a->tip().utxos == a_tip.utxos);
  CHECK(!a->verify());

  r = a->reorganize(10, blocks_of(*b, 11, 16));
  INFO((r ? std::string{} : r.error().detail));
  REQUIRE(r);
  CHECK(a->tip().height == 16);
  CHECK(a->tip().hash == b->tip().hash);
  CHECK(a->tip().utxo_root == b->tip().utxo_root);
  CHECK(a->tip().utxos == b->tip().utxos);
  CHECK(!a->verify());
  CHECK(ok(a->height_of(a_tip.hash)) == std::nullopt);
  CHECK(ok(a->height_of(b->tip().hash)) == std::optional<uint64_t>{16});

  // Back to the first branch, now longer: the same state as a store that
  // never left it.
  producer pc2{devnet_key()};
  REQUIRE(pc2.generate(*c, 2, 1, test_time)); // c: 11..17
  r = a->reorganize(10, blocks_of(*c, 11, 17));
  REQUIRE(r);
  CHECK(a->tip().hash == c->tip().hash);
  CHECK(a->tip().utxo_root == c->tip().utxo_root);
  CHECK(a->tip().utxos == c->tip().utxos);
  CHECK(!a->verify());
  CHECK(ok(a->hash_at(15)) == a_tip.hash);

  // The producer of `a` sees the switch and builds on the new tip.
  REQUIRE(pa.generate(*a, 2, 3, test_time));
  CHECK(a->tip().height == 19);
  CHECK(!a->verify());
}

TEST_CASE("reorganize refuses to go deeper than max_reorg_depth") {
  temp_dir d;
  auto a = open_store(d.sub("a"));
  producer p{devnet_key()};
  REQUIRE(p.generate(*a, max_reorg_depth + 5, 0, test_time));
  const auto tip = a->tip();
  const uint64_t deep = tip.height - max_reorg_depth - 1;
  auto r = a->reorganize(deep, std::vector<proto::block>(max_reorg_depth + 5));
  REQUIRE(!r);
  CHECK(r.error().reason == reject_reason::too_deep);
  CHECK(a->tip().hash == tip.hash);

  r = a->reorganize(tip.height + 1, {});
  CHECK(!r);

  // Exactly max_reorg_depth: allowed, the undo data is there. Disconnect
  // all and re-apply the same blocks plus one.
  const uint64_t fork = tip.height - max_reorg_depth;
  auto branch = ok(a->get_blocks(fork + 1, 500)).items;
  REQUIRE(branch.size() == max_reorg_depth);
  auto c = open_store(d.sub("c"));
  copy_chain(*a, *c);
  producer pc{devnet_key()};
  REQUIRE(pc.generate(*c, 1, 0, test_time));
  branch.push_back(*ok(c->block_at(c->tip().height)));
  r = a->reorganize(fork, branch);
  INFO((r ? std::string{} : r.error().detail));
  REQUIRE(r);
  CHECK(a->tip().hash == c->tip().hash);
  CHECK(!a->verify());
}
