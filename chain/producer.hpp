#pragma once

// Block production for devnet and tests: blocks signed with a producer key,
// carrying transactions that spend the key's earlier outputs into new ones
// (pure, no CAF).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "chain/store.hpp"
#include "security/node_key.hpp"

namespace timecoin::chain {

/// Builds blocks on a store's tip. Keeps a pool of the key's spendable coins
/// between calls and re-reads the store when the pool runs dry or the tip
/// moved under it (blocks from peers).
class producer {
public:
  explicit producer(security::node_key key);

  /// The next block on `s`'s tip: a coinbase paying the block reward to the
  /// key, then up to `txs` transactions, each spending one of the key's coins
  /// (an earlier block's, or one created earlier in this block) into two
  /// outputs (one if its value is 1), signed. `timestamp` is raised to the
  /// parent's if lower. The block is valid but not applied.
  result<proto::block, chain_error> next_block(const store& s, uint32_t txs,
                                               int64_t timestamp);

  /// Pays `amount` units to `owner` from the key's coins (vout 0 pays the
  /// owner, vout 1 returns the change) in the next block this producer
  /// builds; returns the transaction's id. The coins it spends are set
  /// aside until then.
  result<proto::hash256, std::string>
  pay(const store& s, const proto::hash256& owner, uint64_t amount);

  /// Produces `n` blocks and appends each to `s`; returns them. Stops
  /// at the first failure (the error), keeping the blocks already applied.
  result<std::vector<proto::block>, chain_error>
  generate(store& s, uint32_t n, uint32_t txs, int64_t timestamp);

  const proto::hash256& public_key() const { return key_.public_key(); }

  struct pool;

private:
  /// The block on `state` (the store's, or one built ahead); `state` becomes
  /// the state after it.
  result<proto::block, chain_error> build(const store& s,
                                          store::tip_state& state, uint32_t txs,
                                          int64_t timestamp);

  security::node_key key_;
  std::shared_ptr<pool> pool_;
};

} // namespace timecoin::chain
