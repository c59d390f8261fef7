// Devnet block production: blocks whose transactions move the producer
// key's own coins, so the chain carries real, verifiable transactions.

#include "chain/producer.hpp"

#include <algorithm>
#include <deque>
#include <optional>
#include <set>
#include <string>

namespace timecoin::chain {

namespace {

/// `generate` appends this many blocks per write transaction.
constexpr std::size_t generate_batch_blocks = 100;

/// The pool holds at most this many coins (re-read when it runs dry).
constexpr std::size_t max_pool_coins = 100'000;
/// A payment spends at most this many of the key's coins.
constexpr std::size_t max_payment_inputs = 500;

struct pool_coin {
  proto::hash256 txid{};
  uint32_t vout = 0;
  uint64_t value = 0;
  uint64_t height = 0;
};

} // namespace

/// The key's spendable coins as of the block `built_for` (the tip, or the
/// last block this producer made), oldest first.
struct producer::pool {
  bool valid = false;
  proto::hash256 built_for{};
  std::deque<pool_coin> coins;
  /// Payments (`pay`) for the next block, and the coins they spend (kept
  /// out of `coins` when it is read again).
  struct payment {
    proto::transaction tx;
    proto::hash256 id{};
    std::vector<pool_coin> spent;
  };
  std::vector<payment> payments;
  std::set<std::pair<proto::hash256, uint32_t>> reserved;

  /// Reads the key's coins from `s` unless they describe `tip` already.
  std::optional<std::string> refresh(const store& s, const proto::hash256& pk,
                                     const proto::hash256& tip) {
    if (valid && built_for == tip && !coins.empty())
      return std::nullopt;
    coins.clear();
    valid = false;
    const auto found = s.coins_of(pk, max_pool_coins);
    if (!found)
      return found.error().detail;
    for (const auto& e : *found)
      if (e.value > 0 && reserved.count({e.txid, e.vout}) == 0)
        coins.push_back({e.txid, e.vout, e.value, e.height});
    valid = true;
    built_for = tip;
    return std::nullopt;
  }
};

producer::producer(security::node_key key)
  : key_(std::move(key)), pool_(std::make_shared<pool>()) {}

result<proto::block, chain_error>
producer::next_block(const store& s, uint32_t txs, int64_t timestamp) {
  auto state = s.current_state();
  if (!state)
    return chain_error{reject_reason::storage, 0, state.error().detail};
  return build(s, *state, txs, timestamp);
}

result<proto::block, chain_error> producer::build(const store& s,
                                                  store::tip_state& state,
                                                  uint32_t txs,
                                                  int64_t timestamp) {
  try {
    const tip_info& tip = state.tip;
    const uint64_t height = tip.height + 1;
    const proto::hash256& pk = key_.public_key();
    pool& p = *pool_;
    if (auto err = p.refresh(s, pk, tip.hash))
      return chain_error{reject_reason::storage, 0, *err};

    proto::block b;
    proto::lthash16& lt = state.utxos;
    std::vector<proto::hash256> ids;
    ids.reserve(txs + 1);

    // The coinbase's lock_time is the height, so that coinbases of different
    // heights (same reward, same key) have different txids; the genesis
    // coinbase has lock_time 0, which no later height uses.
    proto::transaction cb;
    cb.version = 1;
    cb.outputs.push_back({s.params().block_reward, pk});
    cb.lock_time = static_cast<uint32_t>(height);
    ids.push_back(proto::txid(cb));
    lt.add(proto::utxo_element(ids.back(), 0, cb.outputs[0].value, pk, height));
    p.coins.push_back({ids.back(), 0, cb.outputs[0].value, height});
    b.transactions.push_back(std::move(cb));

    // Payments first: their coins were set aside when they were made.
    for (auto& pay : p.payments) {
      for (const auto& c : pay.spent) {
        lt.remove(proto::utxo_element(c.txid, c.vout, c.value, pk, c.height));
        p.reserved.erase({c.txid, c.vout});
      }
      for (uint32_t v = 0; v < pay.tx.outputs.size(); ++v) {
        const auto& o = pay.tx.outputs[v];
        lt.add(proto::utxo_element(pay.id, v, o.value, o.owner, height));
        if (o.owner == pk)
          p.coins.push_back({pay.id, v, o.value, height});
      }
      ids.push_back(pay.id);
      b.transactions.push_back(std::move(pay.tx));
    }
    p.payments.clear();

    for (uint32_t i = 0; i < txs && !p.coins.empty(); ++i) {
      const pool_coin c = p.coins.front();
      p.coins.pop_front();
      proto::transaction tx;
      tx.version = 1;
      tx.lock_time = 0;
      tx.inputs.push_back({c.txid, c.vout, {}});
      if (c.value == 1) {
        tx.outputs.push_back({1, pk});
      } else {
        tx.outputs.push_back({c.value / 2, pk});
        tx.outputs.push_back({c.value - c.value / 2, pk});
      }
      const proto::hash256 id = proto::txid(tx);
      tx.inputs[0].signature = key_.sign(proto::tx_signing_bytes(id));
      lt.remove(proto::utxo_element(c.txid, c.vout, c.value, pk, c.height));
      for (uint32_t v = 0; v < tx.outputs.size(); ++v) {
        lt.add(proto::utxo_element(id, v, tx.outputs[v].value, pk, height));
        p.coins.push_back({id, v, tx.outputs[v].value, height});
      }
      ids.push_back(id);
      b.transactions.push_back(std::move(tx));
    }

    proto::block_header& h = b.header;
    h.version = 1;
    h.height = height;
    h.prev_hash = tip.hash;
    h.merkle_root = proto::merkle_root(ids);
    h.utxo_root = lt.digest();
    h.timestamp = std::max(timestamp, tip.timestamp);
    h.producer = pk;
    const proto::hash256 hash = proto::block_hash(h);
    b.producer_signature = key_.sign(proto::block_signing_bytes(hash));
    // The pool now describes the state after this block: still right if the
    // block is appended, rebuilt on the next call if it is not.
    p.built_for = hash;
    // `state` too: the next block can be built on this one before it is
    // stored.
    state.tip.height = height;
    state.tip.hash = hash;
    state.tip.utxo_root = h.utxo_root;
    state.tip.timestamp = h.timestamp;
    return b;
  } catch (const std::exception& e) {
    pool_->valid = false;
    return chain_error{reject_reason::storage, 0, e.what()};
  }
}

result<proto::hash256, std::string>
producer::pay(const store& s, const proto::hash256& owner, uint64_t amount) {
  if (amount == 0)
    return std::string{"the amount must be more than 0"};
  const proto::hash256& pk = key_.public_key();
  pool& p = *pool_;
  if (auto err = p.refresh(s, pk, s.tip().hash))
    return *err;
  std::vector<pool_coin> spent;
  uint64_t sum = 0;
  while (sum < amount && !p.coins.empty()
         && spent.size() < max_payment_inputs) {
    spent.push_back(p.coins.front());
    p.coins.pop_front();
    sum += spent.back().value;
  }
  if (sum < amount) {
    for (auto i = spent.rbegin(); i != spent.rend(); ++i)
      p.coins.push_front(*i);
    return std::string{"the producer cannot pay that much in one transaction "
                       "(it found "}
           + std::to_string(sum) + " units)";
  }
  pool::payment pay;
  pay.tx.version = 1;
  pay.tx.lock_time = 0;
  for (const auto& c : spent)
    pay.tx.inputs.push_back({c.txid, c.vout, {}});
  pay.tx.outputs.push_back({amount, owner});
  if (sum > amount)
    pay.tx.outputs.push_back({sum - amount, pk});
  pay.id = proto::txid(pay.tx);
  auto sig = key_.sign(proto::tx_signing_bytes(pay.id));
  for (auto& in : pay.tx.inputs)
    in.signature = sig;
  for (const auto& c : spent)
    p.reserved.insert({c.txid, c.vout});
  pay.spent = std::move(spent);
  auto id = pay.id;
  p.payments.push_back(std::move(pay));
  return id;
}

result<std::vector<proto::block>, chain_error>
producer::generate(store& s, uint32_t n, uint32_t txs, int64_t timestamp) {
  std::vector<proto::block> out;
  out.reserve(n);
  auto state = s.current_state();
  if (!state)
    return chain_error{reject_reason::storage, 0, state.error().detail};
  auto& st = *state;
  // Built ahead in memory and appended a batch at a time: one transaction
  // (one fsync) per batch instead of per block.
  std::vector<proto::block> batch;
  auto flush = [&]() -> std::optional<chain_error> {
    if (batch.empty())
      return std::nullopt;
    auto r = s.append(batch);
    if (r.error) {
      pool_->valid = false;
      return r.error;
    }
    for (auto& x : batch)
      out.push_back(std::move(x));
    batch.clear();
    return std::nullopt;
  };
  for (uint32_t i = 0; i < n; ++i) {
    // An empty pool is re-read from the store: store what was built first.
    if (pool_->coins.empty())
      if (auto err = flush())
        return *err;
    auto b = build(s, st, txs, timestamp);
    if (!b)
      return b.error();
    batch.push_back(std::move(b).value());
    if (batch.size() == generate_batch_blocks)
      if (auto err = flush())
        return *err;
  }
  if (auto err = flush())
    return *err;
  return out;
}

} // namespace timecoin::chain
